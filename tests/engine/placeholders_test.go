package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/harness"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// Pulumi.prod.yaml's publicAccessCidrs are documentation addresses and its admin roles are in
// AWS's documentation account: the real engine's preview
// refuses them, naming the key, before any resource (no AWS provider plugin is even loaded, so
// this runs here); with real addresses the program gets past its config and on to AWS.
func TestPlaceholderAddressesStopTheRealEngine(t *testing.T) {
	root := setup(t)
	ctx := context.Background()
	sc, err := plan.LoadStackFile(root, "prod", filepath.Join(root, "Pulumi.prod.yaml"))
	require.NoError(t, err)
	tools, err := harness.BuildTools(root)
	require.NoError(t, err)
	dir := t.TempDir()
	env := tools.EngineEnv("")
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Join(dir, "state")
	env["PULUMI_CONFIG_PASSPHRASE"] = "real engine suite"
	for _, d := range []string{"state", "work", "home"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	stack, err := auto.UpsertStackInlineSource(ctx, "prod", config.Namespace, stacks.Run,
		auto.Project(workspace.Project{Name: tokens.PackageName(config.Namespace), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}),
		auto.WorkDir(filepath.Join(dir, "work")), auto.PulumiHome(filepath.Join(dir, "home")),
		auto.EnvVars(env), auto.Pulumi(tools.CLI), auto.SecretsProvider("passphrase"))
	require.NoError(t, err)
	for k, v := range sc.Raw {
		require.NoError(t, stack.SetConfig(ctx, k, auto.ConfigValue{Value: v}))
	}

	_, err = stack.Preview(ctx, optpreview.ProgressStreams(progress(t, "preview of Pulumi.prod.yaml")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx:aws.publicAccessCidrs[0]: 203.0.113.10/32 is a documentation address (RFC 5737)")
	assert.Contains(t, err.Error(), "workfx:aws.publicAccessCidrs[1]")
	assert.Contains(t, err.Error(), "workfx:aws.eks.adminRoleArns[0]: arn:aws:iam::123456789012:role/workfx-platform-deploy is in 123456789012, AWS's documentation account")

	// The operator's real addresses and roles (the whole workfx:aws value, as the stack file holds it):
	// the config passes, and the program goes on to ask AWS, which needs the AWS provider
	// plugin this machine does not have: that is the next error, not the addresses.
	var awsCfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(sc.Raw["workfx:aws"]), &awsCfg))
	awsCfg["publicAccessCidrs"] = []string{"52.94.76.10/32", "52.94.76.11/32"}
	awsCfg["eks"].(map[string]any)["adminRoleArns"] = []string{"arn:aws:iam::210987654321:role/platform-deploy"}
	b, err := json.Marshal(awsCfg)
	require.NoError(t, err)
	require.NoError(t, stack.SetConfig(ctx, "workfx:aws", auto.ConfigValue{Value: string(b)}))
	_, err = stack.Preview(ctx, optpreview.ProgressStreams(progress(t, "preview with real addresses")))
	require.Error(t, err, "no AWS provider plugin here")
	assert.NotContains(t, err.Error(), "invalid stack config", "real addresses are accepted")
	assert.Contains(t, err.Error(), "pulumi-resource-aws", "what stops it now is the missing AWS provider plugin")
}
