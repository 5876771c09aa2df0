package engine_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/harness"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// BumpedTag is the image tag the benchmarks bump the WorkFX API to.
const bumpedTag = "2.4.2"

// BenchmarkPhases measures, per stack and in the same run, what a user waits for on the real
// engine against the floor for the same objects with kubectl, each on a fresh cluster holding the
// customer's namespace and Secrets:
//
//	engine:  first up · second up (nothing to change) · the same with the engine's parallel diff
//	         (PULUMI_PARALLEL_DIFF) · preview (nothing to change) · up after an image tag bump
//	kubectl: apply --server-side + rollout · the same apply again · diff --server-side ·
//	         apply after the bump + its rollout
//
// The program runs inline (Automation API), so no compile is in these figures; scripts/bench.sh
// adds the program binary's build. It prints TABLE lines and asserts nothing about time.
//
//	WORKFX_REAL_ENGINE=1 go test ./tests/engine -run '^$' -bench Phases -benchtime 1x
func BenchmarkPhases(b *testing.B) {
	if os.Getenv("WORKFX_REAL_ENGINE") == "" {
		b.Skip("runs with WORKFX_REAL_ENGINE=1")
	}
	root, err := harness.Root()
	require.NoError(b, err)
	_, err = harness.BuildTools(root)
	require.NoError(b, err)
	fmt.Println(TableHeader)
	for _, sf := range stackFiles {
		b.Run(sf.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e, k := measurePhases(b, root, sf.name, filepath.Join(root, sf.file))
				b.ReportMetric(e.FirstUp.Engine.Seconds(), "up-engine-s")
				b.ReportMetric(e.NoopUp.Wall.Seconds(), "noop-up-s")
				b.ReportMetric(e.BumpUp.Wall.Seconds(), "bump-up-s")
				b.ReportMetric((k.Apply + k.Rollout).Seconds(), "kubectl-s")
				// Printed, not logged: a benchmark's log is cut after a few lines.
				fmt.Print(e.Table(sf.name, k))
			}
		})
	}
}

// EngineFigures are the engine's phases of BenchmarkPhases.
type EngineFigures struct {
	Resources, NoopChanges, BumpUpdates, BumpReplaces        int
	FirstUp, NoopUp, NoopUpParallelDiff, NoopPreview, BumpUp Phase
}

// Phase is one operation: Wall is what the caller of the Automation API waits for (the CLI's
// start, the engine, then the stack's outputs and history read by more CLI runs); Engine is the
// engine's own work, from its prelude event to its summary event.
type Phase struct{ Wall, Engine time.Duration }

// TableHeader heads the rows EngineFigures.Table prints.
const TableHeader = "TABLE | stack | resources | phase | wall | engine work | kubectl | engine work / kubectl |\n" +
	"TABLE |---|---|---|---|---|---|---|"

// Table is one row per phase, engine beside kubectl.
func (e EngineFigures) Table(name string, k harness.KubectlFloor) string {
	s := func(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
	row := func(phase string, p Phase, kubectl time.Duration) string {
		return fmt.Sprintf("TABLE | %s | %d (%d objects) | %s | %s | %s | %s | %.1f× |\n",
			name, e.Resources, k.Objects, phase, s(p.Wall), s(p.Engine), s(kubectl), p.Engine.Seconds()/kubectl.Seconds())
	}
	return row("first up vs apply + rollout", e.FirstUp, k.Apply+k.Rollout) +
		row(fmt.Sprintf("second up (%d changes) vs apply again", e.NoopChanges), e.NoopUp, k.NoopApply) +
		row("second up, PULUMI_PARALLEL_DIFF vs apply again", e.NoopUpParallelDiff, k.NoopApply) +
		row("preview (no changes) vs diff", e.NoopPreview, k.Diff) +
		row(fmt.Sprintf("image bump up (%d updated, %d replaced) vs apply + rollout", e.BumpUpdates, e.BumpReplaces), e.BumpUp, k.BumpApply+k.BumpRollout)
}

func measurePhases(b *testing.B, root, name, file string) (EngineFigures, harness.KubectlFloor) {
	ctx := context.Background()
	var e EngineFigures
	r := newRun(b, root, name, file)
	ws := r.stack.Workspace()
	// WORKFX_BENCH_ENGINE_ENV=K=V,… runs every phase with more engine settings (experiments).
	for _, kv := range strings.Split(os.Getenv("WORKFX_BENCH_ENGINE_ENV"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			ws.SetEnvVar(k, v)
		}
	}
	base := maps.Clone(r.raw)
	r.createCustomerObjects()

	var first *stepTrace
	up := func(p *Phase, what string, opts ...optup.Option) auto.UpResult {
		t := newStepTrace()
		start := time.Now()
		res, err := r.stack.Up(ctx, append(opts, optup.ProgressStreams(progress(b, what)), optup.EventStreams(t.events))...)
		p.Wall = time.Since(start)
		require.NoError(b, err, what)
		t.wait()
		p.Engine = t.engineWork()
		if first == nil {
			first = t
		}
		return res
	}
	res := up(&e.FirstUp, "first up")
	e.Resources = changes(res.Summary.ResourceChanges, "create")
	res = up(&e.NoopUp, "second up")
	e.NoopChanges = len(nonSame(res.Summary.ResourceChanges))
	ws.SetEnvVar("PULUMI_PARALLEL_DIFF", "true")
	up(&e.NoopUpParallelDiff, "second up, parallel diff", optup.ExpectNoChanges())
	ws.UnsetEnvVar("PULUMI_PARALLEL_DIFF")
	t := newStepTrace()
	start := time.Now()
	_, err := r.stack.Preview(ctx, optpreview.ProgressStreams(progress(b, "preview")), optpreview.ExpectNoChanges(), optpreview.EventStreams(t.events))
	e.NoopPreview.Wall = time.Since(start)
	require.NoError(b, err)
	t.wait()
	e.NoopPreview.Engine = t.engineWork()
	r.setConfig("workfx:apps", "workfxApi.image.tag", bumpedTag)
	res = up(&e.BumpUp, "image bump")
	e.BumpUpdates, e.BumpReplaces = changes(res.Summary.ResourceChanges, "update"), changes(res.Summary.ResourceChanges, "replace")

	sc, err := plan.LoadStackFile(root, name, file)
	require.NoError(b, err)
	basePlan := planOf(b, sc, base)
	fmt.Printf("TRACE first up of %s, where the time goes:\n%s", name, first.report(basePlan, 12))
	if os.Getenv("WORKFX_TRACE_TIMELINE") != "" {
		fmt.Printf("TRACE timeline of the first up of %s:\n%s", name, first.timeline(basePlan))
	}

	// The floor: the same objects by kubectl on a fresh cluster.
	cluster, err := harness.StartCluster(ctx, root, b.TempDir(), "", 2, 2, 4)
	require.NoError(b, err)
	defer cluster.Stop()
	require.NoError(b, cluster.CreateCustomerObjects(ctx, r.cfg))
	k, err := cluster.MeasureKubectl(ctx, b.TempDir(), basePlan, planOf(b, sc, r.raw), r.ns, "workfx-api")
	require.NoError(b, err)
	return e, k
}

// planOf is the offline plan of the stack with the config raw (the objects kubectl applies).
func planOf(b *testing.B, sc *plan.StackConfig, raw map[string]string) *plan.Plan {
	with := *sc
	with.Raw = raw
	p, err := plan.Run(&with, stacks.Run, nil)
	require.NoError(b, err)
	return p
}
