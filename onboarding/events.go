package onboarding

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
)

// EventKind classifies progress events.
type EventKind string

const (
	// EventStack: the customer's stack is created or selected.
	EventStack EventKind = "stack"
	// EventConfig: the stack's config now matches the spec.
	EventConfig EventKind = "config"
	// EventResource: the engine starts (Phase "pre") or finishes (Phase "done") a resource step.
	EventResource EventKind = "resource"
	// EventFailed: a resource step failed.
	EventFailed EventKind = "failed"
	// EventDiagnostic: a warning or error message from the engine, a provider or the program.
	EventDiagnostic EventKind = "diagnostic"
	// EventSummary: the engine's change summary.
	EventSummary EventKind = "summary"
	// EventRetry: a transient failure; the operation runs again after a backoff.
	EventRetry EventKind = "retry"
	// EventDone: the operation succeeded.
	EventDone EventKind = "done"
)

// Event is one step of an onboarding, for a service's progress log or UI.
type Event struct {
	Time  time.Time `json:"time"`
	Stack string    `json:"stack"`
	Kind  EventKind `json:"kind"`
	// For resource events: the step (create, update, same, delete, replace, …), the phase
	// ("pre", "done"), the resource's URN and type.
	Op    string `json:"op,omitempty"`
	Phase string `json:"phase,omitempty"`
	URN   string `json:"urn,omitempty"`
	Type  string `json:"type,omitempty"`
	// Severity of diagnostics (info, warning, error).
	Severity string `json:"severity,omitempty"`
	// Attempt that failed, for retry events.
	Attempt int    `json:"attempt,omitempty"`
	Message string `json:"message,omitempty"`
}

// String is a one-line rendering for logs.
func (e Event) String() string {
	switch e.Kind {
	case EventResource:
		return fmt.Sprintf("%s %-8s %s (%s)", e.Stack, e.Op, e.URN, e.Phase)
	case EventDiagnostic:
		return fmt.Sprintf("%s %s: %s", e.Stack, e.Severity, e.Message)
	default:
		return fmt.Sprintf("%s %s: %s", e.Stack, e.Kind, e.Message)
	}
}

// fromEngine keeps the engine events a progress log wants; the rest (prelude, standard output
// chunks, policy events) are dropped.
func fromEngine(ev events.EngineEvent) (Event, bool) {
	switch {
	case ev.Error != nil:
		return Event{Kind: EventDiagnostic, Severity: "error", Message: "event stream: " + ev.Error.Error()}, true
	case ev.ResourcePreEvent != nil:
		m := ev.ResourcePreEvent.Metadata
		return Event{Kind: EventResource, Phase: "pre", Op: string(m.Op), URN: m.URN, Type: m.Type}, true
	case ev.ResOutputsEvent != nil:
		m := ev.ResOutputsEvent.Metadata
		return Event{Kind: EventResource, Phase: "done", Op: string(m.Op), URN: m.URN, Type: m.Type}, true
	case ev.ResOpFailedEvent != nil:
		m := ev.ResOpFailedEvent.Metadata
		return Event{Kind: EventFailed, Op: string(m.Op), URN: m.URN, Type: m.Type, Message: "step failed"}, true
	case ev.DiagnosticEvent != nil:
		d := ev.DiagnosticEvent
		if d.Ephemeral || d.Severity == "debug" {
			return Event{}, false
		}
		return Event{Kind: EventDiagnostic, Severity: d.Severity, URN: d.URN, Message: strings.TrimSpace(d.Message)}, true
	case ev.SummaryEvent != nil:
		counts := opCounts(ev.SummaryEvent.ResourceChanges)
		var parts []string
		for _, op := range sortedKeys(counts) {
			parts = append(parts, fmt.Sprintf("%s=%d", op, counts[op]))
		}
		return Event{Kind: EventSummary, Message: strings.Join(parts, " ")}, true
	}
	return Event{}, false
}

// EventPrinter returns an OnEvent callback writing one line per event to w; safe for
// concurrent use (OnboardMany).
func EventPrinter(w io.Writer) func(Event) {
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %s\n", e.Time.UTC().Format("15:04:05"), e)
	}
}
