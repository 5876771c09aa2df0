package config

import (
	"reflect"
	"sort"
	"strings"
)

// Load decodes raw Pulumi config (keys "workfx:<key>", structured values as JSON) into a
// Config, applies defaults and validates it. Every problem is reported at once, each naming its
// key path and what is allowed. Keys of other namespaces (aws:, kubernetes:, …) are ignored.
func Load(raw map[string]string) (*Config, error) {
	probs := &problems{}
	cfg := &Config{}
	fields := structFields(reflect.TypeOf(*cfg))
	v := reflect.ValueOf(cfg).Elem()

	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, full := range keys {
		ns, key, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		if key == "" {
			probs.add(Namespace+":<no name>", "a key with nothing after %q; allowed keys: %s", Namespace+":", strings.Join(prefixed(configKeys), ", "))
			continue
		}
		idx, known := fields[key]
		if !known {
			probs.add(full, "unknown key; allowed keys: %s", strings.Join(prefixed(configKeys), ", "))
			continue
		}
		field := v.Field(idx)
		if field.Kind() == reflect.String {
			field.SetString(raw[full])
			continue
		}
		parsed, err := parseJSON(raw[full])
		if err != nil {
			probs.add(full, "must be an object (YAML mapping); it does not parse: %v", err)
			continue
		}
		decodeValue(full, parsed, field, probs)
	}
	applyDefaults(cfg)
	cfg.validate(probs)
	if err := probs.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func prefixed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Namespace + ":" + k
	}
	return out
}

func boolPtr(b bool) *bool { return &b }

// On reports a *bool config flag, with its default already applied.
func On(b *bool) bool { return b != nil && *b }

func applyDefaults(c *Config) {
	if c.Cloud == "" {
		c.Cloud = "none"
	}
	if c.Cluster.Namespace == "" {
		c.Cluster.Namespace = "workfx-ai"
	}
	if c.Cluster.CreateNamespace == nil {
		c.Cluster.CreateNamespace = boolPtr(true)
	}
	if c.Cluster.Mode == ModeExisting && c.Cluster.Existing == nil {
		// An existing cluster needs no settings: the ambient kubeconfig is used.
		c.Cluster.Existing = &ClusterExisting{}
	}
	if c.Postgres.Existing != nil {
		if c.Postgres.Existing.Port == 0 {
			c.Postgres.Existing.Port = 5432
		}
		if c.Postgres.Existing.SSLMode == "" {
			c.Postgres.Existing.SSLMode = "require"
		}
	}
	if c.Redis.Existing != nil && c.Redis.Existing.Port == 0 {
		c.Redis.Existing.Port = 6379
		if c.Redis.Existing.TLS {
			c.Redis.Existing.Port = 6380
		}
	}
	if c.Kafka.Topics.DocumentChunks == "" {
		c.Kafka.Topics.DocumentChunks = "postgres.public.document_chunks"
	}
	if c.Kafka.Topics.Agents == "" {
		c.Kafka.Topics.Agents = "postgres.public.agents"
	}
	if c.Kafka.Topics.RasaEvents == "" {
		c.Kafka.Topics.RasaEvents = "rasa-assistant"
	}
	if c.Kafka.ConsumerGroupPrefix == "" {
		c.Kafka.ConsumerGroupPrefix = "workfx-ai"
	}
	if c.Elasticsearch.Mode == "" {
		c.Elasticsearch.Mode = ModeDisabled
	}
	if c.Mesh.Mode == "" {
		c.Mesh.Mode = ModeDisabled
	}
	if c.Mesh.GatewayNamespace == "" {
		c.Mesh.GatewayNamespace = "istio-ingress"
	}
	if c.Mesh.IstioNamespace == "" {
		c.Mesh.IstioNamespace = "istio-system"
	}
	if len(c.Mesh.GatewaySelector) == 0 {
		c.Mesh.GatewaySelector = map[string]string{"istio": "ingressgateway"}
	}
	if c.Mesh.Mode == ModeExisting && c.Mesh.GatewayServiceAccount == "" {
		c.Mesh.GatewayServiceAccount = istioctlGatewayServiceAccount
	}
	applyEdgeDefaults(&c.Mesh)
	if c.Mesh.TLSCredentialName == "" {
		c.Mesh.TLSCredentialName = "workfx-ai-tls"
	}
	if c.Monitoring.Mode == "" {
		c.Monitoring.Mode = ModeDisabled
	}
	if c.Monitoring.PrometheusOperator == nil {
		c.Monitoring.PrometheusOperator = boolPtr(true)
	}
	if c.Monitoring.Namespace == "" {
		c.Monitoring.Namespace = "monitoring"
	}
	if c.Monitoring.ScrapeInterval == "" {
		c.Monitoring.ScrapeInterval = "30s"
	}
	applyAlertingDefaults(c.Monitoring.Alerting)
	s := &c.Settings
	if s.LogLevel == "" {
		s.LogLevel = "INFO"
	}
	if s.EnableOtel == nil {
		s.EnableOtel = boolPtr(true)
	}
	for _, p := range []*string{&s.JWT.AdminIssuer, &s.JWT.AdminAudience, &s.JWT.AIIssuer, &s.JWT.AIAudience} {
		if *p == "" {
			*p = "https://workfx.ai"
		}
	}
	for _, app := range Apps {
		app.applyDefaults(app.Of(c), c.Environment)
	}
	c.applyAzureDefaults()
	applyAWSDefaults(c)
	applyPlatformDefaults(c)
	applyQuotaDefaults(c)
}
