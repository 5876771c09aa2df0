package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
