package tests

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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

// meshHosts are the hosts the ServiceEntries of a plan declare, as "host:port/PROTOCOL".
func meshHosts(p *plan.Plan) []string {
	var out []string
	for _, se := range objects(p, "ServiceEntry") {
		for _, h := range listAt(se, "spec.hosts") {
			for _, port := range listAt(se, "spec.ports") {
				pm := port.(map[string]any)
				out = append(out, fmt.Sprintf("%s:%d/%s", h, toInt(pm["number"]), pm["protocol"]))
			}
		}
	}
	return out
}

// With outbound traffic REGISTRY_ONLY a sidecar reaches only declared hosts. This is every host
// the apps must reach, per cloud: their data services, the model APIs, and the cloud endpoints
// their identity needs (without which the SDKs get no credentials at all).
func TestRegistryOnlyDeclaresEveryHostTheAppsReach(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]any
		hosts  []string
	}{
		{"aws (prod)", stackValues(t, "Pulumi.prod.yaml"), []string{
			"workfx-postgres.mock.us-east-1.rds.amazonaws.com:5432/TCP", // RDS (TLS inside the Postgres protocol)
			"master.workfx-redis.mock.euc1.cache.amazonaws.com:6379/TLS",
			"b-1.mock.kafka.us-east-1.amazonaws.com:9096/TLS", "b-2.mock.kafka.us-east-1.amazonaws.com:9096/TLS",
			"b-3.mock.kafka.us-east-1.amazonaws.com:9096/TLS",
			"s3.us-east-1.amazonaws.com:443/TLS",   // the buckets' regional endpoint (BUCKET_URI_PATH)
			"*.s3.us-east-1.amazonaws.com:443/TLS", // virtual-hosted bucket names, the SDKs' default
			"sts.us-east-1.amazonaws.com:443/TLS",  // IRSA: AssumeRoleWithWebIdentity, regional
			"secretsmanager.us-east-1.amazonaws.com:443/TLS",
			"api.openai.com:443/TLS", "api.jina.ai:443/TLS",
		}},
		{"azure (dev, REGISTRY_ONLY)", func() map[string]any {
			v := deepCopy(stackValues(t, "Pulumi.dev.yaml")).(map[string]any)
			set(v, "workfx:mesh.provision.outboundTrafficPolicy", "REGISTRY_ONLY")
			return v
		}(), []string{
			"workfx-dev-pg-236696.postgres.database.azure.com:5432/TCP",
			"workfx-dev-redis-236696.eastus.redis.azure.net:10000/TLS", // Azure Managed Redis
			"workfx-dev-evh-236696.servicebus.windows.net:9093/TLS",    // Event Hubs' Kafka endpoint
			"workfxdevst236696.blob.core.windows.net:443/TLS",
			"login.microsoftonline.com:443/TLS", // workload identity tokens (storage is Entra-only)
			"workfx-dev-kv-236696.vault.azure.net:443/TLS",
			"workfx-dev-openai.openai.azure.com:443/TLS",
		}},
		{"the customer's cluster (ka-provision-mesh)", stackValues(t, "tests/testdata/stacks/ka-provision-mesh.yaml"), []string{
			"pg-workfx.contoso.internal:5432/TCP",
			"redis-workfx.contoso.internal:6380/TLS",
			"kafka-1.contoso.internal:9096/TLS", "kafka-2.contoso.internal:9096/TLS", "kafka-3.contoso.internal:9096/TLS",
			"es-workfx.contoso.internal:9200/TLS",
			"contosoworkfx.blob.core.windows.net:443/TLS",
			"contoso-openai.openai.azure.com:443/TLS",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadValues(t, c.values)
			require.NoError(t, err)
			require.Equal(t, "REGISTRY_ONLY", cfg.Mesh.Provision.OutboundTrafficPolicy)
			p := mustPlan(t, "dev", c.values)
			assert.ElementsMatch(t, c.hosts, meshHosts(p))
			for _, se := range objects(p, "ServiceEntry") {
				assert.Equal(t, []any{"."}, listAt(se, "spec.exportTo"), "%s: visible to the apps' namespace only", se.Name)
				wildcard := strings.HasPrefix(listAt(se, "spec.hosts")[0].(string), "*.")
				if wildcard {
					assert.Equal(t, "NONE", se.Str("spec.resolution"), "a wildcard is matched by SNI, not resolved")
				}
			}
		})
	}
}
