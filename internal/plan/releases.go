package plan

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// ReleaseType is the Helm release resource type.
const ReleaseType = "kubernetes:helm.sh/v3:Release"

// Release is one Helm release of the plan: what is installed, from where, and after what.
type Release struct {
	Name       string   `json:"name" yaml:"name"`
	Chart      string   `json:"chart" yaml:"chart"`
	Version    string   `json:"version" yaml:"version"`
	Repository string   `json:"repository,omitempty" yaml:"repository,omitempty"`
	Namespace  string   `json:"namespace" yaml:"namespace"`
	After      []string `json:"after,omitempty" yaml:"after,omitempty"`
	// ValuesFile is where the release's values were written.
	ValuesFile string `json:"valuesFile" yaml:"-"`
}

// WriteReleases lists the plan's Helm releases in install order (a release after every release
// it depends on) and writes each one's values to <out>/releases/<name>.yaml.
func (p *Plan) WriteReleases(out string, showSecrets bool) ([]Release, error) {
	rs := p.ByType(ReleaseType)
	depth := map[string]int{}
	after := func(r *Resource) []string {
		var names []string
		for _, o := range rs {
			if o != r && p.DependsOn(r, o) {
				names = append(names, o.Name)
			}
		}
		sort.Strings(names)
		return names
	}
	summaries := make([]Release, 0, len(rs))
	for _, r := range rs {
		a := after(r)
		depth[r.Name] = len(a)
		summaries = append(summaries, Release{
			Name: r.Name, Chart: r.Str("chart"), Version: r.Str("version"), Repository: r.Str("repositoryOpts.repo"),
			Namespace: r.Str("namespace"), After: a,
			ValuesFile: filepath.Join(out, "releases", r.Name+".yaml"),
		})
	}
	sort.SliceStable(summaries, func(i, j int) bool {
		if depth[summaries[i].Name] != depth[summaries[j].Name] {
			return depth[summaries[i].Name] < depth[summaries[j].Name]
		}
		return summaries[i].Name < summaries[j].Name
	})

	dir := filepath.Join(out, "releases")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	for i, s := range summaries {
		if i == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
		}
		values := p.Find(ReleaseType, s.Name).Inputs(showSecrets)["values"]
		b, err := yaml.Marshal(struct {
			Release `yaml:",inline"`
			Values  any `yaml:"values"`
		}{s, values})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(s.ValuesFile, b, 0o644); err != nil {
			return nil, err
		}
	}
	return summaries, nil
}

func printReleases(w io.Writer, rs []Release) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nHelm releases (install order):")
	for _, r := range rs {
		chart := r.Chart
		if r.Repository != "" {
			chart = r.Repository + " " + r.Chart
		}
		fmt.Fprintf(w, "  %-22s %s %s → %s", r.Name, chart, r.Version, r.Namespace)
		if len(r.After) > 0 {
			fmt.Fprintf(w, "  after %v", r.After)
		}
		fmt.Fprintf(w, "\n  %-22s values: %s\n", "", r.ValuesFile)
	}
}
