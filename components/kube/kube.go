// Package kube holds the few helpers every in-cluster component shares.
package kube

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
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
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(apiVersion),
		Kind:        pulumi.String(kind),
		Metadata:    meta,
		OtherFields: kubernetes.UntypedArgs{"spec": fields},
	}, opts...)
}
