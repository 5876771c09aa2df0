// Package localcluster runs a real Kubernetes control plane on 127.0.0.1 from binaries built
// from the Go module proxy: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok (simulated nodes), plus kubectl for what a user would type. The real-cluster suite
// (tests/kube) and the real-engine suite (tests/engine, through cmd/localcluster) both use it.
package localcluster

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Versions of everything the suite builds or reads. The control plane versions are pinned by
// go.mod (and kwok/go.mod); the CRD modules match the charts the program's Helm releases and
// the customers' clusters run (see docs/verification.md).
const (
	KubeVersion     = "v1.36.3"
	istioAPIModule  = "istio.io/api"
	istioAPIVersion = "v1.31.1"
	promOpModule    = "github.com/prometheus-operator/prometheus-operator"
	promOpVersion   = "v0.85.0"
	// cert-manager's CRDs, for the gateway's optional Certificate.
	certManagerModule  = "github.com/cert-manager/cert-manager"
	certManagerVersion = "v1.19.1"
	kwokModule         = "sigs.k8s.io/kwok"
	kwokModuleVersion  = "v0.8.0"
)

// tool is one binary of the control plane: its package and the module directory that builds it.
type tool struct {
	name   string // binary name in the cache
	pkg    string // Go package
	modDir string // relative to the tests/kube module's directory
}

var tools = []tool{
	{"etcd", "go.etcd.io/etcd/server/v3", "."},
	{"kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver", "."},
	{"kube-controller-manager", "k8s.io/kubernetes/cmd/kube-controller-manager", "."},
	{"kube-scheduler", "k8s.io/kubernetes/cmd/kube-scheduler", "."},
	// kubectl of the same release: what a KA customer types to create their Secrets.
	{"kubectl", "k8s.io/kubernetes/cmd/kubectl", "."},
	{"kwok", "sigs.k8s.io/kwok/cmd/kwok", "kwok"},
}

// BinDir is where built binaries are cached between runs ($WORKFX_KUBE_BIN overrides it).
func BinDir() (string, error) {
	if d := os.Getenv("WORKFX_KUBE_BIN"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", "workfx-kube", KubeVersion, "bin"), nil
}

// BuildTools builds every missing binary into dir and reports how long the build took (zero
// when everything was cached) and what it built. moduleRoot is the tests/kube module directory.
func BuildTools(moduleRoot, dir string) (time.Duration, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
	}
	missing := map[string][]tool{}
	var built []string
	for _, t := range tools {
		if _, err := os.Stat(filepath.Join(dir, t.name)); err != nil {
			missing[t.modDir] = append(missing[t.modDir], t)
			built = append(built, t.name)
		}
	}
	if len(missing) == 0 {
		return 0, nil, nil
	}
	start := time.Now()
	ldflags := "-s -w -X k8s.io/component-base/version.gitVersion=" + KubeVersion +
		" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36" +
		" -X k8s.io/client-go/pkg/version.gitVersion=" + KubeVersion
	for modDir, ts := range missing {
		// Each binary goes to a temporary directory first so an interrupted build never leaves
		// a partial binary in the cache; the builds share Go's build cache.
		for _, t := range ts {
			tmp, err := os.MkdirTemp(dir, ".build-"+t.name+"-")
			if err != nil {
				return 0, nil, err
			}
			out := filepath.Join(tmp, t.name)
			cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, t.pkg)
			cmd.Dir = filepath.Join(moduleRoot, modDir)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			fmt.Fprintf(os.Stderr, "building %s (%s) ...\n", t.name, t.pkg)
			err = cmd.Run()
			if err == nil {
				err = os.Rename(out, filepath.Join(dir, t.name))
			}
			os.RemoveAll(tmp)
			if err != nil {
				return 0, nil, fmt.Errorf("building %s from %s: %w", t.name, t.pkg, err)
			}
		}
	}
	return time.Since(start), built, nil
}

// ModuleDir downloads a module version through the Go module proxy and returns its directory
// in the module cache. modDir is the module whose go command runs it.
func ModuleDir(modDir, path, version string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = modDir
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", path, version, info.Error)
	}
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("go mod download %s@%s: %v %s", path, version, err, msg)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no directory in %s", path, version, out)
	}
	return info.Dir, nil
}
