// Package engine_test is the real-engine suite: every Kubernetes-only stack is deployed,
// changed, refreshed and destroyed by the Pulumi engine itself (CLI and Kubernetes provider
// plugin built from the Go module proxy) on a real control plane with kwok nodes, as a KA
// customer would run it: their namespace and Secrets are created first with kubectl, exactly
// the Secrets the stack names, and nothing else helps.
//
//	WORKFX_REAL_ENGINE=1 go test -count=1 -v -timeout 60m ./tests/engine
//
// scripts/test.sh runs it; without WORKFX_REAL_ENGINE it skips (go test ./... stays fast).
package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/harness"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// stackFiles are the Kubernetes-only stacks (no cloud resource, no generated credential) the
// real engine runs here. The onboarding example customer runs through the onboarding package's
// own tests (onboarding/onboard_test.go, TestOnboardingLifecycleOnTheRealEngine).
var stackFiles = []struct{ name, file string }{
	{"ka", "Pulumi.ka.yaml"},
	{"ka-no-mesh-no-monitoring", "tests/testdata/stacks/ka-no-mesh-no-monitoring.yaml"},
}

func TestStacksOnTheRealEngine(t *testing.T) {
	root := setup(t)
	for _, sf := range stackFiles {
		t.Run(sf.name, func(t *testing.T) { lifecycle(t, root, sf.name, filepath.Join(root, sf.file)) })
	}
}

// setup skips unless WORKFX_REAL_ENGINE is set, and builds the engine's tools.
func setup(t *testing.T) string {
	t.Helper()
	if os.Getenv("WORKFX_REAL_ENGINE") == "" {
		t.Skip("the real-engine suite runs with WORKFX_REAL_ENGINE=1 (scripts/test.sh sets it)")
	}
	root, err := harness.Root()
	require.NoError(t, err)
	_, err = harness.BuildTools(root)
	require.NoError(t, err)
	return root
}

// run is one stack on one fresh cluster.
type run struct {
	t       testing.TB
	ctx     context.Context
	cfg     *config.Config
	raw     map[string]string
	cluster *harness.Cluster
	stack   auto.Stack
	ns      string
}

func lifecycle(t *testing.T, root, name, file string) {
	r := newRun(t, root, name, file)

	// 1. The first up from an empty stack, after the customer created their namespace and Secrets.
	r.createCustomerObjects()
	res := r.up("first up")
	assert.Zero(t, changes(res.Summary.ResourceChanges, "update", "replace", "delete"), "first up only creates: %v", res.Summary.ResourceChanges)
	r.waitAvailable()
	r.checkOutputs(res.Outputs)
	r.checkPlanMatchesCluster()

	// 2. Nothing changed: the engine's expect-no-changes passes.
	r.upNoChanges("second up")

	// 3. refresh, then preview: no drift, also once the HPA has raised workfx-api to its minimum.
	r.waitHPAScaled("workfx-api", r.cfg.Apps.WorkfxAPI.Replicas)
	_, err := r.stack.Refresh(r.ctx, optrefresh.ExpectNoChanges(), optrefresh.ProgressStreams(progress(t, "refresh")))
	require.NoError(t, err, "refresh found drift")
	_, err = r.stack.Preview(r.ctx, optpreview.ExpectNoChanges(), optpreview.ProgressStreams(progress(t, "preview after refresh")))
	require.NoError(t, err, "preview after refresh is not empty")

	// 4. An image tag bump updates exactly the one Deployment, and its rollout completes.
	r.setConfig("workfx:apps", "workfxApi.image.tag", "2.4.2")
	res = r.up("image bump")
	assert.Equal(t, map[string]int{"update": 1}, nonSame(res.Summary.ResourceChanges))
	assert.Contains(t, r.kubectl("get", "deployment", "workfx-api", "-o", "jsonpath={.spec.template.spec.containers[0].image}"), ":2.4.2")
	r.waitAvailable()

	// 5a. A changed setting reaches the pods: each app's ConfigMap and Deployment change and
	// the pods roll.
	before := r.podNames()
	r.setConfig("workfx:settings", "logLevel", "DEBUG")
	res = r.up("logLevel change")
	apps := r.deployments()
	assert.Equal(t, map[string]int{"update": 2 * len(apps)}, nonSame(res.Summary.ResourceChanges), "a ConfigMap and a Deployment per app")
	r.waitAvailable()
	r.assertRolled(before, apps)
	for _, app := range apps {
		assert.Equal(t, "DEBUG", r.kubectl("get", "configmap", app+"-config", "-o", "jsonpath={.data.LOG_LEVEL}"), app)
	}

	// 5b. A changed value in a customer Secret rolls exactly the apps that read it.
	secret, readers := r.customerSecretReadBy("workfx-api")
	before = r.podNames()
	r.kubectl("patch", "secret", secret, "--type", "merge", "-p", `{"stringData":{"`+r.firstKey(secret)+`":"rotated"}}`)
	res = r.up("customer Secret " + secret + " rotated")
	assert.Equal(t, map[string]int{"update": len(readers)}, nonSame(res.Summary.ResourceChanges), "the Deployments reading %s: %v", secret, readers)
	r.waitAvailable()
	r.assertRolled(before, readers)
	r.assertNotRolled(before, without(apps, readers))

	// 5c. A change that affects no pod rolls nothing.
	before = r.podNames()
	r.setConfig("workfx:apps", "workfxApi.maxReplicas", r.cfg.Apps.WorkfxAPI.MaxReplicas+1)
	res = r.up("HPA maximum")
	assert.Equal(t, map[string]int{"update": 1}, nonSame(res.Summary.ResourceChanges), "the HPA only")
	r.assertNotRolled(before, apps)

	// 7a. A referenced Secret missing: the up fails naming it; once it exists again, up converges.
	missing := r.customerSecrets()[0]
	r.kubectl("delete", "secret", missing.Name)
	_, err = r.stack.Up(r.ctx, optup.ProgressStreams(progress(t, "up with "+missing.Name+" missing")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), missing.Name, "the error names the missing Secret")
	r.createSecret(missing)
	r.up("up after the Secret is back")
	r.waitAvailable()
	r.upNoChanges("converged")

	// 7b. An image that never becomes ready fails the up within the app's rollout timeout,
	// naming the Deployment; the next up after the fix converges.
	r.setConfig("workfx:apps", "workfxCdc.rolloutTimeout", "30s")
	r.setConfig("workfx:apps", "workfxCdc.image.tag", harness.NeverReadyTag)
	_, err = r.stack.Up(r.ctx, optup.ProgressStreams(progress(t, "up with an image that never becomes ready")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx-cdc", "the error names the Deployment")
	assert.Contains(t, r.kubectl("get", "pods", "-l", "app.kubernetes.io/name=workfx-cdc", "-o",
		"jsonpath={.items[*].status.containerStatuses[*].state.waiting.reason}"), "ImagePullBackOff", "the node could not pull the image")
	r.setConfig("workfx:apps", "workfxCdc.image.tag", r.cfg.Apps.WorkfxCDC.Image.Tag)
	r.up("up after the fix")
	r.waitAvailable()
	r.upNoChanges("converged after the fix")

	// 6. destroy removes everything the stack created and leaves the customer's objects; an up
	// after it works again.
	_, err = r.stack.Destroy(r.ctx, optdestroy.ProgressStreams(progress(t, "destroy")))
	require.NoError(t, err)
	left := strings.TrimSpace(r.kubectl("get", "all,configmap,secret,serviceaccount,networkpolicy,poddisruptionbudget,horizontalpodautoscaler",
		"-l", "app.kubernetes.io/part-of=workfx-ai", "-o", "name"))
	assert.Empty(t, left, "objects of the stack left after destroy")
	for _, s := range r.customerSecrets() {
		assert.Equal(t, s.Name, r.kubectl("get", "secret", s.Name, "-o", "jsonpath={.metadata.name}"), "the customer's Secret survives destroy")
	}
	labels := r.kubectl("get", "namespace", r.ns, "-o", "jsonpath={.metadata.labels}")
	for _, l := range []string{"app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "pod-security.kubernetes.io/warn"} {
		assert.NotContains(t, labels, l, "destroy removes the program's labels from the customer's namespace")
	}
	r.up("up after destroy")
	r.waitAvailable()
	r.upNoChanges("converged after destroy and up")
}

func newRun(t testing.TB, root, name, file string) *run {
	ctx := context.Background()
	sc, err := plan.LoadStackFile(root, name, file)
	require.NoError(t, err)
	cfg, err := config.Load(sc.Raw)
	require.NoError(t, err)
	require.Equal(t, config.ModeExisting, cfg.Cluster.Mode, "the real engine runs Kubernetes-only stacks")
	context := ""
	if cfg.Cluster.Existing != nil {
		context = cfg.Cluster.Existing.Context
	}
	dir := t.TempDir()
	cluster, err := harness.StartCluster(ctx, root, dir, context, 2, 2, 4)
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("localcluster log:\n%s", cluster.Log())
		}
		cluster.Stop()
	})
	t.Logf("cluster ready in %s (kwok nodes: seed 001's minimum, 2 x 2 CPU / 4 GiB)", cluster.Ready.Round(100*time.Millisecond))

	tools, err := harness.BuildTools(root)
	require.NoError(t, err)
	env := tools.EngineEnv(cluster.Kubeconfig)
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Join(dir, "state")
	env["PULUMI_CONFIG_PASSPHRASE"] = "real engine suite"
	for _, d := range []string{"state", "work", "home"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	stack, err := auto.UpsertStackInlineSource(ctx, name, config.Namespace, stacks.Run,
		auto.Project(workspace.Project{Name: tokens.PackageName(config.Namespace), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}),
		auto.WorkDir(filepath.Join(dir, "work")), auto.PulumiHome(filepath.Join(dir, "home")),
		auto.EnvVars(env), auto.Pulumi(tools.CLI), auto.SecretsProvider("passphrase"))
	require.NoError(t, err)
	r := &run{t: t, ctx: ctx, cfg: cfg, raw: sc.Raw, cluster: cluster, stack: stack, ns: cfg.Cluster.Namespace}
	for k, v := range sc.Raw {
		require.NoError(t, stack.SetConfig(ctx, k, auto.ConfigValue{Value: v}))
	}
	return r
}

// createCustomerObjects creates what a KA customer has before the first up.
func (r *run) createCustomerObjects() {
	require.NoError(r.t, r.cluster.CreateCustomerObjects(r.ctx, r.cfg))
}

func (r *run) customerSecrets() []config.CustomerSecret {
	cs := r.cfg.CustomerSecrets()
	require.NotEmpty(r.t, cs, "a KA stack names the customer's Secrets")
	return cs
}

func (r *run) createSecret(s config.CustomerSecret) {
	require.NoError(r.t, r.cluster.CreateCustomerSecret(r.ctx, r.cfg, s))
}

func (r *run) firstKey(secret string) string {
	for _, s := range r.customerSecrets() {
		if s.Name == secret && len(s.Keys) > 0 {
			return s.Keys[0]
		}
	}
	r.t.Fatalf("no keys known for the customer's Secret %s", secret)
	return ""
}

func (r *run) kubectl(args ...string) string { return r.kubectlAt(r.ns, args...) }

func (r *run) kubectlAt(ns string, args ...string) string {
	r.t.Helper()
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	out, err := r.cluster.Kubectl(r.ctx, args...)
	require.NoError(r.t, err)
	return out
}

// up runs an update and reports its wall time.
func (r *run) up(what string) auto.UpResult {
	r.t.Helper()
	start := time.Now()
	res, err := r.stack.Up(r.ctx, optup.ProgressStreams(progress(r.t, what)))
	require.NoError(r.t, err, what)
	r.t.Logf("FIGURE %s: %s in %s", what, summary(res.Summary.ResourceChanges), time.Since(start).Round(100*time.Millisecond))
	return res
}

func (r *run) upNoChanges(what string) {
	r.t.Helper()
	start := time.Now()
	res, err := r.stack.Up(r.ctx, optup.ExpectNoChanges(), optup.ProgressStreams(progress(r.t, what)))
	require.NoError(r.t, err, "%s: the engine found changes", what)
	assert.Empty(r.t, nonSame(res.Summary.ResourceChanges), what)
	r.t.Logf("FIGURE %s: %s in %s", what, summary(res.Summary.ResourceChanges), time.Since(start).Round(100*time.Millisecond))
}

// setConfig changes one field inside a structured config key, as `pulumi config set --path` does.
func (r *run) setConfig(key, path string, value any) {
	r.t.Helper()
	var obj map[string]any
	if s := r.raw[key]; s != "" {
		require.NoError(r.t, json.Unmarshal([]byte(s), &obj))
	} else {
		obj = map[string]any{}
	}
	cur := obj
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = value
	b, err := json.Marshal(obj)
	require.NoError(r.t, err)
	r.raw[key] = string(b)
	require.NoError(r.t, r.stack.SetConfig(r.ctx, key, auto.ConfigValue{Value: string(b)}))
}

func (r *run) deployments() []string {
	names := strings.Fields(r.kubectl("get", "deployments", "-l", "app.kubernetes.io/part-of=workfx-ai", "-o", "jsonpath={.items[*].metadata.name}"))
	sort.Strings(names)
	require.NotEmpty(r.t, names)
	return names
}

// waitAvailable waits for every Deployment of the stack to finish its rollout.
func (r *run) waitAvailable() {
	r.t.Helper()
	for _, d := range r.deployments() {
		r.kubectl("rollout", "status", "deployment/"+d, "--timeout=180s")
	}
}

// waitHPAScaled waits until the HPA has set the Deployment to its minimum (the Deployment itself
// sets no replica count).
func (r *run) waitHPAScaled(deployment string, replicas int) {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got := r.kubectl("get", "deployment", deployment, "-o", "jsonpath={.spec.replicas}")
		if got == fmt.Sprint(replicas) {
			r.kubectl("rollout", "status", "deployment/"+deployment, "--timeout=180s")
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the HPA never scaled %s to %d (spec.replicas %s)", deployment, replicas, got)
		}
		time.Sleep(time.Second)
	}
}

// podNames maps each Deployment to its pods' names.
func (r *run) podNames() map[string][]string {
	out := map[string][]string{}
	for _, d := range r.deployments() {
		out[d] = strings.Fields(r.kubectl("get", "pods", "-l", "app.kubernetes.io/name="+d, "-o", "jsonpath={.items[*].metadata.name}"))
	}
	return out
}

func (r *run) assertRolled(before map[string][]string, deployments []string) {
	after := r.podNames()
	for _, d := range deployments {
		for _, p := range before[d] {
			assert.NotContains(r.t, after[d], p, "Deployment %s did not roll pod %s", d, p)
		}
	}
}

func (r *run) assertNotRolled(before map[string][]string, deployments []string) {
	after := r.podNames()
	for _, d := range deployments {
		assert.ElementsMatch(r.t, before[d], after[d], "Deployment %s rolled", d)
	}
}

// customerSecretReadBy picks a customer Secret the given app reads and returns it with every
// Deployment that references it (from the live pod templates' env, not the program's claims).
func (r *run) customerSecretReadBy(app string) (string, []string) {
	r.t.Helper()
	refs := map[string][]string{}
	for _, d := range r.deployments() {
		names := r.kubectl("get", "deployment", d, "-o", "jsonpath={range .spec.template.spec.containers[*].env[*]}{.valueFrom.secretKeyRef.name}{'\\n'}{end}")
		seen := map[string]bool{}
		for _, n := range strings.Fields(names) {
			if !seen[n] {
				seen[n] = true
				refs[n] = append(refs[n], d)
			}
		}
	}
	// A contract Secret the customer created (seed 001 "方式 2") first, then the references.
	candidates := r.customerSecrets()
	sort.SliceStable(candidates, func(i, j int) bool {
		return r.cfg.Secrets.Owns(candidates[i].Name) && !r.cfg.Secrets.Owns(candidates[j].Name)
	})
	for _, s := range candidates {
		for _, d := range refs[s.Name] {
			if d == app {
				sort.Strings(refs[s.Name])
				return s.Name, refs[s.Name]
			}
		}
	}
	r.t.Fatalf("%s reads no customer Secret", app)
	return "", nil
}

func (r *run) checkOutputs(out auto.OutputMap) {
	r.t.Helper()
	for _, k := range []string{"namespace", "apps", "kubeconfig", "postgresHost", "kafkaBootstrapServers"} {
		assert.Contains(r.t, out, k)
	}
	assert.Equal(r.t, r.ns, out["namespace"].Value)
	assert.True(r.t, out["kubeconfig"].Secret, "the kubeconfig output is secret")
	if r.cfg.Mesh.Mode != config.ModeDisabled {
		assert.Equal(r.t, "https://"+r.cfg.Mesh.Host, out["apiUrl"].Value)
	}
}

// checkPlanMatchesCluster: every Kubernetes object of the offline plan exists in the cluster,
// and the stack created no object of its own beyond them: the plan reviewers read is what the
// engine deploys.
func (r *run) checkPlanMatchesCluster() {
	r.t.Helper()
	sc := &plan.StackConfig{Project: config.Namespace, Stack: r.stack.Name(), Raw: r.raw}
	p, err := plan.Run(sc, stacks.Run, nil)
	require.NoError(r.t, err)
	want := map[string]bool{}
	for _, o := range p.Kubernetes() {
		_, kind := o.APIVersionKind()
		if strings.HasSuffix(o.Type, "Patch") {
			continue // the customer's namespace, labelled
		}
		want[strings.ToLower(kind)+"/"+o.Str("metadata.name")] = true
	}
	kinds := map[string]bool{}
	for k := range want {
		kinds[strings.SplitN(k, "/", 2)[0]] = true
	}
	var kindList []string
	for k := range kinds {
		kindList = append(kindList, k)
	}
	sort.Strings(kindList)
	got := map[string]bool{}
	for _, line := range strings.Fields(r.kubectl("get", strings.Join(kindList, ","), "-l", "app.kubernetes.io/part-of=workfx-ai",
		"-o", `jsonpath={range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}`)) {
		parts := strings.SplitN(line, "/", 2)
		got[strings.ToLower(parts[0])+"/"+parts[1]] = true
	}
	assert.Equal(r.t, want, got, "the plan's objects and the cluster's")
}

// progress writes the engine's output to the test log when the test runs verbosely.
func progress(t testing.TB, what string) *testWriter { return &testWriter{t: t, prefix: what + ": "} }

type testWriter struct {
	t      testing.TB
	prefix string
}

func (w *testWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
			if strings.TrimSpace(line) != "" {
				w.t.Log(w.prefix + line)
			}
		}
	}
	return len(p), nil
}

// nonSame drops the operations that change nothing (same, and reads of the customer's Secrets).
func nonSame(m *map[string]int) map[string]int {
	out := map[string]int{}
	if m == nil {
		return out
	}
	for op, n := range *m {
		if op != "same" && op != "read" && n > 0 {
			out[op] = n
		}
	}
	return out
}

func changes(m *map[string]int, ops ...string) int {
	if m == nil {
		return 0
	}
	n := 0
	for _, op := range ops {
		n += (*m)[op]
	}
	return n
}

func summary(m *map[string]int) string {
	if m == nil {
		return "no summary"
	}
	var parts []string
	for _, op := range sortedOps(*m) {
		parts = append(parts, fmt.Sprintf("%d %s", (*m)[op], op))
	}
	return strings.Join(parts, ", ")
}

func sortedOps(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func without(all, drop []string) []string {
	var out []string
	for _, a := range all {
		keep := true
		for _, d := range drop {
			keep = keep && a != d
		}
		if keep {
			out = append(out, a)
		}
	}
	return out
}
