package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
)

// Seed 003: the gateway answers browsers with HSTS (by default, one year) and, for the origins a
// stack lists, CORS, on the public API's route only.
func TestPublicRouteSendsHSTSAndCORS(t *testing.T) {
	p := planStack(t, "ka")
	api := p.Object("VirtualService", kaNamespace, "workfx-api")
	require.NotNil(t, api)
	route := listAt(api, "spec.http")[0].(map[string]any)
	assert.Equal(t, map[string]any{"response": map[string]any{"set": map[string]any{"Strict-Transport-Security": "max-age=31536000"}}},
		route["headers"], "HSTS by default")
	assert.Nil(t, route["corsPolicy"], "no origin is allowed unless the stack lists it")
	for _, app := range []string{"workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		if vs := p.Object("VirtualService", kaNamespace, app); vs != nil {
			r := listAt(vs, "spec.http")[0].(map[string]any)
			assert.Nil(t, r["headers"], "%s is not behind the gateway", app)
			assert.Nil(t, r["corsPolicy"], app)
		}
	}

	p = mustPlan(t, "ka-cors", kaWith(t, []edit{
		{"workfx:mesh.hsts", map[string]any{"maxAgeSeconds": 63072000, "includeSubDomains": true}},
		{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://console.contoso.com"}, "allowCredentials": true}},
	}))
	route = listAt(p.Object("VirtualService", kaNamespace, "workfx-api"), "spec.http")[0].(map[string]any)
	assert.Equal(t, "max-age=63072000; includeSubDomains",
		route["headers"].(map[string]any)["response"].(map[string]any)["set"].(map[string]any)["Strict-Transport-Security"])
	assert.Equal(t, map[string]any{
		"allowOrigins":     []any{map[string]any{"exact": "https://console.contoso.com"}},
		"allowMethods":     []any{"GET", "POST", "PUT", "PATCH", "DELETE"},
		"allowHeaders":     []any{"authorization", "content-type"},
		"maxAge":           "24h",
		"allowCredentials": true,
	}, route["corsPolicy"])

	p = mustPlan(t, "ka-no-hsts", kaWith(t, []edit{{"workfx:mesh.hsts.maxAgeSeconds", 0}}))
	route = listAt(p.Object("VirtualService", kaNamespace, "workfx-api"), "spec.http")[0].(map[string]any)
	assert.Nil(t, route["headers"], "maxAgeSeconds 0 sends no header")
}

func TestEdgeValidation(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		key   string
	}{
		{"hsts negative", []edit{{"workfx:mesh.hsts.maxAgeSeconds", -1}}, "workfx:mesh.hsts.maxAgeSeconds"},
		{"no origins", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{}}}}, "workfx:mesh.cors.allowOrigins"},
		{"origin with path", []edit{{"workfx:mesh.cors.allowOrigins", []any{"https://console.contoso.com/app"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"wildcard origin", []edit{{"workfx:mesh.cors.allowOrigins", []any{"https://*.contoso.com"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"http origin in prod", []edit{{"workfx:mesh.cors.allowOrigins", []any{"http://console.contoso.com"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"method", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "allowMethods": []any{"FETCH"}}}}, "workfx:mesh.cors.allowMethods[0]"},
		{"header", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "allowHeaders": []any{"x bad"}}}}, "workfx:mesh.cors.allowHeaders[0]"},
		{"max age", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "maxAge": "7d"}}}, "workfx:mesh.cors.maxAge"},
		{"without a mesh", []edit{{"workfx:mesh", map[string]any{"mode": "disabled", "cors": map[string]any{"allowOrigins": []any{"https://a.contoso.com"}}}}}, "workfx:mesh.cors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Contains(t, configProblemKeys(t, kaWith(t, c.edits)), c.key)
		})
	}
}

// Seed 003: the apps' namespace has a ResourceQuota and a LimitRange. The quota admits what the
// Deployments and their HPAs can ask for at their maximum, during a rollout (one surge pod), with
// the sidecar Istio injects into every pod, read from the rendered objects.
func TestNamespaceQuotaAdmitsTheAppsAtTheirMaximum(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			ns := "workfx-ai"
			quota := p.Object("ResourceQuota", ns, "workfx-ai")
			require.NotNil(t, quota, "the namespace this program creates gets a quota")
			hard := mapAt(quota, "spec.hard")
			limits := listAt(p.Object("LimitRange", ns, "workfx-ai"), "spec.limits")[0].(map[string]any)
			assert.Equal(t, "Container", limits["type"])
			assert.Equal(t, map[string]any{"cpu": "100m", "memory": "128Mi"}, limits["defaultRequest"])
			assert.Equal(t, map[string]any{"cpu": "500m", "memory": "512Mi"}, limits["default"])

			need := map[string]float64{}
			pods := 0
			parse := func(v any, cpu bool) float64 {
				f, err := config.ParseQuantity(v.(string), cpu)
				require.NoError(t, err)
				return f
			}
			for _, d := range objects(p, "Deployment") {
				if d.Str("metadata.namespace") != ns {
					continue
				}
				count := func(v any) int {
					switch x := v.(type) {
					case float64:
						return int(x)
					case int:
						return x
					case int64:
						return int(x)
					}
					t.Fatalf("not a count: %#v", v)
					return 0
				}
				var n int
				if hpa := p.Object("HorizontalPodAutoscaler", ns, d.Str("metadata.name")); hpa != nil {
					n = count(mapAt(hpa, "spec")["maxReplicas"])
				} else {
					n = count(mapAt(d, "spec")["replicas"])
				}
				n++ // the rollout's surge pod
				pods += n
				for _, c := range listAt(d, "spec.template.spec.containers") {
					r := c.(map[string]any)["resources"].(map[string]any)
					for _, kind := range []string{"requests", "limits"} {
						need[kind+".cpu"] += float64(n) * parse(r[kind].(map[string]any)["cpu"], true)
						need[kind+".memory"] += float64(n) * parse(r[kind].(map[string]any)["memory"], false)
					}
				}
				// Istio's injected proxy (global.proxy.resources).
				need["requests.cpu"] += float64(n) * 100
				need["requests.memory"] += float64(n) * (128 << 20)
				need["limits.cpu"] += float64(n) * 2000
				need["limits.memory"] += float64(n) * (1 << 30)
			}
			require.Greater(t, pods, 0)
			for k, v := range need {
				assert.GreaterOrEqual(t, parse(hard[k], strings.HasSuffix(k, ".cpu")), v, "%s admits every app at its maximum", k)
			}
			assert.GreaterOrEqual(t, parse(hard["pods"], true)/1000, float64(pods))
		})
	}

	// A customer's namespace keeps the customer's quota unless the stack asks for one.
	ka := planStack(t, "ka")
	assert.Nil(t, ka.Object("ResourceQuota", kaNamespace, "workfx-ai"))
	assert.Nil(t, ka.Object("LimitRange", kaNamespace, "workfx-ai"))
	on := mustPlan(t, "ka-quota", kaWith(t, []edit{{"workfx:cluster.quota", map[string]any{"enabled": true, "pods": 40}}}))
	require.NotNil(t, on.Object("ResourceQuota", kaNamespace, "workfx-ai"))
	assert.Equal(t, "40", mapAt(on.Object("ResourceQuota", kaNamespace, "workfx-ai"), "spec.hard")["pods"])
}

func TestQuotaValidation(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		key   string
	}{
		{"below the apps", []edit{{"workfx:cluster.quota", map[string]any{"enabled": true, "limits": map[string]any{"cpu": "4"}}}}, "workfx:cluster.quota.limits.cpu"},
		{"too few pods", []edit{{"workfx:cluster.quota", map[string]any{"enabled": true, "pods": 3}}}, "workfx:cluster.quota.pods"},
		{"quantity", []edit{{"workfx:cluster.quota", map[string]any{"defaultLimit": map[string]any{"memory": "lots"}}}}, "workfx:cluster.quota.defaultLimit.memory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Contains(t, configProblemKeys(t, kaWith(t, c.edits)), c.key)
		})
	}
}

// sidecarHosts are the egress hosts of an app's Sidecar.
func sidecarHosts(t *testing.T, p *plan.Plan, ns, app string) []string {
	t.Helper()
	sc := p.Object("Sidecar", ns, app)
	require.NotNil(t, sc, "%s has a Sidecar", app)
	// networking.v1alpha3.WorkloadSelector is {labels}: the real-cluster suite's CRD schema refuses matchLabels.
	assert.Equal(t, map[string]any{"app.kubernetes.io/name": app}, mapAt(sc, "spec.workloadSelector.labels"))
	var out []string
	for _, h := range listAt(sc, "spec.egress")[0].(map[string]any)["hosts"].([]any) {
		out = append(out, h.(string))
	}
	return out
}

// Seed 003: each app's proxy is configured with what it reaches only (its Sidecar): the apps
// it calls, every dependency (in prod each ServiceEntry the REGISTRY_ONLY mesh declares), the
// Istio namespace; no other app of the namespace.
func TestSidecarScopesEachAppsEgress(t *testing.T) {
	p := planStack(t, "prod")
	ns := "workfx-ai"
	var declared []string
	for _, se := range objects(p, "ServiceEntry") {
		for _, h := range listAt(se, "spec.hosts") {
			declared = append(declared, "*/"+h.(string))
		}
	}
	require.NotEmpty(t, declared)
	api := sidecarHosts(t, p, ns, "workfx-api")
	assert.Subset(t, api, declared, "every declared dependency stays reachable")
	assert.Contains(t, api, "istio-system/*")
	assert.Contains(t, api, "./rasa-pro.workfx-ai.svc.cluster.local", "the WorkFX API calls Rasa Pro")
	for _, app := range []string{"workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		if p.Object("Deployment", ns, app) == nil {
			continue
		}
		hosts := sidecarHosts(t, p, ns, app)
		assert.Subset(t, hosts, declared, app)
		for _, h := range hosts {
			assert.NotContains(t, h, ".workfx-ai.svc", "%s calls no other app", app)
		}
	}

	// The customer's mesh: the dependencies by host name in any namespace (their in-mesh
	// database, their ServiceEntries), and the stack's own entries.
	ka := mustPlan(t, "ka-egress", kaWith(t, []edit{{"workfx:mesh.egressHosts", []any{"payments/ledger.payments.svc.cluster.local"}}}))
	cfg, err := loadValues(t, kaWith(t, nil))
	require.NoError(t, err)
	hosts := sidecarHosts(t, ka, kaNamespace, "workfx-api")
	assert.Contains(t, hosts, "*/"+cfg.Postgres.Existing.Host)
	assert.Contains(t, hosts, "*/"+cfg.Redis.Existing.Host)
	assert.Contains(t, hosts, "payments/ledger.payments.svc.cluster.local")

	// A mesh that traces keeps its collector.
	dev := planFile(t, "dev-azure-provision", filepath.Join(projectDir, "tests", "testdata", "stacks", "dev-azure-provision.yaml"))
	devCfg := stackValues(t, "tests/testdata/stacks/dev-azure-provision.yaml")
	ep := devCfg["workfx:mesh"].(map[string]any)["provision"].(map[string]any)["tracingEndpoint"].(string)
	host, _, _ := strings.Cut(ep, ":")
	assert.Contains(t, sidecarHosts(t, dev, "workfx-ai", "workfx-api"), "*/"+host)

	assert.Contains(t, configProblemKeys(t, kaWith(t, []edit{{"workfx:mesh.egressHosts", []any{"ledger.payments"}}})), "workfx:mesh.egressHosts[0]")
}

// Seed 003: the installed gateway rate-limits the API host, per gateway pod (Envoy's local rate
// limit); the filter carries no bucket of its own, so the gateway's other hosts are untouched.
func TestGatewayRateLimitsTheAPIHost(t *testing.T) {
	p := planStack(t, "prod")
	cfg, err := loadValues(t, stackValues(t, "Pulumi.prod.yaml"))
	require.NoError(t, err)
	ef := p.Object("EnvoyFilter", cfg.Mesh.GatewayNamespace, "workfx-ai-ratelimit")
	require.NotNil(t, ef, "an EnvoyFilter applies to the workloads of its own namespace: the gateway's")
	assert.Equal(t, "kubernetes:networking.istio.io/v1alpha3:EnvoyFilter", ef.Type)
	sel := mapAt(ef, "spec.workloadSelector.labels")
	for k, v := range cfg.Mesh.GatewaySelector {
		assert.Equal(t, v, sel[k])
	}
	patches := listAt(ef, "spec.configPatches")
	require.Len(t, patches, 2)
	insert := patches[0].(map[string]any)
	assert.Equal(t, "HTTP_FILTER", insert["applyTo"])
	filter := insert["patch"].(map[string]any)["value"].(map[string]any)
	assert.Equal(t, "envoy.filters.http.local_ratelimit", filter["name"])
	assert.NotContains(t, filter["typed_config"].(map[string]any)["value"], "token_bucket", "no limit outside the API host")

	vhost := patches[1].(map[string]any)
	assert.Equal(t, "VIRTUAL_HOST", vhost["applyTo"])
	assert.Equal(t, cfg.Mesh.Host+":443", vhost["match"].(map[string]any)["routeConfiguration"].(map[string]any)["vhost"].(map[string]any)["name"])
	perFilter := vhost["patch"].(map[string]any)["value"].(map[string]any)["typed_per_filter_config"].(map[string]any)["envoy.filters.http.local_ratelimit"].(map[string]any)
	assert.Equal(t, "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", perFilter["type_url"])
	bucket := perFilter["value"].(map[string]any)["token_bucket"].(map[string]any)
	assert.EqualValues(t, 100, bucket["tokens_per_fill"])
	assert.EqualValues(t, 200, bucket["max_tokens"])
	assert.Equal(t, "1s", bucket["fill_interval"])
	assert.True(t, p.DependsOn(ef, release(t, p, "istio-ingressgateway")), "after the gateway's namespace and istiod's webhook")

	// A customer's gateway: theirs to turn on.
	assert.Empty(t, objects(planStack(t, "ka"), "EnvoyFilter"))
	ka := mustPlan(t, "ka-ratelimit", kaWith(t, []edit{{"workfx:mesh.rateLimit", map[string]any{"enabled": true, "requests": 20, "interval": "1m"}}}))
	kaCfg, err := loadValues(t, kaWith(t, nil))
	require.NoError(t, err)
	ef = ka.Object("EnvoyFilter", kaCfg.Mesh.GatewayNamespace, "workfx-ai-ratelimit")
	require.NotNil(t, ef)
	bucket = listAt(ef, "spec.configPatches")[1].(map[string]any)["patch"].(map[string]any)["value"].(map[string]any)["typed_per_filter_config"].(map[string]any)["envoy.filters.http.local_ratelimit"].(map[string]any)["value"].(map[string]any)["token_bucket"].(map[string]any)
	assert.EqualValues(t, 20, bucket["tokens_per_fill"])
	assert.EqualValues(t, 40, bucket["max_tokens"])
	assert.Equal(t, "1m", bucket["fill_interval"])

	for path, key := range map[string]string{
		"workfx:mesh.rateLimit.requests": "workfx:mesh.rateLimit.requests",
		"workfx:mesh.rateLimit.interval": "workfx:mesh.rateLimit.interval",
	} {
		var value any = -1
		if key == "workfx:mesh.rateLimit.interval" {
			value = "10ms"
		}
		assert.Contains(t, configProblemKeys(t, provisionWith(t, []edit{{path, value}})), key)
	}
	assert.Contains(t, configProblemKeys(t, provisionWith(t, []edit{{"workfx:mesh.rateLimit", map[string]any{"requests": 50, "burst": 10}}})), "workfx:mesh.rateLimit.burst")
}
