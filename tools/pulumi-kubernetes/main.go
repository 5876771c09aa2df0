// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider plugin, built from the
// module proxy. Upstream's main embeds schema-embed.json and terraform-mapping-embed.json, which
// its build generates from the module's schema.json (with the version set) and
// terraform-mapping.json; scripts/kube-provider.sh writes the same two files next to this one
// before building, so this main is upstream's, unchanged in behaviour.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
