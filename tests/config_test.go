package tests

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
)

type edit struct {
	path  string
	value any // nil deletes
}

// malformed is a table of broken configs, each a few edits of Pulumi.ka.yaml, with the key the
// error must name and a fragment of what it must say is allowed.
var malformed = []struct {
	name    string
	edits   []edit
	key     string
	allowed string
}{
	{"environment missing", []edit{{"workfx:environment", nil}}, "workfx:environment", "dev or prod"},
	{"environment unknown", []edit{{"workfx:environment", "staging"}}, "workfx:environment", "dev or prod"},
	{"cloud unknown", []edit{{"workfx:cloud", "gcp"}}, "workfx:cloud", "azure, aws or none"},
	{"customer not a DNS label", []edit{{"workfx:customer", "Contoso Corp"}}, "workfx:customer", "DNS-1123"},
	{"unknown top-level key", []edit{{"workfx:postgress", map[string]any{"mode": "existing"}}}, "workfx:postgress", "workfx:postgres"},
	{"unknown nested key", []edit{{"workfx:postgres.existing.hots", "pg"}}, "workfx:postgres.existing.hots", "host"},
	{"object given as a string", []edit{{"workfx:postgres", "pg.contoso.internal"}}, "workfx:postgres", "object"},
	{"port not a number", []edit{{"workfx:postgres.existing.port", "five-four-three-two"}}, "workfx:postgres.existing.port", "whole number"},
	{"port out of range", []edit{{"workfx:redis.existing.port", 70000}}, "workfx:redis.existing.port", "1 to 65535"},
	{"host missing", []edit{{"workfx:postgres.existing.host", nil}}, "workfx:postgres.existing.host", "host name"},
	{"host with scheme", []edit{{"workfx:postgres.existing.host", "postgres://pg"}}, "workfx:postgres.existing.host", "without scheme"},
	{"mode missing", []edit{{"workfx:postgres.mode", nil}}, "workfx:postgres.mode", "provision, existing"},
	{"mode unknown", []edit{{"workfx:redis.mode", "managed"}}, "workfx:redis.mode", "provision, existing"},
	{"provision without a cloud", []edit{{"workfx:kafka.mode", "provision"}, {"workfx:kafka.existing", nil}}, "workfx:kafka.mode", "workfx:cloud"},
	{"existing settings with another mode", []edit{{"workfx:elasticsearch.mode", "disabled"}}, "workfx:elasticsearch.existing", "only allowed with mode existing"},
	{"existing without its settings", []edit{{"workfx:redis.existing", nil}}, "workfx:redis.existing", "required"},
	{"password inline and by reference", []edit{{"workfx:postgres.existing.password", "hunter2"}}, "workfx:postgres.existing.password", "exactly one"},
	{"password missing", []edit{{"workfx:redis.existing.passwordRef", nil}}, "workfx:redis.existing.password", "passwordRef"},
	{"reference to an invalid Secret name", []edit{{"workfx:kafka.existing.passwordRef.secretName", "Contoso_Kafka"}}, "workfx:kafka.existing.passwordRef.secretName", "DNS-1123"},
	{"reference to a Secret this program writes", []edit{{"workfx:postgres.existing.passwordRef.secretName", "pg-secret"}}, "workfx:postgres.existing.passwordRef.secretName", "customer's own"},
	{"namespace created while the customer's Secrets are named", []edit{{"workfx:cluster.createNamespace", true}}, "workfx:cluster.createNamespace", "must be false"},
	{"unknown contract Secret owned", []edit{{"workfx:secrets.existing", []any{"pg-secrets"}}}, "workfx:secrets.existing[0]", "pg-secret, tp-redis-secret"},
	{"contract Secret owned for a disabled dependency", []edit{{"workfx:elasticsearch.mode", "disabled"}, {"workfx:elasticsearch.existing", nil}, {"workfx:secrets.existing", []any{"es-secret"}}}, "workfx:secrets.existing[0]", "workfx:elasticsearch.mode is existing"},
	{"password for a pg-secret the customer owns", []edit{{"workfx:secrets.existing", []any{"pg-secret"}}}, "workfx:postgres.existing.passwordRef", "not used"},
	{"JWT key for a jwt-secret the customer owns", []edit{{"workfx:secrets.existing", []any{"jwt-secret"}}}, "workfx:credentials.adminJwtKey", "not used"},
	{"rollout timeout not a duration", []edit{{"workfx:apps.workfxApi.rolloutTimeout", "ten minutes"}}, "workfx:apps.workfxApi.rolloutTimeout", "30s to 2h"},
	{"reference with an invalid key", []edit{{"workfx:elasticsearch.existing.passwordRef.key", "pass word"}}, "workfx:elasticsearch.existing.passwordRef.key", "Secret key"},
	{"namespace not a DNS label", []edit{{"workfx:cluster.namespace", "WorkFX_AI"}}, "workfx:cluster.namespace", "DNS-1123"},
	{"bool given as a word", []edit{{"workfx:cluster.createNamespace", "yes"}}, "workfx:cluster.createNamespace", "true or false"},
	{"sslMode unknown", []edit{{"workfx:postgres.existing.sslMode", "strict"}}, "workfx:postgres.existing.sslMode", "verify-full"},
	{"sslMode without TLS in prod", []edit{{"workfx:postgres.existing.sslMode", "disable"}}, "workfx:postgres.existing.sslMode", "require, verify-ca or verify-full"},
	{"kafka protocol unknown", []edit{{"workfx:kafka.existing.securityProtocol", "TLS"}}, "workfx:kafka.existing.securityProtocol", "SASL_SSL"},
	{"kafka plaintext in prod", []edit{{"workfx:kafka.existing.securityProtocol", "PLAINTEXT"}, {"workfx:kafka.existing.saslMechanism", nil}, {"workfx:kafka.existing.username", nil}, {"workfx:kafka.existing.passwordRef", nil}}, "workfx:kafka.existing.securityProtocol", "SSL or SASL_SSL"},
	{"kafka SASL settings without SASL", []edit{{"workfx:environment", "dev"}, {"workfx:apps.rasaPro.image.tag", "3.12.4"}, {"workfx:kafka.existing.securityProtocol", "SSL"}}, "workfx:kafka.existing.saslMechanism", "SASL_SSL or SASL_PLAINTEXT"},
	{"kafka mechanism unknown", []edit{{"workfx:kafka.existing.saslMechanism", "GSSAPI"}}, "workfx:kafka.existing.saslMechanism", "SCRAM-SHA-512"},
	{"kafka broker without port", []edit{{"workfx:kafka.existing.bootstrapServers", "kafka-1.contoso.internal"}}, "workfx:kafka.existing.bootstrapServers", "host:port"},
	{"kafka CA not PEM", []edit{{"workfx:kafka.existing.caCertificate", "MIIB..."}}, "workfx:kafka.existing.caCertificate", "PEM"},
	{"kafka topic invalid", []edit{{"workfx:kafka.topics.agents", "agents topic"}}, "workfx:kafka.topics.agents", "topic name"},
	{"redis db out of range", []edit{{"workfx:redis.existing.db", 16}}, "workfx:redis.existing.db", "0 to 15"},
	{"elasticsearch url scheme", []edit{{"workfx:elasticsearch.existing.url", "ftp://es.contoso.internal"}}, "workfx:elasticsearch.existing.url", "https://"},
	{"elasticsearch provision", []edit{{"workfx:elasticsearch.mode", "provision"}, {"workfx:elasticsearch.existing", nil}}, "workfx:elasticsearch.mode", "existing or disabled"},
	{"storage type unknown", []edit{{"workfx:objectStorage.existing.type", "gcs"}}, "workfx:objectStorage.existing.type", "azure, s3 or minio"},
	{"bucket name invalid", []edit{{"workfx:objectStorage.existing.buckets.admin", "Admin_Bucket"}}, "workfx:objectStorage.existing.buckets.admin", "bucket"},
	{"storage endpoint not a URL", []edit{{"workfx:objectStorage.existing.endpoint", "contosoworkfx"}}, "workfx:objectStorage.existing.endpoint", "http(s) URL"},
	{"mesh mode unknown", []edit{{"workfx:mesh.mode", "on"}}, "workfx:mesh.mode", "provision, existing, disabled"},
	{"mesh host not qualified", []edit{{"workfx:mesh.host", "localhost"}}, "workfx:mesh.host", "fully qualified"},
	{"mesh JWKS over http", []edit{{"workfx:mesh.jwt.jwksUri", "http://login.contoso.com/jwks"}}, "workfx:mesh.jwt.jwksUri", "https"},
	{"mesh tracing percent", []edit{{"workfx:mesh.tracingSamplingPercent", 150}}, "workfx:mesh.tracingSamplingPercent", "0 and 100"},
	{"monitoring interval", []edit{{"workfx:monitoring.scrapeInterval", "30 seconds"}}, "workfx:monitoring.scrapeInterval", "30s"},
	{"image tag latest in prod", []edit{{"workfx:apps.workfxApi.image.tag", "latest"}}, "workfx:apps.workfxApi.image.tag", "pinned"},
	{"image tag missing", []edit{{"workfx:apps.workfxCdc.image.tag", nil}}, "workfx:apps.workfxCdc.image.tag", "image tag"},
	{"replicas negative", []edit{{"workfx:apps.workfxApi.replicas", -1}}, "workfx:apps.workfxApi.replicas", "1 and 50"},
	{"maxReplicas below replicas", []edit{{"workfx:apps.workfxApi.maxReplicas", 1}}, "workfx:apps.workfxApi.maxReplicas", "at least replicas"},
	{"cpu not a quantity", []edit{{"workfx:apps.workfxCdc.resources.requests.cpu", "lots"}}, "workfx:apps.workfxCdc.resources.requests.cpu", "quantity"},
	{"unknown app", []edit{{"workfx:apps.workfxUi", map[string]any{"enabled": true}}}, "workfx:apps.workfxUi", "rasaProServices"},
	{"no app enabled", []edit{{"workfx:apps.workfxApi.enabled", false}, {"workfx:apps.workfxCdc.enabled", false}, {"workfx:apps.rasaPro.enabled", false}, {"workfx:apps.rasaProServices.enabled", false}}, "workfx:apps", "enable at least one"},
	{"rasa without a license", []edit{{"workfx:credentials.rasaProLicenseRef", nil}}, "workfx:credentials.rasaProLicense", "required"},
	{"analytics URL needed", []edit{{"workfx:credentials.analyticsDbUrlRef", nil}}, "workfx:credentials.analyticsDbUrl", "analyticsDbUrlRef"},
	{"registry with scheme", []edit{{"workfx:images.registry", "https://contoso.azurecr.io"}}, "workfx:images.registry", "registry host"},
	{"pull secret invalid", []edit{{"workfx:images.pullSecret", "Contoso Registry"}}, "workfx:images.pullSecret", "Secret name"},
}

func kaWith(t *testing.T, edits []edit) map[string]any {
	values := deepCopy(stackValues(t, "Pulumi.ka.yaml")).(map[string]any)
	for _, e := range edits {
		set(values, e.path, e.value)
	}
	return values
}

func problemsOf(t *testing.T, err error) []config.Problem {
	t.Helper()
	var cerr *config.Error
	require.True(t, errors.As(err, &cerr), "want a *config.Error, got %v", err)
	return cerr.Problems
}

func TestMalformedConfigsNameTheKey(t *testing.T) {
	require.GreaterOrEqual(t, len(malformed), 25)
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadValues(t, kaWith(t, tc.edits))
			require.Error(t, err)
			var found bool
			for _, p := range problemsOf(t, err) {
				if p.Key == tc.key {
					found = true
					assert.Contains(t, p.Message, tc.allowed, "the message should say what is allowed")
				}
			}
			assert.True(t, found, "no problem names %s; got:\n%v", tc.key, err)
			assert.Contains(t, err.Error(), tc.key+": ")
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := loadValues(t, kaWith(t, []edit{
		{"workfx:environment", "staging"},
		{"workfx:postgres.existing.port", 99999},
		{"workfx:redis.existing.hots", "x"},
		{"workfx:mesh.host", "localhost"},
		{"workfx:apps.workfxApi.replicas", -2},
	}))
	keys := map[string]bool{}
	for _, p := range problemsOf(t, err) {
		keys[p.Key] = true
	}
	for _, k := range []string{"workfx:environment", "workfx:postgres.existing.port", "workfx:redis.existing.hots", "workfx:mesh.host", "workfx:apps.workfxApi.replicas"} {
		assert.True(t, keys[k], "%s not reported in:\n%v", k, err)
	}
}

func TestInvalidConfigRegistersNothing(t *testing.T) {
	p, err := planValues(t, "broken", kaWith(t, []edit{{"workfx:postgres.existing.port", 99999}}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx:postgres.existing.port")
	assert.Empty(t, p.Resources, "validation must fail before any resource is registered")
}

func TestOtherNamespacesAreIgnoredButUnknownWorkfxKeysAreNot(t *testing.T) {
	values := kaWith(t, nil)
	values["kubernetes:context"] = "somewhere"
	values["aws:region"] = "eu-west-1"
	_, err := loadValues(t, values)
	require.NoError(t, err)

	values["workfx:enviroment"] = "prod"
	_, err = loadValues(t, values)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "workfx:enviroment: unknown key"), err.Error())
}

func TestDefaultsApply(t *testing.T) {
	cfg, err := loadValues(t, kaWith(t, []edit{
		{"workfx:postgres.existing.port", nil},
		{"workfx:redis.existing.port", nil},
		{"workfx:kafka.topics", nil},
		{"workfx:apps.workfxCdc.resources", nil},
	}))
	require.NoError(t, err)
	assert.Equal(t, 5432, cfg.Postgres.Existing.Port)
	assert.Equal(t, 6380, cfg.Redis.Existing.Port, "TLS Redis defaults to 6380")
	assert.Equal(t, "postgres.public.document_chunks", cfg.Kafka.Topics.DocumentChunks)
	assert.Equal(t, "postgres.public.agents", cfg.Kafka.Topics.Agents)
	assert.Equal(t, "rasa-assistant", cfg.Kafka.Topics.RasaEvents)
	assert.Equal(t, "workfx-ai", cfg.Kafka.ConsumerGroupPrefix)
	assert.Equal(t, "500m", cfg.Apps.WorkfxCDC.Resources.Requests.CPU, "prod size of seed 001's cdc")
	assert.Equal(t, "2Gi", cfg.Apps.WorkfxCDC.Resources.Limits.Memory)
}
