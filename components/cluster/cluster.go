// Package cluster yields the Kubernetes cluster the platform runs on and the one explicit
// Kubernetes provider every in-cluster object uses.
package cluster

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

// Existing is a cluster the customer already runs. Without a kubeconfig the provider uses the
// ambient one (KUBECONFIG or ~/.kube/config), as kubectl would.
type Existing struct {
	Kubeconfig credential.Secret `json:"kubeconfig"`
	Context    string            `json:"context"`
}

// Args selects the backend.
type Args struct {
	Mode     string
	Existing *Existing
	// Azure is set to provision AKS (azure.go).
	Azure *AzureArgs
}

// Cluster is the component. Provider is the Kubernetes provider bound to it.
type Cluster struct {
	pulumi.ResourceState
	// Kubeconfig is secret; empty when the ambient kubeconfig is used.
	Kubeconfig pulumi.StringOutput
	Provider   *kubernetes.Provider
	// OIDCIssuerURL is the provisioned cluster's service-account token issuer (workload identity).
	OIDCIssuerURL pulumi.StringOutput
}

// New registers the component and its Kubernetes provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("workfx:cluster:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	var err error
	if args.Azure != nil {
		err = c.provisionAzure(ctx, name, args.Azure)
	} else {
		err = c.useExisting(ctx, name, args.Existing)
	}
	if err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"kubeconfig": c.Kubeconfig})
}

// providerArgs are the settings every Kubernetes provider of this program shares.
//   - Server-side apply: the API server tracks field owners, so fields another manager owns
//     (the customer's tooling on their namespace, the HPA on replicas) are not clobbered.
//   - Mutable ConfigMaps and Secrets: the contract Secrets and the apps' ConfigMaps have fixed
//     names (seed 001), so the provider's default (replace on any data change) would delete each
//     before re-creating it, leaving pods that start in between without it. Updated in place,
//     they change their resourceVersion, which the pod templates carry to roll the pods
//     (components/workload).
//
// Both options are in the provider since v4.x (pkg/provider/provider.go of v4.25.0, the version
// the real-engine suite runs: enableConfigMapMutable, enableSecretMutable).
func providerArgs(kubeconfig pulumi.StringPtrInput) *kubernetes.ProviderArgs {
	return &kubernetes.ProviderArgs{
		Kubeconfig:             kubeconfig,
		EnableServerSideApply:  pulumi.Bool(true),
		EnableConfigMapMutable: pulumi.Bool(true),
		EnableSecretMutable:    pulumi.Bool(true),
	}
}
