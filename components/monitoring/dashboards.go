package monitoring

import (
	"encoding/json"
	"fmt"
	"sort"
)

// newPanel is a timeseries panel on the Prometheus datasource; the targets get refIds A, B, ….
func newPanel(id int, title, unit string, x, y int, targets ...target) panel {
	for i := range targets {
		targets[i].RefID = string(rune('A' + i))
	}
	return panel{ID: id, Title: title, Type: "timeseries", Datasource: datasource{Type: "prometheus", UID: "prometheus"},
		GridPos: gridPos{H: 8, W: 12, X: x, Y: y}, FieldConfig: fieldConfig{Defaults: fieldDefaults{Unit: unit}}, Targets: targets}
}

func marshalDashboard(d dashboard) string {
	b, err := json.Marshal(d)
	if err != nil {
		// Built from fixed types and strings; marshalling cannot fail.
		panic(err)
	}
	return string(b)
}

func meshDashboard(uid, title string, panels ...panel) dashboard {
	return dashboard{UID: uid, Title: title, Tags: []string{"workfx-ai", "istio"}, SchemaVersion: 39, Refresh: "30s",
		Time: timeRange{From: "now-6h", To: "now"}, Panels: panels}
}

// controlPlaneDashboardJSON is istiod's health (seed 003 "Istio 服务网格"): connected proxies,
// config pushes, configuration the proxies rejected, push convergence time, and istiod's CPU
// and memory. Metric names: istio/istio pilot/pkg/xds/monitoring.go (pilot_xds,
// pilot_xds_pushes, pilot_total_xds_rejects, pilot_proxy_convergence_time in seconds).
func controlPlaneDashboardJSON(istioNamespace string) string {
	ctr := fmt.Sprintf(`namespace=%q,container="discovery"`, istioNamespace)
	return marshalDashboard(meshDashboard("workfx-istio-control-plane", "WorkFX AI / Istio control plane",
		newPanel(1, "Connected proxies", "short", 0, 0, target{Expr: `sum(pilot_xds)`, LegendFormat: "proxies"}),
		newPanel(2, "Config pushes", "ops", 12, 0, target{Expr: `sum by (type) (rate(pilot_xds_pushes[5m]))`, LegendFormat: "{{type}}"}),
		newPanel(3, "Rejected config", "ops", 0, 8, target{Expr: `sum by (type) (rate(pilot_total_xds_rejects[5m]))`, LegendFormat: "{{type}}"}),
		newPanel(4, "Push convergence", "s", 12, 8,
			target{Expr: `histogram_quantile(0.99, sum by (le) (rate(pilot_proxy_convergence_time_bucket[5m])))`, LegendFormat: "p99"},
			target{Expr: `histogram_quantile(0.50, sum by (le) (rate(pilot_proxy_convergence_time_bucket[5m])))`, LegendFormat: "p50"}),
		newPanel(5, "istiod CPU and memory", "short", 0, 16,
			target{Expr: fmt.Sprintf(`sum(rate(container_cpu_usage_seconds_total{%s}[5m]))`, ctr), LegendFormat: "cpu (cores)"},
			target{Expr: fmt.Sprintf(`sum(container_memory_working_set_bytes{%s}) / 2^30`, ctr), LegendFormat: "memory (GiB)"}),
	))
}

// gatewayDashboardJSON is the ingress gateway's golden signals, from the requests it reports as
// their source: rate by code (429s are its rate limit), 5xx ratio, latency, and its saturation.
func gatewayDashboardJSON(gatewayNamespace string) string {
	sel := fmt.Sprintf(`reporter="source",source_workload_namespace=%q`, gatewayNamespace)
	ctr := fmt.Sprintf(`namespace=%q,container="istio-proxy"`, gatewayNamespace)
	lat := func(q string) string {
		return fmt.Sprintf(`histogram_quantile(%s, sum by (le) (rate(istio_request_duration_milliseconds_bucket{%s}[5m])))`, q, sel)
	}
	return marshalDashboard(meshDashboard("workfx-istio-gateway", "WorkFX AI / Ingress gateway",
		newPanel(1, "Request rate", "reqps", 0, 0, target{Expr: fmt.Sprintf(`sum by (response_code) (rate(istio_requests_total{%s}[5m]))`, sel), LegendFormat: "{{response_code}}"}),
		newPanel(2, "Errors (5xx ratio) and rate-limited (429)", "percentunit", 12, 0,
			target{Expr: fmt.Sprintf(`sum(rate(istio_requests_total{%s,response_code=~"5.."}[5m])) / sum(rate(istio_requests_total{%s}[5m]))`, sel, sel), LegendFormat: "5xx"},
			target{Expr: fmt.Sprintf(`sum(rate(istio_requests_total{%s,response_code="429"}[5m])) / sum(rate(istio_requests_total{%s}[5m]))`, sel, sel), LegendFormat: "429"}),
		newPanel(3, "Latency", "ms", 0, 8,
			target{Expr: lat("0.50"), LegendFormat: "p50"}, target{Expr: lat("0.95"), LegendFormat: "p95"}, target{Expr: lat("0.99"), LegendFormat: "p99"}),
		newPanel(4, "Saturation (of limits)", "percentunit", 12, 8,
			target{Expr: fmt.Sprintf(`sum(rate(container_cpu_usage_seconds_total{%s}[5m])) / sum(kube_pod_container_resource_limits{%s,resource="cpu"})`, ctr, ctr), LegendFormat: "cpu"},
			target{Expr: fmt.Sprintf(`sum(container_memory_working_set_bytes{%s}) / sum(kube_pod_container_resource_limits{%s,resource="memory"})`, ctr, ctr), LegendFormat: "memory"}),
	))
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
