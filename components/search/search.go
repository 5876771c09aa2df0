// Package search provides the Elasticsearch endpoint. The customer always brings it (seed 001:
// optional); this program does not provision search clusters.
package search

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
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

// Existing is the customer's cluster.
type Existing struct {
	URL         string            `json:"url"`
	Username    string            `json:"username"`
	Password    credential.Secret `json:"password"`
	PasswordRef *credential.Ref   `json:"passwordRef"`
}

// Args selects the backend.
type Args struct {
	Mode     string
	Existing *Existing
}

// Search is the component; Endpoint is its typed output.
type Search struct {
	pulumi.ResourceState
	Endpoint Endpoint
}

// New registers the component and resolves its endpoint.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Search, error) {
	c := &Search{}
	if err := ctx.RegisterComponentResource("workfx:search:Elasticsearch", name, c, opts...); err != nil {
		return nil, err
	}
	ep, err := existingEndpoint(args.Existing)
	if err != nil {
		return nil, err
	}
	c.Endpoint = ep
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"url": pulumi.String(ep.URL)})
}
