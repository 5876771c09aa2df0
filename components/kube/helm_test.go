package kube

import (
	"testing"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChartSource(t *testing.T) {
	const public = "https://charts.example.org"
	repoOf := func(r helmv3.RepositoryOptsPtrInput) string {
		if r == nil {
			return ""
		}
		return string(r.(*helmv3.RepositoryOptsArgs).Repo.(pulumi.String))
	}

	chart, repo := ChartSource{}.Chart(public, "istiod")
	assert.Equal(t, pulumi.String("istiod"), chart)
	assert.Equal(t, public, repoOf(repo), "public repository without override")

	chart, repo = ChartSource{HTTPRepo: "https://mirror.internal/charts"}.Chart(public, "istiod")
	assert.Equal(t, pulumi.String("istiod"), chart)
	assert.Equal(t, "https://mirror.internal/charts", repoOf(repo))

	chart, repo = ChartSource{OCIPath: "oci://registry.internal/charts"}.Chart(public, "istiod")
	assert.Equal(t, pulumi.String("oci://registry.internal/charts/istiod"), chart)
	assert.Nil(t, repo, "an OCI reference carries its own location")
}

func TestValuesFollowJSONTags(t *testing.T) {
	type inner struct {
		Enabled bool   `json:"enabled"`
		Skip    string `json:"skip,omitempty"`
	}
	v, err := Values(struct {
		Inner inner `json:"inner"`
		N     int   `json:"n"`
	}{Inner: inner{Enabled: true}, N: 3})
	require.NoError(t, err)
	require.Contains(t, v, "inner")
	require.Contains(t, v, "n")
	assert.Len(t, v, 2)
}
