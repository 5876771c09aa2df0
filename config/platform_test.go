package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseChartRepository(t *testing.T) {
	for _, c := range []struct {
		in, http, oci string
		ok            bool
	}{
		{"https://charts.example.com/stable/", "https://charts.example.com/stable", "", true},
		{"http://charts.internal:8080", "http://charts.internal:8080", "", true},
		{"oci://registry.internal:5000/helm", "", "oci://registry.internal:5000/helm", true},
		{"oci://registry.internal", "", "oci://registry.internal", true},
		{"ftp://charts.example.com", "", "", false},
		{"charts.example.com", "", "", false},
		{"https://user:secret@charts.example.com", "", "", false},
		{"https://charts.example.com/?token=x", "", "", false},
		{"oci://Registry Internal/x", "", "", false},
	} {
		h, o, err := ParseChartRepository(c.in)
		if !c.ok {
			assert.Error(t, err, c.in)
			continue
		}
		assert.NoError(t, err, c.in)
		assert.Equal(t, c.http, h, c.in)
		assert.Equal(t, c.oci, o, c.in)
	}
}

func TestDurationMS(t *testing.T) {
	assert.Equal(t, 30000, DurationMS("30s"))
	assert.Equal(t, 500, DurationMS("500ms"))
	assert.Equal(t, 120000, DurationMS("2m"))
}

func TestPlatformDefaultsPerCloudAndEnvironment(t *testing.T) {
	for _, c := range []struct {
		cloud, env, class, retention, policy string
	}{
		{"azure", "prod", "managed-csi-premium", "15d", "REGISTRY_ONLY"},
		{"azure", "dev", "managed-csi", "3d", "ALLOW_ANY"},
		{"aws", "prod", "gp2", "15d", "REGISTRY_ONLY"},
		{"none", "dev", "", "3d", "ALLOW_ANY"},
	} {
		cfg := &Config{Cloud: c.cloud, Environment: c.env, Mesh: MeshConfig{Mode: ModeProvision}, Monitoring: MonitoringConfig{Mode: ModeProvision}}
		applyDefaults(cfg)
		assert.Equal(t, c.class, *cfg.Monitoring.Provision.StorageClass, "%s/%s", c.cloud, c.env)
		assert.Equal(t, c.retention, cfg.Monitoring.Provision.Retention, "%s/%s", c.cloud, c.env)
		assert.Equal(t, c.policy, cfg.Mesh.Provision.OutboundTrafficPolicy, "%s/%s", c.cloud, c.env)
	}
	// Modes other than provision get no provision settings (and none are rendered).
	cfg := &Config{Cloud: "none", Environment: "dev", Mesh: MeshConfig{Mode: ModeExisting}}
	applyDefaults(cfg)
	assert.Nil(t, cfg.Mesh.Provision)
	assert.Nil(t, cfg.Monitoring.Provision)
}
