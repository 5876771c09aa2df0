package onboarding

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

const contosoFile = "../examples/customers/contoso.yaml"

// acme gives credentials as values (kubeconfig, Postgres and Kafka passwords, an API key) next
// to a reference, so the secret marking is visible.
const acme = `
id: acme
environment: dev
cluster:
  mode: existing
  createNamespace: false
  existing: {kubeconfig: "apiVersion: v1\nkind: Config\n", context: acme-dev}
postgres:
  mode: existing
  existing: {host: pg.acme.internal, port: 5433, database: workfx, username: workfx, password: pg-s3cret}
redis:
  mode: existing
  existing: {host: redis.acme.internal, passwordRef: {secretName: acme-redis, key: password}}
kafka:
  mode: existing
  existing: {bootstrapServers: "kafka.acme.internal:9093", securityProtocol: SASL_SSL, saslMechanism: PLAIN, username: workfx, password: kafka-s3cret}
objectStorage:
  mode: existing
  existing:
    type: s3
    endpoint: https://s3.acme.internal
    buckets: {admin: acme-admin, user: acme-user, public: acme-public, email: acme-email, toolsImage: acme-tools}
monitoring:
  mode: existing
  serviceMonitorLabels: {app.kubernetes.io/part-of: prometheus}
credentials:
  llmApiKey: sk-llm
apps:
  workfxApi:
    enabled: true
    image: {repository: workfx-ai/workfx-api, tag: "3"}
    replicas: 1
  workfxCdc: {enabled: false}
`

func TestCustomerToStackConfigIsExact(t *testing.T) {
	c, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	assert.Equal(t, "ka-acme", c.StackName())

	plain := func(v string) auto.ConfigValue { return auto.ConfigValue{Value: v} }
	secret := func(v string) auto.ConfigValue { return auto.ConfigValue{Value: v, Secret: true} }
	assert.Equal(t, auto.ConfigMap{
		"workfx:environment":                                                  plain("dev"),
		"workfx:cloud":                                                        plain("none"),
		"workfx:customer":                                                     plain("acme"),
		"workfx:cluster.mode":                                                 plain("existing"),
		"workfx:cluster.createNamespace":                                      plain("false"),
		"workfx:cluster.existing.kubeconfig":                                  secret("apiVersion: v1\nkind: Config\n"),
		"workfx:cluster.existing.context":                                     plain("acme-dev"),
		"workfx:postgres.mode":                                                plain("existing"),
		"workfx:postgres.existing.host":                                       plain("pg.acme.internal"),
		"workfx:postgres.existing.port":                                       plain("5433"),
		"workfx:postgres.existing.database":                                   plain("workfx"),
		"workfx:postgres.existing.username":                                   plain("workfx"),
		"workfx:postgres.existing.password":                                   secret("pg-s3cret"),
		"workfx:redis.mode":                                                   plain("existing"),
		"workfx:redis.existing.host":                                          plain("redis.acme.internal"),
		"workfx:redis.existing.passwordRef.secretName":                        plain("acme-redis"),
		"workfx:redis.existing.passwordRef.key":                               plain("password"),
		"workfx:kafka.mode":                                                   plain("existing"),
		"workfx:kafka.existing.bootstrapServers":                              plain("kafka.acme.internal:9093"),
		"workfx:kafka.existing.securityProtocol":                              plain("SASL_SSL"),
		"workfx:kafka.existing.saslMechanism":                                 plain("PLAIN"),
		"workfx:kafka.existing.username":                                      plain("workfx"),
		"workfx:kafka.existing.password":                                      secret("kafka-s3cret"),
		"workfx:objectStorage.mode":                                           plain("existing"),
		"workfx:objectStorage.existing.type":                                  plain("s3"),
		"workfx:objectStorage.existing.endpoint":                              plain("https://s3.acme.internal"),
		"workfx:objectStorage.existing.buckets.admin":                         plain("acme-admin"),
		"workfx:objectStorage.existing.buckets.user":                          plain("acme-user"),
		"workfx:objectStorage.existing.buckets.public":                        plain("acme-public"),
		"workfx:objectStorage.existing.buckets.email":                         plain("acme-email"),
		"workfx:objectStorage.existing.buckets.toolsImage":                    plain("acme-tools"),
		"workfx:monitoring.mode":                                              plain("existing"),
		`workfx:monitoring.serviceMonitorLabels["app.kubernetes.io/part-of"]`: plain("prometheus"),
		"workfx:credentials.llmApiKey":                                        secret("sk-llm"),
		"workfx:apps.workfxApi.enabled":                                       plain("true"),
		"workfx:apps.workfxApi.image.repository":                              plain("workfx-ai/workfx-api"),
		"workfx:apps.workfxApi.image.tag":                                     plain("3"),
		"workfx:apps.workfxApi.replicas":                                      plain("1"),
		"workfx:apps.workfxCdc.enabled":                                       plain("false"),
	}, c.ConfigValues())
	assert.Equal(t, []string{"workfx:cluster", "workfx:credentials", "workfx:kafka", "workfx:postgres"}, c.SecretKeys())

	// The program sees the same values, and its own validation accepts them.
	raw, err := c.RawConfig()
	require.NoError(t, err)
	cfg, err := config.Load(raw)
	require.NoError(t, err)
	assert.Equal(t, "pg-s3cret", string(cfg.Postgres.Existing.Password))
	assert.Equal(t, 5433, cfg.Postgres.Existing.Port)
	assert.Equal(t, "3", cfg.Apps.WorkfxAPI.Image.Tag)
	assert.Equal(t, "acme", cfg.Customer)
}

// Every credential field of the program's config (credential.Secret) is marked secret when the
// spec gives it a value, wherever it sits.
func TestEveryCredentialFieldIsSecret(t *testing.T) {
	var secretPaths []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == secretType {
			secretPaths = append(secretPaths, prefix)
			return
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for name, f := range structFieldsByJSON(t) {
			walk(prefix+"."+name, f.Type)
		}
	}
	walk("workfx:", reflect.TypeOf(config.Config{}))
	require.GreaterOrEqual(t, len(secretPaths), 14, "credential fields found: %v", secretPaths)

	for _, p := range secretPaths {
		path := strings.Replace(p, "workfx:.", "workfx:", 1)
		top, rest, _ := strings.Cut(strings.TrimPrefix(path, "workfx:"), ".")
		section := Section{}
		cur := section
		parts := strings.Split(rest, ".")
		for _, part := range parts[:len(parts)-1] {
			next := map[string]any{}
			cur[part] = next
			cur = next
		}
		cur[parts[len(parts)-1]] = "value"
		c := &Customer{ID: "x"}
		field := reflect.ValueOf(c).Elem().Field(specFields()[top])
		field.Set(reflect.ValueOf(section))
		got := c.ConfigValues()[path]
		assert.True(t, got.Secret, "%s must be set as a secret", path)
	}
}

func TestContosoIsValidAndHoldsNoSecret(t *testing.T) {
	c, err := LoadCustomerFile(contosoFile)
	require.NoError(t, err)
	assert.Equal(t, "ka-contoso", c.StackName())
	for k, v := range c.ConfigValues() {
		assert.False(t, v.Secret, "%s: contoso references every credential", k)
	}
	assert.Empty(t, c.SecretKeys())
}

func TestJSONCustomerEqualsYAML(t *testing.T) {
	y, err := ParseCustomer([]byte(acme), "yaml")
	require.NoError(t, err)
	j, err := ParseCustomer([]byte(`{"id":"acme","environment":"dev",
	  "cluster":{"mode":"existing","createNamespace":false,"existing":{"kubeconfig":"apiVersion: v1\nkind: Config\n","context":"acme-dev"}},
	  "postgres":{"mode":"existing","existing":{"host":"pg.acme.internal","port":5433,"database":"workfx","username":"workfx","password":"pg-s3cret"}},
	  "redis":{"mode":"existing","existing":{"host":"redis.acme.internal","passwordRef":{"secretName":"acme-redis","key":"password"}}},
	  "kafka":{"mode":"existing","existing":{"bootstrapServers":"kafka.acme.internal:9093","securityProtocol":"SASL_SSL","saslMechanism":"PLAIN","username":"workfx","password":"kafka-s3cret"}},
	  "objectStorage":{"mode":"existing","existing":{"type":"s3","endpoint":"https://s3.acme.internal","buckets":{"admin":"acme-admin","user":"acme-user","public":"acme-public","email":"acme-email","toolsImage":"acme-tools"}}},
	  "monitoring":{"mode":"existing","serviceMonitorLabels":{"app.kubernetes.io/part-of":"prometheus"}},
	  "credentials":{"llmApiKey":"sk-llm"},
	  "apps":{"workfxApi":{"enabled":true,"image":{"repository":"workfx-ai/workfx-api","tag":"3"},"replicas":1},"workfxCdc":{"enabled":false}}}`), "json")
	require.NoError(t, err)
	assert.Equal(t, y.ConfigValues(), j.ConfigValues())
}

func TestMalformedCustomerNamesTheField(t *testing.T) {
	valid := func(edit func(string) string) string { return edit(acme) }
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test edit does not apply: " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	cases := []struct {
		name   string
		spec   string
		fields []string
	}{
		{"missing id", valid(replace("id: acme\n", "")), []string{"id"}},
		{"id not a DNS label", valid(replace("id: acme", "id: Acme_Corp")), []string{"id"}},
		{"unknown top-level field", valid(replace("environment: dev", "environment: dev\npostgresql: {}")), []string{"postgresql"}},
		{"section not a mapping", valid(replace("monitoring:\n  mode: existing\n  serviceMonitorLabels: {app.kubernetes.io/part-of: prometheus}", "monitoring: existing")), []string{"monitoring"}},
		{"id not a string", valid(replace("id: acme", "id: [acme]")), []string{"id"}},
		{"port not a number", valid(replace("port: 5433", "port: fivefour")), []string{"postgres.existing.port"}},
		{"unknown nested key", valid(replace("username: workfx, password: pg-s3cret", "user: workfx, password: pg-s3cret")), []string{"postgres.existing.user", "postgres.existing.username"}},
		{"password and reference", valid(replace("password: pg-s3cret", "password: pg-s3cret, passwordRef: {secretName: acme-pg, key: password}")), []string{"postgres.existing.password"}},
		{"bad environment", valid(replace("environment: dev", "environment: staging")), []string{"environment"}},
		{"managed secret referenced", valid(replace("secretName: acme-redis", "secretName: tp-redis-secret")), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCustomer([]byte(tc.spec), "yaml")
			require.Error(t, err)
			var ie *InvalidCustomerError
			require.True(t, errors.As(err, &ie), "want *InvalidCustomerError, got %T: %v", err, err)
			var fields []string
			for _, f := range ie.Fields {
				fields = append(fields, f.Field)
				assert.NotEmpty(t, f.Message)
				assert.NotContains(t, f.Field, "workfx:", "fields are named as in the spec")
			}
			sort.Strings(fields)
			if tc.fields == nil {
				// Only assert that the field is named with its spec path.
				assert.Contains(t, err.Error(), "redis.existing.passwordRef.secretName")
				return
			}
			assert.Equal(t, tc.fields, fields, err.Error())
			for _, f := range tc.fields {
				assert.Contains(t, err.Error(), f)
			}
		})
	}
}

func TestUnparseableCustomerFile(t *testing.T) {
	_, err := ParseCustomer([]byte("id: acme\n  postgres: ["), "yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not valid YAML")
	_, err = ParseCustomer([]byte(`{"id": "acme",}`), "json")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not valid JSON")
	_, err = ParseCustomer([]byte("- a\n- b\n"), "yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(document)")
}

// The spec has one section per stack config key, so nothing a stack can configure is out of an
// onboarding service's reach.
func TestSpecCoversEveryConfigKey(t *testing.T) {
	var want []string
	for name := range structFieldsByJSON(reflect.TypeOf(config.Config{})) {
		if name == "customer" {
			name = "id"
		}
		want = append(want, name)
	}
	sort.Strings(want)
	assert.Equal(t, want, specFieldNames())
}

// The inline program, given the customer's config, registers exactly what `pulumi up -s ka`
// registers from Pulumi.ka.yaml: same URNs, same inputs, same dependencies.
func TestInlineProgramPlansLikeTheStackFile(t *testing.T) {
	c, err := LoadCustomerFile(contosoFile)
	require.NoError(t, err)
	raw, err := c.RawConfig()
	require.NoError(t, err)
	fromSpec, err := plan.Run(&plan.StackConfig{Project: config.Namespace, Stack: c.StackName(), Raw: raw, SecretKeys: c.SecretKeys()}, Program, nil)
	require.NoError(t, err)

	sc, err := plan.LoadStackFile("..", c.StackName(), "../Pulumi.ka.yaml")
	require.NoError(t, err)
	fromFile, err := plan.Run(sc, stacks.Run, nil)
	require.NoError(t, err)

	require.NotEmpty(t, fromFile.Resources)
	urns := func(p *plan.Plan) []string {
		var out []string
		for _, r := range p.Resources {
			out = append(out, r.URN)
		}
		sort.Strings(out)
		return out
	}
	require.Equal(t, urns(fromFile), urns(fromSpec))
	for _, want := range fromFile.Resources {
		got := fromSpec.ByURN(want.URN)
		assert.Equal(t, want.Inputs(true), got.Inputs(true), want.URN)
		assert.ElementsMatch(t, want.Dependencies, got.Dependencies, want.URN)
		assert.Equal(t, want.Parent, got.Parent, want.URN)
		assert.Equal(t, want.Protect, got.Protect, want.URN)
	}
}
