package stacks

import (
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
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
	tags := map[string]string{"app": "workfx-ai", "environment": cfg.Environment, "managed-by": "pulumi", "stack": ctx.Stack()}
	if cfg.Customer != "" {
		tags["customer"] = cfg.Customer
	}
	prodEnv := cfg.Environment == "prod"
	env, err := azenv.NewEnv(ctx, &azenv.EnvArgs{
		Location: a.Location, Prod: prodEnv, DeployerPrincipalType: a.DeployerPrincipalType,
		DeployerObjectID: a.DeployerObjectID, Zones: a.Zones, Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	// Global names are unique to this deployment: the subscription it goes to, the project and
	// the stack.
	a.ResolveSuffix(env.SubscriptionID, ctx.Project(), ctx.Stack())
	az := &azure{cfg: cfg, names: a.Names(), env: env}
	// Every Azure resource is a child of a component created with this option, so each one
	// inherits the single explicit provider.
	prov := az.provider()

	redisZone := network.ZoneManagedRedis
	if a.Redis.Kind == config.RedisClassic {
		redisZone = network.ZoneRedis
	}
	az.net, err = network.NewAzure(ctx, "network", &network.AzureArgs{
		Location: a.Location, ResourceGroupName: az.names.ResourceGroup, VNetName: az.names.VNet,
		CIDR: a.VNetCIDR, PostgresZone: az.names.PostgresDNSZone, RedisZone: redisZone,
		PublicIngressPorts: publicIngressPorts(cfg), Tags: tags,
	}, prov)
	if err != nil {
		return nil, err
	}
	env.ResourceGroupName, env.ResourceGroupID = az.net.ResourceGroup.Name, az.net.ResourceGroup.ID()
	if _, err := azenv.NewLogs(ctx, "logs", env, az.names.LogAnalytics, prov); err != nil {
		return nil, err
	}
	for _, subnet := range []string{"nodes", "postgres", "endpoints"} {
		nsg := az.net.SecurityGroups[subnet]
		if _, err := env.Diagnose(ctx, "nsg-"+subnet, nsg.ID().ToStringOutput(), azenv.Diagnostics{LogGroups: []string{"allLogs"}}, pulumi.Parent(az.net)); err != nil {
			return nil, err
		}
	}

	vaultName, err := az.vaultName(ctx)
	if err != nil {
		return nil, err
	}
	az.vault, err = vault.NewAzure(ctx, "vault", &vault.AzureArgs{Env: env, Network: az.net, Name: vaultName}, prov)
	if err != nil {
		return nil, err
	}
	ctx.Export("azureResourceGroup", az.net.ResourceGroup.Name)
	ctx.Export("keyVaultName", az.vault.Vault.Name)

	k := a.AKS
	az.cl, err = cluster.NewAzure(ctx, "cluster", &cluster.AzureArgs{
		Env: env, Network: az.net,
		Name: az.names.Cluster, DNSPrefix: az.names.DNSPrefix, IdentityName: az.names.ClusterIdentity,
		KubernetesVersion: k.KubernetesVersion, Maintenance: a.Maintenance,
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
				Maintenance: a.Maintenance,
			}, prov)
		}
	}
	if cfg.Redis.Mode == config.ModeProvision {
		p.redis = func() (*redis.Redis, error) {
			return redis.NewAzure(ctx, "redis", &redis.AzureArgs{
				Env: env, Network: az.net, Vault: az.vault, Name: az.names.Redis, Redis: a.Redis,
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

// vaultName is the Key Vault's global name. A deleted vault keeps its name for the soft-delete
// period (7 days in dev, 90 in prod), so a dev stack destroyed and created again would fail on
// its own old name. A dev vault's suffix is therefore random, kept in the state (stable across
// `up`s) and new after a destroy; the old vault purges itself. A prod vault keeps the
// deployment's suffix: it is protected and purge-protected, and a re-created prod stack recovers
// it (docs/azure.md).
func (az *azure) vaultName(ctx *pulumi.Context) (pulumi.StringInput, error) {
	if az.env.Prod {
		return pulumi.String(az.names.KeyVault), nil
	}
	fresh, err := random.NewRandomString(ctx, "vault-name-suffix", &random.RandomStringArgs{
		Length: pulumi.Int(len(az.names.KeyVault) - len(az.names.KeyVaultPrefix)),
		Upper:  pulumi.Bool(false), Special: pulumi.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return pulumi.Sprintf("%s%s", az.names.KeyVaultPrefix, fresh.Result), nil
}

// publicIngressPorts are the ports the Istio ingress gateway serves on a public load balancer,
// which the nodes' NSG must admit; none when the gateway is internal or not a LoadBalancer.
func publicIngressPorts(cfg *config.Config) []int {
	if cfg.Mesh.Mode != config.ModeProvision {
		return nil
	}
	g := cfg.Mesh.Provision.Gateway
	if g.ServiceType != "LoadBalancer" || (g.Internal != nil && *g.Internal) {
		return nil
	}
	return []int{80, 443}
}

// provider is the option every Azure component is created with.
func (az *azure) provider() pulumi.ResourceOption { return pulumi.Providers(az.env.Provider) }

func (az *azure) cluster() *cluster.Cluster   { return az.cl }
func (az *azure) dependencies() *dependencies { return az.deps }

// bindIdentity federates the apps' ServiceAccounts to one user-assigned identity allowed to use
// the storage account.
func (az *azure) bindIdentity(ctx *pulumi.Context, st *storage.Storage) error {
	var sas []string
	for _, def := range enabledApps(az.cfg) {
		sas = append(sas, def.Name)
	}
	args := &vault.WorkloadIdentityArgs{
		Env: az.env, Name: az.names.WorkloadIdentity, Issuer: az.cl.OIDCIssuerURL,
		Namespace: az.cfg.Cluster.Namespace, ServiceAccounts: sas,
	}
	if st != nil {
		args.BlobScopes = append(args.BlobScopes, st.Account.ID())
	}
	id, err := vault.NewWorkloadIdentity(ctx, "workload-identity", args, az.provider())
	az.workload = id
	return err
}

// identity makes an app's pods run as the workload identity, once its federated credentials
// and role assignments exist (a pod started before them fails its token exchange).
func (az *azure) identity(_ appDef, spec *workload.Spec) {
	spec.ServiceAccountAnnotations = pulumi.StringMap{vault.ClientIDAnnotation: az.workload.ClientID}
	spec.PodLabels = kube.Merge(spec.PodLabels, map[string]string{vault.UseLabel: "true"})
	spec.DependsOn = append(spec.DependsOn, az.workload.Ready...)
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
