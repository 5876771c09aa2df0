package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
)

func TestPlanCommandWritesManifestsAndPlan(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := planCommand([]string{"--stack", "ka", "--out", out, "--json"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())

	var summary plan.Summary
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &summary))
	assert.Equal(t, "existing", summary.Dependencies["postgres"])
	assert.Positive(t, summary.Manifests)

	all, err := os.ReadFile(filepath.Join(out, "manifests.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(all), "kind: Deployment")
	assert.Contains(t, string(all), "'[secret]'", "secret values are redacted by default")

	var doc struct {
		Resources []struct {
			URN          string   `json:"urn"`
			Provider     string   `json:"provider"`
			Dependencies []string `json:"dependencies"`
		} `json:"resources"`
	}
	b, err := os.ReadFile(filepath.Join(out, "plan.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Len(t, doc.Resources, summary.Resources)
}

func TestPlanCommandRejectsBadConfigWithEveryProblem(t *testing.T) {
	dir := t.TempDir()
	proj, err := os.ReadFile("Pulumi.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte(`config:
  workfx:environment: qa
  workfx:cluster: {mode: existing}
  workfx:postgres: {mode: existing, existing: {host: pg, database: d, username: u, port: 0, passwordRef: {secretName: s, key: k}}}
  workfx:redis: {mode: existing, existing: {host: r, passwordRef: {secretName: s, key: k}}}
  workfx:kafka: {mode: provision}
  workfx:objectStorage: {mode: existing, existing: {type: s3, endpoint: "https://s3.eu-west-1.amazonaws.com", buckets: {admin: a-b, user: u-b, public: p-b, email: e-b, toolsImage: t-b}}}
`), 0o644))
	var stdout, stderr bytes.Buffer
	code := planCommand([]string{"--stack", "bad", "--dir", dir, "--out", t.TempDir()}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "workfx:environment: must be dev or prod")
	assert.Contains(t, stderr.String(), "workfx:kafka.mode: provision needs a cloud")
	assert.Contains(t, stderr.String(), "workfx:apps.workfxApi.image.tag")
	assert.Empty(t, stdout.String())
}

func TestPlanCommandUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, planCommand(nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "--stack is required")
}

// Pulumi.prod.yaml holds documentation addresses and accounts for what only its operator knows: the offline
// plan (CI) succeeds and says, by key, what `pulumi up` will refuse; plan.json lists them too.
func TestPlanOfProdNamesItsPlaceholders(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := planCommand([]string{"--stack", "prod", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stderr.String(), "stack prod: planned, but `pulumi preview` and `up` refuse it as is (4 placeholders)")
	assert.Contains(t, stderr.String(), "workfx:aws.publicAccessCidrs[0]: 203.0.113.10/32 is a documentation address (RFC 5737)")
	var doc struct {
		DeployBlockers []struct{ Key string } `json:"deployBlockers"`
	}
	b, err := os.ReadFile(filepath.Join(out, "plan.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.DeployBlockers, 4)
	assert.Equal(t, "workfx:aws.publicAccessCidrs[1]", doc.DeployBlockers[1].Key)
	assert.Equal(t, "workfx:aws.eks.adminRoleArns[1]", doc.DeployBlockers[3].Key)
}
