package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// SecurePlaceholder stands for a `secure:` value, which cannot be decrypted offline.
const SecurePlaceholder = "[secure]"

// StackFile is a stack's config as the engine hands it to the program: "project:key" → value,
// structured values as JSON, plus the keys holding secrets.
type StackFile struct {
	Project    string
	Raw        map[string]string
	SecretKeys []string
}

type projectFile struct {
	Name   string                   `yaml:"name"`
	Config map[string]projectConfig `yaml:"config"`
}

type projectConfig struct {
	Type    string `yaml:"type"`
	Default any    `yaml:"default"`
}

// ReadStackFile reads Pulumi.yaml in dir (project name and schema defaults) and a stack-format
// file (Pulumi.<stack>.yaml or a synthetic one), the way the Pulumi CLI resolves them; `secure:`
// values become SecurePlaceholder (they cannot be decrypted offline).
func ReadStackFile(dir, path string) (*StackFile, error) {
	var proj projectFile
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	var sf struct {
		Config map[string]any `yaml:"config"`
	}
	if err := readYAML(path, &sf); err != nil {
		return nil, err
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
	return FromValues(proj.Name, values)
}

// FromValues builds a StackFile from YAML-shaped values (as in a stack file's `config:`),
// replacing `secure:` leaves by SecurePlaceholder and marking their keys secret.
func FromValues(project string, values map[string]any) (*StackFile, error) {
	sf := &StackFile{Project: project, Raw: map[string]string{}}
	for key, v := range values {
		clean, secret := stripSecure(v)
		if secret {
			sf.SecretKeys = append(sf.SecretKeys, key)
		}
		switch x := clean.(type) {
		case string:
			sf.Raw[key] = x
		case map[string]any, []any:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("config %s: %w", key, err)
			}
			sf.Raw[key] = string(b)
		default:
			sf.Raw[key] = fmt.Sprint(x)
		}
	}
	sort.Strings(sf.SecretKeys)
	return sf, nil
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
