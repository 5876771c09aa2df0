package storage

import (
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/network"
)

// AzureArgs size the storage account.
type AzureArgs struct {
	Env         *azenv.Env
	Network     *network.Azure
	AccountName string
	Sku         string
	Containers  BucketNames
}

// NewAzure provisions the storage account (TLS 1.2, HTTPS only, no public or shared-key
// access, private endpoint) and seed 001's containers.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)
	acct, err := storage.NewStorageAccount(ctx, "account", &storage.StorageAccountArgs{
		ResourceGroupName:      e.ResourceGroupName,
		AccountName:            pulumi.String(a.AccountName),
		Location:               pulumi.String(e.Location),
		Kind:                   pulumi.String("StorageV2"),
		Sku:                    &storage.SkuArgs{Name: pulumi.String(a.Sku)},
		AccessTier:             storage.AccessTierHot,
		MinimumTlsVersion:      pulumi.String("TLS1_2"),
		EnableHttpsTrafficOnly: pulumi.Bool(true),
		AllowBlobPublicAccess:  pulumi.Bool(false),
		// The apps authenticate with their workload identity (Entra ID); no account key to leak.
		AllowSharedKeyAccess:         pulumi.Bool(false),
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		AllowCrossTenantReplication:  pulumi.Bool(false),
		PublicNetworkAccess:          pulumi.String("Disabled"),
		NetworkRuleSet: &storage.NetworkRuleSetArgs{
			DefaultAction: storage.DefaultActionDeny,
			Bypass:        pulumi.String("AzureServices"),
		},
		Tags: e.TagMap(),
	}, append([]pulumi.ResourceOption{child}, e.Stateful()...)...)
	if err != nil {
		return nil, err
	}
	c.Account = acct

	retention := 7
	if e.Prod {
		retention = 30
	}
	svc, err := storage.NewBlobServiceProperties(ctx, "blob-service", &storage.BlobServicePropertiesArgs{
		ResourceGroupName: e.ResourceGroupName,
		AccountName:       acct.Name,
		BlobServicesName:  pulumi.String("default"), // the only name Azure accepts
		// Soft delete for blobs and containers: an accidental delete is recoverable.
		DeleteRetentionPolicy:          &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(retention)},
		ContainerDeleteRetentionPolicy: &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(retention)},
		IsVersioningEnabled:            pulumi.Bool(e.Prod),
	}, child)
	if err != nil {
		return nil, err
	}
	n := a.Containers
	for _, name := range []string{n.Admin, n.User, n.Public, n.Email, n.ToolsImage} {
		if _, err := storage.NewBlobContainer(ctx, name, &storage.BlobContainerArgs{
			ResourceGroupName: e.ResourceGroupName,
			AccountName:       acct.Name,
			ContainerName:     pulumi.String(name),
			// "public" is a name from seed 001, not an access level: nothing is anonymous.
			PublicAccess: storage.PublicAccessNone,
		}, append([]pulumi.ResourceOption{child, pulumi.DependsOn([]pulumi.Resource{svc})}, e.Stateful()...)...); err != nil {
			return nil, err
		}
	}
	if _, err := a.Network.PrivateEndpoint(ctx, "blob", acct.ID(), "blob", network.ZoneBlob, child); err != nil {
		return nil, err
	}
	// The account publishes metrics only; the blob reads, writes and deletes are logged on its
	// blob service.
	if _, err := e.Diagnose(ctx, "storage", acct.ID().ToStringOutput(), azenv.Diagnostics{AllMetrics: true}, child); err != nil {
		return nil, err
	}
	if _, err := e.Diagnose(ctx, "blob", pulumi.Sprintf("%s/blobServices/default", acct.ID()), azenv.AllLogsAndMetrics,
		child, pulumi.DependsOn([]pulumi.Resource{svc})); err != nil {
		return nil, err
	}
	c.Buckets = Buckets{
		Type:     "azure",
		Endpoint: pulumi.Sprintf("https://%s.blob.core.windows.net", acct.Name),
		Names:    a.Containers,
	}
	return c.done(ctx)
}
