package tests

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
)

const (
	azureProvider  = "pulumi:providers:azure-native"
	managedCluster = "azure-native:containerservice:ManagedCluster"
	pgServer       = "azure-native:dbforpostgresql/v20230601preview:Server"
	redisCache     = "azure-native:cache:Redis"
	keyVault       = "azure-native:keyvault:Vault"
	storageAccount = "azure-native:storage:StorageAccount"
	ehNamespace    = "azure-native:eventhub:Namespace"
)

var (
	azureDev  = func(t *testing.T) *plan.Plan { return planFile(t, "dev", "../Pulumi.dev.yaml") }
	azureProd = func(t *testing.T) *plan.Plan {
		return planFile(t, "azure-prod", "testdata/stacks/azure-prod.yaml")
	}
)

// one returns the only resource of a type.
func one(t *testing.T, p *plan.Plan, typ string) *plan.Resource {
	t.Helper()
	rs := p.ByType(typ)
	require.Len(t, rs, 1, "resources of type %s", typ)
	return rs[0]
}

// secretAt reports whether the input at path is secret, itself or through a secret ancestor.
func secretAt(r *plan.Resource, path string) bool {
	for _, s := range r.SecretInputs {
		if s == path || strings.HasPrefix(path, s+".") {
			return true
		}
	}
	return false
}

func in(r *plan.Resource, path string) any {
	v, _ := r.Input(path)
	return v
}

func TestAzureDevProvisionsEverySecurityRelevantInput(t *testing.T) {
	p := azureDev(t)

	t.Run("postgres", func(t *testing.T) {
		srv := one(t, p, pgServer)
		assert.Equal(t, "16", in(srv, "version"))
		assert.Equal(t, "Burstable", in(srv, "sku.tier"))
		assert.Equal(t, "Standard_B1ms", in(srv, "sku.name"))
		assert.NotEmpty(t, in(srv, "network.delegatedSubnetResourceId"), "VNet-integrated: no public endpoint")
		assert.NotEmpty(t, in(srv, "network.privateDnsZoneArmResourceId"))
		assert.Equal(t, "Disabled", in(srv, "highAvailability.mode"))
		assert.Equal(t, "Disabled", in(srv, "backup.geoRedundantBackup"))
		assert.False(t, srv.Protect)

		ext := p.Find("azure-native:dbforpostgresql:Configuration", "azure.extensions")
		require.NotNil(t, ext)
		assert.Contains(t, strings.Split(ext.Str("value"), ","), "VECTOR", "pgvector (seed 001) must be allow-listed")
		tls := p.Find("azure-native:dbforpostgresql:Configuration", "require_secure_transport")
		require.NotNil(t, tls)
		assert.Equal(t, "ON", tls.Str("value"))
		db := one(t, p, "azure-native:dbforpostgresql:Database")
		assert.Equal(t, "workfx_ai", db.Str("databaseName"))

		sub := p.Find("azure-native:network:Subnet", "postgres")
		require.NotNil(t, sub)
		assert.Equal(t, "Microsoft.DBforPostgreSQL/flexibleServers", in(sub, "delegations").([]any)[0].(map[string]any)["serviceName"])
	})

	t.Run("redis", func(t *testing.T) {
		r := one(t, p, redisCache)
		assert.Equal(t, false, in(r, "enableNonSslPort"))
		assert.Equal(t, "1.2", in(r, "minimumTlsVersion"))
		assert.Equal(t, "Disabled", in(r, "publicNetworkAccess"))
		assert.Contains(t, []any{"Basic", "Standard"}, in(r, "sku.name"))
		assert.Nil(t, in(r, "zones"))
		pe := p.Find("azure-native:network:PrivateEndpoint", "redis")
		require.NotNil(t, pe)
		assert.Equal(t, []any{"redisCache"}, in(pe, "privateLinkServiceConnections").([]any)[0].(map[string]any)["groupIds"])
	})

	t.Run("key vault", func(t *testing.T) {
		kv := one(t, p, keyVault)
		assert.Equal(t, true, in(kv, "properties.enableRbacAuthorization"))
		assert.Equal(t, true, in(kv, "properties.enableSoftDelete"))
		assert.Equal(t, "Disabled", in(kv, "properties.publicNetworkAccess"))
		assert.Equal(t, "Deny", in(kv, "properties.networkAcls.defaultAction"))
		assert.Nil(t, in(kv, "properties.enablePurgeProtection"), "dev vaults stay purgeable")
		assert.NotNil(t, p.Find("azure-native:network:PrivateEndpoint", "vault"))
	})

	t.Run("storage", func(t *testing.T) {
		st := one(t, p, storageAccount)
		assert.Equal(t, "TLS1_2", in(st, "minimumTlsVersion"))
		assert.Equal(t, false, in(st, "allowBlobPublicAccess"))
		assert.Equal(t, true, in(st, "enableHttpsTrafficOnly"))
		assert.Equal(t, "Disabled", in(st, "publicNetworkAccess"))
		assert.Equal(t, false, in(st, "allowSharedKeyAccess"))
		var names []string
		for _, c := range p.ByType("azure-native:storage:BlobContainer") {
			names = append(names, c.Str("containerName"))
			assert.Equal(t, "None", c.Str("publicAccess"), c.Name)
		}
		assert.ElementsMatch(t, []string{"workfx-ai-admin", "workfx-ai-user", "workfx-ai-public", "workfx-ai-email", "workfx-ai-tools-image"}, names)
	})

	t.Run("event hubs", func(t *testing.T) {
		ns := one(t, p, ehNamespace)
		assert.Equal(t, "1.2", in(ns, "minimumTlsVersion"))
		assert.Equal(t, "Disabled", in(ns, "publicNetworkAccess"))
		assert.Equal(t, true, in(ns, "kafkaEnabled"))
		assert.Equal(t, "Standard", in(ns, "sku.name"), "Basic has no Kafka endpoint")
		var hubs []string
		for _, h := range p.ByType("azure-native:eventhub:EventHub") {
			hubs = append(hubs, h.Str("eventHubName"))
			assert.EqualValues(t, 2, in(h, "partitionCount"))
		}
		assert.ElementsMatch(t, []string{"postgres.public.document_chunks", "postgres.public.agents", "rasa-assistant"}, hubs)
		rule := one(t, p, "azure-native:eventhub:NamespaceAuthorizationRule")
		assert.ElementsMatch(t, []any{"Listen", "Send"}, in(rule, "rights"))

		kafka := p.Object("Secret", "workfx-ai", "wfx-kafka-secret")
		require.NotNil(t, kafka)
		assert.Equal(t, "SASL_SSL", kafka.Str("stringData.security_protocol"))
		assert.Equal(t, "$ConnectionString", kafka.Str("stringData.username"))
		assert.True(t, strings.HasSuffix(kafka.Str("stringData.bootstrap_servers"), ".servicebus.windows.net:9093"))
		assert.True(t, strings.HasPrefix(kafka.Str("stringData.password"), "Endpoint=sb://"), "the SAS connection string is the SASL password")
	})

	t.Run("aks", func(t *testing.T) {
		mc := one(t, p, managedCluster)
		assert.Equal(t, true, in(mc, "oidcIssuerProfile.enabled"))
		assert.Equal(t, true, in(mc, "securityProfile.workloadIdentity.enabled"))
		assert.Equal(t, true, in(mc, "aadProfile.managed"))
		assert.Equal(t, true, in(mc, "aadProfile.enableAzureRBAC"))
		assert.Equal(t, true, in(mc, "disableLocalAccounts"))
		assert.Equal(t, true, in(mc, "addonProfiles.azureKeyvaultSecretsProvider.enabled"))
		assert.Equal(t, true, in(mc, "addonProfiles.omsagent.enabled"))
		assert.NotEmpty(t, in(mc, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID"))
		assert.Equal(t, "azure", in(mc, "networkProfile.networkPlugin"))
		assert.Equal(t, "overlay", in(mc, "networkProfile.networkPluginMode"))
		assert.Equal(t, "1.35", in(mc, "kubernetesVersion"))
		assert.Equal(t, "Free", in(mc, "sku.tier"))
		pools := in(mc, "agentPoolProfiles").([]any)
		require.Len(t, pools, 2)
		for _, raw := range pools {
			pool := raw.(map[string]any)
			assert.Equal(t, true, pool["enableAutoScaling"], pool["name"])
			assert.EqualValues(t, 1, pool["minCount"], pool["name"])
			assert.Equal(t, "33%", pool["upgradeSettings"].(map[string]any)["maxSurge"])
			assert.Nil(t, pool["availabilityZones"])
		}
		sa := p.Object("ServiceAccount", "workfx-ai", "workfx-api")
		require.NotNil(t, sa)
		annotations, _ := in(sa, "metadata.annotations").(map[string]any)
		assert.NotEmpty(t, annotations["azure.workload.identity/client-id"], "the app runs as the workload identity")
	})

	t.Run("private dns", func(t *testing.T) {
		var zones []string
		for _, z := range p.ByType("azure-native:network:PrivateZone") {
			zones = append(zones, z.Str("privateZoneName"))
		}
		for _, want := range []string{"privatelink.redis.cache.windows.net", "privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net", "privatelink.servicebus.windows.net"} {
			assert.Contains(t, zones, want)
		}
		assert.Len(t, p.ByType("azure-native:network:VirtualNetworkLink"), len(zones), "every zone is linked to the VNet")
	})
}

func TestAzureWorkloadIdentityIsFederatedAndScoped(t *testing.T) {
	p := azureDev(t)
	mc := one(t, p, managedCluster)
	fics := p.ByType("azure-native:managedidentity:FederatedIdentityCredential")
	require.Len(t, fics, 2, "one per enabled app")
	for _, f := range fics {
		assert.Equal(t, "system:serviceaccount:workfx-ai:"+f.Name, f.Str("subject"))
		assert.True(t, p.DependsOn(f, mc), "the issuer comes from the cluster")
	}
	var roles []string
	for _, r := range p.ByType("azure-native:authorization:RoleAssignment") {
		roles = append(roles, r.Name)
	}
	assert.Subset(t, roles, []string{"workloads-keyvault-secrets-user", "workloads-blob-data-contributor-0", "aks-network-contributor", "aks-deployer-admin"})
	kvRole := p.Find("azure-native:authorization:RoleAssignment", "workloads-keyvault-secrets-user")
	assert.True(t, strings.HasSuffix(kvRole.Str("roleDefinitionId"), "/4633458b-17de-408a-b874-0445c86b69e6"), "Key Vault Secrets User")
	assert.True(t, p.DependsOn(kvRole, one(t, p, keyVault)))
}

func TestAzureProdAddsHAZonesBackupsAndProtection(t *testing.T) {
	dev, prod := azureDev(t), azureProd(t)

	srv := one(t, prod, pgServer)
	assert.Equal(t, "ZoneRedundant", in(srv, "highAvailability.mode"))
	assert.Equal(t, "Enabled", in(srv, "backup.geoRedundantBackup"))
	assert.EqualValues(t, 35, in(srv, "backup.backupRetentionDays"))
	assert.Equal(t, "GeneralPurpose", in(srv, "sku.tier"))

	r := one(t, prod, redisCache)
	assert.Equal(t, "Premium", in(r, "sku.name"))
	assert.Equal(t, []any{"1", "2"}, in(r, "zones"))

	assert.Equal(t, true, in(one(t, prod, keyVault), "properties.enablePurgeProtection"))
	assert.EqualValues(t, 90, in(one(t, prod, keyVault), "properties.softDeleteRetentionInDays"))
	assert.Equal(t, "Standard_GZRS", in(one(t, prod, storageAccount), "sku.name"))
	assert.Equal(t, true, in(one(t, prod, ehNamespace), "zoneRedundant"))

	mc := one(t, prod, managedCluster)
	assert.Equal(t, "Standard", in(mc, "sku.tier"), "paid tier: API server SLA")
	assert.Equal(t, []any{"203.0.113.0/24"}, in(mc, "apiServerAccessProfile.authorizedIPRanges"))
	for _, raw := range in(mc, "agentPoolProfiles").([]any) {
		assert.Equal(t, []any{"1", "2", "3"}, raw.(map[string]any)["availabilityZones"])
	}

	for _, typ := range []string{pgServer, redisCache, keyVault, storageAccount} {
		assert.True(t, one(t, prod, typ).Protect, "%s protected in prod", typ)
		assert.True(t, one(t, prod, typ).RetainOnDelete, "%s retained on delete in prod", typ)
		assert.False(t, one(t, dev, typ).Protect, "%s is not protected in dev", typ)
		assert.False(t, one(t, dev, typ).RetainOnDelete, "%s is not retained in dev", typ)
	}
}

func TestAzureEveryResourceUsesTheExplicitProvider(t *testing.T) {
	for name, p := range map[string]*plan.Plan{"dev": azureDev(t), "prod": azureProd(t)} {
		prov := one(t, p, azureProvider)
		n := 0
		for _, r := range p.Resources {
			if !strings.HasPrefix(r.Type, "azure-native:") {
				continue
			}
			n++
			assert.True(t, strings.HasPrefix(r.Provider, prov.URN+"::"), "%s: %s %s uses provider %q", name, r.Type, r.Name, r.Provider)
		}
		assert.Greater(t, n, 50, name)
	}
}

func TestAzureCredentialsAreSecret(t *testing.T) {
	for name, p := range map[string]*plan.Plan{"dev": azureDev(t), "prod": azureProd(t)} {
		assert.True(t, secretAt(one(t, p, pgServer), "administratorLoginPassword"), "%s: Postgres admin password", name)
		assert.True(t, secretAt(one(t, p, "pulumi:providers:kubernetes"), "kubeconfig"), "%s: kubeconfig", name)

		stored := map[string]bool{}
		for _, s := range p.ByType("azure-native:keyvault:Secret") {
			v, _ := s.Input("properties.value")
			assert.True(t, secretAt(s, "properties.value"), "%s: key vault secret %s", name, s.Name)
			assert.NotEmpty(t, v, "%s: key vault secret %s", name, s.Name)
			stored[s.Name] = true
		}
		for _, want := range []string{"postgres-admin-password", "redis-access-key", "eventhubs-connection-string", "admin-jwt-key", "ai-jwt-key", "data-secret"} {
			assert.True(t, stored[want], "%s: %s stored in Key Vault", name, want)
		}
		for _, obj := range []struct{ secret, key string }{
			{"pg-secret", "password"}, {"tp-redis-secret", "redis_password"}, {"wfx-kafka-secret", "password"},
		} {
			s := p.Object("Secret", "workfx-ai", obj.secret)
			require.NotNil(t, s, "%s: %s", name, obj.secret)
			v, _ := s.Input("stringData." + obj.key)
			assert.True(t, secretAt(s, "stringData."+obj.key), "%s: %s.%s", name, obj.secret, obj.key)
			assert.NotEmpty(t, v)
		}
		for _, cm := range p.Kubernetes() {
			if _, kind := cm.APIVersionKind(); kind == "ConfigMap" {
				assert.Empty(t, cm.SecretInputs, "%s: ConfigMap %s holds no secret", name, cm.Name)
			}
		}
	}
}

func TestAzureKubernetesObjectsDependOnTheCluster(t *testing.T) {
	p := azureDev(t)
	mc := one(t, p, managedCluster)
	k8s := one(t, p, "pulumi:providers:kubernetes")
	assert.True(t, p.DependsOn(k8s, mc), "the provider's kubeconfig comes from the cluster")
	objs := p.Kubernetes()
	require.NotEmpty(t, objs)
	for _, o := range objs {
		assert.True(t, strings.HasPrefix(o.Provider, k8s.URN+"::"), "%s %s uses the cluster's provider", o.Type, o.Name)
	}
}

// devRaw is the dev stack's config as the engine hands it over.
func devRaw(t *testing.T) map[string]string {
	t.Helper()
	sc, err := plan.LoadStackFile("..", "dev", "../Pulumi.dev.yaml")
	require.NoError(t, err)
	return sc.Raw
}

func TestAzureMalformedConfigNamesTheKey(t *testing.T) {
	cases := []struct {
		name    string
		set     map[string]string
		key     string
		message string
	}{
		{"key vault name too long", map[string]string{"workfx:azure": `{"location":"westeurope","namePrefix":"workfx-contoso-prod"}`}, "workfx:azure.namePrefix", "Key Vault name"},
		{"storage account name too long", map[string]string{"workfx:azure": `{"location":"westeurope","namePrefix":"contosoworkfxproduction"}`}, "workfx:azure.namePrefix", "storage account name"},
		{"prefix with uppercase", map[string]string{"workfx:azure": `{"location":"westeurope","namePrefix":"WorkFX"}`}, "workfx:azure.namePrefix", "lowercase"},
		{"prefix with trailing hyphen", map[string]string{"workfx:azure": `{"location":"westeurope","namePrefix":"workfx-"}`}, "workfx:azure.namePrefix", "single hyphens"},
		{"prefix with double hyphen", map[string]string{"workfx:azure": `{"location":"westeurope","namePrefix":"wfx--dev"}`}, "workfx:azure.namePrefix", "single hyphens"},
		{"suffix not alphanumeric", map[string]string{"workfx:azure": `{"location":"westeurope","nameSuffix":"AB_12!"}`}, "workfx:azure.nameSuffix", "6 lowercase"},
		{"suffix too long", map[string]string{"workfx:azure": `{"location":"westeurope","nameSuffix":"abcdef12"}`}, "workfx:azure.nameSuffix", "exactly 6"},
		{"location missing", map[string]string{"workfx:azure": `{}`}, "workfx:azure.location", "is required"},
		{"vnet overlaps the service CIDR", map[string]string{"workfx:azure": `{"location":"westeurope","vnetCidr":"10.0.0.0/16"}`}, "workfx:azure.vnetCidr", "must not overlap"},
		{"vnet not a /16", map[string]string{"workfx:azure": `{"location":"westeurope","vnetCidr":"10.40.0.0/20"}`}, "workfx:azure.vnetCidr", "/16"},
		{"pool max below min", map[string]string{"workfx:azure": `{"location":"westeurope","aks":{"userPool":{"minCount":3,"maxCount":2}}}`}, "workfx:azure.aks.userPool.maxCount", "at least minCount"},
		{"bad api server range", map[string]string{"workfx:azure": `{"location":"westeurope","aks":{"apiServerAuthorizedIpRanges":["203.0.113.7"]}}`}, "workfx:azure.aks.apiServerAuthorizedIpRanges", "CIDR"},
		{"bad kubernetes version", map[string]string{"workfx:azure": `{"location":"westeurope","aks":{"kubernetesVersion":"latest"}}`}, "workfx:azure.aks.kubernetesVersion", "1.35"},
		{"postgres storage size", map[string]string{"workfx:azure": `{"location":"westeurope","postgres":{"storageSizeGB":50}}`}, "workfx:azure.postgres.storageSizeGB", "one of 32"},
		{"postgres reserved admin", map[string]string{"workfx:azure": `{"location":"westeurope","postgres":{"adminLogin":"azure_superuser"}}`}, "workfx:azure.postgres.adminLogin", "reserve"},
		{"redis family mismatch", map[string]string{"workfx:azure": `{"location":"westeurope","redis":{"sku":"Standard","family":"P"}}`}, "workfx:azure.redis.family", "must be C"},
		{"event hubs basic", map[string]string{"workfx:azure": `{"location":"westeurope","eventHubs":{"sku":"Basic"}}`}, "workfx:azure.eventHubs.sku", "no Kafka endpoint"},
		{"event hubs partitions", map[string]string{"workfx:azure": `{"location":"westeurope","eventHubs":{"partitions":64}}`}, "workfx:azure.eventHubs.partitions", "between 1 and 32"},
		{"unknown azure key", map[string]string{"workfx:azure": `{"location":"westeurope","aks":{"nodeCount":3}}`}, "workfx:azure.aks.nodeCount", "unknown key"},
		{"data services without the cluster", map[string]string{"workfx:cluster": `{"mode":"existing"}`}, "workfx:cluster.mode", "must be provision"},
		{"prod burstable postgres", map[string]string{"workfx:environment": "prod", "workfx:azure": `{"location":"westeurope","postgres":{"skuTier":"Burstable","skuName":"Standard_B1ms"}}`}, "workfx:azure.postgres.skuTier", "GeneralPurpose"},
		{"prod basic redis", map[string]string{"workfx:environment": "prod", "workfx:azure": `{"location":"westeurope","redis":{"sku":"Basic"}}`}, "workfx:azure.redis.sku", "Premium in prod"},
		{"prod locally redundant storage", map[string]string{"workfx:environment": "prod", "workfx:azure": `{"location":"westeurope","storage":{"sku":"Standard_LRS"}}`}, "workfx:azure.storage.sku", "zone-redundant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := devRaw(t)
			for k, v := range tc.set {
				raw[k] = v
			}
			if tc.set["workfx:environment"] == "prod" {
				// Keep the prod case about Azure: pin the image tags prod requires anyway.
				raw["workfx:apps"] = `{"workfxApi":{"image":{"repository":"workfx-ai/workfx-api","tag":"2.4.1"}},"workfxCdc":{"image":{"repository":"workfx-ai/workfx-cdc","tag":"2.4.1"}}}`
			}
			_, err := config.Load(raw)
			var cerr *config.Error
			require.True(t, errors.As(err, &cerr), "want a config error, got %v", err)
			found := false
			for _, pr := range cerr.Problems {
				if pr.Key == tc.key && strings.Contains(pr.Message, tc.message) {
					found = true
				}
			}
			assert.True(t, found, "want a problem at %s mentioning %q; got:\n%v", tc.key, tc.message, err)
		})
	}
}

func TestAzureDevConfigIsValid(t *testing.T) {
	cfg, err := config.Load(devRaw(t))
	require.NoError(t, err)
	assert.Equal(t, "azure", cfg.Cloud)
	assert.Equal(t, "Basic", cfg.Azure.Redis.Sku)
}

func TestAzureEndpointsFeedTheSameContract(t *testing.T) {
	p := azureDev(t)
	pg := p.Object("Secret", "workfx-ai", "pg-secret")
	require.NotNil(t, pg)
	srv := one(t, p, pgServer)
	assert.Equal(t, srv.Str("serverName")+".postgres.database.azure.com", pg.Str("stringData.host"))
	assert.Equal(t, "5432", pg.Str("stringData.port"))
	assert.Equal(t, "workfx_ai", pg.Str("stringData.database"))
	assert.Equal(t, "workfx", pg.Str("stringData.username"))

	rd := p.Object("Secret", "workfx-ai", "tp-redis-secret")
	require.NotNil(t, rd)
	cache := one(t, p, redisCache)
	assert.Equal(t, cache.Str("name")+".redis.cache.windows.net", rd.Str("stringData.redis_host"))
	assert.Equal(t, "6380", rd.Str("stringData.redis_port"), "TLS port; 6379 is disabled")
	assert.Equal(t, "true", rd.Str("stringData.redis_use_ssl"))
	assert.Equal(t, "mock-redis-key-"+cache.Str("name"), rd.Str("stringData.redis_password"), "the cache's access key")

	cm := p.Object("ConfigMap", "workfx-ai", "workfx-api-config")
	require.NotNil(t, cm)
	acct := one(t, p, storageAccount)
	assert.Equal(t, "azure", cm.Str("data.STORAGE_TYPE"))
	assert.Equal(t, "https://"+acct.Str("accountName")+".blob.core.windows.net", cm.Str("data.BUCKET_URI_PATH"))
	assert.Equal(t, "require", cm.Str("data.POSTGRES_SSLMODE"))
	assert.Equal(t, "azure", cm.Str("data.CLOUD_PROVIDER"))
}

func TestAzureNothingOnAzureWithoutProvision(t *testing.T) {
	p := planFile(t, "ka", "../Pulumi.ka.yaml")
	for _, r := range p.Resources {
		assert.False(t, strings.HasPrefix(r.Type, "azure-native:") || r.Type == azureProvider, "%s %s in a customer-cluster stack", r.Type, r.Name)
	}
}
