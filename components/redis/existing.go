package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/config"
)

// NewExisting is the customer's Redis, as the config describes it.
func NewExisting(ctx *pulumi.Context, name string, e *config.RedisExisting, opts ...pulumi.ResourceOption) (*Redis, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		Host:     pulumi.String(e.Host).ToStringOutput(),
		Port:     e.Port,
		DB:       e.DB,
		TLS:      e.TLS,
		Password: credential.FromConfig(e.Password, e.PasswordRef),
	}
	return c.done(ctx)
}
