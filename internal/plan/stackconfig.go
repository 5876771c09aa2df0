package plan

import (
	"fmt"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// SecurePlaceholder stands for a `secure:` value, which cannot be decrypted offline.
const SecurePlaceholder = config.SecurePlaceholder

// StackConfig is a stack's config as the engine hands it to the program: "project:key" → value,
// structured values as JSON, plus the keys holding secrets.
type StackConfig struct {
	Project    string
	Stack      string
	Raw        map[string]string
	SecretKeys []string
}

// LoadStackConfig reads Pulumi.yaml (project name and schema defaults) and Pulumi.<stack>.yaml
// from dir, the way the Pulumi CLI resolves them.
func LoadStackConfig(dir, stack string) (*StackConfig, error) {
	return LoadStackFile(dir, stack, filepath.Join(dir, "Pulumi."+stack+".yaml"))
}

// LoadStackFile is LoadStackConfig for a stack-format file anywhere (the synthetic configs of
// tests/testdata/stacks use it).
func LoadStackFile(dir, stack, path string) (*StackConfig, error) {
	sf, err := config.ReadStackFile(dir, path)
	if err != nil {
		return nil, fmt.Errorf("stack %q: %w", stack, err)
	}
	return &StackConfig{Project: sf.Project, Stack: stack, Raw: sf.Raw, SecretKeys: sf.SecretKeys}, nil
}

// FromValues builds a StackConfig from YAML-shaped values (as in a stack file's `config:`),
// replacing `secure:` leaves by SecurePlaceholder and marking their keys secret.
func FromValues(project, stack string, values map[string]any) (*StackConfig, error) {
	sf, err := config.FromValues(project, values)
	if err != nil {
		return nil, err
	}
	return &StackConfig{Project: project, Stack: stack, Raw: sf.Raw, SecretKeys: sf.SecretKeys}, nil
}

// Option sets the config into the mock run.
func (sc *StackConfig) Option() pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = sc.Raw
		info.ConfigSecretKeys = sc.SecretKeys
	}
}
