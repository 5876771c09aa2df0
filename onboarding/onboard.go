package onboarding

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/stacks"
)

// Program is the inline program every customer stack runs: the same composition `pulumi up`
// runs from main.go and the offline plan runs under the mock monitor.
var Program pulumi.RunFunc = stacks.Run

// Operation is what Onboard does to the customer's stack.
type Operation string

const (
	// Preview shows what up would change; nothing is deployed.
	Preview Operation = "preview"
	// Up creates or updates the customer's deployment.
	Up Operation = "up"
	// Refresh reconciles the stack's state with what is actually deployed.
	Refresh Operation = "refresh"
	// Destroy deletes everything the stack deployed (offboarding).
	Destroy Operation = "destroy"
)

// Environment variables read when the matching option is empty.
const (
	// EnvBackend names the state backend (file://DIR, s3://…, azblob://…, https://api.pulumi.com).
	EnvBackend = "WORKFX_BACKEND_URL"
	// EnvPulumiCLI is the Pulumi CLI binary to drive (default: pulumi on PATH).
	EnvPulumiCLI = "WORKFX_PULUMI_CLI"
)

// Options tune one Onboard call. The zero value previews against the default local backend.
type Options struct {
	Operation Operation
	// Backend is the state backend URL. Empty: $WORKFX_BACKEND_URL, then $PULUMI_BACKEND_URL,
	// then the backend of the last `pulumi login` (as the CLI would), then a local file backend
	// in ~/.workfx/state (no Pulumi Cloud account needed). A plain directory path is taken as a
	// file backend.
	Backend string
	// SecretsProvider encrypts the stack's secrets: "passphrase" (default) or a KMS URL
	// (azurekeyvault://…, awskms://…, gcpkms://…, hashivault://…).
	SecretsProvider string
	// Passphrase for the passphrase provider. Empty: $PULUMI_CONFIG_PASSPHRASE or
	// $PULUMI_CONFIG_PASSPHRASE_FILE must be set.
	Passphrase string
	// WorkRoot holds one workspace directory per stack (the project file and the stack's
	// settings, which carry the passphrase salt). Empty: <user cache dir>/workfx/onboarding.
	WorkRoot string
	// PulumiHome overrides ~/.pulumi (plugins, credentials) for the CLI.
	PulumiHome string
	// Command is the Pulumi CLI to drive. Nil: $WORKFX_PULUMI_CLI, else pulumi on PATH, run by
	// NewCommand: cancelling the context stops the engine gracefully (see CommandOptions).
	Command auto.PulumiCommand
	// PluginPaths are directories holding provider plugin binaries (pulumi-resource-<name>),
	// for hosts without internet: they go first on the engine's PATH, where the engine looks
	// before downloading, and automatic plugin downloads are turned off so a missing plugin
	// fails at once instead of timing out.
	PluginPaths []string
	// EnvVars are extra environment variables for the CLI and providers (cloud credentials).
	EnvVars map[string]string
	// Progress receives the CLI's human-readable progress output.
	Progress io.Writer
	// OnEvent receives structured progress events, never concurrently within one Onboard call;
	// with OnboardMany it is called concurrently for different customers.
	OnEvent func(Event)
	// Retry bounds retries of transient engine failures. Zero: DefaultRetry.
	Retry Retry
	// RemoveStack, with Destroy, also removes the emptied stack and its config.
	RemoveStack bool
	// Refresh reads what is deployed before previewing, updating or destroying (the CLI's
	// --refresh). A preview writes nothing, so Preview + Refresh + ExpectNoChanges detects drift
	// without recording it in the state.
	Refresh bool
	// ExpectNoChanges fails the operation with ErrUnexpectedChanges when it would change
	// anything (preview, up, refresh); the OperationError carries the change counts.
	ExpectNoChanges bool
	// SkipCheckpoints has the engine write the state once, when the operation ends, instead of
	// after every step (PULUMI_SKIP_CHECKPOINTS): less engine work per step, more so with a
	// remote backend (README, "Performance", has the figures). An operation
	// that is cancelled or fails still writes its state; one that is killed (SIGKILL, a lost
	// machine) loses what it did. For a customer with cloud none that is repaired by the next
	// up, which re-applies every object (creates are server-side-apply upserts); a generated
	// credential is generated anew. Never for Azure or AWS customers: a killed run would leave
	// cloud resources the state does not know, which the next up fails to create.
	SkipCheckpoints bool
}

// Retry is a bounded exponential backoff.
type Retry struct {
	// Attempts is the total number of tries (1 = no retry).
	Attempts int
	// Initial is the wait before the second try; it doubles up to Max.
	Initial time.Duration
	Max     time.Duration
}

// DefaultRetry tries three times, waiting 5s then 10s.
var DefaultRetry = Retry{Attempts: 3, Initial: 5 * time.Second, Max: time.Minute}

func (r Retry) delay(attempt int) time.Duration {
	d := r.Initial
	for i := 1; i < attempt; i++ {
		d *= 2
		if d >= r.Max {
			return r.Max
		}
	}
	return d
}

// Result is what one Onboard call did.
type Result struct {
	Customer  string    `json:"customer"`
	Stack     string    `json:"stack"`
	Operation Operation `json:"operation"`
	// Changes counts resources by operation (create, update, delete, replace, same, …): planned
	// for a preview, performed otherwise.
	Changes map[string]int `json:"changes"`
	// Outputs are the stack outputs after up or refresh. Secret outputs keep their value for the
	// caller but never print or marshal it.
	Outputs map[string]Output `json:"outputs,omitempty"`
	// Duration is the wall time of the call (JSON: durationSeconds).
	Duration time.Duration `json:"-"`
	// Attempts is how many tries the operation took (more than 1 after transient failures).
	Attempts int `json:"attempts"`
}

// MarshalJSON writes the duration in seconds (durationSeconds), not Go's nanoseconds.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		DurationSeconds float64 `json:"durationSeconds"`
	}{plain(r), math.Round(r.Duration.Seconds()*1000) / 1000})
}

// Output is one stack output.
type Output struct {
	Value  any
	Secret bool
}

// String shows the value, or [secret].
func (o Output) String() string {
	if o.Secret {
		return "[secret]"
	}
	if s, ok := o.Value.(string); ok {
		return s
	}
	b, _ := json.Marshal(o.Value)
	return string(b)
}

// MarshalJSON redacts secret values so a logged or stored Result never carries one.
func (o Output) MarshalJSON() ([]byte, error) {
	if o.Secret {
		return json.Marshal(map[string]any{"secret": true})
	}
	return json.Marshal(map[string]any{"value": o.Value})
}

// ChangeSummary renders Changes as "2 to create, 10 unchanged" in a stable order.
func (r *Result) ChangeSummary() string {
	if len(r.Changes) == 0 {
		return "no changes"
	}
	var parts []string
	for _, op := range sortedKeys(r.Changes) {
		if op == string(apitype.OpSame) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d %s", r.Changes[op], op))
	}
	if n := r.Changes[string(apitype.OpSame)]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", n))
	}
	return strings.Join(parts, ", ")
}

// ErrConcurrentUpdate matches (errors.Is) every ConcurrentUpdateError.
var ErrConcurrentUpdate = errors.New("another update of this customer's stack is in progress")

// ConcurrentUpdateError: the customer's stack is being updated by someone else (another Onboard
// call in this process, another process, or a person running pulumi). Nothing was changed; try
// again when that update is over. It is never retried automatically, since the other update may
// take long and its result may change what this one should do.
type ConcurrentUpdateError struct {
	Stack string
	// InProcess is true when the other update is an Onboard call of this process.
	InProcess bool
	Err       error
}

func (e *ConcurrentUpdateError) Error() string {
	where := "the backend's lock is held"
	if e.InProcess {
		where = "another Onboard call of this process is running"
	}
	return fmt.Sprintf("stack %s: %v (%s)", e.Stack, ErrConcurrentUpdate, where)
}

func (e *ConcurrentUpdateError) Unwrap() []error { return []error{ErrConcurrentUpdate, e.Err} }

// ErrStackNotFound: destroy or refresh of a customer that was never onboarded.
var ErrStackNotFound = errors.New("stack not found")

// ErrUnexpectedChanges: with ExpectNoChanges, the engine found something to change (drift).
var ErrUnexpectedChanges = errors.New("changes were proposed where none were expected")

// OperationError: the engine failed. Transient says whether the last failure looked transient
// (the retries ran out); otherwise the failure is in the program, the config or the cloud and
// retrying cannot help. errors.Is(err, context.Canceled) after a cancelled context: the engine
// was interrupted and stopped cleanly (see CommandOptions).
type OperationError struct {
	Stack     string
	Operation Operation
	Attempts  int
	Transient bool
	// Changes are the engine's change counts when it got as far as a summary (with
	// ExpectNoChanges: what it would change).
	Changes map[string]int
	Err     error
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("stack %s: %s failed after %d attempt(s): %v", e.Stack, e.Operation, e.Attempts, e.Err)
}

func (e *OperationError) Unwrap() error { return e.Err }

// running guards against two Onboard calls for one stack (of one backend) in this process: they
// would share the stack's workspace directory, so the second is refused before it touches
// anything.
var running sync.Map

// Onboard runs one operation on the customer's stack (ka-<id>), creating the stack on first use
// and replacing its config with the spec's. Errors: *InvalidCustomerError (spec),
// *ConcurrentUpdateError (stack busy), *OperationError (engine), ErrStackNotFound (destroy or
// refresh of an unknown customer), or a setup error (CLI, backend, passphrase).
func Onboard(ctx context.Context, c *Customer, opts Options) (*Result, error) {
	start := time.Now()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if opts.SkipCheckpoints && c.Cloud != "" && c.Cloud != "none" {
		return nil, fmt.Errorf("skip checkpoints: only for a customer with cloud none (a killed run of a %s customer would leave cloud resources its state does not know)", c.Cloud)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	stackName := c.StackName()
	dir := workDir(opts, stackName)
	if _, busy := running.LoadOrStore(dir, struct{}{}); busy {
		return nil, &ConcurrentUpdateError{Stack: stackName, InProcess: true}
	}
	defer running.Delete(dir)

	emit := func(e Event) {
		if opts.OnEvent != nil {
			e.Stack, e.Time = stackName, time.Now()
			opts.OnEvent(e)
		}
	}

	stack, err := openStack(ctx, stackName, opts)
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	emit(Event{Kind: EventStack, Message: fmt.Sprintf("stack %s ready (backend %s)", stackName, redactURL(opts.Backend))})
	if err := applyConfig(ctx, stack, c, opts.Command); err != nil {
		return nil, interrupted(ctx, err)
	}
	emit(Event{Kind: EventConfig, Message: fmt.Sprintf("config set from the spec (%d values, %d secret)", len(c.ConfigValues()), countSecret(c.ConfigValues()))})

	res := &Result{Customer: c.ID, Stack: stackName, Operation: opts.Operation}
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		err = runOnce(ctx, stack, opts, res, emit)
		if err == nil {
			break
		}
		if auto.IsConcurrentUpdateError(err) {
			return nil, &ConcurrentUpdateError{Stack: stackName, Err: err}
		}
		err = interrupted(ctx, err)
		transient := ctx.Err() == nil && IsTransient(err)
		if !transient || attempt >= opts.Retry.Attempts {
			return nil, &OperationError{Stack: stackName, Operation: opts.Operation, Attempts: attempt, Transient: transient, Changes: res.Changes, Err: err}
		}
		wait := opts.Retry.delay(attempt)
		emit(Event{Kind: EventRetry, Attempt: attempt, Message: fmt.Sprintf("transient failure, retrying in %s: %s", wait, firstLine(err))})
		select {
		case <-ctx.Done():
			return nil, &OperationError{Stack: stackName, Operation: opts.Operation, Attempts: attempt, Transient: true, Err: ctx.Err()}
		case <-time.After(wait):
		}
	}
	res.Duration = time.Since(start)
	emit(Event{Kind: EventDone, Message: fmt.Sprintf("%s done in %s: %s", opts.Operation, res.Duration.Round(time.Millisecond), res.ChangeSummary())})
	return res, nil
}

// interrupted marks a failure after the context was cancelled, so that errors.Is(err,
// context.Canceled) holds (the Automation API's errors do not wrap the command's).
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: the engine was interrupted and stopped: %w", ctx.Err(), err)
}

func (o Options) withDefaults() (Options, error) {
	switch o.Operation {
	case "":
		o.Operation = Preview
	case Preview, Up, Refresh, Destroy:
	default:
		return o, fmt.Errorf("unknown operation %q: use preview, up, refresh or destroy", o.Operation)
	}
	if o.Retry.Attempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Retry.Attempts < 1 || o.Retry.Initial < 0 || o.Retry.Max < o.Retry.Initial {
		return o, fmt.Errorf("retry policy %+v: attempts must be at least 1 and max at least initial", o.Retry)
	}
	backend, err := resolveBackend(o.Backend, o.PulumiHome)
	if err != nil {
		return o, err
	}
	o.Backend = backend
	if o.SecretsProvider == "" {
		o.SecretsProvider = "passphrase"
	}
	env := map[string]string{}
	for k, v := range o.EnvVars {
		env[k] = v
	}
	env["PULUMI_BACKEND_URL"] = o.Backend
	env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
	if o.SkipCheckpoints {
		env["PULUMI_SKIP_CHECKPOINTS"] = "true"
	}
	if len(o.PluginPaths) > 0 {
		path := env["PATH"]
		if path == "" {
			path = os.Getenv("PATH")
		}
		env["PATH"] = strings.Join(append(append([]string{}, o.PluginPaths...), path), string(os.PathListSeparator))
		env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
	}
	if o.SecretsProvider == "passphrase" {
		switch {
		case o.Passphrase != "":
			env["PULUMI_CONFIG_PASSPHRASE"] = o.Passphrase
		case env["PULUMI_CONFIG_PASSPHRASE"] != "" || env["PULUMI_CONFIG_PASSPHRASE_FILE"] != "":
		case os.Getenv("PULUMI_CONFIG_PASSPHRASE") != "" || os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE") != "":
		default:
			// Checked up front: the CLI would otherwise fail after creating the stack.
			return o, errors.New("the passphrase secrets provider needs a passphrase: set Options.Passphrase, PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (or use a KMS secrets provider)")
		}
	}
	o.EnvVars = env
	if o.WorkRoot == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("no work root given and no user cache dir: %w", err)
		}
		o.WorkRoot = filepath.Join(dir, "workfx", "onboarding")
	}
	if o.Command == nil {
		cmd, err := DefaultCommand()
		if err != nil {
			return o, err
		}
		o.Command = cmd
	}
	return o, nil
}

// DefaultCommand is the Pulumi CLI at $WORKFX_PULUMI_CLI (as scripts/pulumi-cli.sh builds it),
// else pulumi on PATH, run by NewCommand with the default CommandOptions.
func DefaultCommand() (auto.PulumiCommand, error) {
	return CLICommand(CommandOptions{})
}

// CLICommand is DefaultCommand with CommandOptions of the caller's.
func CLICommand(opts CommandOptions) (auto.PulumiCommand, error) {
	bin := os.Getenv(EnvPulumiCLI)
	if bin == "" {
		bin = "pulumi"
	}
	cmd, err := NewCommand(bin, opts)
	if err != nil {
		return nil, fmt.Errorf("%w (build one with scripts/pulumi-cli.sh and set %s)", err, EnvPulumiCLI)
	}
	return cmd, nil
}

// resolveBackend picks the backend URL: the option, $WORKFX_BACKEND_URL, $PULUMI_BACKEND_URL,
// the backend of the last `pulumi login` (in pulumiHome, or $PULUMI_HOME, or ~/.pulumi), else a
// local directory. A plain directory becomes an absolute file:// URL so the CLI (running in the
// workspace directory) finds the same place.
func resolveBackend(b, pulumiHome string) (string, error) {
	for _, v := range []string{b, os.Getenv(EnvBackend), os.Getenv("PULUMI_BACKEND_URL"), loggedInBackend(pulumiHome)} {
		if v != "" {
			b = v
			break
		}
	}
	if b == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no backend given and no home directory for the default: %w", err)
		}
		b = filepath.Join(home, ".workfx", "state")
	}
	if strings.Contains(b, "://") {
		dir, isFile := strings.CutPrefix(b, "file://")
		if !isFile || strings.HasPrefix(dir, "~") {
			return b, nil
		}
		b = dir
	}
	abs, err := filepath.Abs(b)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("file backend %s: %w", abs, err)
	}
	return "file://" + abs, nil
}

// loggedInBackend is the backend `pulumi login` last selected (credentials.json's "current").
func loggedInBackend(pulumiHome string) string {
	if pulumiHome == "" {
		pulumiHome = os.Getenv("PULUMI_HOME")
	}
	if pulumiHome == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		pulumiHome = filepath.Join(home, ".pulumi")
	}
	b, err := os.ReadFile(filepath.Join(pulumiHome, "credentials.json"))
	if err != nil {
		return ""
	}
	var creds struct {
		Current string `json:"current"`
	}
	if json.Unmarshal(b, &creds) != nil {
		return ""
	}
	return creds.Current
}

// redactURL hides credentials a backend URL may carry (s3://…?access_key=…).
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// workDir is the stack's workspace directory. It is per backend as well as per stack: the
// stack settings file in it belongs to one backend's stack (its passphrase salt above all).
func workDir(o Options, stackName string) string {
	sum := sha256.Sum256([]byte(o.Backend))
	return filepath.Join(o.WorkRoot, hex.EncodeToString(sum[:4]), stackName)
}

func openStack(ctx context.Context, stackName string, o Options) (auto.Stack, error) {
	dir := workDir(o, stackName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return auto.Stack{}, err
	}
	wsOpts := []auto.LocalWorkspaceOption{
		auto.Project(projectSettings()),
		auto.WorkDir(dir),
		auto.EnvVars(o.EnvVars),
		auto.SecretsProvider(o.SecretsProvider),
		auto.Pulumi(o.Command),
	}
	if o.PulumiHome != "" {
		wsOpts = append(wsOpts, auto.PulumiHome(o.PulumiHome))
	}
	// Only up creates a stack: preview of a new customer needs one too (the engine plans
	// against it); refresh and destroy of an unknown customer are mistakes worth reporting.
	if o.Operation == Destroy || o.Operation == Refresh {
		s, err := auto.SelectStackInlineSource(ctx, stackName, config.Namespace, Program, wsOpts...)
		if err != nil && auto.IsSelectStack404Error(err) {
			return s, fmt.Errorf("stack %s: %w in backend %s", stackName, ErrStackNotFound, redactURL(o.Backend))
		}
		return s, wrapSetup(stackName, "select stack", err)
	}
	s, err := auto.UpsertStackInlineSource(ctx, stackName, config.Namespace, Program, wsOpts...)
	return s, wrapSetup(stackName, "create or select stack", err)
}

// projectSettings is Pulumi.yaml's identity, in code: an embedding service has no checkout.
// The config schema is not repeated; config.Load is the validation.
func projectSettings() workspace.Project {
	return workspace.Project{
		Name:    tokens.PackageName(config.Namespace),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
}

func wrapSetup(stack, what string, err error) error {
	if err == nil {
		return nil
	}
	if auto.IsConcurrentUpdateError(err) {
		return &ConcurrentUpdateError{Stack: stack, Err: err}
	}
	return fmt.Errorf("stack %s: %s: %w", stack, what, err)
}

// applyConfig makes the stack's workfx: config exactly the spec's. Keys set before are removed
// first: with path-wise setting, a leaf the spec no longer has (a password replaced by a
// reference) would otherwise survive and change what is deployed. Plain values are set
// together; each secret is handed to the CLI on its standard input, never on its command line,
// where any local user could read it.
func applyConfig(ctx context.Context, s auto.Stack, c *Customer, cmd auto.PulumiCommand) error {
	current, err := s.GetAllConfig(ctx)
	if err != nil {
		return wrapSetup(s.Name(), "read config", err)
	}
	if upToDate, err := configUpToDate(current, c); err != nil {
		return wrapSetup(s.Name(), "compare config", err)
	} else if upToDate {
		// Re-onboarding an unchanged customer (the service's reconcile loop) writes nothing:
		// each config command is a CLI start and a key derivation, seconds per call.
		return nil
	}
	var stale []string
	for k := range current {
		if strings.HasPrefix(k, config.Namespace+":") {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		if err := s.RemoveAllConfig(ctx, stale); err != nil {
			return wrapSetup(s.Name(), "clear config", err)
		}
	}
	plain, secret := auto.ConfigMap{}, []string{}
	values := c.ConfigValues()
	for k, v := range values {
		if v.Secret {
			secret = append(secret, k)
		} else {
			plain[k] = v
		}
	}
	if len(plain) > 0 {
		if err := s.SetAllConfigWithOptions(ctx, plain, &auto.ConfigOptions{Path: true}); err != nil {
			return wrapSetup(s.Name(), "set config", err)
		}
	}
	sort.Strings(secret)
	for _, k := range secret {
		if err := setSecretFromStdin(ctx, s, cmd, k, values[k].Value); err != nil {
			return wrapSetup(s.Name(), "set secret config "+k, err)
		}
	}
	return nil
}

// configUpToDate reports whether the stack's config (as GetAllConfig reads it, secrets shown)
// is the spec's: the same workfx: keys, the same keys secret, and the same Config once the
// program loads it (the CLI stores a numeric-looking string such as tag "3" as a number, which
// the program reads back as the same string). Anything else counts as changed.
func configUpToDate(current auto.ConfigMap, c *Customer) (bool, error) {
	want, err := c.RawConfig()
	if err != nil {
		return false, err
	}
	secret := map[string]bool{}
	for _, k := range c.SecretKeys() {
		secret[k] = true
	}
	have := map[string]string{}
	for k, v := range current {
		if !strings.HasPrefix(k, config.Namespace+":") {
			continue
		}
		if _, ok := want[k]; !ok || v.Secret != secret[k] {
			return false, nil
		}
		have[k] = v.Value
	}
	if len(have) != len(want) {
		return false, nil
	}
	wantCfg, err := config.Load(want)
	if err != nil {
		return false, err
	}
	haveCfg, err := config.Load(have)
	if err != nil {
		return false, nil // whatever is stored, the spec replaces it
	}
	return reflect.DeepEqual(wantCfg, haveCfg), nil
}

// setSecretFromStdin runs `pulumi config set --secret --path KEY` with the value on standard
// input. The CLI drops one trailing newline from what it reads, so one is added.
func setSecretFromStdin(ctx context.Context, s auto.Stack, cmd auto.PulumiCommand, key, value string) error {
	ws := s.Workspace()
	var env []string
	for k, v := range ws.GetEnvVars() {
		env = append(env, k+"="+v)
	}
	if home := ws.PulumiHome(); home != "" {
		env = append(env, "PULUMI_HOME="+home)
	}
	_, stderr, _, err := cmd.Run(ctx, ws.WorkDir(), strings.NewReader(value+"\n"), nil, nil, env,
		"config", "set", "--secret", "--path", "--stack", s.Name(), key)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr))
	}
	return nil
}

// runOnce runs the operation once, streaming engine events to the caller.
func runOnce(ctx context.Context, s auto.Stack, o Options, res *Result, emit func(Event)) error {
	res.Changes, res.Outputs = nil, nil // from an earlier, failed, attempt
	ch := make(chan events.EngineEvent)
	stop := make(chan struct{})
	done := make(chan struct{})
	var summary *apitype.SummaryEvent
	go func() {
		defer close(done)
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					return
				}
				if ev.SummaryEvent != nil {
					summary = ev.SummaryEvent
				}
				if e, ok := fromEngine(ev); ok {
					emit(e)
				}
			case <-stop:
				// The operation returned, so the events server is shut down: nothing more
				// can arrive (and if the CLI failed before streaming, the channel is never
				// closed).
				return
			}
		}
	}()
	var progress []io.Writer
	if o.Progress != nil {
		progress = append(progress, o.Progress)
	}

	var err error
	var outputs auto.OutputMap
	switch o.Operation {
	case Preview:
		popts := []optpreview.Option{optpreview.EventStreams(ch), optpreview.ProgressStreams(progress...)}
		if o.Refresh {
			popts = append(popts, optpreview.Refresh())
		}
		if o.ExpectNoChanges {
			popts = append(popts, optpreview.ExpectNoChanges())
		}
		var r auto.PreviewResult
		r, err = s.Preview(ctx, popts...)
		if err == nil {
			res.Changes = opCounts(r.ChangeSummary)
		}
	case Up:
		uopts := []optup.Option{optup.EventStreams(ch), optup.ProgressStreams(progress...)}
		if o.Refresh {
			uopts = append(uopts, optup.Refresh())
		}
		if o.ExpectNoChanges {
			uopts = append(uopts, optup.ExpectNoChanges())
		}
		var r auto.UpResult
		r, err = s.Up(ctx, uopts...)
		outputs = r.Outputs
	case Refresh:
		ropts := []optrefresh.Option{optrefresh.EventStreams(ch), optrefresh.ProgressStreams(progress...)}
		if o.ExpectNoChanges {
			ropts = append(ropts, optrefresh.ExpectNoChanges())
		}
		_, err = s.Refresh(ctx, ropts...)
		if err == nil {
			outputs, err = s.Outputs(ctx)
		}
	case Destroy:
		dopts := []optdestroy.Option{optdestroy.EventStreams(ch), optdestroy.ProgressStreams(progress...)}
		if o.RemoveStack {
			dopts = append(dopts, optdestroy.Remove())
		}
		if o.Refresh {
			dopts = append(dopts, optdestroy.Refresh())
		}
		_, err = s.Destroy(ctx, dopts...)
	}
	close(stop)
	<-done
	if err != nil {
		if summary != nil {
			res.Changes = opCounts(summary.ResourceChanges)
		}
		if o.ExpectNoChanges && strings.Contains(err.Error(), "no changes were expected") {
			return fmt.Errorf("%w: %w", ErrUnexpectedChanges, err)
		}
		return err
	}
	if res.Changes == nil && summary != nil {
		res.Changes = opCounts(summary.ResourceChanges)
	}
	if res.Changes == nil {
		res.Changes = map[string]int{}
	}
	if len(outputs) > 0 {
		res.Outputs = map[string]Output{}
		for k, v := range outputs {
			res.Outputs[k] = Output{Value: v.Value, Secret: v.Secret}
		}
	}
	return nil
}

func opCounts(m map[apitype.OpType]int) map[string]int {
	out := make(map[string]int, len(m))
	for op, n := range m {
		out[string(op)] = n
	}
	return out
}

// transientMarkers are failure texts of the network and of cloud APIs under load: the same
// operation succeeds when run again. Anything else (program errors, invalid config, a cloud
// API rejecting a resource) fails again the same way and is returned at once.
var transientMarkers = []string{
	"connection reset by peer",
	"connection refused",
	"i/o timeout",
	"TLS handshake timeout",
	"unexpected EOF",
	"no such host",
	"temporary failure in name resolution",
	"502 Bad Gateway",
	"503 Service Unavailable",
	"504 Gateway Timeout",
	"429 Too Many Requests",
	"TooManyRequests",
	"Throttling",
	"RequestLimitExceeded",
	"ServiceUnavailable",
	"the server is currently unable to handle the request",
}

// permanentMarkers win over transientMarkers: the CLI has already retried these itself (plugin
// downloads), or the failure names something missing that a retry will not bring.
var permanentMarkers = []string{
	"Could not automatically download and install",
	"failed all 5 attempts",
}

// IsTransient reports whether an engine failure is worth retrying.
func IsTransient(err error) bool {
	if err == nil || auto.IsConcurrentUpdateError(err) || errors.Is(err, context.Canceled) {
		return false
	}
	msg := err.Error()
	for _, m := range permanentMarkers {
		if strings.Contains(msg, m) {
			return false
		}
	}
	for _, m := range transientMarkers {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

func firstLine(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func countSecret(m auto.ConfigMap) int {
	n := 0
	for _, v := range m {
		if v.Secret {
			n++
		}
	}
	return n
}

// OnboardMany runs Onboard for many customers, at most parallel at a time (each in its own
// workspace), and returns results and errors by customer id. One customer's failure does not
// stop the others.
func OnboardMany(ctx context.Context, customers []*Customer, opts Options, parallel int) (map[string]*Result, map[string]error) {
	if parallel < 1 {
		parallel = 1
	}
	results := map[string]*Result{}
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for _, c := range customers {
		wg.Add(1)
		go func(c *Customer) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := Onboard(ctx, c, opts)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[c.ID] = err
			} else {
				results[c.ID] = r
			}
		}(c)
	}
	wg.Wait()
	return results, errs
}
