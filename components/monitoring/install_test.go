package monitoring

import (
	"encoding/json"
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
	args := &StackArgs{AppNamespace: "workfx-ai", Mesh: true, Apps: []App{
		{Name: "workfx-api", HPA: true, LatencyThresholdMS: 15000},
		{Name: "workfx-cdc", LatencyThresholdMS: 15000},
		{Name: "rasa-pro-services", HPA: true, LatencyThresholdMS: 15000, Critical: true},
	}}
	a := alerts(ruleGroups(args))
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
	args.Mesh = false
	a = alerts(ruleGroups(args))
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
	assert.Nil(t, v.Prometheus.PrometheusSpec.PodMetadata, "no sidecar without the mesh")
	assert.False(t, v.KubeScheduler.Enabled, "managed control planes expose no scheduler")
	assert.False(t, v.Prometheus.PrometheusSpec.ServiceMonitorSelectorNilUsesHelmValues)

	args.StorageClass, args.Mesh, args.ManagedControlPlane = "managed-csi-premium", true, false
	v = stackValues(args)
	assert.Equal(t, "managed-csi-premium", *v.Alertmanager.AlertmanagerSpec.Storage.VolumeClaimTemplate.Spec.StorageClassName)
	require.NotNil(t, v.Prometheus.PrometheusSpec.PodMetadata)
	assert.Equal(t, "true", v.Prometheus.PrometheusSpec.PodMetadata.Labels["sidecar.istio.io/inject"])
	require.Len(t, v.Prometheus.PrometheusSpec.VolumeMounts, 1)
	assert.Equal(t, "/etc/prom-certs/", v.Prometheus.PrometheusSpec.VolumeMounts[0].MountPath, "where the ServiceMonitors' tlsConfig reads")
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
