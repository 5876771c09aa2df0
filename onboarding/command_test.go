package onboarding

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/harness"
)

// realCLI is the Pulumi CLI scripts/pulumi-cli.sh builds (WORKFX_PULUMI_CLI). Without it the CLI
// tests skip on a workstation but fail in CI, where a skipped test would hide a broken build.
func realCLI(t *testing.T) auto.PulumiCommand {
	t.Helper()
	if os.Getenv(EnvPulumiCLI) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: scripts/test.sh builds the Pulumi CLI (scripts/pulumi-cli.sh) and sets it", EnvPulumiCLI)
		}
		t.Skipf("%s is not set; run scripts/test.sh, which builds the Pulumi CLI", EnvPulumiCLI)
	}
	cmd, err := DefaultCommand()
	require.NoError(t, err)
	return cmd
}

// testOptions isolate a test: its own file backend, workspaces and Pulumi home.
func testOptions(t testing.TB, cmd auto.PulumiCommand, op Operation) Options {
	t.Helper()
	dir := t.TempDir()
	return Options{
		Operation:  op,
		Backend:    filepath.Join(dir, "state"),
		Passphrase: "correct horse battery staple",
		WorkRoot:   filepath.Join(dir, "work"),
		PulumiHome: filepath.Join(dir, "home"),
		Command:    cmd,
		Retry:      Retry{Attempts: 3, Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond},
	}
}

// fault is a failure the recording command reports instead of running a command: a network
// failure between the CLI and a remote state backend, which a local file backend cannot
// produce. Everything that is not a fault runs on the real CLI.
type fault struct {
	stderr string
	code   int
}

// recordingCommand runs every command on the real CLI and records its arguments; faults, when
// queued for a subcommand, answer its next runs instead.
type recordingCommand struct {
	real   auto.PulumiCommand
	mu     sync.Mutex
	calls  [][]string
	faults map[string][]fault
}

func record(real auto.PulumiCommand) *recordingCommand {
	return &recordingCommand{real: real, faults: map[string][]fault{}}
}

func (r *recordingCommand) Version() semver.Version { return r.real.Version() }

func (r *recordingCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string(nil), args...))
	var f *fault
	if len(args) > 0 && len(r.faults[args[0]]) > 0 {
		f = &r.faults[args[0]][0]
		r.faults[args[0]] = r.faults[args[0]][1:]
	}
	r.mu.Unlock()
	if f == nil {
		return r.real.Run(ctx, workdir, stdin, additionalOutput, additionalErrorOutput, additionalEnv, args...)
	}
	for _, w := range additionalErrorOutput {
		_, _ = io.WriteString(w, f.stderr)
	}
	return "", f.stderr, f.code, fmt.Errorf("exit status %d", f.code)
}

var volatile = regexp.MustCompile(`^(--client=|tcp://localhost:)[0-9.:]+$`)

// invocations are the recorded command lines, with the per-run ports and temp paths replaced by
// placeholders so that a test can compare them exactly.
func (r *recordingCommand) invocations(tmp string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, call := range r.calls {
		parts := make([]string, len(call))
		for i, a := range call {
			switch {
			case volatile.MatchString(a) && strings.HasPrefix(a, "--client="):
				a = "--client=ADDR"
			case volatile.MatchString(a):
				a = "tcp://EVENTS"
			}
			parts[i] = strings.ReplaceAll(a, tmp, "TMP")
		}
		if len(parts) > 2 && parts[0] == "config" && parts[1] == "set-all" {
			parts = sortSetAll(parts)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// sortSetAll orders config set-all's "--plaintext k=v" / "--secret k=v" pairs by key: the
// Automation API emits them in map order.
func sortSetAll(parts []string) []string {
	var head []string
	var pairs [][2]string
	for i := 0; i < len(parts); i++ {
		if (parts[i] == "--plaintext" || parts[i] == "--secret") && i+1 < len(parts) {
			pairs = append(pairs, [2]string{parts[i], parts[i+1]})
			i++
			continue
		}
		head = append(head, parts[i])
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][1] < pairs[j][1] })
	for _, p := range pairs {
		head = append(head, p[0], p[1])
	}
	return head
}

func (r *recordingCommand) count(sub string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if strings.HasPrefix(strings.Join(c, " ")+" ", sub+" ") {
			n++
		}
	}
	return n
}

// engine is the real engine's environment, shared by the tests of this package: the CLI and the
// Kubernetes provider plugin, and one control plane (the tests use separate namespaces).
var engine struct {
	once    sync.Once
	err     error
	tools   *harness.Tools
	cluster *harness.Cluster
}

// realEngine returns the shared cluster, starting it on first use. The engine tests run with
// WORKFX_REAL_ENGINE=1 (scripts/test.sh sets it); otherwise they skip.
func realEngine(t testing.TB) (*harness.Tools, *harness.Cluster) {
	t.Helper()
	if os.Getenv("WORKFX_REAL_ENGINE") == "" {
		t.Skip("runs on the real engine with WORKFX_REAL_ENGINE=1 (scripts/test.sh sets it)")
	}
	engine.once.Do(func() {
		root, err := harness.Root()
		if err != nil {
			engine.err = err
			return
		}
		if engine.tools, engine.err = harness.BuildTools(root); engine.err != nil {
			return
		}
		dir, err := os.MkdirTemp("", "workfx-onboarding-engine-")
		if err != nil {
			engine.err = err
			return
		}
		// contoso's context name: the customer file runs as it is.
		engine.cluster, engine.err = harness.StartCluster(context.Background(), root, dir, "contoso-prod", 2, 4, 8)
	})
	require.NoError(t, engine.err)
	return engine.tools, engine.cluster
}

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "pulumi" { // a link to this binary: the CLI's stand-in
		os.Exit(fakeCLI(os.Args[1:]))
	}
	code := m.Run()
	if engine.cluster != nil {
		engine.cluster.Stop()
	}
	os.Exit(code)
}
