// Package workload renders one app: ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB and
// NetworkPolicy. Every app goes through here; apps differ only by the Spec they pass.
package workload

import (
	"sort"
	"strconv"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/config"
)

// The non-root user every container runs as.
const runAsUser = 1001

// SecretEnv is an env var read from a Secret key; the only way a credential reaches a pod.
type SecretEnv struct {
	Name string
	Ref  config.SecretRef
	// Optional lets the pod start when the key is missing (then the var is unset).
	Optional bool
}

// RevisionsAnnotation is the pod template annotation listing the resourceVersion of every
// ConfigMap and Secret the pods read: when one changes, the next up changes the template and the
// Deployment rolls its pods, which then read the new values.
const RevisionsAnnotation = "workfx.ai/revisions"

// File is non-secret content mounted read-only at MountPath (from the app's "-files" ConfigMap).
type File struct {
	Key       string
	Content   string
	MountPath string
}

// Resources are requests and limits in Kubernetes quantity syntax.
type Resources struct {
	RequestCPU, RequestMemory, LimitCPU, LimitMemory string
}

// Network says who may talk to the app and where it may connect.
type Network struct {
	// IngressNamespaces may reach the app port (e.g. the ingress gateway's namespace).
	IngressNamespaces []string
	// MetricsNamespace may scrape MetricsPorts (Prometheus).
	MetricsNamespace string
	// MetricsPorts are the pod ports MetricsNamespace may scrape: the app port, or the sidecar's.
	MetricsPorts []int
	// EgressNamespaces the app may reach on any port (e.g. istiod).
	EgressNamespaces []string
	// EgressTCPPorts the app may reach anywhere: managed data services have no stable IPs.
	EgressTCPPorts []int
}

// Spec is an app, as data.
type Spec struct {
	Name      string
	Namespace pulumi.StringInput
	Image     string
	Args      []string
	// Replicas is the HPA's minimum; the Deployment leaves its replica count to the HPA.
	Replicas    int
	MaxReplicas int
	Resources   Resources
	Port        int
	HealthPath  string
	// MetricsPath is empty when the app exposes no Prometheus metrics.
	MetricsPath string
	// StartupFailureThreshold × 10 s is how long the app may take to start (schema migrations).
	StartupFailureThreshold int
	// Config is the app's non-secret settings, rendered into its ConfigMap and read with envFrom.
	// Values may be Outputs (a provisioned broker address) but never secret ones.
	Config pulumi.StringMap
	// SecretEnv are the app's credentials and connection settings from the contract Secrets.
	SecretEnv []SecretEnv
	// SecretRevisions are the resourceVersions of the Secrets SecretEnv reads, by Secret name.
	SecretRevisions map[string]pulumi.StringOutput
	Files           []File
	// WritablePaths get an emptyDir each: the root filesystem is read-only.
	WritablePaths  []string
	PullSecret     string
	PodAnnotations map[string]string
	PodLabels      map[string]string
	// ServiceAccountAnnotations bind the app's ServiceAccount to a cloud identity (workload identity).
	ServiceAccountAnnotations pulumi.StringMap
	Labels                    map[string]string
	Network                   Network
	// DependsOn must exist before the first pod starts (the Secrets it reads, istiod).
	DependsOn []pulumi.Resource
	// RolloutTimeout bounds how long up waits for the Deployment to become available ("10m").
	RolloutTimeout string
}

// App is the component.
type App struct {
	pulumi.ResourceState
	Deployment  *appsv1.Deployment
	Service     *corev1.Service
	ServiceName string
	Port        int
}

// SelectorLabels are the labels that select an app's pods.
func SelectorLabels(name string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": name}
}

// New renders the app.
func New(ctx *pulumi.Context, name string, spec *Spec, opts ...pulumi.ResourceOption) (*App, error) {
	app := &App{ServiceName: spec.Name, Port: spec.Port}
	if err := ctx.RegisterComponentResource("workfx:workload:App", name, app, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(app)
	labels := kube.Merge(spec.Labels, SelectorLabels(spec.Name), map[string]string{
		"app":                         spec.Name, // Istio telemetry keys on "app"
		"app.kubernetes.io/component": "app",
	})
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: spec.Namespace, Labels: kube.StringMap(labels), Annotations: kube.Owned()}
	}

	saMeta := meta(spec.Name)
	saMeta.Annotations = kube.Owned(spec.ServiceAccountAnnotations)
	sa, err := corev1.NewServiceAccount(ctx, spec.Name, &corev1.ServiceAccountArgs{
		Metadata: saMeta,
		// The apps do not call the Kubernetes API; no token in the pod.
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, child)
	if err != nil {
		return nil, err
	}
	cm, err := corev1.NewConfigMap(ctx, spec.Name+"-config", &corev1.ConfigMapArgs{
		Metadata: meta(spec.Name + "-config"),
		Data:     spec.Config,
	}, child)
	if err != nil {
		return nil, err
	}
	revisions := map[string]pulumi.StringOutput{"configmap/" + spec.Name + "-config": cm.Metadata.ResourceVersion().Elem()}
	for name, rv := range spec.SecretRevisions {
		revisions["secret/"+name] = rv
	}
	// The files ConfigMap is referenced by its name Output so the Deployment waits for it.
	var filesName pulumi.StringPtrInput
	if len(spec.Files) > 0 {
		files := map[string]string{}
		for _, f := range spec.Files {
			files[f.Key] = f.Content
		}
		fcm, err := corev1.NewConfigMap(ctx, spec.Name+"-files", &corev1.ConfigMapArgs{
			Metadata: meta(spec.Name + "-files"),
			Data:     kube.StringMap(files),
		}, child)
		if err != nil {
			return nil, err
		}
		filesName = fcm.Metadata.Name()
		revisions["configmap/"+spec.Name+"-files"] = fcm.Metadata.ResourceVersion().Elem()
	}

	dep, err := appsv1.NewDeployment(ctx, spec.Name, &appsv1.DeploymentArgs{
		Metadata: meta(spec.Name),
		// No replicas: the HPA owns the count (a Deployment that sets it would be scaled back on
		// every up). The first rollout starts one pod and the HPA raises it to its minimum.
		Spec: &appsv1.DeploymentSpecArgs{
			Selector: &metav1.LabelSelectorArgs{MatchLabels: kube.StringMap(SelectorLabels(spec.Name))},
			Strategy: &appsv1.DeploymentStrategyArgs{
				Type: pulumi.String("RollingUpdate"),
				RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
					MaxSurge:       pulumi.Int(1),
					MaxUnavailable: pulumi.Int(0),
				},
			},
			Template: podTemplate(spec, labels, sa, cm, filesName, revisionsAnnotation(revisions)),
		},
	}, child, pulumi.DependsOn(spec.DependsOn), pulumi.Timeouts(&pulumi.CustomTimeouts{Create: spec.RolloutTimeout, Update: spec.RolloutTimeout}))
	if err != nil {
		return nil, err
	}
	app.Deployment = dep

	// Not awaited: the provider's Service await waits for ready endpoints and then a fixed 10 s
	// "settle" after every Endpoints change (pulumi-kubernetes pkg/await/service.go), 10 s per
	// app on every first up. The Deployment's await already proves its pods ready, and the
	// selector is checked against the pods' labels on a real cluster (tests/kube).
	svcMeta := meta(spec.Name)
	svcMeta.Annotations = kube.Owned(pulumi.StringMap{kube.SkipAwait: pulumi.String("true")})
	svc, err := corev1.NewService(ctx, spec.Name, &corev1.ServiceArgs{
		Metadata: svcMeta,
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: kube.StringMap(SelectorLabels(spec.Name)),
			Ports: corev1.ServicePortArray{&corev1.ServicePortArgs{
				Name:        pulumi.String("http"),
				Port:        pulumi.Int(spec.Port),
				TargetPort:  pulumi.String("http"),
				Protocol:    pulumi.String("TCP"),
				AppProtocol: pulumi.String("http"), // Istio protocol selection
			}},
		},
	}, child)
	if err != nil {
		return nil, err
	}
	app.Service = svc

	if _, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, spec.Name, &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: meta(spec.Name),
		Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"),
				Kind:       pulumi.String("Deployment"),
				Name:       pulumi.String(spec.Name),
			},
			MinReplicas: pulumi.Int(spec.Replicas),
			MaxReplicas: pulumi.Int(spec.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{
				utilization("cpu", 70),
				utilization("memory", 80),
			},
		},
	}, child); err != nil { // by name: the HPA waits for its Deployment itself, not for its rollout
		return nil, err
	}

	if spec.Replicas > 1 {
		// One pod at a time may be evicted (node drains, upgrades); the rest keep serving.
		if _, err := policyv1.NewPodDisruptionBudget(ctx, spec.Name, &policyv1.PodDisruptionBudgetArgs{
			Metadata: meta(spec.Name),
			Spec: &policyv1.PodDisruptionBudgetSpecArgs{
				MaxUnavailable: pulumi.Int(1),
				Selector:       &metav1.LabelSelectorArgs{MatchLabels: kube.StringMap(SelectorLabels(spec.Name))},
			},
		}, child); err != nil {
			return nil, err
		}
	}

	if _, err := networkingv1.NewNetworkPolicy(ctx, spec.Name, &networkingv1.NetworkPolicyArgs{
		Metadata: meta(spec.Name),
		Spec:     networkPolicy(spec),
	}, child); err != nil {
		return nil, err
	}

	return app, ctx.RegisterResourceOutputs(app, pulumi.Map{
		"deployment": dep.Metadata.Name(),
		"service":    svc.Metadata.Name(),
	})
}

func utilization(resource string, percent int) *autoscalingv2.MetricSpecArgs {
	return &autoscalingv2.MetricSpecArgs{
		Type: pulumi.String("Resource"),
		Resource: &autoscalingv2.ResourceMetricSourceArgs{
			Name: pulumi.String(resource),
			Target: &autoscalingv2.MetricTargetArgs{
				Type:               pulumi.String("Utilization"),
				AverageUtilization: pulumi.Int(percent),
			},
		},
	}
}

// revisionsAnnotation renders "kind/name=resourceVersion" pairs, sorted, comma-separated.
func revisionsAnnotation(revisions map[string]pulumi.StringOutput) pulumi.StringOutput {
	keys := make([]string, 0, len(revisions))
	for k := range revisions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	values := make([]any, len(keys))
	for i, k := range keys {
		values[i] = revisions[k]
	}
	return pulumi.All(values...).ApplyT(func(v []any) string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + v[i].(string)
		}
		return strings.Join(parts, ",")
	}).(pulumi.StringOutput)
}

func podTemplate(spec *Spec, labels map[string]string, sa *corev1.ServiceAccount, cm *corev1.ConfigMap, filesName pulumi.StringPtrInput,
	revisions pulumi.StringOutput,
) *corev1.PodTemplateSpecArgs {
	var env corev1.EnvVarArray
	for _, e := range spec.SecretEnv {
		env = append(env, &corev1.EnvVarArgs{
			Name: pulumi.String(e.Name),
			ValueFrom: &corev1.EnvVarSourceArgs{SecretKeyRef: &corev1.SecretKeySelectorArgs{
				Name:     pulumi.String(e.Ref.SecretName),
				Key:      pulumi.String(e.Ref.Key),
				Optional: optional(e.Optional),
			}},
		})
	}

	var volumes corev1.VolumeArray
	var mounts corev1.VolumeMountArray
	for i, p := range spec.WritablePaths {
		n := "writable-" + strconv.Itoa(i)
		volumes = append(volumes, &corev1.VolumeArgs{Name: pulumi.String(n), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}})
		mounts = append(mounts, &corev1.VolumeMountArgs{Name: pulumi.String(n), MountPath: pulumi.String(p)})
	}
	for i, f := range spec.Files {
		n := "file-" + strconv.Itoa(i)
		volumes = append(volumes, &corev1.VolumeArgs{Name: pulumi.String(n), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{
			Name:  filesName,
			Items: corev1.KeyToPathArray{&corev1.KeyToPathArgs{Key: pulumi.String(f.Key), Path: pulumi.String(f.Key)}},
		}})
		mounts = append(mounts, &corev1.VolumeMountArgs{
			Name: pulumi.String(n), MountPath: pulumi.String(f.MountPath), SubPath: pulumi.String(f.Key), ReadOnly: pulumi.Bool(true),
		})
	}

	probe := func(period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet:          &corev1.HTTPGetActionArgs{Path: pulumi.String(spec.HealthPath), Port: pulumi.String("http")},
			PeriodSeconds:    pulumi.Int(period),
			TimeoutSeconds:   pulumi.Int(5),
			FailureThreshold: pulumi.Int(failures),
		}
	}

	var pullSecrets corev1.LocalObjectReferenceArray
	if spec.PullSecret != "" {
		pullSecrets = append(pullSecrets, &corev1.LocalObjectReferenceArgs{Name: pulumi.String(spec.PullSecret)})
	}

	var spread corev1.TopologySpreadConstraintArray
	if spec.Replicas > 1 {
		// Spread replicas over zones and nodes; ScheduleAnyway so a drain or a lost zone never
		// leaves a replica unschedulable.
		for _, key := range []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"} {
			spread = append(spread, &corev1.TopologySpreadConstraintArgs{
				MaxSkew:           pulumi.Int(1),
				TopologyKey:       pulumi.String(key),
				WhenUnsatisfiable: pulumi.String("ScheduleAnyway"),
				LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: kube.StringMap(SelectorLabels(spec.Name))},
			})
		}
	}

	var args pulumi.StringArray
	for _, a := range spec.Args {
		args = append(args, pulumi.String(a))
	}

	return &corev1.PodTemplateSpecArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Labels:      kube.StringMap(kube.Merge(labels, spec.PodLabels)),
			Annotations: podAnnotations(spec.PodAnnotations, revisions),
		},
		Spec: &corev1.PodSpecArgs{
			ServiceAccountName:           sa.Metadata.Name(),
			AutomountServiceAccountToken: pulumi.Bool(false),
			EnableServiceLinks:           pulumi.Bool(false),
			ImagePullSecrets:             pullSecrets,
			SecurityContext: &corev1.PodSecurityContextArgs{
				RunAsNonRoot:   pulumi.Bool(true),
				RunAsUser:      pulumi.Int(runAsUser),
				RunAsGroup:     pulumi.Int(runAsUser),
				FsGroup:        pulumi.Int(runAsUser),
				SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
			},
			TopologySpreadConstraints: spread,
			Containers: corev1.ContainerArray{&corev1.ContainerArgs{
				Name:            pulumi.String(spec.Name),
				Image:           pulumi.String(spec.Image),
				ImagePullPolicy: pulumi.String("IfNotPresent"),
				Args:            args,
				Ports: corev1.ContainerPortArray{&corev1.ContainerPortArgs{
					Name: pulumi.String("http"), ContainerPort: pulumi.Int(spec.Port), Protocol: pulumi.String("TCP"),
				}},
				EnvFrom: corev1.EnvFromSourceArray{&corev1.EnvFromSourceArgs{
					ConfigMapRef: &corev1.ConfigMapEnvSourceArgs{Name: cm.Metadata.Name()},
				}},
				Env: env,
				Resources: &corev1.ResourceRequirementsArgs{
					Requests: pulumi.StringMap{"cpu": pulumi.String(spec.Resources.RequestCPU), "memory": pulumi.String(spec.Resources.RequestMemory)},
					Limits:   pulumi.StringMap{"cpu": pulumi.String(spec.Resources.LimitCPU), "memory": pulumi.String(spec.Resources.LimitMemory)},
				},
				StartupProbe:   probe(10, spec.StartupFailureThreshold),
				LivenessProbe:  probe(10, 3),
				ReadinessProbe: probe(5, 3),
				SecurityContext: &corev1.SecurityContextArgs{
					AllowPrivilegeEscalation: pulumi.Bool(false),
					ReadOnlyRootFilesystem:   pulumi.Bool(true),
					RunAsNonRoot:             pulumi.Bool(true),
					Privileged:               pulumi.Bool(false),
					Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
				},
				VolumeMounts: mounts,
			}},
			Volumes: volumes,
		},
	}
}

func podAnnotations(plain map[string]string, revisions pulumi.StringOutput) pulumi.StringMap {
	out := pulumi.StringMap{RevisionsAnnotation: revisions}
	for k, v := range plain {
		out[k] = pulumi.String(v)
	}
	return out
}

// optional renders only a true flag (false is the API's default and would add noise).
func optional(b bool) pulumi.BoolPtrInput {
	if !b {
		return nil
	}
	return pulumi.Bool(true)
}

func networkPolicy(spec *Spec) *networkingv1.NetworkPolicySpecArgs {
	nsPeer := func(ns string) *networkingv1.NetworkPolicyPeerArgs {
		return &networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: &metav1.LabelSelectorArgs{
			MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(ns)},
		}}
	}
	appPort := networkingv1.NetworkPolicyPortArray{&networkingv1.NetworkPolicyPortArgs{
		Protocol: pulumi.String("TCP"), Port: pulumi.Int(spec.Port),
	}}

	// Ingress: the app's own namespace (other apps, the sidecars), plus the listed namespaces.
	from := networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}
	for _, ns := range spec.Network.IngressNamespaces {
		from = append(from, nsPeer(ns))
	}
	ingress := networkingv1.NetworkPolicyIngressRuleArray{&networkingv1.NetworkPolicyIngressRuleArgs{From: from, Ports: appPort}}
	if spec.Network.MetricsNamespace != "" {
		var ports networkingv1.NetworkPolicyPortArray
		for _, p := range sortedUnique(spec.Network.MetricsPorts) {
			ports = append(ports, &networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(p)})
		}
		if len(ports) > 0 {
			ingress = append(ingress, &networkingv1.NetworkPolicyIngressRuleArgs{
				From: networkingv1.NetworkPolicyPeerArray{nsPeer(spec.Network.MetricsNamespace)}, Ports: ports,
			})
		}
	}

	// Egress: DNS, the namespace itself, listed namespaces, and the dependency ports.
	dns := networkingv1.NetworkPolicyPortArray{
		&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
		&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(53)},
	}
	egress := networkingv1.NetworkPolicyEgressRuleArray{
		&networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{nsPeer("kube-system")}, Ports: dns},
		&networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}},
	}
	for _, ns := range spec.Network.EgressNamespaces {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{nsPeer(ns)}})
	}
	if ports := sortedUnique(spec.Network.EgressTCPPorts); len(ports) > 0 {
		var np networkingv1.NetworkPolicyPortArray
		for _, p := range ports {
			np = append(np, &networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(p)})
		}
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{Ports: np})
	}

	return &networkingv1.NetworkPolicySpecArgs{
		PodSelector: &metav1.LabelSelectorArgs{MatchLabels: kube.StringMap(SelectorLabels(spec.Name))},
		PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		Ingress:     ingress,
		Egress:      egress,
	}
}

func sortedUnique(in []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range in {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Ints(out)
	return out
}
