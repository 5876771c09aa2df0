package tests

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/workload"
	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// ka-no-mesh-no-monitoring: the customer created pg-secret, tp-redis-secret and jwt-secret
// themselves (seed 001 "方式 2"), the program renders none of them.
const ownedStack = "ka-no-mesh-no-monitoring"

func ownedPlan(t *testing.T) *plan.Plan {
	return planFile(t, ownedStack, filepath.Join(projectDir, "tests", "testdata", "stacks", ownedStack+".yaml"))
}

// envRef is one env var of a container read from a Secret.
type envRef struct {
	secret, key string
	optional    bool
}

func secretEnv(t *testing.T, p *plan.Plan, app string) map[string]envRef {
	t.Helper()
	d := p.Object("Deployment", kaNamespace, app)
	require.NotNil(t, d, app)
	out := map[string]envRef{}
	c := listAt(d, "spec.template.spec.containers")[0].(map[string]any)
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		m := e.(map[string]any)
		ref, ok := m["valueFrom"].(map[string]any)["secretKeyRef"].(map[string]any)
		if !ok {
			continue
		}
		opt, _ := ref["optional"].(bool)
		out[m["name"].(string)] = envRef{ref["name"].(string), ref["key"].(string), opt}
	}
	return out
}

func TestContractSecretsTheCustomerCreatedAreReadAsTheyAre(t *testing.T) {
	p := ownedPlan(t)
	for _, name := range []string{"pg-secret", "tp-redis-secret", "jwt-secret"} {
		assert.Nil(t, p.Object("Secret", kaNamespace, name), "%s is the customer's; the program must not render it", name)
	}
	// The rest of the contract is still rendered.
	assert.NotNil(t, p.Object("Secret", kaNamespace, "wfx-kafka-secret"))

	env := secretEnv(t, p, "workfx-api")
	assert.Equal(t, envRef{"pg-secret", "password", false}, env["POSTGRES_PASSWORD"])
	assert.Equal(t, envRef{"pg-secret", "host", false}, env["POSTGRES_HOST"])
	assert.Equal(t, envRef{"tp-redis-secret", "redis_password", false}, env["REDIS_PASSWORD"])
	assert.Equal(t, envRef{"jwt-secret", "admin_jwt_key", false}, env["ADMIN_JWT_KEY"])
	// Seed 001's "方式 2" jwt-secret holds the keys only: issuers and audiences are optional in
	// it and come from the settings through the ConfigMap otherwise.
	assert.Equal(t, envRef{"jwt-secret", "admin_jwt_issuer", true}, env["ADMIN_JWT_ISSUER"])
	cm := p.Object("ConfigMap", kaNamespace, "workfx-api-config")
	require.NotNil(t, cm)
	assert.Equal(t, "https://workfx.ai", cm.Str("data.ADMIN_JWT_ISSUER"))

	// Every Secret of the customer's is read (looked up, never written) before the apps start.
	reads := map[string]bool{}
	for _, r := range p.Resources {
		if r.Read {
			assert.Equal(t, "kubernetes:core/v1:Secret", r.Type)
			reads[r.ID] = true
		}
	}
	for _, name := range []string{"pg-secret", "tp-redis-secret", "jwt-secret", "contoso-kafka", "contoso-registry"} {
		assert.True(t, reads[kaNamespace+"/"+name], "the customer's Secret %s is read", name)
	}
}

// secretKeySelectors returns every {name, key} of an AlertmanagerConfig's spec.
func secretKeySelectors(v any) [][2]string {
	var out [][2]string
	switch x := v.(type) {
	case map[string]any:
		name, n := x["name"].(string)
		key, k := x["key"].(string)
		if n && k && len(x) == 2 {
			return [][2]string{{name, key}}
		}
		for _, e := range x {
			out = append(out, secretKeySelectors(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, secretKeySelectors(e)...)
		}
	}
	return out
}

// What the pods and the alert receivers read of the customer's is exactly what the config
// declares as the customer's (and what the offline plan, the real-cluster suite and the engine
// suite create as fixtures).
func TestCustomerSecretsAreExactlyWhatTheAppsRead(t *testing.T) {
	for _, sf := range allStackFiles(t) {
		t.Run(sf.name, func(t *testing.T) {
			sc, err := plan.LoadStackFile(projectDir, sf.name, sf.path)
			require.NoError(t, err)
			cfg, err := config.Load(sc.Raw)
			require.NoError(t, err)
			p := planFile(t, sf.name, sf.path)

			// What the pods reference that the program does not render …
			referenced := map[string]map[string]bool{}
			for _, d := range objects(p, "Deployment") {
				pod := mapAt(d, "spec.template.spec")
				if ps, ok := pod["imagePullSecrets"].([]any); ok {
					for _, x := range ps {
						name := x.(map[string]any)["name"].(string)
						if referenced[name] == nil {
							referenced[name] = map[string]bool{}
						}
					}
				}
				for _, ref := range secretEnv(t, p, d.Str("metadata.name")) {
					if p.Object("Secret", d.Str("metadata.namespace"), ref.secret) != nil {
						continue
					}
					if referenced[ref.secret] == nil {
						referenced[ref.secret] = map[string]bool{}
					}
					if !ref.optional {
						referenced[ref.secret][ref.key] = true
					}
				}
			}
			// … and what the alert receivers read …
			for _, amc := range objects(p, "AlertmanagerConfig") {
				for _, sk := range secretKeySelectors(mapAt(amc, "spec")) {
					if p.Object("Secret", amc.Str("metadata.namespace"), sk[0]) != nil {
						continue
					}
					if referenced[sk[0]] == nil {
						referenced[sk[0]] = map[string]bool{}
					}
					referenced[sk[0]][sk[1]] = true
				}
			}
			// … is exactly the customer's Secrets the config declares, key for key.
			declared := map[string]map[string]bool{}
			for _, cs := range cfg.CustomerSecrets() {
				declared[cs.Name] = map[string]bool{}
				for _, k := range cs.Keys {
					declared[cs.Name][k] = true
				}
			}
			assert.Equal(t, referenced, declared)
		})
	}
}

func TestPodTemplatesCarryTheRevisionsOfWhatTheyRead(t *testing.T) {
	for _, p := range []*plan.Plan{planStack(t, "ka"), ownedPlan(t)} {
		for _, d := range objects(p, "Deployment") {
			app := d.Str("metadata.name")
			want := []string{}
			seen := map[string]bool{}
			for _, ref := range secretEnv(t, p, app) {
				if !seen[ref.secret] {
					seen[ref.secret] = true
					want = append(want, "secret/"+ref.secret)
				}
			}
			pod := mapAt(d, "spec.template.spec")
			c := pod["containers"].([]any)[0].(map[string]any)
			for _, from := range c["envFrom"].([]any) {
				want = append(want, "configmap/"+from.(map[string]any)["configMapRef"].(map[string]any)["name"].(string))
			}
			vols, _ := pod["volumes"].([]any)
			for _, v := range vols {
				if cm, ok := v.(map[string]any)["configMap"].(map[string]any); ok && !seen[cm["name"].(string)] {
					seen[cm["name"].(string)] = true
					want = append(want, "configmap/"+cm["name"].(string))
				}
			}
			sort.Strings(want)
			ann, _ := mapAt(d, "spec.template.metadata")["annotations"].(map[string]any)
			revisions, _ := ann[workload.RevisionsAnnotation].(string)
			var got []string
			for _, part := range strings.Split(revisions, ",") {
				name, _, _ := strings.Cut(part, "=")
				got = append(got, name)
			}
			sort.Strings(got)
			assert.Equal(t, want, got, "%s/%s: every ConfigMap and Secret the pods read rolls them when it changes", p.Stack, app)
		}
	}
}

func TestMissingCustomerSecretFailsNamingIt(t *testing.T) {
	sc, err := plan.LoadStackFile(projectDir, "ka", filepath.Join(projectDir, "Pulumi.ka.yaml"))
	require.NoError(t, err)
	cfg, err := config.Load(sc.Raw)
	require.NoError(t, err)
	// The customer's cluster without contoso-kafka.
	rec := plan.NewRecorder(sc.Project, sc.Stack)
	for _, cs := range cfg.CustomerSecrets() {
		if cs.Name != "contoso-kafka" {
			rec.AddExistingSecret(kaNamespace, cs.Name, cs.Keys)
		}
	}
	_, err = plan.Run(sc, stacks.Run, rec)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx-ai/contoso-kafka")

	// The Secret exists but lacks the key the config names.
	rec = plan.NewRecorder(sc.Project, sc.Stack)
	for _, cs := range cfg.CustomerSecrets() {
		keys := cs.Keys
		if cs.Name == "contoso-kafka" {
			keys = []string{"username"}
		}
		rec.AddExistingSecret(kaNamespace, cs.Name, keys)
	}
	_, err = plan.Run(sc, stacks.Run, rec)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the customer's Secret contoso-kafka has no key "password"`)
}
