package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

const projectDir = "../.."

// stackFiles discovers every stack the repository has: Pulumi.<stack>.yaml at the root and the
// synthetic stack-format configs under tests/testdata/stacks.
func stackFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	root, err := filepath.Glob(filepath.Join(projectDir, "Pulumi.*.yaml"))
	require.NoError(t, err)
	for _, f := range root {
		out[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")] = f
	}
	synthetic, err := filepath.Glob(filepath.Join(projectDir, "tests", "testdata", "stacks", "*.yaml"))
	require.NoError(t, err)
	for _, f := range synthetic {
		out[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	require.NotEmpty(t, out)
	return out
}

// needlessDependency is the test-only variant of the program: the monitor adds one dependency
// the program does not need (waiter waits for the resource with URN waitFor) to the
// registration, as if the program had passed pulumi.DependsOn for it.
type needlessDependency struct {
	*plan.Recorder
	waiterType, waiterName string
	waitFor                string
}

func (m *needlessDependency) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == m.waiterType && args.Name == m.waiterName && args.RegisterRPC != nil {
		args.RegisterRPC.Dependencies = append(args.RegisterRPC.Dependencies, m.waitFor)
	}
	return m.Recorder.NewResource(args)
}

// runStack runs the program under a monitor of the test's choice (plan.Run takes only the
// recorder itself).
func runStack(t *testing.T, sc *plan.StackConfig, mon pulumi.MockResourceMonitor, rec *plan.Recorder) *plan.Plan {
	t.Helper()
	err := pulumi.RunErr(stacks.Run, pulumi.WithMocks(sc.Project, sc.Stack, mon), sc.Option())
	require.NoError(t, err)
	return &plan.Plan{Project: sc.Project, Stack: sc.Stack, Resources: rec.Resources()}
}

func TestReportForEveryStack(t *testing.T) {
	for name, file := range stackFiles(t) {
		t.Run(name, func(t *testing.T) {
			sc, err := plan.LoadStackFile(projectDir, name, file)
			require.NoError(t, err)
			// Exactly what `plan --report` runs.
			p, err := plan.Run(sc, stacks.Run, nil)
			require.NoError(t, err)

			r, err := Build(p, sc.Raw)
			require.NoError(t, err)
			d := r.Deploy
			assert.Positive(t, d.WallSeconds)
			assert.LessOrEqual(t, d.WallSeconds, d.SerialSeconds)
			require.NotEmpty(t, d.Chain)
			sum := 0
			for _, s := range d.Chain {
				sum += s.Seconds
				assert.NotEmpty(t, s.Source, s.URN)
			}
			assert.Equal(t, d.WallSeconds, sum, "the critical chain accounts for the whole wall time")
			for _, it := range r.Cost.Items {
				assert.True(t, it.Priced || it.Reason != "", "an unpriced item says why: %+v", it)
			}
			assert.NotEmpty(t, r.Footprint.Namespaces, "every stack runs the apps")

			var text, js bytes.Buffer
			require.NoError(t, r.WriteText(&text))
			for _, section := range []string{"Deploy time", "Monthly cost", "In-cluster footprint"} {
				assert.Contains(t, text.String(), section)
			}
			require.NoError(t, r.WriteJSON(&js))
			var back Report
			require.NoError(t, json.Unmarshal(js.Bytes(), &back))
			assert.Equal(t, d.WallSeconds, back.Deploy.WallSeconds)

			// The variant: one Deployment is declared to wait for the resource that ends the
			// critical path (an app waiting for another app's rollout, which it does not need).
			last := d.Chain[len(d.Chain)-1]
			waiter := pickWaiter(t, p, last.URN)
			variant := &needlessDependency{Recorder: plan.NewStackRecorder(sc),
				waiterType: waiter.Type, waiterName: waiter.Name, waitFor: last.URN}
			pv := runStack(t, sc, variant, variant.Recorder)
			rv, err := Build(pv, sc.Raw)
			require.NoError(t, err)
			dur, _ := durationOf(waiter)
			assert.GreaterOrEqual(t, rv.Deploy.WallSeconds, d.WallSeconds+seconds(dur),
				"%s waiting for %s needlessly must lengthen the critical path", waiter.Name, last.Name)
			assert.Equal(t, d.SerialSeconds, rv.Deploy.SerialSeconds, "the work is the same, only the order changed")
			onChain := false
			for _, s := range rv.Deploy.Chain {
				onChain = onChain || s.URN == waiter.URN
			}
			assert.True(t, onChain, "the needless edge shows up on the new critical path")
		})
	}
}

// pickWaiter is a Deployment that the last step of the critical path does not itself wait for
// (so the added edge makes no cycle), and is registered once under its type and name.
func pickWaiter(t *testing.T, p *plan.Plan, lastURN string) *plan.Resource {
	t.Helper()
	g, err := DeployGraph(p)
	require.NoError(t, err)
	for _, r := range p.ByType("kubernetes:apps/v1:Deployment") {
		if r.URN == lastURN || g.Descendants(r.URN)[lastURN] {
			continue
		}
		if countNamed(p, r) == 1 {
			return r
		}
	}
	t.Fatalf("no Deployment can wait for %s without a cycle", lastURN)
	return nil
}

func countNamed(p *plan.Plan, r *plan.Resource) int {
	n := 0
	for _, o := range p.ByType(r.Type) {
		if o.Name == r.Name {
			n++
		}
	}
	return n
}
