package plan

import (
	"fmt"
	"io"
	"sort"
)

// Summary is what `plan` prints: counts, how each dependency is satisfied, the Helm releases and
// where the files went; with --report, the report (any value that marshals, so the plan package
// does not depend on the report's).
type Summary struct {
	Project      string            `json:"project"`
	Stack        string            `json:"stack"`
	Resources    int               `json:"resources"`
	ByType       map[string]int    `json:"byType"`
	Dependencies map[string]string `json:"dependencies"`
	Manifests    int               `json:"manifests"`
	Releases     []Release         `json:"releases,omitempty"`
	OutDir       string            `json:"outDir"`
	Report       any               `json:"report,omitempty"`
}

// Print writes the summary for people.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "Plan for %s/%s: %d resources, %d Kubernetes manifests\n\n", s.Project, s.Stack, s.Resources, s.Manifests)
	fmt.Fprintln(w, "Dependencies:")
	for _, k := range sortedKeys(s.Dependencies) {
		fmt.Fprintf(w, "  %-14s %s\n", k, s.Dependencies[k])
	}
	fmt.Fprintln(w, "\nResources by type:")
	for _, k := range sortedKeys(s.ByType) {
		fmt.Fprintf(w, "  %4d  %s\n", s.ByType[k], k)
	}
	printReleases(w, s.Releases)
	fmt.Fprintf(w, "\nWrote %s/manifests.yaml, %s/manifests/ and %s/plan.json\n", s.OutDir, s.OutDir, s.OutDir)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
