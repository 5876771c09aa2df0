package stacks

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
)

// Under the engine (pulumi preview / up) a placeholder stops the program before anything is
// registered, naming its key; the offline plan warns and goes on.
func TestPlaceholdersStopTheEngineButNotTheOfflinePlan(t *testing.T) {
	cfg := &config.Config{Cloud: "aws", Cluster: config.ClusterConfig{Mode: config.ModeProvision},
		AWS: config.AWSConfig{PublicAccessCidrs: []string{"52.94.76.0/24", "203.0.113.10/32"}}}
	var warned []string
	warn := func(msg string, _ *pulumi.LogArgs) error { warned = append(warned, msg); return nil }

	err := deployable(cfg, false, warn)
	var cerr *config.Error
	require.True(t, errors.As(err, &cerr), "the engine gets a config error: %v", err)
	require.Len(t, cerr.Problems, 1)
	assert.Equal(t, "workfx:aws.publicAccessCidrs[1]", cerr.Problems[0].Key)
	assert.Empty(t, warned)

	require.NoError(t, deployable(cfg, true, warn), "the offline plan goes on")
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0], "not deployable as is: workfx:aws.publicAccessCidrs[1]")

	cfg.AWS.PublicAccessCidrs = []string{"52.94.76.0/24"}
	assert.NoError(t, deployable(cfg, false, warn), "real addresses deploy")
}
