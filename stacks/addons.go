package stacks

import (
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/monitoring"
	"github.com/workfx/workfx-platform/config"
)

// addons are the mesh and the monitoring stack this program installs itself (mode provision);
// a nil member was not installed (disabled, or the customer's own).
type addons struct {
	istio      *mesh.Istio
	monitoring *monitoring.Stack
}

// installAddons installs Istio and kube-prometheus-stack when their mode is provision.
// pullSecret is the customer's image pull Secret as read (nil without one): the charts' pods pull
// from the same registry as the apps.
func installAddons(ctx *pulumi.Context, cfg *config.Config, pullSecret *kube.PullSecretSource, opts ...pulumi.ResourceOption) (*addons, error) {
	pl := &addons{}
	charts, err := chartSource(cfg.Images.ChartRepository)
	if err != nil {
		return nil, err
	}
	if cfg.Mesh.Mode == config.ModeProvision {
		ia := istioArgs(cfg, charts)
		ia.PullSecret = pullSecret
		if pl.istio, err = mesh.NewIstio(ctx, "istio", ia, opts...); err != nil {
			return nil, err
		}
	}
	if cfg.Monitoring.Mode == config.ModeProvision {
		sa := stackArgs(cfg, charts)
		sa.PullSecret = pullSecret
		if pl.monitoring, err = monitoring.NewStack(ctx, "monitoring-stack", sa, opts...); err != nil {
			return nil, err
		}
		ctx.Export("grafanaAdminSecret", pulumi.String(cfg.Monitoring.Namespace+"/"+monitoring.GrafanaAdminSecret))
		// Encrypted in the stack state; `pulumi stack output --show-secrets` reveals it.
		ctx.Export("grafanaAdminPassword", pl.monitoring.GrafanaAdminPassword)
	}
	return pl, nil
}

// injector is what an app Deployment waits for so its pods get their sidecar at first rollout.
func (pl *addons) injector() []pulumi.Resource {
	if pl.istio == nil {
		return nil
	}
	return []pulumi.Resource{pl.istio.Istiod}
}

// meshCRDs are what the Istio policy CRs wait for: the releases installing their CRDs.
func (pl *addons) meshCRDs() []pulumi.Resource {
	if pl.istio == nil {
		return nil
	}
	return pl.istio.CRDs()
}

// gatewayReady is what the gateway's namespace exists after: the installed gateway's release.
func (pl *addons) gatewayReady() []pulumi.Resource {
	if pl.istio == nil {
		return nil
	}
	return []pulumi.Resource{pl.istio.Gateway}
}

// monitoringCRDs is what ServiceMonitors wait for: the release installing their CRDs.
func (pl *addons) monitoringCRDs() []pulumi.Resource {
	if pl.monitoring == nil {
		return nil
	}
	return []pulumi.Resource{pl.monitoring.Release}
}

func chartSource(repo string) (kube.ChartSource, error) {
	if repo == "" {
		return kube.ChartSource{}, nil
	}
	httpRepo, oci, err := config.ParseChartRepository(repo)
	return kube.ChartSource{HTTPRepo: httpRepo, OCIPath: oci}, err
}

func istioArgs(cfg *config.Config, charts kube.ChartSource) *mesh.InstallArgs {
	m := cfg.Mesh.Provision
	args := &mesh.InstallArgs{
		Version:               m.Version,
		Charts:                charts,
		Registry:              cfg.Images.Registry,
		IstioNamespace:        cfg.Mesh.IstioNamespace,
		GatewayNamespace:      cfg.Mesh.GatewayNamespace,
		HA:                    cfg.Environment == "prod",
		IstiodReplicas:        m.IstiodReplicas,
		IstiodMaxReplicas:     m.IstiodMaxReplicas,
		AccessLog:             config.On(m.AccessLog),
		TracingEndpoint:       m.TracingEndpoint,
		OutboundTrafficPolicy: m.OutboundTrafficPolicy,
		Gateway: mesh.GatewayArgs{
			ServiceType: m.Gateway.ServiceType,
			Annotations: gatewayAnnotations(cfg),
			Selector:    cfg.Mesh.GatewaySelector,
			Replicas:    m.Gateway.Replicas,
			MaxReplicas: m.Gateway.MaxReplicas,
		},
		Labels: partOf,
	}
	if cm := m.CertManager; cm != nil {
		args.Certificate = &mesh.CertificateArgs{
			Host: cfg.Mesh.Host, SecretName: cfg.Mesh.TLSCredentialName, Issuer: cm.Issuer, IssuerKind: cm.IssuerKind,
		}
	}
	return args
}

// gatewayAnnotations are the cloud's load-balancer annotations for the gateway Service, then the
// stack's own (which win). Azure and AWS read these from their cloud controllers: no add-on needed.
func gatewayAnnotations(cfg *config.Config) map[string]string {
	g := cfg.Mesh.Provision.Gateway
	out := map[string]string{}
	if g.ServiceType == "LoadBalancer" {
		switch cfg.Cloud {
		case "azure":
			if config.On(g.Internal) {
				out["service.beta.kubernetes.io/azure-load-balancer-internal"] = "true"
			}
		case "aws":
			// A Network Load Balancer keeps the client's TLS end to end to the gateway.
			out["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb"
			if config.On(g.Internal) {
				out["service.beta.kubernetes.io/aws-load-balancer-internal"] = "true"
			}
		}
	}
	for k, v := range g.Annotations {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func stackArgs(cfg *config.Config, charts kube.ChartSource) *monitoring.StackArgs {
	m := cfg.Monitoring.Provision
	args := &monitoring.StackArgs{
		Version:                 m.Version,
		Charts:                  charts,
		Registry:                cfg.Images.Registry,
		Namespace:               cfg.Monitoring.Namespace,
		AppNamespace:            cfg.Cluster.Namespace,
		Retention:               m.Retention,
		StorageSize:             m.StorageSize,
		AlertmanagerStorageSize: m.AlertmanagerStorageSize,
		StorageClass:            *m.StorageClass,
		PrometheusReplicas:      m.PrometheusReplicas,
		ScrapeInterval:          cfg.Monitoring.ScrapeInterval,
		ManagedControlPlane:     cfg.Cloud != "none",
		Mesh:                    cfg.Mesh.Mode != config.ModeDisabled,
		IstioNamespace:          cfg.Mesh.IstioNamespace,
		GatewayNamespace:        cfg.Mesh.GatewayNamespace,
		GatewaySelector:         cfg.Mesh.GatewaySelector,
		Labels:                  partOf,
	}
	args.Apps = monitoredApps(cfg)
	return args
}

// meshExternals declares the apps' dependencies outside the cluster to a mesh this program
// installs with outbound policy REGISTRY_ONLY (otherwise the sidecars would refuse them).
func meshExternals(cfg *config.Config, deps *dependencies, cloud []mesh.External) []mesh.External {
	if cfg.Mesh.Mode != config.ModeProvision || cfg.Mesh.Provision.OutboundTrafficPolicy != "REGISTRY_ONLY" {
		return nil
	}
	return appDependencies(cfg, deps, cloud)
}

// appDependencies is every endpoint the apps connect to outside the namespace: the
// dependencies, the model APIs and what their cloud identity needs.
func appDependencies(cfg *config.Config, deps *dependencies, cloud []mesh.External) []mesh.External {
	hostPort := func(host pulumi.StringOutput, port int) pulumi.StringOutput {
		return host.ApplyT(func(h string) string { return net.JoinHostPort(h, strconv.Itoa(port)) }).(pulumi.StringOutput)
	}
	kafkaTLS := deps.kafka.SecurityProtocol == "SSL" || deps.kafka.SecurityProtocol == "SASL_SSL"
	// Provisioned object storage (Blob, S3) is https; a customer's MinIO may be plain http.
	storageTLS := cfg.ObjectStorage.Existing == nil || !strings.HasPrefix(cfg.ObjectStorage.Existing.Endpoint, "http://")
	out := []mesh.External{
		// PostgreSQL negotiates TLS inside its protocol: plain TCP to the sidecar.
		{Name: "postgres", Endpoints: hostPort(deps.postgres.Host, deps.postgres.Port)},
		{Name: "redis", Endpoints: hostPort(deps.redis.Host, deps.redis.Port), TLS: deps.redis.TLS},
		{Name: "kafka", Endpoints: deps.kafka.BootstrapServers, TLS: kafkaTLS},
		{Name: "object-storage", Endpoints: urlHostPort(deps.storage.Endpoint), TLS: storageTLS},
	}
	if deps.search != nil {
		out = append(out, mesh.External{Name: "elasticsearch", Endpoints: pulumi.String(net.JoinHostPort(deps.search.Host, strconv.Itoa(deps.search.Port))), TLS: deps.search.UseSSL})
	}
	// The model APIs the WorkFX apps call: https ones by SNI, plain http ones (in-cluster or
	// on-premises inference servers) by address and port.
	models := map[bool]map[string]bool{true: {}, false: {}}
	for _, m := range []config.ModelConfig{cfg.Settings.Models.Embedding, cfg.Settings.Models.Rerank, cfg.Settings.Models.LLM} {
		u, err := url.Parse(m.BaseURL)
		if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
		}
		models[u.Scheme == "https"][net.JoinHostPort(u.Hostname(), port)] = true
	}
	for _, tls := range []bool{true, false} {
		var eps []string
		for ep := range models[tls] {
			eps = append(eps, ep)
		}
		if len(eps) == 0 {
			continue
		}
		sort.Strings(eps)
		name := "model-apis"
		if !tls {
			name = "model-apis-http"
		}
		out = append(out, mesh.External{Name: name, Endpoints: pulumi.String(strings.Join(eps, ",")), TLS: tls})
	}
	return append(out, cloud...)
}

// meshEgressPorts are ports the sidecars of a provisioned mesh connect to outside the apps'
// namespace and istiod: the OpenTelemetry collector's.
func meshEgressPorts(cfg *config.Config) []int {
	if cfg.Mesh.Mode != config.ModeProvision || cfg.Mesh.Provision.TracingEndpoint == "" {
		return nil
	}
	_, port, _ := net.SplitHostPort(cfg.Mesh.Provision.TracingEndpoint)
	n, _ := strconv.Atoi(port)
	return []int{n}
}

// meshEgressHosts are the "namespace/host" entries every app's Sidecar keeps besides its callees
// and dependencies: the tracing collector of an installed mesh and the stack's own.
func meshEgressHosts(cfg *config.Config) []string {
	out := append([]string{}, cfg.Mesh.EgressHosts...)
	if cfg.Mesh.Mode == config.ModeProvision && cfg.Mesh.Provision.TracingEndpoint != "" {
		host, _, _ := net.SplitHostPort(cfg.Mesh.Provision.TracingEndpoint)
		if strings.HasSuffix(host, ".svc") {
			host += ".cluster.local" // the name the mesh knows a Kubernetes Service by
		}
		out = append(out, "*/"+host)
	}
	return out
}

// urlHostPort turns an http(s) endpoint URL into host:port (https default 443).
func urlHostPort(u pulumi.StringOutput) pulumi.StringOutput {
	return u.ApplyT(func(s string) string {
		p, err := url.Parse(s)
		if err != nil || p.Hostname() == "" {
			return s
		}
		port := p.Port()
		if port == "" {
			port = "443"
			if p.Scheme == "http" {
				port = "80"
			}
		}
		return net.JoinHostPort(p.Hostname(), port)
	}).(pulumi.StringOutput)
}
