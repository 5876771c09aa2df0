package onboarding

import (
	"bufio"
	"bytes"
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
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// realCLI is the Pulumi CLI scripts/test.sh builds (WORKFX_PULUMI_CLI). Without it the CLI tests
// skip on a workstation but fail in CI, where a skipped test would hide a broken build.
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
func testOptions(t *testing.T, cmd auto.PulumiCommand, op Operation) Options {
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

// reply is one recorded engine run: what the CLI printed, the engine events it streamed and
// how it exited.
type reply struct {
	events string // testdata/engine file, "" for none
	stdout string
	stderr string
	code   int
	// hold, when set, keeps the command running until it is closed (a long update).
	hold chan struct{}
	// started is closed when the command starts.
	started chan struct{}
}

// replayCommand is the auto.PulumiCommand the tests inject: every command runs on the real CLI,
// except preview and up, which need provider plugins this machine does not have; those replay
// recorded engine output, streamed to the Automation API's event server exactly as the CLI does.
type replayCommand struct {
	real    auto.PulumiCommand
	mu      sync.Mutex
	calls   [][]string
	replies map[string][]reply
}

func newReplay(real auto.PulumiCommand, replies map[string][]reply) *replayCommand {
	return &replayCommand{real: real, replies: replies}
}

func (r *replayCommand) Version() semver.Version { return r.real.Version() }

func (r *replayCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string(nil), args...))
	var rep *reply
	if len(args) > 0 && (args[0] == "preview" || args[0] == "up") {
		queue := r.replies[args[0]]
		if len(queue) == 0 {
			r.mu.Unlock()
			return "", "no recorded reply left for " + args[0], 1, fmt.Errorf("exit status 1")
		}
		rep = &queue[0]
		r.replies[args[0]] = queue[1:]
	}
	r.mu.Unlock()
	if rep == nil {
		return r.real.Run(ctx, workdir, stdin, additionalOutput, additionalErrorOutput, additionalEnv, args...)
	}
	if rep.started != nil {
		close(rep.started)
	}
	if rep.hold != nil {
		<-rep.hold
	}
	if rep.events != "" {
		if err := streamEvents(ctx, flagValue(args, "--event-log"), filepath.Join("testdata", "engine", rep.events)); err != nil {
			return "", err.Error(), 255, err
		}
	}
	for _, w := range additionalOutput {
		_, _ = io.WriteString(w, rep.stdout)
	}
	for _, w := range additionalErrorOutput {
		_, _ = io.WriteString(w, rep.stderr)
	}
	if rep.code != 0 {
		return rep.stdout, rep.stderr, rep.code, fmt.Errorf("exit status %d", rep.code)
	}
	return rep.stdout, rep.stderr, 0, nil
}

// streamEvents sends a recorded event log to the Automation API's events server
// (--event-log tcp://localhost:PORT), one JSON event per message, as the CLI does.
func streamEvents(ctx context.Context, target, file string) error {
	addr, ok := strings.CutPrefix(target, "tcp://")
	if !ok {
		return fmt.Errorf("unexpected --event-log %q", target)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	stream, err := pulumirpc.NewEventsClient(conn).StreamEvents(ctx)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if err := stream.Send(&pulumirpc.EventRequest{Event: sc.Text()}); err != nil {
			return err
		}
	}
	_, err = stream.CloseAndRecv()
	return err
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

var volatile = regexp.MustCompile(`^(--client=|tcp://localhost:)[0-9.:]+$`)

// invocations are the recorded command lines, with the per-run ports and temp paths replaced by
// placeholders so that a test can compare them exactly.
func (r *replayCommand) invocations(tmp string) []string {
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

func (r *replayCommand) count(sub string) int {
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

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "engine", name))
	require.NoError(t, err)
	return string(b)
}
