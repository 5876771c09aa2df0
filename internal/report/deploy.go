package report

import (
	"sort"
	"strings"
	"time"

	"github.com/workfx/workfx-platform/internal/plan"
)

// DeployTime is the deploy-time section: the estimated wall time of a first `pulumi up`.
type DeployTime struct {
	// WallSeconds is the critical path: the engine runs independent steps in parallel.
	WallSeconds int `json:"wallSeconds"`
	// SerialSeconds is the sum of every create time (no parallelism).
	SerialSeconds int `json:"serialSeconds"`
	// Chain is the critical path, first step first (components, which take no time, left out;
	// a Helm v4 Chart is a component with a create time of its own).
	Chain []Step `json:"chain"`
	// Types are the create times used, one row per type (and variant) in the plan.
	Types []TypeDuration `json:"types"`
}

// Step is one resource on the critical path.
type Step struct {
	URN          string `json:"urn"`
	Type         string `json:"type"`
	Name         string `json:"name"`
	StartSeconds int    `json:"startSeconds"`
	Seconds      int    `json:"seconds"`
	Source       string `json:"source"`
}

// TypeDuration is a create-time row as used for this plan.
type TypeDuration struct {
	Type    string `json:"type"`
	Count   int    `json:"count"`
	Seconds int    `json:"seconds"`
	Source  string `json:"source"`
}

// startNode is the node a component's children wait for; the component's URN node is its end
// (every child done), which is what depending on a component means.
func startNode(urn string) string { return "start " + urn }

// providerURN strips the "::id" suffix of a provider reference.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[:i]
	}
	return ref
}

// DeployGraph builds the engine's ordering over a plan: a resource waits for its dependencies,
// its provider and its parent; a component is a zero-time start (after its own dependencies and
// parent) that its children wait for, and a zero-time end after all its children.
func DeployGraph(p *plan.Plan) (*Graph, error) {
	g := NewGraph()
	byURN := map[string]*plan.Resource{}
	for _, r := range p.Resources {
		byURN[r.URN] = r
		d, _ := durationOf(r)
		g.AddNode(r.URN, d)
		if !r.Custom {
			g.AddNode(startNode(r.URN), 0)
			if err := g.AddEdge(startNode(r.URN), r.URN); err != nil {
				return nil, err
			}
		}
	}
	entry := func(r *plan.Resource) string {
		if r.Custom {
			return r.URN
		}
		return startNode(r.URN)
	}
	for _, r := range p.Resources {
		var waits []string
		waits = append(waits, r.Dependencies...)
		if r.Provider != "" {
			waits = append(waits, providerURN(r.Provider))
		}
		for _, d := range waits {
			dep, ok := byURN[d]
			if !ok || isAncestor(byURN, d, r) {
				continue // the stack itself, or an ancestor (ordered by the parent edge below)
			}
			if err := g.AddEdge(dep.URN, entry(r)); err != nil {
				return nil, err
			}
		}
		parent, ok := byURN[r.Parent]
		if !ok {
			continue
		}
		if parent.Custom {
			if err := g.AddEdge(parent.URN, entry(r)); err != nil {
				return nil, err
			}
			continue
		}
		if err := g.AddEdge(startNode(parent.URN), entry(r)); err != nil {
			return nil, err
		}
		if err := g.AddEdge(r.URN, parent.URN); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func isAncestor(byURN map[string]*plan.Resource, urn string, r *plan.Resource) bool {
	for cur := byURN[r.Parent]; cur != nil; cur = byURN[cur.Parent] {
		if cur.URN == urn {
			return true
		}
	}
	return false
}

// Deploy computes the deploy-time section of a plan.
func Deploy(p *plan.Plan) (*DeployTime, error) {
	g, err := DeployGraph(p)
	if err != nil {
		return nil, err
	}
	s, err := g.CriticalPath()
	if err != nil {
		return nil, err
	}
	out := &DeployTime{WallSeconds: seconds(s.Wall), SerialSeconds: seconds(s.Serial)}
	byURN := map[string]*plan.Resource{}
	for _, r := range p.Resources {
		byURN[r.URN] = r
	}
	for _, id := range s.Chain {
		r, ok := byURN[id]
		if !ok {
			continue // a component's start
		}
		d, src := durationOf(r)
		if !r.Custom && d == 0 {
			continue // a component's end: no time of its own
		}
		out.Chain = append(out.Chain, Step{URN: r.URN, Type: r.Type, Name: r.Name,
			StartSeconds: seconds(s.Start[id]), Seconds: seconds(d), Source: src})
	}
	rows := map[string]*TypeDuration{}
	for _, r := range p.Resources {
		d, src := durationOf(r)
		if !r.Custom && d == 0 {
			continue
		}
		key := r.Type + "\x00" + src
		if rows[key] == nil {
			rows[key] = &TypeDuration{Type: r.Type, Seconds: seconds(d), Source: src}
		}
		rows[key].Count++
	}
	for _, row := range rows {
		out.Types = append(out.Types, *row)
	}
	sort.Slice(out.Types, func(i, j int) bool {
		a, b := out.Types[i], out.Types[j]
		if a.Seconds != b.Seconds {
			return a.Seconds > b.Seconds
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Source < b.Source
	})
	return out, nil
}

func seconds(d time.Duration) int { return int(d / time.Second) }
