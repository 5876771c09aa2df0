package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/workfx/workfx-platform/onboarding"
)

// Exit codes of `onboard`: 0 ok, 1 failed, 2 bad usage, 3 the customer's stack is being updated
// by someone else (try again later; a pipeline can tell this apart from a real failure).
const exitBusy = 3

// onboardCommand runs one onboarding operation for a customer file:
//
//	go run . onboard --customer FILE --preview|--up|--refresh|--destroy [--backend URL]
func onboardCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("customer", "", "customer spec file (YAML or JSON)")
	preview := fs.Bool("preview", false, "show what --up would change")
	up := fs.Bool("up", false, "deploy or update the customer")
	refresh := fs.Bool("refresh", false, "reconcile the stack's state with what is deployed")
	destroy := fs.Bool("destroy", false, "delete everything deployed for the customer (offboarding)")
	remove := fs.Bool("remove", false, "with --destroy: also remove the stack and its config")
	backend := fs.String("backend", "", "state backend URL or directory (default $WORKFX_BACKEND_URL, $PULUMI_BACKEND_URL, ~/.workfx/state)")
	secretsProvider := fs.String("secrets-provider", "", "passphrase (default) or a KMS URL (azurekeyvault://…, awskms://…)")
	workRoot := fs.String("work-dir", "", "root of the per-stack workspace directories (default <user cache>/workfx/onboarding)")
	asJSON := fs.Bool("json", false, "print the result as JSON on stdout (progress goes to stderr)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run . onboard --customer FILE --preview|--up|--refresh|--destroy [--backend URL]")
		fmt.Fprintln(stderr, "Onboards a KA customer (stack ka-<id>) through the Automation API; see docs/onboarding.md.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var ops []onboarding.Operation
	for op, on := range map[onboarding.Operation]bool{onboarding.Preview: *preview, onboarding.Up: *up, onboarding.Refresh: *refresh, onboarding.Destroy: *destroy} {
		if on {
			ops = append(ops, op)
		}
	}
	if *file == "" || len(ops) != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "onboard: give --customer FILE and exactly one of --preview, --up, --refresh, --destroy")
		return 2
	}
	if *remove && ops[0] != onboarding.Destroy {
		fmt.Fprintln(stderr, "onboard: --remove only goes with --destroy")
		return 2
	}

	customer, err := onboarding.LoadCustomerFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "onboard: %v\n", err)
		return 1
	}

	progress := stdout
	if *asJSON {
		progress = stderr
	}
	printEvent := onboarding.EventPrinter(stderr)
	opts := onboarding.Options{
		Operation:       ops[0],
		Backend:         *backend,
		SecretsProvider: *secretsProvider,
		WorkRoot:        *workRoot,
		Progress:        progress,
		RemoveStack:     *remove,
		// The CLI's own progress already shows every resource; the events add the steps
		// around it (stack, config, retries, result).
		OnEvent: func(e onboarding.Event) {
			switch e.Kind {
			case onboarding.EventStack, onboarding.EventConfig, onboarding.EventRetry, onboarding.EventDone:
				printEvent(e)
			}
		},
	}

	// Ctrl-C cancels the operation; the Automation API stops the CLI, which releases the lock.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := onboarding.Onboard(ctx, customer, opts)
	if err != nil {
		var oe *onboarding.OperationError
		if errors.As(err, &oe) && !*asJSON {
			// The engine's output is already on screen; its copy inside the error is noise.
			fmt.Fprintf(stderr, "onboard: %s (engine output above)\n", firstLine(err.Error()))
			return 1
		}
		fmt.Fprintf(stderr, "onboard: %v\n", err)
		if errors.Is(err, onboarding.ErrConcurrentUpdate) {
			return exitBusy
		}
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return 0
	}
	fmt.Fprintf(stdout, "\n%s %s: %s (%s, %d attempt(s))\n", res.Operation, res.Stack, res.ChangeSummary(), res.Duration.Round(1e6), res.Attempts)
	for _, k := range sortedKeys(res.Outputs) {
		fmt.Fprintf(stdout, "  %-24s %s\n", k, res.Outputs[k])
	}
	return 0
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
