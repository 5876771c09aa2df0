package redis

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Azure Managed Redis (Microsoft.Cache/redisEnterprise and its databases) at API 2025-04-01,
// the first GA API of Azure Managed Redis (the v2 provider's default for cache:RedisEnterprise,
// 2023-03-01-preview, predates it and knows no highAvailability). The cache submodule is not
// served to this build, so both are registered by type token with the properties this program
// sets. Property names and values are those of the azure-native registry docs for
// azure-native.cache.RedisEnterprise / Database (v2.90.0 lists 2025-04-01 among their API
// versions) and of the REST API reference: "Redis Enterprise - Create" (api-version=2025-04-01:
// location, sku, zones, tags, properties.highAvailability, properties.minimumTlsVersion) and
// "Databases - Create" (properties.clientProtocol, port, clusteringPolicy, evictionPolicy,
// accessKeysAuthentication, default Disabled). The provider flattens "properties".
const (
	managedRedisType         = "azure-native:cache/v20250401:RedisEnterprise"
	managedRedisDatabaseType = "azure-native:cache/v20250401:Database"
	managedRedisListKeys     = "azure-native:cache/v20250401:listDatabaseKeys"
	// managedRedisDatabaseName is the only database name Azure Managed Redis accepts. The
	// Database's output "name" is ARM's "<cluster>/default" (RedisEnterpriseDatabasesGet.json
	// at 2025-04-01), so lookups take this literal, not that output.
	managedRedisDatabaseName = "default"
)

type managedRedisArgs struct {
	ResourceGroupName string            `pulumi:"resourceGroupName"`
	ClusterName       string            `pulumi:"clusterName"`
	Location          string            `pulumi:"location"`
	Sku               map[string]any    `pulumi:"sku"`
	HighAvailability  string            `pulumi:"highAvailability"`
	MinimumTlsVersion string            `pulumi:"minimumTlsVersion"`
	Zones             []string          `pulumi:"zones"`
	Tags              map[string]string `pulumi:"tags"`
}

// ManagedRedisArgs are the inputs of an Azure Managed Redis instance.
type ManagedRedisArgs struct {
	ResourceGroupName pulumi.StringInput
	ClusterName       pulumi.StringInput
	Location          pulumi.StringInput
	// Sku is {name: Balanced_B0, …}; Azure Managed Redis takes no capacity.
	Sku pulumi.MapInput
	// HighAvailability is Enabled (a replica, the SLA) or Disabled.
	HighAvailability  pulumi.StringInput
	MinimumTlsVersion pulumi.StringInput
	Zones             pulumi.StringArrayInput
	Tags              pulumi.StringMapInput
}

// ElementType ties the inputs to their wire names.
func (ManagedRedisArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*managedRedisArgs)(nil)).Elem()
}

// ManagedRedis is the registered instance and the outputs this program reads.
type ManagedRedis struct {
	pulumi.CustomResourceState
	Name pulumi.StringOutput `pulumi:"name"`
	// HostName is <name>.<region>.redis.azure.net.
	HostName pulumi.StringOutput `pulumi:"hostName"`
}

// NewManagedRedis registers an Azure Managed Redis instance.
func NewManagedRedis(ctx *pulumi.Context, name string, args *ManagedRedisArgs, opts ...pulumi.ResourceOption) (*ManagedRedis, error) {
	var r ManagedRedis
	if err := ctx.RegisterResource(managedRedisType, name, args, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}

type managedRedisDatabaseArgs struct {
	ResourceGroupName        string `pulumi:"resourceGroupName"`
	ClusterName              string `pulumi:"clusterName"`
	DatabaseName             string `pulumi:"databaseName"`
	ClientProtocol           string `pulumi:"clientProtocol"`
	Port                     int    `pulumi:"port"`
	ClusteringPolicy         string `pulumi:"clusteringPolicy"`
	EvictionPolicy           string `pulumi:"evictionPolicy"`
	AccessKeysAuthentication string `pulumi:"accessKeysAuthentication"`
}

// ManagedRedisDatabaseArgs are the inputs of the instance's database.
type ManagedRedisDatabaseArgs struct {
	ResourceGroupName pulumi.StringInput
	ClusterName       pulumi.StringInput
	// DatabaseName must be "default", the only name Azure Managed Redis accepts.
	DatabaseName pulumi.StringInput
	// ClientProtocol is Encrypted (TLS only) or Plaintext.
	ClientProtocol pulumi.StringInput
	Port           pulumi.IntInput
	// ClusteringPolicy EnterpriseCluster serves one endpoint to clients that are not
	// cluster-aware; OSSCluster (Azure's default) needs cluster-aware clients.
	ClusteringPolicy pulumi.StringInput
	EvictionPolicy   pulumi.StringInput
	// AccessKeysAuthentication Enabled lets clients sign in with the access key.
	AccessKeysAuthentication pulumi.StringInput
}

// ElementType ties the inputs to their wire names.
func (ManagedRedisDatabaseArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*managedRedisDatabaseArgs)(nil)).Elem()
}

// ManagedRedisDatabase is the registered database and the outputs this program reads.
type ManagedRedisDatabase struct {
	pulumi.CustomResourceState
	// Name is ARM's "<cluster>/default", not the database name.
	Name pulumi.StringOutput `pulumi:"name"`
	Port pulumi.IntOutput    `pulumi:"port"`
}

// NewManagedRedisDatabase registers the database of an Azure Managed Redis instance.
func NewManagedRedisDatabase(ctx *pulumi.Context, name string, args *ManagedRedisDatabaseArgs, opts ...pulumi.ResourceOption) (*ManagedRedisDatabase, error) {
	var d ManagedRedisDatabase
	if err := ctx.RegisterResource(managedRedisDatabaseType, name, args, &d, opts...); err != nil {
		return nil, err
	}
	return &d, nil
}

type listDatabaseKeysArgs struct {
	ResourceGroupName string `pulumi:"resourceGroupName"`
	ClusterName       string `pulumi:"clusterName"`
	DatabaseName      string `pulumi:"databaseName"`
}

// ListKeys returns the database's primary access key as a secret, once the database exists
// (the lookup depends on d, whose id is unknown until it is created).
func (d *ManagedRedisDatabase) ListKeys(ctx *pulumi.Context, resourceGroup, clusterName pulumi.StringOutput, provider pulumi.ProviderResource) pulumi.StringOutput {
	return primaryKey(ctx, managedRedisListKeys, d, provider,
		pulumi.All(resourceGroup, clusterName).ApplyT(func(v []any) listDatabaseKeysArgs {
			return listDatabaseKeysArgs{ResourceGroupName: v[0].(string), ClusterName: v[1].(string), DatabaseName: managedRedisDatabaseName}
		}))
}
