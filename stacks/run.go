package stacks

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// Run is the Pulumi program: read and validate the stack config, then compose. It is what
// `pulumi up` runs (main.go), what the offline plan runs under the mock monitor, and what the
// Automation API runs inline. Nothing is registered when the config is invalid.
func Run(ctx *pulumi.Context) error {
	cfg, err := config.Load(RawConfig(ctx))
	if err != nil {
		return err
	}
	if err := deployable(cfg, ctx.RunningWithMocks(), ctx.Log.Warn); err != nil {
		return err
	}
	return Build(ctx, cfg)
}

// deployable refuses a config's placeholders (config.DeployBlockers) when the engine runs the
// program, so `pulumi preview` and `up` stop before anything is registered. The offline plan
// (the SDK's mock monitor: nothing reaches a cloud) warns instead, so the repository's stack
// files, which hold placeholders for what only their operator knows, still plan in CI.
func deployable(cfg *config.Config, offline bool, warn func(string, *pulumi.LogArgs) error) error {
	blockers := cfg.DeployBlockers()
	if len(blockers) == 0 {
		return nil
	}
	if !offline {
		return &config.Error{Problems: blockers}
	}
	for _, b := range blockers {
		_ = warn(fmt.Sprintf("not deployable as is: %s: %s", b.Key, b.Message), nil)
	}
	return nil
}

// RawConfig collects the program's config as "workfx:<key>" → raw value. The SDK only answers
// for keys it is asked about, so every known key is asked for; the engine's full config
// (PULUMI_CONFIG, set for `pulumi up`) adds any unknown workfx: key so a typo is reported.
func RawConfig(ctx *pulumi.Context) map[string]string {
	raw := map[string]string{}
	if env := os.Getenv(pulumi.EnvConfig); env != "" {
		var all map[string]string
		if json.Unmarshal([]byte(env), &all) == nil {
			for k, v := range all {
				raw[k] = v
			}
		}
	}
	for _, key := range config.Keys() {
		if v, ok := ctx.GetConfig(config.Namespace + ":" + key); ok {
			raw[config.Namespace+":"+key] = v
		}
	}
	return raw
}
