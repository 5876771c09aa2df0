package onboarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/workfx/workfx-platform/config"
)

// These tests drive the real Pulumi CLI against a file backend in a temp dir, for what needs no
// cluster (stack and config handling, listing, locking, offboarding an empty stack); the engine
// runs are in onboard_test.go.

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// workspaceFor opens a plain workspace on the test's backend, to look at what Onboard left.
func workspaceFor(t *testing.T, opts Options) auto.Workspace {
	t.Helper()
	o, err := opts.withDefaults()
	require.NoError(t, err)
	ws, err := auto.NewLocalWorkspace(context.Background(), auto.WorkDir(t.TempDir()),
		auto.EnvVars(o.EnvVars), auto.PulumiHome(o.PulumiHome), auto.Pulumi(o.Command),
		auto.Project(projectSettings()))
	require.NoError(t, err)
	return ws
}

// configure creates the customer's stack and applies its config, as Onboard does before it runs
// an operation.
func configure(t *testing.T, c *Customer, opts Options) auto.Stack {
	t.Helper()
	opts.Operation = Up // creates the stack when missing
	o, err := opts.withDefaults()
	require.NoError(t, err)
	s, err := openStack(context.Background(), c.StackName(), o)
	require.NoError(t, err)
	require.NoError(t, applyConfig(context.Background(), s, c, o.Command))
	return s
}

func TestRealCLIStoresTheSpecAsStackConfig(t *testing.T) {
	t.Parallel()
	c, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	opts := testOptions(t, realCLI(t), Up)
	s := configure(t, c, opts)

	// The stack file holds exactly the credentials as ciphertext, and no credential in clear.
	stackFile := filepath.Join(s.Workspace().WorkDir(), "Pulumi.ka-acme.yaml")
	assert.True(t, strings.HasPrefix(stackFile, opts.WorkRoot))
	b, err := os.ReadFile(stackFile)
	require.NoError(t, err)
	for _, secret := range []string{"pg-s3cret", "kafka-s3cret", "sk-llm", "kind: Config"} {
		assert.NotContains(t, string(b), secret)
	}
	var file struct {
		Salt   string         `yaml:"encryptionsalt"`
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &file))
	assert.NotEmpty(t, file.Salt, "the passphrase provider's salt is kept in the workspace")
	var securePaths []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if _, secure := m["secure"]; secure && len(m) == 1 {
			securePaths = append(securePaths, path)
			return
		}
		for k, e := range m {
			walk(path+"."+k, e)
		}
	}
	for k, v := range file.Config {
		walk(k, v)
	}
	sort.Strings(securePaths)
	assert.Equal(t, []string{
		"workfx:cluster.existing.kubeconfig",
		"workfx:credentials.llmApiKey",
		"workfx:kafka.existing.password",
		"workfx:postgres.existing.password",
	}, securePaths)

	// Read back through the CLI: the program would load the very config the spec describes.
	got, err := s.GetAllConfig(context.Background())
	require.NoError(t, err)
	raw := map[string]string{}
	var secretKeys []string
	for k, v := range got {
		raw[k] = v.Value
		if v.Secret {
			secretKeys = append(secretKeys, k)
		}
	}
	sort.Strings(secretKeys)
	assert.Equal(t, c.SecretKeys(), secretKeys)
	want, err := c.RawConfig()
	require.NoError(t, err)
	wantCfg, err := config.Load(want)
	require.NoError(t, err)
	gotCfg, err := config.Load(raw)
	require.NoError(t, err)
	assert.Equal(t, wantCfg, gotCfg)
	assert.Equal(t, "3", gotCfg.Apps.WorkfxAPI.Image.Tag, "a numeric-looking tag survives the CLI's typing")
	assert.Equal(t, "pg-s3cret", string(gotCfg.Postgres.Existing.Password))
	// Read back, the stored config is recognised as the spec's: re-onboarding an unchanged
	// customer writes no config (each write is a CLI run).
	upToDate, err := configUpToDate(got, c)
	require.NoError(t, err)
	assert.True(t, upToDate, "the CLI's round trip of the spec compares equal")

	// A changed spec replaces the config: the inline password gives way to a reference
	// without leaving the old leaf behind.
	c.Postgres["existing"].(map[string]any)["passwordRef"] = map[string]any{"secretName": "acme-postgres", "key": "password"}
	delete(c.Postgres["existing"].(map[string]any), "password")
	require.NoError(t, c.Validate())
	upToDate, err = configUpToDate(got, c)
	require.NoError(t, err)
	assert.False(t, upToDate, "a changed spec is written")
	s = configure(t, c, opts)
	got, err = s.GetAllConfig(context.Background())
	require.NoError(t, err)
	raw = map[string]string{}
	for k, v := range got {
		raw[k] = v.Value
	}
	gotCfg, err = config.Load(raw)
	require.NoError(t, err)
	assert.False(t, gotCfg.Postgres.Existing.Password.IsSet())
	require.NotNil(t, gotCfg.Postgres.Existing.PasswordRef)
	assert.Equal(t, "acme-postgres", gotCfg.Postgres.Existing.PasswordRef.SecretName)
	assert.False(t, got["workfx:postgres"].Secret, "no credential left in workfx:postgres")
}

func TestRealCLIListsCustomerStacks(t *testing.T) {
	t.Parallel()
	cli := realCLI(t)
	opts := testOptions(t, cli, Up)
	for _, id := range []string{"acme", "fabrikam"} {
		c, err := ParseCustomer([]byte(strings.Replace(acme, "id: acme", "id: "+id, 1)), "yaml")
		require.NoError(t, err)
		configure(t, c, opts)
	}
	list, err := workspaceFor(t, opts).ListStacks(context.Background())
	require.NoError(t, err)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"ka-acme", "ka-fabrikam"}, names)
}

// A lock file in the backend, as a running `pulumi up` elsewhere leaves it: the real CLI refuses
// to touch the stack, and Onboard says so with its typed error instead of retrying.
func TestRealCLILockedStackAndOffboarding(t *testing.T) {
	t.Parallel()
	c, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	rc := record(realCLI(t))
	opts := testOptions(t, rc, Destroy)
	configure(t, c, opts)

	lockDir := filepath.Join(strings.TrimPrefix(mustBackend(t, opts), "file://"), ".pulumi", "locks", "organization", "workfx", "ka-acme")
	require.NoError(t, os.MkdirAll(lockDir, 0o700))
	lock := filepath.Join(lockDir, "6f1c2d3e-0000-4000-8000-000000000001.json")
	require.NoError(t, os.WriteFile(lock, []byte(`{"pid":4182,"username":"deploy","hostname":"ci-runner-7","timestamp":"2026-11-22T04:12:09Z"}`), 0o600))

	_, err = Onboard(context.Background(), c, opts)
	var ce *ConcurrentUpdateError
	require.True(t, errors.As(err, &ce), "want *ConcurrentUpdateError, got %T: %v", err, err)
	assert.False(t, ce.InProcess)
	assert.Contains(t, ce.Err.Error(), "ci-runner-7")
	assert.Equal(t, 1, rc.count("destroy"), "not retried")

	// The other update is over: offboarding runs (nothing was deployed, so nothing to delete)
	// and removes the stack.
	require.NoError(t, os.Remove(lock))
	opts.RemoveStack = true
	res, err := Onboard(context.Background(), c, opts)
	require.NoError(t, err)
	assert.Equal(t, Destroy, res.Operation)
	list, err := workspaceFor(t, opts).ListStacks(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list)

	// Offboarding a customer that is not there is an error, not a new empty stack.
	_, err = Onboard(context.Background(), c, opts)
	assert.True(t, errors.Is(err, ErrStackNotFound), "got %v", err)
	list, err = workspaceFor(t, opts).ListStacks(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list)
}

func mustBackend(t *testing.T, opts Options) string {
	o, err := opts.withDefaults()
	require.NoError(t, err)
	return o.Backend
}

// No credential of the spec, the customer's kubeconfig included, reaches a command line, which
// any local user can read (/proc/PID/cmdline, ps): a wrapper in front of the real CLI logs every
// command line Onboard runs, and no secret value is in it. Configuring twice covers both a new
// stack and replacing an existing stack's config.
func TestNoSecretValueOnAnyCommandLine(t *testing.T) {
	t.Parallel()
	realCLI(t)
	bin, err := exec.LookPath(os.Getenv(EnvPulumiCLI))
	require.NoError(t, err)
	dir := t.TempDir()
	log, wrapper := filepath.Join(dir, "argv.log"), filepath.Join(dir, "pulumi")
	require.NoError(t, os.WriteFile(wrapper, []byte(fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %q\nexec %q \"$@\"\n", log, bin)), 0o700))
	cmd, err := NewCommand(wrapper, CommandOptions{})
	require.NoError(t, err)

	c, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	opts := testOptions(t, cmd, Up)
	configure(t, c, opts)
	configure(t, c, opts)

	b, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := string(b)
	secrets := 0
	for key, v := range c.ConfigValues() {
		if v.Secret {
			secrets++
			assert.NotContains(t, lines, v.Value, "the value of %s is on a command line", key)
			assert.Contains(t, lines, "config set --secret --path --stack ka-acme "+key+" --non-interactive\n", "set from standard input")
		}
	}
	assert.Equal(t, 4, secrets, "acme's credentials: kubeconfig, LLM key, Kafka and Postgres passwords")
	assert.Contains(t, lines, "config set-all --stack ka-acme --path --plaintext", "the plain values, on the command line")
}
