// Package stacks composes the platform from a validated config.Config: the only place that
// composes. Build reads as the data flow: the platform (the customer's cluster, Azure or AWS,
// chosen once) yields the cluster and the dependencies' endpoints; then the namespace, the
// Secrets contract, the mesh and monitoring installs, the apps and the mesh and monitoring
// objects follow, the same on every platform.
package stacks

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/monitoring"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/secrets/contract"
	"github.com/workfx/workfx-platform/components/workload"
	"github.com/workfx/workfx-platform/config"
)

// partOf labels every object this program renders in the cluster.
var partOf = map[string]string{
	"app.kubernetes.io/part-of":    "workfx-ai",
	"app.kubernetes.io/managed-by": "pulumi",
}

// Build composes the platform from a validated Config.
func Build(ctx *pulumi.Context, cfg *config.Config) error {
	// Where the cluster and the apps' dependencies come from.
	pf, err := newPlatform(ctx, cfg)
	if err != nil {
		return err
	}
	deps := pf.dependencies()
	k8s := pulumi.Providers(pf.cluster().Provider)

	ns, err := workload.NewNamespace(ctx, "namespace", &workload.NamespaceArgs{
		Name:        cfg.Cluster.Namespace,
		Create:      config.On(cfg.Cluster.CreateNamespace),
		Labels:      namespaceLabels(cfg),
		AppSelector: map[string]string{"app.kubernetes.io/part-of": partOf["app.kubernetes.io/part-of"]},
		Quota:       namespaceQuota(cfg),
	}, k8s)
	if err != nil {
		return err
	}

	// The Kubernetes Secrets the images read (seed 001/000), or the customer's own, read as they are.
	secretArgs, err := contractArgs(ctx, cfg, deps)
	if err != nil {
		return err
	}
	if err := pf.storeCredentials(ctx, secretArgs); err != nil {
		return err
	}
	secretArgs.Namespace, secretArgs.NamespaceName, secretArgs.NamespaceReady = ns.Name, cfg.Cluster.Namespace, ns.Object
	secretArgs.Labels = partOf
	secretArgs.OtherReaders = alertReaders(cfg)
	contractSecrets, err := secrets.New(ctx, "contract", secretArgs, k8s)
	if err != nil {
		return err
	}

	// Istio and the monitoring stack come first when this program installs them: the apps'
	// sidecars need istiod, the policy CRs and ServiceMonitors need the CRDs.
	ad, err := installAddons(ctx, cfg, contractSecrets.PullSecret(), k8s)
	if err != nil {
		return err
	}
	// Everything the pods need before they start: the contract Secrets and what the platform's
	// backends need in the cluster (MSK's topics).
	appDeps := contractSecrets.Resources()
	extra, err := pf.inCluster(ctx, &inClusterArgs{namespace: ns.Name, k8s: k8s, after: appDeps})
	if err != nil {
		return err
	}
	appDeps = append(appDeps, extra...)

	var meshServices []mesh.Service
	var targets []monitoring.Target
	appNames := pulumi.StringArray{}
	for _, def := range enabledApps(cfg) {
		spec := appSpec(cfg, def, def.Of(cfg), deps, contractSecrets)
		spec.Namespace = ns.Name
		// The contract Secrets (and the topics) exist before the first pod reads them.
		spec.DependsOn = append([]pulumi.Resource{}, appDeps...)
		// With injection on, the first pods get their sidecar only if istiod already serves.
		spec.DependsOn = append(spec.DependsOn, ad.injector()...)
		pf.identity(def, spec)
		if _, err := workload.New(ctx, def.Name, spec, k8s); err != nil {
			return err
		}
		appNames = append(appNames, pulumi.String(def.Name))
		meshServices = append(meshServices, meshService(cfg, def, def.Of(cfg)))
		if def.MetricsPath != "" {
			targets = append(targets, monitoring.Target{Name: def.Name, Port: def.Port, MetricsPath: def.MetricsPath})
		}
	}

	if cfg.Mesh.Mode != config.ModeDisabled {
		if _, err := mesh.New(ctx, "mesh", &mesh.Args{
			Namespace:             ns.Name,
			NamespaceName:         cfg.Cluster.Namespace,
			Host:                  cfg.Mesh.Host,
			TLSCredentialName:     cfg.Mesh.TLSCredentialName,
			GatewaySelector:       cfg.Mesh.GatewaySelector,
			GatewayNamespace:      cfg.Mesh.GatewayNamespace,
			GatewayServiceAccount: gatewayServiceAccount(cfg),
			AppSelector:           map[string]string{"app.kubernetes.io/part-of": partOf["app.kubernetes.io/part-of"]},
			JWT:                   mesh.JWT{Issuer: cfg.Mesh.JWT.Issuer, JWKSURI: cfg.Mesh.JWT.JWKSURI, Audiences: cfg.Mesh.JWT.Audiences},
			TracingPercent:        cfg.Mesh.TracingSamplingPercent,
			HSTS:                  cfg.Mesh.HSTSHeader(),
			CORS:                  meshCORS(cfg.Mesh.CORS),
			RateLimit:             meshRateLimit(cfg.Mesh.RateLimit),
			GatewayReady:          ad.gatewayReady(),
			Services:              meshServices,
			External:              meshExternals(cfg, deps, pf.cloudEndpoints()),
			Dependencies:          appDependencies(cfg, deps, pf.cloudEndpoints()),
			IstioNamespace:        cfg.Mesh.IstioNamespace,
			EgressHosts:           meshEgressHosts(cfg),
			Labels:                partOf,
			CRDs:                  ad.meshCRDs(),
		}, k8s); err != nil {
			return err
		}
	}
	if usesServiceMonitors(cfg) {
		// What raises alerts (the rules) and, when configured, where they go.
		aa := alertingArgs(cfg, contractSecrets)
		aa.Namespace, aa.CRDs = ns.Name, ad.monitoringCRDs()
		aa.Labels = kube.Merge(partOf, cfg.Monitoring.ServiceMonitorLabels)
		if _, err := monitoring.NewAlerting(ctx, "alerting", aa, k8s); err != nil {
			return err
		}
	}
	if usesServiceMonitors(cfg) && len(targets) > 0 {
		if _, err := monitoring.New(ctx, "monitoring", &monitoring.Args{
			Namespace:      ns.Name,
			NamespaceName:  cfg.Cluster.Namespace,
			Labels:         kube.Merge(partOf, cfg.Monitoring.ServiceMonitorLabels),
			ScrapeInterval: cfg.Monitoring.ScrapeInterval,
			Mesh:           cfg.Mesh.Mode != config.ModeDisabled,
			Targets:        targets,
			CRDs:           ad.monitoringCRDs(),
		}, k8s); err != nil {
			return err
		}
	}

	ctx.Export("namespace", ns.Name)
	ctx.Export("apps", appNames)
	ctx.Export("kubeconfig", pf.cluster().Kubeconfig)
	ctx.Export("postgresHost", deps.postgres.Host)
	ctx.Export("kafkaBootstrapServers", deps.kafka.BootstrapServers)
	if cfg.Mesh.Mode != config.ModeDisabled {
		ctx.Export("apiUrl", pulumi.String("https://"+cfg.Mesh.Host))
	}
	return nil
}

// generated returns the configured credential, or a random one when none is given. Generated
// values live in the (encrypted) stack state and the contract Secret. Nothing is generated for a
// contract Secret the customer owns.
func generated(ctx *pulumi.Context, cfg *config.Config, secret, name string, value config.Secret, ref *config.SecretRef) (credential.Source, error) {
	if src := credential.FromConfig(value, ref); src.IsSet() || cfg.Secrets.Owns(secret) {
		return src, nil
	}
	pw, err := credential.Generate(ctx, name, 64)
	if err != nil {
		return credential.Source{}, err
	}
	return credential.Source{Value: pw}, nil
}

func contractArgs(ctx *pulumi.Context, cfg *config.Config, deps *dependencies) (*secrets.Args, error) {
	cr := cfg.Credentials
	adminKey, err := generated(ctx, cfg, contract.JWTSecret, "admin-jwt-key", cr.AdminJWTKey, cr.AdminJWTKeyRef)
	if err != nil {
		return nil, err
	}
	aiKey, err := generated(ctx, cfg, contract.JWTSecret, "ai-jwt-key", cr.AIJWTKey, cr.AIJWTKeyRef)
	if err != nil {
		return nil, err
	}
	dataSecret, err := generated(ctx, cfg, contract.AppSecret, "data-secret", cr.DataSecret, cr.DataSecretRef)
	if err != nil {
		return nil, err
	}
	args := &secrets.Args{
		Postgres: deps.postgres,
		Redis:    deps.redis,
		Kafka:    deps.kafka,
		Search:   deps.search,
		JWT: secrets.JWTArgs{
			AdminKey: adminKey, AIKey: aiKey,
			AdminIssuer: cfg.Settings.JWT.AdminIssuer, AdminAudience: cfg.Settings.JWT.AdminAudience,
			AIIssuer: cfg.Settings.JWT.AIIssuer, AIAudience: cfg.Settings.JWT.AIAudience,
		},
		DataSecret:      dataSecret,
		JinaAPIKey:      credential.FromConfig(cr.JinaAPIKey, cr.JinaAPIKeyRef),
		EmbeddingAPIKey: credential.FromConfig(cr.EmbeddingAPIKey, cr.EmbeddingAPIKeyRef),
		RerankAPIKey:    credential.FromConfig(cr.RerankAPIKey, cr.RerankAPIKeyRef),
		LLMAPIKey:       credential.FromConfig(cr.LLMAPIKey, cr.LLMAPIKeyRef),
		CustomerOwned:   map[string]bool{},
		PullSecret:      cfg.Images.PullSecret,
	}
	for _, name := range cfg.Secrets.Existing {
		args.CustomerOwned[name] = true
	}
	rasaPro, rasaServices := cfg.Apps.RasaPro.On(), cfg.Apps.RasaProServices.On()
	args.Rasa, args.RasaServices = rasaPro || rasaServices, rasaServices
	if args.Rasa {
		args.RasaLicense = credential.FromConfig(cr.RasaProLicense, cr.RasaProLicenseRef)
	}
	if rasaServices && !cfg.Secrets.Owns(contract.AnalyticsDBSecret) {
		args.AnalyticsDBURL = credential.FromConfig(cr.AnalyticsDBURL, cr.AnalyticsDBURLRef)
		if !args.AnalyticsDBURL.IsSet() {
			args.AnalyticsDBURL = credential.FromOutput(postgresURL(deps.postgres))
		}
	}
	return args, nil
}

// postgresURL composes Rasa Pro Services' RASA_ANALYTICS_DB_URL from the Postgres endpoint
// (validation guarantees the password is a value here, not a reference).
func postgresURL(pg *postgres.Endpoint) pulumi.StringOutput {
	return pulumi.All(pg.Host, pg.Database, pg.Username, pg.Password.Value).ApplyT(func(v []any) string {
		u := url.URL{
			Scheme:   "postgresql",
			User:     url.UserPassword(v[2].(string), v[3].(string)),
			Host:     fmt.Sprintf("%s:%d", v[0].(string), pg.Port),
			Path:     "/" + v[1].(string),
			RawQuery: "sslmode=" + url.QueryEscape(pg.SSLMode),
		}
		return u.String()
	}).(pulumi.StringOutput)
}

func namespaceLabels(cfg *config.Config) map[string]string {
	labels := kube.Merge(partOf, map[string]string{"pod-security.kubernetes.io/warn": "restricted"})
	if cfg.Mesh.Mode != config.ModeDisabled {
		labels["istio-injection"] = "enabled"
	} else {
		// Without sidecars (whose init container needs NET_ADMIN) every pod meets "restricted".
		labels["pod-security.kubernetes.io/enforce"] = "restricted"
	}
	return labels
}

func metricsNamespace(cfg *config.Config) string {
	if cfg.Monitoring.Mode == config.ModeDisabled {
		return ""
	}
	return cfg.Monitoring.Namespace
}

func usesServiceMonitors(cfg *config.Config) bool {
	return cfg.Monitoring.Mode != config.ModeDisabled && config.On(cfg.Monitoring.PrometheusOperator)
}

func meshService(cfg *config.Config, def appDef, a *config.AppConfig) mesh.Service {
	open := []string{def.HealthPath}
	// Callers by ServiceAccount (each app's is named after it); a caller that is off has none.
	var callers []string
	for _, key := range a.Callers {
		if c, ok := config.AppByKey(key); ok && c.Of(cfg).On() {
			callers = append(callers, c.Name)
		}
	}
	return mesh.Service{
		Name: def.Name, Port: def.Port, Public: def.Public,
		Timeout: a.Timeout, Retries: *a.Retries, MaxConnections: a.MaxConnections,
		OpenPaths: open, Callers: callers,
	}
}

// gatewayServiceAccount is the ingress gateway's identity: the one this program installs, or the
// customer's.
func gatewayServiceAccount(cfg *config.Config) string {
	if cfg.Mesh.Mode == config.ModeProvision {
		return mesh.GatewayReleaseName // the gateway chart's ServiceAccount is named after the release
	}
	return cfg.Mesh.GatewayServiceAccount
}

// image applies the registry override: a repository that starts with a registry host has the
// host replaced; one without (Docker Hub style) gets the registry prefixed.
func image(registry string, img config.ImageConfig) string {
	repo := img.Repository
	if registry != "" {
		if host, rest, ok := cutRegistry(repo); ok && host != "" {
			repo = registry + "/" + rest
		} else {
			repo = registry + "/" + repo
		}
	}
	return repo + ":" + img.Tag
}

func cutRegistry(repo string) (host, rest string, ok bool) {
	for i := 0; i < len(repo); i++ {
		if repo[i] == '/' {
			first := repo[:i]
			for _, c := range first {
				if c == '.' || c == ':' {
					return first, repo[i+1:], true
				}
			}
			if first == "localhost" {
				return first, repo[i+1:], true
			}
			return "", repo, false
		}
	}
	return "", repo, false
}

func appSpec(cfg *config.Config, def appDef, a *config.AppConfig, deps *dependencies, cs *secrets.Contract) *workload.Spec {
	spec := &workload.Spec{
		Name:        def.Name,
		Image:       image(cfg.Images.Registry, a.Image),
		Args:        def.Args,
		Replicas:    a.Replicas,
		MaxReplicas: a.MaxReplicas,
		Resources: workload.Resources{
			RequestCPU: a.Resources.Requests.CPU, RequestMemory: a.Resources.Requests.Memory,
			LimitCPU: a.Resources.Limits.CPU, LimitMemory: a.Resources.Limits.Memory,
		},
		Port:                    def.Port,
		HealthPath:              def.HealthPath,
		MetricsPath:             def.MetricsPath,
		StartupFailureThreshold: def.StartupFailureThreshold,
		WritablePaths:           def.WritablePaths,
		PullSecret:              cfg.Images.PullSecret,
		Labels:                  partOf,
		RolloutTimeout:          a.RolloutTimeout,
		Config: pulumi.StringMap{
			"ENVIRONMENT": pulumi.String(cfg.Environment),
			"LOG_LEVEL":   pulumi.String(cfg.Settings.LogLevel),
			"ENABLE_OTEL": pulumi.String(strconv.FormatBool(config.On(cfg.Settings.EnableOtel))),
			"PORT":        pulumi.String(strconv.Itoa(def.Port)),
		},
	}
	for _, g := range def.Secrets {
		for _, e := range cs.Env(g) {
			spec.SecretEnv = append(spec.SecretEnv, workload.SecretEnv{Name: e.Env, Ref: e.Ref, Optional: e.Optional})
		}
	}
	spec.SecretRevisions = cs.Revisions(def.Secrets...)
	if cfg.Secrets.Owns(contract.JWTSecret) && slices.Contains(def.Secrets, contract.JWT) {
		// Seed 001's "方式 2" jwt-secret holds the two keys only: the issuers and audiences come
		// from the settings, unless the customer's Secret has them (env wins over envFrom).
		j := cfg.Settings.JWT
		for env, v := range map[string]string{"ADMIN_JWT_ISSUER": j.AdminIssuer, "ADMIN_JWT_AUDIENCE": j.AdminAudience,
			"AI_JWT_ISSUER": j.AIIssuer, "AI_JWT_AUDIENCE": j.AIAudience} {
			spec.Config[env] = pulumi.String(v)
		}
	}

	var ports []int
	if def.WorkfxSettings {
		workfxSettings(cfg, deps, spec.Config)
		ports = append(ports, deps.postgres.Port, deps.redis.Port, 443)
		ports = append(ports, deps.kafka.Ports...)
		if deps.search != nil {
			ports = append(ports, deps.search.Port)
		}
	}
	if def.Rasa {
		caFile := rasaKafkaSettings(deps.kafka, spec)
		if def.Name == "rasa-pro" {
			spec.Files = append(spec.Files, workload.File{Key: "endpoints.yml", Content: rasaEndpoints(deps.kafka.SASL(), caFile), MountPath: "/app/endpoints.yml"})
		} else {
			ports = append(ports, deps.postgres.Port) // the analytics database
		}
		ports = append(ports, deps.kafka.Ports...)
	}

	spec.Network = workload.Network{EgressTCPPorts: ports, MetricsNamespace: metricsNamespace(cfg), MetricsPorts: metricsPorts(cfg, def)}
	if cfg.Mesh.Mode != config.ModeDisabled {
		spec.Network.EgressNamespaces = []string{cfg.Mesh.IstioNamespace}
		if def.Public {
			spec.Network.IngressNamespaces = []string{cfg.Mesh.GatewayNamespace}
		}
		// The sidecars send spans to the tracing collector.
		spec.Network.EgressTCPPorts = append(spec.Network.EgressTCPPorts, meshEgressPorts(cfg)...)
	}
	if def.MetricsPath != "" && (cfg.Mesh.Mode != config.ModeDisabled || !usesServiceMonitors(cfg)) {
		// Without the Prometheus Operator the annotations are what Prometheus scrapes; with a
		// sidecar they also tell istio-agent where the app's metrics are to merge (package
		// monitoring).
		spec.PodAnnotations = monitoring.PodAnnotations(monitoring.Target{Name: def.Name, Port: def.Port, MetricsPath: def.MetricsPath})
	}
	return spec
}

// metricsPorts are the ports of an app's pods that Prometheus scrapes from the monitoring
// namespace. With a sidecar the app port only answers mesh peers (STRICT mTLS), and Prometheus
// scrapes the sidecar: Envoy's stats port, and the agent's port, where the app's metrics are
// merged (and where the injector points every pod's prometheus.io annotations, for
// annotation-based Prometheus). Without a sidecar, the app port for the apps with metrics.
func metricsPorts(cfg *config.Config, def appDef) []int {
	if metricsNamespace(cfg) == "" {
		return nil
	}
	if cfg.Mesh.Mode != config.ModeDisabled {
		return []int{monitoring.AgentMergedPort, monitoring.EnvoyStatsPort}
	}
	if def.MetricsPath != "" {
		return []int{def.Port}
	}
	return nil
}

// workfxSettings are the non-secret settings of seed 001 (`config:` and `workfx.storage`).
func workfxSettings(cfg *config.Config, deps *dependencies, m pulumi.StringMap) {
	st := deps.storage
	m["CLOUD_PROVIDER"] = pulumi.String(cfg.Cloud)
	m["KA_NAME"] = pulumi.String(cfg.Customer)
	m["POSTGRES_SSLMODE"] = pulumi.String(deps.postgres.SSLMode)
	m["ELASTICSEARCH_ENABLED"] = pulumi.String(strconv.FormatBool(deps.search != nil))
	m["STORAGE_TYPE"] = pulumi.String(st.Type)
	m["BUCKET_URI_PATH"] = st.Endpoint
	m["ADMIN_BUCKET_NAME"] = pulumi.String(st.Names.Admin)
	m["USER_BUCKET_NAME"] = pulumi.String(st.Names.User)
	m["PUBLIC_BUCKET_NAME"] = pulumi.String(st.Names.Public)
	m["EMAIL_BUCKET_NAME"] = pulumi.String(st.Names.Email)
	m["TOOLS_IMAGE_BUCKET_NAME"] = pulumi.String(st.Names.ToolsImage)
	for prefix, model := range map[string]config.ModelConfig{"EMBEDDING": cfg.Settings.Models.Embedding, "RERANK": cfg.Settings.Models.Rerank, "LLM": cfg.Settings.Models.LLM} {
		m[prefix+"_PROVIDER"] = pulumi.String(model.Provider)
		m[prefix+"_MODEL"] = pulumi.String(model.Name)
		m[prefix+"_BASE_URL"] = pulumi.String(model.BaseURL)
	}
}

// rasaKafkaSettings adds seed 000's Kafka variables (the non-secret ones) and the CA file, and
// returns the CA path ("" without a private CA).
func rasaKafkaSettings(k *kafka.Endpoint, spec *workload.Spec) string {
	spec.Config["KAFKA_BROKER_ADDRESS"] = k.BootstrapServers
	spec.Config["KAFKA_TOPIC"] = pulumi.String(k.Topics.RasaEvents)
	spec.Config["KAFKA_SECURITY_PROTOCOL"] = pulumi.String(k.SecurityProtocol)
	if k.SASL() {
		spec.Config["KAFKA_SASL_MECHANISM"] = pulumi.String(k.SASLMechanism)
	}
	if k.CACertificate == "" {
		return ""
	}
	const caPath = "/app/CAroot.pem"
	spec.Config["KAFKA_SSL_CA_LOCATION"] = pulumi.String(caPath)
	spec.Files = append(spec.Files, workload.File{Key: "CAroot.pem", Content: k.CACertificate, MountPath: caPath})
	return caPath
}

// meshCORS is the public routes' CORS policy (nil: none).
func meshCORS(c *config.CORSConfig) *mesh.CORS {
	if c == nil {
		return nil
	}
	return &mesh.CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
		ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge, AllowCredentials: c.AllowCredentials}
}

// namespaceQuota is the apps' namespace's ResourceQuota and LimitRange (nil: none).
func namespaceQuota(cfg *config.Config) *workload.Quota {
	q := cfg.Cluster.Quota
	if !config.On(q.Enabled) {
		return nil
	}
	return &workload.Quota{
		Hard: map[string]string{
			"requests.cpu": q.Requests.CPU, "requests.memory": q.Requests.Memory,
			"limits.cpu": q.Limits.CPU, "limits.memory": q.Limits.Memory,
			"pods": strconv.Itoa(q.Pods),
		},
		DefaultRequest: map[string]string{"cpu": q.DefaultRequest.CPU, "memory": q.DefaultRequest.Memory},
		DefaultLimit:   map[string]string{"cpu": q.DefaultLimit.CPU, "memory": q.DefaultLimit.Memory},
	}
}

// meshRateLimit is the gateway's rate limit on the API host (nil: none).
func meshRateLimit(rl config.RateLimitConfig) *mesh.RateLimit {
	if !config.On(rl.Enabled) {
		return nil
	}
	return &mesh.RateLimit{Requests: rl.Requests, Burst: rl.Burst, Interval: rl.Interval}
}
