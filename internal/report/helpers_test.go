package report

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
)

// planBuilder makes hand-made plans through the real recorder, so resources carry inputs,
// parents, dependencies and providers exactly as a program run would record them.
type planBuilder struct {
	t    *testing.T
	rec  *plan.Recorder
	urns map[string]string
}

func newPlanBuilder(t *testing.T) *planBuilder {
	return &planBuilder{t: t, rec: plan.NewRecorder("proj", "test"), urns: map[string]string{}}
}

// res describes one registration; Parent, Deps and Provider name earlier registrations.
type res struct {
	Name, Type string
	Component  bool
	Parent     string
	Deps       []string
	Provider   string
	Inputs     map[string]any
}

func (b *planBuilder) add(r res) *planBuilder {
	b.t.Helper()
	req := &pulumirpc.RegisterResourceRequest{Type: r.Type, Name: r.Name, Custom: !r.Component}
	if r.Parent != "" {
		req.Parent = b.urn(r.Parent)
	}
	for _, d := range r.Deps {
		req.Dependencies = append(req.Dependencies, b.urn(d))
	}
	provider := ""
	if r.Provider != "" {
		provider = b.urn(r.Provider) + "::" + r.Provider + "-id"
	}
	_, _, err := b.rec.NewResource(pulumi.MockResourceArgs{
		TypeToken: r.Type, Name: r.Name, Custom: !r.Component, Provider: provider,
		Inputs: resource.NewPropertyMapFromMap(r.Inputs), RegisterRPC: req,
	})
	require.NoError(b.t, err)
	for _, rr := range b.rec.Resources() {
		if rr.Name == r.Name && rr.Type == r.Type {
			b.urns[r.Name] = rr.URN
		}
	}
	return b
}

func (b *planBuilder) urn(name string) string {
	b.t.Helper()
	u, ok := b.urns[name]
	require.True(b.t, ok, "no resource %q registered yet", name)
	return u
}

func (b *planBuilder) plan() *plan.Plan {
	return &plan.Plan{Project: "proj", Stack: "test", Resources: b.rec.Resources()}
}
