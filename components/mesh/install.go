package mesh

import (
	"net"
	"strconv"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// PublicIstioRepository is the official Istio chart repository.
const PublicIstioRepository = "https://istio-release.storage.googleapis.com/charts"

// GatewayReleaseName is the gateway release; the gateway chart labels its pods
// istio=<name without "istio-">, i.e. istio=ingressgateway, which the Gateway CR selects.
const GatewayReleaseName = "istio-ingressgateway"

// InstallArgs configure the Istio installation. Everything is already validated.
type InstallArgs struct {
	Version string
	Charts  kube.ChartSource
	// Registry replaces docker.io for every Istio image (<Registry>/istio/pilot, …/proxyv2).
	Registry         string
	IstioNamespace   string
	GatewayNamespace string
	// HA turns on PodDisruptionBudgets (prod): with a single replica a PDB would block drains.
	HA                bool
	IstiodReplicas    int
	IstiodMaxReplicas int
	AccessLog         bool
	// TracingEndpoint is host:port of an OTLP gRPC collector ("" = no tracing provider).
	TracingEndpoint       string
	OutboundTrafficPolicy string
	Gateway               GatewayArgs
	// Certificate, when set, is requested from cert-manager into the gateway namespace.
	Certificate *CertificateArgs
	// PullSecret, when set, is copied into both namespaces and given to istiod and the gateway
	// (an authenticated registry mirror).
	PullSecret *kube.PullSecretSource
	Labels     map[string]string
}

// GatewayArgs shape the ingress gateway.
type GatewayArgs struct {
	ServiceType string
	// Annotations on the Service (cloud load-balancer settings).
	Annotations map[string]string
	// Selector labels the gateway pods carry (what the Gateway CR selects).
	Selector    map[string]string
	Replicas    int
	MaxReplicas int
}

// CertificateArgs request the gateway's TLS certificate from cert-manager.
type CertificateArgs struct {
	Host       string
	SecretName string
	Issuer     string
	IssuerKind string
}

// Istio is the installed mesh: the three releases in their order.
type Istio struct {
	pulumi.ResourceState
	// Base installs the Istio CRDs: every Istio CR depends on it.
	Base *helmv3.Release
	// Istiod is the control plane and sidecar injector: injected workloads depend on it.
	Istiod *helmv3.Release
	// Gateway is the ingress gateway in GatewayNamespace (its proxy image comes from istiod).
	Gateway *helmv3.Release
}

// CRDs are what an Istio CR must wait for: the CRDs (base) and the validating webhook that
// istiod serves (a CR applied before istiod is up is rejected or skips validation).
func (i *Istio) CRDs() []pulumi.Resource { return []pulumi.Resource{i.Base, i.Istiod} }

// NewIstio installs Istio from the official charts: base (CRDs), then istiod, then the ingress
// gateway in its own namespace. Each release waits for the previous one.
func NewIstio(ctx *pulumi.Context, name string, args *InstallArgs, opts ...pulumi.ResourceOption) (*Istio, error) {
	is := &Istio{}
	if err := ctx.RegisterComponentResource("workfx:mesh:Istio", name, is, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(is)

	// The namespaces are ours: the gateway's holds the TLS Secret before the gateway exists.
	sysNS, err := corev1.NewNamespace(ctx, args.IstioNamespace, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.IstioNamespace), Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()},
	}, child)
	if err != nil {
		return nil, err
	}
	gwNS, err := corev1.NewNamespace(ctx, args.GatewayNamespace, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.GatewayNamespace), Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()},
	}, child)
	if err != nil {
		return nil, err
	}

	// The pods of both namespaces pull from the registry the apps pull from.
	var pulls []pulumi.Resource
	if args.PullSecret != nil {
		for name, ns := range map[string]*corev1.Namespace{args.IstioNamespace: sysNS, args.GatewayNamespace: gwNS} {
			cp, err := kube.CopyPullSecret(ctx, "pull-secret-"+name, ns.Metadata.Name().Elem(), args.PullSecret, args.Labels, child)
			if err != nil {
				return nil, err
			}
			pulls = append(pulls, cp)
		}
	}

	release := func(rname, chart string, ns *corev1.Namespace, values any, deps ...pulumi.Resource) (*helmv3.Release, error) {
		v, err := kube.Values(values)
		if err != nil {
			return nil, err
		}
		ch, repo := args.Charts.Chart(PublicIstioRepository, chart)
		return helmv3.NewRelease(ctx, rname, &helmv3.ReleaseArgs{
			Name:           pulumi.String(rname),
			Chart:          ch,
			RepositoryOpts: repo,
			Version:        pulumi.String(args.Version),
			Namespace:      ns.Metadata.Name(),
			Values:         v,
			// Helm waits for the Deployments to be ready, so the next release starts against a
			// serving control plane; a failed install is rolled back rather than left half done.
			Atomic:  pulumi.Bool(true),
			Timeout: pulumi.Int(600),
		}, child, pulumi.DependsOn(append(deps, pulls...)))
	}

	if is.Base, err = release("istio-base", "base", sysNS, baseValues(args)); err != nil {
		return nil, err
	}
	if is.Istiod, err = release("istiod", "istiod", sysNS, istiodValues(args), is.Base); err != nil {
		return nil, err
	}
	// The gateway pods are injected by istiod (image "auto"), so istiod must serve first.
	if is.Gateway, err = release(GatewayReleaseName, "gateway", gwNS, gatewayValues(args), is.Istiod); err != nil {
		return nil, err
	}

	if c := args.Certificate; c != nil {
		if _, err := kube.CustomResource(ctx, "gateway-certificate", "cert-manager.io/v1", "Certificate",
			&metav1.ObjectMetaArgs{Name: pulumi.String(c.SecretName), Namespace: gwNS.Metadata.Name(), Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()},
			certificateSpec{
				SecretName: c.SecretName,
				DNSNames:   []string{c.Host},
				IssuerRef:  issuerRef{Name: c.Issuer, Kind: c.IssuerKind, Group: "cert-manager.io"},
			}, child); err != nil {
			return nil, err
		}
	}

	return is, ctx.RegisterResourceOutputs(is, pulumi.Map{
		"version":          pulumi.String(args.Version),
		"istioNamespace":   sysNS.Metadata.Name(),
		"gatewayNamespace": gwNS.Metadata.Name(),
		"gatewayRelease":   is.Gateway.Name,
	})
}

// Hub is the image hub for an Istio release: the public docker.io/istio, or the registry
// override with the same repository path (<registry>/istio/pilot).
func Hub(registry string) string {
	if registry == "" {
		return "docker.io/istio"
	}
	return strings.TrimSuffix(registry, "/") + "/istio"
}

// The chart values this program sets, typed. Field names are the charts' value keys.
type (
	pdbValues struct {
		Enabled bool `json:"enabled"`
	}
	istioGlobal struct {
		Hub            string `json:"hub,omitempty"`
		Tag            string `json:"tag,omitempty"`
		IstioNamespace string `json:"istioNamespace"`
		// ImagePullSecrets are names (istio-discovery values.yaml global.imagePullSecrets; its
		// templates/serviceaccount.yaml puts them on istiod's ServiceAccount).
		ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`
		// DefaultPodDisruptionBudget is istiod's PDB (minAvailable 1).
		DefaultPodDisruptionBudget *pdbValues `json:"defaultPodDisruptionBudget,omitempty"`
	}
	resourceList struct {
		CPU    string `json:"cpu"`
		Memory string `json:"memory"`
	}
	resources struct {
		Requests resourceList `json:"requests"`
		Limits   resourceList `json:"limits"`
	}

	// baseValuesT leaves the revision at the chart's default ("default"): this installation is
	// the mesh's only control plane.
	baseValuesT struct {
		Global istioGlobal `json:"global"`
	}

	outboundTrafficPolicy struct {
		Mode string `json:"mode"`
	}
	otelProvider struct {
		Service string `json:"service"`
		Port    int    `json:"port"`
	}
	extensionProvider struct {
		Name          string        `json:"name"`
		Opentelemetry *otelProvider `json:"opentelemetry,omitempty"`
	}
	defaultProviders struct {
		Tracing []string `json:"tracing,omitempty"`
	}
	proxyConfig struct {
		// HoldApplicationUntilProxyStarts: the apps connect to their databases at start; without
		// it the first connections race the sidecar and fail.
		HoldApplicationUntilProxyStarts bool `json:"holdApplicationUntilProxyStarts"`
		// ProxyMetadata turns on the sidecars' DNS proxy. With it, the addresses istiod allocates
		// to ServiceEntries without one (PILOT_ENABLE_IP_AUTOALLOCATE, default since 1.25; the
		// older ISTIO_META_DNS_AUTO_ALLOCATE is deprecated) are what the apps resolve, so TCP
		// ServiceEntries for external databases sharing a port stay distinct (REGISTRY_ONLY).
		ProxyMetadata map[string]string `json:"proxyMetadata"`
	}
	meshConfigValues struct {
		AccessLogFile         string                `json:"accessLogFile"`
		AccessLogEncoding     string                `json:"accessLogEncoding"`
		EnablePrometheusMerge bool                  `json:"enablePrometheusMerge"`
		OutboundTrafficPolicy outboundTrafficPolicy `json:"outboundTrafficPolicy"`
		DefaultConfig         proxyConfig           `json:"defaultConfig"`
		ExtensionProviders    []extensionProvider   `json:"extensionProviders,omitempty"`
		DefaultProviders      *defaultProviders     `json:"defaultProviders,omitempty"`
	}
	// istiodValuesT are the istiod chart's own keys, at the top level: the chart's values.yaml
	// (istio/istio manifests/charts/istio-control/istio-discovery/values.yaml, release-1.31) keeps
	// them under _internal_defaults_do_not_set, which templates/zzz_profile.yaml merges with the
	// user's top-level values; templates/deployment.yaml and autoscale.yaml read
	// .Values.replicaCount, .Values.autoscaleEnabled/Min/Max and .Values.resources. Nothing reads
	// a "pilot:" block any more (only the legacy istioctl values did).
	istiodValuesT struct {
		Global           istioGlobal      `json:"global"`
		AutoscaleEnabled bool             `json:"autoscaleEnabled"`
		AutoscaleMin     int              `json:"autoscaleMin"`
		AutoscaleMax     int              `json:"autoscaleMax"`
		ReplicaCount     int              `json:"replicaCount"`
		Resources        resources        `json:"resources"`
		MeshConfig       meshConfigValues `json:"meshConfig"`
	}

	gatewayService struct {
		Type        string            `json:"type"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	gatewayAutoscaling struct {
		Enabled                        bool `json:"enabled"`
		MinReplicas                    int  `json:"minReplicas"`
		MaxReplicas                    int  `json:"maxReplicas"`
		TargetCPUUtilizationPercentage int  `json:"targetCPUUtilizationPercentage"`
	}
	gatewayPDB struct {
		MinAvailable int `json:"minAvailable"`
	}
	// gatewayValuesT sets no image: the gateway chart's pods use image "auto" and get istiod's
	// proxy image (hub and tag included) by injection.
	localObjectReference struct {
		Name string `json:"name"`
	}
	gatewayValuesT struct {
		Labels map[string]string `json:"labels"`
		// ImagePullSecrets are objects here (gateway chart values.schema.json: items {name}),
		// rendered into the gateway pods by templates/deployment.yaml.
		ImagePullSecrets    []localObjectReference `json:"imagePullSecrets,omitempty"`
		Service             gatewayService         `json:"service"`
		ReplicaCount        int                    `json:"replicaCount"`
		Autoscaling         gatewayAutoscaling     `json:"autoscaling"`
		Resources           resources              `json:"resources"`
		PodDisruptionBudget *gatewayPDB            `json:"podDisruptionBudget,omitempty"`
	}

	issuerRef struct {
		Name  string `json:"name"`
		Kind  string `json:"kind"`
		Group string `json:"group"`
	}
	certificateSpec struct {
		SecretName string    `json:"secretName"`
		DNSNames   []string  `json:"dnsNames"`
		IssuerRef  issuerRef `json:"issuerRef"`
	}
)

// baseValues: base installs CRDs and the default-revision webhook only, no images.
func baseValues(args *InstallArgs) baseValuesT {
	return baseValuesT{Global: istioGlobal{IstioNamespace: args.IstioNamespace}}
}

// istiodValues: istiod's hub and tag are the images of istiod itself and of every proxy it
// injects (app sidecars, the ingress gateway), so the registry override applies here.
func istiodValues(args *InstallArgs) istiodValuesT {
	g := istioGlobal{
		Hub: Hub(args.Registry), Tag: args.Version, IstioNamespace: args.IstioNamespace,
		DefaultPodDisruptionBudget: &pdbValues{Enabled: args.HA},
	}
	if args.PullSecret != nil {
		g.ImagePullSecrets = []string{args.PullSecret.Name}
	}
	size := resources{Requests: resourceList{CPU: "100m", Memory: "256Mi"}, Limits: resourceList{CPU: "1", Memory: "1Gi"}}
	if args.HA {
		size = resources{Requests: resourceList{CPU: "500m", Memory: "2Gi"}, Limits: resourceList{CPU: "2", Memory: "4Gi"}}
	}
	mc := meshConfigValues{
		AccessLogEncoding: "JSON",
		// Merged app + Envoy metrics on the sidecar's 15020 for annotation-based scrapers.
		EnablePrometheusMerge: true,
		OutboundTrafficPolicy: outboundTrafficPolicy{Mode: args.OutboundTrafficPolicy},
		DefaultConfig: proxyConfig{
			HoldApplicationUntilProxyStarts: true,
			ProxyMetadata:                   map[string]string{"ISTIO_META_DNS_CAPTURE": "true"},
		},
	}
	if args.AccessLog {
		mc.AccessLogFile = "/dev/stdout"
	}
	if args.TracingEndpoint != "" {
		host, port := splitHostPort(args.TracingEndpoint)
		mc.ExtensionProviders = []extensionProvider{{Name: TracingProvider, Opentelemetry: &otelProvider{Service: host, Port: port}}}
		// The Telemetry CR samples with the default provider.
		mc.DefaultProviders = &defaultProviders{Tracing: []string{TracingProvider}}
	}
	return istiodValuesT{
		Global:           g,
		AutoscaleEnabled: args.IstiodMaxReplicas > args.IstiodReplicas,
		AutoscaleMin:     args.IstiodReplicas,
		AutoscaleMax:     args.IstiodMaxReplicas,
		ReplicaCount:     args.IstiodReplicas,
		Resources:        size,
		MeshConfig:       mc,
	}
}

// TracingProvider is the mesh's OpenTelemetry tracing provider name.
const TracingProvider = "otel-tracing"

func gatewayValues(args *InstallArgs) gatewayValuesT {
	g := args.Gateway
	v := gatewayValuesT{
		Labels:       g.Selector,
		Service:      gatewayService{Type: g.ServiceType, Annotations: g.Annotations},
		ReplicaCount: g.Replicas,
		Autoscaling: gatewayAutoscaling{
			Enabled: g.MaxReplicas > g.Replicas, MinReplicas: g.Replicas, MaxReplicas: g.MaxReplicas,
			TargetCPUUtilizationPercentage: 80,
		},
		Resources: resources{Requests: resourceList{CPU: "100m", Memory: "128Mi"}, Limits: resourceList{CPU: "2", Memory: "1Gi"}},
	}
	if args.HA && g.Replicas > 1 {
		v.PodDisruptionBudget = &gatewayPDB{MinAvailable: 1}
	}
	if args.PullSecret != nil {
		v.ImagePullSecrets = []localObjectReference{{Name: args.PullSecret.Name}}
	}
	return v
}

// splitHostPort splits a validated host:port.
func splitHostPort(hp string) (string, int) {
	host, port, _ := net.SplitHostPort(hp)
	n, _ := strconv.Atoi(port)
	return host, n
}
