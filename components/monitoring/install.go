package monitoring

import (
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/kube"
)

// CRDUpgradeBusyboxTag pins the busybox image of the CRD upgrade job (it unpacks the CRDs).
const CRDUpgradeBusyboxTag = "1.37.0"

// PublicChartRepository is the prometheus-community chart repository.
const PublicChartRepository = "https://prometheus-community.github.io/helm-charts"

// ReleaseName is the kube-prometheus-stack release (its objects are prefixed with it).
const ReleaseName = "kube-prometheus-stack"

// DashboardLabel marks ConfigMaps the Grafana sidecar loads as dashboards.
const DashboardLabel = "grafana_dashboard"

// GrafanaAdminSecret holds Grafana's generated admin credentials (keys admin-user, admin-password).
const GrafanaAdminSecret = "grafana-admin"

// App is an app the platform alerts on and draws a dashboard for.
type App struct {
	Name string
	// HPA: the app scales between different min and max replicas (HPA-at-max alert).
	HPA bool
	// LatencyThresholdMS is the p95 latency alert threshold.
	LatencyThresholdMS int
	// Critical apps page when none of their replicas is available (Rasa Pro Services health).
	Critical bool
}

// StackArgs configure kube-prometheus-stack and the platform's rules and dashboards.
type StackArgs struct {
	Version string
	Charts  kube.ChartSource
	// Registry replaces the registry of every image of the chart and its subcharts.
	Registry  string
	Namespace string
	// AppNamespace is where the apps run (rules and dashboards select it).
	AppNamespace            string
	Retention               string
	StorageSize             string
	AlertmanagerStorageSize string
	// StorageClass "" uses the cluster's default class.
	StorageClass       string
	PrometheusReplicas int
	ScrapeInterval     string
	// ManagedControlPlane: AKS/EKS do not expose scheduler, controller-manager and etcd; their
	// scrape jobs (and the alerts on them being down) are off.
	ManagedControlPlane bool
	// Mesh scrapes istiod, every sidecar and the ingress gateway, and alerts on Istio request
	// metrics. (The apps' own metrics come from the sidecar agent's merged endpoint, outside
	// mTLS: Prometheus needs no mesh certificate; see package doc.)
	Mesh           bool
	IstioNamespace string
	// GatewayNamespace and GatewaySelector find the ingress gateway's pods (scraped for the
	// gateway dashboard and its request metrics).
	GatewayNamespace string
	GatewaySelector  map[string]string
	Apps             []App
	Labels           map[string]string
	// PullSecret, when set, is copied into the monitoring namespace and given to every pod of
	// the chart and its subcharts (global.imagePullSecrets).
	PullSecret *kube.PullSecretSource
}

// Stack is the installed monitoring stack.
type Stack struct {
	pulumi.ResourceState
	// Release installs the monitoring.coreos.com CRDs: ServiceMonitors, PodMonitors and
	// PrometheusRules depend on it.
	Release *helmv3.Release
	// GrafanaAdminPassword is the generated password, always a secret Output.
	GrafanaAdminPassword pulumi.StringOutput
}

// NewStack installs kube-prometheus-stack with a generated Grafana admin password, then the
// platform's PrometheusRules, Istio scrape targets and dashboards.
func NewStack(ctx *pulumi.Context, name string, args *StackArgs, opts ...pulumi.ResourceOption) (*Stack, error) {
	st := &Stack{}
	if err := ctx.RegisterComponentResource("workfx:monitoring:Stack", name, st, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(st)

	ns, err := corev1.NewNamespace(ctx, args.Namespace, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()},
	}, child)
	if err != nil {
		return nil, err
	}
	nsName := ns.Metadata.Name()
	meta := func(n string, labels map[string]string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: nsName, Labels: kube.StringMap(kube.Merge(args.Labels, labels)), Annotations: kube.Owned()}
	}

	pw, err := credential.Generate(ctx, "grafana-admin-password", 32, child)
	if err != nil {
		return nil, err
	}
	st.GrafanaAdminPassword = pw
	secret, err := corev1.NewSecret(ctx, GrafanaAdminSecret, &corev1.SecretArgs{
		Metadata: meta(GrafanaAdminSecret, nil),
		Type:     pulumi.String("Opaque"),
		StringData: pulumi.StringMap{
			"admin-user":     pulumi.String("admin"),
			"admin-password": st.GrafanaAdminPassword,
		},
	}, child)
	if err != nil {
		return nil, err
	}

	releaseDeps := []pulumi.Resource{secret}
	if args.PullSecret != nil {
		cp, err := kube.CopyPullSecret(ctx, "pull-secret-"+args.Namespace, nsName.Elem(), args.PullSecret, args.Labels, child)
		if err != nil {
			return nil, err
		}
		releaseDeps = append(releaseDeps, cp)
	}

	values, err := kube.Values(stackValues(args))
	if err != nil {
		return nil, err
	}
	chart, repo := args.Charts.Chart(PublicChartRepository, "kube-prometheus-stack")
	st.Release, err = helmv3.NewRelease(ctx, ReleaseName, &helmv3.ReleaseArgs{
		Name:           pulumi.String(ReleaseName),
		Chart:          chart,
		RepositoryOpts: repo,
		Version:        pulumi.String(args.Version),
		Namespace:      nsName,
		Values:         values,
		Atomic:         pulumi.Bool(true),
		Timeout:        pulumi.Int(900),
	}, child, pulumi.DependsOn(releaseDeps))
	if err != nil {
		return nil, err
	}
	afterCRDs := pulumi.DependsOn([]pulumi.Resource{st.Release})

	if args.Mesh {
		if _, err := kube.CustomResource(ctx, "istiod", "monitoring.coreos.com/v1", "ServiceMonitor",
			meta("istiod", nil), istiodMonitor(args), child, afterCRDs); err != nil {
			return nil, err
		}
		if _, err := kube.CustomResource(ctx, "envoy-stats", "monitoring.coreos.com/v1", "PodMonitor",
			meta("envoy-stats", nil), envoyMonitor(args), child, afterCRDs); err != nil {
			return nil, err
		}
		if _, err := kube.CustomResource(ctx, "ingress-gateway", "monitoring.coreos.com/v1", "PodMonitor",
			meta("istio-ingressgateway", nil), gatewayMonitor(args), child, afterCRDs); err != nil {
			return nil, err
		}
	}

	dashboards := map[string]string{}
	for _, app := range args.Apps {
		dashboards[app.Name] = dashboardJSON(args.AppNamespace, app)
	}
	if args.Mesh {
		dashboards["istio-control-plane"] = controlPlaneDashboardJSON(args.IstioNamespace)
		dashboards["istio-gateway"] = gatewayDashboardJSON(args.GatewayNamespace)
	}
	for _, name := range sortedKeys(dashboards) {
		if _, err := corev1.NewConfigMap(ctx, "dashboard-"+name, &corev1.ConfigMapArgs{
			Metadata: meta("dashboard-"+name, map[string]string{DashboardLabel: "1"}),
			Data:     pulumi.StringMap{name + ".json": pulumi.String(dashboards[name])},
		}, child); err != nil {
			return nil, err
		}
	}

	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{
		"release":            st.Release.Name,
		"namespace":          nsName,
		"grafanaAdminSecret": pulumi.String(GrafanaAdminSecret),
	})
}

// The kube-prometheus-stack values this program sets, typed (field names are the chart's keys).
type (
	nameRef struct {
		Name string `json:"name"`
	}
	stackGlobal struct {
		ImageRegistry string `json:"imageRegistry,omitempty"`
		// ImagePullSecrets ({name} objects, as values.yaml documents) reach the operator,
		// Prometheus, Alertmanager, the CRD upgrade job (templates' kube-prometheus-stack.
		// imagePullSecrets helper) and the grafana, kube-state-metrics and node-exporter subcharts.
		ImagePullSecrets []nameRef `json:"imagePullSecrets,omitempty"`
	}
	quantities struct {
		CPU     string `json:"cpu,omitempty"`
		Memory  string `json:"memory,omitempty"`
		Storage string `json:"storage,omitempty"`
	}
	resourceReqs struct {
		Requests quantities  `json:"requests"`
		Limits   *quantities `json:"limits,omitempty"`
	}
	pvcSpec struct {
		StorageClassName *string      `json:"storageClassName,omitempty"`
		AccessModes      []string     `json:"accessModes"`
		Resources        resourceReqs `json:"resources"`
	}
	volumeClaimTemplate struct {
		Spec pvcSpec `json:"spec"`
	}
	storageSpec struct {
		VolumeClaimTemplate volumeClaimTemplate `json:"volumeClaimTemplate"`
	}
	prometheusSpec struct {
		Replicas       int    `json:"replicas"`
		Retention      string `json:"retention"`
		ScrapeInterval string `json:"scrapeInterval"`
		// The *NilUsesHelmValues switches off the chart's default "release: <name>" selectors,
		// so every ServiceMonitor, PodMonitor and rule in every namespace is picked up.
		ServiceMonitorSelectorNilUsesHelmValues bool         `json:"serviceMonitorSelectorNilUsesHelmValues"`
		PodMonitorSelectorNilUsesHelmValues     bool         `json:"podMonitorSelectorNilUsesHelmValues"`
		RuleSelectorNilUsesHelmValues           bool         `json:"ruleSelectorNilUsesHelmValues"`
		ProbeSelectorNilUsesHelmValues          bool         `json:"probeSelectorNilUsesHelmValues"`
		StorageSpec                             storageSpec  `json:"storageSpec"`
		Resources                               resourceReqs `json:"resources"`
	}
	prometheusValues struct {
		PrometheusSpec prometheusSpec `json:"prometheusSpec"`
	}
	alertmanagerStorage struct {
		VolumeClaimTemplate volumeClaimTemplate `json:"volumeClaimTemplate"`
	}
	matchLabels struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	alertmanagerSpec struct {
		Replicas  int                 `json:"replicas"`
		Storage   alertmanagerStorage `json:"storage"`
		Resources resourceReqs        `json:"resources"`
		// The AlertmanagerConfigs merged into the routing: the platform's, in the apps'
		// namespace. (The chart's defaults, {} and {}, would merge every namespace's.)
		AlertmanagerConfigSelector          matchLabels `json:"alertmanagerConfigSelector"`
		AlertmanagerConfigNamespaceSelector matchLabels `json:"alertmanagerConfigNamespaceSelector"`
	}
	alertmanagerValues struct {
		Enabled          bool             `json:"enabled"`
		AlertmanagerSpec alertmanagerSpec `json:"alertmanagerSpec"`
	}
	grafanaAdmin struct {
		ExistingSecret string `json:"existingSecret"`
		UserKey        string `json:"userKey"`
		PasswordKey    string `json:"passwordKey"`
	}
	grafanaDashboardsSidecar struct {
		Enabled    bool   `json:"enabled"`
		Label      string `json:"label"`
		LabelValue string `json:"labelValue"`
	}
	grafanaSidecar struct {
		Dashboards grafanaDashboardsSidecar `json:"dashboards"`
	}
	grafanaValues struct {
		Enabled   bool           `json:"enabled"`
		Admin     grafanaAdmin   `json:"admin"`
		Sidecar   grafanaSidecar `json:"sidecar"`
		Resources resourceReqs   `json:"resources"`
	}
	// withResources is a chart or subchart whose only value set here is its pods' resources.
	withResources struct {
		Resources resourceReqs `json:"resources"`
	}
	enabled struct {
		Enabled bool `json:"enabled"`
	}
	imageTag struct {
		Tag string `json:"tag"`
	}
	upgradeJobImages struct {
		Busybox imageTag `json:"busybox"`
	}
	// crdUpgradeJob is the crds subchart's upgradeJob (kube-prometheus-stack 77.0.0
	// charts/crds/templates/upgrade/job.yaml): a pre-install/pre-upgrade hook that applies the
	// chart's CRDs server-side, since Helm installs crds/ once and never upgrades them. Its
	// images (busybox, kubectl) take global.imageRegistry and global.imagePullSecrets.
	crdUpgradeJob struct {
		Enabled bool `json:"enabled"`
		// ForceConflicts: the CRDs Helm created on install are owned by Helm's field manager; a
		// server-side apply of changed CRDs conflicts with it without force
		// (prometheus-community/helm-charts#5287).
		ForceConflicts bool             `json:"forceConflicts"`
		Image          upgradeJobImages `json:"image"`
		Resources      resourceReqs     `json:"resources"`
	}
	crdsValues struct {
		Enabled    bool          `json:"enabled"`
		UpgradeJob crdUpgradeJob `json:"upgradeJob"`
	}
	stackValuesT struct {
		Global                stackGlobal        `json:"global"`
		CRDs                  crdsValues         `json:"crds"`
		Prometheus            prometheusValues   `json:"prometheus"`
		Alertmanager          alertmanagerValues `json:"alertmanager"`
		Grafana               grafanaValues      `json:"grafana"`
		PrometheusOperator    withResources      `json:"prometheusOperator"`
		KubeStateMetrics      withResources      `json:"kube-state-metrics"`
		NodeExporter          withResources      `json:"prometheus-node-exporter"`
		KubeControllerManager enabled            `json:"kubeControllerManager"`
		KubeScheduler         enabled            `json:"kubeScheduler"`
		KubeEtcd              enabled            `json:"kubeEtcd"`
	}
)

func claim(class, size string) volumeClaimTemplate {
	var sc *string
	if class != "" {
		sc = &class
	}
	return volumeClaimTemplate{Spec: pvcSpec{
		StorageClassName: sc, AccessModes: []string{"ReadWriteOnce"},
		Resources: resourceReqs{Requests: quantities{Storage: size}},
	}}
}

// small sets requests (what the scheduler reserves) and a memory limit (what bounds a leak) for
// the stack's own pods; the charts set none, which would leave them unaccounted on the nodes.
func small(cpu, memory, memoryLimit string) resourceReqs {
	return resourceReqs{Requests: quantities{CPU: cpu, Memory: memory}, Limits: &quantities{Memory: memoryLimit}}
}

func stackValues(args *StackArgs) stackValuesT {
	ps := prometheusSpec{
		Replicas:       args.PrometheusReplicas,
		Retention:      args.Retention,
		ScrapeInterval: args.ScrapeInterval,
		StorageSpec:    storageSpec{VolumeClaimTemplate: claim(args.StorageClass, args.StorageSize)},
		Resources: resourceReqs{
			Requests: quantities{CPU: "500m", Memory: "2Gi"},
			Limits:   &quantities{Memory: "8Gi"},
		},
	}
	global := stackGlobal{ImageRegistry: strings.TrimSuffix(args.Registry, "/")}
	if args.PullSecret != nil {
		global.ImagePullSecrets = []nameRef{{Name: args.PullSecret.Name}}
	}
	return stackValuesT{
		Global: global,
		CRDs: crdsValues{Enabled: true, UpgradeJob: crdUpgradeJob{
			Enabled: true, ForceConflicts: true,
			// Pinned (the chart's default is "latest"), so a mirror holds exactly this image;
			// kubectl's tag defaults to the cluster's Kubernetes version.
			Image:     upgradeJobImages{Busybox: imageTag{Tag: CRDUpgradeBusyboxTag}},
			Resources: small("50m", "64Mi", "256Mi"),
		}},
		Prometheus: prometheusValues{PrometheusSpec: ps},
		Alertmanager: alertmanagerValues{Enabled: true, AlertmanagerSpec: alertmanagerSpec{
			Replicas:  args.PrometheusReplicas,
			Storage:   alertmanagerStorage{VolumeClaimTemplate: claim(args.StorageClass, args.AlertmanagerStorageSize)},
			Resources: small("50m", "128Mi", "256Mi"),
			AlertmanagerConfigSelector: matchLabels{MatchLabels: map[string]string{
				"app.kubernetes.io/part-of": args.Labels["app.kubernetes.io/part-of"]}},
			AlertmanagerConfigNamespaceSelector: matchLabels{MatchLabels: map[string]string{
				"kubernetes.io/metadata.name": args.AppNamespace}},
		}},
		Grafana: grafanaValues{
			Enabled:   true,
			Admin:     grafanaAdmin{ExistingSecret: GrafanaAdminSecret, UserKey: "admin-user", PasswordKey: "admin-password"},
			Sidecar:   grafanaSidecar{Dashboards: grafanaDashboardsSidecar{Enabled: true, Label: DashboardLabel, LabelValue: "1"}},
			Resources: small("100m", "256Mi", "512Mi"),
		},
		PrometheusOperator:    withResources{small("100m", "128Mi", "256Mi")},
		KubeStateMetrics:      withResources{small("50m", "128Mi", "256Mi")},
		NodeExporter:          withResources{small("50m", "64Mi", "128Mi")},
		KubeControllerManager: enabled{!args.ManagedControlPlane},
		KubeScheduler:         enabled{!args.ManagedControlPlane},
		KubeEtcd:              enabled{!args.ManagedControlPlane},
	}
}

// Istio scrape targets.
type (
	matchExpression struct {
		Key      string `json:"key"`
		Operator string `json:"operator"`
	}
	labelSelector struct {
		MatchLabels      map[string]string `json:"matchLabels,omitempty"`
		MatchExpressions []matchExpression `json:"matchExpressions,omitempty"`
	}
	nsSelector struct {
		Any        bool     `json:"any,omitempty"`
		MatchNames []string `json:"matchNames,omitempty"`
	}
	metricsEndpoint struct {
		Port     string `json:"port"`
		Path     string `json:"path,omitempty"`
		Interval string `json:"interval"`
	}
	monitorSpec struct {
		JobLabel          string            `json:"jobLabel,omitempty"`
		Selector          labelSelector     `json:"selector"`
		NamespaceSelector nsSelector        `json:"namespaceSelector"`
		Endpoints         []metricsEndpoint `json:"endpoints,omitempty"`
		PodEndpoints      []metricsEndpoint `json:"podMetricsEndpoints,omitempty"`
	}
)

func istiodMonitor(args *StackArgs) monitorSpec {
	return monitorSpec{
		JobLabel:          "istio",
		Selector:          labelSelector{MatchLabels: map[string]string{"istio": "pilot"}},
		NamespaceSelector: nsSelector{MatchNames: []string{args.IstioNamespace}},
		Endpoints:         []metricsEndpoint{{Port: "http-monitoring", Interval: args.ScrapeInterval}},
	}
}

// envoyMonitor scrapes every sidecar and gateway on Envoy's own stats port (15090, outside
// mTLS interception): istio_requests_total and the request duration histograms come from here.
func envoyMonitor(args *StackArgs) monitorSpec {
	return monitorSpec{
		JobLabel:          "envoy-stats",
		Selector:          labelSelector{MatchExpressions: []matchExpression{{Key: "security.istio.io/tlsMode", Operator: "Exists"}}},
		NamespaceSelector: nsSelector{Any: true},
		PodEndpoints:      []metricsEndpoint{{Port: "http-envoy-prom", Path: "/stats/prometheus", Interval: args.ScrapeInterval}},
	}
}

// gatewayMonitor scrapes the ingress gateway's Envoy. Its pods carry no
// security.istio.io/tlsMode label (the gateway injection template of istio/istio
// manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml sets
// none, unlike the sidecar template), so envoyMonitor misses them; they are selected by the
// labels the Gateway CR selects, and both templates name Envoy's stats port http-envoy-prom.
func gatewayMonitor(args *StackArgs) monitorSpec {
	return monitorSpec{
		Selector:          labelSelector{MatchLabels: args.GatewaySelector},
		NamespaceSelector: nsSelector{MatchNames: []string{args.GatewayNamespace}},
		PodEndpoints:      []metricsEndpoint{{Port: "http-envoy-prom", Path: "/stats/prometheus", Interval: args.ScrapeInterval}},
	}
}
