package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
