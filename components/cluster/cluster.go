// Package cluster yields the Kubernetes cluster the platform runs on and the one explicit
// Kubernetes provider every in-cluster object uses: the customer's (existing.go), AKS
// (azure.go) or EKS (aws.go), each built by one constructor of the same shape.
package cluster

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cluster is the component: the Kubernetes provider bound to the cluster (every in-cluster
// object uses it) and what a backend hands back beyond it.
type Cluster struct {
	pulumi.ResourceState
	// Kubeconfig is secret; empty when the ambient kubeconfig is used.
	Kubeconfig pulumi.StringOutput
	Provider   *kubernetes.Provider
	// OIDCIssuerURL is an AKS cluster's service-account token issuer (workload identity).
	OIDCIssuerURL pulumi.StringOutput
	// EKS is what the AWS data services and workload roles need; nil off AWS.
	EKS *EKS
}

// register registers the component; every backend's constructor starts here.
func register(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	return c, ctx.RegisterComponentResource("workfx:cluster:Cluster", name, c, opts...)
}

// done registers the component's outputs; every backend's constructor ends here.
func (c *Cluster) done(ctx *pulumi.Context) (*Cluster, error) {
	outputs := pulumi.Map{"kubeconfig": c.Kubeconfig}
	if c.EKS != nil {
		outputs["name"], outputs["oidcProviderArn"] = c.EKS.Name, c.EKS.OIDCProviderArn
	}
	return c, ctx.RegisterResourceOutputs(c, outputs)
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
