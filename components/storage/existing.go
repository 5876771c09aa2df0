package storage

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// NewExisting is the customer's storage, as the config describes it.
func NewExisting(ctx *pulumi.Context, name string, e *config.StorageExisting, opts ...pulumi.ResourceOption) (*Storage, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	c.Buckets = Buckets{Type: e.Type, Endpoint: pulumi.String(e.Endpoint).ToStringOutput(), Names: e.Buckets}
	return c.done(ctx)
}
