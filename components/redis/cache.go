package redis

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The azure-native cache submodule is not available to this build, so Azure Cache for Redis is
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

type listKeysResult struct {
	PrimaryKey string `pulumi:"primaryKey"`
}

// ListKeys returns the cache's primary access key as a secret.
func ListKeys(ctx *pulumi.Context, resourceGroup, name pulumi.StringOutput, opts ...pulumi.InvokeOption) pulumi.StringOutput {
	key := pulumi.All(resourceGroup, name).ApplyT(func(v []any) (string, error) {
		var out listKeysResult
		err := ctx.Invoke("azure-native:cache:listRedisKeys", &listKeysArgs{ResourceGroupName: v[0].(string), Name: v[1].(string)}, &out, opts...)
		return out.PrimaryKey, err
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(key).(pulumi.StringOutput)
}
