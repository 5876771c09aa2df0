package tests

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/secrets/contract"
	"github.com/workfx/workfx-platform/internal/plan"
)

const kaNamespace = "workfx-ai"

var kaApps = []string{"workfx-api", "workfx-cdc", "rasa-pro", "rasa-pro-services"}

func TestKAStackProvisionsNoCloudResources(t *testing.T) {
	p := planStack(t, "ka")
	for _, r := range p.Resources {
		pkg := strings.SplitN(r.Type, ":", 2)[0]
		assert.Contains(t, []string{"workfx", "kubernetes", "pulumi"}, pkg,
			"the ka stack brings everything; %s is a cloud resource", r.URN)
		if pkg == "pulumi" {
			assert.Equal(t, "pulumi:providers:kubernetes", r.Type, "only the kubernetes provider is expected, got %s", r.URN)
		}
	}
}

// kaContract is the contract of seed 001 / seed 000 (Secret name → keys, as the images read
// them; components/secrets/contract checks the catalog against the seeds) without
// model-api-keys, which ka keeps wholly in the customer's Secrets.
var kaContract = func() map[string][]string {
	out := map[string][]string{}
	for _, s := range contract.Catalog {
		if s.Name == contract.ModelKeysSecret {
			continue
		}
		for _, k := range s.Keys {
			out[s.Name] = append(out[s.Name], k.Name)
		}
	}
	return out
}()

// customerRefs are the credentials Pulumi.ka.yaml keeps in the customer's own Secrets:
// contract Secret/key → the customer's Secret/key.
var customerRefs = map[string]string{
	"pg-secret/password":             "contoso-postgres/password",
	"tp-redis-secret/redis_password": "contoso-redis/password",
	"es-secret/password":             "contoso-elasticsearch/password",
	"wfx-kafka-secret/password":      "contoso-kafka/password",
	"kafka-secrets/password":         "contoso-kafka/password",
	"jwt-secret/admin_jwt_key":       "contoso-workfx-keys/admin-jwt-key",
	"jwt-secret/ai_jwt_key":          "contoso-workfx-keys/ai-jwt-key",
	"secret-key/data_secret":         "contoso-workfx-keys/data-secret",
	"secret-key/jina_api_key":        "contoso-workfx-keys/jina-api-key",
	"rasapro-license/licensekey":     "contoso-rasa/license",
	"analytics-db-url/dburl":         "contoso-rasa/analytics-db-url",
}

// envSources maps every secretKeyRef in the apps' pods as "secret/key".
func envSources(p *plan.Plan) map[string]bool {
	out := map[string]bool{}
	for _, d := range objects(p, "Deployment") {
		for _, c := range listAt(d, "spec.template.spec.containers") {
			for _, e := range c.(map[string]any)["env"].([]any) {
				ref := e.(map[string]any)["valueFrom"].(map[string]any)["secretKeyRef"].(map[string]any)
				out[fmt.Sprintf("%s/%s", ref["name"], ref["key"])] = true
			}
		}
	}
	return out
}

func TestKAContractSecretsHaveExactlyTheirKeysOrAreReferenced(t *testing.T) {
	p := planStack(t, "ka")
	refs := envSources(p)
	for name, keys := range kaContract {
		var rendered []string
		if s := p.Object("Secret", kaNamespace, name); s != nil {
			for k := range mapAt(s, "stringData") {
				rendered = append(rendered, k)
			}
		}
		for _, key := range keys {
			own := fmt.Sprintf("%s/%s", name, key)
			if customer, ok := customerRefs[own]; ok {
				assert.NotContains(t, rendered, key, "%s is the customer's; the program must not copy it", own)
				assert.True(t, refs[customer], "%s: the apps must read the customer's %s", own, customer)
				continue
			}
			assert.Contains(t, rendered, key, "Secret %s lacks key %s", name, key)
			assert.True(t, refs[own], "no app reads %s", own)
		}
		for _, k := range rendered {
			assert.Contains(t, keys, k, "Secret %s has key %s, which is not in the contract", name, k)
		}
	}
	// Every contract Secret the program renders is in the namespace and labelled.
	for _, s := range objects(p, "Secret") {
		assert.Contains(t, kaContract, s.Str("metadata.name"), "unexpected Secret %s", s.Str("metadata.name"))
		assert.Equal(t, kaNamespace, s.Str("metadata.namespace"))
	}
}

func TestKAEveryAppIsProductionShaped(t *testing.T) {
	p := planStack(t, "ka")
	for _, app := range kaApps {
		t.Run(app, func(t *testing.T) {
			d := p.Object("Deployment", kaNamespace, app)
			require.NotNil(t, d, "Deployment %s", app)
			// The HPA owns the replica count; a Deployment setting it would fight the HPA on
			// every up (and show drift after every refresh).
			hpa := p.Object("HorizontalPodAutoscaler", kaNamespace, app)
			require.NotNil(t, hpa)
			_, setsReplicas := d.Input("spec.replicas")
			v, _ := d.Input("spec.replicas")
			assert.Nil(t, v, "Deployment %s sets spec.replicas", app)
			assert.False(t, setsReplicas)
			replicas := must(hpa.Input("spec.minReplicas"))

			pod := mapAt(d, "spec.template.spec")
			assert.Equal(t, true, pod["automountServiceAccountToken"] == false)
			assert.Equal(t, app, pod["serviceAccountName"])
			sec := pod["securityContext"].(map[string]any)
			assert.Equal(t, true, sec["runAsNonRoot"])
			assert.Equal(t, "RuntimeDefault", sec["seccompProfile"].(map[string]any)["type"])
			assert.Equal(t, []any{map[string]any{"name": "contoso-registry"}}, pod["imagePullSecrets"])

			containers := pod["containers"].([]any)
			require.Len(t, containers, 1)
			c := containers[0].(map[string]any)
			assert.True(t, strings.HasPrefix(c["image"].(string), "contoso.azurecr.io/"), "registry override: %s", c["image"])
			for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				pr, ok := c[probe].(map[string]any)
				require.True(t, ok, "%s missing", probe)
				assert.NotEmpty(t, pr["httpGet"].(map[string]any)["path"], probe)
			}
			res := c["resources"].(map[string]any)
			for _, k := range []string{"requests", "limits"} {
				assert.NotEmpty(t, res[k].(map[string]any)["cpu"], "%s.cpu", k)
				assert.NotEmpty(t, res[k].(map[string]any)["memory"], "%s.memory", k)
			}
			csec := c["securityContext"].(map[string]any)
			assert.Equal(t, false, csec["allowPrivilegeEscalation"])
			assert.Equal(t, true, csec["readOnlyRootFilesystem"])
			assert.Equal(t, []any{"ALL"}, csec["capabilities"].(map[string]any)["drop"])

			for _, kind := range []string{"Service", "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceAccount"} {
				assert.NotNil(t, p.Object(kind, kaNamespace, app), "%s %s", kind, app)
			}
			pdb := p.Object("PodDisruptionBudget", kaNamespace, app)
			if replicas.(int64) > 1 {
				require.NotNil(t, pdb, "replicas %d needs a PDB", replicas)
				assert.Len(t, listAt(d, "spec.template.spec.topologySpreadConstraints"), 2)
			} else {
				assert.Nil(t, pdb, "a single replica gets no PDB (it would block drains)")
			}
			assert.Equal(t, app, hpa.Str("spec.scaleTargetRef.name"))
		})
	}
	// Default deny for the program's pods in the customer's namespace (their other workloads
	// keep their traffic); each app's policy opens what it needs.
	deny := p.Object("NetworkPolicy", kaNamespace, "default-deny")
	require.NotNil(t, deny)
	assert.Equal(t, map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/part-of": "workfx-ai"}}, mapAt(deny, "spec.podSelector"))
	assert.ElementsMatch(t, []any{"Ingress", "Egress"}, listAt(deny, "spec.policyTypes"))
}

func must(v any, _ bool) any { return v }

func TestKARasaProServicesEnvMatchesSeed000(t *testing.T) {
	p := planStack(t, "ka")
	cm := p.Object("ConfigMap", kaNamespace, "rasa-pro-services-config")
	require.NotNil(t, cm)
	data := mapAt(cm, "data")
	assert.Equal(t, "kafka-1.contoso.internal:9096,kafka-2.contoso.internal:9096,kafka-3.contoso.internal:9096", data["KAFKA_BROKER_ADDRESS"])
	assert.Equal(t, "rasa-assistant", data["KAFKA_TOPIC"])
	assert.Equal(t, "SASL_SSL", data["KAFKA_SECURITY_PROTOCOL"])
	assert.Equal(t, "SCRAM-SHA-512", data["KAFKA_SASL_MECHANISM"])

	d := p.Object("Deployment", kaNamespace, "rasa-pro-services")
	var env []string
	for _, e := range listAt(d, "spec.template.spec.containers")[0].(map[string]any)["env"].([]any) {
		env = append(env, e.(map[string]any)["name"].(string))
	}
	sort.Strings(env)
	assert.Equal(t, []string{"KAFKA_SASL_PASSWORD", "KAFKA_SASL_USERNAME", "RASA_ANALYTICS_DB_URL", "RASA_PRO_LICENSE"}, env)
	// Slow start: the schema migration may take ten minutes before liveness applies.
	probe := listAt(d, "spec.template.spec.containers")[0].(map[string]any)["startupProbe"].(map[string]any)
	assert.Equal(t, "/healthcheck", probe["httpGet"].(map[string]any)["path"])
	assert.GreaterOrEqual(t, probe["failureThreshold"].(int64)*probe["periodSeconds"].(int64), int64(600))
}

func TestKAMeshPolicyPointsAtExistingServices(t *testing.T) {
	p := planStack(t, "ka")
	services := map[string]int64{}
	for _, s := range objects(p, "Service") {
		services[fmt.Sprintf("%s.%s.svc.cluster.local", s.Str("metadata.name"), s.Str("metadata.namespace"))] =
			listAt(s, "spec.ports")[0].(map[string]any)["port"].(int64)
	}

	pa := p.Object("PeerAuthentication", kaNamespace, "default")
	require.NotNil(t, pa)
	assert.Equal(t, "STRICT", pa.Str("spec.mtls.mode"))

	vss := objects(p, "VirtualService")
	assert.Len(t, vss, len(kaApps))
	for _, vs := range vss {
		for _, route := range listAt(vs, "spec.http") {
			for _, dest := range route.(map[string]any)["route"].([]any) {
				d := dest.(map[string]any)["destination"].(map[string]any)
				port, ok := services[d["host"].(string)]
				require.True(t, ok, "VirtualService %s routes to %s, which is no Service of the plan", vs.Str("metadata.name"), d["host"])
				assert.Equal(t, port, d["port"].(map[string]any)["number"])
			}
		}
	}
	for _, dr := range objects(p, "DestinationRule") {
		_, ok := services[dr.Str("spec.host")]
		assert.True(t, ok, "DestinationRule %s targets %s", dr.Str("metadata.name"), dr.Str("spec.host"))
		assert.Equal(t, "ISTIO_MUTUAL", dr.Str("spec.trafficPolicy.tls.mode"))
		assert.NotNil(t, mapAt(dr, "spec.trafficPolicy.outlierDetection"))
		assert.NotNil(t, mapAt(dr, "spec.trafficPolicy.connectionPool"))
	}

	gw := p.Object("Gateway", kaNamespace, "workfx-ai")
	require.NotNil(t, gw)
	servers := listAt(gw, "spec.servers")
	require.Len(t, servers, 2)
	https := servers[0].(map[string]any)
	assert.Equal(t, "workfx-ai-contoso-tls", https["tls"].(map[string]any)["credentialName"])
	assert.Equal(t, true, servers[1].(map[string]any)["tls"].(map[string]any)["httpsRedirect"])

	ra := p.Object("RequestAuthentication", kaNamespace, "workfx-api-jwt")
	require.NotNil(t, ra)
	rule := listAt(ra, "spec.jwtRules")[0].(map[string]any)
	assert.Equal(t, "https://login.contoso.com/", rule["issuer"])
	authz := p.Object("AuthorizationPolicy", kaNamespace, "workfx-api")
	require.NotNil(t, authz)
	assert.Equal(t, "ALLOW", authz.Str("spec.action"))
	gateway := []any{"cluster.local/ns/istio-ingress/sa/istio-ingressgateway-service-account"}
	rules := listAt(authz, "spec.rules")
	assert.Contains(t, rules, map[string]any{"from": []any{map[string]any{"source": map[string]any{"principals": gateway, "requestPrincipals": []any{"*"}}}}},
		"the gateway, with a valid JWT")
	assert.Contains(t, rules, map[string]any{
		"from": []any{map[string]any{"source": map[string]any{"principals": gateway}}},
		"to":   []any{map[string]any{"operation": map[string]any{"methods": []any{"GET"}, "paths": []any{"/health"}}}},
	}, "health checks through the gateway pass without a token")

	ns := p.Object("Namespace", "", kaNamespace)
	require.NotNil(t, ns)
	assert.Equal(t, "enabled", mapAt(ns, "metadata.labels")["istio-injection"])
}

func TestKAPodMonitorsScrapeAppsWithMetrics(t *testing.T) {
	p := planStack(t, "ka")
	var names []string
	for _, pm := range objects(p, "PodMonitor") {
		names = append(names, pm.Str("metadata.name"))
		assert.Equal(t, "kube-prometheus-stack", mapAt(pm, "metadata.labels")["release"])
		ep := listAt(pm, "spec.podMetricsEndpoints")[0].(map[string]any)
		assert.Equal(t, "http", ep["scheme"], "the sidecar agent's merged endpoint, outside mTLS: the customer's Prometheus needs no mesh certificate")
		d := p.Object("Deployment", kaNamespace, pm.Str("metadata.name"))
		require.NotNil(t, d, "PodMonitor %s selects no app", pm.Str("metadata.name"))
		assert.Equal(t, mapAt(d, "spec.template.metadata.labels")["app.kubernetes.io/name"], mapAt(pm, "spec.selector.matchLabels")["app.kubernetes.io/name"])
	}
	assert.ElementsMatch(t, []string{"workfx-api", "workfx-cdc"}, names)
}

func TestEveryKubernetesObjectUsesTheClusterProvider(t *testing.T) {
	p := planStack(t, "ka")
	providers := p.ByType("pulumi:providers:kubernetes")
	require.Len(t, providers, 1, "one explicit kubernetes provider per stack")
	ref := providers[0].URN + "::" + providers[0].Name + "-id"
	for _, r := range p.Kubernetes() {
		assert.Equal(t, ref, r.Provider, "%s must use the stack's kubernetes provider", r.URN)
		assert.NotEmpty(t, r.Parent, "%s must be parented to a component", r.URN)
	}
}

func TestNamespacedObjectsWaitForTheNamespace(t *testing.T) {
	p := planStack(t, "ka")
	ns := p.Object("Namespace", "", kaNamespace)
	require.NotNil(t, ns)
	for _, r := range p.Kubernetes() {
		if r.Str("metadata.namespace") == kaNamespace {
			assert.True(t, p.DependsOn(r, ns), "%s does not wait for its namespace", r.URN)
		}
	}
}

func TestDeploymentsWaitForTheSecretsTheyRead(t *testing.T) {
	p := planStack(t, "ka")
	for _, d := range objects(p, "Deployment") {
		for ref := range envSourcesOf(d) {
			name := strings.SplitN(ref, "/", 2)[0]
			if s := p.Object("Secret", kaNamespace, name); s != nil {
				assert.True(t, p.DependsOn(d, s), "%s reads %s before it exists", d.Str("metadata.name"), name)
			}
		}
	}
}

func envSourcesOf(d *plan.Resource) map[string]bool {
	single := &plan.Plan{Resources: []*plan.Resource{d}}
	return envSources(single)
}

func TestSyntheticKAWithoutMeshOrMonitoringHasNoMeshObjects(t *testing.T) {
	p := planFile(t, "ka-bare", "testdata/stacks/ka-no-mesh-no-monitoring.yaml")
	for _, r := range p.Kubernetes() {
		assert.NotContains(t, r.Type, "istio.io", r.URN)
		assert.NotContains(t, r.Type, "monitoring.coreos.com", r.URN)
	}
	for _, app := range []string{"workfx-api", "workfx-cdc"} {
		d := p.Object("Deployment", kaNamespace, app)
		require.NotNil(t, d)
		ann := mapAt(d, "spec.template.metadata.annotations")
		assert.Equal(t, "true", ann["prometheus.io/scrape"], "%s: without a Prometheus Operator, annotations", app)
		assert.Equal(t, "/metrics", ann["prometheus.io/path"])
		assert.NotNil(t, p.Object("NetworkPolicy", kaNamespace, app))
	}
	ns := p.Object("Namespace", "", kaNamespace)
	assert.Equal(t, "restricted", mapAt(ns, "metadata.labels")["pod-security.kubernetes.io/enforce"])
	assert.NotContains(t, mapAt(ns, "metadata.labels"), "istio-injection")
}

// Every object the program creates forces its server-side apply, so that `pulumi up` restores a
// field someone changed by hand instead of failing on the field-manager conflict (the onboarding
// engine test repairs a hand-edited ConfigMap this way); the customer's namespace, which the
// program only patches, is never forced.
func TestOwnedObjectsTakeBackHandEditedFields(t *testing.T) {
	for _, f := range allStackFiles(t) {
		p := planFile(t, f.name, f.path)
		for _, r := range p.Kubernetes() {
			force := mapAt(r, "metadata.annotations")[kube.PatchForce]
			if strings.HasSuffix(r.Type, "Patch") {
				assert.Nil(t, force, "%s: %s is the customer's object", f.name, r.URN)
				continue
			}
			assert.Equal(t, "true", force, "%s: %s", f.name, r.URN)
		}
	}
}

// The apps' Services are not awaited: the provider would wait a fixed 10 s after their
// endpoints settle, on every first up (pulumi-kubernetes pkg/await/service.go), while the
// Deployments' awaits already prove the pods ready. Everything else is awaited.
func TestOnlyTheAppsServicesSkipTheAwait(t *testing.T) {
	p := planStack(t, "ka")
	var skipped []string
	for _, r := range p.Kubernetes() {
		if mapAt(r, "metadata.annotations")[kube.SkipAwait] == "true" {
			skipped = append(skipped, kindOf(r)+"/"+r.Str("metadata.name"))
		}
	}
	sort.Strings(skipped)
	assert.Equal(t, []string{"Service/rasa-pro", "Service/rasa-pro-services", "Service/workfx-api", "Service/workfx-cdc"}, skipped)
}

// What waits for a Deployment's rollout on a first up, and what does not. Only the objects that
// need the running pods may wait; an HPA, PDB, Service or NetworkPolicy names its Deployment's
// pods by name or selector and works whether they exist yet or not, so each is created beside
// the Deployment instead of after its rollout (issue 17: every such edge added a rollout to the
// critical path). The Deployment itself waits for what its pods read (the contract Secrets).
func TestObjectsBesideADeploymentDoNotWaitForItsRollout(t *testing.T) {
	p := planStack(t, "ka")
	for _, app := range []string{"workfx-api", "workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		dep := p.Object("Deployment", kaNamespace, app)
		require.NotNil(t, dep, app)
		for _, kind := range []string{"HorizontalPodAutoscaler", "PodDisruptionBudget", "Service", "NetworkPolicy", "ServiceAccount"} {
			if o := p.Object(kind, kaNamespace, app); o != nil {
				assert.False(t, p.DependsOn(o, dep), "%s %s waits for the Deployment's rollout", kind, app)
			}
		}
		assert.True(t, p.DependsOn(dep, p.Object("Secret", kaNamespace, "pg-secret")), "%s starts after the contract Secrets", app)
	}
}
