package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/workfx/workfx-platform/onboarding"
)

// Exit codes of `onboard`: 0 ok, 1 failed, 2 bad usage, 3 the customer's stack is being updated
// by someone else (try again later; a pipeline can tell this apart from a real failure), 4 with
// --expect-no-changes: the engine found changes (drift), 130 interrupted.
const (
	exitBusy        = 3
	exitChanges     = 4
	exitInterrupted = 130
)

const onboardUsage = `usage: go run . onboard --customer FILE --preview|--up|--refresh|--destroy [options]

Onboards a KA customer (stack ka-<id>) through the Automation API; see docs/onboarding.md.
  --preview --refresh --expect-no-changes   drift check: reads what is deployed, writes nothing
  --up --refresh                            read what is deployed first, then put it right

Ctrl-C stops the engine cleanly (the steps in flight finish, the state is saved, the lock is
released); a second Ctrl-C kills it at once.

options:`

// onboardCommand runs one onboarding operation for a customer file.
func onboardCommand(args []string, stdout, stderr io.Writer) int {
	return onboardWith(context.Background(), args, stdout, stderr, interrupts)
}

// interrupts delivers Ctrl-C and SIGTERM to the running onboard command.
func interrupts() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

func onboardWith(ctx context.Context, args []string, stdout, stderr io.Writer, signals func() (<-chan os.Signal, func())) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("customer", "", "customer spec `file` (YAML or JSON)")
	preview := fs.Bool("preview", false, "show what --up would change")
	up := fs.Bool("up", false, "deploy or update the customer")
	refresh := fs.Bool("refresh", false, "alone: reconcile the stack's state with what is deployed; with --preview, --up or --destroy: read what is deployed first")
	destroy := fs.Bool("destroy", false, "delete everything deployed for the customer (offboarding)")
	remove := fs.Bool("remove", false, "with --destroy: also remove the stack and its config")
	expectNoChanges := fs.Bool("expect-no-changes", false, "fail (exit 4) if the operation would change anything")
	skipCheckpoints := fs.Bool("skip-checkpoints", false, "write the state once at the end instead of after every step (faster; cloud none only, see docs/onboarding.md)")
	backend := fs.String("backend", "", "state backend `URL` or directory (default $WORKFX_BACKEND_URL, $PULUMI_BACKEND_URL, the backend of the last pulumi login, ~/.workfx/state)")
	secretsProvider := fs.String("secrets-provider", "", "passphrase (default) or a KMS URL (azurekeyvault://…, awskms://…)")
	workRoot := fs.String("work-dir", "", "root of the per-stack workspace directories (default <user cache>/workfx/onboarding)")
	var pluginPaths []string
	fs.Func("plugin-path", "`dir`ectory holding provider plugins (pulumi-resource-kubernetes), for hosts without internet; repeatable", func(dir string) error {
		pluginPaths = append(pluginPaths, dir)
		return nil
	})
	asJSON := fs.Bool("json", false, "print the result, or the failure, as JSON on stdout (progress goes to stderr)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), onboardUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var ops []onboarding.Operation
	for op, on := range map[onboarding.Operation]bool{onboarding.Preview: *preview, onboarding.Up: *up, onboarding.Destroy: *destroy} {
		if on {
			ops = append(ops, op)
		}
	}
	refreshFirst := *refresh && len(ops) > 0
	if *refresh && len(ops) == 0 {
		ops = append(ops, onboarding.Refresh)
	}
	if *file == "" || len(ops) != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "onboard: give --customer FILE and exactly one of --preview, --up, --refresh, --destroy (--refresh may go with the others)")
		return 2
	}
	op := ops[0]
	if *remove && op != onboarding.Destroy {
		fmt.Fprintln(stderr, "onboard: --remove only goes with --destroy")
		return 2
	}
	if *expectNoChanges && op == onboarding.Destroy {
		fmt.Fprintln(stderr, "onboard: --expect-no-changes goes with --preview, --up or --refresh")
		return 2
	}
	fail := failure{stdout: stdout, stderr: stderr, json: *asJSON, operation: op}

	customer, err := onboarding.LoadCustomerFile(*file)
	if err != nil {
		return fail.report(err)
	}
	fail.customer, fail.stack = customer.ID, customer.StackName()

	// Ctrl-C: the first stops the engine cleanly, the second kills it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	abort := make(chan struct{})
	sig, stopSignals := signals()
	defer stopSignals()
	go func() {
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(stderr, "\nonboard: interrupted; the engine finishes the steps in flight, saves the state and releases the lock. Ctrl-C again kills it at once (the stack then stays locked: see docs/onboarding.md).")
		cancel()
		select {
		case <-sig:
			fmt.Fprintln(stderr, "onboard: killing the engine")
			close(abort)
		case <-abort:
		}
	}()
	cli, err := onboarding.CLICommand(onboarding.CommandOptions{Abort: abort})
	if err != nil {
		return fail.report(err)
	}

	progress := stdout
	if *asJSON {
		progress = stderr
	}
	printEvent := onboarding.EventPrinter(stderr)
	opts := onboarding.Options{
		Operation:       op,
		Backend:         *backend,
		SecretsProvider: *secretsProvider,
		WorkRoot:        *workRoot,
		Command:         cli,
		PluginPaths:     pluginPaths,
		Progress:        progress,
		RemoveStack:     *remove,
		Refresh:         refreshFirst,
		ExpectNoChanges: *expectNoChanges,
		SkipCheckpoints: *skipCheckpoints,
		// The CLI's own progress already shows every resource; the events add the steps
		// around it (stack, config, retries, result).
		OnEvent: func(e onboarding.Event) {
			switch e.Kind {
			case onboarding.EventStack, onboarding.EventConfig, onboarding.EventRetry, onboarding.EventDone:
				printEvent(e)
			}
		},
	}
	res, err := onboarding.Onboard(ctx, customer, opts)
	if err != nil {
		return fail.report(err)
	}
	if *asJSON {
		writeJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "\n%s %s: %s (%s, %d attempt(s))\n", res.Operation, res.Stack, res.ChangeSummary(), res.Duration.Round(1e6), res.Attempts)
	for _, k := range slices.Sorted(maps.Keys(res.Outputs)) {
		fmt.Fprintf(stdout, "  %-24s %s\n", k, res.Outputs[k])
	}
	return 0
}

// failure reports a failed onboard: a line on stderr (the engine's own output is already on
// screen), with --json also a JSON object on stdout, and the exit code.
type failure struct {
	stdout, stderr  io.Writer
	json            bool
	operation       onboarding.Operation
	customer, stack string
}

// failureJSON is what --json prints on stdout when onboarding fails.
type failureJSON struct {
	Customer  string               `json:"customer,omitempty"`
	Stack     string               `json:"stack,omitempty"`
	Operation onboarding.Operation `json:"operation"`
	// Kind: invalid-customer, busy, changes, interrupted, operation or setup.
	Kind    string                  `json:"kind"`
	Message string                  `json:"error"`
	Fields  []onboarding.FieldError `json:"fields,omitempty"`
	// Changes the engine found (with --expect-no-changes: the drift).
	Changes   map[string]int `json:"changes,omitempty"`
	Attempts  int            `json:"attempts,omitempty"`
	Transient bool           `json:"transient,omitempty"`
	ExitCode  int            `json:"exitCode"`
}

func (f failure) report(err error) int {
	out := failureJSON{Customer: f.customer, Stack: f.stack, Operation: f.operation, Kind: "setup", Message: err.Error(), ExitCode: 1}
	var (
		ie *onboarding.InvalidCustomerError
		oe *onboarding.OperationError
	)
	switch {
	case errors.As(err, &ie):
		out.Kind, out.Fields = "invalid-customer", ie.Fields
	case errors.Is(err, onboarding.ErrConcurrentUpdate):
		out.Kind, out.ExitCode = "busy", exitBusy
	case errors.As(err, &oe):
		out.Kind, out.Changes, out.Attempts, out.Transient = "operation", oe.Changes, oe.Attempts, oe.Transient
		if errors.Is(err, onboarding.ErrUnexpectedChanges) {
			out.Kind, out.ExitCode = "changes", exitChanges
		}
		// The engine's output is already on screen (stdout, or stderr with --json); its copy
		// inside the error is noise.
		out.Message = firstLine(err.Error())
	}
	if errors.Is(err, context.Canceled) {
		out.Kind, out.ExitCode = "interrupted", exitInterrupted
	}
	if oe != nil {
		fmt.Fprintf(f.stderr, "onboard: %s (engine output above)\n", out.Message)
	} else {
		fmt.Fprintf(f.stderr, "onboard: %s\n", out.Message)
	}
	if f.json {
		writeJSON(f.stdout, out)
	}
	return out.ExitCode
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
