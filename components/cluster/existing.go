package cluster

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/config"
)

// NewExisting binds the provider to the customer's cluster: its kubeconfig (secret) and context,
// or the ambient kubeconfig when none is given, as kubectl would.
func NewExisting(ctx *pulumi.Context, name string, e *config.ClusterExisting, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	pargs := providerArgs(nil)
	c.Kubeconfig = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	if e != nil && e.Kubeconfig.IsSet() {
		c.Kubeconfig = credential.Value(e.Kubeconfig)
		pargs.Kubeconfig = c.Kubeconfig
	}
	if e != nil && e.Context != "" {
		pargs.Context = pulumi.String(e.Context)
	}
	if c.Provider, err = kubernetes.NewProvider(ctx, name, pargs, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	return c.done(ctx)
}
