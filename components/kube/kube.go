// Package kube holds the few helpers every in-cluster component shares.
package kube

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StringMap converts plain labels or data into a Pulumi input map (nil when empty, so empty
// maps are not rendered).
func StringMap(m map[string]string) pulumi.StringMap {
	if len(m) == 0 {
		return nil
	}
	out := pulumi.StringMap{}
	for k, v := range m {
		out[k] = pulumi.String(v)
	}
	return out
}

// PatchForce is the Kubernetes provider's annotation for forcing its server-side apply
// (pulumi-kubernetes pkg/await/await.go, patchForce).
const PatchForce = "pulumi.com/patchForce"

// SkipAwait is the Kubernetes provider's annotation for not waiting on an object's readiness
// after creating or updating it (pulumi-kubernetes pkg/metadata/annotations.go).
const SkipAwait = "pulumi.com/skipAwait"

// Owned are the annotations of an object the program owns outright, plus any given: with
// PatchForce, `pulumi up` takes back a field someone changed by hand (kubectl edit, kubectl
// patch) and restores the declared value. Without it the provider refuses the apply with a
// field-manager conflict and the stack cannot be updated until the conflict is forced by hand.
// Fields the program does not set (a Deployment's replicas, which the HPA owns) are never
// touched. Objects of the customer's (the NamespacePatch) are not Owned.
func Owned(extra ...pulumi.StringMap) pulumi.StringMap {
	out := pulumi.StringMap{PatchForce: pulumi.String("true")}
	for _, m := range extra {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// Merge combines label or annotation maps; later maps win.
func Merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// NoSidecar labels a run-to-completion pod so Istio injects no proxy into it: the proxy keeps
// running after the main container exits, so on Istio versions (or clusters) without native
// sidecars the Job never completes (istio.io/latest/docs/setup/additional-setup/sidecar-injection:
// the pod label sidecar.istio.io/inject takes precedence over the namespace label).
var NoSidecar = map[string]string{"sidecar.istio.io/inject": "false"}

// CustomResource registers a CR whose spec is a typed Go value (marshalled by its json tags).
func CustomResource(ctx *pulumi.Context, name, apiVersion, kind string, meta *metav1.ObjectMetaArgs, spec any,
	opts ...pulumi.ResourceOption,
) (*apiextensions.CustomResource, error) {
	fields, err := ToMap(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return CustomResourceOutput(ctx, name, apiVersion, kind, meta, fields, opts...)
}

// CustomResourceOutput registers a CR whose spec is computed (waits for Outputs); build it with
// ToMap from a typed value.
func CustomResourceOutput(ctx *pulumi.Context, name, apiVersion, kind string, meta *metav1.ObjectMetaArgs, spec any,
	opts ...pulumi.ResourceOption,
) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(apiVersion),
		Kind:        pulumi.String(kind),
		Metadata:    meta,
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, opts...)
}

// ToMap turns a typed value into the plain map its json tags describe.
func ToMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// PullSecretSource is an image pull Secret as read from the customer's namespace.
type PullSecretSource struct {
	// Name is the Secret's name, kept by every copy.
	Name string
	// Type is the source's type (kubernetes.io/dockerconfigjson): the kubelet uses a pull Secret
	// only with its type.
	Type pulumi.StringOutput
	Data pulumi.StringMapOutput
	// Read is the read of the source: copies wait for it.
	Read pulumi.Resource
}

// CopyPullSecret copies an image pull Secret into another namespace: a pod can only name a pull
// Secret of its own namespace, and the namespaces this program creates for Istio and the
// monitoring stack do not exist before the first up, so the customer cannot put it there. The
// copy follows the source on every up; its data stays a Pulumi secret.
func CopyPullSecret(ctx *pulumi.Context, name string, namespace pulumi.StringInput, src *PullSecretSource, labels map[string]string,
	opts ...pulumi.ResourceOption,
) (*corev1.Secret, error) {
	return corev1.NewSecret(ctx, name, &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(src.Name), Namespace: namespace, Labels: StringMap(labels), Annotations: Owned()},
		Type:     src.Type,
		Data:     pulumi.ToSecret(src.Data).(pulumi.StringMapOutput),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{src.Read}))...)
}
