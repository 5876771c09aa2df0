// Package monitoring wires the apps into Prometheus: a ServiceMonitor per app that exposes
// metrics when the Prometheus Operator is there, otherwise prometheus.io pod annotations.
package monitoring

import (
	"strconv"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

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
	// Labels are what the customer's Prometheus selects ServiceMonitors by (e.g. release).
	Labels         map[string]string
	ScrapeInterval string
	// MeshTLS scrapes through Istio's mTLS with the certificates the Istio-documented
	// Prometheus setup mounts at /etc/prom-certs.
	MeshTLS bool
	Targets []Target
	// CRDs is what every ServiceMonitor waits for when this program installs the Prometheus
	// Operator (the release installing monitoring.coreos.com).
	CRDs []pulumi.Resource
}

// Monitoring is the component.
type Monitoring struct {
	pulumi.ResourceState
}

// PodAnnotations are the prometheus.io annotations for clusters without the Prometheus Operator.
func PodAnnotations(t Target) map[string]string {
	return map[string]string{
		"prometheus.io/scrape": "true",
		"prometheus.io/port":   strconv.Itoa(t.Port),
		"prometheus.io/path":   t.MetricsPath,
	}
}

// New renders one ServiceMonitor per target, each after args.CRDs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource("workfx:monitoring:Scraping", name, m, opts...); err != nil {
		return nil, err
	}
	for _, t := range args.Targets {
		ep := endpoint{Port: "http", Path: t.MetricsPath, Interval: args.ScrapeInterval, Scheme: "http"}
		if args.MeshTLS {
			ep.Scheme = "https"
			ep.TLSConfig = &tlsConfig{
				CAFile: "/etc/prom-certs/root-cert.pem", CertFile: "/etc/prom-certs/cert-chain.pem",
				KeyFile: "/etc/prom-certs/key.pem", InsecureSkipVerify: true,
			}
		}
		meta := &metav1.ObjectMetaArgs{Name: pulumi.String(t.Name), Namespace: args.Namespace, Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()}
		if _, err := kube.CustomResource(ctx, "sm-"+t.Name, "monitoring.coreos.com/v1", "ServiceMonitor", meta, serviceMonitorSpec{
			Selector:          selector{MatchLabels: map[string]string{"app.kubernetes.io/name": t.Name}},
			NamespaceSelector: namespaceSelector{MatchNames: []string{args.NamespaceName}},
			Endpoints:         []endpoint{ep},
		}, pulumi.Parent(m), pulumi.DependsOn(args.CRDs)); err != nil {
			return nil, err
		}
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{})
}

type (
	selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	namespaceSelector struct {
		MatchNames []string `json:"matchNames"`
	}
	tlsConfig struct {
		CAFile             string `json:"caFile"`
		CertFile           string `json:"certFile"`
		KeyFile            string `json:"keyFile"`
		InsecureSkipVerify bool   `json:"insecureSkipVerify"`
	}
	endpoint struct {
		Port      string     `json:"port"`
		Path      string     `json:"path"`
		Interval  string     `json:"interval"`
		Scheme    string     `json:"scheme"`
		TLSConfig *tlsConfig `json:"tlsConfig,omitempty"`
	}
	serviceMonitorSpec struct {
		Selector          selector          `json:"selector"`
		NamespaceSelector namespaceSelector `json:"namespaceSelector"`
		Endpoints         []endpoint        `json:"endpoints"`
	}
)
