package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/kube"
	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/storage"
	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/components/workload"
	"github.com/workfx/workfx-platform/config"
)

// azure is the Azure platform: one explicit azure-native provider, the resource group and VNet,
// Key Vault, AKS, the provisioned data services (the others are the customer's), and one
// workload identity federated to the apps' ServiceAccounts.
type azure struct {
	cfg      *config.Config
	names    config.AzureNames
	env      *azenv.Env
	net      *network.Azure
	vault    *vault.Azure
	cl       *cluster.Cluster
	deps     *dependencies
	workload *vault.WorkloadIdentity
}

func newAzure(ctx *pulumi.Context, cfg *config.Config) (*azure, error) {
	a := cfg.Azure
	a.ResolveSuffix(ctx.Project(), ctx.Stack())
	az := &azure{cfg: cfg, names: a.Names()}
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
	prov := az.provider()

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

	k := a.AKS
	az.cl, err = cluster.NewAzure(ctx, "cluster", &cluster.AzureArgs{
		Env: env, Network: az.net,
		Name: az.names.Cluster, DNSPrefix: az.names.DNSPrefix, IdentityName: az.names.ClusterIdentity,
		LogAnalyticsName: az.names.LogAnalytics, KubernetesVersion: k.KubernetesVersion,
		SystemPool: k.SystemPool, UserPool: k.UserPool,
		MaxSurge: k.MaxSurge, AdminGroupObjectIDs: a.AdminGroupObjectIDs,
		AuthorizedIPRanges: k.APIServerAuthorizedIPRanges,
	}, prov)
	if err != nil {
		return nil, err
	}

	var account *storage.Storage
	p := provisioners{}
	if cfg.Postgres.Mode == config.ModeProvision {
		pg := a.Postgres
		p.postgres = func() (*postgres.Postgres, error) {
			return postgres.NewAzure(ctx, "postgres", &postgres.AzureArgs{
				Env: env, Network: az.net, Vault: az.vault,
				ServerName: az.names.Postgres, DNSZone: az.names.PostgresDNSZone,
				SkuName: pg.SkuName, SkuTier: pg.SkuTier, StorageSizeGB: pg.StorageSizeGB, Version: pg.Version,
				BackupRetentionDays: pg.BackupRetentionDays, Database: pg.Database, AdminLogin: pg.AdminLogin,
			}, prov)
		}
	}
	if cfg.Redis.Mode == config.ModeProvision {
		r := a.Redis
		p.redis = func() (*redis.Redis, error) {
			return redis.NewAzure(ctx, "redis", &redis.AzureArgs{
				Env: env, Network: az.net, Vault: az.vault, Name: az.names.Redis,
				Sku: r.Sku, Family: r.Family, Capacity: *r.Capacity,
			}, prov)
		}
	}
	if cfg.Kafka.Mode == config.ModeProvision {
		e := a.EventHubs
		p.kafka = func() (*kafka.Kafka, error) {
			return kafka.NewAzure(ctx, "kafka", &kafka.AzureArgs{
				Use: kafkaUse(cfg), Env: env, Network: az.net, Vault: az.vault, Name: az.names.EventHubs,
				Sku: e.Sku, Capacity: e.Capacity, Partitions: e.Partitions, RetentionDays: e.RetentionDays,
			}, prov)
		}
	}
	if cfg.ObjectStorage.Mode == config.ModeProvision {
		p.storage = func() (*storage.Storage, error) {
			st, err := storage.NewAzure(ctx, "object-storage", &storage.AzureArgs{
				Env: env, Network: az.net, AccountName: az.names.StorageAccount,
				Sku: a.Storage.Sku, Containers: config.SeedBuckets,
			}, prov)
			account = st
			return st, err
		}
	}
	if az.deps, err = newDependencies(ctx, cfg, p); err != nil {
		return nil, err
	}
	if err := az.bindIdentity(ctx, account); err != nil {
		return nil, err
	}
	return az, nil
}

// provider is the option every Azure component is created with.
func (az *azure) provider() pulumi.ResourceOption { return pulumi.Providers(az.env.Provider) }

func (az *azure) cluster() *cluster.Cluster   { return az.cl }
func (az *azure) dependencies() *dependencies { return az.deps }

// bindIdentity federates the apps' ServiceAccounts to one user-assigned identity allowed to
// read the vault and use the storage account.
func (az *azure) bindIdentity(ctx *pulumi.Context, st *storage.Storage) error {
	var sas []string
	for _, def := range enabledApps(az.cfg) {
		sas = append(sas, def.Name)
	}
	args := &vault.WorkloadIdentityArgs{
		Env: az.env, Name: az.names.WorkloadIdentity, Issuer: az.cl.OIDCIssuerURL,
		Namespace: az.cfg.Cluster.Namespace, ServiceAccounts: sas, Vault: az.vault,
	}
	if st != nil {
		args.BlobScopes = append(args.BlobScopes, st.Account.ID())
	}
	id, err := vault.NewWorkloadIdentity(ctx, "workload-identity", args, az.provider())
	az.workload = id
	return err
}

// identity makes an app's pods run as the workload identity.
func (az *azure) identity(_ appDef, spec *workload.Spec) {
	spec.ServiceAccountAnnotations = pulumi.StringMap{vault.ClientIDAnnotation: az.workload.ClientID}
	spec.PodLabels = kube.Merge(spec.PodLabels, map[string]string{vault.UseLabel: "true"})
}

// cloudEndpoints: the workload identity's token endpoint (Entra ID: the azure-workload-identity
// webhook sets AZURE_AUTHORITY_HOST to https://login.microsoftonline.com/, and storage accepts
// Entra tokens only, shared keys being off) and the Key Vault it may read. The storage account,
// Postgres, Redis and Event Hubs are declared with the data services.
func (az *azure) cloudEndpoints() []mesh.External {
	return []mesh.External{
		{Name: "entra-id", Endpoints: pulumi.String("login.microsoftonline.com:443"), TLS: true},
		{Name: "key-vault", Endpoints: pulumi.String(az.names.KeyVault + ".vault.azure.net:443"), TLS: true},
	}
}

// storeCredentials keeps the apps' own credentials (generated or given) in the vault next to
// the data services' ones; references to the customer's Secrets have no value to store.
func (az *azure) storeCredentials(ctx *pulumi.Context, args *secrets.Args) error {
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

// inCluster: the Azure backends need nothing in the cluster before the apps.
func (az *azure) inCluster(*pulumi.Context, *inClusterArgs) ([]pulumi.Resource, error) {
	return nil, nil
}
