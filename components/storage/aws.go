package storage

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/config"
)

// SeedNames are seed 001's bucket names; on S3 they get a prefix (bucket names are global).
var SeedNames = config.SeedBuckets

// AWSArgs configure the S3 buckets.
type AWSArgs struct {
	Provider *aws.Provider
	Vault    *vault.AWS
	Region   string
	// AccountID qualifies the names: bucket names are global, so an account and region in them
	// keep two deployments of the same stack name (another account, another region) apart.
	AccountID string
	Prefix    string
	Prod      bool
}

// S3BucketName is the name of one of seed 001's buckets on S3:
// <prefix>-<seed name>-<account>-<region> (config.S3BucketNameLength checks it fits in 63).
func S3BucketName(prefix, seed, accountID, region string) string {
	return prefix + "-" + seed + "-" + accountID + "-" + region
}

// NewAWS creates the five buckets: private, TLS 1.2+ only, SSE-KMS with the data key, versioned
// in prod. BucketArns are for the workload roles.
//
// A bucket's settings are separate API calls on the same bucket; S3 answers concurrent ones with
// "A conflicting conditional operation is currently in progress against this resource", so they
// are applied one after the other, as terraform-aws-modules/s3-bucket (v5.15.4 main.tf) chains
// public access block → bucket policy → ownership controls (hashicorp/terraform-provider-aws#7628).
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}
	qualified := func(seed string) string { return S3BucketName(args.Prefix, seed, args.AccountID, args.Region) }
	names := BucketNames{
		Admin: qualified(SeedNames.Admin), User: qualified(SeedNames.User), Public: qualified(SeedNames.Public),
		Email: qualified(SeedNames.Email), ToolsImage: qualified(SeedNames.ToolsImage),
	}
	var arns []pulumi.StringOutput
	for _, b := range []struct{ logical, bucket string }{
		{"admin", names.Admin}, {"user", names.User}, {"public", names.Public}, {"email", names.Email}, {"tools-image", names.ToolsImage},
	} {
		n := name + "-" + b.logical
		bucket, err := s3.NewBucketV2(ctx, n, &s3.BucketV2Args{
			Bucket: pulumi.String(b.bucket),
			// Dev buckets may be destroyed with their objects; prod ones are protected and kept.
			ForceDestroy: pulumi.Bool(!args.Prod),
		}, append(child, pulumi.Protect(args.Prod), pulumi.RetainOnDelete(args.Prod))...)
		if err != nil {
			return nil, err
		}
		// after chains each setting behind the previous one.
		var prev pulumi.Resource = bucket
		after := func() []pulumi.ResourceOption {
			return append(append([]pulumi.ResourceOption{}, child...), pulumi.DependsOn([]pulumi.Resource{prev}))
		}
		pab, err := s3.NewBucketPublicAccessBlock(ctx, n, &s3.BucketPublicAccessBlockArgs{
			Bucket:                bucket.ID(),
			BlockPublicAcls:       pulumi.Bool(true),
			BlockPublicPolicy:     pulumi.Bool(true),
			IgnorePublicAcls:      pulumi.Bool(true),
			RestrictPublicBuckets: pulumi.Bool(true),
		}, after()...)
		if err != nil {
			return nil, err
		}
		prev = pab
		policy, err := s3.NewBucketPolicy(ctx, n, &s3.BucketPolicyArgs{
			Bucket: bucket.ID(),
			Policy: bucket.Arn.ApplyT(TLSOnlyPolicy).(pulumi.StringOutput),
		}, after()...)
		if err != nil {
			return nil, err
		}
		prev = policy
		// ACLs off: access is by IAM policy only.
		ownership, err := s3.NewBucketOwnershipControls(ctx, n, &s3.BucketOwnershipControlsArgs{
			Bucket: bucket.ID(),
			Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
		}, after()...)
		if err != nil {
			return nil, err
		}
		prev = ownership
		sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm:   pulumi.String("aws:kms"),
					KmsMasterKeyId: args.Vault.DataKey.Arn,
				},
				// Bucket keys cut KMS requests (and their cost) by orders of magnitude.
				BucketKeyEnabled: pulumi.Bool(true),
			}},
		}, after()...)
		if err != nil {
			return nil, err
		}
		prev = sse
		if args.Prod {
			if _, err := s3.NewBucketVersioningV2(ctx, n, &s3.BucketVersioningV2Args{
				Bucket:                  bucket.ID(),
				VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
			}, after()...); err != nil {
				return nil, err
			}
		}
		arns = append(arns, bucket.Arn)
	}
	c.Buckets = Buckets{
		Type:     "s3",
		Endpoint: pulumi.String("https://s3." + args.Region + ".amazonaws.com").ToStringOutput(),
		Names:    names,
	}
	c.BucketArns = arns
	return c.done(ctx)
}

// TLSOnlyPolicy is a bucket policy refusing every request over plain HTTP or TLS older than 1.2,
// whoever sends it (terraform-aws-modules/s3-bucket's denyInsecureTransport and denyOutdatedTLS
// statements; IAM grants access, this only narrows how).
func TLSOnlyPolicy(bucketArn string) (string, error) {
	deny := func(sid string, condition map[string]any) map[string]any {
		return map[string]any{
			"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
			"Resource": []string{bucketArn, bucketArn + "/*"}, "Condition": condition,
		}
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
		deny("DenyInsecureTransport", map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}),
		deny("DenyOutdatedTLS", map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": "1.2"}}),
	}})
	return string(b), err
}
