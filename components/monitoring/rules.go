package monitoring

import (
	"fmt"

	"github.com/workfx/workfx-platform/components/kube"
)

type (
	rule struct {
		Alert       string            `json:"alert"`
		Expr        string            `json:"expr"`
		For         string            `json:"for"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	}
	ruleGroup struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	}
	prometheusRuleSpec struct {
		Groups []ruleGroup `json:"groups"`
	}
)

// istioSelector selects the server-side Istio metrics of one app (reported by its own sidecar,
// so requests from the gateway and from other apps are both counted).
func istioSelector(ns, app string) string {
	return fmt.Sprintf(`reporter="destination",destination_workload_namespace=%q,destination_workload=%q`, ns, app)
}

// ruleGroups are the platform's alerts: per app 5xx ratio and p95 latency (Istio metrics, with
// the mesh on), HPA at its maximum, crash-looping pods, and Rasa Pro Services health.
// Every alert carries the apps' namespace as its namespace label: an AlertmanagerConfig there
// routes exactly the alerts of its own namespace (the operator's OnNamespace matcher).
func ruleGroups(ns string, mesh bool, apps []App) []ruleGroup {
	sev := func(s string) map[string]string { return map[string]string{"severity": s, "namespace": ns} }
	var appRules []rule
	for _, a := range apps {
		sel := istioSelector(ns, a.Name)
		if mesh {
			appRules = append(appRules,
				rule{
					Alert: "WorkfxHighErrorRatio",
					Expr: fmt.Sprintf(`sum(rate(istio_requests_total{%s,response_code=~"5.."}[5m])) / sum(rate(istio_requests_total{%s}[5m])) > 0.05`,
						sel, sel),
					For:    "5m",
					Labels: kube.Merge(sev("critical"), map[string]string{"app": a.Name}),
					Annotations: map[string]string{
						"summary":     a.Name + " answers more than 5% of requests with 5xx",
						"description": "{{ $value | humanizePercentage }} of " + a.Name + " requests failed with 5xx over 5 minutes.",
					},
				},
				rule{
					Alert: "WorkfxHighLatencyP95",
					Expr: fmt.Sprintf(`histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s}[5m]))) > %d`,
						sel, a.LatencyThresholdMS),
					For:    "10m",
					Labels: kube.Merge(sev("warning"), map[string]string{"app": a.Name}),
					Annotations: map[string]string{
						"summary":     fmt.Sprintf("%s p95 latency above %d ms", a.Name, a.LatencyThresholdMS),
						"description": "p95 latency of " + a.Name + " is {{ $value }} ms.",
					},
				})
		}
		if a.HPA {
			appRules = append(appRules, rule{
				Alert: "WorkfxHPAAtMaxReplicas",
				Expr: fmt.Sprintf(`kube_horizontalpodautoscaler_status_current_replicas{namespace=%q,horizontalpodautoscaler=%q} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace=%q,horizontalpodautoscaler=%q}`,
					ns, a.Name, ns, a.Name),
				For:    "15m",
				Labels: kube.Merge(sev("warning"), map[string]string{"app": a.Name}),
				Annotations: map[string]string{
					"summary":     a.Name + " has been at its maximum replicas for 15 minutes",
					"description": "The HPA of " + a.Name + " cannot scale further; raise maxReplicas or the node capacity.",
				},
			})
		}
		if a.Critical {
			appRules = append(appRules, rule{
				Alert:  "WorkfxRasaProServicesDown",
				Expr:   fmt.Sprintf(`kube_deployment_status_replicas_available{namespace=%q,deployment=%q} < 1`, ns, a.Name),
				For:    "5m",
				Labels: kube.Merge(sev("critical"), map[string]string{"app": a.Name}),
				Annotations: map[string]string{
					"summary":     a.Name + " has no available replica",
					"description": a.Name + " (Rasa Pro analytics) has had no ready pod for 5 minutes; check its health check and the analytics database.",
				},
			})
		}
	}
	pods := []rule{{
		Alert:  "WorkfxPodCrashLooping",
		Expr:   fmt.Sprintf(`max_over_time(kube_pod_container_status_waiting_reason{namespace=%q,reason="CrashLoopBackOff"}[5m]) >= 1`, ns),
		For:    "10m",
		Labels: sev("critical"),
		Annotations: map[string]string{
			"summary":     "Container {{ $labels.container }} of pod {{ $labels.pod }} is crash looping",
			"description": "{{ $labels.pod }} in " + ns + " has been in CrashLoopBackOff for 10 minutes.",
		},
	}}
	return []ruleGroup{{Name: "workfx-ai.pods", Rules: pods}, {Name: "workfx-ai.apps", Rules: appRules}}
}

// Grafana dashboard model (the subset the dashboards use).
type (
	gridPos struct {
		H int `json:"h"`
		W int `json:"w"`
		X int `json:"x"`
		Y int `json:"y"`
	}
	target struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
		RefID        string `json:"refId"`
	}
	fieldDefaults struct {
		Unit string `json:"unit"`
	}
	fieldConfig struct {
		Defaults fieldDefaults `json:"defaults"`
	}
	datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	panel struct {
		ID          int         `json:"id"`
		Title       string      `json:"title"`
		Type        string      `json:"type"`
		Datasource  datasource  `json:"datasource"`
		GridPos     gridPos     `json:"gridPos"`
		FieldConfig fieldConfig `json:"fieldConfig"`
		Targets     []target    `json:"targets"`
	}
	timeRange struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	dashboard struct {
		UID           string    `json:"uid"`
		Title         string    `json:"title"`
		Tags          []string  `json:"tags"`
		SchemaVersion int       `json:"schemaVersion"`
		Refresh       string    `json:"refresh"`
		Time          timeRange `json:"time"`
		Panels        []panel   `json:"panels"`
	}
)

// dashboardJSON is one app's dashboard: request rate, errors, latency, saturation.
func dashboardJSON(ns string, a App) string {
	sel := istioSelector(ns, a.Name)
	ctr := fmt.Sprintf(`namespace=%q,container=%q`, ns, a.Name)
	mk := newPanel
	d := dashboard{
		UID: "workfx-" + a.Name, Title: "WorkFX AI / " + a.Name, Tags: []string{"workfx-ai"},
		SchemaVersion: 39, Refresh: "30s", Time: timeRange{From: "now-6h", To: "now"},
		Panels: []panel{
			mk(1, "Request rate", "reqps", 0, 0, target{
				Expr: fmt.Sprintf(`sum by (response_code) (rate(istio_requests_total{%s}[5m]))`, sel), LegendFormat: "{{response_code}}"}),
			mk(2, "Errors (5xx ratio)", "percentunit", 12, 0, target{
				Expr:         fmt.Sprintf(`sum(rate(istio_requests_total{%s,response_code=~"5.."}[5m])) / sum(rate(istio_requests_total{%s}[5m]))`, sel, sel),
				LegendFormat: "5xx"}),
			mk(3, "Latency", "ms", 0, 8,
				target{Expr: fmt.Sprintf(`histogram_quantile(0.50, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s}[5m])))`, sel), LegendFormat: "p50"},
				target{Expr: fmt.Sprintf(`histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s}[5m])))`, sel), LegendFormat: "p95"},
				target{Expr: fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s}[5m])))`, sel), LegendFormat: "p99"}),
			mk(4, "Saturation (of limits)", "percentunit", 12, 8,
				target{Expr: fmt.Sprintf(`sum(rate(container_cpu_usage_seconds_total{%s}[5m])) / sum(kube_pod_container_resource_limits{%s,resource="cpu"})`, ctr, ctr), LegendFormat: "cpu"},
				target{Expr: fmt.Sprintf(`sum(container_memory_working_set_bytes{%s}) / sum(kube_pod_container_resource_limits{%s,resource="memory"})`, ctr, ctr), LegendFormat: "memory"}),
		},
	}
	return marshalDashboard(d)
}
