package onboarding

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessAttributes: the CLI runs in its own process group (a terminal's Ctrl-C reaches the
// caller, which decides) and is killed if the caller dies (it never runs on orphaned).
func setProcessAttributes(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// interrupt asks the engine to stop as Ctrl-C would.
func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }
