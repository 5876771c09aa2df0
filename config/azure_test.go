package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAzureSuffixIsStablePerStackAndUniqueAcrossStacks(t *testing.T) {
	a, b, c := AzureConfig{}, AzureConfig{}, AzureConfig{}
	a.ResolveSuffix("workfx", "dev")
	b.ResolveSuffix("workfx", "dev")
	c.ResolveSuffix("workfx", "staging")
	assert.Equal(t, a.NameSuffix, b.NameSuffix)
	assert.NotEqual(t, a.NameSuffix, c.NameSuffix)
	assert.Regexp(t, `^[a-z0-9]{6}$`, a.NameSuffix)

	given := AzureConfig{NameSuffix: "abc123"}
	given.ResolveSuffix("workfx", "dev")
	assert.Equal(t, "abc123", given.NameSuffix, "an explicit suffix wins")
}

func TestAzureDefaultNamesFitAzureLimits(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		cfg := &Config{Environment: env, Cloud: "azure"}
		cfg.applyAzureDefaults()
		cfg.Azure.ResolveSuffix("workfx", env)
		n := cfg.Azure.Names()
		assert.LessOrEqual(t, len(n.KeyVault), 24, n.KeyVault)
		assert.LessOrEqual(t, len(n.StorageAccount), 24, n.StorageAccount)
		assert.Regexp(t, `^[a-z0-9]{3,24}$`, n.StorageAccount)
		assert.Regexp(t, `^[a-z][a-z0-9-]{2,23}$`, n.KeyVault)
		p := &problems{}
		cfg.validateAzureNames(p, n)
		assert.Empty(t, p.list, env)
	}
}

func TestAzureDefaultsFollowTheEnvironment(t *testing.T) {
	dev := &Config{Environment: "dev"}
	dev.applyAzureDefaults()
	prod := &Config{Environment: "prod"}
	prod.applyAzureDefaults()
	assert.Equal(t, "Burstable", dev.Azure.Postgres.SkuTier)
	assert.Equal(t, "GeneralPurpose", prod.Azure.Postgres.SkuTier)
	assert.Equal(t, "Basic", dev.Azure.Redis.Sku)
	assert.Equal(t, "Premium", prod.Azure.Redis.Sku)
	assert.Equal(t, "P", prod.Azure.Redis.Family)
	assert.Equal(t, 1, *prod.Azure.Redis.Capacity)
	assert.Equal(t, "Standard_ZRS", prod.Azure.Storage.Sku)
	assert.GreaterOrEqual(t, prod.Azure.AKS.SystemPool.MinCount, 2)
}
