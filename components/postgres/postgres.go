// Package postgres provides the Postgres endpoint the apps consume, either provisioned by this
// program or the customer's existing server.
package postgres

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

// Endpoint is everything an app needs to connect. It is the same type whatever the backend.
type Endpoint struct {
	Host pulumi.StringOutput
	// Port is known before deployment for every backend (NetworkPolicies need it).
	Port     int
	Database pulumi.StringOutput
	Username pulumi.StringOutput
	// Password is always a secret Output or a reference to the customer's own Secret.
	Password credential.Source
	// SSLMode is a libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full).
	SSLMode string
}

// Existing describes a server the customer already runs (seed 001 infrastructure.postgresql.external).
type Existing struct {
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	Database    string            `json:"database"`
	Username    string            `json:"username"`
	SSLMode     string            `json:"sslMode"`
	Password    credential.Secret `json:"password"`
	PasswordRef *credential.Ref   `json:"passwordRef"`
}

// Args selects the backend; validation guarantees the matching settings are present.
type Args struct {
	Mode     string
	Existing *Existing
	// Azure is set to provision a Flexible Server (azure.go).
	Azure *AzureArgs
}

// Postgres is the component; Endpoint is its typed output.
type Postgres struct {
	pulumi.ResourceState
	Endpoint Endpoint
}

// New registers the component and resolves its endpoint for the chosen mode.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Postgres, error) {
	c := &Postgres{}
	if err := ctx.RegisterComponentResource("workfx:postgres:Postgres", name, c, opts...); err != nil {
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
		"host":     c.Endpoint.Host,
		"port":     pulumi.Int(c.Endpoint.Port),
		"database": c.Endpoint.Database,
		"sslMode":  pulumi.String(c.Endpoint.SSLMode),
	})
}
