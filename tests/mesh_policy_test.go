package tests

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/mesh"
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

type authzSource struct {
	principals, requestPrincipals []string
	paths                         []string
}

// authzSources flattens an AuthorizationPolicy's rules into (source, paths) pairs; a rule
// without from is a source with no principal at all (anyone).
func authzSources(t *testing.T, ap *plan.Resource) []authzSource {
	t.Helper()
	strs := func(v any) []string {
		var out []string
		l, _ := v.([]any)
		for _, x := range l {
			out = append(out, x.(string))
		}
		return out
	}
	var out []authzSource
	for _, rule := range listAt(ap, "spec.rules") {
		r := rule.(map[string]any)
		var paths []string
		to, _ := r["to"].([]any)
		for _, x := range to {
			paths = append(paths, strs(x.(map[string]any)["operation"].(map[string]any)["paths"])...)
		}
		from, _ := r["from"].([]any)
		if len(from) == 0 {
			out = append(out, authzSource{paths: paths})
		}
		for _, f := range from {
			src := f.(map[string]any)["source"].(map[string]any)
			assert.Nil(t, src["namespaces"], "%s: callers are named by principal, not by namespace", ap.Name)
			out = append(out, authzSource{principals: strs(src["principals"]), requestPrincipals: strs(src["requestPrincipals"]), paths: paths})
		}
	}
	return out
}

// Every app admits exactly its named callers by ServiceAccount principal (mTLS): the public API
// the ingress gateway with a valid JWT (and, without one, its health path); Rasa Pro the WorkFX
// API; nothing else calls anything, and a namespace-wide policy denies by default.
func TestAuthorizationByServiceAccountPrincipal(t *testing.T) {
	cases := []struct {
		stack, path, gatewaySA string
	}{
		// The customer's gateway, installed with istioctl's default profile.
		{"ka", "Pulumi.ka.yaml", "istio-ingressgateway-service-account"},
		// The gateway this program installs: the gateway chart names its ServiceAccount after the release.
		{"ka-provision-mesh", "tests/testdata/stacks/ka-provision-mesh.yaml", config.InstalledGatewayServiceAccount},
	}
	for _, c := range cases {
		t.Run(c.stack, func(t *testing.T) {
			p := planFile(t, c.stack, filepath.Join(projectDir, c.path))
			gateway := "cluster.local/ns/istio-ingress/sa/" + c.gatewaySA
			api := "cluster.local/ns/workfx-ai/sa/workfx-api"

			deny := p.Object("AuthorizationPolicy", kaNamespace, "allow-nothing")
			require.NotNil(t, deny, "deny by default")
			assert.Equal(t, "ALLOW", deny.Str("spec.action"))
			assert.Empty(t, listAt(deny, "spec.rules"), "an ALLOW policy without rules matches nothing")
			assert.Equal(t, map[string]any{"app.kubernetes.io/part-of": "workfx-ai"}, mapAt(deny, "spec.selector.matchLabels"))
			for _, d := range objects(p, "Deployment") {
				assert.Equal(t, "workfx-ai", mapAt(d, "spec.template.metadata.labels")["app.kubernetes.io/part-of"], "%s is covered by the default deny", d.Name)
			}

			want := map[string][]authzSource{
				"workfx-api": {
					{principals: []string{gateway}, requestPrincipals: []string{"*"}},
					{principals: []string{gateway}, paths: []string{"/health"}},
				},
				"rasa-pro":          {{principals: []string{api}}},
				"workfx-cdc":        nil,
				"rasa-pro-services": nil,
			}
			for app, sources := range want {
				ap := p.Object("AuthorizationPolicy", kaNamespace, app)
				require.NotNil(t, ap, "%s has its own policy", app)
				assert.Equal(t, app, mapAt(ap, "spec.selector.matchLabels")["app.kubernetes.io/name"])
				assert.Equal(t, sources, authzSources(t, ap), app)
				// Every principal is a ServiceAccount the plan creates, or the gateway's.
				for _, s := range authzSources(t, ap) {
					for _, pr := range s.principals {
						if pr == gateway {
							continue
						}
						sa := pr[len("cluster.local/ns/workfx-ai/sa/"):]
						assert.NotNil(t, p.Object("ServiceAccount", kaNamespace, sa), "%s: principal %s", app, pr)
					}
				}
			}
			// The old namespace-wide and token-only rules are gone: no rule admits a source
			// without a principal.
			for _, ap := range objects(p, "AuthorizationPolicy") {
				for _, s := range authzSources(t, ap) {
					assert.NotEmpty(t, s.principals, "%s admits a caller without an identity", ap.Str("metadata.name"))
				}
			}
		})
	}

	// The call graph is config: a stack can cut Rasa Pro off, or name other callers.
	p := mustPlan(t, "ka-callers", kaWith(t, []edit{
		{"workfx:apps.rasaPro.callers", []any{}},
		{"workfx:apps.rasaProServices.callers", []any{"workfxApi", "workfxCdc"}},
	}))
	assert.Empty(t, listAt(p.Object("AuthorizationPolicy", kaNamespace, "rasa-pro"), "spec.rules"))
	assert.Equal(t, []authzSource{{principals: []string{"cluster.local/ns/workfx-ai/sa/workfx-api", "cluster.local/ns/workfx-ai/sa/workfx-cdc"}}},
		authzSources(t, p.Object("AuthorizationPolicy", kaNamespace, "rasa-pro-services")))

	for _, c := range []struct {
		edits []edit
		key   string
	}{
		{[]edit{{"workfx:apps.rasaPro.callers", []any{"workfx-api"}}}, "workfx:apps.rasaPro.callers[0]"},
		{[]edit{{"workfx:apps.rasaPro.callers", []any{"rasaPro"}}}, "workfx:apps.rasaPro.callers[0]"},
		{[]edit{{"workfx:mesh.gatewayServiceAccount", "Not A Name"}}, "workfx:mesh.gatewayServiceAccount"},
	} {
		assert.Contains(t, configProblemKeys(t, kaWith(t, c.edits)), c.key)
	}
	assert.Contains(t, configProblemKeys(t, provisionWith(t, []edit{{"workfx:mesh.gatewayServiceAccount", "my-gateway"}})),
		"workfx:mesh.gatewayServiceAccount", "the installed gateway's identity is the program's")
}

func TestInstalledGatewayServiceAccountIsTheRelease(t *testing.T) {
	assert.Equal(t, mesh.GatewayReleaseName, config.InstalledGatewayServiceAccount,
		"the gateway chart names its ServiceAccount after the release (templates/_helpers.tpl gateway.serviceAccountName)")
}
