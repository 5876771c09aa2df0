package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
)

const tAttach = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"

// awsPlans are the AWS stacks every EKS test holds for: prod and the dev-sized variant.
func awsPlans(t *testing.T) []*plan.Plan { return []*plan.Plan{planStack(t, "prod"), planAWSDev(t)} }

// trustedServiceAccount is the "system:serviceaccount:ns:name" an IRSA role's trust policy admits.
func trustedServiceAccount(t *testing.T, role *plan.Resource) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &doc), role.Name)
	stmt := doc["Statement"].([]any)[0].(map[string]any)
	for k, v := range stmt["Condition"].(map[string]any)["StringEquals"].(map[string]any) {
		if strings.HasSuffix(k, ":sub") {
			return v.(string)
		}
	}
	return ""
}

// The whole default-deny design (the namespace policy, each app's, the Jobs' egress policies) is
// void on EKS unless the VPC CNI runs its network policy agent.
func TestAWSNetworkPoliciesAreEnforcedByTheVPCCNI(t *testing.T) {
	for _, p := range awsPlans(t) {
		require.NotEmpty(t, objects(p, "NetworkPolicy"), p.Stack)
		cni := awsFind(t, p, tAddon, "cluster-vpc-cni")
		var conf map[string]any
		require.NoError(t, json.Unmarshal([]byte(cni.Str("configurationValues")), &conf), "%s: vpc-cni configurationValues", p.Stack)
		assert.Equal(t, "true", conf["enableNetworkPolicy"], "%s: the add-on schema takes the string \"true\"", p.Stack)
	}
}

func TestAWSVPCCNIUsesItsOwnRoleNotTheNodes(t *testing.T) {
	for _, p := range awsPlans(t) {
		role := awsFind(t, p, tRole, "cluster-vpc-cni")
		assert.Equal(t, "system:serviceaccount:kube-system:aws-node", trustedServiceAccount(t, role), p.Stack)
		attach := awsFind(t, p, tAttach, "cluster-vpc-cni")
		assert.Equal(t, "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy", attach.Str("policyArn"))
		cni := awsFind(t, p, tAddon, "cluster-vpc-cni")
		assert.True(t, p.DependsOn(cni, role) && p.DependsOn(cni, attach), "%s: the add-on runs as the CNI role", p.Stack)
		assert.NotEmpty(t, cni.Str("serviceAccountRoleArn"))
		for _, a := range p.ByType(tAttach) {
			if strings.HasPrefix(a.Name, "cluster-nodes-") {
				assert.NotContains(t, a.Str("policyArn"), "CNI", "%s: %s: the nodes' role does not carry the CNI's EC2 permissions", p.Stack, a.Name)
			}
		}
	}
}
