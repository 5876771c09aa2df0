// Package contract is the Kubernetes Secrets the WorkFX and Rasa images read, as data: seed 001's
// (values-ka.yaml `secrets:`) and seed 000's Secret names, their keys and the env var each key is
// read as. It imports no Pulumi SDK: the config validates against it, components/secrets renders
// it.
package contract

// The Secret names of the contract.
const (
	PostgresSecret    = "pg-secret"
	RedisSecret       = "tp-redis-secret"
	SearchSecret      = "es-secret"
	KafkaSecret       = "wfx-kafka-secret"
	JWTSecret         = "jwt-secret"
	AppSecret         = "secret-key"
	ModelKeysSecret   = "model-api-keys"
	RasaLicenseSecret = "rasapro-license"
	AnalyticsDBSecret = "analytics-db-url"
	RasaKafkaSecret   = "kafka-secrets"
)

// Group names what an app can ask for; each maps to env vars backed by one Secret.
type Group string

// The groups.
const (
	Postgres    Group = "postgres"
	Redis       Group = "redis"
	Search      Group = "search"
	Kafka       Group = "kafka"
	JWT         Group = "jwt"
	AppKeys     Group = "appKeys"
	ModelKeys   Group = "modelKeys"
	RasaLicense Group = "rasaLicense"
	Analytics   Group = "analytics"
	RasaKafka   Group = "rasaKafka"
)

// Key is one key of a contract Secret and the env var the images read it as. An optional key
// may be missing (the app then runs without it).
type Key struct {
	Name, Env string
	Optional  bool
}

// Spec is one contract Secret: its name, the group of env vars it backs, and its keys.
type Spec struct {
	Name  string
	Group Group
	Keys  []Key
}

// Catalog is seed 001's and seed 000's Secrets as data. The JWT issuers and audiences are
// optional in a Secret the customer created: seed 001's "方式 2" creates jwt-secret with the two
// keys only, and the apps then take them from their settings.
var Catalog = []Spec{
	{PostgresSecret, Postgres, []Key{{"host", "POSTGRES_HOST", false}, {"port", "POSTGRES_PORT", false},
		{"username", "POSTGRES_USER", false}, {"password", "POSTGRES_PASSWORD", false}, {"database", "POSTGRES_DB", false}}},
	{RedisSecret, Redis, []Key{{"redis_host", "REDIS_HOST", false}, {"redis_port", "REDIS_PORT", false},
		{"redis_password", "REDIS_PASSWORD", false}, {"redis_db", "REDIS_DB", false}, {"redis_use_ssl", "REDIS_USE_SSL", false}}},
	{SearchSecret, Search, []Key{{"host", "ES_HOST", false}, {"port", "ES_PORT", false}, {"username", "ES_USERNAME", false},
		{"password", "ES_PASSWORD", false}, {"use_ssl", "ES_USE_SSL", false}, {"cluster_url", "ES_CLUSTER_URL", false}}},
	{KafkaSecret, Kafka, []Key{{"bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS", false}, {"security_protocol", "KAFKA_SECURITY_PROTOCOL", false},
		{"document_chunks_topic", "KAFKA_DOCUMENT_CHUNKS_TOPIC", false}, {"agents_topic", "KAFKA_AGENTS_TOPIC", false},
		{"consumer_group_prefix", "KAFKA_CONSUMER_GROUP_PREFIX", false}, {"username", "KAFKA_USERNAME", false}, {"password", "KAFKA_PASSWORD", false}}},
	{JWTSecret, JWT, []Key{{"admin_jwt_key", "ADMIN_JWT_KEY", false}, {"admin_jwt_issuer", "ADMIN_JWT_ISSUER", true},
		{"admin_jwt_audience", "ADMIN_JWT_AUDIENCE", true}, {"ai_jwt_key", "AI_JWT_KEY", false},
		{"ai_jwt_issuer", "AI_JWT_ISSUER", true}, {"ai_jwt_audience", "AI_JWT_AUDIENCE", true}}},
	{AppSecret, AppKeys, []Key{{"data_secret", "DATA_SECRET", false}, {"jina_api_key", "JINA_API_KEY", true}}},
	{ModelKeysSecret, ModelKeys, []Key{{"embedding_api_key", "EMBEDDING_API_KEY", true},
		{"rerank_api_key", "RERANK_API_KEY", true}, {"llm_api_key", "LLM_API_KEY", true}}},
	{RasaLicenseSecret, RasaLicense, []Key{{"licensekey", "RASA_PRO_LICENSE", false}}},
	{AnalyticsDBSecret, Analytics, []Key{{"dburl", "RASA_ANALYTICS_DB_URL", false}}},
	{RasaKafkaSecret, RasaKafka, []Key{{"username", "KAFKA_SASL_USERNAME", false}, {"password", "KAFKA_SASL_PASSWORD", false}}},
}

// Lookup returns the contract Secret of a name.
func Lookup(name string) (Spec, bool) {
	for _, s := range Catalog {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Names lists the contract's Secret names, in contract order.
func Names() []string {
	out := make([]string, len(Catalog))
	for i, s := range Catalog {
		out[i] = s.Name
	}
	return out
}
