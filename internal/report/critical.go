package report

import (
	"fmt"
	"sort"
	"time"
)

// Graph is a directed acyclic graph of timed steps: an edge from → to means "to" starts only
// after "from" has finished. It knows nothing about Pulumi; deploy.go builds it from a plan.
type Graph struct {
	duration map[string]time.Duration
	succ     map[string][]string
	pred     map[string][]string
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{duration: map[string]time.Duration{}, succ: map[string][]string{}, pred: map[string][]string{}}
}

// AddNode adds a step (or updates its duration).
func (g *Graph) AddNode(id string, d time.Duration) {
	g.duration[id] = d
}

// AddEdge makes to wait for from. Both must be nodes; duplicate edges are ignored.
func (g *Graph) AddEdge(from, to string) error {
	if _, ok := g.duration[from]; !ok {
		return fmt.Errorf("edge %s → %s: unknown node %s", from, to, from)
	}
	if _, ok := g.duration[to]; !ok {
		return fmt.Errorf("edge %s → %s: unknown node %s", from, to, to)
	}
	for _, s := range g.succ[from] {
		if s == to {
			return nil
		}
	}
	g.succ[from] = append(g.succ[from], to)
	g.pred[to] = append(g.pred[to], from)
	return nil
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.duration) }

// Schedule is the earliest-start schedule of a graph with unlimited parallelism, which is how
// the Pulumi engine deploys: every step starts as soon as everything it waits for is done.
type Schedule struct {
	// Start and Finish per node.
	Start, Finish map[string]time.Duration
	// Wall is the finish time of the last step: the estimated wall-clock time.
	Wall time.Duration
	// Serial is the sum of all durations: the time with no parallelism at all.
	Serial time.Duration
	// Chain is the critical path, first step first: each step's predecessor on the chain is
	// the one that finished last before it started.
	Chain []string
}

// TopoOrder returns the nodes in a dependency-respecting order (ties broken by id, so the order
// is deterministic), or an error naming a node on a cycle.
func (g *Graph) TopoOrder() ([]string, error) {
	indeg := map[string]int{}
	var ready []string
	for id := range g.duration {
		indeg[id] = len(g.pred[id])
		if indeg[id] == 0 {
			ready = append(ready, id)
		}
	}
	sort.Strings(ready)
	order := make([]string, 0, len(g.duration))
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		order = append(order, id)
		next := append([]string(nil), g.succ[id]...)
		sort.Strings(next)
		for _, s := range next {
			indeg[s]--
			if indeg[s] == 0 {
				ready = insertSorted(ready, s)
			}
		}
	}
	if len(order) != len(g.duration) {
		var stuck []string
		for id, n := range indeg {
			if n > 0 {
				stuck = append(stuck, id)
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("dependency cycle through %s", stuck[0])
	}
	return order, nil
}

func insertSorted(s []string, v string) []string {
	i := sort.SearchStrings(s, v)
	s = append(s, "")
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

// CriticalPath computes the earliest-start schedule and its critical chain. Among steps that
// finish last, the chain ends at the smallest id; among equally late predecessors, it follows
// the smallest id, so the answer is deterministic.
func (g *Graph) CriticalPath() (*Schedule, error) {
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	s := &Schedule{Start: map[string]time.Duration{}, Finish: map[string]time.Duration{}}
	via := map[string]string{}
	for _, id := range order {
		var start time.Duration
		preds := append([]string(nil), g.pred[id]...)
		sort.Strings(preds)
		for _, p := range preds {
			// The latest-finishing predecessor gates the start; the first in id order wins ties.
			if f := s.Finish[p]; via[id] == "" || f > start {
				start, via[id] = f, p
			}
		}
		s.Start[id] = start
		s.Finish[id] = start + g.duration[id]
		s.Serial += g.duration[id]
	}
	last := ""
	for _, id := range order {
		f := s.Finish[id]
		if last == "" || f > s.Wall || (f == s.Wall && id < last) {
			last, s.Wall = id, f
		}
	}
	for id := last; id != ""; id = via[id] {
		s.Chain = append([]string{id}, s.Chain...)
	}
	return s, nil
}

// Descendants returns every node that (transitively) waits for id.
func (g *Graph) Descendants(id string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{id}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range g.succ[cur] {
			if !seen[s] {
				seen[s] = true
				stack = append(stack, s)
			}
		}
	}
	return seen
}
