package engine_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"

	"github.com/workfx/workfx-platform/internal/plan"
)

// stepTrace records when the engine starts and finishes each resource step of one operation,
// from its event stream, stamped on arrival: where the time of an update goes.
type stepTrace struct {
	mu     sync.Mutex
	start  time.Time
	begin  map[string]time.Duration // URN → step started (resource pre event)
	end    map[string]time.Duration // URN → step finished (outputs event)
	done   chan struct{}
	events chan events.EngineEvent
	// prelude and summary are when the engine's first and last events of the operation came:
	// between them is the engine's own work, without the CLI's start before it and the
	// Automation API's calls after it (stack outputs, history).
	prelude, summary time.Duration
}

// engineWork is the time from the engine's prelude to its summary.
func (t *stepTrace) engineWork() time.Duration { return t.summary - t.prelude }

func newStepTrace() *stepTrace {
	t := &stepTrace{start: time.Now(), begin: map[string]time.Duration{}, end: map[string]time.Duration{},
		done: make(chan struct{}), events: make(chan events.EngineEvent)}
	go func() {
		defer close(t.done)
		for ev := range t.events {
			at := time.Since(t.start)
			t.mu.Lock()
			switch {
			case ev.ResourcePreEvent != nil:
				t.begin[ev.ResourcePreEvent.Metadata.URN] = at
			case ev.ResOutputsEvent != nil:
				t.end[ev.ResOutputsEvent.Metadata.URN] = at
			case ev.PreludeEvent != nil:
				t.prelude = at
			case ev.SummaryEvent != nil:
				t.summary = at
			}
			t.mu.Unlock()
		}
	}()
	return t
}

// wait returns once the engine has closed the event stream.
func (t *stepTrace) wait() { <-t.done }

// step is one resource's step in an operation.
type step struct {
	urn        string
	begin, end time.Duration
}

func (s step) took() time.Duration { return s.end - s.begin }

func shortURN(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return urn
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1] + " " + parts[3]
}

func (t *stepTrace) steps() map[string]step {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]step{}
	for urn, b := range t.begin {
		if e, ok := t.end[urn]; ok {
			out[urn] = step{urn, b, e}
		}
	}
	return out
}

// report lists the slowest steps of resources (components only group them) and the critical
// path: from the resource that finished last, back through the dependency that finished last
// before it began (a dependency on a component is one on each resource under it). Each line:
// when the step began and ended, in seconds into the operation.
func (t *stepTrace) report(p *plan.Plan, slowest int) string {
	steps := t.steps()
	var all []step
	for urn, s := range steps {
		if r := p.ByURN(urn); r != nil && r.Custom {
			all = append(all, s)
		}
	}
	var b strings.Builder
	if len(all) == 0 {
		return "no resource steps recorded\n"
	}
	first, last := step{begin: 1 << 62}, all[0]
	for _, s := range all {
		if !strings.Contains(s.urn, "::pulumi:providers:") && s.begin < first.begin {
			first = s
		}
		if s.end > last.end {
			last = s
		}
	}
	fmt.Fprintf(&b, "before the first object's step (CLI, program, provider start, the cluster's OpenAPI): %.2fs; first object's step began → last step ended: %.2fs\n",
		first.begin.Seconds(), (last.end - first.begin).Seconds())
	sort.Slice(all, func(i, j int) bool { return all[i].took() > all[j].took() })
	fmt.Fprintf(&b, "slowest steps:\n")
	for i, s := range all {
		if i == slowest {
			break
		}
		fmt.Fprintf(&b, "  %6.2fs  %s (%.2fs → %.2fs)\n", s.took().Seconds(), shortURN(s.urn), s.begin.Seconds(), s.end.Seconds())
	}
	children := map[string][]string{}
	for _, r := range p.Resources {
		children[r.Parent] = append(children[r.Parent], r.URN)
	}
	var resourcesUnder func(urn string) []string
	resourcesUnder = func(urn string) []string {
		r := p.ByURN(urn)
		if r == nil {
			return nil
		}
		if r.Custom {
			return []string{urn}
		}
		var out []string
		for _, c := range children[urn] {
			out = append(out, resourcesUnder(c)...)
		}
		return out
	}
	sort.Slice(all, func(i, j int) bool { return all[i].end > all[j].end })
	fmt.Fprintf(&b, "critical path (last to finish, back through what it waited for):\n")
	for cur, seen := all[0], map[string]bool{}; !seen[cur.urn]; {
		seen[cur.urn] = true
		fmt.Fprintf(&b, "  %6.2fs → %6.2fs  %s\n", cur.begin.Seconds(), cur.end.Seconds(), shortURN(cur.urn))
		var last *step
		for _, dep := range p.ByURN(cur.urn).Dependencies {
			for _, u := range resourcesUnder(dep) {
				if s, ok := steps[u]; ok && s.end <= cur.begin+50*time.Millisecond && (last == nil || s.end > last.end) {
					s := s
					last = &s
				}
			}
		}
		if last == nil {
			break
		}
		cur = *last
	}
	return b.String()
}

// timeline lists every resource step in the order they began.
func (t *stepTrace) timeline(p *plan.Plan) string {
	var all []step
	for urn, s := range t.steps() {
		if r := p.ByURN(urn); r != nil && r.Custom {
			all = append(all, s)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].begin < all[j].begin })
	var b strings.Builder
	for _, s := range all {
		fmt.Fprintf(&b, "  %6.2fs → %6.2fs  %s\n", s.begin.Seconds(), s.end.Seconds(), shortURN(s.urn))
	}
	return b.String()
}
