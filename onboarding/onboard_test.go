package onboarding

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The lock message of the diy (file/s3/azblob) backend, as the CLI prints it when another
// process holds the stack.
const lockedStderr = "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
	"  file:///srv/workfx/state/.pulumi/locks/organization/workfx/ka-contoso/5b4b6c1e-2f0d-4c38-9a51-0f6c1d2e7a10.json: created by deploy@ci-runner-7 (pid 4182) at 2026-11-22T04:12:09Z\n"

// A network failure talking to the state backend: the same update succeeds when run again.
const transientStderr = "error: failed to load checkpoint: blob (key \".pulumi/stacks/workfx/ka-contoso.json\") (code=Unknown): " +
	"read tcp 10.0.0.4:52114->52.239.1.1:443: read: connection reset by peer\n"

// A program failure: running again fails the same way.
const programErrorStderr = "error: an unhandled error occurred: program failed:\n" +
	"waiting for RPCs: marshaling properties: awaiting input property \"metadata\": namespace \"workfx-ai\" not found\n"

func contoso(t *testing.T) *Customer {
	t.Helper()
	c, err := LoadCustomerFile(contosoFile)
	require.NoError(t, err)
	return c
}

func previewOK(t *testing.T) reply {
	return reply{events: "preview-contoso.jsonl", stdout: readFile(t, "preview-contoso.txt")}
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

func TestPreviewThenUpRunTheExactCommandSequence(t *testing.T) {
	t.Parallel()
	c := contoso(t)
	rc := newReplay(realCLI(t), map[string][]reply{
		"preview": {previewOK(t)},
		"up":      {{events: "up-contoso.jsonl", stdout: readFile(t, "up-contoso.txt")}},
	})
	opts := testOptions(t, rc, Preview)
	var progress bytes.Buffer
	opts.Progress = &progress
	var events []Event
	opts.OnEvent = func(e Event) { events = append(events, e) }

	res, err := Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, "ka-contoso", res.Stack)
	assert.Equal(t, Preview, res.Operation)
	assert.Equal(t, map[string]int{"create": 6}, res.Changes)
	assert.Equal(t, "6 create", res.ChangeSummary())
	assert.Equal(t, 1, res.Attempts)
	assert.Positive(t, res.Duration)
	assert.Equal(t, readFile(t, "preview-contoso.txt"), progress.String())

	var kinds []string
	for _, e := range events {
		assert.Equal(t, "ka-contoso", e.Stack)
		kinds = append(kinds, fmt.Sprintf("%s/%s", e.Kind, e.Phase))
	}
	assert.Equal(t, []string{
		"stack/", "config/",
		"resource/pre", "resource/done", "resource/pre", "resource/done", "resource/pre", "resource/done",
		"resource/pre", "resource/done", "resource/pre", "resource/done",
		"resource/pre", "diagnostic/", "resource/done", // the ephemeral info message is dropped
		"summary/", "done/",
	}, kinds)
	assert.Equal(t, "urn:pulumi:ka-contoso::workfx::workfx:workload:App$kubernetes:apps/v1:Deployment::workfx-api", events[12].URN)
	assert.Equal(t, "warning", events[13].Severity)

	opts.Operation = Up
	res, err = Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"create": 6}, res.Changes)
	assert.Empty(t, res.Outputs, "the replayed update deployed nothing, so the real CLI reports no outputs")

	var stale []string
	for k := range c.values() {
		stale = append(stale, k)
	}
	sort.Strings(stale)
	assert.Equal(t, []string{
		// preview of a new customer: the stack is created, then configured from the spec
		"stack select --stack ka-contoso",
		"stack init ka-contoso --secrets-provider passphrase",
		"config --show-secrets --json --stack ka-contoso",
		setAll(c),
		"preview --client=ADDR --exec-kind=auto.inline --event-log tcp://EVENTS --stack ka-contoso",
		// up: the stack exists; its config is replaced by the spec's, key by key
		"stack select --stack ka-contoso",
		"config --show-secrets --json --stack ka-contoso",
		"config rm-all --stack ka-contoso " + strings.Join(stale, " "),
		setAll(c),
		"up --yes --skip-preview --client=ADDR --exec-kind=auto.inline --event-log tcp://EVENTS --stack ka-contoso",
		"stack output --json --stack ka-contoso",
		"stack output --json --show-secrets --stack ka-contoso",
		"stack history --json --show-secrets --page-size 1 --page 1 --stack ka-contoso",
	}, rc.invocations(opts.WorkRoot))
}

func TestTransientFailureIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	rc := newReplay(realCLI(t), map[string][]reply{
		"preview": {{stderr: transientStderr, code: 255}, previewOK(t)},
	})
	opts := testOptions(t, rc, Preview)
	var retries []Event
	opts.OnEvent = func(e Event) {
		if e.Kind == EventRetry {
			retries = append(retries, e)
		}
	}
	res, err := Onboard(context.Background(), contoso(t), opts)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, map[string]int{"create": 6}, res.Changes)
	assert.Equal(t, 2, rc.count("preview"))
	require.Len(t, retries, 1)
	assert.Equal(t, 1, retries[0].Attempt)
	assert.Contains(t, retries[0].Message, "retrying in 10ms")
}

func TestTransientFailureRetriesAreBounded(t *testing.T) {
	t.Parallel()
	failure := reply{stderr: transientStderr, code: 255}
	rc := newReplay(realCLI(t), map[string][]reply{"preview": {failure, failure, failure, previewOK(t)}})
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

func TestProgramErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	rc := newReplay(realCLI(t), map[string][]reply{"preview": {{stderr: programErrorStderr, code: 255}, previewOK(t)}})
	_, err := Onboard(context.Background(), contoso(t), testOptions(t, rc, Preview))
	var oe *OperationError
	require.True(t, errors.As(err, &oe), "want *OperationError, got %T: %v", err, err)
	assert.Equal(t, 1, oe.Attempts)
	assert.False(t, oe.Transient)
	assert.Equal(t, 1, rc.count("preview"))
}

func TestLockedStackIsATypedConcurrentUpdateError(t *testing.T) {
	t.Parallel()
	rc := newReplay(realCLI(t), map[string][]reply{"up": {{stderr: lockedStderr, code: 255}}})
	_, err := Onboard(context.Background(), contoso(t), testOptions(t, rc, Up))
	var ce *ConcurrentUpdateError
	require.True(t, errors.As(err, &ce), "want *ConcurrentUpdateError, got %T: %v", err, err)
	assert.True(t, errors.Is(err, ErrConcurrentUpdate))
	assert.Equal(t, "ka-contoso", ce.Stack)
	assert.False(t, ce.InProcess)
	assert.Equal(t, 1, rc.count("up"), "a concurrent update is not retried")
	assert.Zero(t, rc.count("stack output"))
}

func TestSameCustomerTwiceInOneProcessIsRefused(t *testing.T) {
	t.Parallel()
	first := previewOK(t)
	first.hold, first.started = make(chan struct{}), make(chan struct{})
	rc := newReplay(realCLI(t), map[string][]reply{"preview": {first, previewOK(t)}})
	opts := testOptions(t, rc, Preview)

	var wg sync.WaitGroup
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, firstErr = Onboard(context.Background(), contoso(t), opts)
	}()
	<-first.started
	before := len(rc.invocations(opts.WorkRoot))
	_, err := Onboard(context.Background(), contoso(t), opts)
	var ce *ConcurrentUpdateError
	require.True(t, errors.As(err, &ce), "want *ConcurrentUpdateError, got %T: %v", err, err)
	assert.True(t, ce.InProcess)
	assert.Len(t, rc.invocations(opts.WorkRoot), before, "the refused call ran no command")
	close(first.hold)
	wg.Wait()
	require.NoError(t, firstErr)

	// Once the first is done, the customer can be onboarded again.
	_, err = Onboard(context.Background(), contoso(t), opts)
	require.NoError(t, err)
}

func TestManyCustomersAreOnboardedConcurrently(t *testing.T) {
	t.Parallel()
	c1 := contoso(t)
	c2, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	c3, err := ParseCustomer([]byte(strings.Replace(acme, "id: acme", "id: fabrikam", 1)), "yaml")
	require.NoError(t, err)

	rc := newReplay(realCLI(t), map[string][]reply{"preview": {previewOK(t), previewOK(t), previewOK(t)}})
	opts := testOptions(t, rc, Preview)
	var mu sync.Mutex
	done := map[string]bool{}
	opts.OnEvent = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == EventDone {
			done[e.Stack] = true
		}
	}
	results, errs := OnboardMany(context.Background(), []*Customer{c1, c2, c3}, opts, 3)
	require.Empty(t, errs)
	require.Len(t, results, 3)
	assert.Equal(t, "ka-fabrikam", results["fabrikam"].Stack)
	assert.Equal(t, map[string]bool{"ka-contoso": true, "ka-acme": true, "ka-fabrikam": true}, done)
	assert.Equal(t, 3, rc.count("stack init"))

	// All three live side by side in the one backend.
	ws := workspaceFor(t, opts)
	stacks, err := ws.ListStacks(context.Background())
	require.NoError(t, err)
	var names []string
	for _, s := range stacks {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"ka-acme", "ka-contoso", "ka-fabrikam"}, names)
}

func TestInvalidCustomerRunsNothing(t *testing.T) {
	t.Parallel()
	rc := newReplay(realCLI(t), nil)
	c := contoso(t)
	c.Postgres = Section{"mode": "existing"}
	_, err := Onboard(context.Background(), c, testOptions(t, rc, Up))
	var ie *InvalidCustomerError
	require.True(t, errors.As(err, &ie), "want *InvalidCustomerError, got %T: %v", err, err)
	assert.Equal(t, "postgres.existing", ie.Fields[0].Field)
	assert.Empty(t, rc.invocations(""))
}

func TestOptionsAreChecked(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
	t.Setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "")
	rc := newReplay(nil, nil)
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
