package kube

import (
	"encoding/json"
	"fmt"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ChartSource is where Helm charts come from. The zero value means each chart's public
// repository; air-gapped customers set exactly one of HTTPRepo or OCIPath (their mirror).
type ChartSource struct {
	// HTTPRepo is an http(s) Helm repository (index.yaml) holding every chart.
	HTTPRepo string
	// OCIPath is an oci:// registry path; chart <name> is pulled from <OCIPath>/<name>.
	OCIPath string
}

// Chart returns the Release's chart and repository options for a chart whose public home is
// publicRepo. OCI charts are named by their full reference and take no repository options.
func (s ChartSource) Chart(publicRepo, chart string) (pulumi.StringInput, helmv3.RepositoryOptsPtrInput) {
	switch {
	case s.OCIPath != "":
		return pulumi.String(s.OCIPath + "/" + chart), nil
	case s.HTTPRepo != "":
		return pulumi.String(chart), &helmv3.RepositoryOptsArgs{Repo: pulumi.String(s.HTTPRepo)}
	}
	return pulumi.String(chart), &helmv3.RepositoryOptsArgs{Repo: pulumi.String(publicRepo)}
}

// Values converts typed chart values (structs with json tags) into a Release's values, so
// charts are configured by checked Go types rather than hand-built maps.
func Values(v any) (pulumi.Map, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	return pulumi.ToMap(m), nil
}
