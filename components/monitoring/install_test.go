package monitoring

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func alerts(groups []ruleGroup) map[string][]rule {
	out := map[string][]rule{}
	for _, g := range groups {
		for _, r := range g.Rules {
			out[r.Alert] = append(out[r.Alert], r)
		}
	}
	return out
}

func TestRuleGroups(t *testing.T) {
	apps := []App{
		{Name: "workfx-api", HPA: true, LatencyThresholdMS: 15000},
		{Name: "workfx-cdc", LatencyThresholdMS: 15000},
		{Name: "rasa-pro-services", HPA: true, LatencyThresholdMS: 15000, Critical: true},
	}
	a := alerts(ruleGroups("workfx-ai", true, apps))
	assert.Len(t, a["WorkfxHighErrorRatio"], 3)
	assert.Len(t, a["WorkfxHighLatencyP95"], 3)
	assert.Len(t, a["WorkfxHPAAtMaxReplicas"], 2, "only apps that can scale")
	assert.Len(t, a["WorkfxRasaProServicesDown"], 1)
	assert.Len(t, a["WorkfxPodCrashLooping"], 1)
	assert.Contains(t, a["WorkfxHighLatencyP95"][0].Expr, "> 15000")
	for _, rs := range a {
		for _, r := range rs {
			assert.Contains(t, r.Expr, `"workfx-ai"`, "%s is scoped to the apps' namespace", r.Alert)
			assert.NotEmpty(t, r.Labels["severity"])
		}
	}

	// Without the mesh there are no Istio metrics to alert on.
	a = alerts(ruleGroups("workfx-ai", false, apps))
	assert.Empty(t, a["WorkfxHighErrorRatio"])
	assert.Empty(t, a["WorkfxHighLatencyP95"])
	assert.Len(t, a["WorkfxPodCrashLooping"], 1)
}

func TestDashboardJSON(t *testing.T) {
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(dashboardJSON("workfx-ai", App{Name: "rasa-pro"})), &d))
	assert.Equal(t, "workfx-rasa-pro", d["uid"])
	panels := d["panels"].([]any)
	require.Len(t, panels, 4)
	var titles []string
	for _, p := range panels {
		titles = append(titles, p.(map[string]any)["title"].(string))
	}
	assert.Equal(t, "Request rate|Errors (5xx ratio)|Latency|Saturation (of limits)", strings.Join(titles, "|"))
	// rasa-pro must not match rasa-pro-services: queries select exact workload and container names.
	b, _ := json.Marshal(panels)
	assert.NotContains(t, string(b), `=~`+"\\\"rasa-pro")
	assert.Contains(t, string(b), `container=\"rasa-pro\"`)
}

func TestStackValues(t *testing.T) {
	args := &StackArgs{Registry: "registry.internal/mirror/", Retention: "3d", StorageSize: "20Gi", AlertmanagerStorageSize: "2Gi",
		PrometheusReplicas: 1, ScrapeInterval: "30s", ManagedControlPlane: true}
	v := stackValues(args)
	assert.Equal(t, "registry.internal/mirror", v.Global.ImageRegistry)
	assert.Nil(t, v.Prometheus.PrometheusSpec.StorageSpec.VolumeClaimTemplate.Spec.StorageClassName, "empty class: cluster default")
	assert.False(t, v.KubeScheduler.Enabled, "managed control planes expose no scheduler")
	assert.False(t, v.Prometheus.PrometheusSpec.ServiceMonitorSelectorNilUsesHelmValues)

	args.StorageClass, args.Mesh, args.ManagedControlPlane = "managed-csi-premium", true, false
	v = stackValues(args)
	assert.Equal(t, "managed-csi-premium", *v.Alertmanager.AlertmanagerSpec.Storage.VolumeClaimTemplate.Spec.StorageClassName)
	b, err := json.Marshal(v.Prometheus)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "sidecar.istio.io", "Prometheus needs no mesh certificate: the apps are scraped outside mTLS")
	assert.True(t, v.KubeEtcd.Enabled)
}

// Every pod the stack runs reserves CPU and memory and has a memory limit: the charts set none.
func TestStackPodsHaveRequests(t *testing.T) {
	v := stackValues(&StackArgs{Retention: "3d", StorageSize: "20Gi", AlertmanagerStorageSize: "2Gi", PrometheusReplicas: 1, ScrapeInterval: "30s"})
	for name, r := range map[string]resourceReqs{
		"prometheus": v.Prometheus.PrometheusSpec.Resources, "alertmanager": v.Alertmanager.AlertmanagerSpec.Resources,
		"grafana": v.Grafana.Resources, "operator": v.PrometheusOperator.Resources,
		"kube-state-metrics": v.KubeStateMetrics.Resources, "node-exporter": v.NodeExporter.Resources,
	} {
		if r.Requests.CPU == "" || r.Requests.Memory == "" || r.Limits == nil || r.Limits.Memory == "" {
			t.Errorf("%s: requests %+v limits %+v", name, r.Requests, r.Limits)
		}
	}
}

// Helm installs a chart's crds/ once and never upgrades them: the chart's CRD upgrade job applies
// them on every install and upgrade (kube-prometheus-stack 77.0.0 charts/crds/templates/upgrade/
// job.yaml, whose busybox and kubectl images take global.imageRegistry).
func TestCRDsUpgradeWithTheChart(t *testing.T) {
	v := stackValues(&StackArgs{Registry: "registry.internal/mirror", Retention: "3d", StorageSize: "20Gi", AlertmanagerStorageSize: "2Gi", PrometheusReplicas: 1})
	assert.True(t, v.CRDs.Enabled)
	assert.True(t, v.CRDs.UpgradeJob.Enabled)
	assert.True(t, v.CRDs.UpgradeJob.ForceConflicts, "Helm's field manager owns the CRDs it created")
	assert.Equal(t, CRDUpgradeBusyboxTag, v.CRDs.UpgradeJob.Image.Busybox.Tag, "pinned, not latest")
	assert.Equal(t, "registry.internal/mirror", v.Global.ImageRegistry, "the job's images follow the registry override")
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"crds":{"enabled":true,"upgradeJob":{"enabled":true,"forceConflicts":true`)
}

// Prometheus applies a relabeling's regex anchored to the whole value (RE2, full match).
func relabelApply(t *testing.T, r relabel, value string) string {
	t.Helper()
	re := regexp.MustCompile("^(?:" + r.Regex + ")$")
	require.True(t, re.MatchString(value), "%s matches %q", r.Regex, value)
	return re.ReplaceAllString(value, strings.ReplaceAll(r.Replacement, "${1}", "$1"))
}

// The merged endpoint is istio-agent's port on the pod address Prometheus discovered for the
// sidecar's declared Envoy port, for IPv4 and IPv6 pods alike; Envoy's series are dropped.
func TestMergedEndpointMovesTheTargetToTheAgent(t *testing.T) {
	ep := mergedEndpoint("30s")
	assert.Equal(t, "http-envoy-prom", ep.Port, "a declared container port of the sidecar: one target per pod")
	assert.Equal(t, "/stats/prometheus", ep.Path)
	assert.Equal(t, "http", ep.Scheme, "outside mTLS: no certificate needed")
	require.Len(t, ep.Relabelings, 2)
	addr := ep.Relabelings[0]
	assert.Equal(t, "__address__", addr.TargetLabel)
	assert.Equal(t, "10.244.1.7:15020", relabelApply(t, addr, "10.244.1.7:15090"))
	assert.Equal(t, "[fd00:10:244::7]:15020", relabelApply(t, addr, "[fd00:10:244::7]:15090"))

	require.Len(t, ep.MetricRelabelings, 1)
	drop := ep.MetricRelabelings[0]
	assert.Equal(t, "drop", drop.Action)
	re := regexp.MustCompile("^(?:" + drop.Regex + ")$")
	for _, envoy := range []string{"istio_requests_total", "istio_request_duration_milliseconds_bucket", "envoy_cluster_upstream_cx_total", "istio_agent_process_cpu_seconds_total"} {
		assert.True(t, re.MatchString(envoy), "%s is Envoy's or the agent's: scraped on its own port", envoy)
	}
	for _, app := range []string{"http_requests_total", "process_resident_memory_bytes", "workfx_documents_indexed_total"} {
		assert.False(t, re.MatchString(app), "%s is the app's: kept", app)
	}
}
