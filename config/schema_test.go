package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// Pulumi.yaml's config schema mirrors Config: every top-level key declared, typed as the program
// decodes it, and a default exactly where the program does not require the key.
func TestPulumiYAMLSchemaMirrorsTheConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	var proj struct {
		Name   string                   `yaml:"name"`
		Config map[string]projectConfig `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &proj))
	assert.Equal(t, Namespace, proj.Name, "config keys are namespaced by the project name")

	var declared []string
	for k := range proj.Config {
		declared = append(declared, k)
	}
	sort.Strings(declared)
	assert.Equal(t, Keys(), declared, "Pulumi.yaml declares exactly the program's keys")

	fields := structFields(reflect.TypeOf(Config{}))
	for key, schema := range proj.Config {
		idx, ok := fields[key]
		if !ok {
			continue
		}
		want := "object"
		if reflect.TypeOf(Config{}).Field(idx).Type.Kind() == reflect.String {
			want = "string"
		}
		assert.Equal(t, want, schema.Type, "workfx:%s", key)
	}

	// From a valid stack, dropping a key the schema gives no default is a problem naming it;
	// dropping a key with a default is not.
	base, err := ReadStackFile("..", filepath.Join("..", "Pulumi.ka.yaml"))
	require.NoError(t, err)
	_, err = Load(base.Raw)
	require.NoError(t, err)
	for key, schema := range proj.Config {
		raw := map[string]string{}
		for k, v := range base.Raw {
			raw[k] = v
		}
		delete(raw, Namespace+":"+key)
		_, err := Load(raw)
		named := false
		if cerr, ok := err.(*Error); ok {
			for _, p := range cerr.Problems {
				named = named || p.Key == Namespace+":"+key || p.Key == Namespace+":"+key+".mode"
			}
		}
		if schema.Default == nil {
			assert.True(t, named, "workfx:%s has no default in Pulumi.yaml, so the program must require it (got %v)", key, err)
		} else {
			assert.False(t, named, "workfx:%s has a default in Pulumi.yaml, yet the program requires it: %v", key, err)
		}
	}
}

// The config package is what the user writes, as plain types: it imports no Pulumi SDK (its
// tests and the fuzzer build in seconds).
func TestConfigImportsNoPulumiSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, p := range strings.Fields(string(out)) {
		assert.NotContains(t, p, "github.com/pulumi/", "config depends on %s", p)
	}
}

// nestedKeys lists every key a user can write under a section (struct fields, recursively
// through pointers, slices and maps).
func nestedKeys(t reflect.Type, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return nil
	}
	seen[t] = true
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			out = append(out, name)
			out = append(out, nestedKeys(t.Field(i).Type, seen)...)
		}
	}
	return out
}

// Pulumi.yaml describes every key of every object section: a user reading the schema (pulumi
// config, the onboarding service's form) sees all there is to set.
func TestPulumiYAMLDescribesEveryNestedKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	var proj struct {
		Config map[string]struct {
			Description string `yaml:"description"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &proj))
	ct := reflect.TypeOf(Config{})
	fields := structFields(ct)
	var keys []string
	for k := range proj.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		idx, ok := fields[key]
		if !ok {
			continue
		}
		desc := proj.Config[key].Description
		for _, nested := range nestedKeys(ct.Field(idx).Type, map[reflect.Type]bool{}) {
			word := regexp.MustCompile(`\b` + regexp.QuoteMeta(nested) + `\b`)
			assert.True(t, word.MatchString(desc), "Pulumi.yaml workfx:%s does not describe %q", key, nested)
		}
	}
}
