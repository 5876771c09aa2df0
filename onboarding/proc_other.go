//go:build !linux

package onboarding

import (
	"os"
	"os/exec"
)

// setProcessAttributes: elsewhere the CLI shares the caller's process group.
func setProcessAttributes(*exec.Cmd) {}

// interrupt asks the engine to stop as Ctrl-C would (Windows has no interrupt: it is killed).
func interrupt(p *os.Process) error {
	if err := p.Signal(os.Interrupt); err != nil {
		return p.Kill()
	}
	return nil
}
