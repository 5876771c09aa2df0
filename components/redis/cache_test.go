package redis_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/internal/plan"
)

func TestCacheRegistersByTypeTokenWithWireNames(t *testing.T) {
	sc, err := plan.FromValues("workfx", "unit", map[string]any{})
	require.NoError(t, err)
	p, err := plan.Run(sc, func(ctx *pulumi.Context) error {
		_, err := redis.NewCache(ctx, "redis", &redis.CacheArgs{
			ResourceGroupName: pulumi.String("rg"),
			Name:              pulumi.String("cache-abc123"),
			Location:          pulumi.String("westeurope"),
			Sku:               pulumi.Map{"name": pulumi.String("Premium"), "family": pulumi.String("P"), "capacity": pulumi.Int(1)},
			EnableNonSslPort:  pulumi.Bool(false),
			MinimumTlsVersion: pulumi.String("1.2"),
			Zones:             pulumi.ToStringArray([]string{"1", "2"}),
			ReplicasPerMaster: pulumi.Int(1),
		})
		return err
	}, nil)
	require.NoError(t, err)
	r := p.Find("azure-native:cache:Redis", "redis")
	require.NotNil(t, r)
	for path, want := range map[string]any{
		"name": "cache-abc123", "resourceGroupName": "rg", "sku.name": "Premium", "sku.family": "P",
		"enableNonSslPort": false, "minimumTlsVersion": "1.2", "replicasPerMaster": int64(1),
	} {
		got, _ := r.Input(path)
		assert.Equal(t, want, got, path)
	}
	zones, _ := r.Input("zones")
	assert.Equal(t, []any{"1", "2"}, zones)
	_, hasVersion := r.Inputs(true)["redisVersion"]
	assert.False(t, hasVersion, "unset inputs are not sent")
}
