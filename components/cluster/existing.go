package cluster

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func (c *Cluster) useExisting(ctx *pulumi.Context, name string, e *Existing) error {
	pargs := providerArgs(nil)
	c.Kubeconfig = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	if e != nil && e.Kubeconfig.IsSet() {
		c.Kubeconfig = e.Kubeconfig.Output()
		pargs.Kubeconfig = c.Kubeconfig
	}
	if e != nil && e.Context != "" {
		pargs.Context = pulumi.String(e.Context)
	}
	p, err := kubernetes.NewProvider(ctx, name, pargs, pulumi.Parent(c))
	if err != nil {
		return err
	}
	c.Provider = p
	return nil
}
