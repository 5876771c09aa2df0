package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/workfx/workfx-platform/components/secrets/contract"
)

var (
	dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// secretName follows DNS-1123 subdomain rules; secret keys follow ConfigMap key rules.
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	secretKey        = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	quantity         = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$`)
	duration         = regexp.MustCompile(`^[0-9]+(ms|s|m|h)$`)
	hostName         = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$`)
	registryHost     = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]+)?(/[a-z0-9]([-._a-z0-9]*[a-z0-9])?)*$`)
	imageTag         = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$`)
	kafkaTopic       = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	bucketName       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func (c *Config) validate(p *problems) {
	k := func(key string) string { return Namespace + ":" + key }

	if !oneOf(c.Environment, "dev", "prod") {
		p.add(k("environment"), "must be dev or prod, got %q", c.Environment)
	}
	if !oneOf(c.Cloud, "azure", "aws", "none") {
		p.add(k("cloud"), "must be azure, aws or none, got %q", c.Cloud)
	}
	if c.Customer != "" && (len(c.Customer) > 40 || !dns1123Label.MatchString(c.Customer)) {
		p.add(k("customer"), "must be a DNS-1123 label (lowercase letters, digits, '-'; at most 40 characters), got %q", c.Customer)
	}

	c.validateCluster(p)
	c.validatePostgres(p)
	c.validateRedis(p)
	c.validateKafka(p)
	c.validateSearch(p)
	c.validateStorage(p)
	c.validateMesh(p)
	c.validateEdge(p)
	c.validateQuota(p)
	c.validateMonitoring(p)
	c.validateAlerting(p)
	c.validatePlatformProvision(p)
	c.validateCredentials(p)
	c.validateSecrets(p)
	c.validateCustomerNamespace(p)
	c.validateApps(p)
	c.validateAzure(p)
	c.validateAWS(p)

	if c.Images.Registry != "" && !registryHost.MatchString(c.Images.Registry) {
		p.add(k("images.registry"), "must be a registry host with an optional port and path (e.g. registry.example.com:5000/workfx), got %q", c.Images.Registry)
	}
	if c.Images.PullSecret != "" && !dns1123Subdomain.MatchString(c.Images.PullSecret) {
		p.add(k("images.pullSecret"), "must be a Kubernetes Secret name (DNS-1123 subdomain), got %q", c.Images.PullSecret)
	}
}

// checkMode validates a dependency's mode and that exactly the settings of that mode are present.
// It returns false when the mode's own settings must not be inspected further.
func (c *Config) checkMode(p *problems, key, mode string, allowed []string, hasExisting bool) bool {
	full := Namespace + ":" + key
	switch {
	case mode == "":
		p.add(full+".mode", "is required; allowed: %s", strings.Join(allowed, ", "))
		return false
	case !oneOf(mode, allowed...):
		p.add(full+".mode", "must be one of %s, got %q", strings.Join(allowed, ", "), mode)
		return false
	case mode == ModeProvision && c.Cloud == "none":
		p.add(full+".mode", "provision needs a cloud, but workfx:cloud is none; set workfx:cloud to azure or aws, or use mode existing")
		return false
	case mode == ModeProvision && !provisionable[c.Cloud][key]:
		p.add(full+".mode", "provision of %s on %s is not yet supported by this program; use mode existing", key, c.Cloud)
		return false
	}
	if mode != ModeExisting && hasExisting {
		p.add(full+".existing", "is only allowed with mode existing (mode is %s)", mode)
	}
	if mode == ModeExisting && !hasExisting {
		p.add(full+".existing", "is required when mode is existing")
		return false
	}
	return mode == ModeExisting
}

var dependencyModes = []string{ModeProvision, ModeExisting}

// provisionable lists, per cloud, the dependencies this program can provision.
var provisionable = map[string]map[string]bool{
	"azure": {"cluster": true, "postgres": true, "redis": true, "kafka": true, "objectStorage": true},
	"aws":   {"cluster": true, "postgres": true, "redis": true, "kafka": true, "objectStorage": true},
}

func (c *Config) validateCluster(p *problems) {
	if !dns1123Label.MatchString(c.Cluster.Namespace) || len(c.Cluster.Namespace) > 63 {
		p.add("workfx:cluster.namespace", "must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63 characters), got %q", c.Cluster.Namespace)
	}
	c.checkMode(p, "cluster", c.Cluster.Mode, dependencyModes, c.Cluster.Existing != nil)
}

func (c *Config) validatePostgres(p *problems) {
	e := c.Postgres.Existing
	if !c.checkMode(p, "postgres", c.Postgres.Mode, dependencyModes, e != nil) {
		return
	}
	key := "workfx:postgres.existing"
	checkPort(p, key+".port", e.Port)
	if c.Secrets.Owns(contract.PostgresSecret) {
		// The apps read host, user, password and database from the customer's pg-secret; the
		// program needs the port (NetworkPolicy) and, to declare the server to a mesh that
		// admits registered hosts only, the host.
		c.optionalHost(p, key+".host", e.Host)
		c.notReadWithOwnedSecret(p, key, contract.PostgresSecret, e.Password.IsSet(), e.PasswordRef != nil)
	} else {
		requireHost(p, key+".host", e.Host)
		requireString(p, key+".database", e.Database)
		requireString(p, key+".username", e.Username)
	}
	if !oneOf(e.SSLMode, "disable", "allow", "prefer", "require", "verify-ca", "verify-full") {
		p.add(key+".sslMode", "must be one of disable, allow, prefer, require, verify-ca, verify-full, got %q", e.SSLMode)
	} else if c.Environment == "prod" && oneOf(e.SSLMode, "disable", "allow", "prefer") {
		p.add(key+".sslMode", "must be require, verify-ca or verify-full in prod (TLS enforced), got %q", e.SSLMode)
	}
	if !c.Secrets.Owns(contract.PostgresSecret) {
		checkCredential(p, key, "password", e.Password, e.PasswordRef, true)
	}
}

func (c *Config) validateRedis(p *problems) {
	e := c.Redis.Existing
	if !c.checkMode(p, "redis", c.Redis.Mode, dependencyModes, e != nil) {
		return
	}
	key := "workfx:redis.existing"
	checkPort(p, key+".port", e.Port)
	if c.Secrets.Owns(contract.RedisSecret) {
		c.optionalHost(p, key+".host", e.Host)
		c.notReadWithOwnedSecret(p, key, contract.RedisSecret, e.Password.IsSet(), e.PasswordRef != nil)
		return
	}
	requireHost(p, key+".host", e.Host)
	if e.DB < 0 || e.DB > 15 {
		p.add(key+".db", "must be a database index from 0 to 15, got %d", e.DB)
	}
	checkCredential(p, key, "password", e.Password, e.PasswordRef, true)
}

func (c *Config) validateKafka(p *problems) {
	topicKey := "workfx:kafka.topics"
	for name, t := range map[string]string{"documentChunks": c.Kafka.Topics.DocumentChunks, "agents": c.Kafka.Topics.Agents, "rasaEvents": c.Kafka.Topics.RasaEvents} {
		if !kafkaTopic.MatchString(t) {
			p.add(topicKey+"."+name, "must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 249), got %q", t)
		}
	}
	e := c.Kafka.Existing
	if !c.checkMode(p, "kafka", c.Kafka.Mode, dependencyModes, e != nil) {
		return
	}
	key := "workfx:kafka.existing"
	if strings.TrimSpace(e.BootstrapServers) == "" {
		p.add(key+".bootstrapServers", "is required: a comma-separated list of host:port")
	} else {
		for _, hp := range strings.Split(e.BootstrapServers, ",") {
			host, port, err := net.SplitHostPort(strings.TrimSpace(hp))
			n, perr := strconv.Atoi(port)
			if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
				p.add(key+".bootstrapServers", "must be a comma-separated list of host:port (port 1-65535), got entry %q", hp)
			}
		}
	}
	protocols := []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
	if !oneOf(e.SecurityProtocol, protocols...) {
		p.add(key+".securityProtocol", "must be one of %s, got %q", strings.Join(protocols, ", "), e.SecurityProtocol)
		return
	}
	if c.Environment == "prod" && !oneOf(e.SecurityProtocol, "SSL", "SASL_SSL") {
		p.add(key+".securityProtocol", "must be SSL or SASL_SSL in prod (TLS enforced), got %q", e.SecurityProtocol)
	}
	if strings.HasPrefix(e.SecurityProtocol, "SASL_") {
		mechanisms := []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
		if !oneOf(e.SASLMechanism, mechanisms...) {
			p.add(key+".saslMechanism", "must be one of %s with %s, got %q", strings.Join(mechanisms, ", "), e.SecurityProtocol, e.SASLMechanism)
		}
		// The credentials go into wfx-kafka-secret and (Rasa) kafka-secrets; the customer may own both.
		if c.kafkaCredentialsRendered() {
			requireString(p, key+".username", e.Username)
			checkCredential(p, key, "password", e.Password, e.PasswordRef, true)
		} else {
			c.notReadWithOwnedSecret(p, key, contract.KafkaSecret, e.Password.IsSet(), e.PasswordRef != nil)
		}
	} else {
		for field, set := range map[string]bool{"saslMechanism": e.SASLMechanism != "", "username": e.Username != "", "password": e.Password.IsSet(), "passwordRef": e.PasswordRef != nil} {
			if set {
				p.add(key+"."+field, "is only allowed with securityProtocol SASL_SSL or SASL_PLAINTEXT (it is %s)", e.SecurityProtocol)
			}
		}
	}
	if e.CACertificate != "" && !strings.Contains(e.CACertificate, "-----BEGIN CERTIFICATE-----") {
		p.add(key+".caCertificate", "must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)")
	}
}

func (c *Config) validateSearch(p *problems) {
	e := c.Elasticsearch.Existing
	mode := c.Elasticsearch.Mode
	if mode == ModeProvision {
		p.add("workfx:elasticsearch.mode", "provision is not offered: this program does not run Elasticsearch; use existing or disabled")
		return
	}
	if !c.checkMode(p, "elasticsearch", mode, []string{ModeExisting, ModeDisabled}, e != nil) {
		return
	}
	key := "workfx:elasticsearch.existing"
	if _, _, _, err := ParseSearchURL(e.URL); err != nil {
		p.add(key+".url", "%v", err)
	}
	if c.Secrets.Owns(contract.SearchSecret) {
		c.notReadWithOwnedSecret(p, key, contract.SearchSecret, e.Password.IsSet(), e.PasswordRef != nil)
		return
	}
	requireString(p, key+".username", e.Username)
	checkCredential(p, key, "password", e.Password, e.PasswordRef, true)
}

func (c *Config) validateStorage(p *problems) {
	e := c.ObjectStorage.Existing
	if !c.checkMode(p, "objectStorage", c.ObjectStorage.Mode, dependencyModes, e != nil) {
		return
	}
	key := "workfx:objectStorage.existing"
	if !oneOf(e.Type, "azure", "s3", "minio") {
		p.add(key+".type", "must be azure, s3 or minio, got %q", e.Type)
	}
	if u, err := url.Parse(e.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.add(key+".endpoint", "must be an http(s) URL (seed 001 bucketUriPath), got %q", e.Endpoint)
	}
	for name, b := range map[string]string{"admin": e.Buckets.Admin, "user": e.Buckets.User, "public": e.Buckets.Public, "email": e.Buckets.Email, "toolsImage": e.Buckets.ToolsImage} {
		if !bucketName.MatchString(b) {
			p.add(key+".buckets."+name, "must be a bucket/container name (3-63 lowercase letters, digits, '.', '-'), got %q", b)
		}
	}
}

func (c *Config) validateMesh(p *problems) {
	m := c.Mesh
	key := "workfx:mesh"
	switch m.Mode {
	case ModeDisabled:
		return
	case ModeExisting:
	case ModeProvision:
	default:
		p.add(key+".mode", "must be one of provision, existing, disabled, got %q", m.Mode)
		return
	}
	if m.Host == "" || !hostName.MatchString(m.Host) || !strings.Contains(m.Host, ".") {
		p.add(key+".host", "must be the API's fully qualified host name (e.g. workfx-ai.example.com), got %q", m.Host)
	}
	if !dns1123Subdomain.MatchString(m.TLSCredentialName) {
		p.add(key+".tlsCredentialName", "must be a Kubernetes Secret name, got %q", m.TLSCredentialName)
	}
	for _, ns := range [][2]string{{"gatewayNamespace", m.GatewayNamespace}, {"istioNamespace", m.IstioNamespace}} {
		if !dns1123Label.MatchString(ns[1]) {
			p.add(key+"."+ns[0], "must be a namespace name (DNS-1123 label), got %q", ns[1])
		}
	}
	if u, err := url.Parse(m.JWT.Issuer); m.JWT.Issuer == "" || err != nil || u.Scheme == "" {
		p.add(key+".jwt.issuer", "is required with the mesh on: the token issuer URL (iss claim), got %q", m.JWT.Issuer)
	}
	if u, err := url.Parse(m.JWT.JWKSURI); m.JWT.JWKSURI == "" || err != nil || u.Scheme != "https" {
		p.add(key+".jwt.jwksUri", "is required with the mesh on: an https URL of the issuer's JWKS, got %q", m.JWT.JWKSURI)
	}
	switch {
	case m.Mode == ModeProvision && m.GatewayServiceAccount != "":
		p.add(key+".gatewayServiceAccount", "is only set for a customer's gateway (mode existing): the gateway this program installs runs as %s", InstalledGatewayServiceAccount)
	case m.Mode == ModeExisting && (!dns1123Subdomain.MatchString(m.GatewayServiceAccount) || len(m.GatewayServiceAccount) > 253):
		p.add(key+".gatewayServiceAccount", "must be the ServiceAccount name of the customer's ingress gateway, got %q", m.GatewayServiceAccount)
	}
	if m.TracingSamplingPercent < 0 || m.TracingSamplingPercent > 100 {
		p.add(key+".tracingSamplingPercent", "must be between 0 and 100, got %d", m.TracingSamplingPercent)
	}
}

func (c *Config) validateMonitoring(p *problems) {
	m := c.Monitoring
	key := "workfx:monitoring"
	switch m.Mode {
	case ModeDisabled:
		return
	case ModeExisting:
	case ModeProvision:
	default:
		p.add(key+".mode", "must be one of provision, existing, disabled, got %q", m.Mode)
		return
	}
	if !dns1123Label.MatchString(m.Namespace) {
		p.add(key+".namespace", "must be a namespace name (DNS-1123 label), got %q", m.Namespace)
	}
	if !duration.MatchString(m.ScrapeInterval) {
		p.add(key+".scrapeInterval", "must be a Prometheus duration such as 30s or 1m, got %q", m.ScrapeInterval)
	}
}

func (c *Config) validateCredentials(p *problems) {
	cr := c.Credentials
	key := "workfx:credentials"
	rasaOn := c.RasaOn()
	for _, f := range []struct {
		field    string
		value    Secret
		ref      *SecretRef
		secret   string // the contract Secret it goes into
		required bool
	}{
		{"adminJwtKey", cr.AdminJWTKey, cr.AdminJWTKeyRef, contract.JWTSecret, false},
		{"aiJwtKey", cr.AIJWTKey, cr.AIJWTKeyRef, contract.JWTSecret, false},
		{"dataSecret", cr.DataSecret, cr.DataSecretRef, contract.AppSecret, false},
		{"jinaApiKey", cr.JinaAPIKey, cr.JinaAPIKeyRef, contract.AppSecret, false},
		{"embeddingApiKey", cr.EmbeddingAPIKey, cr.EmbeddingAPIKeyRef, contract.ModelKeysSecret, false},
		{"rerankApiKey", cr.RerankAPIKey, cr.RerankAPIKeyRef, contract.ModelKeysSecret, false},
		{"llmApiKey", cr.LLMAPIKey, cr.LLMAPIKeyRef, contract.ModelKeysSecret, false},
		{"rasaProLicense", cr.RasaProLicense, cr.RasaProLicenseRef, contract.RasaLicenseSecret, rasaOn},
		{"analyticsDbUrl", cr.AnalyticsDBURL, cr.AnalyticsDBURLRef, contract.AnalyticsDBSecret, false},
	} {
		if c.Secrets.Owns(f.secret) {
			if f.value.IsSet() || f.ref != nil {
				p.add(key+"."+f.field, "is not used: the apps read it from %s, which the customer owns (workfx:secrets.existing); remove it", f.secret)
			}
			continue
		}
		checkCredential(p, key, f.field, f.value, f.ref, f.required)
	}
	// The analytics URL is composed from Postgres unless the program does not know the Postgres
	// password (a reference, or the customer's pg-secret); then the customer must give the URL.
	pgUnknown := c.Secrets.Owns(contract.PostgresSecret) || (c.Postgres.Existing != nil && c.Postgres.Existing.PasswordRef != nil)
	analyticsGiven := cr.AnalyticsDBURL.IsSet() || cr.AnalyticsDBURLRef != nil || c.Secrets.Owns(contract.AnalyticsDBSecret)
	if c.Apps.RasaProServices.On() && c.Postgres.Mode == ModeExisting && pgUnknown && !analyticsGiven {
		p.add(key+".analyticsDbUrl", "is required when rasaProServices is enabled and the Postgres password is the customer's (workfx:postgres.existing.passwordRef or pg-secret in workfx:secrets.existing): the URL embeds it; give analyticsDbUrl (secure) or analyticsDbUrlRef, or own analytics-db-url")
	}
}

// validateSecrets checks workfx:secrets: contract names only, each once, and only for a
// dependency the customer brings (a provisioned one's Secret is the program's to write).
func (c *Config) validateSecrets(p *problems) {
	key := "workfx:secrets.existing"
	seen := map[string]bool{}
	needsExisting := map[string]struct{ dep, mode string }{
		contract.PostgresSecret:  {"postgres", c.Postgres.Mode},
		contract.RedisSecret:     {"redis", c.Redis.Mode},
		contract.SearchSecret:    {"elasticsearch", c.Elasticsearch.Mode},
		contract.KafkaSecret:     {"kafka", c.Kafka.Mode},
		contract.RasaKafkaSecret: {"kafka", c.Kafka.Mode},
	}
	for i, name := range c.Secrets.Existing {
		ik := fmt.Sprintf("%s[%d]", key, i)
		if _, ok := contract.Lookup(name); !ok {
			p.add(ik, "must be a contract Secret name (%s), got %q", strings.Join(contract.Names(), ", "), name)
			continue
		}
		if seen[name] {
			p.add(ik, "names %s twice", name)
		}
		seen[name] = true
		if d, ok := needsExisting[name]; ok && d.mode != ModeExisting {
			p.add(ik, "%s can be the customer's only when workfx:%s.mode is existing (it is %q): the program writes it for what it provisions", name, d.dep, d.mode)
		}
		rasaOn := c.RasaOn()
		sasl := c.Kafka.Existing != nil && strings.HasPrefix(c.Kafka.Existing.SecurityProtocol, "SASL_")
		if unread := (name == contract.RasaLicenseSecret && !rasaOn) ||
			(name == contract.RasaKafkaSecret && !(rasaOn && sasl)) ||
			(name == contract.AnalyticsDBSecret && !c.Apps.RasaProServices.On()); unread {
			p.add(ik, "%s is read by no enabled app (Rasa Pro reads rasapro-license and, with SASL, kafka-secrets; Rasa Pro Services also analytics-db-url); remove it", name)
		}
	}
}

// validateCustomerNamespace: on the customer's cluster, the Secrets they keep must be in the
// namespace before the first up, which a namespace this program creates cannot be. (On a cluster
// this program provisions, the first up stops after creating the namespace and names the
// Secrets to create; docs/aws.md and docs/azure.md say so.) A reference may not name a contract
// Secret the program writes: it would overwrite the customer's.
func (c *Config) validateCustomerNamespace(p *problems) {
	customer := c.CustomerSecrets()
	for _, cs := range customer {
		if _, contract := contract.Lookup(cs.Name); contract && !c.Secrets.Owns(cs.Name) {
			for _, at := range cs.DeclaredAt {
				if at != "workfx:images.pullSecret" {
					p.add(at+".secretName", "%q is a contract Secret this program writes; reference a Secret of the customer's own, or list %s in workfx:secrets.existing if the customer created it", cs.Name, cs.Name)
				}
			}
		}
	}
	if !On(c.Cluster.CreateNamespace) || c.Cluster.Mode != ModeExisting || len(customer) == 0 {
		return
	}
	var names []string
	for _, cs := range customer {
		names = append(names, cs.Name)
	}
	p.add("workfx:cluster.createNamespace", "must be false: the config names Secrets the customer keeps in namespace %s (%s), which must exist before the first up; create the namespace and those Secrets, and this program then labels the namespace and never deletes it",
		c.Cluster.Namespace, strings.Join(names, ", "))
}

// kafkaCredentialsRendered: the program writes the Kafka SASL credentials into a Secret of its
// own (wfx-kafka-secret, or kafka-secrets for Rasa), so it needs them.
func (c *Config) kafkaCredentialsRendered() bool {
	rasaOn := c.RasaOn()
	return !c.Secrets.Owns(contract.KafkaSecret) || (rasaOn && !c.Secrets.Owns(contract.RasaKafkaSecret))
}

// optionalHost checks a host the program only needs to declare the server to a provisioned
// mesh whose outbound policy admits registered hosts only.
func (c *Config) optionalHost(p *problems, key, host string) {
	if host != "" {
		requireHost(p, key, host)
		return
	}
	if c.Mesh.Mode == ModeProvision && c.Mesh.Provision != nil && c.Mesh.Provision.OutboundTrafficPolicy == "REGISTRY_ONLY" {
		p.add(key, "is required with mesh outbound policy REGISTRY_ONLY: the sidecars reach only hosts declared to the mesh")
	}
}

// notReadWithOwnedSecret reports a password given for a dependency whose contract Secret the
// customer owns: nothing would read it.
func (c *Config) notReadWithOwnedSecret(p *problems, key, secret string, value, ref bool) {
	if value {
		p.add(key+".password", "is not used: the apps read it from %s, which the customer owns (workfx:secrets.existing); remove it", secret)
	}
	if ref {
		p.add(key+".passwordRef", "is not used: the apps read the password from %s, which the customer owns (workfx:secrets.existing); remove it", secret)
	}
}

func (c *Config) validateApps(p *problems) {
	anyOn := false
	for _, app := range Apps {
		a := app.Of(c)
		key := "workfx:apps." + app.ConfigKey
		if !a.On() {
			continue
		}
		anyOn = true
		if a.Image.Repository == "" {
			p.add(key+".image.repository", "is required")
		}
		if !imageTag.MatchString(a.Image.Tag) {
			p.add(key+".image.tag", "must be an image tag (letters, digits, '_', '.', '-'; at most 128), got %q", a.Image.Tag)
		} else if c.Environment == "prod" && a.Image.Tag == "latest" {
			p.add(key+".image.tag", "must be a pinned version in prod, not \"latest\"")
		}
		if a.Replicas < 1 || a.Replicas > 50 {
			p.add(key+".replicas", "must be between 1 and 50, got %d", a.Replicas)
		}
		if a.MaxReplicas < a.Replicas || a.MaxReplicas > 100 {
			p.add(key+".maxReplicas", "must be at least replicas (%d) and at most 100, got %d", a.Replicas, a.MaxReplicas)
		}
		for _, q := range []struct{ name, v string }{
			{"resources.requests.cpu", a.Resources.Requests.CPU}, {"resources.requests.memory", a.Resources.Requests.Memory},
			{"resources.limits.cpu", a.Resources.Limits.CPU}, {"resources.limits.memory", a.Resources.Limits.Memory},
		} {
			if !quantity.MatchString(q.v) {
				p.add(key+"."+q.name, "must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi, got %q", q.v)
			}
		}
		if !duration.MatchString(a.Timeout) {
			p.add(key+".timeout", "must be a duration such as 30s, got %q", a.Timeout)
		}
		if a.Retries != nil && (*a.Retries < 0 || *a.Retries > 10) {
			p.add(key+".retries", "must be between 0 and 10, got %d", *a.Retries)
		}
		if a.MaxConnections < 1 {
			p.add(key+".maxConnections", "must be at least 1, got %d", a.MaxConnections)
		}
		if ms := DurationMS(a.RolloutTimeout); !duration.MatchString(a.RolloutTimeout) || ms < 30_000 || ms > 2*3600_000 {
			p.add(key+".rolloutTimeout", "must be a duration from 30s to 2h such as 10m, got %q", a.RolloutTimeout)
		}
		var keys []string
		for _, other := range Apps {
			keys = append(keys, other.ConfigKey)
		}
		for i, caller := range a.Callers {
			if _, ok := AppByKey(caller); !ok || caller == app.ConfigKey {
				p.add(fmt.Sprintf("%s.callers[%d]", key, i), "must name another app (%s), got %q", strings.Join(keys, ", "), caller)
			}
		}
	}
	if !anyOn {
		p.add("workfx:apps", "enables no app; enable at least one of workfxApi, workfxCdc, rasaPro, rasaProServices")
	}
}

func requireString(p *problems, key, v string) {
	if strings.TrimSpace(v) == "" {
		p.add(key, "is required")
	}
}

func requireHost(p *problems, key, v string) {
	if v == "" {
		p.add(key, "is required: a host name or IP address")
	} else if !hostName.MatchString(v) {
		p.add(key, "must be a host name or IP address without scheme or port, got %q", v)
	}
}

func checkPort(p *problems, key string, port int) {
	if port < 1 || port > 65535 {
		p.add(key, "must be a port from 1 to 65535, got %d", port)
	}
}

func checkCredential(p *problems, parent, field string, value Secret, ref *SecretRef, required bool) {
	key := parent + "." + field
	refKey := key + "Ref"
	switch {
	case value.IsSet() && ref != nil:
		p.add(key, "is given both inline and by reference (%sRef); give exactly one", field)
	case required && !value.IsSet() && ref == nil:
		p.add(key, "is required: set it as a secret (pulumi config set --secret --path %s …) or reference an existing Secret with %sRef {secretName, key}", strings.TrimPrefix(key, Namespace+":"), field)
	}
	if ref == nil {
		return
	}
	if !dns1123Subdomain.MatchString(ref.SecretName) || len(ref.SecretName) > 253 {
		p.add(refKey+".secretName", "must be a Kubernetes Secret name (DNS-1123 subdomain), got %q", ref.SecretName)
	}
	if !secretKey.MatchString(ref.Key) {
		p.add(refKey+".key", "must be a Secret key (letters, digits, '-', '_', '.'), got %q", ref.Key)
	}
}
