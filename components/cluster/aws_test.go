package cluster

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKubeconfigExecsAwsEksGetToken(t *testing.T) {
	kc, err := Kubeconfig("workfx-prod", "https://abc.gr7.eu-central-1.eks.amazonaws.com", "Q0E=", "eu-central-1")
	require.NoError(t, err)
	var cfg struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Cluster map[string]string `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			User struct {
				Exec struct {
					APIVersion string   `json:"apiVersion"`
					Command    string   `json:"command"`
					Args       []string `json:"args"`
				} `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	require.NoError(t, json.Unmarshal([]byte(kc), &cfg))
	assert.Equal(t, "workfx-prod", cfg.CurrentContext)
	assert.Equal(t, "Q0E=", cfg.Clusters[0].Cluster["certificate-authority-data"])
	exec := cfg.Users[0].User.Exec
	assert.Equal(t, "client.authentication.k8s.io/v1beta1", exec.APIVersion)
	assert.Equal(t, "aws", exec.Command)
	assert.Equal(t, []string{"eks", "get-token", "--cluster-name", "workfx-prod", "--region", "eu-central-1", "--output", "json"}, exec.Args)
}

func TestGravitonNodesGetTheArmAMI(t *testing.T) {
	for _, arm := range []string{"m7g.large", "t4g.medium", "r6gd.xlarge", "c7gn.2xlarge"} {
		assert.True(t, graviton.MatchString(arm), arm)
	}
	for _, x86 := range []string{"m6i.xlarge", "t3.large", "g5.xlarge", "m7a.large"} {
		assert.False(t, graviton.MatchString(x86), x86)
	}
}

func TestServicePrincipalTrust(t *testing.T) {
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(servicePrincipalTrust("eks.amazonaws.com")), &doc))
	stmt := doc["Statement"].([]any)[0].(map[string]any)
	assert.Equal(t, "sts:AssumeRole", stmt["Action"])
	assert.Equal(t, map[string]any{"Service": "eks.amazonaws.com"}, stmt["Principal"])
}
