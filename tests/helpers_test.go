// Package tests holds program-level tests: each stack file, policies, malformed configs. Every
// test runs the real program (stacks.Run) under the SDK's mock monitor through internal/plan.
package tests

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// projectDir is the repository root (Pulumi.yaml lives there).
const projectDir = ".."

// planStack plans a stack file of the repository.
func planStack(t *testing.T, stack string) *plan.Plan {
	t.Helper()
	return planFile(t, stack, filepath.Join(projectDir, "Pulumi."+stack+".yaml"))
}

// stackValues reads a stack file's `config:` as YAML-shaped values, for tests that mutate it.
func stackValues(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(projectDir, file))
	require.NoError(t, err)
	var sf struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &sf))
	return sf.Config
}

// set writes value at a dotted path ("workfx:postgres.existing.port"); a nil value deletes it.
func set(values map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	m := values
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if value == nil {
		delete(m, last)
		return
	}
	m[last] = value
}

// deepCopy copies YAML-shaped values so table cases do not leak into each other.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// planValues plans YAML-shaped config values (as a stack file's `config:` would hold them).
func planValues(t *testing.T, stack string, values map[string]any) (*plan.Plan, error) {
	t.Helper()
	sc, err := plan.FromValues("workfx", stack, values)
	require.NoError(t, err)
	return plan.Run(sc, stacks.Run, nil)
}

// loadValues validates YAML-shaped config values the way the program does.
func loadValues(t *testing.T, values map[string]any) (*config.Config, error) {
	t.Helper()
	sc, err := plan.FromValues("workfx", "test", values)
	require.NoError(t, err)
	return config.Load(sc.Raw)
}

// stackFile is a stack-format config: a real stack (Pulumi.<name>.yaml) or a synthetic one.
type stackFile struct{ name, path string }

// allStackFiles lists every stack-format config the tests cover: the repository's stack files
// and the synthetic ones under testdata/stacks.
func allStackFiles(t testing.TB) []stackFile {
	t.Helper()
	var out []stackFile
	real, err := filepath.Glob(filepath.Join(projectDir, "Pulumi.*.yaml"))
	require.NoError(t, err)
	for _, p := range real {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "Pulumi."), ".yaml")
		out = append(out, stackFile{name, p})
	}
	synthetic, err := filepath.Glob(filepath.Join("testdata", "stacks", "*.yaml"))
	require.NoError(t, err)
	for _, p := range synthetic {
		out = append(out, stackFile{strings.TrimSuffix(filepath.Base(p), ".yaml"), p})
	}
	return out
}

// planOnce caches plans: tests only read them, and a plan takes seconds on a busy machine.
var planOnce sync.Map

// planFile plans any stack-format file, once per test binary.
func planFile(t *testing.T, stack, path string) *plan.Plan {
	t.Helper()
	type result struct {
		p   *plan.Plan
		err error
	}
	key := stack + "|" + path
	v, _ := planOnce.LoadOrStore(key, &sync.Once{})
	v.(*sync.Once).Do(func() {
		sc, err := plan.LoadStackFile(projectDir, stack, path)
		if err != nil {
			planOnce.Store("result/"+key, result{err: err})
			return
		}
		p, err := plan.Run(sc, stacks.Run, nil)
		planOnce.Store("result/"+key, result{p, err})
	})
	r, _ := planOnce.Load("result/" + key)
	res := r.(result)
	require.NoError(t, res.err, "stack %s (%s)", stack, path)
	return res.p
}

// kindOf is a Kubernetes object's kind.
func kindOf(r *plan.Resource) string {
	_, k := r.APIVersionKind()
	return k
}

// objects returns the Kubernetes objects of a kind.
func objects(p *plan.Plan, kind string) []*plan.Resource {
	var out []*plan.Resource
	for _, r := range p.Kubernetes() {
		if kindOf(r) == kind {
			out = append(out, r)
		}
	}
	return out
}

// mapAt returns the object at a path of a resource's inputs (secrets shown).
func mapAt(r *plan.Resource, path string) map[string]any {
	v, _ := r.Input(path)
	m, _ := v.(map[string]any)
	return m
}

// listAt returns the list at a path of a resource's inputs (secrets shown).
func listAt(r *plan.Resource, path string) []any {
	v, _ := r.Input(path)
	l, _ := v.([]any)
	return l
}
