package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Kafka version MSK offers today (docs.aws.amazon.com/msk/latest/developerguide/
// supported-kafka-versions.html and the KRaft strings of metadata-management.html) is accepted.
func TestAWSCurrentMSKVersionsAreAccepted(t *testing.T) {
	for _, v := range []string{"3.7.x", "3.7.x.kraft", "3.8.x", "3.8.x.kraft", "3.9.x", "3.9.x.kraft", "4.0.x.kraft", "4.1.x.kraft", "3.6.0"} {
		cfg, err := loadValues(t, prodWith(t, []edit{{"workfx:aws.msk.kafkaVersion", v}}))
		require.NoError(t, err, v)
		assert.Equal(t, v, cfg.AWS.MSK.KafkaVersion)
	}
	cfg, err := loadValues(t, prodWith(t, []edit{{"workfx:aws.msk.kafkaVersion", nil}}))
	require.NoError(t, err)
	assert.Equal(t, "3.9.x.kraft", cfg.AWS.MSK.KafkaVersion, "a new cluster starts in KRaft mode")
}

// MSK storage grows with the data instead of filling up (a full broker disk stops the topic).
func TestAWSMSKStorageGrowsWithTheData(t *testing.T) {
	for _, p := range awsPlans(t) {
		stack, max := p.Stack, map[string]int64{"prod": 2000, "aws-dev": 100}[p.Stack]
		cluster := awsFind(t, p, tMSK, "kafka")
		target := awsFind(t, p, "aws:appautoscaling/target:Target", "kafka-storage")
		assert.Equal(t, "kafka", target.Str("serviceNamespace"))
		assert.Equal(t, "kafka:broker-storage:VolumeSize", target.Str("scalableDimension"))
		assert.Equal(t, max, awsInput(target, "maxCapacity"), stack)
		assert.Contains(t, target.Dependencies, cluster.URN)
		policy := awsFind(t, p, "aws:appautoscaling/policy:Policy", "kafka-storage")
		assert.Equal(t, "TargetTrackingScaling", policy.Str("policyType"))
		assert.Equal(t, "KafkaBrokerStorageUtilization", policy.Str("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))
		assert.Equal(t, int64(60), awsInput(policy, "targetTrackingScalingPolicyConfiguration.targetValue"))
		assert.Equal(t, true, awsInput(policy, "targetTrackingScalingPolicyConfiguration.disableScaleIn"), "MSK cannot shrink a volume")
		assert.Contains(t, cluster.IgnoreChanges, "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize",
			"%s: the next up must not set the grown volumes back", stack)
	}
}
