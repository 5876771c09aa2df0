package onboarding

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// How a cancelled operation stops the CLI, against a stand-in for the CLI: this test binary,
// run through a link named pulumi, behaves as the engine does on Ctrl-C (it finishes the steps in
// flight, which takes fakeCLIStop, saves the state and exits 255). The real engine's side is
// TestCancelledUpLeavesAnUnlockedStack.
const (
	fakeCLILog  = "WORKFX_FAKE_CLI_LOG"
	fakeCLIStop = "WORKFX_FAKE_CLI_STOP"
)

// fakeCLI logs what happens to it: running, each interrupt, and stopped once its stop work is
// done.
func fakeCLI(args []string) int {
	if len(args) > 0 && args[0] == "version" {
		os.Stdout.WriteString("v3.228.0\n")
		return 0
	}
	log := os.Getenv(fakeCLILog)
	note := func(s string) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			_, _ = f.WriteString(s + "\n")
			_ = f.Close()
		}
	}
	interrupts := make(chan os.Signal, 2)
	signal.Notify(interrupts, os.Interrupt)
	note("running " + strings.Join(args, " "))
	<-interrupts
	note("interrupted")
	stop, _ := time.ParseDuration(os.Getenv(fakeCLIStop))
	select {
	case <-time.After(stop):
		note("stopped")
	case <-interrupts:
		note("interrupted again") // the CLI's second Ctrl-C: it exits at once
	}
	return 255
}

// startFake runs `up` on the stand-in with cmd, its stop work taking stop, cancels the context
// once it runs, and returns what the stand-in logged.
func startFake(t *testing.T, cmd auto.PulumiCommand, stop time.Duration, whileStopping func()) (string, int, error) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "cli.log")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		waitFor(t, log, "running")
		cancel()
		waitFor(t, log, "interrupted")
		if whileStopping != nil {
			whileStopping()
		}
	}()
	env := []string{fakeCLILog + "=" + log, fakeCLIStop + "=" + stop.String()}
	_, _, code, err := cmd.Run(ctx, t.TempDir(), nil, nil, nil, env, "up", "--yes")
	b, _ := os.ReadFile(log)
	return string(b), code, err
}

// waitFor polls the log for line (for a minute at most: a broken stand-in fails the test's
// assertions, not its deadline).
func waitFor(t *testing.T, log, line string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(log); strings.Contains(string(b), line) {
			return
		}
	}
}

// fakeCLIRoot is a directory with bin/pulumi linking to the stand-in.
func fakeCLIRoot(t *testing.T) string {
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "bin"), 0o700))
	require.NoError(t, os.Symlink(os.Args[0], filepath.Join(root, "bin", "pulumi")))
	return root
}

// Stopping takes longer than the ten seconds the Automation API's own command allows (a
// Deployment's rollout, a database being created): the engine gets one interrupt and all the
// time it needs, so it saves the state and releases the lock.
func TestCancelledCommandWaitsForTheEngineToStop(t *testing.T) {
	t.Parallel()
	cmd, err := NewCommand(filepath.Join(fakeCLIRoot(t), "bin", "pulumi"), CommandOptions{})
	require.NoError(t, err)
	got, code, err := startFake(t, cmd, 11*time.Second, nil)
	assert.Equal(t, "running up --yes --non-interactive\ninterrupted\nstopped\n", got)
	assert.Equal(t, 255, code)
	assert.ErrorContains(t, err, "exit status 255")
}

// The Automation API's own command, for contrast: it kills the engine ten seconds after the
// interrupt, mid-way through stopping (the state keeps the lock and pending operations). When
// this test fails, the SDK stopped doing that and NewCommand can go.
func TestAutomationAPICommandKillsAStoppingEngine(t *testing.T) {
	t.Parallel()
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: fakeCLIRoot(t), SkipVersionCheck: true})
	require.NoError(t, err)
	got, _, err := startFake(t, cmd, 11*time.Second, nil)
	assert.Equal(t, "running up --yes --non-interactive\ninterrupted\n", got, "killed before it stopped")
	assert.Error(t, err)
}

// A second Ctrl-C in `onboard` closes Abort: the stopping engine is killed at once.
func TestAbortKillsAStoppingEngine(t *testing.T) {
	t.Parallel()
	abort := make(chan struct{})
	cmd, err := NewCommand(filepath.Join(fakeCLIRoot(t), "bin", "pulumi"), CommandOptions{Abort: abort})
	require.NoError(t, err)
	got, code, err := startFake(t, cmd, time.Hour, func() { close(abort) })
	assert.Equal(t, "running up --yes --non-interactive\ninterrupted\n", got)
	assert.Equal(t, -1, code, "killed")
	assert.ErrorContains(t, err, "aborted: the engine was killed while stopping")
}

// An engine that does not stop within StopGrace is killed, and the error says so.
func TestStopGraceBoundsTheWait(t *testing.T) {
	t.Parallel()
	cmd, err := NewCommand(filepath.Join(fakeCLIRoot(t), "bin", "pulumi"), CommandOptions{StopGrace: time.Second})
	require.NoError(t, err)
	got, _, err := startFake(t, cmd, time.Hour, nil)
	assert.Equal(t, "running up --yes --non-interactive\ninterrupted\n", got)
	assert.ErrorContains(t, err, "the engine did not stop within 1s of the interrupt and was killed")
}
