package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The catalog is seed 001's and seed 000's contract: names and keys the images read.
func TestCatalogIsTheSeedContract(t *testing.T) {
	want := map[string][]string{
		"pg-secret":        {"host", "port", "username", "password", "database"},
		"tp-redis-secret":  {"redis_host", "redis_port", "redis_password", "redis_db", "redis_use_ssl"},
		"es-secret":        {"host", "port", "username", "password", "use_ssl", "cluster_url"},
		"wfx-kafka-secret": {"bootstrap_servers", "security_protocol", "document_chunks_topic", "agents_topic", "consumer_group_prefix", "username", "password"},
		"jwt-secret":       {"admin_jwt_key", "admin_jwt_issuer", "admin_jwt_audience", "ai_jwt_key", "ai_jwt_issuer", "ai_jwt_audience"},
		"secret-key":       {"data_secret", "jina_api_key"},
		"model-api-keys":   {"embedding_api_key", "rerank_api_key", "llm_api_key"},
		"rasapro-license":  {"licensekey"},
		"analytics-db-url": {"dburl"},
		"kafka-secrets":    {"username", "password"},
	}
	got := map[string][]string{}
	for _, s := range Catalog {
		for _, k := range s.Keys {
			got[s.Name] = append(got[s.Name], k.Name)
		}
	}
	assert.Equal(t, want, got)
}
