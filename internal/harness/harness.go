// Package harness runs the program on the real Pulumi engine against a real Kubernetes control
// plane on this machine: the Pulumi CLI (scripts/pulumi-cli.sh) and the Kubernetes provider plugin
// (scripts/kube-provider.sh), both built from the Go module proxy, and the tests/kube control plane
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok nodes, the Istio,
// Prometheus Operator and cert-manager CRDs) started through tests/kube/cmd/localcluster. The
// real-engine suite (tests/engine) and the onboarding tests use it; nothing in the program does.
//
// It does nothing a user's tools would not: the cluster is what a KA customer brings, kubectl is
// how they create their Secrets, and the engine runs the program inline through the Automation
// API (the Go language host is not served here; the inline program is stacks.Run itself).
package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/workfx/workfx-platform/config"
)

// ProviderVersion is the Kubernetes provider plugin the real runs use (the served module
// pseudo-version is the commit of its v4.25.0 tag; the program's SDK is v4.30.0).
const ProviderVersion = "4.25.0"

// NeverReadyTag is an image tag the cluster's nodes can never pull (the pods report
// ImagePullBackOff): tests/kube/localcluster.NeverReadyTag.
const NeverReadyTag = "never-ready"

// Root finds the repository root (the directory holding Pulumi.yaml) from the working directory.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "tests", "kube", "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no repository root (Pulumi.yaml with tests/kube) above the working directory")
		}
		dir = parent
	}
}

// Tools are the engine's binaries.
type Tools struct {
	// CLIPath is <root>/bin/pulumi, as auto.NewPulumiCommand expects it.
	CLIPath string
	CLI     auto.PulumiCommand
	// ProviderDir holds pulumi-resource-kubernetes; it goes first on the engine's PATH.
	ProviderDir string
}

var (
	toolsOnce sync.Once
	tools     *Tools
	toolsErr  error
)

// BuildTools builds (once per process; the scripts cache across runs) and returns the tools.
func BuildTools(root string) (*Tools, error) {
	toolsOnce.Do(func() { tools, toolsErr = buildTools(root) })
	return tools, toolsErr
}

func buildTools(root string) (*Tools, error) {
	cli, err := script(root, "scripts/pulumi-cli.sh")
	if err != nil {
		return nil, err
	}
	provider, err := script(root, "scripts/kube-provider.sh")
	if err != nil {
		return nil, err
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli)), SkipVersionCheck: true})
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI at %s: %w", cli, err)
	}
	return &Tools{CLIPath: cli, CLI: cmd, ProviderDir: provider}, nil
}

// script runs a build script of the repository and returns the path it prints.
func script(root, name string) (string, error) {
	cmd := exec.Command("bash", filepath.Join(root, name))
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// EngineEnv is the environment the engine and the provider run with: the provider plugin first
// on PATH (so nothing is downloaded, and automatic acquisition is off so a miss fails at once),
// the cluster's kubeconfig as the ambient one, no update checks.
func (t *Tools) EngineEnv(kubeconfig string) map[string]string {
	return map[string]string{
		"PATH":                     t.ProviderDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"KUBECONFIG":               kubeconfig,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
	}
}

// Cluster is a running control plane of tests/kube/cmd/localcluster.
type Cluster struct {
	// Kubeconfig has one context, named as the stack config names it (cluster.existing.context).
	Kubeconfig  string
	Context     string
	KubectlPath string
	// Ready is how long the control plane, CRDs and nodes took (binaries already built).
	Ready time.Duration
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	done  chan struct{}
	log   *lockedWriter
}

// ready is localcluster's ready line.
type ready struct {
	Kubeconfig string `json:"kubeconfig"`
	Kubectl    string `json:"kubectl"`
}

// StartCluster builds and starts localcluster in dir with nodes × cpu / memGiB (seed 001's
// minimum is 2 × 2 / 4) and returns once it serves. contextName names the kubeconfig context
// ("" keeps localcluster's own).
func StartCluster(ctx context.Context, root, dir, contextName string, nodes, cpu, memGiB int) (*Cluster, error) {
	kubeDir := filepath.Join(root, "tests", "kube")
	bin := filepath.Join(dir, "localcluster")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/localcluster")
	build.Dir = kubeDir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building localcluster: %v\n%s", err, out)
	}
	start := time.Now()
	cmd := exec.Command(bin, "--dir", filepath.Join(dir, "cluster"), "--nodes", fmt.Sprint(nodes),
		"--cpu", fmt.Sprint(cpu), "--memory-gib", fmt.Sprint(memGiB))
	cmd.Dir = kubeDir
	// If this process dies, the kernel stops localcluster, which stops what it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	log := &lockedWriter{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Cluster{cmd: cmd, stdin: stdin, done: make(chan struct{}), log: log}
	go func() { _ = cmd.Wait(); close(c.done) }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var r ready
	select {
	case line, ok := <-lines:
		if !ok || json.Unmarshal([]byte(line), &r) != nil || r.Kubeconfig == "" {
			c.Stop()
			return nil, fmt.Errorf("localcluster did not start (%q); its log:\n%s", line, c.Log())
		}
	case <-time.After(75 * time.Minute): // a cold build of the control plane
		c.Stop()
		return nil, fmt.Errorf("localcluster not ready; its log:\n%s", c.Log())
	case <-ctx.Done():
		c.Stop()
		return nil, ctx.Err()
	}
	c.Ready, c.KubectlPath = time.Since(start), r.Kubectl
	c.Kubeconfig, c.Context = r.Kubeconfig, "workfx-verify"
	if contextName != "" && contextName != c.Context {
		c.Kubeconfig = filepath.Join(dir, "kubeconfig")
		if err := renameContext(r.Kubeconfig, c.Kubeconfig, c.Context, contextName); err != nil {
			c.Stop()
			return nil, err
		}
		c.Context = contextName
	}
	return c, nil
}

// renameContext copies a kubeconfig with its context renamed (the customer's context name).
func renameContext(src, dst, from, to string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	s := strings.ReplaceAll(string(b), "- name: "+from+"\n  context:", "- name: "+to+"\n  context:")
	s = strings.ReplaceAll(s, "current-context: "+from, "current-context: "+to)
	if !strings.Contains(s, "- name: "+to+"\n") {
		return fmt.Errorf("kubeconfig %s has no context %s to rename", src, from)
	}
	return os.WriteFile(dst, []byte(s), 0o600)
}

// Stop stops the control plane and waits for it.
func (c *Cluster) Stop() {
	_ = c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// Log is what localcluster printed on stderr.
func (c *Cluster) Log() string {
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	return c.log.w.String()
}

// Kubectl runs kubectl against the cluster, as a customer would, and returns its stdout.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.KubectlPath, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// CreateCustomerObjects creates what a KA customer has before the first up, with kubectl: the
// namespace (when the program does not create it) and exactly the Secrets the stack names
// (config.Config.CustomerSecrets), nothing else.
func (c *Cluster) CreateCustomerObjects(ctx context.Context, cfg *config.Config) error {
	if !config.On(cfg.Cluster.CreateNamespace) {
		if _, err := c.Kubectl(ctx, "create", "namespace", cfg.Cluster.Namespace); err != nil {
			return err
		}
	}
	for _, s := range cfg.CustomerSecrets() {
		if err := c.CreateCustomerSecret(ctx, cfg, s); err != nil {
			return err
		}
	}
	return nil
}

// CreateCustomerSecret creates one of the customer's Secrets as seed 001's "方式 2" shows
// (kubectl create secret generic … --from-literal), every key with a placeholder value.
func (c *Cluster) CreateCustomerSecret(ctx context.Context, cfg *config.Config, s config.CustomerSecret) error {
	args := []string{"-n", cfg.Cluster.Namespace, "create", "secret"}
	if s.PullSecret {
		args = append(args, "docker-registry", s.Name, "--docker-server="+cfg.Images.Registry,
			"--docker-username=workfx", "--docker-password=registry-token")
	} else {
		args = append(args, "generic", s.Name)
		for _, k := range s.Keys {
			args = append(args, "--from-literal="+k+"=customer-"+k)
		}
	}
	_, err := c.Kubectl(ctx, args...)
	return err
}

// ReadOnlyKubeconfig writes a kubeconfig for a ServiceAccount (kube-system/<name>) that may only
// read: get, list and watch every resource, Secrets included, nothing else. It has the
// cluster's context name. This is the identity docs/cicd.md gives previews and drift checks;
// the Kubernetes provider previews with it (a server-side dry run is refused, so it diffs the
// inputs).
func (c *Cluster) ReadOnlyKubeconfig(ctx context.Context, dir, name string) (string, error) {
	manifest := filepath.Join(dir, name+"-rbac.yaml")
	if err := os.WriteFile(manifest, []byte(fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata: {name: %[1]s, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: %[1]s}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s}
subjects: [{kind: ServiceAccount, name: %[1]s, namespace: kube-system}]
`, name)), 0o600); err != nil {
		return "", err
	}
	if _, err := c.Kubectl(ctx, "apply", "-f", manifest); err != nil {
		return "", err
	}
	token, err := c.Kubectl(ctx, "-n", "kube-system", "create", "token", name, "--duration=2h")
	if err != nil {
		return "", err
	}
	server, err := c.Kubectl(ctx, "config", "view", "--raw", "--minify", "--flatten", "-o", "jsonpath={.clusters[0].cluster.server}")
	if err != nil {
		return "", err
	}
	ca, err := c.Kubectl(ctx, "config", "view", "--raw", "--minify", "--flatten", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".kubeconfig")
	return path, os.WriteFile(path, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: %q, certificate-authority-data: %q}}]
users: [{name: %[3]s, user: {token: %[4]q}}]
contexts: [{name: %[5]s, context: {cluster: local, user: %[3]s}}]
current-context: %[5]s
`, server, ca, name, strings.TrimSpace(token), c.Context)), 0o600)
}

type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
