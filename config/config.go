// Package config owns what the user writes: the typed stack configuration (Config), its decoding
// from Pulumi config with key paths (Load), defaults, validation that reports every problem at
// once naming its key, the stack files (ReadStackFile) and the Secrets the customer must keep
// (CustomerSecrets). It imports no Pulumi SDK: components convert from these plain types.
package config

import "reflect"

// Namespace is the Pulumi project name; every config key lives under it ("workfx:postgres").
const Namespace = "workfx"

// Dependency modes.
const (
	ModeProvision = "provision"
	ModeExisting  = "existing"
	ModeDisabled  = "disabled"
)

// Config is the whole stack configuration, typed. Load fills it from raw Pulumi config and
// validates it; nothing else in the program reads config.
type Config struct {
	Environment   string              `json:"environment"`
	Cloud         string              `json:"cloud"`
	Customer      string              `json:"customer"`
	Cluster       ClusterConfig       `json:"cluster"`
	Images        ImagesConfig        `json:"images"`
	Postgres      PostgresConfig      `json:"postgres"`
	Redis         RedisConfig         `json:"redis"`
	Kafka         KafkaConfig         `json:"kafka"`
	Elasticsearch SearchConfig        `json:"elasticsearch"`
	ObjectStorage ObjectStorageConfig `json:"objectStorage"`
	Mesh          MeshConfig          `json:"mesh"`
	Monitoring    MonitoringConfig    `json:"monitoring"`
	Credentials   CredentialsConfig   `json:"credentials"`
	Secrets       SecretsConfig       `json:"secrets"`
	Settings      SettingsConfig      `json:"settings"`
	Apps          AppsConfig          `json:"apps"`
	// Azure is read with cloud azure (azure.go).
	Azure AzureConfig `json:"azure"`
	// AWS is read with cloud aws (aws.go).
	AWS AWSConfig `json:"aws"`
}

// ClusterConfig is workfx:cluster.
type ClusterConfig struct {
	Mode            string           `json:"mode"`
	Namespace       string           `json:"namespace"`
	CreateNamespace *bool            `json:"createNamespace"`
	Existing        *ClusterExisting `json:"existing"`
	// Quota is the apps' namespace's ResourceQuota and LimitRange (quota.go).
	Quota QuotaConfig `json:"quota"`
}

// ImagesConfig is workfx:images: where images come from (seed 001 global.imageRegistry).
type ImagesConfig struct {
	// Registry, when set, replaces the registry host of every image (air-gapped customers).
	Registry string `json:"registry"`
	// PullSecret names an existing docker-registry Secret in the namespace.
	PullSecret string `json:"pullSecret"`
	// ChartRepository, when set, replaces the public repository of every Helm chart this program
	// installs (Istio, kube-prometheus-stack): an http(s) chart repository or an oci:// registry path.
	ChartRepository string `json:"chartRepository"`
}

// PostgresConfig is workfx:postgres.
type PostgresConfig struct {
	Mode     string            `json:"mode"`
	Existing *PostgresExisting `json:"existing"`
}

// RedisConfig is workfx:redis.
type RedisConfig struct {
	Mode     string         `json:"mode"`
	Existing *RedisExisting `json:"existing"`
}

// KafkaConfig is workfx:kafka.
type KafkaConfig struct {
	Mode                string         `json:"mode"`
	Topics              KafkaTopics    `json:"topics"`
	ConsumerGroupPrefix string         `json:"consumerGroupPrefix"`
	Existing            *KafkaExisting `json:"existing"`
}

// SearchConfig is workfx:elasticsearch (optional in seed 001, hence "disabled").
type SearchConfig struct {
	Mode     string          `json:"mode"`
	Existing *SearchExisting `json:"existing"`
}

// ObjectStorageConfig is workfx:objectStorage.
type ObjectStorageConfig struct {
	Mode     string           `json:"mode"`
	Existing *StorageExisting `json:"existing"`
}

// MeshConfig is workfx:mesh: Istio policy for the apps.
type MeshConfig struct {
	Mode string `json:"mode"`
	// Host is the public API host name (seed 001 global.domain).
	Host string `json:"host"`
	// TLSCredentialName is the Secret (in the gateway's namespace) holding the host's certificate.
	TLSCredentialName string `json:"tlsCredentialName"`
	// GatewayNamespace is where the ingress gateway pods run.
	GatewayNamespace string `json:"gatewayNamespace"`
	// GatewaySelector selects the ingress gateway pods.
	GatewaySelector map[string]string `json:"gatewaySelector"`
	// GatewayServiceAccount is the ServiceAccount the customer's ingress gateway runs as (mode
	// existing): the public app admits requests from that identity only. The gateway this
	// program installs runs as InstalledGatewayServiceAccount.
	GatewayServiceAccount string `json:"gatewayServiceAccount"`
	// IstioNamespace is where istiod runs (for the sidecars' egress rule).
	IstioNamespace string    `json:"istioNamespace"`
	JWT            JWTConfig `json:"jwt"`
	// TracingSamplingPercent is the share of requests traced (0-100).
	TracingSamplingPercent int `json:"tracingSamplingPercent"`
	// HSTS and CORS are what the public API's routes answer browsers with (edge.go).
	HSTS HSTSConfig  `json:"hsts"`
	CORS *CORSConfig `json:"cors"`
	// RateLimit is the ingress gateway's local rate limit on the API host (edge.go).
	RateLimit RateLimitConfig `json:"rateLimit"`
	// EgressHosts are further "namespace/host" entries each app's Sidecar keeps in its
	// configuration (its callees, dependencies, the Istio namespace and the tracing collector
	// are there already): in-mesh services the apps reach in other namespaces.
	EgressHosts []string `json:"egressHosts"`
	// Provision holds the Istio installation settings (mode provision only; see platform.go).
	Provision *MeshProvisionConfig `json:"provision"`
}

// JWTConfig is the token the gateway-facing API requires (RequestAuthentication).
type JWTConfig struct {
	Issuer    string   `json:"issuer"`
	JWKSURI   string   `json:"jwksUri"`
	Audiences []string `json:"audiences"`
}

// MonitoringConfig is workfx:monitoring.
type MonitoringConfig struct {
	Mode string `json:"mode"`
	// PrometheusOperator: true renders ServiceMonitors; false adds prometheus.io annotations.
	PrometheusOperator *bool `json:"prometheusOperator"`
	// Namespace is where Prometheus runs (allowed to scrape by the NetworkPolicies).
	Namespace string `json:"namespace"`
	// ServiceMonitorLabels are the labels the customer's Prometheus selects ServiceMonitors by.
	ServiceMonitorLabels map[string]string `json:"serviceMonitorLabels"`
	// ScrapeInterval is Prometheus duration syntax (e.g. 30s).
	ScrapeInterval string `json:"scrapeInterval"`
	// Provision holds the kube-prometheus-stack settings (mode provision only; see platform.go).
	Provision *MonitoringProvisionConfig `json:"provision"`
	// Alerting delivers the platform's alerts to receivers, routed by severity (alerting.go).
	Alerting *AlertingConfig `json:"alerting"`
}

// CredentialsConfig is workfx:credentials: the apps' own secrets (seed 001 jwt-secret,
// secret-key; seed 000 license). Each is a secure value OR a reference to the customer's Secret.
// The JWT keys and data secret are generated when neither is given.
type CredentialsConfig struct {
	AdminJWTKey        Secret     `json:"adminJwtKey"`
	AdminJWTKeyRef     *SecretRef `json:"adminJwtKeyRef"`
	AIJWTKey           Secret     `json:"aiJwtKey"`
	AIJWTKeyRef        *SecretRef `json:"aiJwtKeyRef"`
	DataSecret         Secret     `json:"dataSecret"`
	DataSecretRef      *SecretRef `json:"dataSecretRef"`
	JinaAPIKey         Secret     `json:"jinaApiKey"`
	JinaAPIKeyRef      *SecretRef `json:"jinaApiKeyRef"`
	RasaProLicense     Secret     `json:"rasaProLicense"`
	RasaProLicenseRef  *SecretRef `json:"rasaProLicenseRef"`
	AnalyticsDBURL     Secret     `json:"analyticsDbUrl"`
	AnalyticsDBURLRef  *SecretRef `json:"analyticsDbUrlRef"`
	EmbeddingAPIKey    Secret     `json:"embeddingApiKey"`
	EmbeddingAPIKeyRef *SecretRef `json:"embeddingApiKeyRef"`
	RerankAPIKey       Secret     `json:"rerankApiKey"`
	RerankAPIKeyRef    *SecretRef `json:"rerankApiKeyRef"`
	LLMAPIKey          Secret     `json:"llmApiKey"`
	LLMAPIKeyRef       *SecretRef `json:"llmApiKeyRef"`
}

// SecretsConfig is workfx:secrets: contract Secrets the customer created themselves, as seed
// 001's "方式 2" shows (kubectl create secret generic pg-secret …), like the seed chart's
// secrets.create: false.
type SecretsConfig struct {
	// Existing names contract Secrets (pg-secret, tp-redis-secret, …) that already exist in the
	// namespace: the program renders none of them and the apps read each as it is.
	Existing []string `json:"existing"`
}

// Owns reports whether the customer owns the contract Secret of that name.
func (s SecretsConfig) Owns(name string) bool {
	for _, n := range s.Existing {
		if n == name {
			return true
		}
	}
	return false
}

// SettingsConfig is workfx:settings: the apps' non-secret settings (seed 001 `config:` and jwt).
type SettingsConfig struct {
	LogLevel   string       `json:"logLevel"`
	EnableOtel *bool        `json:"enableOtel"`
	JWT        JWTSettings  `json:"jwt"`
	Models     ModelsConfig `json:"models"`
}

// JWTSettings are the non-secret halves of seed 001's jwt-secret.
type JWTSettings struct {
	AdminIssuer   string `json:"adminIssuer"`
	AdminAudience string `json:"adminAudience"`
	AIIssuer      string `json:"aiIssuer"`
	AIAudience    string `json:"aiAudience"`
}

// ModelsConfig is seed 001 config.models without the API keys (those are credentials).
type ModelsConfig struct {
	Embedding ModelConfig `json:"embedding"`
	Rerank    ModelConfig `json:"rerank"`
	LLM       ModelConfig `json:"llm"`
}

// ModelConfig names one model endpoint.
type ModelConfig struct {
	Provider string `json:"provider"`
	Name     string `json:"name"`
	BaseURL  string `json:"baseUrl"`
}

// AppsConfig is workfx:apps.
type AppsConfig struct {
	WorkfxAPI       AppConfig `json:"workfxApi"`
	WorkfxCDC       AppConfig `json:"workfxCdc"`
	RasaPro         AppConfig `json:"rasaPro"`
	RasaProServices AppConfig `json:"rasaProServices"`
}

// AppConfig is what a stack may change about one app.
type AppConfig struct {
	Enabled     *bool          `json:"enabled"`
	Image       ImageConfig    `json:"image"`
	Replicas    int            `json:"replicas"`
	MaxReplicas int            `json:"maxReplicas"`
	Resources   ResourceConfig `json:"resources"`
	// Timeout is the mesh route timeout (Istio duration, e.g. 30s).
	Timeout string `json:"timeout"`
	// Retries is the number of mesh retries on gateway errors.
	Retries *int `json:"retries"`
	// MaxConnections bounds the mesh connection pool to the app.
	MaxConnections int `json:"maxConnections"`
	// RolloutTimeout is how long `up` waits for the app's rollout before failing (duration such
	// as 10m; the default covers the app's start-up budget).
	RolloutTimeout string `json:"rolloutTimeout"`
	// Callers are the apps (keys under workfx:apps) that may call this app through the mesh; every
	// other caller is denied. Absent: the app's default (App.Callers).
	Callers []string `json:"callers"`
}

// ImageConfig is an image repository and tag.
type ImageConfig struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// ResourceConfig is requests and limits.
type ResourceConfig struct {
	Requests ResourceList `json:"requests"`
	Limits   ResourceList `json:"limits"`
}

// ResourceList is CPU and memory in Kubernetes quantity syntax.
type ResourceList struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

// configKeys are the top-level keys, sorted.
var configKeys = structKeys(reflect.TypeOf(Config{}))

// Keys are the top-level config keys (without the "workfx:" namespace), sorted.
func Keys() []string { return append([]string(nil), configKeys...) }

// Modes summarises how each dependency is satisfied (for plan summaries and reviews).
func (c *Config) Modes() map[string]string {
	return map[string]string{
		"cloud":         c.Cloud,
		"cluster":       c.Cluster.Mode,
		"postgres":      c.Postgres.Mode,
		"redis":         c.Redis.Mode,
		"kafka":         c.Kafka.Mode,
		"elasticsearch": c.Elasticsearch.Mode,
		"objectStorage": c.ObjectStorage.Mode,
		"mesh":          c.Mesh.Mode,
		"monitoring":    c.Monitoring.Mode,
	}
}
