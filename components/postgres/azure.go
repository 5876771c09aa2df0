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
	"github.com/workfx/workfx-platform/config"
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
	// Maintenance is the weekly window Azure patches the server in.
	Maintenance config.AzureMaintenance
}

const (
	autoGrowEnabled = "Enabled"
	// storageSizeGBPath is the server's size input, owned by Azure once auto-grow is on.
	storageSizeGBPath = "storage.storageSizeGB"
)

// weekdays maps a day to Flexible Server's dayOfWeek (0 is Sunday).
var weekdays = map[string]int{"Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6}

// NewAzure provisions a Flexible Server in the VNet (pgvector allowed, TLS required, Entra ID and
// password sign-in, storage that grows, patched in the maintenance window, diagnostics to Log
// Analytics), the app database, and an admin password kept in Key Vault.
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
		// Auto-grow raises the size before a full disk makes the server read-only. On premium
		// SSD each step doubles the provisioned size, and the storage bill with it ("Storage
		// always doubles in size for premium disk SSD which doubles the storage cost",
		// learn.microsoft.com/azure/postgresql/flexible-server/how-to-auto-grow-storage-portal);
		// it never shrinks. The cost report notes this.
		Storage: &pgserver.StorageArgs{StorageSizeGB: pulumi.Int(a.StorageSizeGB), AutoGrow: pulumi.String(autoGrowEnabled)},
		MaintenanceWindow: &pgserver.MaintenanceWindowArgs{
			CustomWindow: pulumi.String("Enabled"),
			DayOfWeek:    pulumi.Int(weekdays[a.Maintenance.DayOfWeek]),
			StartHour:    pulumi.Int(*a.Maintenance.StartHour),
			StartMinute:  pulumi.Int(0),
		},
		Backup:           backup,
		HighAvailability: ha,
		// VNet integration: the server gets an address in the delegated subnet and no public
		// endpoint at all; its name resolves through the linked private zone.
		Network: &pgserver.NetworkArgs{
			DelegatedSubnetResourceId:   a.Network.PostgresSubnet.ID().ToStringOutput(),
			PrivateDnsZoneArmResourceId: a.Network.Zones[a.DNSZone].ID().ToStringOutput(),
			// Implied by VNet integration; stated so a review (and the policy suite) sees it.
			PublicNetworkAccess: pulumi.String("Disabled"),
		},
		// Entra ID sign-in next to passwords: people and workload identities can be given roles
		// without a shared password; the apps keep the password contract of seed 001.
		AuthConfig: &pgserver.AuthConfigArgs{
			PasswordAuth:        pulumi.String("Enabled"),
			ActiveDirectoryAuth: pulumi.String("Enabled"),
			TenantId:            pulumi.String(e.TenantID),
		},
		Tags: e.TagMap(),
	}
	if e.Prod {
		backup.GeoRedundantBackup = pulumi.String("Enabled")
		// Validation guarantees two zones in prod: the standby lives in the second.
		ha.Mode = pulumi.String("ZoneRedundant")
		ha.StandbyAvailabilityZone = pulumi.String(e.Zones[1])
	}
	if len(e.Zones) > 0 {
		args.AvailabilityZone = pulumi.String(e.Zones[0])
	}
	srvOpts := append([]pulumi.ResourceOption{child,
		// The zone must be linked to the VNet before the server registers its record.
		pulumi.DependsOn([]pulumi.Resource{a.Network.ZoneLinks[a.DNSZone]}),
		// Once auto-grow has raised the size (32 → 64 GiB), the configured size is only the
		// starting one: diffing back to it would ask Azure for a shrink, which Flexible Server
		// rejects, and fail every later up. Raise it by hand in the portal/CLI, not here.
		pulumi.IgnoreChanges([]string{storageSizeGBPath}),
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

	if _, err := e.Diagnose(ctx, "postgres", srv.ID().ToStringOutput(), azenv.AllLogsAndMetrics, child); err != nil {
		return nil, err
	}

	// The admin credential, for in-cluster setup (an application role) that must log in as the
	// server admin; it stays in Key Vault and the state otherwise.
	c.Admin = &Admin{Username: pulumi.String(a.AdminLogin).ToStringOutput(), Password: password}
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
