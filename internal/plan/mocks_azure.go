package plan

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Offline stand-ins for what Azure computes: names, host names, identities, keys and the AKS
// kubeconfig. Values are derived from the inputs, so a plan is stable run to run.

// azureNameInputs maps a type (without API version: the recorder looks up versioned tokens by
// their unversioned form) to the input holding its physical name (Azure echoes it as "name").
var azureNameInputs = map[string]string{
	"azure-native:resources:ResourceGroup":                     "resourceGroupName",
	"azure-native:network:VirtualNetwork":                      "virtualNetworkName",
	"azure-native:network:Subnet":                              "subnetName",
	"azure-native:network:PrivateZone":                         "privateZoneName",
	"azure-native:network:VirtualNetworkLink":                  "virtualNetworkLinkName",
	"azure-native:network:PrivateEndpoint":                     "privateEndpointName",
	"azure-native:containerservice:ManagedCluster":             "resourceName",
	"azure-native:containerservice:MaintenanceConfiguration":   "configName",
	"azure-native:network:NetworkSecurityGroup":                "networkSecurityGroupName",
	"azure-native:insights:DiagnosticSetting":                  "name",
	"azure-native:insights:DataCollectionRule":                 "dataCollectionRuleName",
	"azure-native:insights:DataCollectionRuleAssociation":      "associationName",
	"azure-native:cache:RedisEnterprise":                       "clusterName",
	"azure-native:cache:Database":                              "databaseName",
	"azure-native:managedidentity:UserAssignedIdentity":        "resourceName",
	"azure-native:operationalinsights:Workspace":               "workspaceName",
	"azure-native:dbforpostgresql:Server":                      "serverName",
	"azure-native:dbforpostgresql:Database":                    "databaseName",
	"azure-native:cache:Redis":                                 "name",
	"azure-native:eventhub:Namespace":                          "namespaceName",
	"azure-native:eventhub:EventHub":                           "eventHubName",
	"azure-native:eventhub:NamespaceAuthorizationRule":         "authorizationRuleName",
	"azure-native:keyvault:Vault":                              "vaultName",
	"azure-native:keyvault:Secret":                             "secretName",
	"azure-native:storage:StorageAccount":                      "accountName",
	"azure-native:storage:BlobContainer":                       "containerName",
	"azure-native:managedidentity:FederatedIdentityCredential": "federatedIdentityCredentialResourceName",
}

const (
	mockTenant       = "00000000-0000-0000-0000-00000000aaaa"
	mockSubscription = "00000000-0000-0000-0000-00000000bbbb"
)

// mockGUID derives a GUID-shaped id from a seed.
func mockGUID(seed string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", h.Sum64()&0xffffffffffff)
}

func str(m resource.PropertyMap, key string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func props(kv map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(kv) }

// registerAzureMocks adds the Azure outputs and invokes to a recorder.
func registerAzureMocks(r *Recorder) {
	for typ, key := range azureNameInputs {
		key, extra := key, azureOutputs[typ]
		r.Outputs[typ] = func(in resource.PropertyMap) resource.PropertyMap {
			out := resource.PropertyMap{"name": resource.NewStringProperty(str(in, key))}
			if extra != nil {
				for k, v := range extra(in) {
					out[k] = v
				}
			}
			return out
		}
	}
	r.Invokes["azure-native:authorization:getClientConfig"] = func(resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"tenantId": mockTenant, "subscriptionId": mockSubscription,
			"objectId": mockGUID("deployer"), "clientId": mockGUID("deployer-client")})
	}
	r.Invokes["azure-native:containerservice:listManagedClusterUserCredentials"] = func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"kubeconfigs": []any{map[string]any{
			"name": "clusterUser", "value": base64.StdEncoding.EncodeToString([]byte(mockKubeconfig(str(in, "resourceName")))),
		}}})
	}
	r.Invokes["azure-native:eventhub:listNamespaceKeys"] = func(in resource.PropertyMap) resource.PropertyMap {
		ns, rule := str(in, "namespaceName"), str(in, "authorizationRuleName")
		return props(map[string]any{"keyName": rule, "primaryKey": "mock-key",
			"primaryConnectionString": fmt.Sprintf("Endpoint=sb://%s.servicebus.windows.net/;SharedAccessKeyName=%s;SharedAccessKey=mock-key", ns, rule)})
	}
	r.Invokes["azure-native:cache:listRedisKeys"] = func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"primaryKey": "mock-redis-key-" + str(in, "name"), "secondaryKey": "mock-redis-key-2"})
	}
	r.Invokes["azure-native:cache:listDatabaseKeys"] = func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"primaryKey": "mock-redis-key-" + str(in, "clusterName"), "secondaryKey": "mock-redis-key-2"})
	}
}

var azureOutputs = map[string]func(resource.PropertyMap) resource.PropertyMap{
	"azure-native:containerservice:ManagedCluster": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{
			"fqdn":              str(in, "dnsPrefix") + ".hcp." + str(in, "location") + ".azmk8s.io",
			"oidcIssuerProfile": map[string]any{"enabled": true, "issuerURL": "https://" + str(in, "location") + ".oic.prod-aks.azure.com/" + mockTenant + "/" + mockGUID(str(in, "resourceName")) + "/"},
		})
	},
	"azure-native:dbforpostgresql:Server": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"fullyQualifiedDomainName": str(in, "serverName") + ".postgres.database.azure.com"})
	},
	"azure-native:cache:Redis": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"hostName": str(in, "name") + ".redis.cache.windows.net", "sslPort": 6380, "port": 6379})
	},
	"azure-native:cache:RedisEnterprise": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"hostName": str(in, "clusterName") + "." + str(in, "location") + ".redis.azure.net"})
	},
	// ARM names a child resource "<parent>/<child>": azure-rest-api-specs,
	// redisenterprise/…/stable/2025-04-01/examples/RedisEnterpriseDatabasesGet.json answers
	// "name": "cache1/default" for databaseName "default"; azure-native copies that into name.
	"azure-native:cache:Database": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"name": str(in, "clusterName") + "/" + str(in, "databaseName")})
	},
	"azure-native:managedidentity:UserAssignedIdentity": func(in resource.PropertyMap) resource.PropertyMap {
		n := str(in, "resourceName")
		return props(map[string]any{"clientId": mockGUID(n + "/client"), "principalId": mockGUID(n + "/principal"), "tenantId": mockTenant})
	},
	"azure-native:keyvault:Vault": func(in resource.PropertyMap) resource.PropertyMap {
		p := map[string]any{}
		if v, ok := in["properties"]; ok && v.IsObject() {
			p = v.ObjectValue().Mappable()
		}
		p["vaultUri"] = "https://" + str(in, "vaultName") + ".vault.azure.net/"
		return props(map[string]any{"properties": p})
	},
	"azure-native:eventhub:Namespace": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"serviceBusEndpoint": "https://" + str(in, "namespaceName") + ".servicebus.windows.net:443/"})
	},
	"azure-native:storage:StorageAccount": func(in resource.PropertyMap) resource.PropertyMap {
		return props(map[string]any{"primaryEndpoints": map[string]any{"blob": "https://" + str(in, "accountName") + ".blob.core.windows.net/"}})
	},
}

// mockKubeconfig is the shape AKS returns for an Entra ID cluster (format exec, kubelogin).
func mockKubeconfig(cluster string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: https://%[1]s.hcp.mock.azmk8s.io:443
    certificate-authority-data: bW9jay1jYQ==
contexts:
- name: %[1]s
  context: {cluster: %[1]s, user: clusterUser_%[1]s}
current-context: %[1]s
users:
- name: clusterUser_%[1]s
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, %[2]s, --login, devicecode]
`, cluster, mockTenant)
}
