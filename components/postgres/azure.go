package postgres

import (
	"github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v2"
	// Postgres 16 is accepted from API 2023-06-01-preview on; this SDK's default (2022-12-01)
	// stops at 14, so the server (only) is registered through the newer API.
	pgserver "github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v2/v20230601preview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AzureArgs size the Flexible Server.
type AzureArgs struct {
	Env                 *azenv.Env
	Network             *network.Azure
	Vault               *vault.Azure
	ServerName          string
	DNSZone             string
	SkuName, SkuTier    string
	StorageSizeGB       int
	Version             string
	BackupRetentionDays int
	Database            string
	AdminLogin          string
}

// NewAzure provisions a Flexible Server in the VNet (pgvector allowed, TLS required), the app
// database, and an admin password kept in Key Vault.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Postgres, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)

	// Azure requires three of upper, lower, digits, symbols; Generate gives the first three.
	password, err := credential.Generate(ctx, "postgres-admin", 40, child)
	if err != nil {
		return nil, err
	}
	if _, err := a.Vault.Store(ctx, "postgres-admin-password", password); err != nil {
		return nil, err
	}

	backup := &pgserver.BackupArgs{
		BackupRetentionDays: pulumi.Int(a.BackupRetentionDays),
		GeoRedundantBackup:  pulumi.String("Disabled"),
	}
	ha := &pgserver.HighAvailabilityArgs{Mode: pulumi.String("Disabled")}
	args := &pgserver.ServerArgs{
		ResourceGroupName:          e.ResourceGroupName,
		ServerName:                 pulumi.String(a.ServerName),
		Location:                   pulumi.String(e.Location),
		Version:                    pulumi.String(a.Version),
		AdministratorLogin:         pulumi.String(a.AdminLogin),
		AdministratorLoginPassword: password,
		Sku:                        &pgserver.SkuArgs{Name: pulumi.String(a.SkuName), Tier: pulumi.String(a.SkuTier)},
		Storage:                    &pgserver.StorageArgs{StorageSizeGB: pulumi.Int(a.StorageSizeGB)},
		Backup:                     backup,
		HighAvailability:           ha,
		// VNet integration: the server gets an address in the delegated subnet and no public
		// endpoint at all; its name resolves through the linked private zone.
		Network: &pgserver.NetworkArgs{
			DelegatedSubnetResourceId:   a.Network.PostgresSubnet.ID().ToStringOutput(),
			PrivateDnsZoneArmResourceId: a.Network.Zones[a.DNSZone].ID().ToStringOutput(),
			// Implied by VNet integration; stated so a review (and the policy suite) sees it.
			PublicNetworkAccess: pulumi.String("Disabled"),
		},
		AuthConfig: &pgserver.AuthConfigArgs{
			PasswordAuth:        pulumi.String("Enabled"),
			ActiveDirectoryAuth: pulumi.String("Disabled"),
		},
		Tags: e.TagMap(),
	}
	if e.Prod {
		backup.GeoRedundantBackup = pulumi.String("Enabled")
		ha.Mode = pulumi.String("ZoneRedundant")
		ha.StandbyAvailabilityZone = pulumi.String("2")
		args.AvailabilityZone = pulumi.String("1")
	}
	srvOpts := append([]pulumi.ResourceOption{child,
		// The zone must be linked to the VNet before the server registers its record.
		pulumi.DependsOn([]pulumi.Resource{a.Network.ZoneLinks[a.DNSZone]}),
	}, e.Stateful()...)
	srv, err := pgserver.NewServer(ctx, "postgres", args, srvOpts...)
	if err != nil {
		return nil, err
	}

	// Server parameters are applied one at a time: Flexible Server rejects concurrent
	// configuration writes ("ServerIsBusy").
	var prev pulumi.Resource = srv
	for _, p := range []struct{ name, value string }{
		// pgvector (seed 001: CREATE EXTENSION vector) must be allow-listed first.
		{"azure.extensions", "VECTOR"},
		{"require_secure_transport", "ON"},
	} {
		cfg, err := dbforpostgresql.NewConfiguration(ctx, p.name, &dbforpostgresql.ConfigurationArgs{
			ResourceGroupName: e.ResourceGroupName,
			ServerName:        srv.Name,
			ConfigurationName: pulumi.String(p.name),
			Value:             pulumi.String(p.value),
			Source:            pulumi.String("user-override"),
		}, child, pulumi.DependsOn([]pulumi.Resource{prev}))
		if err != nil {
			return nil, err
		}
		prev = cfg
	}
	db, err := dbforpostgresql.NewDatabase(ctx, a.Database, &dbforpostgresql.DatabaseArgs{
		ResourceGroupName: e.ResourceGroupName,
		ServerName:        srv.Name,
		DatabaseName:      pulumi.String(a.Database),
		Charset:           pulumi.String("UTF8"),
		Collation:         pulumi.String("en_US.utf8"),
	}, append([]pulumi.ResourceOption{child, pulumi.DependsOn([]pulumi.Resource{prev})}, e.Stateful()...)...)
	if err != nil {
		return nil, err
	}

	c.Endpoint = Endpoint{
		Host: srv.FullyQualifiedDomainName,
		Port: 5432,
		// The name is known; deriving it from the database's id makes every reader wait for it.
		Database: db.ID().ApplyT(func(pulumi.ID) string { return a.Database }).(pulumi.StringOutput),
		Username: pulumi.String(a.AdminLogin).ToStringOutput(),
		Password: credential.FromOutput(password),
		// Flexible Server presents a publicly trusted certificate; require_secure_transport is on.
		SSLMode: "require",
	}
	return c.done(ctx)
}
