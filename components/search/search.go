// Package search provides the Elasticsearch endpoint. The customer always brings it (seed 001:
// optional); this program does not provision search clusters.
package search

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/config"
)

// Endpoint matches seed 001's es-secret: host, port, use_ssl, cluster_url plus credentials.
type Endpoint struct {
	URL      string
	Host     string
	Port     int
	UseSSL   bool
	Username pulumi.StringOutput
	Password credential.Source
}

// Search is the component; Endpoint is its typed output.
type Search struct {
	pulumi.ResourceState
	Endpoint Endpoint
}

// NewExisting is the customer's cluster, as the config describes it.
func NewExisting(ctx *pulumi.Context, name string, e *config.SearchExisting, opts ...pulumi.ResourceOption) (*Search, error) {
	c := &Search{}
	if err := ctx.RegisterComponentResource("workfx:search:Elasticsearch", name, c, opts...); err != nil {
		return nil, err
	}
	host, port, useSSL, err := config.ParseSearchURL(e.URL)
	if err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		URL:      e.URL,
		Host:     host,
		Port:     port,
		UseSSL:   useSSL,
		Username: pulumi.String(e.Username).ToStringOutput(),
		Password: credential.FromConfig(e.Password, e.PasswordRef),
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"url": pulumi.String(e.URL)})
}
