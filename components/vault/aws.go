// Package vault is where the platform's generated credentials live in the cloud: customer-managed
// KMS keys and the secret store (AWS Secrets Manager), plus the workload roles that may read them.
package vault

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AWSArgs configure the vault.
type AWSArgs struct {
	Provider *aws.Provider
	// Prefix names the aliases (alias/<prefix>-data) so operators find the keys.
	Prefix string
	// Prod keeps keys and secrets recoverable for 30 days and protects the keys.
	Prod bool
}

// AWS is the vault component. Each key has one purpose so a key policy or a rotation of one
// concern never touches another.
type AWS struct {
	pulumi.ResourceState
	// ClusterKey envelope-encrypts Kubernetes Secrets in etcd.
	ClusterKey *kms.Key
	// DataKey encrypts RDS storage, Performance Insights, ElastiCache, S3 and the EKS nodes' root
	// volumes.
	DataKey *kms.Key
	// SecretsKey encrypts the Secrets Manager secrets of the generated credentials.
	SecretsKey *kms.Key
	// KafkaKey encrypts MSK storage and its SCRAM secret (MSK refuses the AWS-managed key there).
	KafkaKey *kms.Key

	provider *aws.Provider
	prod     bool
}

// NewAWS creates the keys.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*AWS, error) {
	v := &AWS{provider: args.Provider, prod: args.Prod}
	if err := ctx.RegisterComponentResource("workfx:vault:AwsVault", name, v, opts...); err != nil {
		return nil, err
	}
	window := 7
	if args.Prod {
		window = 30
	}
	keys := []struct {
		purpose string
		dst     **kms.Key
		desc    string
	}{
		{"cluster", &v.ClusterKey, "EKS secrets envelope encryption"},
		{"data", &v.DataKey, "RDS, ElastiCache and S3 encryption at rest"},
		{"secrets", &v.SecretsKey, "Secrets Manager: generated credentials"},
		{"kafka", &v.KafkaKey, "MSK encryption at rest and its SASL/SCRAM secret"},
	}
	outputs := pulumi.Map{}
	for _, k := range keys {
		// The default key policy (account root) lets IAM policies grant use; the services
		// (EKS, RDS, MSK, ElastiCache, S3, Secrets Manager) create their grants through the
		// deploying principal.
		key, err := kms.NewKey(ctx, name+"-"+k.purpose, &kms.KeyArgs{
			Description:          pulumi.String(fmt.Sprintf("%s: %s", args.Prefix, k.desc)),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(window),
		}, v.stateful()...)
		if err != nil {
			return nil, err
		}
		if _, err := kms.NewAlias(ctx, name+"-"+k.purpose, &kms.AliasArgs{
			Name:        pulumi.String(fmt.Sprintf("alias/%s-%s", args.Prefix, k.purpose)),
			TargetKeyId: key.KeyId,
		}, v.child()...); err != nil {
			return nil, err
		}
		*k.dst = key
		outputs[k.purpose+"KeyArn"] = key.Arn
	}
	return v, ctx.RegisterResourceOutputs(v, outputs)
}

func (v *AWS) child() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(v), pulumi.Provider(v.provider)}
}

// stateful: losing a key loses everything it encrypted (and a secret, the credential of a data
// service that outlives the stack), so in prod they are protected and kept even if the stack is
// destroyed.
func (v *AWS) stateful() []pulumi.ResourceOption {
	return append(v.child(), pulumi.Protect(v.prod), pulumi.RetainOnDelete(v.prod))
}

// SecretArgs describe one stored credential.
type SecretArgs struct {
	Description string
	// Value is the secret string (a secret Output; JSON for structured credentials).
	Value pulumi.StringInput
	// NamePrefix fixes the start of the name (MSK requires AmazonMSK_); empty auto-names.
	NamePrefix string
	// Key encrypts the secret; nil uses SecretsKey.
	Key *kms.Key
}

// Secret is a stored credential.
type Secret struct {
	Secret *secretsmanager.Secret
	// Version holds the value; whatever reads the secret at creation depends on it.
	Version *secretsmanager.SecretVersion
	Arn     pulumi.StringOutput
	// Key encrypts the secret: whoever reads it needs kms:Decrypt on this key too.
	Key *kms.Key
}

// Put stores a credential in Secrets Manager, encrypted with a customer-managed key.
func (v *AWS) Put(ctx *pulumi.Context, name string, args *SecretArgs) (*Secret, error) {
	key := args.Key
	if key == nil {
		key = v.SecretsKey
	}
	recovery := 7
	if v.prod {
		recovery = 30
	}
	sargs := &secretsmanager.SecretArgs{
		Description:          pulumi.String(args.Description),
		KmsKeyId:             key.Arn,
		RecoveryWindowInDays: pulumi.Int(recovery),
	}
	if args.NamePrefix != "" {
		sargs.NamePrefix = pulumi.String(args.NamePrefix)
	}
	// Prod secrets hold the master credentials of protected, retained data services: a
	// destroyed stack must not take the only copy of a retained database's password with it.
	s, err := secretsmanager.NewSecret(ctx, name, sargs, v.stateful()...)
	if err != nil {
		return nil, err
	}
	ver, err := secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId:     s.ID(),
		SecretString: pulumi.ToSecret(args.Value).(pulumi.StringOutput),
	}, v.child()...)
	if err != nil {
		return nil, err
	}
	return &Secret{Secret: s, Version: ver, Arn: s.Arn, Key: key}, nil
}

// ReaderArgs describe one workload's role (IRSA).
type ReaderArgs struct {
	// AssumeRolePolicy trusts exactly the workload's ServiceAccount through the cluster's OIDC provider.
	AssumeRolePolicy pulumi.StringInput
	// Secrets the workload may read; nothing else in Secrets Manager. Each is decryptable with
	// its own key (the MSK SCRAM secret is under the Kafka key, the others under SecretsKey).
	Secrets []*Secret
	// BucketArns the workload may read and write objects in (with DataKey for SSE-KMS).
	BucketArns []pulumi.StringOutput
}

// ReaderRole creates the IAM role a workload assumes, allowed to read only its own secrets.
func (v *AWS) ReaderRole(ctx *pulumi.Context, name string, args *ReaderArgs) (*iam.Role, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String("workload identity (IRSA) of " + name),
		AssumeRolePolicy: args.AssumeRolePolicy,
	}, v.child()...)
	if err != nil {
		return nil, err
	}
	// The keys behind the secrets, each once.
	var keys []*kms.Key
	seen := map[*kms.Key]bool{}
	for _, s := range args.Secrets {
		if !seen[s.Key] {
			seen[s.Key] = true
			keys = append(keys, s.Key)
		}
	}
	inputs := []any{v.DataKey.Arn}
	for _, s := range args.Secrets {
		inputs = append(inputs, s.Arn)
	}
	for _, k := range keys {
		inputs = append(inputs, k.Arn)
	}
	for _, b := range args.BucketArns {
		inputs = append(inputs, b)
	}
	nSecrets, nKeys := len(args.Secrets), len(keys)
	policy := pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		dataKey := vals[0].(string)
		strs := func(vs []any) []string {
			out := make([]string, len(vs))
			for i, v := range vs {
				out[i] = v.(string)
			}
			return out
		}
		secretArns := strs(vals[1 : 1+nSecrets])
		keyArns := strs(vals[1+nSecrets : 1+nSecrets+nKeys])
		bucketArns := strs(vals[1+nSecrets+nKeys:])
		var objectArns []string
		for _, b := range bucketArns {
			objectArns = append(objectArns, b+"/*")
		}
		var stmts []map[string]any
		if len(secretArns) > 0 {
			stmts = append(stmts,
				map[string]any{"Sid": "ReadOwnSecrets", "Effect": "Allow",
					"Action": []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, "Resource": secretArns},
				map[string]any{"Sid": "DecryptSecrets", "Effect": "Allow", "Action": []string{"kms:Decrypt"}, "Resource": keyArns,
					"Condition": map[string]any{"StringLike": map[string]any{"kms:ViaService": "secretsmanager.*.amazonaws.com"}}})
		}
		if len(bucketArns) > 0 {
			stmts = append(stmts,
				map[string]any{"Sid": "ListBuckets", "Effect": "Allow", "Action": []string{"s3:ListBucket", "s3:GetBucketLocation"}, "Resource": bucketArns},
				map[string]any{"Sid": "Objects", "Effect": "Allow",
					"Action": []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, "Resource": objectArns},
				map[string]any{"Sid": "BucketKey", "Effect": "Allow", "Action": []string{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": []string{dataKey},
					"Condition": map[string]any{"StringLike": map[string]any{"kms:ViaService": "s3.*.amazonaws.com"}}})
		}
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
		return string(b), err
	}).(pulumi.StringOutput)
	if nSecrets == 0 && len(args.BucketArns) == 0 {
		return role, nil
	}
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, v.child()...); err != nil {
		return nil, err
	}
	return role, nil
}
