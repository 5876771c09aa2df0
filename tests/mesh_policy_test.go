package tests

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
)

// provisionWith is ka-provision-mesh (prod, cloud none, Istio and kube-prometheus-stack
// installed) with edits to its YAML-shaped values.
func provisionWith(t *testing.T, edits []edit) map[string]any {
	values := deepCopy(stackValues(t, "tests/testdata/stacks/ka-provision-mesh.yaml")).(map[string]any)
	for _, e := range edits {
		set(values, e.path, e.value)
	}
	return values
}

func mustPlan(t *testing.T, stack string, values map[string]any) *plan.Plan {
	t.Helper()
	p, err := planValues(t, stack, values)
	require.NoError(t, err)
	return p
}

// configProblemKeys loads values and returns the keys of the problems reported.
func configProblemKeys(t *testing.T, values map[string]any) []string {
	t.Helper()
	_, err := loadValues(t, values)
	var cerr *config.Error
	require.True(t, errors.As(err, &cerr), "expected a config error, got %v", err)
	var keys []string
	for _, p := range cerr.Problems {
		keys = append(keys, p.Key)
	}
	return keys
}

// Sampling into a mesh that has no tracing provider sends spans nowhere: the installed mesh
// has one only with a collector endpoint.
func TestTracingSamplingNeedsACollector(t *testing.T) {
	keys := configProblemKeys(t, provisionWith(t, []edit{{"workfx:mesh.tracingSamplingPercent", 5}}))
	assert.Contains(t, keys, "workfx:mesh.tracingSamplingPercent")

	p := mustPlan(t, "traced", provisionWith(t, []edit{
		{"workfx:mesh.tracingSamplingPercent", 5},
		{"workfx:mesh.provision.tracingEndpoint", "otel-collector.observability.svc.cluster.local:4317"},
	}))
	tel := p.Object("Telemetry", kaNamespace, "default")
	require.NotNil(t, tel)
	assert.EqualValues(t, 5, listAt(tel, "spec.tracing")[0].(map[string]any)["randomSamplingPercentage"])

	// A customer's mesh: its own default tracing provider receives the spans (documented).
	_, err := loadValues(t, kaWith(t, nil))
	require.NoError(t, err)
}

// The Telemetry object sets only what the stack asks for: no access-log override (the installed
// mesh follows mesh.provision.accessLog, a customer's mesh keeps its own) and no sampling rate
// when none is configured (which would force the customer's mesh to 0).
func TestTelemetryRespectsTheConfig(t *testing.T) {
	ka := planStack(t, "ka")
	tel := ka.Object("Telemetry", kaNamespace, "default")
	require.NotNil(t, tel, "ka samples 5 %")
	assert.Nil(t, mapAt(tel, "spec")["accessLogging"], "the customer's mesh keeps its access-log setting")
	assert.EqualValues(t, 5, listAt(tel, "spec.tracing")[0].(map[string]any)["randomSamplingPercentage"])

	unset := mustPlan(t, "ka-unsampled", kaWith(t, []edit{{"workfx:mesh.tracingSamplingPercent", nil}}))
	assert.Nil(t, unset.Object("Telemetry", kaNamespace, "default"), "no sampling configured: the mesh's default applies")

	quiet := mustPlan(t, "no-access-log", provisionWith(t, []edit{{"workfx:mesh.provision.accessLog", false}}))
	istiod := release(t, quiet, "istiod")
	assert.Empty(t, istiod.Str("values.meshConfig.accessLogFile"), "accessLog false: no access log file")
	for _, tel := range objects(quiet, "Telemetry") {
		assert.Nil(t, mapAt(tel, "spec")["accessLogging"], "no Telemetry turns access logs back on")
	}
	loud := mustPlan(t, "access-log", provisionWith(t, nil))
	assert.Equal(t, "/dev/stdout", release(t, loud, "istiod").Str("values.meshConfig.accessLogFile"))
}
