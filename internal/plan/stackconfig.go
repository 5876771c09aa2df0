package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// SecurePlaceholder stands for a `secure:` value, which cannot be decrypted offline.
const SecurePlaceholder = "[secure]"

// StackConfig is a stack's config as the engine hands it to the program: "project:key" → value,
// structured values as JSON, plus the keys holding secrets.
type StackConfig struct {
	Project    string
	Stack      string
	Raw        map[string]string
	SecretKeys []string
}

type projectFile struct {
	Name   string                   `yaml:"name"`
	Config map[string]projectConfig `yaml:"config"`
}

type projectConfig struct {
	Default any `yaml:"default"`
}

type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// LoadStackConfig reads Pulumi.yaml (project name and schema defaults) and Pulumi.<stack>.yaml
// from dir, the way the Pulumi CLI resolves them.
func LoadStackConfig(dir, stack string) (*StackConfig, error) {
	return LoadStackFile(dir, stack, filepath.Join(dir, "Pulumi."+stack+".yaml"))
}

// LoadStackFile is LoadStackConfig for a stack-format file anywhere (the synthetic configs of
// tests/testdata/stacks use it).
func LoadStackFile(dir, stack, path string) (*StackConfig, error) {
	var proj projectFile
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	var sf stackFile
	if err := readYAML(path, &sf); err != nil {
		return nil, fmt.Errorf("stack %q: %w", stack, err)
	}
	values := map[string]any{}
	for key, schema := range proj.Config {
		if schema.Default != nil {
			values[qualify(proj.Name, key)] = schema.Default
		}
	}
	for key, v := range sf.Config {
		values[qualify(proj.Name, key)] = v
	}
	return FromValues(proj.Name, stack, values)
}

// FromValues builds a StackConfig from YAML-shaped values (as in a stack file's `config:`),
// replacing `secure:` leaves by SecurePlaceholder and marking their keys secret.
func FromValues(project, stack string, values map[string]any) (*StackConfig, error) {
	sc := &StackConfig{Project: project, Stack: stack, Raw: map[string]string{}}
	for key, v := range values {
		clean, secret := stripSecure(v)
		if secret {
			sc.SecretKeys = append(sc.SecretKeys, key)
		}
		switch x := clean.(type) {
		case string:
			sc.Raw[key] = x
		case map[string]any, []any:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("config %s: %w", key, err)
			}
			sc.Raw[key] = string(b)
		default:
			sc.Raw[key] = fmt.Sprint(x)
		}
	}
	sort.Strings(sc.SecretKeys)
	return sc, nil
}

// Option sets the config into the mock run.
func (sc *StackConfig) Option() pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = sc.Raw
		info.ConfigSecretKeys = sc.SecretKeys
	}
}

func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// stripSecure replaces {secure: ciphertext} by the placeholder and reports whether any was found.
func stripSecure(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["secure"]; ok && len(x) == 1 {
			return SecurePlaceholder, true
		}
		out := map[string]any{}
		secret := false
		for k, e := range x {
			c, s := stripSecure(e)
			out[k] = c
			secret = secret || s
		}
		return out, secret
	case []any:
		out := make([]any, len(x))
		secret := false
		for i, e := range x {
			c, s := stripSecure(e)
			out[i] = c
			secret = secret || s
		}
		return out, secret
	}
	return v, false
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
