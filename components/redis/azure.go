package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AzureArgs size Azure Cache for Redis.
type AzureArgs struct {
	Env      *azenv.Env
	Network  *network.Azure
	Vault    *vault.Azure
	Name     string
	Sku      string // Basic, Standard or Premium
	Family   string // C (Basic/Standard) or P (Premium)
	Capacity int
}

// tlsPort is the only port left open: the non-TLS port 6379 is disabled.
const tlsPort = 6380

// NewAzure provisions the cache (TLS only, private endpoint) and keeps its access key in Key
// Vault.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Redis, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)
	args := &CacheArgs{
		ResourceGroupName: e.ResourceGroupName,
		Name:              pulumi.String(a.Name),
		Location:          pulumi.String(e.Location),
		Sku: pulumi.Map{
			"name":     pulumi.String(a.Sku),
			"family":   pulumi.String(a.Family),
			"capacity": pulumi.Int(a.Capacity),
		},
		EnableNonSslPort:    pulumi.Bool(false),
		MinimumTlsVersion:   pulumi.String("1.2"),
		PublicNetworkAccess: pulumi.String("Disabled"),
		RedisVersion:        pulumi.String("6"),
		Tags:                e.TagMap(),
	}
	if e.Prod {
		// Premium spreads primary and replica over two zones.
		args.Zones = pulumi.ToStringArray([]string{"1", "2"})
		args.ReplicasPerMaster = pulumi.Int(1)
	}
	cache, err := NewCache(ctx, "redis", args, append([]pulumi.ResourceOption{child}, e.Stateful()...)...)
	if err != nil {
		return nil, err
	}
	if _, err := a.Network.PrivateEndpoint(ctx, "redis", cache.ID(), "redisCache", network.ZoneRedis, child); err != nil {
		return nil, err
	}
	key := ListKeys(ctx, e.ResourceGroupName, cache.Name, pulumi.Provider(e.Provider))
	if _, err := a.Vault.Store(ctx, "redis-access-key", key); err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		Host:     cache.HostName,
		Port:     tlsPort,
		DB:       0,
		TLS:      true,
		Password: credential.FromOutput(key),
	}
	return c.done(ctx)
}
