package config

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// DefaultIstioVersion is the Istio release (chart and image tag) installed unless a stack pins
// another. It matches the istio.io/api v1.31.1 CRDs the real-cluster CI validates the policy CRs
// against, so what is tested is what is installed.
const DefaultIstioVersion = "1.31.1"

// DefaultStackVersion is the kube-prometheus-stack chart installed unless a stack pins another:
// the 77.x line ships Prometheus Operator v0.85.0, the monitoring.coreos.com CRDs the real-cluster
// CI validates ServiceMonitors and PrometheusRules against.
const DefaultStackVersion = "77.0.0"

// MeshProvisionConfig is workfx:mesh.provision: how this program installs Istio (mode provision).
type MeshProvisionConfig struct {
	// Version is the Istio chart version of base, istiod and gateway (default DefaultIstioVersion).
	Version string `json:"version"`
	// AccessLog writes Envoy access logs to stdout (default true).
	AccessLog *bool `json:"accessLog"`
	// TracingEndpoint is an OpenTelemetry collector (host:port, OTLP gRPC) the sidecars send spans
	// to; empty configures no tracing provider.
	TracingEndpoint string `json:"tracingEndpoint"`
	// OutboundTrafficPolicy is ALLOW_ANY or REGISTRY_ONLY (default: REGISTRY_ONLY in prod; the
	// external dependencies are then declared as ServiceEntries).
	OutboundTrafficPolicy string `json:"outboundTrafficPolicy"`
	// IstiodReplicas and IstiodMaxReplicas size istiod (HPA between them); defaults per environment.
	IstiodReplicas    int                    `json:"istiodReplicas"`
	IstiodMaxReplicas int                    `json:"istiodMaxReplicas"`
	Gateway           GatewayProvisionConfig `json:"gateway"`
	// CertManager, when set, requests the gateway certificate from the customer's cert-manager.
	CertManager *CertManagerConfig `json:"certManager"`
}

// GatewayProvisionConfig is the ingress gateway's Service and size.
type GatewayProvisionConfig struct {
	// ServiceType is LoadBalancer (default), NodePort or ClusterIP.
	ServiceType string `json:"serviceType"`
	// Internal asks the cloud for a private load balancer (azure, aws).
	Internal *bool `json:"internal"`
	// Annotations are added to the gateway Service (after the cloud's own).
	Annotations map[string]string `json:"annotations"`
	Replicas    int               `json:"replicas"`
	MaxReplicas int               `json:"maxReplicas"`
}

// CertManagerConfig names the issuer of the gateway certificate.
type CertManagerConfig struct {
	Issuer string `json:"issuer"`
	// IssuerKind is ClusterIssuer (default) or Issuer (then in the gateway namespace).
	IssuerKind string `json:"issuerKind"`
}

// MonitoringProvisionConfig is workfx:monitoring.provision: how this program installs
// kube-prometheus-stack (mode provision).
type MonitoringProvisionConfig struct {
	// Version is the kube-prometheus-stack chart version (default DefaultStackVersion).
	Version string `json:"version"`
	// Retention is how long Prometheus keeps samples (default 3d in dev, 15d in prod).
	Retention string `json:"retention"`
	// StorageSize is Prometheus' volume (default 20Gi in dev, 100Gi in prod).
	StorageSize string `json:"storageSize"`
	// AlertmanagerStorageSize is Alertmanager's volume (default 2Gi in dev, 10Gi in prod).
	AlertmanagerStorageSize string `json:"alertmanagerStorageSize"`
	// StorageClass for both volumes (default per cloud and environment; "" is the cluster default).
	StorageClass *string `json:"storageClass"`
	// PrometheusReplicas (default 1 in dev, 2 in prod).
	PrometheusReplicas int `json:"prometheusReplicas"`
}

// defaultStorageClass is the class for Prometheus and Alertmanager volumes per cloud and
// environment: premium SSD in Azure prod, the AKS default otherwise; the class every EKS cluster
// has; and the cluster's default class on a customer cluster.
func defaultStorageClass(cloud, environment string) string {
	switch cloud {
	case "azure":
		if environment == "prod" {
			return "managed-csi-premium"
		}
		return "managed-csi"
	case "aws":
		return "gp2"
	}
	return ""
}

func applyPlatformDefaults(c *Config) {
	prod := c.Environment == "prod"
	perEnv := func(dev, prd int) int {
		if prod {
			return prd
		}
		return dev
	}
	if c.Mesh.Mode == ModeProvision {
		if c.Mesh.Provision == nil {
			c.Mesh.Provision = &MeshProvisionConfig{}
		}
		m := c.Mesh.Provision
		if m.Version == "" {
			m.Version = DefaultIstioVersion
		}
		if m.AccessLog == nil {
			m.AccessLog = boolPtr(true)
		}
		if m.OutboundTrafficPolicy == "" {
			m.OutboundTrafficPolicy = "ALLOW_ANY"
			if prod {
				m.OutboundTrafficPolicy = "REGISTRY_ONLY"
			}
		}
		if m.IstiodReplicas == 0 {
			m.IstiodReplicas = perEnv(1, 2)
		}
		if m.IstiodMaxReplicas == 0 {
			m.IstiodMaxReplicas = max(perEnv(1, 5), m.IstiodReplicas)
		}
		g := &m.Gateway
		if g.ServiceType == "" {
			g.ServiceType = "LoadBalancer"
		}
		if g.Internal == nil {
			g.Internal = boolPtr(false)
		}
		if g.Replicas == 0 {
			g.Replicas = perEnv(1, 2)
		}
		if g.MaxReplicas == 0 {
			g.MaxReplicas = max(perEnv(2, 5), g.Replicas)
		}
		if m.CertManager != nil && m.CertManager.IssuerKind == "" {
			m.CertManager.IssuerKind = "ClusterIssuer"
		}
	}
	if c.Monitoring.Mode == ModeProvision {
		if c.Monitoring.Provision == nil {
			c.Monitoring.Provision = &MonitoringProvisionConfig{}
		}
		m := c.Monitoring.Provision
		if m.Version == "" {
			m.Version = DefaultStackVersion
		}
		pick := func(dst *string, dev, prd string) {
			if *dst == "" {
				*dst = dev
				if prod {
					*dst = prd
				}
			}
		}
		pick(&m.Retention, "3d", "15d")
		pick(&m.StorageSize, "20Gi", "100Gi")
		pick(&m.AlertmanagerStorageSize, "2Gi", "10Gi")
		if m.StorageClass == nil {
			sc := defaultStorageClass(c.Cloud, c.Environment)
			m.StorageClass = &sc
		}
		if m.PrometheusReplicas == 0 {
			m.PrometheusReplicas = perEnv(1, 2)
		}
	}
}

var (
	// chartVersion is a SemVer 2 version as Helm accepts it for a pinned chart.
	chartVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	// promRetention is Prometheus' retention duration syntax.
	promRetention = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d|w|y)$`)
	// annotationKey is an optional DNS-subdomain prefix and a name part.
	annotationKey = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
)

// validatePlatformProvision checks the provision settings of mesh and monitoring and the chart
// repository override. Settings given for a mode that does not use them are reported.
func (c *Config) validatePlatformProvision(p *problems) {
	if c.Images.ChartRepository != "" {
		if _, _, err := ParseChartRepository(c.Images.ChartRepository); err != nil {
			p.add("workfx:images.chartRepository", "%v", err)
		}
	}
	if c.Mesh.Mode != ModeProvision && c.Mesh.Provision != nil {
		p.add("workfx:mesh.provision", "is only allowed with mode provision (mode is %s)", c.Mesh.Mode)
	}
	if c.Monitoring.Mode != ModeProvision && c.Monitoring.Provision != nil {
		p.add("workfx:monitoring.provision", "is only allowed with mode provision (mode is %s)", c.Monitoring.Mode)
	}
	if c.Mesh.Mode == ModeProvision && c.Mesh.Provision != nil {
		c.validateMeshProvision(p, c.Mesh.Provision)
	}
	if c.Monitoring.Mode == ModeProvision && c.Monitoring.Provision != nil {
		c.validateMonitoringProvision(p, c.Monitoring.Provision)
	}
}

func (c *Config) validateMeshProvision(p *problems, m *MeshProvisionConfig) {
	key := "workfx:mesh.provision"
	if !chartVersion.MatchString(m.Version) {
		p.add(key+".version", "must be a pinned chart version such as %s, got %q", DefaultIstioVersion, m.Version)
	}
	if !oneOf(m.OutboundTrafficPolicy, "ALLOW_ANY", "REGISTRY_ONLY") {
		p.add(key+".outboundTrafficPolicy", "must be ALLOW_ANY or REGISTRY_ONLY, got %q", m.OutboundTrafficPolicy)
	}
	if c.Mesh.TracingSamplingPercent > 0 && m.TracingEndpoint == "" {
		p.add("workfx:mesh.tracingSamplingPercent", "samples %d%% of requests into no collector: the installed mesh has a tracing provider only with %s.tracingEndpoint (host:port of an OpenTelemetry collector); set it, or leave tracingSamplingPercent at 0",
			c.Mesh.TracingSamplingPercent, key)
	}
	if m.TracingEndpoint != "" {
		host, port, err := net.SplitHostPort(m.TracingEndpoint)
		n, perr := strconv.Atoi(port)
		if err != nil || !hostName.MatchString(host) || perr != nil || n < 1 || n > 65535 {
			p.add(key+".tracingEndpoint", "must be host:port of an OpenTelemetry collector (OTLP gRPC), e.g. otel-collector.observability.svc.cluster.local:4317, got %q", m.TracingEndpoint)
		}
	}
	if m.IstiodReplicas < 1 || m.IstiodReplicas > 10 {
		p.add(key+".istiodReplicas", "must be between 1 and 10, got %d", m.IstiodReplicas)
	}
	if m.IstiodMaxReplicas < m.IstiodReplicas || m.IstiodMaxReplicas > 20 {
		p.add(key+".istiodMaxReplicas", "must be at least istiodReplicas (%d) and at most 20, got %d", m.IstiodReplicas, m.IstiodMaxReplicas)
	}
	g := m.Gateway
	if !oneOf(g.ServiceType, "LoadBalancer", "NodePort", "ClusterIP") {
		p.add(key+".gateway.serviceType", "must be LoadBalancer, NodePort or ClusterIP, got %q", g.ServiceType)
	} else if On(g.Internal) && g.ServiceType != "LoadBalancer" {
		p.add(key+".gateway.internal", "asks for an internal load balancer, which needs serviceType LoadBalancer (it is %s)", g.ServiceType)
	}
	if On(g.Internal) && c.Cloud == "none" {
		p.add(key+".gateway.internal", "has no meaning on cloud none (the annotation is cloud specific); set the customer's load-balancer annotations in gateway.annotations instead")
	}
	for k := range g.Annotations {
		if !annotationKey.MatchString(k) || len(k) > 316 {
			p.add(key+".gateway.annotations", "key %q is not a valid annotation key", k)
		}
	}
	if g.Replicas < 1 || g.Replicas > 20 {
		p.add(key+".gateway.replicas", "must be between 1 and 20, got %d", g.Replicas)
	}
	if g.MaxReplicas < g.Replicas || g.MaxReplicas > 50 {
		p.add(key+".gateway.maxReplicas", "must be at least gateway.replicas (%d) and at most 50, got %d", g.Replicas, g.MaxReplicas)
	}
	if cm := m.CertManager; cm != nil {
		if !dns1123Subdomain.MatchString(cm.Issuer) {
			p.add(key+".certManager.issuer", "must be the name of a cert-manager Issuer or ClusterIssuer, got %q", cm.Issuer)
		}
		if !oneOf(cm.IssuerKind, "ClusterIssuer", "Issuer") {
			p.add(key+".certManager.issuerKind", "must be ClusterIssuer or Issuer, got %q", cm.IssuerKind)
		}
	}
}

func (c *Config) validateMonitoringProvision(p *problems, m *MonitoringProvisionConfig) {
	key := "workfx:monitoring.provision"
	if !chartVersion.MatchString(m.Version) {
		p.add(key+".version", "must be a pinned chart version such as %s, got %q", DefaultStackVersion, m.Version)
	}
	if !promRetention.MatchString(m.Retention) {
		p.add(key+".retention", "must be a Prometheus duration such as 15d or 12h, got %q", m.Retention)
	}
	for _, q := range []struct{ name, v string }{{"storageSize", m.StorageSize}, {"alertmanagerStorageSize", m.AlertmanagerStorageSize}} {
		if !quantity.MatchString(q.v) {
			p.add(key+"."+q.name, "must be a Kubernetes quantity such as 50Gi, got %q", q.v)
		}
	}
	if sc := *m.StorageClass; sc != "" && !dns1123Subdomain.MatchString(sc) {
		p.add(key+".storageClass", "must be a StorageClass name (or empty for the cluster default), got %q", sc)
	}
	if m.PrometheusReplicas < 1 || m.PrometheusReplicas > 5 {
		p.add(key+".prometheusReplicas", "must be between 1 and 5, got %d", m.PrometheusReplicas)
	}
	if !On(c.Monitoring.PrometheusOperator) {
		p.add("workfx:monitoring.prometheusOperator", "must be true with mode provision: the installed stack runs the Prometheus Operator and scrapes ServiceMonitors")
	}
}

// ParseChartRepository splits a chart repository override into the Helm repository URL (http or
// https) or the OCI registry path (oci://host/path). Exactly one of the two is returned.
func ParseChartRepository(repo string) (httpRepo, ociPath string, err error) {
	u, perr := url.Parse(repo)
	if perr != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", errChartRepo(repo)
	}
	switch u.Scheme {
	case "http", "https":
		return strings.TrimSuffix(repo, "/"), "", nil
	case "oci":
		if !registryHost.MatchString(u.Host + strings.TrimSuffix(u.Path, "/")) {
			return "", "", errChartRepo(repo)
		}
		return "", strings.TrimSuffix(repo, "/"), nil
	}
	return "", "", errChartRepo(repo)
}

type chartRepoError string

func (e chartRepoError) Error() string {
	return "must be an http(s) Helm repository URL (https://charts.example.com/stable) or an OCI registry path (oci://registry.example.com/charts), without credentials, got \"" + string(e) + "\""
}

func errChartRepo(repo string) error { return chartRepoError(repo) }
