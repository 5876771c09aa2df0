// Package secrets renders the Kubernetes Secrets the WorkFX and Rasa images read, with exactly the
// names and keys of seed 001 (values-ka.yaml `secrets:`) and seed 000 (Rasa Pro Services). Where
// the customer keeps a credential in their own Secret, the apps read that one and it is not copied.
package secrets

import (
	"fmt"
	"sort"
	"strconv"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/search"
)

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

// ManagedNames lists every Secret this program may write.
var ManagedNames = []string{PostgresSecret, RedisSecret, SearchSecret, KafkaSecret, JWTSecret, AppSecret,
	ModelKeysSecret, RasaLicenseSecret, AnalyticsDBSecret, RasaKafkaSecret}

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

// JWTArgs are seed 001's jwt-secret values.
type JWTArgs struct {
	AdminKey, AIKey            credential.Source
	AdminIssuer, AdminAudience string
	AIIssuer, AIAudience       string
}

// Args are the resolved endpoints and credentials. A nil endpoint or unset credential means the
// group is not wanted (its app is off, or the dependency is disabled).
type Args struct {
	Namespace pulumi.StringInput
	Labels    map[string]string

	Postgres *postgres.Endpoint
	Redis    *redis.Endpoint
	Search   *search.Endpoint
	Kafka    *kafka.Endpoint

	JWT        JWTArgs
	DataSecret credential.Source
	JinaAPIKey credential.Source

	EmbeddingAPIKey, RerankAPIKey, LLMAPIKey credential.Source

	// RasaLicense is set when a Rasa app is enabled.
	RasaLicense credential.Source
	// AnalyticsDBURL is set when Rasa Pro Services is enabled.
	AnalyticsDBURL credential.Source
	// RasaKafka renders kafka-secrets (Rasa's SASL credentials) when true.
	RasaKafka bool
}

// EnvRef is one environment variable read from a Secret key.
type EnvRef struct {
	Env string
	Ref credential.Ref
}

// Contract is the component: the Secrets it wrote and, per group, the env vars that read them.
type Contract struct {
	pulumi.ResourceState
	Secrets map[string]*corev1.Secret
	env     map[Group][]EnvRef
}

// Resources are the rendered Secrets, for pulumi.DependsOn. Depend on these rather than on the
// component: the SDK learns a component's children asynchronously, so a dependency on the
// component can miss a Secret still being registered.
func (c *Contract) Resources() []pulumi.Resource {
	names := make([]string, 0, len(c.Secrets))
	for n := range c.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]pulumi.Resource, 0, len(names))
	for _, n := range names {
		out = append(out, c.Secrets[n])
	}
	return out
}

// Env returns the env vars of a group, or nil when the group was not rendered.
func (c *Contract) Env(g Group) []EnvRef { return c.env[g] }

// Has reports whether the group was rendered.
func (c *Contract) Has(g Group) bool { return len(c.env[g]) > 0 }

// entry is one key of a contract Secret: its env var name and where the value comes from.
type entry struct {
	key, env string
	value    pulumi.StringInput // plain or secret Output
	ref      *credential.Ref    // the customer's Secret instead
	skip     bool               // credential not given (optional key)
}

func plain(s string) pulumi.StringInput { return pulumi.String(s) }

func fromSource(key, env string, s credential.Source) entry {
	if s.Ref != nil {
		return entry{key: key, env: env, ref: s.Ref}
	}
	if !s.IsSet() {
		return entry{key: key, env: env, skip: true}
	}
	return entry{key: key, env: env, value: s.Value}
}

type secretDef struct {
	name    string
	group   Group
	entries []entry
}

// New renders the contract Secrets into the namespace.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Contract, error) {
	c := &Contract{Secrets: map[string]*corev1.Secret{}, env: map[Group][]EnvRef{}}
	if err := ctx.RegisterComponentResource("workfx:secrets:Contract", name, c, opts...); err != nil {
		return nil, err
	}
	for _, def := range definitions(args) {
		if err := c.render(ctx, args, def); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(c.Secrets))
	for n := range c.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	out := pulumi.StringArray{}
	for _, n := range names {
		out = append(out, pulumi.String(n))
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"secrets": out})
}

func (c *Contract) render(ctx *pulumi.Context, args *Args, def secretDef) error {
	data := pulumi.StringMap{}
	var env []EnvRef
	for _, e := range def.entries {
		switch {
		case e.skip:
			continue
		case e.ref != nil:
			env = append(env, EnvRef{Env: e.env, Ref: *e.ref})
		default:
			// Each value is a Pulumi secret (encrypted in state, redacted in previews and
			// plans); the keys stay visible so reviewers see the contract.
			data[e.key] = pulumi.ToSecret(e.value).(pulumi.StringOutput)
			env = append(env, EnvRef{Env: e.env, Ref: credential.Ref{SecretName: def.name, Key: e.key}})
		}
	}
	c.env[def.group] = env
	if len(data) == 0 {
		return nil // every key lives in the customer's own Secrets
	}
	labels := kube.StringMap(args.Labels)
	labels["app.kubernetes.io/component"] = pulumi.String(string(def.group))
	s, err := corev1.NewSecret(ctx, def.name, &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(def.name),
			Namespace: args.Namespace,
			Labels:    labels,
		},
		Type:       pulumi.String("Opaque"),
		StringData: data,
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("secret %s: %w", def.name, err)
	}
	c.Secrets[def.name] = s
	return nil
}

// definitions is the contract as data: Secret name, key, env var name, value.
func definitions(a *Args) []secretDef {
	var defs []secretDef
	if pg := a.Postgres; pg != nil {
		defs = append(defs, secretDef{name: PostgresSecret, group: Postgres, entries: []entry{
			{key: "host", env: "POSTGRES_HOST", value: pg.Host},
			{key: "port", env: "POSTGRES_PORT", value: plain(strconv.Itoa(pg.Port))},
			{key: "username", env: "POSTGRES_USER", value: pg.Username},
			fromSource("password", "POSTGRES_PASSWORD", pg.Password),
			{key: "database", env: "POSTGRES_DB", value: pg.Database},
		}})
	}
	if r := a.Redis; r != nil {
		defs = append(defs, secretDef{name: RedisSecret, group: Redis, entries: []entry{
			{key: "redis_host", env: "REDIS_HOST", value: r.Host},
			{key: "redis_port", env: "REDIS_PORT", value: plain(strconv.Itoa(r.Port))},
			fromSource("redis_password", "REDIS_PASSWORD", r.Password),
			{key: "redis_db", env: "REDIS_DB", value: plain(strconv.Itoa(r.DB))},
			{key: "redis_use_ssl", env: "REDIS_USE_SSL", value: plain(strconv.FormatBool(r.TLS))},
		}})
	}
	if s := a.Search; s != nil {
		defs = append(defs, secretDef{name: SearchSecret, group: Search, entries: []entry{
			{key: "host", env: "ES_HOST", value: plain(s.Host)},
			{key: "port", env: "ES_PORT", value: plain(strconv.Itoa(s.Port))},
			{key: "username", env: "ES_USERNAME", value: s.Username},
			fromSource("password", "ES_PASSWORD", s.Password),
			{key: "use_ssl", env: "ES_USE_SSL", value: plain(strconv.FormatBool(s.UseSSL))},
			{key: "cluster_url", env: "ES_CLUSTER_URL", value: plain(s.URL)},
		}})
	}
	if k := a.Kafka; k != nil {
		username, password := entry{key: "username", env: "KAFKA_USERNAME", value: k.Username}, fromSource("password", "KAFKA_PASSWORD", k.Password)
		if !k.SASL() {
			// No SASL: the keys exist (the images read them) and are empty.
			username.value, password = plain(""), entry{key: "password", env: "KAFKA_PASSWORD", value: plain("")}
		}
		defs = append(defs, secretDef{name: KafkaSecret, group: Kafka, entries: []entry{
			{key: "bootstrap_servers", env: "KAFKA_BOOTSTRAP_SERVERS", value: k.BootstrapServers},
			{key: "security_protocol", env: "KAFKA_SECURITY_PROTOCOL", value: plain(k.SecurityProtocol)},
			{key: "document_chunks_topic", env: "KAFKA_DOCUMENT_CHUNKS_TOPIC", value: plain(k.Topics.DocumentChunks)},
			{key: "agents_topic", env: "KAFKA_AGENTS_TOPIC", value: plain(k.Topics.Agents)},
			{key: "consumer_group_prefix", env: "KAFKA_CONSUMER_GROUP_PREFIX", value: plain(k.ConsumerGroupPrefix)},
			username,
			password,
		}})
		if a.RasaKafka && k.SASL() {
			// Seed 000: Rasa reads its SASL credentials from kafka-secrets.
			defs = append(defs, secretDef{name: RasaKafkaSecret, group: RasaKafka, entries: []entry{
				{key: "username", env: "KAFKA_SASL_USERNAME", value: k.Username},
				fromSource("password", "KAFKA_SASL_PASSWORD", k.Password),
			}})
		}
	}
	defs = append(defs,
		secretDef{name: JWTSecret, group: JWT, entries: []entry{
			fromSource("admin_jwt_key", "ADMIN_JWT_KEY", a.JWT.AdminKey),
			{key: "admin_jwt_issuer", env: "ADMIN_JWT_ISSUER", value: plain(a.JWT.AdminIssuer)},
			{key: "admin_jwt_audience", env: "ADMIN_JWT_AUDIENCE", value: plain(a.JWT.AdminAudience)},
			fromSource("ai_jwt_key", "AI_JWT_KEY", a.JWT.AIKey),
			{key: "ai_jwt_issuer", env: "AI_JWT_ISSUER", value: plain(a.JWT.AIIssuer)},
			{key: "ai_jwt_audience", env: "AI_JWT_AUDIENCE", value: plain(a.JWT.AIAudience)},
		}},
		secretDef{name: AppSecret, group: AppKeys, entries: []entry{
			fromSource("data_secret", "DATA_SECRET", a.DataSecret),
			fromSource("jina_api_key", "JINA_API_KEY", a.JinaAPIKey),
		}},
		secretDef{name: ModelKeysSecret, group: ModelKeys, entries: []entry{
			fromSource("embedding_api_key", "EMBEDDING_API_KEY", a.EmbeddingAPIKey),
			fromSource("rerank_api_key", "RERANK_API_KEY", a.RerankAPIKey),
			fromSource("llm_api_key", "LLM_API_KEY", a.LLMAPIKey),
		}},
	)
	if a.RasaLicense.IsSet() {
		defs = append(defs, secretDef{name: RasaLicenseSecret, group: RasaLicense, entries: []entry{
			fromSource("licensekey", "RASA_PRO_LICENSE", a.RasaLicense),
		}})
	}
	if a.AnalyticsDBURL.IsSet() {
		defs = append(defs, secretDef{name: AnalyticsDBSecret, group: Analytics, entries: []entry{
			fromSource("dburl", "RASA_ANALYTICS_DB_URL", a.AnalyticsDBURL),
		}})
	}
	return defs
}
