package tests

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// S3 answers concurrent settings on one bucket with "A conflicting conditional operation is
// currently in progress": each setting waits for the previous one.
func TestAWSBucketSettingsAreAppliedOneAfterAnother(t *testing.T) {
	for _, p := range awsPlans(t) {
		for _, logical := range []string{"admin", "user", "public", "email", "tools-image"} {
			n := "object-storage-" + logical
			chain := []string{tBucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketPolicy:BucketPolicy",
				"aws:s3/bucketOwnershipControls:BucketOwnershipControls",
				"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"}
			if p.Stack == "prod" {
				chain = append(chain, "aws:s3/bucketVersioningV2:BucketVersioningV2")
			}
			for i := 1; i < len(chain); i++ {
				cur, prev := awsFind(t, p, chain[i], n), awsFind(t, p, chain[i-1], n)
				assert.Contains(t, cur.Dependencies, prev.URN, "%s: %s waits for %s", p.Stack, chain[i], chain[i-1])
			}
		}
	}
}

func TestAWSBucketsRefuseInsecureTransport(t *testing.T) {
	for _, p := range awsPlans(t) {
		for _, b := range p.ByType(tBucket) {
			pol := awsFind(t, p, "aws:s3/bucketPolicy:BucketPolicy", b.Name)
			var doc struct {
				Statement []struct {
					Sid, Effect, Action string
					Principal           any
					Resource            []string
					Condition           map[string]map[string]string
				}
			}
			require.NoError(t, json.Unmarshal([]byte(pol.Str("policy")), &doc), b.Name)
			arn := "arn:aws:s3:::" + b.Str("bucket")
			conditions := map[string]map[string]map[string]string{}
			for _, s := range doc.Statement {
				assert.Equal(t, "Deny", s.Effect, s.Sid)
				assert.Equal(t, "*", s.Principal, s.Sid)
				assert.Equal(t, "s3:*", s.Action, s.Sid)
				assert.ElementsMatch(t, []string{arn, arn + "/*"}, s.Resource, s.Sid)
				conditions[s.Sid] = s.Condition
			}
			assert.Equal(t, map[string]map[string]map[string]string{
				"DenyInsecureTransport": {"Bool": {"aws:SecureTransport": "false"}},
				"DenyOutdatedTLS":       {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
			}, conditions, "%s %s", p.Stack, b.Name)
		}
	}
}

// Bucket names are global across accounts and regions: the account and region in the name keep
// another deployment of the same stack (another account, a DR region) from colliding.
func TestAWSBucketNamesCarryAccountAndRegion(t *testing.T) {
	want := map[string]string{
		"prod":    "workfx-prod-workfx-ai-tools-image-123456789012-us-east-1",
		"aws-dev": "acme-dev-workfx-ai-tools-image-123456789012-eu-west-1",
	}
	for _, p := range awsPlans(t) {
		b := awsFind(t, p, tBucket, "object-storage-tools-image")
		assert.Equal(t, want[p.Stack], b.Str("bucket"))
		assert.LessOrEqual(t, len(b.Str("bucket")), 63)
		cm := p.Object("ConfigMap", awsNamespace, "workfx-api-config")
		require.NotNil(t, cm)
		assert.Equal(t, want[p.Stack], mapAt(cm, "data")["TOOLS_IMAGE_BUCKET_NAME"], "%s: the apps get the qualified name", p.Stack)
	}
}

// Snapshot names are unique per account and region: a fixed "postgres-final" fails for the second
// stack in the account, and for the same stack destroyed and created again.
func TestAWSFinalSnapshotNamesAreUniquePerStackLifetime(t *testing.T) {
	p := planStack(t, "prod")
	for typ, want := range map[string]struct{ name, input string }{
		tRDS:   {"postgres", "finalSnapshotIdentifier"},
		tCache: {"redis", "finalSnapshotIdentifier"},
	} {
		r := awsFind(t, p, typ, want.name)
		assert.Equal(t, "workfx-prod-"+want.name+"-final-0a1b2c3d", r.Str(want.input), "stack name, service and a random part")
		id := awsFind(t, p, "random:index/randomId:RandomId", want.name+"-final-snapshot")
		assert.Contains(t, r.Dependencies, id.URN, "%s: the random part is drawn once per stack lifetime", want.name)
	}
	dev := planAWSDev(t)
	assert.Empty(t, dev.ByType("random:index/randomId:RandomId"), "dev takes no final snapshot")
	assert.Equal(t, true, awsInput(awsFind(t, dev, tRDS, "postgres"), "skipFinalSnapshot"))
}
