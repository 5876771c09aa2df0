package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsesAWSOnlyWhenSomethingIsProvisionedOnAWS(t *testing.T) {
	c := &Config{Cloud: "aws", Cluster: ClusterConfig{Mode: ModeExisting}, Postgres: PostgresConfig{Mode: ModeExisting}}
	assert.False(t, c.UsesAWS())
	c.Redis.Mode = ModeProvision
	assert.True(t, c.UsesAWS())
	c.Cloud = "azure"
	assert.False(t, c.UsesAWS())
}

func TestAWSDefaultsFollowTheEnvironment(t *testing.T) {
	dev := &Config{Environment: "dev", Cloud: "aws", Cluster: ClusterConfig{Mode: ModeProvision}}
	applyAWSDefaults(dev)
	prod := &Config{Environment: "prod", Cloud: "aws", Customer: "acme", Cluster: ClusterConfig{Mode: ModeProvision},
		AWS: AWSConfig{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}}}
	applyAWSDefaults(prod)

	assert.Equal(t, 7, dev.AWS.EKS.LogRetentionDays)
	assert.Equal(t, 90, prod.AWS.EKS.LogRetentionDays)
	assert.Equal(t, 1, dev.AWS.EKS.NodeGroups[0].MinSize)
	assert.Equal(t, 3, prod.AWS.EKS.NodeGroups[0].MinSize)
	assert.Equal(t, 1, dev.AWS.RDS.BackupRetentionDays)
	assert.Equal(t, 14, prod.AWS.RDS.BackupRetentionDays)
	assert.Equal(t, 3, dev.AWS.MSK.BrokerCount, "one broker per default zone")
	assert.Equal(t, 2, prod.AWS.MSK.BrokerCount, "one broker per pinned zone")
	assert.Equal(t, "workfx-dev", dev.AWS.S3.BucketPrefix)
	assert.Equal(t, "acme-prod", prod.AWS.S3.BucketPrefix)

	untouched := &Config{Environment: "prod", Cloud: "none"}
	applyAWSDefaults(untouched)
	assert.Empty(t, untouched.AWS.RDS.InstanceClass, "no AWS defaults off AWS")
}

func TestInstancePatterns(t *testing.T) {
	assert.True(t, rdsInstance.MatchString("db.r6g.2xlarge"))
	assert.True(t, rdsInstance.MatchString("db.m7i.large"))
	assert.False(t, rdsInstance.MatchString("r6g.large"))
	assert.True(t, cacheNode.MatchString("cache.r7g.large"))
	assert.False(t, cacheNode.MatchString("db.r7g.large"))
	assert.True(t, mskInstance.MatchString("kafka.m7g.large"))
	assert.False(t, mskInstance.MatchString("kafka.m7g.medium"))
	assert.True(t, ec2Instance.MatchString("m6i.xlarge"))
	assert.False(t, ec2Instance.MatchString("m6i"))
}

func awsStack(cidrs ...string) map[string]string {
	list := `["` + strings.Join(cidrs, `","`) + `"]`
	return map[string]string{
		"workfx:environment": "prod", "workfx:cloud": "aws",
		"workfx:aws":           `{"region":"us-east-1","publicAccessCidrs":` + list + `,"eks":{"adminRoleArns":["arn:aws:iam::210987654321:role/platform-deploy"]}}`,
		"workfx:cluster":       `{"mode":"provision"}`,
		"workfx:postgres":      `{"mode":"provision"}`,
		"workfx:redis":         `{"mode":"provision"}`,
		"workfx:kafka":         `{"mode":"provision"}`,
		"workfx:objectStorage": `{"mode":"provision"}`,
		"workfx:apps":          `{"workfxApi":{"image":{"tag":"2.4.1"}},"workfxCdc":{"image":{"tag":"2.4.1"}}}`,
	}
}

// RFC 5737's documentation ranges are placeholders: a stack holding them validates (it plans
// offline) but lists them as deploy blockers, each by key; real public addresses block nothing.
func TestDocumentationRangesAreDeployBlockers(t *testing.T) {
	cfg, err := Load(awsStack("203.0.113.10/32", "52.94.76.0/24", "198.51.100.0/24", "192.0.2.128/25"))
	require.NoError(t, err)
	var keys []string
	for _, b := range cfg.DeployBlockers() {
		keys = append(keys, b.Key)
		assert.Contains(t, b.Message, "documentation address (RFC 5737)")
	}
	assert.Equal(t, []string{"workfx:aws.publicAccessCidrs[0]", "workfx:aws.publicAccessCidrs[2]", "workfx:aws.publicAccessCidrs[3]"}, keys)

	cfg, err = Load(awsStack("52.94.76.0/24"))
	require.NoError(t, err)
	assert.Empty(t, cfg.DeployBlockers())
}

// The EKS public endpoint sees the caller's public address: a private range can never match.
func TestPublicAccessCidrsMustBePublic(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "192.168.1.10/32", "100.64.0.0/16", "198.18.0.0/24"} {
		_, err := Load(awsStack(cidr))
		require.Error(t, err, cidr)
		assert.Contains(t, err.Error(), "workfx:aws.publicAccessCidrs[0]: must be a public address range", cidr)
	}
}

func withAdmins(cidr string, arns ...string) map[string]string {
	raw := awsStack(cidr)
	b, _ := json.Marshal(arns)
	raw["workfx:aws"] = `{"region":"us-east-1","publicAccessCidrs":["` + cidr + `"],"eks":{"adminRoleArns":` + string(b) + `}}`
	return raw
}

// Cluster admins are IAM roles (access entries for CI and operators, no creator bootstrap):
// the list is required, and each entry must be a role ARN, named by its index.
func TestAdminRoleArnsAreIAMRoles(t *testing.T) {
	_, err := Load(withAdmins("52.94.76.0/24"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx:aws.eks.adminRoleArns: is required with a provisioned cluster")

	for _, bad := range []string{
		"arn:aws:iam::210987654321:user/alice",                           // a user, not a role
		"arn:aws:sts::210987654321:assumed-role/platform-deploy/session", // a session
		"arn:aws:iam::210987654321:role/*",                               // a wildcard
		"arn:aws:iam::21098765432:role/platform-deploy",                  // 11-digit account
		"platform-deploy",
	} {
		_, err := Load(withAdmins("52.94.76.0/24", "arn:aws:iam::210987654321:role/platform-ci", bad))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "workfx:aws.eks.adminRoleArns[1]: must be an IAM role ARN", bad)
	}
	_, err = Load(withAdmins("52.94.76.0/24", "arn:aws:iam::210987654321:role/ci", "arn:aws:iam::210987654321:role/ci"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workfx:aws.eks.adminRoleArns[1]: duplicates")

	cfg, err := Load(withAdmins("52.94.76.0/24", "arn:aws:iam::210987654321:role/platform/deploy", "arn:aws:iam::210987654321:role/ci"))
	require.NoError(t, err, "role ARNs, with or without a path")
	assert.Empty(t, cfg.DeployBlockers())
}

// Roles in AWS's documentation accounts are placeholders, as documentation addresses are.
func TestDocumentationAccountAdminsAreDeployBlockers(t *testing.T) {
	cfg, err := Load(withAdmins("52.94.76.0/24", "arn:aws:iam::210987654321:role/ci", "arn:aws:iam::123456789012:role/deploy"))
	require.NoError(t, err)
	blockers := cfg.DeployBlockers()
	require.Len(t, blockers, 1)
	assert.Equal(t, "workfx:aws.eks.adminRoleArns[1]", blockers[0].Key)
	assert.Contains(t, blockers[0].Message, "AWS's documentation account")
}
