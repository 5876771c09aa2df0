// Package secrets renders the Kubernetes Secrets the WorkFX and Rasa images read, with exactly the
// names and keys of seed 001 (values-ka.yaml `secrets:`) and seed 000 (Rasa Pro Services). Where
// the customer keeps a credential in their own Secret, or created a contract Secret themselves
// (seed 001 "方式 2"), the apps read that Secret as it is and nothing is copied. Every Secret the
// customer owns is read before any app starts: a missing Secret or key fails the deployment with
// its name, and a changed value rolls the pods that read it.
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
	"github.com/workfx/workfx-platform/components/secrets/contract"
	"github.com/workfx/workfx-platform/config"
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
	// Namespace is the namespace Output (the Secrets wait for it); NamespaceName its name.
	Namespace     pulumi.StringInput
	NamespaceName string
	Labels        map[string]string

	Postgres *postgres.Endpoint
	Redis    *redis.Endpoint
	Search   *search.Endpoint
	Kafka    *kafka.Endpoint

	JWT        JWTArgs
	DataSecret credential.Source
	JinaAPIKey credential.Source

	EmbeddingAPIKey, RerankAPIKey, LLMAPIKey credential.Source

	// Rasa: a Rasa app is enabled (rasapro-license; kafka-secrets with SASL). RasaServices:
	// Rasa Pro Services is (analytics-db-url).
	Rasa, RasaServices bool
	RasaLicense        credential.Source
	AnalyticsDBURL     credential.Source

	// CustomerOwned are contract Secrets the customer created (seed 001 "方式 2", the seed chart's
	// secrets.create: false): none is rendered and the apps read each as it is.
	CustomerOwned map[string]bool
	// PullSecret is the customer's image pull Secret; it must exist before the first pod.
	PullSecret string
	// NamespaceReady is what the reads of the customer's Secrets wait for: the namespace (a
	// provisioned cluster's, created by this program) or the label patch of the customer's.
	NamespaceReady pulumi.Resource
	// OtherReaders are keys of the customer's Secrets read by other objects than the pods (alert
	// receivers): Secret → key → what reads it. They are read and checked like the pods' ones.
	OtherReaders map[string]map[string][]string
}

// EnvRef is one environment variable read from a Secret key.
type EnvRef struct {
	Env string
	Ref config.SecretRef
	// Optional: the pod starts without it when the key is missing.
	Optional bool
}

// Contract is the component: the Secrets it wrote, the customer's Secrets it read, and per group
// the env vars that read them.
type Contract struct {
	pulumi.ResourceState
	// Secrets are the rendered contract Secrets by name.
	Secrets map[string]*corev1.Secret
	env     map[contract.Group][]EnvRef
	// revisions are the resourceVersion of every Secret an app may read (rendered or the
	// customer's), by Secret name.
	revisions map[string]pulumi.StringOutput
	// pull is the customer's image pull Secret as read (nil without one), pullName its name.
	pull     *corev1.Secret
	pullName string
}

// PullSecret returns the customer's image pull Secret as read from the app namespace, for the
// namespaces whose pods pull from the same registry (nil when the config names none).
func (c *Contract) PullSecret() *kube.PullSecretSource {
	if c.pull == nil {
		return nil
	}
	return &kube.PullSecretSource{Name: c.pullName, Type: c.pull.Type, Data: c.pull.Data, Read: c.pull}
}

// Resources are the rendered Secrets, for pulumi.DependsOn. Depend on these rather than on the
// component: the SDK learns a component's children asynchronously, so a dependency on the
// component can miss a Secret still being registered.
func (c *Contract) Resources() []pulumi.Resource {
	out := make([]pulumi.Resource, 0, len(c.Secrets))
	for _, n := range sortedKeys(c.Secrets) {
		out = append(out, c.Secrets[n])
	}
	return out
}

// Checked is the resourceVersion of a customer's Secret that was read, failing (naming the
// Secret and key) when a key its readers need is missing: what uses the Secret waits for it.
// ok is false for a Secret that was not read.
func (c *Contract) Checked(name string) (rv pulumi.StringOutput, ok bool) {
	rv, ok = c.revisions[name]
	return rv, ok
}

// Env returns the env vars of a group, or nil when the group was not rendered.
func (c *Contract) Env(g contract.Group) []EnvRef { return c.env[g] }

// Has reports whether the group was rendered.
func (c *Contract) Has(g contract.Group) bool { return len(c.env[g]) > 0 }

// Revisions returns, for the Secrets behind the groups, each Secret's resourceVersion by name.
// A pod template that carries them rolls when one of those Secrets changes. For the customer's
// Secrets the Output fails, naming the Secret and key, when a key the apps need is missing.
func (c *Contract) Revisions(groups ...contract.Group) map[string]pulumi.StringOutput {
	out := map[string]pulumi.StringOutput{}
	for _, g := range groups {
		for _, e := range c.env[g] {
			if rv, ok := c.revisions[e.Ref.SecretName]; ok {
				out[e.Ref.SecretName] = rv
			}
		}
	}
	return out
}

// entry is one key of a contract Secret: where its value comes from.
type entry struct {
	contract.Key
	value pulumi.StringInput // plain or secret Output
	ref   *config.SecretRef  // the customer's Secret instead
	skip  bool               // credential not given (optional key)
}

func plain(s string) pulumi.StringInput { return pulumi.String(s) }

// New renders the contract Secrets into the namespace and reads the customer's.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Contract, error) {
	c := &Contract{Secrets: map[string]*corev1.Secret{}, env: map[contract.Group][]EnvRef{}, revisions: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("workfx:secrets:Contract", name, c, opts...); err != nil {
		return nil, err
	}
	for _, spec := range contract.Catalog {
		values := args.values(spec)
		if values == nil {
			continue
		}
		if args.CustomerOwned[spec.Name] {
			c.readAsIs(spec)
			continue
		}
		if err := c.render(ctx, args, spec, values); err != nil {
			return nil, err
		}
	}
	if err := c.readCustomerSecrets(ctx, args); err != nil {
		return nil, err
	}
	out := pulumi.StringArray{}
	for _, n := range sortedKeys(c.Secrets) {
		out = append(out, pulumi.String(n))
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"secrets": out})
}

// readAsIs points the group's env vars at the customer's own Secret of the contract name.
func (c *Contract) readAsIs(spec contract.Spec) {
	var env []EnvRef
	for _, k := range spec.Keys {
		env = append(env, EnvRef{Env: k.Env, Ref: config.SecretRef{SecretName: spec.Name, Key: k.Name}, Optional: k.Optional})
	}
	c.env[spec.Group] = env
}

func (c *Contract) render(ctx *pulumi.Context, args *Args, spec contract.Spec, values map[string]entry) error {
	data := pulumi.StringMap{}
	var env []EnvRef
	for _, k := range spec.Keys {
		e := values[k.Name]
		switch {
		case e.skip:
			continue
		case e.ref != nil:
			env = append(env, EnvRef{Env: k.Env, Ref: *e.ref})
		default:
			// Each value is a Pulumi secret (encrypted in state, redacted in previews and
			// plans); the keys stay visible so reviewers see the contract.
			data[k.Name] = pulumi.ToSecret(e.value).(pulumi.StringOutput)
			env = append(env, EnvRef{Env: k.Env, Ref: config.SecretRef{SecretName: spec.Name, Key: k.Name}})
		}
	}
	c.env[spec.Group] = env
	if len(data) == 0 {
		return nil // every key lives in the customer's own Secrets
	}
	labels := kube.StringMap(args.Labels)
	labels["app.kubernetes.io/component"] = pulumi.String(string(spec.Group))
	s, err := corev1.NewSecret(ctx, spec.Name, &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(spec.Name),
			Namespace:   args.Namespace,
			Labels:      labels,
			Annotations: kube.Owned(),
		},
		Type:       pulumi.String("Opaque"),
		StringData: data,
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("secret %s: %w", spec.Name, err)
	}
	c.Secrets[spec.Name] = s
	c.revisions[spec.Name] = s.Metadata.ResourceVersion().Elem()
	return nil
}

// values resolves the value of every key of a contract Secret, or nil when the Secret is not
// wanted.
func (a *Args) values(spec contract.Spec) map[string]entry {
	var v map[string]entry
	set := func(key string, value pulumi.StringInput) { v[key] = entry{value: value} }
	fromSource := func(key string, s credential.Source) {
		switch {
		case s.Ref != nil:
			v[key] = entry{ref: s.Ref}
		case !s.IsSet():
			v[key] = entry{skip: true}
		default:
			v[key] = entry{value: s.Value}
		}
	}
	switch spec.Name {
	case contract.PostgresSecret:
		pg := a.Postgres
		if pg == nil {
			return nil
		}
		v = map[string]entry{}
		set("host", pg.Host)
		set("port", plain(strconv.Itoa(pg.Port)))
		set("username", pg.Username)
		fromSource("password", pg.Password)
		set("database", pg.Database)
	case contract.RedisSecret:
		r := a.Redis
		if r == nil {
			return nil
		}
		v = map[string]entry{}
		set("redis_host", r.Host)
		set("redis_port", plain(strconv.Itoa(r.Port)))
		fromSource("redis_password", r.Password)
		set("redis_db", plain(strconv.Itoa(r.DB)))
		set("redis_use_ssl", plain(strconv.FormatBool(r.TLS)))
	case contract.SearchSecret:
		s := a.Search
		if s == nil {
			return nil
		}
		v = map[string]entry{}
		set("host", plain(s.Host))
		set("port", plain(strconv.Itoa(s.Port)))
		set("username", s.Username)
		fromSource("password", s.Password)
		set("use_ssl", plain(strconv.FormatBool(s.UseSSL)))
		set("cluster_url", plain(s.URL))
	case contract.KafkaSecret:
		k := a.Kafka
		if k == nil {
			return nil
		}
		v = map[string]entry{}
		set("bootstrap_servers", k.BootstrapServers)
		set("security_protocol", plain(k.SecurityProtocol))
		set("document_chunks_topic", plain(k.Topics.DocumentChunks))
		set("agents_topic", plain(k.Topics.Agents))
		set("consumer_group_prefix", plain(k.ConsumerGroupPrefix))
		if k.SASL() {
			set("username", k.Username)
			fromSource("password", k.Password)
		} else {
			// No SASL: the keys exist (the images read them) and are empty.
			set("username", plain(""))
			set("password", plain(""))
		}
	case contract.JWTSecret:
		v = map[string]entry{}
		fromSource("admin_jwt_key", a.JWT.AdminKey)
		set("admin_jwt_issuer", plain(a.JWT.AdminIssuer))
		set("admin_jwt_audience", plain(a.JWT.AdminAudience))
		fromSource("ai_jwt_key", a.JWT.AIKey)
		set("ai_jwt_issuer", plain(a.JWT.AIIssuer))
		set("ai_jwt_audience", plain(a.JWT.AIAudience))
	case contract.AppSecret:
		v = map[string]entry{}
		fromSource("data_secret", a.DataSecret)
		fromSource("jina_api_key", a.JinaAPIKey)
	case contract.ModelKeysSecret:
		v = map[string]entry{}
		fromSource("embedding_api_key", a.EmbeddingAPIKey)
		fromSource("rerank_api_key", a.RerankAPIKey)
		fromSource("llm_api_key", a.LLMAPIKey)
	case contract.RasaLicenseSecret:
		if !a.Rasa {
			return nil
		}
		v = map[string]entry{}
		fromSource("licensekey", a.RasaLicense)
	case contract.AnalyticsDBSecret:
		if !a.RasaServices {
			return nil
		}
		v = map[string]entry{}
		fromSource("dburl", a.AnalyticsDBURL)
	case contract.RasaKafkaSecret:
		// Seed 000: Rasa reads its SASL credentials from kafka-secrets.
		if !a.Rasa || a.Kafka == nil || !a.Kafka.SASL() {
			return nil
		}
		v = map[string]entry{}
		set("username", a.Kafka.Username)
		fromSource("password", a.Kafka.Password)
	}
	return v
}

func nonNil(r pulumi.Resource) []pulumi.Resource {
	if r == nil {
		return nil
	}
	return []pulumi.Resource{r}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readCustomerSecrets reads every Secret of the customer's that a pod reads (the references, the
// contract Secrets the customer owns, the image pull Secret): the engine fails on one that does
// not exist, naming it, and each revision Output fails when a key the apps need is missing.
// Reading records the customer's values in the stack state, encrypted like every secret.
func (c *Contract) readCustomerSecrets(ctx *pulumi.Context, args *Args) error {
	required := map[string]map[string][]string{} // Secret → key → env vars that need it
	for _, spec := range contract.Catalog {
		for _, e := range c.env[spec.Group] {
			name := e.Ref.SecretName
			if _, rendered := c.Secrets[name]; rendered {
				continue
			}
			if required[name] == nil {
				required[name] = map[string][]string{}
			}
			if !e.Optional {
				required[name][e.Ref.Key] = append(required[name][e.Ref.Key], e.Env)
			}
		}
	}
	if args.PullSecret != "" && required[args.PullSecret] == nil {
		required[args.PullSecret] = map[string][]string{}
	}
	for name, keys := range args.OtherReaders {
		if required[name] == nil {
			required[name] = map[string][]string{}
		}
		for k, readers := range keys {
			required[name][k] = append(required[name][k], readers...)
		}
	}
	for _, name := range sortedKeys(required) {
		// A plain ID, known in previews too: the customer's namespace exists before the first up.
		// The state names the object: with none, the provider (v4.25.0 Read, readFromCluster)
		// records every field of the live Secret as its inputs on the first read and only the
		// identity on a refresh, so every refresh after an up would report a change.
		// (corev1.GetSecret takes no state in the Go SDK, hence ReadResource.)
		id := pulumi.ID(args.NamespaceName + "/" + name)
		identity := pulumi.Map{"apiVersion": pulumi.String("v1"), "kind": pulumi.String("Secret"),
			"metadata": pulumi.Map{"name": pulumi.String(name), "namespace": pulumi.String(args.NamespaceName)}}
		var s corev1.Secret
		err := ctx.ReadResource("kubernetes:core/v1:Secret", "customer-"+name, id, identity, &s,
			pulumi.Parent(c), pulumi.DependsOn(nonNil(args.NamespaceReady)))
		if err != nil {
			return fmt.Errorf("reading the customer's Secret %s: %w", name, err)
		}
		if name == args.PullSecret {
			c.pull, c.pullName = &s, name
		}
		need := required[name]
		// The key check sees only key names; Unsecret is safe on its result (empty or an error).
		checked := pulumi.Unsecret(s.Data.ApplyT(func(data map[string]string) (string, error) {
			return "", MissingKeys(name, data, need)
		})).(pulumi.StringOutput)
		c.revisions[name] = pulumi.All(s.Metadata.ResourceVersion().Elem(), checked).ApplyT(func(v []any) string {
			return v[0].(string)
		}).(pulumi.StringOutput)
	}
	return nil
}

// MissingKeys reports the keys a customer's Secret lacks, with the env vars that read them.
func MissingKeys(secret string, data map[string]string, need map[string][]string) error {
	var missing []string
	for _, k := range sortedKeys(need) {
		if _, ok := data[k]; !ok {
			missing = append(missing, fmt.Sprintf("%q (read as %v)", k, need[k]))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("the customer's Secret %s has no key %s; add the key%s to the Secret or fix the reference in the stack config",
		secret, join(missing), plural(len(missing)))
}

func join(parts []string) string {
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		if i == len(parts)-1 {
			out += "and "
		}
		out += p
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
