package onboarding

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// DefaultStopGrace is how long the engine may take to stop after its context is cancelled.
const DefaultStopGrace = 15 * time.Minute

// CommandOptions tune how the CLI is stopped.
type CommandOptions struct {
	// StopGrace bounds how long the engine may take to stop after the operation's context is
	// cancelled (it finishes the operations in flight, writes the state and releases the lock).
	// Zero: DefaultStopGrace.
	StopGrace time.Duration
	// Abort, when closed, kills a stopping engine at once (a second Ctrl-C). The state may then
	// keep the lock and pending operations: `pulumi cancel` / `pulumi refresh --clear-pending-creates`.
	Abort <-chan struct{}
}

// cliCommand runs the Pulumi CLI like the Automation API's own command, except for how it stops:
// a cancelled context interrupts the CLI once, as Ctrl-C in a terminal would, and then waits for
// the engine to stop on its own, where the Automation API kills it ten seconds later and leaves
// the stack locked with operations pending.
type cliCommand struct {
	bin     string
	version semver.Version
	opts    CommandOptions
}

// NewCommand is the Pulumi CLI at bin (a path, or a name looked up on PATH), run as onboarding
// needs it: see CommandOptions.
func NewCommand(bin string, opts CommandOptions) (auto.PulumiCommand, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI %s: %w", bin, err)
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI %s: `pulumi version`: %w", path, err)
	}
	v, err := semver.ParseTolerant(strings.TrimSpace(string(out)))
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI %s: version %q: %w", path, strings.TrimSpace(string(out)), err)
	}
	if opts.StopGrace == 0 {
		opts.StopGrace = DefaultStopGrace
	}
	return &cliCommand{bin: path, version: v, opts: opts}, nil
}

func (c *cliCommand) Version() semver.Version { return c.version }

func (c *cliCommand) Run(ctx context.Context, workdir string, stdin io.Reader, additionalOutput, additionalErrorOutput []io.Writer,
	additionalEnv []string, args ...string,
) (string, string, int, error) {
	// Every command runs non-interactive: it fails rather than prompting (and hanging).
	interactive := true
	for _, a := range args {
		interactive = interactive && a != "--non-interactive"
	}
	if interactive {
		args = append(args, "--non-interactive")
	}
	cmd := exec.Command(c.bin, args...) //nolint:gosec // the CLI, with the Automation API's arguments
	cmd.Dir = workdir
	cmd.Env = append(withPathFirst(append(os.Environ(), additionalEnv...), filepath.Dir(c.bin)), "PULUMI_AUTOMATION_API=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	// Its own process group: a Ctrl-C in the caller's terminal interrupts the caller, which
	// decides; and it dies with the caller (Linux), never running on orphaned.
	setProcessAttributes(cmd)
	started, done := make(chan error, 1), make(chan error, 1)
	go func() {
		// Linux sends the death signal when the thread that started the child ends, not the
		// process: this goroutine keeps its thread until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", "", -1, err
	}

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = interrupt(cmd.Process)
		select {
		case err = <-done:
		case <-time.After(c.opts.StopGrace):
			_ = cmd.Process.Kill()
			err = fmt.Errorf("the engine did not stop within %s of the interrupt and was killed: %w", c.opts.StopGrace, <-done)
		case <-c.opts.Abort:
			_ = cmd.Process.Kill()
			err = fmt.Errorf("aborted: the engine was killed while stopping: %w", <-done)
		}
		if err == nil {
			err = ctx.Err() // it finished just as it was interrupted
		}
	}
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		code = -1
	}
	return stdout.String(), stderr.String(), code, err
}

// withPathFirst puts dir first on the PATH in env (the CLI finds its own plugins next to it).
func withPathFirst(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, e := range env {
		if len(e) >= 5 && strings.EqualFold(e[:5], "PATH=") {
			found = true
			if rest := e[5:]; rest != "" {
				e = "PATH=" + dir + string(os.PathListSeparator) + rest
			} else {
				e = "PATH=" + dir
			}
		}
		out = append(out, e)
	}
	if !found {
		out = append(out, "PATH="+dir)
	}
	return out
}
