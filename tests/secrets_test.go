package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
)

// inlineCredentials turns every reference of Pulumi.ka.yaml into an inline value with a
// recognisable plaintext, as `pulumi config set --secret` would deliver it to the program
// (decrypted). The program alone must keep them secret.
func inlineCredentials(t *testing.T) (map[string]any, []string) {
	values := kaWith(t, nil)
	var plaintexts []string
	inline := func(parent, field string) {
		v := "PLAINTEXT-" + strings.NewReplacer(":", "-", ".", "-").Replace(parent+"-"+field)
		set(values, parent+"."+field+"Ref", nil)
		set(values, parent+"."+field, v)
		plaintexts = append(plaintexts, v)
	}
	for _, dep := range []string{"workfx:postgres.existing", "workfx:redis.existing", "workfx:kafka.existing", "workfx:elasticsearch.existing"} {
		inline(dep, "password")
	}
	for _, c := range []string{"adminJwtKey", "aiJwtKey", "dataSecret", "jinaApiKey", "llmApiKey", "embeddingApiKey", "rasaProLicense"} {
		inline("workfx:credentials", c)
	}
	// The analytics URL is composed from the Postgres password when not given.
	set(values, "workfx:credentials.analyticsDbUrlRef", nil)
	return values, plaintexts
}

func TestInlineCredentialsNeverAppearUnredacted(t *testing.T) {
	values, plaintexts := inlineCredentials(t)
	p, err := planValues(t, "inline", values)
	require.NoError(t, err)

	var redacted, shown strings.Builder
	require.NoError(t, p.WriteJSON(&redacted, false, nil))
	require.NoError(t, p.WriteJSON(&shown, true, nil))
	for _, secret := range plaintexts {
		assert.NotContains(t, redacted.String(), secret, "a credential leaks into the plan")
		// The check can fail: with --show-secrets the values are there.
		assert.Contains(t, shown.String(), secret, "the credential should reach a Secret")
	}
	for _, cm := range objects(p, "ConfigMap") {
		assert.Empty(t, cm.SecretInputs, "ConfigMap %s holds a credential", cm.Str("metadata.name"))
	}
	// Every value of every contract Secret is a Pulumi secret.
	for _, s := range objects(p, "Secret") {
		assert.Contains(t, s.SecretInputs, "stringData", "Secret %s: stringData must be secret", s.Str("metadata.name"))
	}
	// The composed analytics URL embeds the Postgres password and is secret too.
	url, secret := p.Object("Secret", kaNamespace, "analytics-db-url").Input("stringData.dburl")
	assert.True(t, secret)
	assert.Contains(t, url, "postgresql://workfx:PLAINTEXT-workfx-postgres-existing-password@pg-workfx.contoso.internal:5432/workfx_ai")
}

func TestGeneratedCredentialsAreSecret(t *testing.T) {
	values := kaWith(t, []edit{
		{"workfx:credentials.adminJwtKeyRef", nil}, {"workfx:credentials.aiJwtKeyRef", nil}, {"workfx:credentials.dataSecretRef", nil},
	})
	p, err := planValues(t, "generated", values)
	require.NoError(t, err)
	require.Len(t, p.ByType("random:index/randomPassword:RandomPassword"), 3)
	jwt := p.Object("Secret", kaNamespace, "jwt-secret")
	require.NotNil(t, jwt)
	key, secret := jwt.Input("stringData.admin_jwt_key")
	assert.Equal(t, plan.GeneratedPlaceholder, key)
	assert.True(t, secret)
	assert.Equal(t, plan.Redacted, jwt.Manifest(false)["stringData"].(map[string]any)["admin_jwt_key"])
}

// policyStacks plans every stack file and synthetic config that plans cleanly today.
func policyStacks(t *testing.T) map[string]*plan.Plan {
	out := map[string]*plan.Plan{}
	for _, f := range allStackFiles(t) {
		out[f.name] = planFile(t, f.name, f.path)
	}
	return out
}

func TestNoCredentialInConfigMapsOrLiteralEnv(t *testing.T) {
	for name, p := range policyStacks(t) {
		for _, cm := range objects(p, "ConfigMap") {
			assert.Empty(t, cm.SecretInputs, "%s: ConfigMap %s holds a secret value", name, cm.Str("metadata.name"))
			for k := range mapAt(cm, "data") {
				lower := strings.ToLower(k)
				for _, word := range []string{"password", "secret", "token", "license", "api_key", "apikey"} {
					assert.NotContains(t, lower, word, "%s: ConfigMap %s key %s looks like a credential", name, cm.Str("metadata.name"), k)
				}
			}
		}
		for _, d := range objects(p, "Deployment") {
			for _, c := range listAt(d, "spec.template.spec.containers") {
				env, _ := c.(map[string]any)["env"].([]any)
				for _, e := range env {
					b, _ := json.Marshal(e)
					assert.NotContains(t, e.(map[string]any), "value", "%s: %s has a literal env value %s", name, d.Str("metadata.name"), b)
				}
			}
		}
	}
}
