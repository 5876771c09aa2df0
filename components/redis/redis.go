// Package redis provides the Redis endpoint the apps consume.
package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
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

// Existing is a Redis the customer already runs (seed 001 infrastructure.redis.external).
type Existing struct {
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	DB          int               `json:"db"`
	TLS         bool              `json:"tls"`
	Password    credential.Secret `json:"password"`
	PasswordRef *credential.Ref   `json:"passwordRef"`
}

// Args selects the backend.
type Args struct {
	Mode     string
	Existing *Existing
	// Azure is set to provision Azure Cache for Redis (azure.go).
	Azure *AzureArgs
}

// Redis is the component; Endpoint is its typed output.
type Redis struct {
	pulumi.ResourceState
	Endpoint Endpoint
}

// New registers the component and resolves its endpoint.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Redis, error) {
	c := &Redis{}
	if err := ctx.RegisterComponentResource("workfx:redis:Redis", name, c, opts...); err != nil {
		return nil, err
	}
	if args.Azure != nil {
		if err := c.provisionAzure(ctx, args.Azure); err != nil {
			return nil, err
		}
	} else {
		c.Endpoint = existingEndpoint(args.Existing)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"host": c.Endpoint.Host,
		"port": pulumi.Int(c.Endpoint.Port),
		"tls":  pulumi.Bool(c.Endpoint.TLS),
	})
}
