package redis

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AWSArgs configure an ElastiCache (Redis OSS) replication group.
type AWSArgs struct {
	network.AWSPlacement
	Vault *vault.AWS

	NodeType string
	// Replicas per primary; with at least one, the group is Multi-AZ with automatic failover.
	Replicas              int
	SnapshotRetentionDays int
}

// AWSPort is the Redis port (the same with TLS on ElastiCache).
const AWSPort = 6379

// NewAWS provisions the replication group; AuthSecret holds the auth token.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Redis, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}

	// ElastiCache auth tokens: 16-128 printable characters without '@', '"' or '/'.
	token, err := credential.Generate(ctx, name+"-auth-token", 64, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	sg, err := args.SecurityGroup(ctx, name, AWSPort, child...)
	if err != nil {
		return nil, err
	}
	subnets, err := elasticache.NewSubnetGroup(ctx, name, &elasticache.SubnetGroupArgs{
		Description: pulumi.String("workfx Redis: private subnets"),
		SubnetIds:   args.SubnetIDs,
	}, child...)
	if err != nil {
		return nil, err
	}
	ha := args.Replicas > 0
	rgArgs := &elasticache.ReplicationGroupArgs{
		Description:      pulumi.String("workfx Redis"),
		Engine:           pulumi.String("redis"),
		EngineVersion:    pulumi.String("7.1"),
		NodeType:         pulumi.String(args.NodeType),
		NumCacheClusters: pulumi.Int(1 + args.Replicas),
		Port:             pulumi.Int(AWSPort),
		SubnetGroupName:  subnets.Name,
		SecurityGroupIds: pulumi.StringArray{sg.ID()},
		// TLS plus AUTH: the token never crosses the network in clear text.
		TransitEncryptionEnabled: pulumi.Bool(true),
		AuthToken:                token,
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		KmsKeyId:                 args.Vault.DataKey.Arn,
		AutomaticFailoverEnabled: pulumi.Bool(ha),
		MultiAzEnabled:           pulumi.Bool(ha),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		SnapshotRetentionLimit:   pulumi.Int(args.SnapshotRetentionDays),
		SnapshotWindow:           pulumi.String("01:00-02:00"),
		MaintenanceWindow:        pulumi.String("sun:04:30-sun:05:30"),
		ApplyImmediately:         pulumi.Bool(!args.Prod),
	}
	if args.Prod {
		if rgArgs.FinalSnapshotIdentifier, err = args.FinalSnapshotName(ctx, name, pulumi.Parent(c)); err != nil {
			return nil, err
		}
	}
	rg, err := elasticache.NewReplicationGroup(ctx, name, rgArgs,
		append(child, pulumi.Protect(args.Prod), pulumi.RetainOnDelete(args.Prod))...)
	if err != nil {
		return nil, err
	}

	stored, err := args.Vault.Put(ctx, name+"-auth-token", &vault.SecretArgs{
		Description: "workfx Redis AUTH token", Value: token,
	})
	if err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		Host:     rg.PrimaryEndpointAddress,
		Port:     AWSPort,
		DB:       0,
		TLS:      true,
		Password: credential.FromOutput(token),
	}
	c.AuthSecret = stored
	return c.done(ctx)
}
