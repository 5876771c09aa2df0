package tests

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/monitoring"
	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

const (
	releaseType    = "kubernetes:helm.sh/v3:Release"
	deploymentType = "kubernetes:apps/v1:Deployment"
)

func load(t *testing.T, f stackFile) (*plan.StackConfig, *config.Config) {
	t.Helper()
	sc, err := plan.LoadStackFile(projectDir, f.name, f.path)
	require.NoError(t, err)
	cfg, err := config.Load(sc.Raw)
	require.NoError(t, err, "stack %s", f.name)
	return sc, cfg
}

func run(t *testing.T, sc *plan.StackConfig) *plan.Plan {
	t.Helper()
	p, err := plan.Run(sc, stacks.Run, nil)
	require.NoError(t, err, "stack %s", sc.Stack)
	return p
}

// provisionStacks are every stack (real and synthetic) that installs the mesh or the
// monitoring stack; dev and prod join as soon as they set mode provision.
func provisionStacks(t *testing.T) map[string]stackFile {
	out := map[string]stackFile{}
	for _, f := range allStackFiles(t) {
		_, cfg := load(t, f)
		if cfg.Mesh.Mode == config.ModeProvision || cfg.Monitoring.Mode == config.ModeProvision {
			out[f.name] = f
		}
	}
	require.Contains(t, out, "ka-provision-mesh")
	require.Contains(t, out, "dev-azure-provision")
	return out
}

func release(t *testing.T, p *plan.Plan, name string) *plan.Resource {
	t.Helper()
	r := p.Find(releaseType, name)
	require.NotNil(t, r, "release %s", name)
	return r
}

func isIstioCR(typ string) bool {
	for _, g := range []string{"networking.istio.io/", "security.istio.io/", "telemetry.istio.io/", "extensions.istio.io/"} {
		if strings.HasPrefix(typ, "kubernetes:"+g) {
			return true
		}
	}
	return false
}

func isPrometheusCR(typ string) bool {
	return strings.HasPrefix(typ, "kubernetes:monitoring.coreos.com/")
}

func containerImages(t *testing.T, d *plan.Resource) []string {
	t.Helper()
	v, _ := d.Input("spec.template.spec.containers")
	cs, ok := v.([]any)
	require.True(t, ok, "%s has containers", d.Name)
	var out []string
	for _, c := range cs {
		out = append(out, c.(map[string]any)["image"].(string))
	}
	return out
}

func TestProvisionedMeshReleaseOrderAndCRDDependencies(t *testing.T) {
	for name, f := range provisionStacks(t) {
		t.Run(name, func(t *testing.T) {
			sc, cfg := load(t, f)
			p := run(t, sc)

			if cfg.Mesh.Mode == config.ModeProvision {
				base, istiod, gw := release(t, p, "istio-base"), release(t, p, "istiod"), release(t, p, mesh.GatewayReleaseName)
				assert.True(t, p.DependsOn(istiod, base), "istiod after base")
				assert.True(t, p.DependsOn(gw, istiod), "gateway after istiod")
				assert.False(t, p.DependsOn(base, istiod), "base does not wait for istiod")
				assert.Equal(t, cfg.Mesh.IstioNamespace, base.Str("namespace"))
				assert.Equal(t, cfg.Mesh.IstioNamespace, istiod.Str("namespace"))
				assert.Equal(t, cfg.Mesh.GatewayNamespace, gw.Str("namespace"), "gateway in its own namespace")
				assert.NotEqual(t, cfg.Mesh.IstioNamespace, gw.Str("namespace"))
				for _, r := range []*plan.Resource{base, istiod, gw} {
					assert.Equal(t, cfg.Mesh.Provision.Version, r.Str("version"), "%s pinned from config", r.Name)
				}

				crs := 0
				for _, r := range p.Resources {
					if isIstioCR(r.Type) {
						crs++
						assert.True(t, p.DependsOn(r, base), "%s %s waits for the CRDs (istio-base)", r.Type, r.Name)
						assert.True(t, p.DependsOn(r, istiod), "%s %s waits for istiod's validation", r.Type, r.Name)
					}
				}
				assert.Greater(t, crs, 5, "the policy CRs are rendered")

				deployments := p.ByType(deploymentType)
				require.NotEmpty(t, deployments)
				for _, d := range deployments {
					assert.True(t, p.DependsOn(d, istiod), "Deployment %s waits for istiod (sidecar at first rollout)", d.Name)
				}
			}

			if cfg.Monitoring.Mode == config.ModeProvision {
				kps := release(t, p, monitoring.ReleaseName)
				assert.Equal(t, cfg.Monitoring.Provision.Version, kps.Str("version"))
				assert.Equal(t, cfg.Monitoring.Namespace, kps.Str("namespace"))
				crs := 0
				for _, r := range p.Resources {
					if isPrometheusCR(r.Type) {
						crs++
						assert.True(t, p.DependsOn(r, kps), "%s %s waits for kube-prometheus-stack (CRDs)", r.Type, r.Name)
					}
				}
				assert.GreaterOrEqual(t, crs, 2, "ServiceMonitors and PrometheusRules are rendered")
			}
		})
	}
}

func TestRegistryAndChartRepositoryOverridesReachEveryChartAndImage(t *testing.T) {
	overridden := 0
	for name, f := range provisionStacks(t) {
		if _, cfg := load(t, f); cfg.Images.Registry == "" || cfg.Images.ChartRepository == "" {
			continue // nothing to check: the stack pulls from the public registries
		}
		overridden++
		t.Run(name, func(t *testing.T) {
			sc, cfg := load(t, f)
			p := run(t, sc)
			reg := cfg.Images.Registry

			releases := p.ByType(releaseType)
			require.NotEmpty(t, releases)
			httpRepo, oci, err := config.ParseChartRepository(cfg.Images.ChartRepository)
			require.NoError(t, err)
			for _, r := range releases {
				if oci != "" {
					assert.True(t, strings.HasPrefix(r.Str("chart"), oci+"/"), "%s chart %q from the OCI mirror", r.Name, r.Str("chart"))
					assert.Empty(t, r.Str("repositoryOpts.repo"), "%s: an OCI chart takes no repository", r.Name)
				} else {
					assert.Equal(t, httpRepo, r.Str("repositoryOpts.repo"), "%s from the http mirror", r.Name)
				}
				// Every image a chart brings comes from the registry.
				switch r.Name {
				case "istiod":
					// istiod's hub is istiod's image and every proxy it injects (sidecars, gateway).
					assert.Equal(t, reg+"/istio", r.Str("values.global.hub"), r.Name)
				case mesh.GatewayReleaseName:
					// The gateway's image is "auto": injected by istiod from the hub above.
					v, _ := r.Input("values.global")
					assert.Nil(t, v, "the gateway sets no image of its own")
					assert.True(t, p.DependsOn(r, release(t, p, "istiod")))
				case monitoring.ReleaseName:
					assert.Equal(t, reg, r.Str("values.global.imageRegistry"))
				case "istio-base":
					// base installs CRDs and webhooks only: no image.
					assert.Empty(t, r.Str("values.global.hub"))
				default:
					t.Errorf("release %s not covered by the registry check", r.Name)
				}
			}
			for _, d := range p.ByType(deploymentType) {
				for _, img := range containerImages(t, d) {
					assert.True(t, strings.HasPrefix(img, reg+"/"), "Deployment %s image %q from %s", d.Name, img, reg)
				}
			}
		})
	}
	require.Positive(t, overridden, "no stack sets both overrides; ka-provision-mesh should")
}

func TestPublicChartRepositoriesWithoutOverride(t *testing.T) {
	sc, _ := load(t, stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"})
	var images map[string]any
	require.NoError(t, json.Unmarshal([]byte(sc.Raw["workfx:images"]), &images))
	delete(images, "chartRepository")
	delete(images, "registry")
	b, _ := json.Marshal(images)
	sc.Raw["workfx:images"] = string(b)
	p := run(t, sc)
	assert.Equal(t, mesh.PublicIstioRepository, release(t, p, "istiod").Str("repositoryOpts.repo"))
	assert.Equal(t, "istiod", release(t, p, "istiod").Str("chart"))
	assert.Equal(t, "docker.io/istio", release(t, p, "istiod").Str("values.global.hub"))
	assert.Equal(t, monitoring.PublicChartRepository, release(t, p, monitoring.ReleaseName).Str("repositoryOpts.repo"))
	assert.Empty(t, release(t, p, monitoring.ReleaseName).Str("values.global.imageRegistry"))
}

// setProvision replaces workfx:<key>.provision in a stack's raw config.
func setProvision(t *testing.T, sc *plan.StackConfig, key string, provision map[string]any) {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(sc.Raw["workfx:"+key]), &v))
	v["provision"] = provision
	b, err := json.Marshal(v)
	require.NoError(t, err)
	sc.Raw["workfx:"+key] = string(b)
}

func TestPinnedVersionsComeFromConfigAndDefaults(t *testing.T) {
	f := stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"}

	sc, _ := load(t, f)
	setProvision(t, sc, "mesh", map[string]any{"version": "1.30.2"})
	setProvision(t, sc, "monitoring", map[string]any{"version": "77.5.0"})
	p := run(t, sc)
	for _, n := range []string{"istio-base", "istiod", mesh.GatewayReleaseName} {
		assert.Equal(t, "1.30.2", release(t, p, n).Str("version"), n)
	}
	assert.Equal(t, "1.30.2", release(t, p, "istiod").Str("values.global.tag"), "images follow the chart version")
	assert.Equal(t, "77.5.0", release(t, p, monitoring.ReleaseName).Str("version"))

	sc, _ = load(t, f)
	setProvision(t, sc, "mesh", map[string]any{})
	setProvision(t, sc, "monitoring", map[string]any{})
	p = run(t, sc)
	assert.Equal(t, config.DefaultIstioVersion, release(t, p, "istiod").Str("version"))
	assert.Equal(t, config.DefaultStackVersion, release(t, p, monitoring.ReleaseName).Str("version"))
}

func TestProdMeshDefaults(t *testing.T) {
	sc, cfg := load(t, stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"})
	require.Equal(t, "prod", cfg.Environment)
	p := run(t, sc)
	istiod := release(t, p, "istiod")
	assert.Equal(t, "REGISTRY_ONLY", istiod.Str("values.meshConfig.outboundTrafficPolicy.mode"))
	assert.Equal(t, "/dev/stdout", istiod.Str("values.meshConfig.accessLogFile"))
	pdb, _ := istiod.Input("values.global.defaultPodDisruptionBudget.enabled")
	assert.Equal(t, true, pdb, "istiod PDB in prod")
	// istiod's own settings are the chart's top-level keys (istio-discovery values.yaml): a
	// "pilot:" block is read by no template of the 1.31 chart.
	replicas, _ := istiod.Input("values.replicaCount")
	assert.EqualValues(t, 2, replicas)
	autoscaleMax, _ := istiod.Input("values.autoscaleMax")
	assert.EqualValues(t, 5, autoscaleMax)
	pilot, _ := istiod.Input("values.pilot")
	assert.Nil(t, pilot, "no legacy pilot.* values")
	gwPDB, _ := release(t, p, mesh.GatewayReleaseName).Input("values.podDisruptionBudget.minAvailable")
	assert.EqualValues(t, 1, gwPDB)

	// REGISTRY_ONLY: every external dependency is declared to the mesh.
	for _, n := range []string{"postgres", "redis", "kafka", "object-storage", "elasticsearch", "model-apis"} {
		se := p.Object("ServiceEntry", cfg.Cluster.Namespace, n)
		if assert.NotNil(t, se, "ServiceEntry %s", n) {
			hosts, _ := se.Input("spec.hosts")
			assert.NotEmpty(t, hosts, n)
		}
	}
	kafka := p.Object("ServiceEntry", cfg.Cluster.Namespace, "kafka")
	hosts, _ := kafka.Input("spec.hosts")
	assert.Len(t, hosts, 3, "every bootstrap broker")
	// PostgreSQL negotiates TLS in-protocol (TCP); Kafka SASL_SSL is TLS from the first byte.
	assert.Equal(t, "TCP", firstPortProtocol(t, p.Object("ServiceEntry", cfg.Cluster.Namespace, "postgres")))
	assert.Equal(t, "TLS", firstPortProtocol(t, kafka))
}

func firstPortProtocol(t *testing.T, se *plan.Resource) string {
	t.Helper()
	v, _ := se.Input("spec.ports")
	ports, ok := v.([]any)
	require.True(t, ok)
	require.Len(t, ports, 1)
	return ports[0].(map[string]any)["protocol"].(string)
}

func TestDevMeshDefaultsAndTracing(t *testing.T) {
	sc, cfg := load(t, stackFile{"dev-azure-provision", "testdata/stacks/dev-azure-provision.yaml"})
	require.Equal(t, "dev", cfg.Environment)
	p := run(t, sc)
	istiod := release(t, p, "istiod")
	assert.Equal(t, "ALLOW_ANY", istiod.Str("values.meshConfig.outboundTrafficPolicy.mode"))
	pdb, _ := istiod.Input("values.global.defaultPodDisruptionBudget.enabled")
	assert.Equal(t, false, pdb, "no PDB for a single dev istiod (it would block drains)")
	v, _ := istiod.Input("values.meshConfig.extensionProviders")
	providers, ok := v.([]any)
	require.True(t, ok)
	require.Len(t, providers, 1)
	otel := providers[0].(map[string]any)["opentelemetry"].(map[string]any)
	assert.Equal(t, "otel-collector.observability.svc.cluster.local", otel["service"])
	assert.EqualValues(t, 4317, otel["port"])
	dp, _ := istiod.Input("values.meshConfig.defaultProviders.tracing")
	assert.Equal(t, []any{mesh.TracingProvider}, dp, "the Telemetry CR samples into this provider")
	assert.Empty(t, p.ByType("kubernetes:networking.istio.io/v1:ServiceEntry"), "no ServiceEntries with ALLOW_ANY")

	cert := p.Object("Certificate", "istio-ingress", cfg.Mesh.TLSCredentialName)
	require.NotNil(t, cert, "cert-manager Certificate in the gateway namespace")
	assert.Equal(t, cfg.Mesh.TLSCredentialName, cert.Str("spec.secretName"))
	assert.Equal(t, "ClusterIssuer", cert.Str("spec.issuerRef.kind"))

	gw := p.Object("Gateway", cfg.Cluster.Namespace, "workfx-ai")
	require.NotNil(t, gw)
	v, _ = gw.Input("spec.servers")
	servers := v.([]any)
	require.Len(t, servers, 2)
	https := servers[0].(map[string]any)
	assert.EqualValues(t, 443, https["port"].(map[string]any)["number"])
	assert.Equal(t, cfg.Mesh.TLSCredentialName, https["tls"].(map[string]any)["credentialName"])
	assert.Equal(t, true, servers[1].(map[string]any)["tls"].(map[string]any)["httpsRedirect"], "HTTP→HTTPS redirect")
	assert.Equal(t, "istio-ingress", release(t, p, mesh.GatewayReleaseName).Str("namespace"), "default gateway namespace")
	np := p.Object("NetworkPolicy", cfg.Cluster.Namespace, "workfx-api")
	require.NotNil(t, np)
	b, _ := json.Marshal(np.Inputs(false)["spec"])
	assert.Contains(t, string(b), `"port":4317`, "sidecars may reach the tracing collector")
	sel, _ := gw.Input("spec.selector")
	labels, _ := release(t, p, mesh.GatewayReleaseName).Input("values.labels")
	assert.Equal(t, sel, labels, "the Gateway CR selects the installed gateway's pods")
}

func TestGatewayServicePerCloud(t *testing.T) {
	cases := []struct {
		cloud    string
		internal bool
		want     map[string]any
	}{
		{"azure", true, map[string]any{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}},
		{"azure", false, nil},
		{"aws", true, map[string]any{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
		{"aws", false, map[string]any{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}},
		{"none", false, nil},
	}
	for _, c := range cases {
		sc, _ := load(t, stackFile{"dev-azure-provision", "testdata/stacks/dev-azure-provision.yaml"})
		sc.Raw["workfx:cloud"] = c.cloud
		setProvision(t, sc, "mesh", map[string]any{"gateway": map[string]any{"internal": c.internal},
			"tracingEndpoint": "otel-collector.observability.svc.cluster.local:4317"})
		p := run(t, sc)
		gw := release(t, p, mesh.GatewayReleaseName)
		assert.Equal(t, "LoadBalancer", gw.Str("values.service.type"))
		ann, _ := gw.Input("values.service.annotations")
		if c.want == nil {
			assert.Nil(t, ann, "%s internal=%v", c.cloud, c.internal)
		} else {
			assert.Equal(t, c.want, ann, "%s internal=%v", c.cloud, c.internal)
		}
	}
}

func TestMonitoringStack(t *testing.T) {
	sc, cfg := load(t, stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"})
	p := run(t, sc)
	kps := release(t, p, monitoring.ReleaseName)
	assert.Equal(t, "15d", kps.Str("values.prometheus.prometheusSpec.retention"))
	assert.Equal(t, "ceph-block", kps.Str("values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName"))
	assert.Equal(t, "100Gi", kps.Str("values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage"))
	for _, k := range []string{"serviceMonitorSelectorNilUsesHelmValues", "podMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues"} {
		v, _ := kps.Input("values.prometheus.prometheusSpec." + k)
		assert.Equal(t, false, v, "%s: every namespace's monitors and rules are picked up", k)
	}
	am, _ := kps.Input("values.alertmanager.enabled")
	assert.Equal(t, true, am)
	assert.Equal(t, monitoring.GrafanaAdminSecret, kps.Str("values.grafana.admin.existingSecret"))
	assert.Equal(t, monitoring.DashboardLabel, kps.Str("values.grafana.sidecar.dashboards.label"))

	// The Grafana admin password is generated and only ever a secret.
	secret := p.Object("Secret", cfg.Monitoring.Namespace, monitoring.GrafanaAdminSecret)
	require.NotNil(t, secret)
	assert.Contains(t, secret.SecretInputs, "stringData", "admin credentials are secret values")
	pwd, _ := secret.Input("stringData")
	assert.Equal(t, plan.Redacted, secret.Inputs(false)["stringData"].(map[string]any)["admin-password"], "redacted without --show-secrets")
	assert.Contains(t, pwd, "admin-password")
	pw := p.Find("random:index/randomPassword:RandomPassword", "grafana-admin-password")
	require.NotNil(t, pw, "the password is generated by pulumi-random")
	assert.Contains(t, pw.AdditionalSecretOutputs, "result", "and kept secret in the state")
	assert.True(t, p.DependsOn(kps, secret), "the release reads the Secret")

	// Rules: 5xx ratio and p95 latency per app, HPA at max where it can scale, crash loops,
	// Rasa Pro Services health.
	rules := p.Object("PrometheusRule", cfg.Cluster.Namespace, "workfx-ai")
	require.NotNil(t, rules)
	b, _ := json.Marshal(rules.Inputs(false)["spec"])
	spec := string(b)
	for _, app := range []string{"workfx-api", "workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		assert.Contains(t, spec, `destination_workload=\"`+app+`\"`, "Istio rules for %s", app)
	}
	for _, alert := range []string{"WorkfxHighErrorRatio", "WorkfxHighLatencyP95", "WorkfxPodCrashLooping", "WorkfxHPAAtMaxReplicas", "WorkfxRasaProServicesDown"} {
		assert.Contains(t, spec, alert)
	}
	assert.NotContains(t, spec, `horizontalpodautoscaler=\"workfx-cdc\"`, "cdc cannot scale (min = max): no HPA-at-max alert")

	// Dashboards: a labelled ConfigMap per app with valid JSON.
	for _, app := range []string{"workfx-api", "workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		cm := p.Object("ConfigMap", cfg.Monitoring.Namespace, "dashboard-"+app)
		if !assert.NotNil(t, cm, app) {
			continue
		}
		labels, _ := cm.Input("metadata.labels")
		assert.Equal(t, "1", labels.(map[string]any)[monitoring.DashboardLabel])
		data, _ := cm.Input("data")
		var dash map[string]any
		require.NoError(t, json.Unmarshal([]byte(data.(map[string]any)[app+".json"].(string)), &dash))
		assert.Len(t, dash["panels"], 4, "rate, errors, latency, saturation")
	}
	// Seed 003's mesh dashboards: the control plane and the ingress gateway, on the metrics of
	// the namespaces this stack scrapes them in.
	for name, want := range map[string][]string{
		"istio-control-plane": {"pilot_xds", "pilot_xds_pushes", "pilot_total_xds_rejects", "pilot_proxy_convergence_time_bucket",
			`namespace=\"` + cfg.Mesh.IstioNamespace + `\",container=\"discovery\"`},
		"istio-gateway": {`reporter=\"source\",source_workload_namespace=\"` + cfg.Mesh.GatewayNamespace + `\"`, `response_code=\"429\"`,
			`namespace=\"` + cfg.Mesh.GatewayNamespace + `\",container=\"istio-proxy\"`},
	} {
		cm := p.Object("ConfigMap", cfg.Monitoring.Namespace, "dashboard-"+name)
		require.NotNil(t, cm, name)
		assert.Equal(t, "1", mapAt(cm, "metadata.labels")[monitoring.DashboardLabel])
		raw := mapAt(cm, "data")[name+".json"].(string)
		var dash map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &dash), name)
		b, _ := json.Marshal(dash["panels"])
		for _, w := range want {
			assert.Contains(t, string(b), w, name)
		}
	}

	// Istio is scraped: istiod and every sidecar's Envoy stats, which the apps' NetworkPolicies admit.
	assert.NotNil(t, p.Object("ServiceMonitor", cfg.Monitoring.Namespace, "istiod"))
	assert.NotNil(t, p.Object("PodMonitor", cfg.Monitoring.Namespace, "envoy-stats"))
	// The ingress gateway's pods carry no security.istio.io/tlsMode label (the gateway injection
	// template sets none): their own PodMonitor selects what the Gateway CR selects.
	gwMon := p.Object("PodMonitor", cfg.Monitoring.Namespace, "istio-ingressgateway")
	require.NotNil(t, gwMon, "the ingress gateway is scraped")
	gwSel, _ := gwMon.Input("spec.selector.matchLabels")
	gwCR, _ := p.Object("Gateway", cfg.Cluster.Namespace, "workfx-ai").Input("spec.selector")
	assert.Equal(t, gwCR, gwSel)
	assert.Equal(t, []any{cfg.Mesh.GatewayNamespace}, listAt(gwMon, "spec.namespaceSelector.matchNames"))
	assert.Equal(t, "http-envoy-prom", listAt(gwMon, "spec.podMetricsEndpoints")[0].(map[string]any)["port"],
		"the gateway's Envoy stats port (gateway chart deployment.yaml)")
	np := p.Object("NetworkPolicy", cfg.Cluster.Namespace, "rasa-pro")
	require.NotNil(t, np)
	b, _ = json.Marshal(np.Inputs(false)["spec"])
	assert.Contains(t, string(b), `"port":15090`)
}

func TestDisabledMeshAndMonitoringRenderNoPlatformObjects(t *testing.T) {
	sc, cfg := load(t, stackFile{"ka-no-mesh-no-monitoring", "testdata/stacks/ka-no-mesh-no-monitoring.yaml"})
	require.Equal(t, config.ModeDisabled, cfg.Mesh.Mode)
	require.Equal(t, config.ModeDisabled, cfg.Monitoring.Mode)
	p := run(t, sc)
	for _, r := range p.Resources {
		assert.False(t, isIstioCR(r.Type), "Istio object %s %s", r.Type, r.Name)
		assert.False(t, isPrometheusCR(r.Type), "Prometheus Operator object %s %s", r.Type, r.Name)
		assert.NotEqual(t, releaseType, r.Type, "Helm release %s", r.Name)
		assert.False(t, strings.HasPrefix(r.Type, "workfx:mesh:") || strings.HasPrefix(r.Type, "workfx:monitoring:"), "component %s", r.Type)
		if r.IsKubernetes() {
			assert.NotContains(t, []string{"istio-system", "istio-ingress", "monitoring"}, r.Str("metadata.name"), "namespace-level object %s", r.Name)
		}
	}
	ns := p.Object("Namespace", "", cfg.Cluster.Namespace)
	require.NotNil(t, ns)
	labels, _ := ns.Input("metadata.labels")
	assert.NotContains(t, labels, "istio-injection")

	deployments := p.ByType(deploymentType)
	require.Len(t, deployments, 4)
	for _, d := range deployments {
		assert.NotNil(t, p.Object("NetworkPolicy", cfg.Cluster.Namespace, d.Name), "NetworkPolicy for %s", d.Name)
		ann, _ := d.Input("spec.template.metadata.annotations")
		if d.Name == "workfx-api" || d.Name == "workfx-cdc" {
			a, ok := ann.(map[string]any)
			require.True(t, ok, "%s has pod annotations", d.Name)
			assert.Equal(t, "true", a["prometheus.io/scrape"], d.Name)
			assert.Equal(t, "/metrics", a["prometheus.io/path"], d.Name)
		}
	}
	assert.NotNil(t, p.Object("NetworkPolicy", cfg.Cluster.Namespace, "default-deny"))
}

func TestProvisionConfigValidation(t *testing.T) {
	f := stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"}
	cases := []struct {
		name string
		edit func(sc *plan.StackConfig)
		key  string
	}{
		{"chart repository scheme", func(sc *plan.StackConfig) {
			sc.Raw["workfx:images"] = `{"chartRepository":"ftp://charts.example.com"}`
		}, "workfx:images.chartRepository"},
		{"chart repository credentials", func(sc *plan.StackConfig) {
			sc.Raw["workfx:images"] = `{"chartRepository":"https://user:pw@charts.example.com"}`
		}, "workfx:images.chartRepository"},
		{"registry", func(sc *plan.StackConfig) {
			sc.Raw["workfx:images"] = `{"registry":"https://registry.example.com"}`
		}, "workfx:images.registry"},
		{"istio version", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"version": "latest"})
		}, "workfx:mesh.provision.version"},
		{"stack version", func(sc *plan.StackConfig) {
			setProvision(t, sc, "monitoring", map[string]any{"version": "77"})
		}, "workfx:monitoring.provision.version"},
		{"internal LB on cloud none", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"gateway": map[string]any{"internal": true}})
		}, "workfx:mesh.provision.gateway.internal"},
		{"service type", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"gateway": map[string]any{"serviceType": "Ingress"}})
		}, "workfx:mesh.provision.gateway.serviceType"},
		{"tracing endpoint", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"tracingEndpoint": "http://otel:4317"})
		}, "workfx:mesh.provision.tracingEndpoint"},
		{"outbound policy", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"outboundTrafficPolicy": "DENY"})
		}, "workfx:mesh.provision.outboundTrafficPolicy"},
		{"retention", func(sc *plan.StackConfig) {
			setProvision(t, sc, "monitoring", map[string]any{"retention": "two weeks"})
		}, "workfx:monitoring.provision.retention"},
		{"storage size", func(sc *plan.StackConfig) {
			setProvision(t, sc, "monitoring", map[string]any{"storageSize": "100GB"})
		}, "workfx:monitoring.provision.storageSize"},
		{"provision settings with mode existing", func(sc *plan.StackConfig) {
			sc.Raw["workfx:monitoring"] = `{"mode":"existing","provision":{"retention":"15d"}}`
		}, "workfx:monitoring.provision"},
		{"unknown provision key", func(sc *plan.StackConfig) {
			setProvision(t, sc, "mesh", map[string]any{"verison": "1.31.1"})
		}, "workfx:mesh.provision.verison"},
		{"provision without the operator", func(sc *plan.StackConfig) {
			sc.Raw["workfx:monitoring"] = `{"mode":"provision","prometheusOperator":false}`
		}, "workfx:monitoring.prometheusOperator"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, _ := load(t, f)
			c.edit(sc)
			_, err := config.Load(sc.Raw)
			var cerr *config.Error
			require.True(t, errors.As(err, &cerr), "expected a config error, got %v", err)
			var keys []string
			for _, pr := range cerr.Problems {
				keys = append(keys, pr.Key)
			}
			assert.Contains(t, keys, c.key)
		})
	}
}

func TestExistingModesInstallNothing(t *testing.T) {
	sc, cfg := load(t, stackFile{"ka", filepath.Join(projectDir, "Pulumi.ka.yaml")})
	require.Equal(t, config.ModeExisting, cfg.Mesh.Mode)
	require.Equal(t, config.ModeExisting, cfg.Monitoring.Mode)
	p := run(t, sc)
	assert.Empty(t, p.ByType(releaseType), "the customer's Istio and Prometheus are used as they are")
	assert.Empty(t, p.ByType("workfx:mesh:Istio"))
	assert.Empty(t, p.ByType("workfx:monitoring:Stack"))
	assert.Empty(t, p.ByType("kubernetes:networking.istio.io/v1:ServiceEntry"), "the customer's outbound policy is theirs")
	istio, monitors := 0, 0
	for _, r := range p.Resources {
		if isIstioCR(r.Type) {
			istio++
		}
		if isPrometheusCR(r.Type) {
			monitors++
		}
	}
	assert.Greater(t, istio, 5, "policy CRs for the customer's mesh")
	// A PodMonitor per app with metrics, the PrometheusRule and the AlertmanagerConfig.
	assert.Equal(t, 4, monitors)
}

// An authenticated registry mirror: the pods of the charts this program installs pull with the
// customer's pull Secret, copied from the app namespace into each namespace the program creates
// for them (a pod names pull Secrets of its own namespace only).
func TestPullSecretReachesEveryChart(t *testing.T) {
	sc, cfg := load(t, stackFile{"ka-provision-mesh", "testdata/stacks/ka-provision-mesh.yaml"})
	require.NotEmpty(t, cfg.Images.PullSecret)
	p := run(t, sc)
	name := cfg.Images.PullSecret
	read := p.Find("kubernetes:core/v1:Secret", "customer-"+name)
	require.NotNil(t, read, "the customer's pull Secret is read")
	require.True(t, read.Read)

	for _, ns := range []string{cfg.Mesh.IstioNamespace, cfg.Mesh.GatewayNamespace, cfg.Monitoring.Namespace} {
		cp := p.Object("Secret", ns, name)
		if !assert.NotNil(t, cp, "a copy in %s", ns) {
			continue
		}
		assert.Equal(t, "kubernetes.io/dockerconfigjson", cp.Str("type"), "the kubelet uses a pull Secret only with its type")
		assert.Contains(t, cp.SecretInputs, "data", "the copy's data is a Pulumi secret")
		assert.Equal(t, map[string]any{".dockerconfigjson": plan.Redacted}, cp.Inputs(false)["data"], "and redacted in the plan")
		assert.True(t, p.DependsOn(cp, read), "copied from the read of the customer's Secret")
	}
	istiod, gw, kps := release(t, p, "istiod"), release(t, p, mesh.GatewayReleaseName), release(t, p, monitoring.ReleaseName)
	v, _ := istiod.Input("values.global.imagePullSecrets")
	assert.Equal(t, []any{name}, v, "istiod chart: names (put on istiod's ServiceAccount)")
	v, _ = gw.Input("values.imagePullSecrets")
	assert.Equal(t, []any{map[string]any{"name": name}}, v, "gateway chart: {name} objects on the gateway pods")
	v, _ = kps.Input("values.global.imagePullSecrets")
	assert.Equal(t, []any{map[string]any{"name": name}}, v, "kube-prometheus-stack and its subcharts")
	for _, r := range []*plan.Resource{istiod, gw} {
		assert.True(t, p.DependsOn(r, p.Object("Secret", r.Str("namespace"), name)), "%s waits for its namespace's copy", r.Name)
	}
	assert.True(t, p.DependsOn(kps, p.Object("Secret", cfg.Monitoring.Namespace, name)))

	// Without a pull Secret nothing is copied and no chart names one.
	dev := planStack(t, "dev")
	assert.Nil(t, objectsNamed(dev, "Secret", "contoso-registry"))
	v, _ = release(t, dev, "istiod").Input("values.global.imagePullSecrets")
	assert.Nil(t, v)
}

func objectsNamed(p *plan.Plan, kind, name string) []*plan.Resource {
	var out []*plan.Resource
	for _, r := range objects(p, kind) {
		if r.Str("metadata.name") == name {
			out = append(out, r)
		}
	}
	return out
}

// ingressPortsFrom returns the ports a NetworkPolicy admits from a namespace.
func ingressPortsFrom(t *testing.T, np *plan.Resource, ns string) []int {
	t.Helper()
	var out []int
	for _, rule := range listAt(np, "spec.ingress") {
		r := rule.(map[string]any)
		from, _ := r["from"].([]any)
		for _, f := range from {
			sel, _ := f.(map[string]any)["namespaceSelector"].(map[string]any)
			labels, _ := sel["matchLabels"].(map[string]any)
			if labels["kubernetes.io/metadata.name"] != ns {
				continue
			}
			ports, _ := r["ports"].([]any)
			for _, p := range ports {
				out = append(out, toInt(p.(map[string]any)["port"]))
			}
		}
	}
	return out
}

// With the mesh on, the app port answers mesh peers only (STRICT mTLS) and a Prometheus outside
// the mesh (the customer's, or the installed one) has no mesh certificate: the apps' metrics are
// scraped from the sidecar agent's merged endpoint (port 15020, outside mTLS), in both modes of
// the customer's Prometheus (Prometheus Operator or prometheus.io annotations).
func TestAppsAreScrapedFromOutsideTheMesh(t *testing.T) {
	ka := planStack(t, "ka") // mesh existing, monitoring existing with the Prometheus Operator
	_, cfg := load(t, stackFile{"ka", filepath.Join(projectDir, "Pulumi.ka.yaml")})
	assert.Empty(t, objects(ka, "ServiceMonitor"), "nothing scrapes the app port through mTLS")
	for _, app := range []string{"workfx-api", "workfx-cdc"} {
		pm := ka.Object("PodMonitor", kaNamespace, app)
		require.NotNil(t, pm, "%s is scraped", app)
		labels := mapAt(pm, "metadata.labels")
		assert.Equal(t, "kube-prometheus-stack", labels["release"], "labelled for the customer's Prometheus (serviceMonitorLabels)")
		ep := listAt(pm, "spec.podMetricsEndpoints")[0].(map[string]any)
		assert.Equal(t, "http", ep["scheme"])
		assert.Equal(t, "/stats/prometheus", ep["path"])
		assert.Nil(t, ep["tlsConfig"], "no mesh certificate")
		b, _ := json.Marshal(ep["relabelings"])
		assert.Contains(t, string(b), `"replacement":"${1}:15020"`, "the agent's merged endpoint")

		d := ka.Object("Deployment", kaNamespace, app)
		ann := mapAt(d, "spec.template.metadata.annotations")
		assert.Equal(t, "8000", ann["prometheus.io/port"], "%s: where istio-agent finds the app's metrics to merge", app)
		assert.Equal(t, "/metrics", ann["prometheus.io/path"])

		np := ka.Object("NetworkPolicy", kaNamespace, app)
		assert.ElementsMatch(t, []int{15020, 15090}, ingressPortsFrom(t, np, cfg.Monitoring.Namespace),
			"%s: Prometheus reaches the agent and Envoy, not the mTLS app port", app)
	}
	// Apps without metrics of their own: Envoy's and the agent's ports still (every injected pod
	// is annotated for 15020 by the injector).
	assert.ElementsMatch(t, []int{15020, 15090}, ingressPortsFrom(t, ka.Object("NetworkPolicy", kaNamespace, "rasa-pro"), cfg.Monitoring.Namespace))
	assert.Nil(t, ka.Object("PodMonitor", kaNamespace, "rasa-pro"), "Rasa Pro exposes no metrics of its own")

	// Annotation-based Prometheus: the injector rewrites every pod's prometheus.io port to 15020,
	// which the NetworkPolicy admits.
	ann := mustPlan(t, "ka-annotations", kaWith(t, []edit{{"workfx:monitoring.prometheusOperator", false}, {"workfx:monitoring.alerting", nil}}))
	assert.Empty(t, objects(ann, "PodMonitor"))
	assert.Equal(t, "true", mapAt(ann.Object("Deployment", kaNamespace, "workfx-api"), "spec.template.metadata.annotations")["prometheus.io/scrape"])
	for _, app := range kaApps {
		assert.Contains(t, ingressPortsFrom(t, ann.Object("NetworkPolicy", kaNamespace, app), cfg.Monitoring.Namespace), 15020, app)
	}

	// Without the mesh: a ServiceMonitor on the app's own http port, which the policy admits.
	plain := mustPlan(t, "ka-no-mesh", kaWith(t, []edit{{"workfx:mesh", map[string]any{"mode": "disabled"}}}))
	sm := plain.Object("ServiceMonitor", kaNamespace, "workfx-api")
	require.NotNil(t, sm)
	assert.Equal(t, "http", listAt(sm, "spec.endpoints")[0].(map[string]any)["port"])
	assert.Equal(t, []int{8000}, ingressPortsFrom(t, plain.Object("NetworkPolicy", kaNamespace, "workfx-api"), cfg.Monitoring.Namespace))
	assert.Empty(t, ingressPortsFrom(t, plain.Object("NetworkPolicy", kaNamespace, "rasa-pro"), cfg.Monitoring.Namespace), "no metrics, nothing to scrape")

	// The installed Prometheus scrapes the same way: no mesh sidecar or certificate in it.
	prov := planFile(t, "ka-provision-mesh", filepath.Join(projectDir, "tests", "testdata", "stacks", "ka-provision-mesh.yaml"))
	assert.NotNil(t, prov.Object("PodMonitor", kaNamespace, "workfx-api"))
	b, _ := json.Marshal(release(t, prov, monitoring.ReleaseName).Inputs(false)["values"])
	assert.NotContains(t, string(b), "prom-certs")
}

// toInt reads a number of a plan's inputs (int64 or float64 depending on the path it took).
func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int:
		return n
	case float64:
		return int(n)
	}
	return -1
}
