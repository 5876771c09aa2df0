package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadStackConfigMergesDefaultsAndMasksSecureValues(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("Pulumi.yaml", "name: workfx\nruntime: go\nconfig:\n  cloud:\n    type: string\n    default: none\n  mesh:\n    type: object\n    default: {}\n")
	write("Pulumi.s.yaml", `config:
  workfx:environment: dev
  workfx:postgres:
    mode: existing
    existing:
      port: 5432
      password:
        secure: v1:abc
  kubernetes:context: k
  workfx:token:
    secure: v1:def
`)
	sc, err := LoadStackConfig(dir, "s")
	require.NoError(t, err)
	assert.Equal(t, "none", sc.Raw["workfx:cloud"], "schema default")
	assert.Equal(t, "{}", sc.Raw["workfx:mesh"])
	assert.Equal(t, "dev", sc.Raw["workfx:environment"])
	assert.JSONEq(t, `{"mode":"existing","existing":{"port":5432,"password":"[secure]"}}`, sc.Raw["workfx:postgres"])
	assert.Equal(t, SecurePlaceholder, sc.Raw["workfx:token"])
	assert.Equal(t, "k", sc.Raw["kubernetes:context"])
	assert.Equal(t, []string{"workfx:postgres", "workfx:token"}, sc.SecretKeys)
}
