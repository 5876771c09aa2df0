package onboarding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
)

// The lock message of the diy (file/s3/azblob) backend, as the CLI prints it when another
// process holds the stack.
const lockedStderr = "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
	"  file:///srv/workfx/state/.pulumi/locks/organization/workfx/ka-contoso/5b4b6c1e-2f0d-4c38-9a51-0f6c1d2e7a10.json: created by deploy@ci-runner-7 (pid 4182) at 2026-11-22T04:12:09Z\n"

// A network failure talking to the state backend: the same update succeeds when run again.
const transientStderr = "error: failed to load checkpoint: blob (key \".pulumi/stacks/workfx/ka-contoso.json\") (code=Unknown): " +
	"read tcp 10.0.0.4:52114->52.239.1.1:443: read: connection reset by peer\n"

// A program failure: running again fails the same way.
const programErrorStderr = "error: resource 'workfx-ai/contoso-kafka' does not exist\n"

func contoso(t testing.TB) *Customer {
	t.Helper()
	c, err := LoadCustomerFile(contosoFile)
	require.NoError(t, err)
	return c
}

// onCluster is the example customer under another id and namespace, deployed like contoso on the
// shared cluster: its namespace and exactly its Secrets are created first, with kubectl. The
// options run the real engine against that cluster.
func onCluster(t testing.TB, id string) (*Customer, Options, *recordingCommand) {
	t.Helper()
	tools, cluster := realEngine(t)
	c := contoso(t)
	c.ID = id
	c.Cluster["namespace"] = "workfx-" + id
	require.NoError(t, c.Validate())
	raw, err := c.RawConfig()
	require.NoError(t, err)
	cfg, err := config.Load(raw)
	require.NoError(t, err)
	require.NoError(t, cluster.CreateCustomerObjects(context.Background(), cfg))
	// The CLI as a service runs it (NewCommand), the provider plugin from a directory as on a
	// host without internet (PluginPaths: no download is tried).
	cli, err := NewCommand(tools.CLIPath, CommandOptions{})
	require.NoError(t, err)
	rc := record(cli)
	opts := testOptions(t, rc, Preview)
	opts.PluginPaths = []string{tools.ProviderDir}
	opts.EnvVars = map[string]string{"KUBECONFIG": cluster.Kubeconfig}
	return c, opts, rc
}

// setConfig are the commands that apply the customer's spec: the plain values together (pairs
// sorted), then each secret on its own, its value on the CLI's standard input.
func setConfig(c *Customer) []string {
	var secrets []string
	parts := []string{"config", "set-all", "--stack", c.StackName(), "--path"}
	for k, v := range c.ConfigValues() {
		if v.Secret {
			secrets = append(secrets, "config set --secret --path --stack "+c.StackName()+" "+k)
			continue
		}
		parts = append(parts, "--plaintext", k+"="+v.Value)
	}
	sort.Strings(secrets)
	return append([]string{strings.Join(sortSetAll(parts), " ")}, secrets...)
}

// The example customer is onboarded, updated, refreshed and offboarded by the real engine on a
// real cluster, through the exact command sequence below.
func TestOnboardingLifecycleOnTheRealEngine(t *testing.T) {
	c, opts, rc := onCluster(t, "contoso")
	firstConfig := setConfig(c) // the spec as first applied (the image bump below changes it)
	var progress bytes.Buffer
	opts.Progress = &progress
	var events []Event
	opts.OnEvent = func(e Event) { events = append(events, e) }

	res, err := Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, "ka-contoso", res.Stack)
	assert.Equal(t, Preview, res.Operation)
	creates := res.Changes["create"]
	assert.Positive(t, creates)
	assert.Equal(t, map[string]int{"create": creates}, withoutReads(res.Changes))
	assert.Equal(t, 1, res.Attempts)
	assert.Contains(t, progress.String(), "kubernetes:apps/v1:Deployment")
	kinds := map[EventKind]int{}
	for _, e := range events {
		assert.Equal(t, "ka-contoso", e.Stack)
		kinds[e.Kind]++
	}
	assert.Equal(t, 1, kinds[EventStack])
	assert.Equal(t, 1, kinds[EventConfig])
	assert.Equal(t, 1, kinds[EventSummary])
	assert.Equal(t, 1, kinds[EventDone])
	assert.GreaterOrEqual(t, kinds[EventResource], 2*creates, "a pre and a done event per resource")

	opts.Operation = Up
	res, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"create": creates}, withoutReads(res.Changes), "up creates what preview said")
	assert.Equal(t, "workfx-contoso", res.Outputs["namespace"].Value)
	assert.True(t, res.Outputs["kubeconfig"].Secret)
	_, cluster := realEngine(t)
	_, err = cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "rollout", "status", "deployment/workfx-api", "--timeout=120s")
	require.NoError(t, err)

	// Nothing changed: the second up changes nothing.
	res, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Empty(t, withoutReads(withoutSame(res.Changes)), "second up: %s", res.ChangeSummary())

	opts.Operation = Refresh
	res, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Empty(t, withoutReads(withoutSame(res.Changes)), "refresh found drift: %s", res.ChangeSummary())

	// Drift detection, with a read-only identity as docs/cicd.md prescribes for it: a preview
	// that refreshes first and expects no changes passes while nothing drifted. After a hand
	// edit of a value the program sets it fails with the change, and writes nothing: a plain
	// preview still sees the state as deployed. An up that refreshes first puts the value back
	// (the program owns its objects' fields).
	readOnly, err := cluster.ReadOnlyKubeconfig(context.Background(), t.TempDir(), "workfx-drift")
	require.NoError(t, err)
	canPatch, _ := cluster.Kubectl(context.Background(), "--kubeconfig", readOnly, "-n", "workfx-contoso", "auth", "can-i", "patch", "configmaps")
	require.Equal(t, "no", strings.TrimSpace(canPatch), "the drift identity cannot change anything")
	drift := opts
	drift.Operation, drift.Refresh, drift.ExpectNoChanges = Preview, true, true
	drift.EnvVars = map[string]string{"KUBECONFIG": readOnly}
	_, err = Onboard(context.Background(), c, drift)
	require.NoError(t, err, "no drift yet")
	_, err = cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "patch", "configmap", "workfx-api-config",
		"--type", "merge", "-p", `{"data":{"ELASTICSEARCH_ENABLED":"false"}}`)
	require.NoError(t, err)
	_, err = Onboard(context.Background(), c, drift)
	require.ErrorIs(t, err, ErrUnexpectedChanges)
	var oe *OperationError
	require.ErrorAs(t, err, &oe)
	// The ConfigMap, and the Deployment whose pods read it: its pod template carries the
	// ConfigMap's resourceVersion, so the repair also rolls the pods onto the restored value.
	assert.Equal(t, 2, oe.Changes["update"], "the ConfigMap and workfx-api: %v", oe.Changes)
	assert.Equal(t, 1, oe.Attempts, "drift is not retried")
	plain := opts
	plain.Operation = Preview
	res, err = Onboard(context.Background(), c, plain)
	require.NoError(t, err)
	assert.Empty(t, withoutReads(withoutSame(res.Changes)), "the drift preview wrote nothing to the state: %s", res.ChangeSummary())
	repair := opts
	repair.Operation, repair.Refresh = Up, true
	res, err = Onboard(context.Background(), c, repair)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Changes["update"], "%s", res.ChangeSummary())
	value, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "configmap", "workfx-api-config",
		"-o", "jsonpath={.data.ELASTICSEARCH_ENABLED}")
	require.NoError(t, err)
	assert.Equal(t, "true", value, "up put the program's value back")
	_, err = Onboard(context.Background(), c, drift)
	require.NoError(t, err, "no drift after the repair")

	var stale []string
	for k := range c.values() {
		stale = append(stale, k)
	}
	sort.Strings(stale)
	// An image tag bump: the changed spec replaces the config key by key, and exactly the one
	// Deployment is updated, nothing replaced.
	c.Apps["workfxApi"].(map[string]any)["image"].(map[string]any)["tag"] = "2.4.2"
	calls := len(rc.invocations(opts.WorkRoot))
	bump := opts
	bump.Operation = Up
	res, err = Onboard(context.Background(), c, bump)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"update": 1}, withoutReads(withoutSame(res.Changes)), "%s", res.ChangeSummary())
	assert.Contains(t, rc.invocations(opts.WorkRoot)[calls:], "config rm-all --stack ka-contoso "+strings.Join(stale, " "),
		"a changed spec is written")
	image, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "deployment", "workfx-api",
		"-o", "jsonpath={.spec.template.spec.containers[0].image}")
	require.NoError(t, err)
	assert.Contains(t, image, ":2.4.2")

	opts.Operation, opts.RemoveStack = Destroy, true
	_, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	left, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "deployments,configmaps,services", "-l", "app.kubernetes.io/part-of=workfx-ai", "-o", "name")
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(left))
	kept, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "secret", "contoso-postgres", "-o", "name")
	require.NoError(t, err)
	assert.Equal(t, "secret/contoso-postgres", strings.TrimSpace(kept), "offboarding leaves the customer's Secrets")

	// Onboarding again after offboarding: the stack is created anew and everything with it.
	again := opts
	again.Operation, again.RemoveStack = Up, false
	res, err = Onboard(context.Background(), c, again)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"create": creates}, withoutReads(res.Changes), "up after destroy")

	engineRun := func(cmd string) string {
		return cmd + " --client=ADDR --exec-kind=auto.inline --event-log tcp://EVENTS --stack ka-contoso"
	}
	// An unchanged spec is read back and compared, not written again (a CLI run per command).
	unchanged := []string{"stack select --stack ka-contoso", "config --show-secrets --json --stack ka-contoso"}
	want := []string{
		// preview of a new customer: the stack is created, then configured from the spec
		"stack select --stack ka-contoso",
		"stack init ka-contoso --secrets-provider passphrase",
		"config --show-secrets --json --stack ka-contoso",
	}
	want = append(want, firstConfig...)
	want = append(want, engineRun("preview"))
	// up (twice): the stack exists and already holds the spec's config
	for i := 0; i < 2; i++ {
		want = append(want, unchanged...)
		want = append(want, engineRun("up --yes --skip-preview"),
			"stack output --json --stack ka-contoso",
			"stack output --json --show-secrets --stack ka-contoso",
			"stack history --json --show-secrets --page-size 1 --page 1 --stack ka-contoso")
	}
	want = append(want, unchanged...)
	want = append(want, "refresh --yes --skip-preview --client=ADDR --exec-kind=auto.inline --event-log tcp://EVENTS --stack ka-contoso")
	assert.Equal(t, want, rc.invocations(opts.WorkRoot)[:len(want)])
}

// A network failure talking to the state backend: the same update succeeds when run again.
func TestTransientFailureIsRetriedWithBackoff(t *testing.T) {
	c, opts, rc := onCluster(t, "retry")
	rc.faults["preview"] = []fault{{stderr: transientStderr, code: 255}}
	var retries []Event
	opts.OnEvent = func(e Event) {
		if e.Kind == EventRetry {
			retries = append(retries, e)
		}
	}
	res, err := Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Positive(t, res.Changes["create"], "the second, real, preview plans the customer")
	assert.Equal(t, 2, rc.count("preview"))
	require.Len(t, retries, 1)
	assert.Equal(t, 1, retries[0].Attempt)
	assert.Contains(t, retries[0].Message, "retrying in 10ms")
}

func TestTransientFailureRetriesAreBounded(t *testing.T) {
	t.Parallel()
	rc := record(realCLI(t))
	failure := fault{stderr: transientStderr, code: 255}
	rc.faults["preview"] = []fault{failure, failure, failure}
	opts := testOptions(t, rc, Preview)
	_, err := Onboard(context.Background(), contoso(t), opts)
	var oe *OperationError
	require.True(t, errors.As(err, &oe), "want *OperationError, got %T: %v", err, err)
	assert.Equal(t, 3, oe.Attempts)
	assert.True(t, oe.Transient)
	assert.Equal(t, Preview, oe.Operation)
	assert.Contains(t, err.Error(), "connection reset by peer")
	assert.Equal(t, 3, rc.count("preview"), "Retry.Attempts bounds the tries")
}

// A failure in the customer's setup (a Secret the spec names does not exist) fails the same way
// on every run: it is reported at once, naming the Secret.
func TestProgramErrorIsNotRetried(t *testing.T) {
	c, opts, rc := onCluster(t, "nosecret")
	_, cluster := realEngine(t)
	_, err := cluster.Kubectl(context.Background(), "-n", "workfx-nosecret", "delete", "secret", "contoso-kafka")
	require.NoError(t, err)
	_, err = Onboard(context.Background(), c, opts)
	var oe *OperationError
	require.True(t, errors.As(err, &oe), "want *OperationError, got %T: %v", err, err)
	assert.Equal(t, 1, oe.Attempts)
	assert.False(t, oe.Transient)
	assert.Contains(t, err.Error(), "workfx-nosecret/contoso-kafka")
	assert.Equal(t, 1, rc.count("preview"))
}

// A lock file in the backend, as a running `pulumi up` elsewhere leaves it: the real CLI refuses
// the update and Onboard says so with its typed error, without retrying.
func TestLockedStackIsATypedConcurrentUpdateError(t *testing.T) {
	t.Parallel()
	c := contoso(t)
	rc := record(realCLI(t))
	opts := testOptions(t, rc, Up)
	configure(t, c, opts)
	lockDir := filepath.Join(strings.TrimPrefix(mustBackend(t, opts), "file://"), ".pulumi", "locks", "organization", "workfx", "ka-contoso")
	require.NoError(t, os.MkdirAll(lockDir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(lockDir, "6f1c2d3e-0000-4000-8000-000000000002.json"),
		[]byte(`{"pid":4182,"username":"deploy","hostname":"ci-runner-7","timestamp":"2026-11-22T04:12:09Z"}`), 0o600))

	_, err := Onboard(context.Background(), c, opts)
	var ce *ConcurrentUpdateError
	require.True(t, errors.As(err, &ce), "want *ConcurrentUpdateError, got %T: %v", err, err)
	assert.True(t, errors.Is(err, ErrConcurrentUpdate))
	assert.Equal(t, "ka-contoso", ce.Stack)
	assert.False(t, ce.InProcess)
	assert.Equal(t, 1, rc.count("up"), "a concurrent update is not retried")
	assert.Zero(t, rc.count("stack output"))
}

func TestSameCustomerTwiceInOneProcessIsRefused(t *testing.T) {
	c, opts, rc := onCluster(t, "twice")
	opts.Operation = Up
	started := make(chan struct{})
	var once sync.Once
	opts.OnEvent = func(e Event) {
		if e.Kind == EventResource {
			once.Do(func() { close(started) })
		}
	}
	var wg sync.WaitGroup
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, firstErr = Onboard(context.Background(), c, opts)
	}()
	<-started // the engine is deploying
	before := len(rc.invocations(""))
	second := opts
	second.OnEvent = nil
	_, err := Onboard(context.Background(), c, second)
	var ce *ConcurrentUpdateError
	require.True(t, errors.As(err, &ce), "want *ConcurrentUpdateError, got %T: %v", err, err)
	assert.True(t, ce.InProcess)
	assert.Len(t, rc.invocations(""), before, "the refused call ran no command")
	wg.Wait()
	require.NoError(t, firstErr)

	// Once the first is done, the customer can be onboarded again.
	second.Operation = Preview
	res, err := Onboard(context.Background(), c, second)
	require.NoError(t, err)
	assert.Empty(t, withoutReads(withoutSame(res.Changes)))
}

func TestManyCustomersAreOnboardedConcurrently(t *testing.T) {
	var customers []*Customer
	var opts Options
	for _, id := range []string{"acme", "fabrikam", "northwind"} {
		c, o, _ := onCluster(t, id)
		customers = append(customers, c)
		if opts.Backend == "" {
			opts = o // one backend for all three
		}
	}
	var mu sync.Mutex
	done := map[string]bool{}
	opts.OnEvent = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == EventDone {
			done[e.Stack] = true
		}
	}
	results, errs := OnboardMany(context.Background(), customers, opts, 3)
	require.Empty(t, errs)
	require.Len(t, results, 3)
	assert.Equal(t, "ka-fabrikam", results["fabrikam"].Stack)
	assert.Positive(t, results["northwind"].Changes["create"])
	assert.Equal(t, map[string]bool{"ka-acme": true, "ka-fabrikam": true, "ka-northwind": true}, done)

	// All three live side by side in the one backend.
	ws := workspaceFor(t, opts)
	list, err := ws.ListStacks(context.Background())
	require.NoError(t, err)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"ka-acme", "ka-fabrikam", "ka-northwind"}, names)
}

func TestInvalidCustomerRunsNothing(t *testing.T) {
	t.Parallel()
	rc := record(nil)
	c := contoso(t)
	c.Postgres = Section{"mode": "existing"}
	_, err := Onboard(context.Background(), c, testOptions(t, rc, Up))
	var ie *InvalidCustomerError
	require.True(t, errors.As(err, &ie), "want *InvalidCustomerError, got %T: %v", err, err)
	assert.Equal(t, "postgres.existing", ie.Fields[0].Field)
	assert.Empty(t, rc.invocations(""))
}

// withoutReads drops the reads of the customer's Secrets (looked up every run, never changed).
func withoutReads(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if k != "read" {
			out[k] = v
		}
	}
	return out
}

func withoutSame(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if k != "same" {
			out[k] = v
		}
	}
	return out
}

func TestOptionsAreChecked(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
	t.Setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "")
	rc := record(nil)
	opts := testOptions(t, rc, Preview)
	opts.Passphrase = ""
	_, err := Onboard(context.Background(), contoso(t), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs a passphrase")

	opts = testOptions(t, rc, "deploy")
	_, err = Onboard(context.Background(), contoso(t), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown operation "deploy"`)
	assert.Empty(t, rc.invocations(""))
}

func TestBackendResolution(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvBackend, "")
	t.Setenv("PULUMI_BACKEND_URL", "")
	got, err := resolveBackend(dir+"/state", "")
	require.NoError(t, err)
	assert.Equal(t, "file://"+dir+"/state", got)
	assert.DirExists(t, dir+"/state")

	got, err = resolveBackend("s3://workfx-state?region=eu-west-1", "")
	require.NoError(t, err)
	assert.Equal(t, "s3://workfx-state?region=eu-west-1", got)

	t.Setenv("PULUMI_BACKEND_URL", "azblob://state")
	got, err = resolveBackend("", "")
	require.NoError(t, err)
	assert.Equal(t, "azblob://state", got)
	t.Setenv(EnvBackend, "https://api.pulumi.com")
	got, err = resolveBackend("", "")
	require.NoError(t, err)
	assert.Equal(t, "https://api.pulumi.com", got, "WORKFX_BACKEND_URL wins over PULUMI_BACKEND_URL")

	t.Setenv(EnvBackend, "")
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("HOME", dir)
	t.Setenv("PULUMI_HOME", "")
	got, err = resolveBackend("", "")
	require.NoError(t, err)
	assert.Equal(t, "file://"+dir+"/.workfx/state", got, "nothing set and never logged in: the local default")

	// After `pulumi login s3://…` the CLI's credentials name the current backend; onboarding
	// uses it, as the CLI would.
	home := filepath.Join(dir, ".pulumi")
	require.NoError(t, os.MkdirAll(home, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, "credentials.json"),
		[]byte(`{"current":"s3://team-state?region=eu-west-1","accessTokens":{},"accounts":{}}`), 0o600))
	got, err = resolveBackend("", "")
	require.NoError(t, err)
	assert.Equal(t, "s3://team-state?region=eu-west-1", got, "the backend of the last pulumi login")
	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "credentials.json"), []byte(`{"current":"azblob://team-state"}`), 0o600))
	got, err = resolveBackend("", other)
	require.NoError(t, err)
	assert.Equal(t, "azblob://team-state", got, "Options.PulumiHome is where the CLI keeps its login")
	t.Setenv(EnvBackend, "file:///srv/state")
	got, err = resolveBackend("", other)
	require.NoError(t, err)
	assert.Equal(t, "file:///srv/state", got, "an explicit backend wins over the login")
}

func TestRetryBackoffDoublesUpToMax(t *testing.T) {
	r := DefaultRetry
	assert.Equal(t, []string{"5s", "10s", "20s", "40s", "1m0s", "1m0s"}, []string{
		r.delay(1).String(), r.delay(2).String(), r.delay(3).String(), r.delay(4).String(), r.delay(5).String(), r.delay(6).String(),
	})
	assert.True(t, IsTransient(errors.New(transientStderr)))
	assert.False(t, IsTransient(errors.New(programErrorStderr)))
	assert.False(t, IsTransient(context.Canceled))
	// Seen with the real CLI here: no plugin can be downloaded. The CLI retried five times
	// already; another round would only add minutes.
	assert.False(t, IsTransient(errors.New(`error: Could not automatically download and install resource plugin 'pulumi-resource-kubernetes' at version v4.30.0: `+
		`failed to download plugin: kubernetes-4.30.0: failed all 5 attempts: dial tcp: lookup get.pulumi.com: no such host`)))
}

func TestSecretOutputsNeverPrint(t *testing.T) {
	res := &Result{Outputs: map[string]Output{
		"kubeconfig":  {Value: "apiVersion: v1", Secret: true},
		"gatewayHost": {Value: "workfx-ai.contoso.com"},
	}}
	b, err := jsonMarshal(res)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "apiVersion")
	assert.Contains(t, string(b), `"kubeconfig":{"secret":true}`)
	assert.Contains(t, string(b), `"gatewayHost":{"value":"workfx-ai.contoso.com"}`)
	assert.Equal(t, "[secret]", res.Outputs["kubeconfig"].String())
	assert.Equal(t, "apiVersion: v1", res.Outputs["kubeconfig"].Value, "the caller still has the value")
}

// A cancelled context (a service shutting down; Ctrl-C in `onboard`) in the middle of the first
// up: the engine is interrupted once, finishes the steps in flight, saves the state and releases
// the lock. The stack is left unlocked with no pending operations, and the next up finishes the
// job.
func TestCancelledUpLeavesAnUnlockedStack(t *testing.T) {
	c, opts, _ := onCluster(t, "cancel")
	opts.Operation = Up
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	opts.OnEvent = func(e Event) {
		if e.Kind == EventResource && e.Phase == "done" && e.Op == "create" {
			once.Do(cancel) // one object is created, the rest are still to come
		}
	}
	_, err := Onboard(ctx, c, opts)
	require.ErrorIs(t, err, context.Canceled)
	var oe *OperationError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, 1, oe.Attempts, "a cancelled operation is not retried")

	lockDir := filepath.Join(strings.TrimPrefix(mustBackend(t, opts), "file://"), ".pulumi", "locks", "organization", "workfx", "ka-cancel")
	locks, _ := os.ReadDir(lockDir)
	assert.Empty(t, locks, "the lock is released")
	dep, err := workspaceFor(t, opts).ExportStack(context.Background(), "ka-cancel")
	require.NoError(t, err)
	var state struct {
		Resources []struct {
			Type string `json:"type"`
		} `json:"resources"`
		Pending []any `json:"pending_operations"`
	}
	require.NoError(t, json.Unmarshal(dep.Deployment, &state))
	assert.Empty(t, state.Pending, "no operation left pending")
	assert.NotEmpty(t, state.Resources, "what was created is in the state")

	opts.OnEvent = nil
	res, err := Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Positive(t, res.Changes["create"], "the next up creates the rest")
	assert.Positive(t, res.Changes["same"], "and keeps what the cancelled one created")
}

// A host without internet: the plugin directories go first on the engine's PATH (where it
// looks before downloading) and downloads are off, so a missing plugin fails at once. The
// real-engine tests run this way (onCluster).
func TestPluginPathsComeFirstAndDownloadsAreOff(t *testing.T) {
	opts := testOptions(t, record(nil), Preview)
	opts.PluginPaths = []string{"/opt/pulumi/plugins", "/srv/plugins"}
	opts.EnvVars = map[string]string{"PATH": "/usr/bin:/bin"}
	o, err := opts.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, "/opt/pulumi/plugins:/srv/plugins:/usr/bin:/bin", o.EnvVars["PATH"])
	assert.Equal(t, "true", o.EnvVars["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"])
	assert.Equal(t, "/usr/bin:/bin", opts.EnvVars["PATH"], "the caller's map is not changed")

	o, err = testOptions(t, record(nil), Preview).withDefaults()
	require.NoError(t, err)
	assert.NotContains(t, o.EnvVars, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "with internet, plugins download as usual")
}

func TestResultJSONHasTheDurationInSeconds(t *testing.T) {
	b, err := jsonMarshal(&Result{Customer: "contoso", Stack: "ka-contoso", Operation: Up, Duration: 16*time.Second + 250*time.Millisecond, Attempts: 1})
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, 16.25, got["durationSeconds"])
	assert.NotContains(t, got, "duration")
	assert.Equal(t, "ka-contoso", got["stack"])
}

// SkipCheckpoints reaches the engine as PULUMI_SKIP_CHECKPOINTS, and only for a customer whose
// stack is Kubernetes objects alone: a killed run of a cloud customer would leave cloud
// resources its state does not know.
func TestSkipCheckpointsOnlyForCloudNone(t *testing.T) {
	opts := testOptions(t, record(nil), Preview)
	o, err := opts.withDefaults()
	require.NoError(t, err)
	assert.NotContains(t, o.EnvVars, "PULUMI_SKIP_CHECKPOINTS", "every step is checkpointed by default")
	opts.SkipCheckpoints = true
	o, err = opts.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, "true", o.EnvVars["PULUMI_SKIP_CHECKPOINTS"])

	c := contoso(t)
	c.Cloud = "aws"
	_, err = Onboard(context.Background(), c, opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloud none")
}

// configUpToDate says "unchanged" only when the stack's config is exactly the spec's: every
// difference in a value, a key's secrecy, a missing or a stale key makes the config be written.
func TestConfigIsRewrittenOnAnyDifference(t *testing.T) {
	c := contoso(t)
	raw, err := c.RawConfig()
	require.NoError(t, err)
	secret := map[string]bool{}
	for _, k := range c.SecretKeys() {
		secret[k] = true
	}
	stored := func() auto.ConfigMap {
		m := auto.ConfigMap{"kubernetes:context": {Value: "other project's key, ignored"}}
		for k, v := range raw {
			m[k] = auto.ConfigValue{Value: v, Secret: secret[k]}
		}
		return m
	}
	upToDate := func(m auto.ConfigMap) bool {
		ok, err := configUpToDate(m, c)
		require.NoError(t, err)
		return ok
	}
	assert.True(t, upToDate(stored()))

	m := stored()
	m["workfx:apps"] = auto.ConfigValue{Value: strings.Replace(raw["workfx:apps"], `"2.4.1"`, `"2.4.2"`, 1)}
	assert.False(t, upToDate(m), "a changed value")
	m = stored()
	m["workfx:environment"] = auto.ConfigValue{Value: raw["workfx:environment"], Secret: true}
	assert.False(t, upToDate(m), "a key that became secret")
	m = stored()
	m["workfx:customer-old"] = auto.ConfigValue{Value: "x"}
	assert.False(t, upToDate(m), "a stale key")
	m = stored()
	delete(m, "workfx:apps")
	assert.False(t, upToDate(m), "a missing key")
}
