package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 13, finding 2: a suffix from project and stack alone gave every team's `dev` the same
// global names; the subscription makes each deployment's names its own.
func TestAzureSuffixIsStablePerDeploymentAndUniqueAcrossSubscriptionsAndStacks(t *testing.T) {
	const teamA, teamB = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	a, again, otherTeam, otherStack := AzureConfig{}, AzureConfig{}, AzureConfig{}, AzureConfig{}
	a.ResolveSuffix(teamA, "workfx", "dev")
	again.ResolveSuffix(strings.ToUpper(teamA), "workfx", "dev")
	otherTeam.ResolveSuffix(teamB, "workfx", "dev")
	otherStack.ResolveSuffix(teamA, "workfx", "staging")
	assert.Equal(t, a.NameSuffix, again.NameSuffix, "stable across ups (ARM ids are case-insensitive)")
	assert.NotEqual(t, a.NameSuffix, otherTeam.NameSuffix, "another team's dev gets other global names")
	assert.NotEqual(t, a.NameSuffix, otherStack.NameSuffix)
	assert.Regexp(t, `^[a-z0-9]{6}$`, a.NameSuffix)

	given := AzureConfig{NameSuffix: "abc123"}
	given.ResolveSuffix(teamA, "workfx", "dev")
	assert.Equal(t, "abc123", given.NameSuffix, "an explicit suffix wins")
}

func TestAzureDefaultNamesFitAzureLimits(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		cfg := &Config{Environment: env, Cloud: "azure"}
		cfg.applyAzureDefaults()
		cfg.Azure.ResolveSuffix("00000000-0000-0000-0000-000000000000", "workfx", env)
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
	assert.Equal(t, RedisManaged, dev.Azure.Redis.Kind, "Azure Managed Redis unless a stack opts into the classic cache")
	assert.Equal(t, "Balanced_B0", dev.Azure.Redis.Sku)
	assert.False(t, *dev.Azure.Redis.HighAvailability)
	assert.Equal(t, "Balanced_B5", prod.Azure.Redis.Sku)
	assert.True(t, *prod.Azure.Redis.HighAvailability)
	assert.Nil(t, prod.Azure.Redis.Capacity, "classic sizing stays unset")
	classic := &Config{Environment: "prod", Azure: AzureConfig{Redis: AzureRedisConfig{Kind: RedisClassic}}}
	classic.applyAzureDefaults()
	assert.Equal(t, "Premium", classic.Azure.Redis.Sku)
	assert.Equal(t, "P", classic.Azure.Redis.Family)
	assert.Equal(t, 1, *classic.Azure.Redis.Capacity)
	assert.Empty(t, dev.Azure.Zones)
	assert.Equal(t, []string{"1", "2", "3"}, prod.Azure.Zones)
	assert.Equal(t, "Sunday", prod.Azure.Maintenance.DayOfWeek)
	assert.Equal(t, "Standard_ZRS", prod.Azure.Storage.Sku)
	assert.GreaterOrEqual(t, prod.Azure.AKS.SystemPool.MinCount, 2)
}

// Pulumi.dev.yaml's deployer is the nil GUID, a placeholder only its operator can fill in: it
// plans, but preview and up refuse it naming the key (config.DeployBlockers), like prod's AWS
// placeholders. A real object id is no blocker.
func TestPlaceholderDeployerObjectIDIsADeployBlocker(t *testing.T) {
	sf, err := ReadStackFile("..", filepath.Join("..", "Pulumi.dev.yaml"))
	require.NoError(t, err)
	cfg, err := Load(sf.Raw)
	require.NoError(t, err)
	blockers := cfg.DeployBlockers()
	require.Len(t, blockers, 1)
	assert.Equal(t, "workfx:azure.deployerObjectId", blockers[0].Key)

	cfg.Azure.DeployerObjectID = "3b6f2c8e-1d4a-4f7b-9e2c-5a8d0f1e6b27"
	assert.Empty(t, cfg.DeployBlockers())
}
