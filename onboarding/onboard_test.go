package onboarding

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

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

func contoso(t *testing.T) *Customer {
	t.Helper()
	c, err := LoadCustomerFile(contosoFile)
	require.NoError(t, err)
	return c
}

// onCluster is the example customer under another id and namespace, deployed like contoso on the
// shared cluster: its namespace and exactly its Secrets are created first, with kubectl. The
// options run the real engine against that cluster.
func onCluster(t *testing.T, id string) (*Customer, Options, *recordingCommand) {
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
	rc := record(tools.CLI)
	opts := testOptions(t, rc, Preview)
	opts.EnvVars = tools.EngineEnv(cluster.Kubeconfig)
	return c, opts, rc
}

// setAll is the config set-all invocation the customer's spec must produce (pairs sorted).
func setAll(c *Customer) string {
	parts := []string{"config", "set-all", "--stack", c.StackName(), "--path"}
	for k, v := range c.ConfigValues() {
		flag := "--plaintext"
		if v.Secret {
			flag = "--secret"
		}
		parts = append(parts, flag, k+"="+v.Value)
	}
	return strings.Join(sortSetAll(parts), " ")
}

// The example customer is onboarded, updated, refreshed and offboarded by the real engine on a
// real cluster, through the exact command sequence below.
func TestOnboardingLifecycleOnTheRealEngine(t *testing.T) {
	c, opts, rc := onCluster(t, "contoso")
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

	opts.Operation, opts.RemoveStack = Destroy, true
	_, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	left, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "deployments,configmaps,services", "-l", "app.kubernetes.io/part-of=workfx-ai", "-o", "name")
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(left))
	kept, err := cluster.Kubectl(context.Background(), "-n", "workfx-contoso", "get", "secret", "contoso-postgres", "-o", "name")
	require.NoError(t, err)
	assert.Equal(t, "secret/contoso-postgres", strings.TrimSpace(kept), "offboarding leaves the customer's Secrets")

	var stale []string
	for k := range c.values() {
		stale = append(stale, k)
	}
	sort.Strings(stale)
	engineRun := func(cmd string) string {
		return cmd + " --client=ADDR --exec-kind=auto.inline --event-log tcp://EVENTS --stack ka-contoso"
	}
	reconfigure := []string{"stack select --stack ka-contoso", "config --show-secrets --json --stack ka-contoso",
		"config rm-all --stack ka-contoso " + strings.Join(stale, " "), setAll(c)}
	want := []string{
		// preview of a new customer: the stack is created, then configured from the spec
		"stack select --stack ka-contoso",
		"stack init ka-contoso --secrets-provider passphrase",
		"config --show-secrets --json --stack ka-contoso",
		setAll(c),
		engineRun("preview"),
	}
	// up (twice): the stack exists; its config is replaced by the spec's, key by key
	for i := 0; i < 2; i++ {
		want = append(want, reconfigure...)
		want = append(want, engineRun("up --yes --skip-preview"),
			"stack output --json --stack ka-contoso",
			"stack output --json --show-secrets --stack ka-contoso",
			"stack history --json --show-secrets --page-size 1 --page 1 --stack ka-contoso")
	}
	want = append(want, reconfigure...)
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
	got, err := resolveBackend(dir + "/state")
	require.NoError(t, err)
	assert.Equal(t, "file://"+dir+"/state", got)
	assert.DirExists(t, dir+"/state")

	got, err = resolveBackend("s3://workfx-state?region=eu-west-1")
	require.NoError(t, err)
	assert.Equal(t, "s3://workfx-state?region=eu-west-1", got)

	t.Setenv("PULUMI_BACKEND_URL", "azblob://state")
	got, err = resolveBackend("")
	require.NoError(t, err)
	assert.Equal(t, "azblob://state", got)
	t.Setenv(EnvBackend, "https://api.pulumi.com")
	got, err = resolveBackend("")
	require.NoError(t, err)
	assert.Equal(t, "https://api.pulumi.com", got, "WORKFX_BACKEND_URL wins over PULUMI_BACKEND_URL")

	t.Setenv(EnvBackend, "")
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("HOME", dir)
	got, err = resolveBackend("")
	require.NoError(t, err)
	assert.Equal(t, "file://"+dir+"/.workfx/state", got)
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
