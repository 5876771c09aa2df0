// Package redis provides the Redis endpoint the apps consume: the customer's Redis
// (existing.go), Azure Managed Redis or the classic Azure Cache for Redis (azure.go), or
// ElastiCache (aws.go), each built by one constructor of the same shape.
package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/vault"
)

// Endpoint is the same type whatever the backend.
type Endpoint struct {
	Host pulumi.StringOutput
	// Port is known before deployment for every backend (NetworkPolicies need it).
	Port     int
	DB       int
	TLS      bool
	Password credential.Source
}

// Redis is the component; Endpoint is its typed output.
type Redis struct {
	pulumi.ResourceState
	Endpoint Endpoint
	// AuthSecret is where AWS keeps the auth token (Secrets Manager); nil elsewhere.
	AuthSecret *vault.Secret
}

// register registers the component; every backend's constructor starts here.
func register(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Redis, error) {
	c := &Redis{}
	return c, ctx.RegisterComponentResource("workfx:redis:Redis", name, c, opts...)
}

// done registers the component's outputs; every backend's constructor ends here.
func (c *Redis) done(ctx *pulumi.Context) (*Redis, error) {
	outputs := pulumi.Map{
		"host": c.Endpoint.Host,
		"port": pulumi.Int(c.Endpoint.Port),
		"tls":  pulumi.Bool(c.Endpoint.TLS),
	}
	if c.AuthSecret != nil {
		outputs["secretArn"] = c.AuthSecret.Arn
	}
	return c, ctx.RegisterResourceOutputs(c, outputs)
}
