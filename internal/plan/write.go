package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Manifest renders a Kubernetes object as the API server would receive it.
func (r *Resource) Manifest(showSecrets bool) map[string]any {
	obj := r.Inputs(showSecrets)
	apiVersion, kind := r.APIVersionKind()
	obj["apiVersion"], obj["kind"] = apiVersion, kind
	return obj
}

// applyOrder puts Namespaces first, then everything else in URN order, so `kubectl apply -f`
// of the combined file works in one pass.
func applyOrder(rs []*Resource) []*Resource {
	out := append([]*Resource(nil), rs...)
	rank := func(r *Resource) int {
		if _, k := r.APIVersionKind(); k == "Namespace" {
			return 0
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// WriteManifests writes every Kubernetes object to dir/manifests/<namespace>/<kind>-<name>.yaml
// and all of them to dir/manifests.yaml. It returns the number of objects written.
func (p *Plan) WriteManifests(dir string, showSecrets bool) (int, error) {
	objs := applyOrder(p.Kubernetes())
	if err := os.RemoveAll(filepath.Join(dir, "manifests")); err != nil {
		return 0, err
	}
	var all strings.Builder
	for _, r := range objs {
		b, err := yaml.Marshal(r.Manifest(showSecrets))
		if err != nil {
			return 0, fmt.Errorf("%s: %w", r.URN, err)
		}
		ns := r.Str("metadata.namespace")
		if ns == "" {
			ns = "_cluster"
		}
		_, kind := r.APIVersionKind()
		path := filepath.Join(dir, "manifests", ns, strings.ToLower(kind)+"-"+r.Str("metadata.name")+".yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return 0, err
		}
		all.WriteString("---\n")
		all.Write(b)
	}
	return len(objs), os.WriteFile(filepath.Join(dir, "manifests.yaml"), []byte(all.String()), 0o644)
}

type jsonResource struct {
	*Resource
	Inputs map[string]any `json:"inputs"`
}

// WriteJSON writes plan.json: every resource with its options, dependencies and inputs.
func (p *Plan) WriteJSON(w io.Writer, showSecrets bool, extra map[string]any) error {
	doc := map[string]any{"project": p.Project, "stack": p.Stack}
	for k, v := range extra {
		doc[k] = v
	}
	rs := make([]jsonResource, 0, len(p.Resources))
	for _, r := range p.Resources {
		rs = append(rs, jsonResource{Resource: r, Inputs: r.Inputs(showSecrets)})
	}
	doc["resources"] = rs
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// CountByType counts resources per type token.
func (p *Plan) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range p.Resources {
		out[r.Type]++
	}
	return out
}
