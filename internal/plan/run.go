package plan

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// Plan is the record of one in-process run of the program.
type Plan struct {
	Project   string      `json:"project"`
	Stack     string      `json:"stack"`
	Resources []*Resource `json:"resources"`
}

// Run executes program under the mock monitor with the stack's config and returns the record.
// The recorder may be prepared by the caller (extra outputs, invokes or existing objects); nil
// makes one for a cluster that holds the customer's Secrets exactly as the config declares them.
func Run(sc *StackConfig, program pulumi.RunFunc, rec *Recorder) (*Plan, error) {
	if rec == nil {
		rec = NewStackRecorder(sc)
	}
	err := pulumi.RunErr(program, pulumi.WithMocks(sc.Project, sc.Stack, rec), sc.Option())
	p := &Plan{Project: sc.Project, Stack: sc.Stack, Resources: rec.Resources()}
	return p, err
}

// RunPreview is Run as `pulumi preview` sees the program: the engine's dry run, in which the
// resources of the recorder's NotCreated types have no id yet.
func RunPreview(sc *StackConfig, program pulumi.RunFunc, rec *Recorder) (*Plan, error) {
	if rec == nil {
		rec = NewStackRecorder(sc)
	}
	rec.dryRun = true
	err := pulumi.RunErr(program, pulumi.WithMocks(sc.Project, sc.Stack, rec), sc.Option(),
		func(info *pulumi.RunInfo) { info.DryRun = true })
	return &Plan{Project: sc.Project, Stack: sc.Stack, Resources: rec.Resources()}, err
}

// NewStackRecorder is a recorder for the stack's config on a cluster that holds the customer's
// Secrets exactly as the config declares them (config.Config.CustomerSecrets).
func NewStackRecorder(sc *StackConfig) *Recorder {
	rec := NewRecorder(sc.Project, sc.Stack)
	if cfg, err := config.Load(sc.Raw); err == nil {
		for _, s := range cfg.CustomerSecrets() {
			if s.PullSecret && len(s.Keys) == 0 {
				rec.AddExistingPullSecret(cfg.Cluster.Namespace, s.Name)
				continue
			}
			rec.AddExistingSecret(cfg.Cluster.Namespace, s.Name, s.Keys)
		}
	}
	return rec
}

// ByType returns the resources of a type token.
func (p *Plan) ByType(typ string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of a type with a logical name, or nil.
func (p *Plan) Find(typ, name string) *Resource {
	for _, r := range p.Resources {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
}

// ByURN returns the resource with a URN, or nil.
func (p *Plan) ByURN(urn string) *Resource {
	for _, r := range p.Resources {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// Kubernetes returns the Kubernetes objects the program creates (no providers, no Helm
// releases, none it only reads).
func (p *Plan) Kubernetes() []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if r.Custom && !r.Read && r.IsKubernetes() && r.Type != "pulumi:providers:kubernetes" {
			out = append(out, r)
		}
	}
	return out
}

// Object finds a Kubernetes object by kind, namespace and name (as applied to the cluster).
func (p *Plan) Object(kind, namespace, name string) *Resource {
	for _, r := range p.Kubernetes() {
		_, k := r.APIVersionKind()
		if k == kind && r.Str("metadata.name") == name && r.Str("metadata.namespace") == namespace {
			return r
		}
	}
	return nil
}

// DependsOn reports whether r depends on other, directly or through a chain of dependencies
// (what the engine would wait for before creating r). Depending on a component counts as
// depending on each of its recorded children.
func (p *Plan) DependsOn(r, other *Resource) bool {
	seen := map[string]bool{}
	var walk func(urn string) bool
	walk = func(urn string) bool {
		if seen[urn] {
			return false
		}
		seen[urn] = true
		cur := p.ByURN(urn)
		if cur == nil {
			return false
		}
		for _, d := range cur.Dependencies {
			if d == other.URN || isDescendant(p, other.URN, d) || walk(d) {
				return true
			}
		}
		return false
	}
	return walk(r.URN)
}

// isDescendant: depending on a component means depending on its children.
func isDescendant(p *Plan, urn, ancestor string) bool {
	for r := p.ByURN(urn); r != nil && r.Parent != ""; r = p.ByURN(r.Parent) {
		if r.Parent == ancestor {
			return true
		}
	}
	return false
}
