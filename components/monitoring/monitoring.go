// Package monitoring wires the apps into Prometheus: with the Prometheus Operator a monitor per
// app that exposes metrics, otherwise prometheus.io pod annotations.
//
// With Istio (STRICT mTLS) the app port only answers mesh peers, which a Prometheus outside the
// mesh (the customer's, or the one this program installs) is not. The apps' metrics are then
// read from the sidecar agent's merged endpoint instead: istio-agent serves, on its status port
// 15020 and outside the mTLS capture, the app's own metrics (it scrapes them in-pod from the
// prometheus.io/port and path annotations, which the injector moves into
// ISTIO_PROMETHEUS_ANNOTATIONS when meshConfig.enablePrometheusMerge is on, Istio's default)
// together with Envoy's and its own (istio/istio pkg/kube/inject/webhook.go
// applyPrometheusMerge, pilot/cmd/pilot-agent/status/server.go handleStats).
package monitoring

import (
	"strconv"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// Ports of the Istio sidecar that Prometheus scrapes from outside the mesh (NetworkPolicies
// admit them from the monitoring namespace).
const (
	// EnvoyStatsPort is Envoy's own stats (istio_requests_total and the other mesh metrics),
	// declared as the container port http-envoy-prom by the injection templates.
	EnvoyStatsPort = 15090
	// AgentMergedPort is istio-agent's status port serving /stats/prometheus: the app's metrics
	// merged with Envoy's (meshConfig.defaultConfig.statusPort, 15020 by default).
	AgentMergedPort = 15020
)

// envoyMetrics are the series of the merged endpoint that come from Envoy and the agent. They
// are dropped from the app monitors: Envoy is scraped once per sidecar on its own port (the
// envoy-stats PodMonitor, or the customer's equivalent), so keeping them here would count every
// request twice.
const envoyMetrics = "envoy_.*|istio_.*"

// Target is an app that exposes Prometheus metrics on its "http" Service port.
type Target struct {
	Name        string
	Port        int
	MetricsPath string
}

// Args configure the scraping.
type Args struct {
	Namespace     pulumi.StringInput
	NamespaceName string
	// Labels are what the customer's Prometheus selects monitors by (e.g. release).
	Labels         map[string]string
	ScrapeInterval string
	// Mesh: the apps run with an Istio sidecar and STRICT mTLS; their metrics are scraped from
	// the agent's merged endpoint.
	Mesh    bool
	Targets []Target
	// CRDs is what every monitor waits for when this program installs the Prometheus Operator
	// (the release installing monitoring.coreos.com).
	CRDs []pulumi.Resource
}

// Monitoring is the component.
type Monitoring struct {
	pulumi.ResourceState
}

// PodAnnotations are the prometheus.io annotations: what an annotation-based Prometheus scrapes
// without the Prometheus Operator, and, with Istio, where istio-agent finds the app's metrics
// to merge (the injector then points the annotations at the agent).
func PodAnnotations(t Target) map[string]string {
	return map[string]string{
		"prometheus.io/scrape": "true",
		"prometheus.io/port":   strconv.Itoa(t.Port),
		"prometheus.io/path":   t.MetricsPath,
	}
}

// New renders one monitor per target, each after args.CRDs: a ServiceMonitor on the app's http
// port without the mesh, a PodMonitor on the agent's merged endpoint with it.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource("workfx:monitoring:Scraping", name, m, opts...); err != nil {
		return nil, err
	}
	for _, t := range args.Targets {
		meta := &metav1.ObjectMetaArgs{Name: pulumi.String(t.Name), Namespace: args.Namespace, Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()}
		sel := selector{MatchLabels: map[string]string{"app.kubernetes.io/name": t.Name}}
		ns := namespaceSelector{MatchNames: []string{args.NamespaceName}}
		var err error
		if args.Mesh {
			_, err = kube.CustomResource(ctx, "pm-"+t.Name, "monitoring.coreos.com/v1", "PodMonitor", meta, podMonitorSpec{
				Selector: sel, NamespaceSelector: ns, PodMetricsEndpoints: []endpoint{mergedEndpoint(args.ScrapeInterval)},
			}, pulumi.Parent(m), pulumi.DependsOn(args.CRDs))
		} else {
			_, err = kube.CustomResource(ctx, "sm-"+t.Name, "monitoring.coreos.com/v1", "ServiceMonitor", meta, serviceMonitorSpec{
				Selector: sel, NamespaceSelector: ns,
				Endpoints: []endpoint{{Port: "http", Path: t.MetricsPath, Interval: args.ScrapeInterval, Scheme: "http"}},
			}, pulumi.Parent(m), pulumi.DependsOn(args.CRDs))
		}
		if err != nil {
			return nil, err
		}
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{})
}

// mergedEndpoint scrapes istio-agent's merged endpoint. The agent's port is not a declared
// container port, and the Prometheus Operator turns port and portNumber into a keep on declared
// ports (prometheus-operator v0.85.0 pkg/prometheus/promcfg.go): the endpoint selects the
// sidecar's declared Envoy port, one target per pod, and moves the address to the agent's port
// (the greedy host part keeps IPv6 brackets). Envoy's series are dropped (envoyMetrics).
func mergedEndpoint(interval string) endpoint {
	return endpoint{
		Port: "http-envoy-prom", Path: "/stats/prometheus", Interval: interval, Scheme: "http",
		Relabelings: []relabel{
			{SourceLabels: []string{"__address__"}, Regex: "(.*):[0-9]+", TargetLabel: "__address__",
				Replacement: "${1}:" + strconv.Itoa(AgentMergedPort), Action: "replace"},
			{TargetLabel: "endpoint", Replacement: "istio-merged-metrics", Action: "replace"},
		},
		MetricRelabelings: []relabel{{SourceLabels: []string{"__name__"}, Regex: envoyMetrics, Action: "drop"}},
	}
}

// The monitoring.coreos.com/v1 shapes used here (field names as in the v0.85.0 CRDs).
type (
	selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	namespaceSelector struct {
		MatchNames []string `json:"matchNames"`
	}
	relabel struct {
		SourceLabels []string `json:"sourceLabels,omitempty"`
		Regex        string   `json:"regex,omitempty"`
		TargetLabel  string   `json:"targetLabel,omitempty"`
		Replacement  string   `json:"replacement,omitempty"`
		Action       string   `json:"action"`
	}
	endpoint struct {
		Port              string    `json:"port"`
		Path              string    `json:"path"`
		Interval          string    `json:"interval"`
		Scheme            string    `json:"scheme"`
		Relabelings       []relabel `json:"relabelings,omitempty"`
		MetricRelabelings []relabel `json:"metricRelabelings,omitempty"`
	}
	serviceMonitorSpec struct {
		Selector          selector          `json:"selector"`
		NamespaceSelector namespaceSelector `json:"namespaceSelector"`
		Endpoints         []endpoint        `json:"endpoints"`
	}
	podMonitorSpec struct {
		Selector            selector          `json:"selector"`
		NamespaceSelector   namespaceSelector `json:"namespaceSelector"`
		PodMetricsEndpoints []endpoint        `json:"podMetricsEndpoints"`
	}
)
