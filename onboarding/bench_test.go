package onboarding

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
)

// BenchmarkOnboardingPhases measures what the onboarding service waits for with the example
// customer, each phase one Onboard call (config applied, CLI run, result parsed), beside kubectl
// doing the same to the same objects in another namespace of the same cluster: the first
// preview and up, an up and a preview with nothing to change, an image tag bump, then destroy and
// the first and second up again with Options.SkipCheckpoints. It prints
// TABLE lines (tests/engine's BenchmarkPhases prints the stack files' rows) and asserts nothing
// about time.
//
//	WORKFX_REAL_ENGINE=1 go test ./onboarding -run '^$' -bench OnboardingPhases -benchtime 1x
func BenchmarkOnboardingPhases(b *testing.B) {
	for i := 0; i < b.N; i++ {
		measureOnboarding(b, fmt.Sprintf("bench%d", i))
	}
}

func measureOnboarding(b *testing.B, id string) {
	ctx := context.Background()
	c, opts, _ := onCluster(b, id)
	onboard := func(what string, op Operation, expectNoChanges bool) (time.Duration, *Result) {
		o := opts
		o.Operation, o.ExpectNoChanges = op, expectNoChanges
		start := time.Now()
		res, err := Onboard(ctx, c, o)
		require.NoError(b, err, what)
		return time.Since(start), res
	}
	preview, _ := onboard("first preview", Preview, false)
	up, res := onboard("first up", Up, false)
	resources := res.Changes["create"]
	noopUp, _ := onboard("second up", Up, true)
	noopPreview, _ := onboard("preview", Preview, true)
	bumpImage(c, "2.4.2")
	bumpUp, bump := onboard("image bump", Up, false)
	destroy, _ := onboard("destroy", Destroy, false)
	opts.SkipCheckpoints = true
	fastUp, _ := onboard("first up, skip checkpoints", Up, false)
	fastNoopUp, _ := onboard("second up, skip checkpoints", Up, true)

	// The floor: the same customer's objects by kubectl, in a namespace of their own.
	_, cluster := realEngine(b)
	floor := contoso(b)
	floor.ID = id + "-kubectl"
	floor.Cluster["namespace"] = "workfx-" + floor.ID
	base := customerPlan(b, floor)
	require.NoError(b, cluster.CreateCustomerObjects(ctx, loadConfig(b, floor)))
	bumpImage(floor, "2.4.2")
	k, err := cluster.MeasureKubectl(ctx, b.TempDir(), base, customerPlan(b, floor), "workfx-"+floor.ID, "workfx-api")
	require.NoError(b, err)

	row := func(phase string, engine, kubectl time.Duration) {
		// The engine's own work is not split out here: this is what the service waits for.
		fmt.Printf("TABLE | onboarding example | %d (%d objects) | %s | %.1f s | – | %s | wall %s |\n", resources, k.Objects, phase, engine.Seconds(),
			seconds(kubectl), ratio(engine, kubectl))
	}
	row("first preview (stack created, config set)", preview, 0)
	row("first up vs apply + rollout", up, k.Apply+k.Rollout)
	row("second up (expect no changes) vs apply again", noopUp, k.NoopApply)
	row("preview (expect no changes) vs diff", noopPreview, k.Diff)
	row(fmt.Sprintf("image bump up (%d updated, %d replaced) vs apply + rollout", bump.Changes["update"], bump.Changes["replace"]), bumpUp, k.BumpApply+k.BumpRollout)
	row("destroy (offboarding)", destroy, 0)
	row("first up again, SkipCheckpoints vs apply + rollout", fastUp, k.Apply+k.Rollout)
	row("second up, SkipCheckpoints vs apply again", fastNoopUp, k.NoopApply)
}

func bumpImage(c *Customer, tag string) {
	c.Apps["workfxApi"].(map[string]any)["image"].(map[string]any)["tag"] = tag
}

func loadConfig(b *testing.B, c *Customer) *config.Config {
	raw, err := c.RawConfig()
	require.NoError(b, err)
	cfg, err := config.Load(raw)
	require.NoError(b, err)
	return cfg
}

// customerPlan is the offline plan of the customer's stack: the objects kubectl applies.
func customerPlan(b *testing.B, c *Customer) *plan.Plan {
	raw, err := c.RawConfig()
	require.NoError(b, err)
	p, err := plan.Run(&plan.StackConfig{Project: config.Namespace, Stack: c.StackName(), Raw: raw, SecretKeys: c.SecretKeys()}, Program, nil)
	require.NoError(b, err)
	return p
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func ratio(engine, kubectl time.Duration) string {
	if kubectl == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", engine.Seconds()/kubectl.Seconds())
}
