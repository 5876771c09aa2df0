package postgres

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AWSArgs configure RDS for PostgreSQL 16.
type AWSArgs struct {
	network.AWSPlacement
	Vault *vault.AWS

	InstanceClass       string
	AllocatedStorageGiB int
	MaxStorageGiB       int
	BackupRetentionDays int
	MultiAZ             bool
	Database            string
	Username            string
}

// AWSPort is RDS's Postgres port (NetworkPolicies need it before deployment).
const AWSPort = 5432

// NewAWS provisions the database. pgvector ships with RDS for PostgreSQL 16; the apps' first
// migration runs `CREATE EXTENSION IF NOT EXISTS vector;` as the master user (docs/aws.md).
// MasterSecret holds the master credential (for workload roles that may read it).
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Postgres, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}

	// RDS rejects '/', '@', '"' and spaces.
	password, err := credential.Generate(ctx, name+"-master", 40, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	sg, err := args.SecurityGroup(ctx, name, AWSPort, child...)
	if err != nil {
		return nil, err
	}
	subnets, err := rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		Description: pulumi.String("workfx Postgres: private subnets"),
		SubnetIds:   args.SubnetIDs,
	}, child...)
	if err != nil {
		return nil, err
	}
	params, err := rds.NewParameterGroup(ctx, name, &rds.ParameterGroupArgs{
		Family:      pulumi.String("postgres16"),
		Description: pulumi.String("workfx Postgres 16: TLS required"),
		Parameters: rds.ParameterGroupParameterArray{
			// Refuse every connection that is not TLS.
			&rds.ParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1"), ApplyMethod: pulumi.String("pending-reboot")},
		},
	}, child...)
	if err != nil {
		return nil, err
	}

	// Prod keeps a final snapshot; dev databases are disposable.
	var finalSnapshot pulumi.StringPtrInput
	if args.Prod {
		if finalSnapshot, err = args.FinalSnapshotName(ctx, name, pulumi.Parent(c)); err != nil {
			return nil, err
		}
	}
	db, err := rds.NewInstance(ctx, name, &rds.InstanceArgs{
		Engine: pulumi.String("postgres"),
		// The major version only: RDS picks the current 16.x and applies minor upgrades.
		EngineVersion:                      pulumi.String("16"),
		AutoMinorVersionUpgrade:            pulumi.Bool(true),
		AllowMajorVersionUpgrade:           pulumi.Bool(false),
		InstanceClass:                      pulumi.String(args.InstanceClass),
		StorageType:                        pulumi.String("gp3"),
		AllocatedStorage:                   pulumi.Int(args.AllocatedStorageGiB),
		MaxAllocatedStorage:                pulumi.Int(args.MaxStorageGiB),
		StorageEncrypted:                   pulumi.Bool(true),
		KmsKeyId:                           args.Vault.DataKey.Arn,
		DbName:                             pulumi.String(args.Database),
		Username:                           pulumi.String(args.Username),
		Password:                           password,
		Port:                               pulumi.Int(AWSPort),
		DbSubnetGroupName:                  subnets.Name,
		VpcSecurityGroupIds:                pulumi.StringArray{sg.ID()},
		PubliclyAccessible:                 pulumi.Bool(false),
		ParameterGroupName:                 params.Name,
		MultiAz:                            pulumi.Bool(args.MultiAZ),
		BackupRetentionPeriod:              pulumi.Int(args.BackupRetentionDays),
		BackupWindow:                       pulumi.String("02:00-03:00"),
		MaintenanceWindow:                  pulumi.String("sun:03:30-sun:04:30"),
		CopyTagsToSnapshot:                 pulumi.Bool(true),
		DeletionProtection:                 pulumi.Bool(args.Prod),
		SkipFinalSnapshot:                  pulumi.Bool(!args.Prod),
		FinalSnapshotIdentifier:            finalSnapshot,
		PerformanceInsightsEnabled:         pulumi.Bool(true),
		PerformanceInsightsKmsKeyId:        args.Vault.DataKey.Arn,
		PerformanceInsightsRetentionPeriod: pulumi.Int(7), // the free tier
		EnabledCloudwatchLogsExports:       pulumi.ToStringArray([]string{"postgresql", "upgrade"}),
		ApplyImmediately:                   pulumi.Bool(!args.Prod),
	}, append(child, pulumi.Protect(args.Prod), pulumi.RetainOnDelete(args.Prod))...)
	if err != nil {
		return nil, err
	}

	// The master credential also lives in Secrets Manager (rotation, break-glass access), in the
	// shape the RDS rotation functions expect.
	doc := pulumi.All(db.Address, password).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]any{
			"engine": "postgres", "host": v[0].(string), "port": AWSPort, "dbname": args.Database,
			"username": args.Username, "password": v[1].(string),
		})
		return string(b), err
	}).(pulumi.StringOutput)
	stored, err := args.Vault.Put(ctx, name+"-master", &vault.SecretArgs{
		Description: "workfx Postgres master credential", Value: doc,
	})
	if err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		Host:     db.Address,
		Port:     AWSPort,
		Database: pulumi.String(args.Database).ToStringOutput(),
		Username: pulumi.String(args.Username).ToStringOutput(),
		Password: credential.FromOutput(password),
		// force_ssl makes TLS mandatory; "require" needs no CA bundle in the images.
		SSLMode: "require",
	}
	c.MasterSecret = stored
	return c.done(ctx)
}
