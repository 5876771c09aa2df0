package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestImageRegistryOverride(t *testing.T) {
	for _, tc := range []struct{ registry, repo, want string }{
		{"", "workfx-ai/workfx-api", "workfx-ai/workfx-api:1.0"},
		{"contoso.azurecr.io", "workfx-ai/workfx-api", "contoso.azurecr.io/workfx-ai/workfx-api:1.0"},
		// A repository that names its registry has the registry replaced, the path kept.
		{"contoso.azurecr.io", "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro", "contoso.azurecr.io/rasa-releases/rasa-pro/rasa-pro:1.0"},
		{"mirror.local:5000/base", "localhost/app", "mirror.local:5000/base/app:1.0"},
		{"mirror.local:5000", "registry:5000/team/app", "mirror.local:5000/team/app:1.0"},
	} {
		assert.Equal(t, tc.want, image(tc.registry, ImageConfig{Repository: tc.repo, Tag: "1.0"}), "%s + %s", tc.registry, tc.repo)
	}
}
