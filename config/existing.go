package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Secret is a credential read from secure config. It never prints its value, so a stray
// fmt.Print or json.Marshal of a config struct cannot leak it.
type Secret string

func (s Secret) String() string   { return "[secret]" }
func (s Secret) GoString() string { return "[secret]" }

// MarshalJSON redacts the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[secret]"`), nil }

// IsSet reports whether a value was given.
func (s Secret) IsSet() bool { return s != "" }

// SecretRef points at a key of a Kubernetes Secret that already exists in the app namespace.
type SecretRef struct {
	SecretName string `json:"secretName"`
	Key        string `json:"key"`
}

// ClusterExisting is a cluster the customer already runs. Without a kubeconfig the ambient one
// is used (KUBECONFIG or ~/.kube/config), as kubectl would.
type ClusterExisting struct {
	Kubeconfig Secret `json:"kubeconfig"`
	Context    string `json:"context"`
}

// PostgresExisting is a server the customer already runs (seed 001 infrastructure.postgresql.external).
type PostgresExisting struct {
	Host        string     `json:"host"`
	Port        int        `json:"port"`
	Database    string     `json:"database"`
	Username    string     `json:"username"`
	SSLMode     string     `json:"sslMode"`
	Password    Secret     `json:"password"`
	PasswordRef *SecretRef `json:"passwordRef"`
}

// RedisExisting is a Redis the customer already runs (seed 001 infrastructure.redis.external).
type RedisExisting struct {
	Host        string     `json:"host"`
	Port        int        `json:"port"`
	DB          int        `json:"db"`
	TLS         bool       `json:"tls"`
	Password    Secret     `json:"password"`
	PasswordRef *SecretRef `json:"passwordRef"`
}

// KafkaTopics are the topic names the apps use (seed 001 wfx-kafka-secret, seed 000 KAFKA_TOPIC).
type KafkaTopics struct {
	DocumentChunks string `json:"documentChunks"`
	Agents         string `json:"agents"`
	RasaEvents     string `json:"rasaEvents"`
}

// KafkaExisting is a Kafka the customer already runs (seed 001 infrastructure.kafka.external).
type KafkaExisting struct {
	BootstrapServers string     `json:"bootstrapServers"`
	SecurityProtocol string     `json:"securityProtocol"`
	SASLMechanism    string     `json:"saslMechanism"`
	Username         string     `json:"username"`
	Password         Secret     `json:"password"`
	PasswordRef      *SecretRef `json:"passwordRef"`
	CACertificate    string     `json:"caCertificate"`
}

// SASL reports whether the protocol authenticates with SASL.
func (e *KafkaExisting) SASL() bool {
	return e.SecurityProtocol == "SASL_SSL" || e.SecurityProtocol == "SASL_PLAINTEXT"
}

// BrokerPorts returns the distinct ports of a "host:port,host:port" list, in order of appearance.
// Entries without a valid port are skipped (validation rejects them earlier).
func BrokerPorts(bootstrap string) []int {
	var ports []int
	seen := map[int]bool{}
	for _, hp := range strings.Split(bootstrap, ",") {
		_, p, err := net.SplitHostPort(strings.TrimSpace(hp))
		if err != nil {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || seen[n] {
			continue
		}
		seen[n] = true
		ports = append(ports, n)
	}
	return ports
}

// SearchExisting is the customer's Elasticsearch cluster.
type SearchExisting struct {
	URL         string     `json:"url"`
	Username    string     `json:"username"`
	Password    Secret     `json:"password"`
	PasswordRef *SecretRef `json:"passwordRef"`
}

// DefaultSearchPort is Elasticsearch's HTTP port, used when the URL names none.
const DefaultSearchPort = 9200

// ParseSearchURL splits an Elasticsearch URL into the host, port and TLS flag of seed 001's
// es-secret.
func ParseSearchURL(raw string) (host string, port int, useSSL bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", 0, false, fmt.Errorf("must be an http:// or https:// URL with a host, got %q", raw)
	}
	port = DefaultSearchPort
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return "", 0, false, fmt.Errorf("has an invalid port in %q", raw)
		}
	}
	return u.Hostname(), port, u.Scheme == "https", nil
}

// BucketNames are the five buckets of seed 001 (workfx.storage).
type BucketNames struct {
	Admin      string `json:"admin"`
	User       string `json:"user"`
	Public     string `json:"public"`
	Email      string `json:"email"`
	ToolsImage string `json:"toolsImage"`
}

// SeedBuckets are seed 001's bucket (container) names, which provisioned storage creates.
var SeedBuckets = BucketNames{
	Admin: "workfx-ai-admin", User: "workfx-ai-user", Public: "workfx-ai-public",
	Email: "workfx-ai-email", ToolsImage: "workfx-ai-tools-image",
}

// StorageExisting is object storage the customer already has.
type StorageExisting struct {
	Type     string      `json:"type"`
	Endpoint string      `json:"endpoint"`
	Buckets  BucketNames `json:"buckets"`
}

// DurationMS converts a validated duration (30s, 500ms, 2m, 1h) to milliseconds.
func DurationMS(d string) int {
	unit := strings.TrimLeft(d, "0123456789")
	n, _ := strconv.Atoi(strings.TrimSuffix(d, unit))
	return n * map[string]int{"ms": 1, "s": 1000, "m": 60000, "h": 3600000}[unit]
}
