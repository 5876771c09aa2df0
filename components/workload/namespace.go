package workload

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// NamespaceArgs configure the apps' namespace.
type NamespaceArgs struct {
	Name string
	// Create makes the Namespace; otherwise it exists (a KA customer's, holding their Secrets)
	// and only our labels are applied to it (server-side apply patch: the customer's other labels
	// stay, and destroy removes ours and leaves the namespace).
	Create bool
	Labels map[string]string
	// AppSelector selects this program's pods. In a namespace the customer owns, the default
	// deny applies to those only, so other workloads of theirs keep their traffic.
	AppSelector map[string]string
	// Quota, when set, caps the namespace (ResourceQuota) and gives containers that set no
	// resources defaults (LimitRange), which the quota needs to admit them.
	Quota *Quota
}

// Quota is the namespace's ResourceQuota hard limits and its containers' defaults.
type Quota struct {
	// Hard is the ResourceQuota's spec.hard (requests.cpu, limits.memory, pods, …).
	Hard map[string]string
	// DefaultRequest and DefaultLimit are the LimitRange's per-container defaults (cpu, memory).
	DefaultRequest, DefaultLimit map[string]string
}

// Namespace is the component: the namespace and its default-deny NetworkPolicy.
type Namespace struct {
	pulumi.ResourceState
	// Name resolves once the namespace exists; namespaced objects take it as input so they
	// are created after it.
	Name pulumi.StringOutput
	// Object is the Namespace (or the patch of the customer's), for explicit dependencies.
	Object pulumi.Resource
}

// NewNamespace creates (or labels) the namespace and denies all traffic by default; each app's
// own NetworkPolicy then opens exactly what it needs.
func NewNamespace(ctx *pulumi.Context, name string, args *NamespaceArgs, opts ...pulumi.ResourceOption) (*Namespace, error) {
	ns := &Namespace{}
	if err := ctx.RegisterComponentResource("workfx:workload:Namespace", name, ns, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(ns)
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()}
	if args.Create {
		n, err := corev1.NewNamespace(ctx, args.Name, &corev1.NamespaceArgs{Metadata: meta}, child)
		if err != nil {
			return nil, err
		}
		ns.Name, ns.Object = n.Metadata.Name().Elem(), n
	} else {
		p, err := corev1.NewNamespacePatch(ctx, args.Name, &corev1.NamespacePatchArgs{
			Metadata: &metav1.ObjectMetaPatchArgs{Name: pulumi.String(args.Name), Labels: kube.StringMap(args.Labels)},
		}, child)
		if err != nil {
			return nil, err
		}
		ns.Name, ns.Object = p.Metadata.Name().Elem(), p
	}
	denied := &metav1.LabelSelectorArgs{} // every pod of a namespace this program owns
	if !args.Create {
		denied.MatchLabels = kube.StringMap(args.AppSelector)
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, "default-deny", &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("default-deny"), Namespace: ns.Name, Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()},
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: denied,
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		},
	}, child); err != nil {
		return nil, err
	}
	if q := args.Quota; q != nil {
		meta := func(n string) *metav1.ObjectMetaArgs {
			return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: ns.Name, Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()}
		}
		if _, err := corev1.NewResourceQuota(ctx, "quota", &corev1.ResourceQuotaArgs{
			Metadata: meta("workfx-ai"), Spec: &corev1.ResourceQuotaSpecArgs{Hard: kube.StringMap(q.Hard)},
		}, child); err != nil {
			return nil, err
		}
		if _, err := corev1.NewLimitRange(ctx, "limits", &corev1.LimitRangeArgs{
			Metadata: meta("workfx-ai"),
			Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{&corev1.LimitRangeItemArgs{
				Type: pulumi.String("Container"), DefaultRequest: kube.StringMap(q.DefaultRequest), Default: kube.StringMap(q.DefaultLimit),
			}}},
		}, child); err != nil {
			return nil, err
		}
	}
	return ns, ctx.RegisterResourceOutputs(ns, pulumi.Map{"name": ns.Name})
}
