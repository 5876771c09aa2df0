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
	// Create makes the Namespace; otherwise it exists and only our labels are applied to it
	// (server-side apply patch, so the customer's other labels are left alone).
	Create bool
	Labels map[string]string
}

// Namespace is the component: the namespace and its default-deny NetworkPolicy.
type Namespace struct {
	pulumi.ResourceState
	// Name resolves once the namespace exists; namespaced objects take it as input so they
	// are created after it.
	Name pulumi.StringOutput
}

// NewNamespace creates (or labels) the namespace and denies all traffic by default; each app's
// own NetworkPolicy then opens exactly what it needs.
func NewNamespace(ctx *pulumi.Context, name string, args *NamespaceArgs, opts ...pulumi.ResourceOption) (*Namespace, error) {
	ns := &Namespace{}
	if err := ctx.RegisterComponentResource("workfx:workload:Namespace", name, ns, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(ns)
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Labels: kube.StringMap(args.Labels)}
	if args.Create {
		n, err := corev1.NewNamespace(ctx, args.Name, &corev1.NamespaceArgs{Metadata: meta}, child)
		if err != nil {
			return nil, err
		}
		ns.Name = n.Metadata.Name().Elem()
	} else {
		p, err := corev1.NewNamespacePatch(ctx, args.Name, &corev1.NamespacePatchArgs{
			Metadata: &metav1.ObjectMetaPatchArgs{Name: pulumi.String(args.Name), Labels: kube.StringMap(args.Labels)},
		}, child)
		if err != nil {
			return nil, err
		}
		ns.Name = p.Metadata.Name().Elem()
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, "default-deny", &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("default-deny"), Namespace: ns.Name, Labels: kube.StringMap(args.Labels)},
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		},
	}, child); err != nil {
		return nil, err
	}
	return ns, ctx.RegisterResourceOutputs(ns, pulumi.Map{"name": ns.Name})
}
