package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/onboarding"
)

func runOnboard(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := onboardCommand(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestOnboardCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--customer", "examples/customers/contoso.yaml"},
		{"--customer", "examples/customers/contoso.yaml", "--preview", "--up"},
		{"--preview"},
		{"--customer", "examples/customers/contoso.yaml", "--up", "--remove"},
		{"--customer", "examples/customers/contoso.yaml", "--preview", "extra"},
	} {
		code, _, stderr := runOnboard(args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v", args)
	}
}

func TestOnboardCommandRejectsAnInvalidCustomerBeforeTouchingAnything(t *testing.T) {
	spec, err := os.ReadFile("examples/customers/contoso.yaml")
	assert.NoError(t, err)
	bad := strings.Replace(string(spec), "port: 5432", "port: 99999", 1)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	assert.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
	backend := filepath.Join(t.TempDir(), "state")

	code, _, stderr := runOnboard("--customer", path, "--up", "--backend", backend)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "postgres.existing.port: must be a port from 1 to 65535, got 99999")
	assert.Contains(t, stderr, path)
	assert.NoDirExists(t, backend, "nothing was created")
}

func TestOnboardHelpIsNotAnError(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		code, _, stderr := runOnboard(flag)
		assert.Equal(t, 0, code, flag)
		assert.Contains(t, stderr, "--expect-no-changes", flag)
	}
}

// With --json a failure is a JSON object on stdout too: a service or pipeline reads the kind,
// the fields at fault and the exit code without parsing text.
func TestOnboardJSONFailure(t *testing.T) {
	spec, err := os.ReadFile("examples/customers/contoso.yaml")
	require.NoError(t, err)
	bad := strings.Replace(string(spec), "port: 5432", "port: 99999", 1)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))

	code, stdout, stderr := runOnboard("--customer", path, "--preview", "--json")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "postgres.existing.port")
	var got failureJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, "invalid-customer", got.Kind)
	assert.Equal(t, onboarding.Preview, got.Operation)
	assert.Equal(t, []onboarding.FieldError{{Field: "postgres.existing.port", Message: "must be a port from 1 to 65535, got 99999"}}, got.Fields)
	assert.Equal(t, 1, got.ExitCode)
}

// Ctrl-C (here delivered at once) cancels the run: exit 130, and --json says "interrupted".
func TestOnboardInterruptIsReported(t *testing.T) {
	if os.Getenv(onboarding.EnvPulumiCLI) == "" {
		t.Skipf("%s is not set; run scripts/test.sh, which builds the Pulumi CLI", onboarding.EnvPulumiCLI)
	}
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse battery staple")
	signals := func() (<-chan os.Signal, func()) {
		ch := make(chan os.Signal, 1)
		ch <- os.Interrupt
		return ch, func() {}
	}
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := onboardWith(context.Background(), []string{"--customer", "examples/customers/contoso.yaml", "--preview", "--json",
		"--backend", filepath.Join(dir, "state"), "--work-dir", filepath.Join(dir, "work")}, &out, &errOut, signals)
	assert.Equal(t, exitInterrupted, code, errOut.String())
	var got failureJSON
	require.NoError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	assert.Equal(t, "interrupted", got.Kind)
	assert.Equal(t, "ka-contoso", got.Stack)
	assert.Contains(t, errOut.String(), "onboard: interrupted")
}
