package cluster

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const aksExecKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://c.hcp.westeurope.azmk8s.io:443", certificate-authority-data: Y2E=}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --login, devicecode]
`

func TestNonInteractiveKubeconfigUsesTheAzureCLISession(t *testing.T) {
	out, err := NonInteractiveKubeconfig(base64.StdEncoding.EncodeToString([]byte(aksExecKubeconfig)))
	require.NoError(t, err)
	var doc struct {
		Clusters []map[string]any `yaml:"clusters"`
		Users    []struct {
			User struct {
				Exec struct {
					Command string   `yaml:"command"`
					Args    []string `yaml:"args"`
				} `yaml:"exec"`
			} `yaml:"user"`
		} `yaml:"users"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Users, 1)
	args := doc.Users[0].User.Exec.Args
	assert.Equal(t, "kubelogin", doc.Users[0].User.Exec.Command)
	assert.NotContains(t, args, "devicecode", "device-code sign-in would block pulumi up")
	assert.Equal(t, []string{"--login", "azurecli"}, args[len(args)-2:])
	assert.Contains(t, args, "6dae42f8-4368-4678-94ff-3960e28e3630", "the AKS server id is kept")
	assert.Len(t, doc.Clusters, 1)
}

func TestNonInteractiveKubeconfigRejectsGarbage(t *testing.T) {
	_, err := NonInteractiveKubeconfig("not base64!")
	assert.Error(t, err)
}
