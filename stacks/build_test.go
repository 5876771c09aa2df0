package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/workfx/workfx-platform/config"
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
		assert.Equal(t, tc.want, image(tc.registry, config.ImageConfig{Repository: tc.repo, Tag: "1.0"}), "%s + %s", tc.registry, tc.repo)
	}
}

func TestGatewayAnnotationsStackWins(t *testing.T) {
	internal := false
	cfg := &config.Config{Cloud: "aws", Environment: "prod", Mesh: config.MeshConfig{Mode: config.ModeProvision,
		Provision: &config.MeshProvisionConfig{Gateway: config.GatewayProvisionConfig{ServiceType: "LoadBalancer", Internal: &internal}}}}
	cfg.Mesh.Provision.Gateway.Annotations = map[string]string{
		"service.beta.kubernetes.io/aws-load-balancer-type": "external",
		"external-dns.alpha.kubernetes.io/hostname":         "api.example.com",
	}
	got := gatewayAnnotations(cfg)
	assert.Equal(t, "external", got["service.beta.kubernetes.io/aws-load-balancer-type"])
	assert.Equal(t, "api.example.com", got["external-dns.alpha.kubernetes.io/hostname"])

	cfg.Mesh.Provision.Gateway.ServiceType = "ClusterIP"
	cfg.Mesh.Provision.Gateway.Annotations = nil
	assert.Nil(t, gatewayAnnotations(cfg), "no load-balancer annotations on a ClusterIP Service")
}
