package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/harness"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// BenchmarkFirstUp measures, per stack and in the same run, the first `up` of the real engine
// against the floor for the same objects: `kubectl apply --server-side` of the offline plan's
// manifests plus waiting for every rollout, each on a fresh cluster with the customer's
// namespace and Secrets created first. It reports seconds and the ratio; it asserts nothing
// about time.
//
//	WORKFX_REAL_ENGINE=1 go test ./tests/engine -run '^$' -bench FirstUp -benchtime 1x
func BenchmarkFirstUp(b *testing.B) {
	if os.Getenv("WORKFX_REAL_ENGINE") == "" {
		b.Skip("runs with WORKFX_REAL_ENGINE=1")
	}
	root, err := harness.Root()
	require.NoError(b, err)
	_, err = harness.BuildTools(root)
	require.NoError(b, err)
	for _, sf := range stackFiles {
		b.Run(sf.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f := measureFirstUp(b, root, sf.name, filepath.Join(root, sf.file))
				b.ReportMetric(f.up.Seconds(), "up-s")
				b.ReportMetric(f.noop.Seconds(), "noop-up-s")
				b.ReportMetric((f.apply + f.rollout).Seconds(), "kubectl-s")
				b.ReportMetric(f.up.Seconds()/(f.apply+f.rollout).Seconds(), "ratio")
				b.Logf("TABLE | %s | %d resources (%d Kubernetes objects) | first up %s | second up %s, %d changes | kubectl apply %s + rollout %s = %s | ratio %.1f |",
					sf.name, f.resources, f.objects, f.up.Round(100*time.Millisecond), f.noop.Round(100*time.Millisecond), f.noopChanges,
					f.apply.Round(100*time.Millisecond), f.rollout.Round(100*time.Millisecond), (f.apply + f.rollout).Round(100*time.Millisecond),
					f.up.Seconds()/(f.apply+f.rollout).Seconds())
			}
		})
	}
}

type firstUp struct {
	resources, objects, noopChanges int
	up, noop, apply, rollout        time.Duration
}

func measureFirstUp(b *testing.B, root, name, file string) firstUp {
	ctx := context.Background()
	var f firstUp

	// The engine: first up, then an up with nothing to change.
	r := newRun(b, root, name, file)
	r.createCustomerObjects()
	start := time.Now()
	res, err := r.stack.Up(ctx, optup.ProgressStreams(progress(b, "first up")))
	require.NoError(b, err)
	f.up = time.Since(start)
	f.resources = changes(res.Summary.ResourceChanges, "create")
	start = time.Now()
	res, err = r.stack.Up(ctx, optup.ProgressStreams(progress(b, "second up")))
	require.NoError(b, err)
	f.noop = time.Since(start)
	f.noopChanges = len(nonSame(res.Summary.ResourceChanges))

	// The floor: the same objects by kubectl on a fresh cluster.
	sc, err := plan.LoadStackFile(root, name, file)
	require.NoError(b, err)
	p, err := plan.Run(sc, stacks.Run, nil)
	require.NoError(b, err)
	dir := b.TempDir()
	f.objects, err = p.WriteManifests(dir, true)
	require.NoError(b, err)
	cluster, err := harness.StartCluster(ctx, root, b.TempDir(), "", 2, 2, 4)
	require.NoError(b, err)
	defer cluster.Stop()
	require.NoError(b, cluster.CreateCustomerObjects(ctx, r.cfg))
	start = time.Now()
	_, err = cluster.Kubectl(ctx, "apply", "--server-side", "-f", filepath.Join(dir, "manifests.yaml"))
	require.NoError(b, err)
	f.apply = time.Since(start)
	start = time.Now()
	out, err := cluster.Kubectl(ctx, "-n", r.ns, "get", "deployments", "-o", "name")
	require.NoError(b, err)
	for _, d := range strings.Fields(out) {
		_, err := cluster.Kubectl(ctx, "-n", r.ns, "rollout", "status", d, "--timeout=180s")
		require.NoError(b, err, fmt.Sprintf("rollout of %s", d))
	}
	f.rollout = time.Since(start)
	return f
}
