package redis

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The azure-native cache submodule is not available to this build, so the classic Azure Cache
// for Redis (workfx:azure.redis.kind classic; Azure Managed Redis is in managed.go) is
// registered by its type token with the few properties this program sets (names and shapes of
// azure-native.cache.Redis at the v2 provider's default API version, 2023-04-01). The explicit azure-native
// provider resolves it like any generated resource.
const cacheType = "azure-native:cache:Redis"

type cacheArgs struct {
	ResourceGroupName   string            `pulumi:"resourceGroupName"`
	Name                string            `pulumi:"name"`
	Location            string            `pulumi:"location"`
	Sku                 map[string]any    `pulumi:"sku"`
	EnableNonSslPort    bool              `pulumi:"enableNonSslPort"`
	MinimumTlsVersion   string            `pulumi:"minimumTlsVersion"`
	PublicNetworkAccess string            `pulumi:"publicNetworkAccess"`
	RedisVersion        string            `pulumi:"redisVersion"`
	Zones               []string          `pulumi:"zones"`
	ReplicasPerMaster   *int              `pulumi:"replicasPerMaster"`
	Tags                map[string]string `pulumi:"tags"`
}

// CacheArgs are the inputs of an Azure Cache for Redis.
type CacheArgs struct {
	ResourceGroupName pulumi.StringInput
	Name              pulumi.StringInput
	Location          pulumi.StringInput
	// Sku is {name: Basic|Standard|Premium, family: C|P, capacity}.
	Sku                 pulumi.MapInput
	EnableNonSslPort    pulumi.BoolInput
	MinimumTlsVersion   pulumi.StringInput
	PublicNetworkAccess pulumi.StringInput
	RedisVersion        pulumi.StringInput
	Zones               pulumi.StringArrayInput
	ReplicasPerMaster   pulumi.IntPtrInput
	Tags                pulumi.StringMapInput
}

// ElementType ties the inputs to their wire names.
func (CacheArgs) ElementType() reflect.Type { return reflect.TypeOf((*cacheArgs)(nil)).Elem() }

// Cache is the registered resource and the outputs this program reads.
type Cache struct {
	pulumi.CustomResourceState
	Name     pulumi.StringOutput `pulumi:"name"`
	HostName pulumi.StringOutput `pulumi:"hostName"`
	SslPort  pulumi.IntOutput    `pulumi:"sslPort"`
}

// NewCache registers an Azure Cache for Redis.
func NewCache(ctx *pulumi.Context, name string, args *CacheArgs, opts ...pulumi.ResourceOption) (*Cache, error) {
	var c Cache
	if err := ctx.RegisterResource(cacheType, name, args, &c, opts...); err != nil {
		return nil, err
	}
	return &c, nil
}

type listKeysArgs struct {
	ResourceGroupName string `pulumi:"resourceGroupName"`
	Name              string `pulumi:"name"`
}

// ListKeys returns the cache's primary access key as a secret (azure-native:cache:listRedisKeys).
func (c *Cache) ListKeys(ctx *pulumi.Context, resourceGroup pulumi.StringOutput, provider pulumi.ProviderResource) pulumi.StringOutput {
	return primaryKey(ctx, "azure-native:cache:listRedisKeys", c, provider,
		pulumi.All(resourceGroup, c.Name).ApplyT(func(v []any) listKeysArgs {
			return listKeysArgs{ResourceGroupName: v[0].(string), Name: v[1].(string)}
		}))
}

// primaryKey invokes a list-keys function once the resource it reads exists. The invoke
// depends on the resource, so in a preview where the resource is still to be created (its id
// unknown) the key stays unknown instead of the lookup failing with 404 on a name the
// provider already knows (issue 13, finding 4).
func primaryKey(ctx *pulumi.Context, token string, of pulumi.CustomResource, provider pulumi.ProviderResource, args pulumi.Output) pulumi.StringOutput {
	keys := args.ApplyT(func(a any) pulumi.StringMapOutput {
		return ctx.InvokeOutput(token, a, pulumi.StringMapOutput{}, pulumi.InvokeOutputOptions{
			InvokeOptions: []pulumi.InvokeOption{pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{of})},
		}).(pulumi.StringMapOutput)
	}).(pulumi.StringMapOutput)
	return pulumi.ToSecret(keys.MapIndex(pulumi.String("primaryKey"))).(pulumi.StringOutput)
}
