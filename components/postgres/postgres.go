// Package postgres provides the Postgres endpoint the apps consume: the customer's server
// (existing.go), Azure Database for PostgreSQL Flexible Server (azure.go) or RDS (aws.go), each
// built by one constructor of the same shape.
package postgres

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/vault"
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

// Postgres is the component; Endpoint is its typed output.
type Postgres struct {
	pulumi.ResourceState
	Endpoint Endpoint
	// MasterSecret is where AWS keeps the master credential (Secrets Manager); nil elsewhere.
	MasterSecret *vault.Secret
	// Admin is the server admin's credential where this program created the server on Azure
	// (also in Key Vault); nil elsewhere.
	Admin *Admin
}

// Admin is a server administrator's credential; Password is secret.
type Admin struct {
	Username pulumi.StringOutput
	Password pulumi.StringOutput
}

// register registers the component; every backend's constructor starts here.
func register(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Postgres, error) {
	c := &Postgres{}
	return c, ctx.RegisterComponentResource("workfx:postgres:Postgres", name, c, opts...)
}

// done registers the component's outputs; every backend's constructor ends here.
func (c *Postgres) done(ctx *pulumi.Context) (*Postgres, error) {
	outputs := pulumi.Map{
		"host":     c.Endpoint.Host,
		"port":     pulumi.Int(c.Endpoint.Port),
		"database": c.Endpoint.Database,
		"sslMode":  pulumi.String(c.Endpoint.SSLMode),
	}
	if c.MasterSecret != nil {
		outputs["secretArn"] = c.MasterSecret.Arn
	}
	return c, ctx.RegisterResourceOutputs(c, outputs)
}
