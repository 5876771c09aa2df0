package kube

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

// stackCase is one config the program is planned with: a stack file of the repository root
// (Pulumi.<stack>.yaml) or a synthetic stack-format config under tests/testdata/stacks.
type stackCase struct {
	name string // stack name passed to plan --stack
	file string // config file (absolute)
	// synthetic configs are passed with --file.
	synthetic bool
}

// discoverStacks lists every stack file and synthetic config; nothing is hard-coded, so a new
// Pulumi.<stack>.yaml or tests/testdata/stacks/<name>.yaml is verified as soon as it exists.
func discoverStacks(root string) ([]stackCase, error) {
	var out []stackCase
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		out = append(out, stackCase{name: name, file: f})
	}
	synth, err := filepath.Glob(filepath.Join(root, "tests", "testdata", "stacks", "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range synth {
		out = append(out, stackCase{name: strings.TrimSuffix(filepath.Base(f), ".yaml"), file: f, synthetic: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) == 0 {
		return nil, fmt.Errorf("no Pulumi.*.yaml or tests/testdata/stacks/*.yaml under %s", root)
	}
	return out, nil
}

// render runs the program's plan command (the binary built from the repository root) and
// returns the manifests in apply order and the plan.json document.
func render(root, program string, sc stackCase, out string) ([]*unstructured.Unstructured, *planDoc, error) {
	// --show-secrets: secret values are the plan's placeholders, never real credentials, and an
	// object like a copied image pull Secret (kubernetes.io/dockerconfigjson, whose data the API
	// server parses) is only valid with them rather than "[secret]".
	args := []string{"plan", "--stack", sc.name, "--out", out, "--show-secrets"}
	if sc.synthetic {
		args = append(args, "--file", sc.file)
	}
	cmd := exec.Command(program, args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("plan %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	objs, err := localcluster.ReadManifests(filepath.Join(out, "manifests.yaml"))
	if err != nil {
		return nil, nil, err
	}
	pd, err := readPlan(filepath.Join(out, "plan.json"))
	return objs, pd, err
}

// planDoc is the part of plan.json the suite reads.
type planDoc struct {
	Stack string `json:"stack"`
	// CustomerSecrets are the Secrets the program reads from the customer's namespace.
	CustomerSecrets []struct {
		Name       string   `json:"name"`
		Keys       []string `json:"keys"`
		PullSecret bool     `json:"pullSecret"`
		DeclaredAt []string `json:"declaredAt"`
	} `json:"customerSecrets"`
	Resources []struct {
		Type   string         `json:"type"`
		Name   string         `json:"name"`
		Inputs map[string]any `json:"inputs"`
	} `json:"resources"`
}

// releaseNamespaces maps each namespace the plan installs a Helm release into to the release's
// name. Charts cannot be installed here (no chart repository), so what a release creates (e.g.
// istiod's Service) is known to exist only by the release being in the plan.
func releaseNamespaces(pd *planDoc) map[string]string {
	out := map[string]string{}
	for _, r := range pd.Resources {
		if r.Type != "kubernetes:helm.sh/v3:Release" {
			continue
		}
		if ns, _ := r.Inputs["namespace"].(string); ns != "" {
			name, _ := r.Inputs["name"].(string)
			out[ns] = name
		}
	}
	return out
}

func readPlan(path string) (*planDoc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pd planDoc
	if err := json.Unmarshal(b, &pd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pd, nil
}

// stackConfig is what the suite reads from a stack-format config: the values of `config:`.
type stackConfig map[string]any

func readStackConfig(path string) (stackConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc.Config, nil
}

// customerSecret is a Secret of the customer's that the program reads (plan.json's
// customerSecrets: references, contract Secrets the customer created, the image pull Secret); the
// suite creates it as a fixture before applying anything, as the customer would.
type customerSecret struct {
	name       string
	keys       map[string]bool
	pullSecret bool
	declaredAt []string // config paths, for messages
}

// customerSecrets is the plan's list, by name.
func (pd *planDoc) customerSecrets() map[string]*customerSecret {
	out := map[string]*customerSecret{}
	for _, s := range pd.CustomerSecrets {
		cs := &customerSecret{name: s.Name, keys: map[string]bool{}, pullSecret: s.PullSecret, declaredAt: s.DeclaredAt}
		for _, k := range s.Keys {
			cs.keys[k] = true
		}
		out[s.Name] = cs
	}
	return out
}

// appNamespace is the namespace the program deploys the apps into.
func (c stackConfig) appNamespace() string {
	if cl, ok := c["workfx:cluster"].(map[string]any); ok {
		if ns, ok := cl["namespace"].(string); ok && ns != "" {
			return ns
		}
	}
	return "workfx-ai"
}

// declaredNamespaces are namespaces the config names as existing on the customer's cluster
// (the app namespace when createNamespace is false, the monitoring namespace, the mesh's
// gateway and istiod namespaces): fixtures when the plan does not create them.
func (c stackConfig) declaredNamespaces() []string {
	seen := map[string]bool{c.appNamespace(): true}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && s != "" && (k == "namespace" || strings.HasSuffix(k, "Namespace")) {
					seen[s] = true
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(map[string]any(c))
	var out []string
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}
