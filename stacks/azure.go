package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/storage"
	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/components/workload"
)

// azureStack is the Azure half of a stack: the explicit provider, the network and the vault
// every provisioned piece shares. Build asks it for each component's Azure settings; a nil
// *azureStack (nothing on Azure) answers nil everywhere, so Build has no Azure branches.
type azureStack struct {
	cfg      *Config
	names    AzureNames
	env      *azenv.Env
	net      *network.Azure
	vault    *vault.Azure
	storage  *storage.Storage
	identity *vault.WorkloadIdentity
}

// newAzure creates the provider, network and vault when anything is provisioned on Azure.
func newAzure(ctx *pulumi.Context, cfg *Config) (*azureStack, error) {
	if !cfg.usesAzure() {
		return nil, nil
	}
	a := cfg.Azure
	a.ResolveSuffix(ctx.Project(), ctx.Stack())
	az := &azureStack{cfg: cfg, names: a.Names()}
	tags := map[string]string{"app": "workfx-ai", "environment": cfg.Environment, "managed-by": "pulumi", "stack": ctx.Stack()}
	if cfg.Customer != "" {
		tags["customer"] = cfg.Customer
	}
	env, err := azenv.NewEnv(ctx, a.Location, cfg.Environment == "prod", tags)
	if err != nil {
		return nil, err
	}
	az.env = env
	// Every Azure resource is a child of a component created with this option, so each one
	// inherits the single explicit provider.
	prov := pulumi.Providers(env.Provider)

	az.net, err = network.NewAzure(ctx, "network", &network.AzureArgs{
		Location: a.Location, ResourceGroupName: az.names.ResourceGroup, VNetName: az.names.VNet,
		CIDR: a.VNetCIDR, PostgresZone: az.names.PostgresDNSZone, Tags: tags,
	}, prov)
	if err != nil {
		return nil, err
	}
	env.ResourceGroupName = az.net.ResourceGroup.Name
	az.vault, err = vault.NewAzure(ctx, "vault", &vault.AzureArgs{Env: env, Network: az.net, Name: az.names.KeyVault}, prov)
	if err != nil {
		return nil, err
	}
	ctx.Export("azureResourceGroup", az.net.ResourceGroup.Name)
	ctx.Export("keyVaultName", az.vault.Vault.Name)
	return az, nil
}

// provider is the option every Azure component is created with.
func (az *azureStack) provider() pulumi.ResourceOption { return pulumi.Providers(az.env.Provider) }

func (az *azureStack) cluster() *cluster.AzureArgs {
	if az == nil || az.cfg.Cluster.Mode != ModeProvision {
		return nil
	}
	k := az.cfg.Azure.AKS
	return &cluster.AzureArgs{
		Env: az.env, Network: az.net,
		Name: az.names.Cluster, DNSPrefix: az.names.DNSPrefix, IdentityName: az.names.ClusterIdentity,
		LogAnalyticsName: az.names.LogAnalytics, KubernetesVersion: k.KubernetesVersion,
		SystemPool: cluster.NodePool(k.SystemPool), UserPool: cluster.NodePool(k.UserPool),
		MaxSurge: k.MaxSurge, AdminGroupObjectIDs: az.cfg.Azure.AdminGroupObjectIDs,
		AuthorizedIPRanges: k.APIServerAuthorizedIPRanges,
	}
}

func (az *azureStack) postgres() *postgres.AzureArgs {
	if az == nil || az.cfg.Postgres.Mode != ModeProvision {
		return nil
	}
	p := az.cfg.Azure.Postgres
	return &postgres.AzureArgs{
		Env: az.env, Network: az.net, Vault: az.vault,
		ServerName: az.names.Postgres, DNSZone: az.names.PostgresDNSZone,
		SkuName: p.SkuName, SkuTier: p.SkuTier, StorageSizeGB: p.StorageSizeGB, Version: p.Version,
		BackupRetentionDays: p.BackupRetentionDays, Database: p.Database, AdminLogin: p.AdminLogin,
	}
}

func (az *azureStack) redis() *redis.AzureArgs {
	if az == nil || az.cfg.Redis.Mode != ModeProvision {
		return nil
	}
	r := az.cfg.Azure.Redis
	return &redis.AzureArgs{
		Env: az.env, Network: az.net, Vault: az.vault, Name: az.names.Redis,
		Sku: r.Sku, Family: r.Family, Capacity: *r.Capacity,
	}
}

func (az *azureStack) kafka() *kafka.AzureArgs {
	if az == nil || az.cfg.Kafka.Mode != ModeProvision {
		return nil
	}
	e := az.cfg.Azure.EventHubs
	return &kafka.AzureArgs{
		Env: az.env, Network: az.net, Vault: az.vault, Name: az.names.EventHubs,
		Sku: e.Sku, Capacity: e.Capacity, Partitions: e.Partitions, RetentionDays: e.RetentionDays,
	}
}

// SeedContainers are the blob containers of seed 001 (workfx.storage).
var SeedContainers = storage.BucketNames{
	Admin: "workfx-ai-admin", User: "workfx-ai-user", Public: "workfx-ai-public",
	Email: "workfx-ai-email", ToolsImage: "workfx-ai-tools-image",
}

func (az *azureStack) objectStorage() *storage.AzureArgs {
	if az == nil || az.cfg.ObjectStorage.Mode != ModeProvision {
		return nil
	}
	return &storage.AzureArgs{
		Env: az.env, Network: az.net, AccountName: az.names.StorageAccount,
		Sku: az.cfg.Azure.Storage.Sku, Containers: SeedContainers,
	}
}

// options returns the provider option for a component that is provisioned on Azure.
func (az *azureStack) options(provisioned bool) []pulumi.ResourceOption {
	if az == nil || !provisioned {
		return nil
	}
	return []pulumi.ResourceOption{az.provider()}
}

// bindIdentity federates the apps' ServiceAccounts to one user-assigned identity allowed to
// read the vault and use the storage account.
func (az *azureStack) bindIdentity(ctx *pulumi.Context, cl *cluster.Cluster) error {
	if az == nil || az.cfg.Cluster.Mode != ModeProvision {
		return nil
	}
	var sas []string
	for _, def := range appCatalog {
		if appEnabled(*def.config(az.cfg)) {
			sas = append(sas, def.Name)
		}
	}
	args := &vault.WorkloadIdentityArgs{
		Env: az.env, Name: az.names.WorkloadIdentity, Issuer: cl.OIDCIssuerURL,
		Namespace: az.cfg.Cluster.Namespace, ServiceAccounts: sas, Vault: az.vault,
	}
	if az.storage != nil {
		args.BlobScopes = append(args.BlobScopes, az.storage.Account().ID())
	}
	id, err := vault.NewWorkloadIdentity(ctx, "workload-identity", args, az.provider())
	az.identity = id
	return err
}

// bindWorkload makes an app's pods run as the workload identity.
func (az *azureStack) bindWorkload(spec *workload.Spec) {
	if az == nil || az.identity == nil {
		return
	}
	spec.ServiceAccountAnnotations = pulumi.StringMap{vault.ClientIDAnnotation: az.identity.ClientID}
	spec.PodLabels = kube.Merge(spec.PodLabels, map[string]string{vault.UseLabel: "true"})
}

// storeCredentials keeps the apps' own credentials (generated or given) in the vault next to
// the data services' ones; references to the customer's Secrets have no value to store.
func (az *azureStack) storeCredentials(ctx *pulumi.Context, args *secrets.Args) error {
	if az == nil {
		return nil
	}
	for _, c := range []struct {
		name string
		src  pulumi.StringOutput
	}{
		{"admin-jwt-key", args.JWT.AdminKey.Value},
		{"ai-jwt-key", args.JWT.AIKey.Value},
		{"data-secret", args.DataSecret.Value},
	} {
		if c.src.OutputState == nil {
			continue
		}
		if _, err := az.vault.Store(ctx, c.name, c.src); err != nil {
			return err
		}
	}
	return nil
}
