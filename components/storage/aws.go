package storage

import (
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
	Prefix   string
	Prod     bool
}

// NewAWS creates the five buckets: private, SSE-KMS with the data key, versioned in prod.
// BucketArns are for the workload roles.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}
	names := BucketNames{
		Admin: args.Prefix + "-" + SeedNames.Admin, User: args.Prefix + "-" + SeedNames.User,
		Public: args.Prefix + "-" + SeedNames.Public, Email: args.Prefix + "-" + SeedNames.Email,
		ToolsImage: args.Prefix + "-" + SeedNames.ToolsImage,
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
		if _, err := s3.NewBucketPublicAccessBlock(ctx, n, &s3.BucketPublicAccessBlockArgs{
			Bucket:                bucket.ID(),
			BlockPublicAcls:       pulumi.Bool(true),
			BlockPublicPolicy:     pulumi.Bool(true),
			IgnorePublicAcls:      pulumi.Bool(true),
			RestrictPublicBuckets: pulumi.Bool(true),
		}, child...); err != nil {
			return nil, err
		}
		// ACLs off: access is by IAM policy only.
		if _, err := s3.NewBucketOwnershipControls(ctx, n, &s3.BucketOwnershipControlsArgs{
			Bucket: bucket.ID(),
			Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
		}, child...); err != nil {
			return nil, err
		}
		if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm:   pulumi.String("aws:kms"),
					KmsMasterKeyId: args.Vault.DataKey.Arn,
				},
				// Bucket keys cut KMS requests (and their cost) by orders of magnitude.
				BucketKeyEnabled: pulumi.Bool(true),
			}},
		}, child...); err != nil {
			return nil, err
		}
		if args.Prod {
			if _, err := s3.NewBucketVersioningV2(ctx, n, &s3.BucketVersioningV2Args{
				Bucket:                  bucket.ID(),
				VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
			}, child...); err != nil {
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
