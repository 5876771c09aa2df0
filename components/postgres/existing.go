package postgres

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/config"
)

// NewExisting is the customer's server, as the config describes it.
func NewExisting(ctx *pulumi.Context, name string, e *config.PostgresExisting, opts ...pulumi.ResourceOption) (*Postgres, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		Host:     pulumi.String(e.Host).ToStringOutput(),
		Port:     e.Port,
		Database: pulumi.String(e.Database).ToStringOutput(),
		Username: pulumi.String(e.Username).ToStringOutput(),
		Password: credential.FromConfig(e.Password, e.PasswordRef),
		SSLMode:  e.SSLMode,
	}
	return c.done(ctx)
}
