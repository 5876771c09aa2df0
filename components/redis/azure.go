package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/config"
)

// AzureArgs size Redis on Azure: Azure Managed Redis, or the classic Azure Cache for Redis when
// the stack opts into it (workfx:azure.redis.kind).
type AzureArgs struct {
	Env     *azenv.Env
	Network *network.Azure
	Vault   *vault.Azure
	Name    string
	Redis   config.AzureRedisConfig
}

const (
	// managedPort is Azure Managed Redis's TLS endpoint (the database's port).
	managedPort = 10000
	// classicTLSPort is the classic cache's only open port: the non-TLS port 6379 is disabled.
	classicTLSPort = 6380
)

// NewAzure provisions Redis (TLS only, private endpoint, diagnostics) and keeps its access key in
// Key Vault. The endpoint the apps read has the same shape whichever kind it is.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Redis, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	if a.Redis.Kind == config.RedisClassic {
		err = c.classic(ctx, a)
	} else {
		err = c.managed(ctx, a)
	}
	if err != nil {
		return nil, err
	}
	return c.done(ctx)
}

// managed is Azure Managed Redis: one instance with its one database ("default"), reached on
// port 10000 with TLS and the database's access key.
func (c *Redis) managed(ctx *pulumi.Context, a *AzureArgs) error {
	e := a.Env
	child := pulumi.Parent(c)
	ha := "Disabled"
	if *a.Redis.HighAvailability {
		ha = "Enabled"
	}
	cluster, err := NewManagedRedis(ctx, "redis", &ManagedRedisArgs{
		ResourceGroupName: e.ResourceGroupName,
		ClusterName:       pulumi.String(a.Name),
		Location:          pulumi.String(e.Location),
		Sku:               pulumi.Map{"name": pulumi.String(a.Redis.Sku)},
		HighAvailability:  pulumi.String(ha),
		MinimumTlsVersion: pulumi.String("1.2"),
		Zones:             e.ZoneArray(),
		Tags:              e.TagMap(),
	}, append([]pulumi.ResourceOption{child}, e.Stateful()...)...)
	if err != nil {
		return err
	}
	db, err := NewManagedRedisDatabase(ctx, "redis", &ManagedRedisDatabaseArgs{
		ResourceGroupName:        e.ResourceGroupName,
		ClusterName:              cluster.Name,
		DatabaseName:             pulumi.String(managedRedisDatabaseName),
		ClientProtocol:           pulumi.String("Encrypted"),
		Port:                     pulumi.Int(managedPort),
		ClusteringPolicy:         pulumi.String("EnterpriseCluster"),
		EvictionPolicy:           pulumi.String("VolatileLRU"),
		AccessKeysAuthentication: pulumi.String("Enabled"),
	}, append([]pulumi.ResourceOption{child}, e.Stateful()...)...)
	if err != nil {
		return err
	}
	// The apps reach the instance through this private endpoint. API 2025-04-01 has no
	// publicNetworkAccess, and 2025-07-01 sets it only at creation, so this instance's public
	// endpoint cannot be switched off later (docs/azure.md, "Known limits").
	if _, err := a.Network.PrivateEndpoint(ctx, "redis", cluster.ID(), "redisEnterprise", network.ZoneManagedRedis, child); err != nil {
		return err
	}
	if _, err := e.Diagnose(ctx, "redis", cluster.ID().ToStringOutput(), azenv.Diagnostics{AllMetrics: true}, child); err != nil {
		return err
	}
	if _, err := e.Diagnose(ctx, "redis-database", db.ID().ToStringOutput(), azenv.Diagnostics{LogGroups: []string{"allLogs"}}, child); err != nil {
		return err
	}
	key := db.ListKeys(ctx, e.ResourceGroupName, cluster.Name, e.Provider)
	if _, err := a.Vault.Store(ctx, "redis-access-key", key); err != nil {
		return err
	}
	c.Endpoint = Endpoint{Host: cluster.HostName, Port: managedPort, DB: 0, TLS: true, Password: credential.FromOutput(key)}
	return nil
}

// classic is Azure Cache for Redis (being retired; only when the stack asks for it).
func (c *Redis) classic(ctx *pulumi.Context, a *AzureArgs) error {
	e := a.Env
	child := pulumi.Parent(c)
	args := &CacheArgs{
		ResourceGroupName: e.ResourceGroupName,
		Name:              pulumi.String(a.Name),
		Location:          pulumi.String(e.Location),
		Sku: pulumi.Map{
			"name":     pulumi.String(a.Redis.Sku),
			"family":   pulumi.String(a.Redis.Family),
			"capacity": pulumi.Int(*a.Redis.Capacity),
		},
		EnableNonSslPort:    pulumi.Bool(false),
		MinimumTlsVersion:   pulumi.String("1.2"),
		PublicNetworkAccess: pulumi.String("Disabled"),
		RedisVersion:        pulumi.String("6"),
		Tags:                e.TagMap(),
	}
	if a.Redis.Sku == "Premium" && len(e.Zones) > 1 {
		// Premium spreads the primary and its replicas over the zones, one node per zone:
		// Azure needs at least as many nodes as zones, so zones−1 replicas (PSRule
		// Azure.Redis.AvailabilityZone: "Set Properties.replicasPerMaster to number of zones - 1").
		args.Zones = pulumi.ToStringArray(e.Zones)
		args.ReplicasPerMaster = pulumi.Int(classicReplicasForZones(len(e.Zones)))
	}
	cache, err := NewCache(ctx, "redis", args, append([]pulumi.ResourceOption{child}, e.Stateful()...)...)
	if err != nil {
		return err
	}
	if _, err := a.Network.PrivateEndpoint(ctx, "redis", cache.ID(), "redisCache", network.ZoneRedis, child); err != nil {
		return err
	}
	if _, err := e.Diagnose(ctx, "redis", cache.ID().ToStringOutput(), azenv.AllLogsAndMetrics, child); err != nil {
		return err
	}
	key := cache.ListKeys(ctx, e.ResourceGroupName, e.Provider)
	if _, err := a.Vault.Store(ctx, "redis-access-key", key); err != nil {
		return err
	}
	c.Endpoint = Endpoint{Host: cache.HostName, Port: classicTLSPort, DB: 0, TLS: true, Password: credential.FromOutput(key)}
	return nil
}

// classicReplicasForZones is the classic Premium cache's replicas per primary that puts one node
// in each of n zones.
func classicReplicasForZones(n int) int { return n - 1 }
