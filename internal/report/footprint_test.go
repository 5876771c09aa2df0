package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func deployment(name, ns string, replicas int, annotations map[string]any, req, lim map[string]any) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"replicas": replicas,
			"template": map[string]any{
				"metadata": map[string]any{"annotations": annotations},
				"spec": map[string]any{"containers": []any{
					map[string]any{"name": name, "resources": map[string]any{"requests": req, "limits": lim}},
				}},
			},
		},
	}
}

func TestFootprintOfHandMadePlan(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "apps", Type: "kubernetes:core/v1:Namespace", Inputs: map[string]any{
		"metadata": map[string]any{"name": "apps", "labels": map[string]any{"istio-injection": "enabled"}},
	}})
	b.add(res{Name: "api", Type: "kubernetes:apps/v1:Deployment", Inputs: deployment("api", "apps", 2, nil,
		map[string]any{"cpu": "500m", "memory": "1Gi"}, map[string]any{"cpu": "1", "memory": "2Gi"})})
	// The worker opts out of injection and has no limits.
	b.add(res{Name: "worker", Type: "kubernetes:apps/v1:Deployment", Inputs: deployment("worker", "apps", 1,
		map[string]any{"sidecar.istio.io/inject": "false"}, map[string]any{"cpu": "0.25", "memory": "256Mi"}, nil)})
	// Its proxy is resized by annotations.
	b.add(res{Name: "small", Type: "kubernetes:apps/v1:Deployment", Inputs: deployment("small", "apps", 1,
		map[string]any{"sidecar.istio.io/proxyCPU": "50m", "sidecar.istio.io/proxyMemory": "64Mi"},
		map[string]any{"cpu": "100m", "memory": "128Mi"}, map[string]any{"cpu": "200m", "memory": "256Mi"})})
	b.add(res{Name: "api-hpa", Type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", Inputs: map[string]any{
		"metadata": map[string]any{"name": "api", "namespace": "apps"},
		"spec":     map[string]any{"scaleTargetRef": map[string]any{"kind": "Deployment", "name": "api"}, "minReplicas": 2, "maxReplicas": 5},
	}})
	b.add(res{Name: "istiod", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{
		"chart": "istiod", "namespace": "istio-system", "values": map[string]any{"pilot": map[string]any{"autoscaleMin": 2}},
	}})
	b.add(res{Name: "kps", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{
		"chart": "kube-prometheus-stack", "namespace": "monitoring", "values": map[string]any{
			"prometheus": map[string]any{"prometheusSpec": map[string]any{"replicas": 2, "resources": map[string]any{
				"requests": map[string]any{"cpu": "1", "memory": "4Gi"}, "limits": map[string]any{"cpu": "2", "memory": "8Gi"}}}},
			"grafana":      map[string]any{"enabled": false},
			"alertmanager": map[string]any{"enabled": false},
		},
	}})
	b.add(res{Name: "other", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{"chart": "cert-manager", "namespace": "cert-manager"}})

	f, err := ComputeFootprint(b.plan())
	require.NoError(t, err)

	ns := map[string]NamespaceFootprint{}
	for _, n := range f.Namespaces {
		ns[n.Namespace] = n
	}
	require.Contains(t, ns, "apps")
	// api: 2 × (500m + 100m sidecar); worker: 250m, no sidecar; small: 100m + 50m proxy.
	assert.Equal(t, int64(2*600+250+150), ns["apps"].Total.RequestCPUMilli)
	assert.Equal(t, int64(2*(1<<30+128<<20)+256<<20+(128<<20+64<<20)), ns["apps"].Total.RequestMemory)
	// Limits: api 2 × (1 + 2 sidecar) CPU; worker none; small 200m + the default 2 CPU proxy limit.
	assert.Equal(t, int64(2*3000+0+2200), ns["apps"].Total.LimitCPUMilli)
	assert.Equal(t, 4, ns["apps"].Pods)
	assert.NotEmpty(t, f.SidecarSource)

	// istiod: chart default requests (500m / 2048Mi) × autoscaleMin 2, no limits.
	assert.Equal(t, int64(1000), ns["istio-system"].Total.RequestCPUMilli)
	assert.Equal(t, int64(2*2048<<20), ns["istio-system"].Total.RequestMemory)
	assert.Equal(t, 2, ns["istio-system"].Pods)

	// kube-prometheus-stack: Prometheus from values (2 × 1 CPU / 4 GiB); operator,
	// kube-state-metrics and node-exporter have no default requests: listed, not counted.
	assert.Equal(t, int64(2000), ns["monitoring"].Total.RequestCPUMilli)
	assert.Equal(t, int64(8<<30), ns["monitoring"].Total.RequestMemory)
	assert.Equal(t, 5, ns["monitoring"].Pods, "2 Prometheus + operator + kube-state-metrics + node-exporter")

	assert.Equal(t, ns["apps"].Total.RequestCPUMilli+1000+2000, f.Total.RequestCPUMilli)
	// The api's autoscaler may run 5 pods: 3 more of 600m each.
	assert.Equal(t, f.Total.RequestCPUMilli+3*600, f.AtMaxReplicas.RequestCPUMilli)
	assert.Contains(t, f.Unbounded, "apps/worker container worker: no CPU limit, memory limit")
	assert.Contains(t, f.Unbounded, "monitoring/prometheus-operator (release kps): no CPU request, memory request, CPU limit, memory limit")
	assert.Contains(t, f.Unbounded, "istio-system/istiod (release istiod): no CPU limit, memory limit")
	assert.Equal(t, []string{`Helm release other (chart "cert-manager"): no footprint row for the chart`}, f.NotCounted)
	require.NotNil(t, f.Minimum, "no cluster is provisioned: compare with the customer minimum")
	assert.False(t, f.Minimum.FitsRequests)
}

func TestRequestDefaultsToLimit(t *testing.T) {
	res, missing, err := containerSize(map[string]any{"limits": map[string]any{"cpu": "1", "memory": "1Gi"}})
	require.NoError(t, err)
	assert.Empty(t, missing)
	assert.Equal(t, Resources{RequestCPUMilli: 1000, RequestMemory: 1 << 30, LimitCPUMilli: 1000, LimitMemory: 1 << 30}, res)
	_, missing, err = containerSize(nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"CPU request", "memory request", "CPU limit", "memory limit"}, missing)
	_, _, err = containerSize(map[string]any{"requests": map[string]any{"cpu": "lots"}})
	assert.ErrorContains(t, err, "CPU request")
}

func TestFootprintWithProvisionedClusterHasNoCustomerMinimum(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "aks", Type: "azure-native:containerservice:ManagedCluster"})
	f, err := ComputeFootprint(b.plan())
	require.NoError(t, err)
	assert.Nil(t, f.Minimum)
	assert.Empty(t, f.Namespaces)
}

func TestParseQuantities(t *testing.T) {
	for in, want := range map[string]int64{"250m": 250, "2": 2000, "0.5": 500, "1.25": 1250} {
		got, err := ParseCPU(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]int64{"512Mi": 512 << 20, "1Gi": 1 << 30, "128M": 128e6, "1024Ki": 1 << 20, "1000": 1000, "1.5Gi": 3 << 29} {
		got, err := ParseMemory(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "abc", "-1", "1x"} {
		_, err := ParseCPU(bad)
		assert.Error(t, err, bad)
		_, err = ParseMemory(bad)
		assert.Error(t, err, bad)
	}
}

func TestFormatting(t *testing.T) {
	assert.Equal(t, "45s", FormatSeconds(45))
	assert.Equal(t, "3m07s", FormatSeconds(187))
	assert.Equal(t, "1h02m03s", FormatSeconds(3723))
	assert.Equal(t, "2.5", FormatCPU(2500))
	assert.Equal(t, "0.25", FormatCPU(250))
	assert.Equal(t, "4.62 GiB", FormatMemory(4<<30+640<<20))
	assert.Equal(t, "640 MiB", FormatMemory(640<<20))
}

func TestChartReplicasFollowTheAutoscalerSwitch(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "new-style", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{
		"chart": "istiod", "values": map[string]any{"autoscaleMin": 3, "replicaCount": 7},
	}})
	b.add(res{Name: "fixed", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{
		"chart": "gateway", "values": map[string]any{"autoscaling": map[string]any{"enabled": false, "minReplicas": 4}, "replicaCount": 2},
	}})
	b.add(res{Name: "defaults", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{"chart": "gateway"}})
	want := map[string]int{"new-style": 3, "fixed": 2, "defaults": 1}
	for _, r := range b.plan().Resources {
		assert.Equal(t, want[r.Name], chartReplicas(r, chartPods[chartName(r)][0]), r.Name)
	}
}

// A Deployment that leaves its replica count to its HPA (as the workload component renders every
// app) runs the HPA's minReplicas at once; counting the API server's default of 1 instead
// understated the ka footprint by a workfx-api pod.
func TestReplicasOwnedByAnHPAAreItsMinimum(t *testing.T) {
	b := newPlanBuilder(t)
	d := deployment("api", "apps", 0, nil, map[string]any{"cpu": "500m", "memory": "1Gi"}, map[string]any{"cpu": "1", "memory": "2Gi"})
	delete(d["spec"].(map[string]any), "replicas")
	b.add(res{Name: "api", Type: "kubernetes:apps/v1:Deployment", Inputs: d})
	b.add(res{Name: "api-hpa", Type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", Inputs: map[string]any{
		"metadata": map[string]any{"name": "api", "namespace": "apps"},
		"spec":     map[string]any{"scaleTargetRef": map[string]any{"kind": "Deployment", "name": "api"}, "minReplicas": 3, "maxReplicas": 5},
	}})
	f, err := ComputeFootprint(b.plan())
	require.NoError(t, err)
	require.Len(t, f.Namespaces, 1)
	require.Len(t, f.Namespaces[0].Workloads, 1)
	assert.Equal(t, 3, f.Namespaces[0].Workloads[0].Replicas)
	assert.Equal(t, 3, f.Namespaces[0].Pods)
}
