package tests

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/cluster"
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

const (
	tAccessEntry  = "aws:eks/accessEntry:AccessEntry"
	tAccessPolicy = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
)

// Nobody is cluster admin by having created the cluster: each configured role (deployer, CI) is,
// through an access entry with the cluster-wide admin policy, and the Kubernetes provider waits
// for them, so CI or a second operator can run the next up (terraform-aws-modules/eks: access
// entries, enable_cluster_creator_admin_permissions false).
func TestAWSClusterAdminsAreTheConfiguredRoles(t *testing.T) {
	for _, p := range awsPlans(t) {
		eks := awsFind(t, p, tEKS, "cluster")
		assert.Equal(t, "API", eks.Str("accessConfig.authenticationMode"), p.Stack)
		bootstrap, _ := eks.Input("accessConfig.bootstrapClusterCreatorAdminPermissions")
		assert.Equal(t, false, bootstrap, "%s: stated false, not left to the provider's default (true)", p.Stack)

		file := map[string]string{"prod": "Pulumi.prod.yaml", "aws-dev": filepath.Join("tests", awsDevFile)}[p.Stack]
		cfg, err := loadValues(t, stackValues(t, file))
		require.NoError(t, err)
		require.NotEmpty(t, cfg.AWS.EKS.AdminRoleArns, p.Stack)
		var entries, admins []string
		for _, e := range p.ByType(tAccessEntry) {
			entries = append(entries, e.Str("principalArn"))
			assert.Equal(t, "STANDARD", e.Str("type"), e.Name)
		}
		provider := awsFind(t, p, tK8sProv, "cluster")
		for _, a := range p.ByType(tAccessPolicy) {
			admins = append(admins, a.Str("principalArn"))
			assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", a.Str("policyArn"), a.Name)
			assert.Equal(t, "cluster", a.Str("accessScope.type"), a.Name)
			assert.True(t, p.DependsOn(provider, a), "%s: the in-cluster objects wait for %s", p.Stack, a.Name)
		}
		assert.ElementsMatch(t, cfg.AWS.EKS.AdminRoleArns, entries, p.Stack)
		assert.ElementsMatch(t, cfg.AWS.EKS.AdminRoleArns, admins, p.Stack)
	}
}

// The role running up applies every in-cluster object: if it is not an admin, the up is refused
// by preflight, naming the key and the role, before anything exists in AWS.
func TestAWSDeployerMustBeAClusterAdmin(t *testing.T) {
	ciOnly := []edit{{"workfx:aws.eks.adminRoleArns", []any{"arn:aws:iam::123456789012:role/workfx-platform-ci"}}}
	p, err := planProdWith(t, ciOnly, nil)
	msg := refusal(t, err, "workfx:aws.eks.adminRoleArns")
	assert.Contains(t, msg, "must list the IAM role running this program, arn:aws:iam::123456789012:role/"+plan.MockDeployerRole)
	nothingInAWS(t, p)

	// The same deployer under another session name, or a role with a path, is recognised by its
	// issuer (iam.getSessionContext), not by the session ARN.
	p, err = planProdWith(t, ciOnly, func(rec *plan.Recorder) {
		rec.Invokes["aws:index/getCallerIdentity:getCallerIdentity"] = func(resource.PropertyMap) resource.PropertyMap {
			return resource.PropertyMap{"accountId": resource.NewStringProperty("123456789012"), "id": resource.NewStringProperty("123456789012"),
				"userId": resource.NewStringProperty("AROACI:gha"), "arn": resource.NewStringProperty("arn:aws:sts::123456789012:assumed-role/workfx-platform-ci/gha-run-42")}
		}
		rec.Invokes["aws:iam/getSessionContext:getSessionContext"] = func(in resource.PropertyMap) resource.PropertyMap {
			require.Equal(t, "arn:aws:sts::123456789012:assumed-role/workfx-platform-ci/gha-run-42", in["arn"].StringValue(), "asked about the caller")
			return resource.PropertyMap{"arn": in["arn"], "id": in["arn"], "issuerArn": resource.NewStringProperty("arn:aws:iam::123456789012:role/workfx-platform-ci")}
		}
	})
	require.NoError(t, err)
	assert.Len(t, p.ByType(tAccessEntry), 1)
}

const tHelmRelease = "kubernetes:helm.sh/v3:Release"

// Node groups leave their size to an autoscaler: the Cluster Autoscaler, from its official
// chart at a pinned version, the image built for the cluster's Kubernetes minor, discovering
// this cluster's groups by tag, with its own IRSA role that may change the capacity of this
// cluster's groups only. Without it, pods the HPAs add stay Pending on full nodes.
func TestAWSNodeGroupsScaleWithTheClusterAutoscaler(t *testing.T) {
	for _, p := range awsPlans(t) {
		rel := awsFind(t, p, tHelmRelease, "cluster-autoscaler")
		assert.Equal(t, "cluster-autoscaler", rel.Str("chart"))
		assert.Equal(t, "https://kubernetes.github.io/autoscaler", rel.Str("repositoryOpts.repo"))
		assert.Equal(t, cluster.AutoscalerChartVersion, rel.Str("version"))
		assert.Equal(t, "kube-system", rel.Str("namespace"))
		eks := awsFind(t, p, tEKS, "cluster")
		assert.Equal(t, "aws", rel.Str("values.cloudProvider"))
		assert.Equal(t, eks.Str("name"), rel.Str("values.autoDiscovery.clusterName"), p.Stack)
		assert.Equal(t, "registry.k8s.io/autoscaling/cluster-autoscaler", rel.Str("values.image.repository"))
		assert.Equal(t, "v"+eks.Str("version")+".1", rel.Str("values.image.tag"), "%s: the release for Kubernetes %s", p.Stack, eks.Str("version"))
		assert.NotEmpty(t, rel.Str("values.awsRegion"))

		role := awsFind(t, p, tRole, "cluster-autoscaler")
		assert.Equal(t, "system:serviceaccount:kube-system:cluster-autoscaler", trustedServiceAccount(t, role), p.Stack)
		assert.Equal(t, "cluster-autoscaler", rel.Str("values.rbac.serviceAccount.name"))
		assert.NotEmpty(t, mapAt(rel, "values.rbac.serviceAccount.annotations")["eks.amazonaws.com/role-arn"], "%s: IRSA", p.Stack)
		var policy struct {
			Statement []struct {
				Action    []string
				Resource  string
				Condition map[string]map[string]string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(awsFind(t, p, tRolePolicy, "cluster-autoscaler").Str("policy")), &policy))
		for _, s := range policy.Statement {
			if slices.Contains(s.Action, "autoscaling:SetDesiredCapacity") {
				assert.Equal(t, "owned", s.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/"+eks.Str("name")],
					"%s: capacity changes only on this cluster's groups", p.Stack)
			}
		}
	}
	_, err := planProdWith(t, []edit{{"workfx:aws.eks.version", "1.32"}, {"workfx:aws.eks.supportType", "EXTENDED"}}, nil)
	assert.Contains(t, refusal(t, err, "workfx:aws.eks.version"), "no Cluster Autoscaler release")
}

// Air-gapped: the chart from the customer's chart repository, the image from their registry.
func TestAWSClusterAutoscalerFromTheCustomersMirrors(t *testing.T) {
	p, err := planProdWith(t, []edit{{"workfx:images", map[string]any{"registry": "mirror.example.com", "chartRepository": "https://charts.example.com"}}}, nil)
	require.NoError(t, err)
	rel := awsFind(t, p, tHelmRelease, "cluster-autoscaler")
	assert.Equal(t, "https://charts.example.com", rel.Str("repositoryOpts.repo"))
	assert.Equal(t, "mirror.example.com/autoscaling/cluster-autoscaler", rel.Str("values.image.repository"))
}

const (
	tLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	tGrant          = "aws:kms/grant:Grant"
)

// Every node group launches from our template: IMDSv2 only with hop limit 1 (pods cannot take
// the node role's credentials from the metadata service; they have IRSA), and a gp3 root volume
// encrypted with our data key, which the Auto Scaling service-linked role (it creates the
// volumes) may use through a grant.
func TestAWSNodesLaunchFromAHardenedTemplate(t *testing.T) {
	for _, p := range awsPlans(t) {
		dataKey := awsFind(t, p, tKey, "vault-data")
		grant := awsFind(t, p, tGrant, "cluster-node-volumes")
		assert.Equal(t, "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", grant.Str("granteePrincipal"), p.Stack)
		assert.True(t, p.DependsOn(grant, dataKey), "%s: the grant is on the data key", p.Stack)
		assert.Subset(t, listAt(grant, "operations"), []any{"Decrypt", "GenerateDataKeyWithoutPlaintext", "CreateGrant", "ReEncryptFrom"})

		groups := p.ByType(tNodeGroup)
		require.NotEmpty(t, groups)
		for _, ng := range groups {
			lt := awsFind(t, p, tLaunchTemplate, ng.Name)
			assert.True(t, p.DependsOn(ng, lt), "%s launches from %s", ng.Name, lt.Name)
			assert.True(t, p.DependsOn(ng, grant), "%s: no node before the grant, or its volumes cannot be created", ng.Name)
			assert.Equal(t, "1", ng.Str("launchTemplate.version"), ng.Name)
			disk, _ := ng.Input("diskSize")
			assert.Nil(t, disk, "%s: EKS refuses diskSize with a launch template", ng.Name)

			assert.Equal(t, "required", lt.Str("metadataOptions.httpTokens"), lt.Name)
			hop, _ := lt.Input("metadataOptions.httpPutResponseHopLimit")
			assert.EqualValues(t, 1, hop, "%s: one hop: the node, not its pods", lt.Name)
			bdm := listAt(lt, "blockDeviceMappings")
			require.Len(t, bdm, 1, lt.Name)
			root := bdm[0].(map[string]any)
			assert.Equal(t, "/dev/xvda", root["deviceName"], "AL2023's root device")
			ebs := root["ebs"].(map[string]any)
			assert.Equal(t, "true", ebs["encrypted"], lt.Name)
			assert.Equal(t, "gp3", ebs["volumeType"], lt.Name)
			assert.True(t, p.DependsOn(lt, dataKey), "%s: encrypted with the data key", lt.Name)
			assert.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/"+grant.Str("keyId"), ebs["kmsKeyId"], "%s: the key the grant is on", lt.Name)
			assert.NotZero(t, ebs["volumeSize"], lt.Name)
		}
	}
}

// A fresh account has no Auto Scaling service-linked role until its first Auto Scaling group:
// the grant could not name it, so preflight says how to create it, before anything exists.
func TestAWSAutoScalingServiceRoleMustExist(t *testing.T) {
	p, err := planProdWith(t, nil, func(rec *plan.Recorder) {
		rec.FailingInvokes = map[string]func(resource.PropertyMap) error{"aws:iam/getRole:getRole": func(in resource.PropertyMap) error {
			if in["name"].StringValue() == plan.AutoScalingServiceRole {
				return errors.New("NoSuchEntity: The role with name AWSServiceRoleForAutoScaling cannot be found")
			}
			return nil
		}}
	})
	assert.Contains(t, refusal(t, err, "workfx:aws.eks.nodeGroups"), "aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com")
	nothingInAWS(t, p)
}

// EKS clusters created on 1.30 or later have no default StorageClass: the program makes encrypted
// gp3 (EBS CSI, our data key) the default, and the CSI controller's role may use that key; the
// monitoring PVCs, which name no class, get it.
func TestAWSDefaultStorageClassIsEncryptedGP3(t *testing.T) {
	for _, p := range awsPlans(t) {
		var classes []*plan.Resource
		for _, r := range objects(p, "StorageClass") {
			if mapAt(r, "metadata.annotations")["storageclass.kubernetes.io/is-default-class"] == "true" {
				classes = append(classes, r)
			}
		}
		require.Len(t, classes, 1, "%s: exactly one default class", p.Stack)
		sc := classes[0]
		assert.Equal(t, "ebs.csi.aws.com", sc.Str("provisioner"))
		assert.Equal(t, "WaitForFirstConsumer", sc.Str("volumeBindingMode"), "an EBS volume lives in the zone of its pod")
		assert.Equal(t, "gp3", sc.Str("parameters.type"))
		assert.Equal(t, "true", sc.Str("parameters.encrypted"))
		grant := awsFind(t, p, tGrant, "cluster-node-volumes")
		assert.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/"+grant.Str("keyId"), sc.Str("parameters.kmsKeyId"), "%s: the data key", p.Stack)

		var policy struct{ Statement []struct{ Action []string } }
		kmsPolicy := awsFind(t, p, tRolePolicy, "cluster-ebs-csi-kms")
		require.NoError(t, json.Unmarshal([]byte(kmsPolicy.Str("policy")), &policy))
		var actions []string
		for _, s := range policy.Statement {
			actions = append(actions, s.Action...)
		}
		assert.Subset(t, actions, []string{"kms:CreateGrant", "kms:GenerateDataKey*", "kms:Decrypt"})
		assert.True(t, p.DependsOn(kmsPolicy, awsFind(t, p, tRole, "cluster-ebs-csi")), "on the CSI controller's role")
	}
}
