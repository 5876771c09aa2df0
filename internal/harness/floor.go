package harness

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/workfx/workfx-platform/internal/plan"
)

// KubectlFloor is what the same objects cost with kubectl alone, the floor the engine's figures
// are compared with: each phase's wall time.
type KubectlFloor struct {
	Objects int
	// Apply is `kubectl apply --server-side` of every object; Rollout the wait for every
	// Deployment of the namespace to finish its rollout.
	Apply, Rollout time.Duration
	// NoopApply is the same apply again (nothing changes); Diff is `kubectl diff --server-side`.
	NoopApply, Diff time.Duration
	// BumpApply is the apply of the plan after an image tag bump; BumpRollout the wait for the
	// Deployment it changes.
	BumpApply, BumpRollout time.Duration
}

// MeasureKubectl runs the kubectl phases of KubectlFloor for base and then bumped (the offline
// plans before and after an image tag bump of the Deployment named bumpedDeployment), in the
// namespace ns, which must already hold the customer's objects. dir receives the manifests.
func (c *Cluster) MeasureKubectl(ctx context.Context, dir string, base, bumped *plan.Plan, ns, bumpedDeployment string) (KubectlFloor, error) {
	var f KubectlFloor
	baseDir, bumpDir := filepath.Join(dir, "base"), filepath.Join(dir, "bumped")
	var err error
	if f.Objects, err = base.WriteManifests(baseDir, true); err != nil {
		return f, err
	}
	if _, err = bumped.WriteManifests(bumpDir, true); err != nil {
		return f, err
	}
	apply := func(d string) (time.Duration, error) {
		start := time.Now()
		_, err := c.Kubectl(ctx, "apply", "--server-side", "-f", filepath.Join(d, "manifests.yaml"))
		return time.Since(start), err
	}
	rollout := func(deployments ...string) (time.Duration, error) {
		start := time.Now()
		for _, d := range deployments {
			if _, err := c.Kubectl(ctx, "-n", ns, "rollout", "status", d, "--timeout=180s"); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}

	if f.Apply, err = apply(baseDir); err != nil {
		return f, err
	}
	out, err := c.Kubectl(ctx, "-n", ns, "get", "deployments", "-o", "name")
	if err != nil {
		return f, err
	}
	if f.Rollout, err = rollout(strings.Fields(out)...); err != nil {
		return f, err
	}
	if f.NoopApply, err = apply(baseDir); err != nil {
		return f, err
	}
	start := time.Now()
	if _, err := c.Kubectl(ctx, "diff", "--server-side", "-f", filepath.Join(baseDir, "manifests.yaml")); err != nil {
		// Exit status 1 means differences were found (kubectl diff's contract); the time is
		// what is measured. Anything else is a failure.
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			return f, err
		}
	}
	f.Diff = time.Since(start)
	if f.BumpApply, err = apply(bumpDir); err != nil {
		return f, err
	}
	if f.BumpRollout, err = rollout("deployment/" + bumpedDeployment); err != nil {
		return f, fmt.Errorf("rollout after the image bump: %w", err)
	}
	return f, nil
}
