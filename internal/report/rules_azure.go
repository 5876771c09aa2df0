package report

import (
	"fmt"
	"strings"

	"github.com/workfx/workfx-platform/internal/plan"
)

// Pricing rules for the azure-native resources the program can provision: which inputs carry
// the SKU and the quantity (property names as in the azure-native SDK's input types).
func init() {
	for typ, f := range map[string]pricer{
		"azure-native:containerservice:ManagedCluster": aksCluster,
		"azure-native:containerservice:AgentPool":      aksAgentPool,
		"azure-native:dbforpostgresql:Server":          azurePostgres,
		"azure-native:cache:Redis":                     azureRedis,
		"azure-native:cache:RedisEnterprise":           azureManagedRedis,
		"azure-native:eventhub:Namespace":              eventHubsNamespace,
		"azure-native:keyvault:Vault": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "keyvault", strings.ToLower(r.Str("properties.sku.name")), 1, "Key Vault")}
		},
		"azure-native:storage:StorageAccount": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "storage", r.Str("sku.name"), 1, "storage account")}
		},
		"azure-native:network:NatGateway": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "nat-gateway", "Standard", 1, "NAT gateway")}
		},
		"azure-native:network:PublicIPAddress": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "public-ip", orDefault(r.Str("sku.name"), "Standard"), 1, "public IP address")}
		},
		"azure-native:network:LoadBalancer": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "load-balancer", orDefault(r.Str("sku.name"), "Standard"), 1, "load balancer")}
		},
		"azure-native:network:PrivateEndpoint": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "private-endpoint", "endpoint", 1, "private endpoint")}
		},
		"azure-native:network:PrivateZone": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "private-dns-zone", "zone", 1, "private DNS zone")}
		},
		"azure-native:operationalinsights:Workspace": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&azurePrices, r, "log-analytics", orDefault(r.Str("sku.name"), "PerGB2018"), 1, "Log Analytics workspace")}
		},
	} {
		pricers[typ] = f
	}
	for _, typ := range []string{
		"azure-native:resources:ResourceGroup",
		"azure-native:network:VirtualNetwork",
		"azure-native:network:Subnet",
		"azure-native:network:NetworkSecurityGroup",
		"azure-native:network:SecurityRule",
		"azure-native:network:RouteTable",
		"azure-native:network:PrivateDnsZoneGroup",
		"azure-native:network:VirtualNetworkLink", // links are free; zones and queries are billed
		"azure-native:managedidentity:UserAssignedIdentity",
		"azure-native:managedidentity:FederatedIdentityCredential",
		"azure-native:authorization:RoleAssignment",
		"azure-native:containerservice:MaintenanceConfiguration",
		"azure-native:dbforpostgresql:Database",
		"azure-native:dbforpostgresql:Configuration",
		"azure-native:dbforpostgresql:FirewallRule",
		"azure-native:dbforpostgresql:Administrator",
		"azure-native:cache:FirewallRule",
		"azure-native:cache:Database", // billed on its Azure Managed Redis instance
		"azure-native:cache:PatchSchedule",
		"azure-native:eventhub:EventHub",
		"azure-native:eventhub:ConsumerGroup",
		"azure-native:eventhub:NamespaceAuthorizationRule",
		"azure-native:eventhub:EventHubAuthorizationRule",
		"azure-native:keyvault:Secret", // operations are billed on the vault
		"azure-native:keyvault:AccessPolicy",
		"azure-native:storage:BlobContainer",
		"azure-native:storage:BlobServiceProperties",
		"azure-native:storage:ManagementPolicy",
		// Diagnostic settings and Container insights' rule are free; what they send is billed
		// as Log Analytics ingestion (a usage charge of the workspace).
		"azure-native:insights:DiagnosticSetting",
		"azure-native:insights:DataCollectionRule",
		"azure-native:insights:DataCollectionRuleAssociation",
	} {
		freeTypes[typ] = true
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// aksCluster: the control plane tier (sku.tier, Free when unset) and every agentPoolProfiles
// entry (vmSize × count, or minCount when autoscaling), with its OS disk.
func aksCluster(c *costCtx, r *plan.Resource) []CostItem {
	tier := orDefault(r.Str("sku.tier"), "Free")
	items := []CostItem{c.item(&azurePrices, r, "aks-tier", tier, 1, "AKS control plane ("+tier+" tier)")}
	v, _ := r.Input("agentPoolProfiles")
	pools, _ := v.([]any)
	if len(pools) == 0 {
		return append(items, notPriced(r, "node pools", "agentPoolProfiles not set in the plan"))
	}
	for i, p := range pools {
		m, _ := p.(map[string]any)
		name, _ := m["name"].(string)
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		items = append(items, nodePool(c, r, name, m)...)
	}
	return items
}

// aksAgentPool: a separate node pool resource, with the same fields at the top level.
func aksAgentPool(c *costCtx, r *plan.Resource) []CostItem {
	m := r.Inputs(false)
	return nodePool(c, r, r.Name, m)
}

func nodePool(c *costCtx, r *plan.Resource, name string, m map[string]any) []CostItem {
	vmSize, _ := m["vmSize"].(string)
	count, ok := asInt(m["count"])
	what := "node pool " + name
	if auto, _ := m["enableAutoScaling"].(bool); auto {
		if n, ok2 := asInt(m["minCount"]); ok2 {
			count, ok = n, true
			what += " (autoscaling: minCount)"
		}
	}
	if !ok {
		if n, ok2 := asInt(m["minCount"]); ok2 {
			count, ok = n, true
			what += " (minCount)"
		}
	}
	if !ok {
		return []CostItem{notPriced(r, what, "node count not set (count or minCount)")}
	}
	items := []CostItem{c.item(&azurePrices, r, "vm", vmSize, float64(count),
		fmt.Sprintf("%s: %d × %s", what, count, orDefault(vmSize, "(vmSize unset)")))}

	diskWhat := fmt.Sprintf("%s OS disks: %d", what, count)
	switch osType, _ := m["osDiskType"].(string); osType {
	case "Ephemeral":
		// The OS disk lives on the VM's local storage: no separate charge.
	case "Managed":
		size, ok := asInt(m["osDiskSizeGB"])
		if !ok {
			size = 128 // AKS's default OS disk size
		}
		tier := premiumDiskTier(size)
		items = append(items, c.item(&azurePrices, r, "managed-disk", tier, float64(count), fmt.Sprintf("%s × %s (%d GiB)", diskWhat, tier, size)))
	default:
		items = append(items, notPriced(r, diskWhat, "osDiskType not set: AKS picks Ephemeral or Managed by VM size"))
	}
	return items
}

// premiumDiskTier is the Premium SSD tier that holds a disk of the size.
func premiumDiskTier(gib int64) string {
	for _, t := range []struct {
		max  int64
		tier string
	}{{4, "P1"}, {8, "P2"}, {16, "P3"}, {32, "P4"}, {64, "P6"}, {128, "P10"}, {256, "P15"}, {512, "P20"}, {1024, "P30"}} {
		if gib <= t.max {
			return t.tier
		}
	}
	return "P40+"
}

// azurePostgres: a Flexible Server's compute (sku.name) and storage (storage.storageSizeGB),
// both doubled with high availability (the standby is billed like the primary).
func azurePostgres(c *costCtx, r *plan.Resource) []CostItem {
	copies := int64(1)
	what := "PostgreSQL Flexible Server"
	if postgresHA(r) {
		copies = 2
		what += " with HA standby"
	}
	sku := r.Str("sku.name")
	items := []CostItem{c.item(&azurePrices, r, "postgres-flex", sku, float64(copies), fmt.Sprintf("%s: %d × %s", what, copies, orDefault(sku, "(sku unset)")))}
	if gb, ok := inputInt(r, "storage.storageSizeGB"); ok {
		storage := c.item(&azurePrices, r, "postgres-flex-storage", "storage", float64(gb*copies),
			fmt.Sprintf("%s storage: %d × %d GiB", what, copies, gb))
		if strings.EqualFold(r.Str("storage.autoGrow"), "Enabled") {
			storage.Note = strings.TrimPrefix(storage.Note+"; "+postgresAutoGrowNote, "; ")
		}
		items = append(items, storage)
	} else {
		items = append(items, notPriced(r, what+" storage", "storage.storageSizeGB not set"))
	}
	return items
}

// postgresAutoGrowNote: auto-grow on premium SSD doubles the provisioned size, and its price.
const postgresAutoGrowNote = "storage auto-grow is on: when free space runs low Azure doubles the provisioned size " +
	"(premium SSD), which doubles this line, and it never shrinks (learn.microsoft.com/azure/postgresql/flexible-server/how-to-auto-grow-storage-portal)"

// azureRedis: sku {name, family, capacity} names the cache size ("Standard C1"); Premium is
// billed per shard (shardCount, 1 when unset).
func azureRedis(c *costCtx, r *plan.Resource) []CostItem {
	name, family := r.Str("sku.name"), r.Str("sku.family")
	capacity, ok := inputInt(r, "sku.capacity")
	if name == "" || family == "" || !ok {
		return []CostItem{notPriced(r, "Azure Cache for Redis", "sku {name, family, capacity} not fully set")}
	}
	sku := fmt.Sprintf("%s %s%d", name, family, capacity)
	shards := int64(1)
	if strings.EqualFold(name, "Premium") {
		if n, ok := inputInt(r, "shardCount"); ok && n > 0 {
			shards = n
		}
	}
	items := []CostItem{c.item(&azurePrices, r, "redis", sku, float64(shards), fmt.Sprintf("Azure Cache for Redis: %d × %s", shards, sku))}
	if n, ok := inputInt(r, "replicasPerMaster"); ok && n > 1 {
		items = append(items, notPriced(r, fmt.Sprintf("%d replicas per primary", n), "extra Premium replicas are not in the price table"))
	}
	return items
}

// azureManagedRedis: an Azure Managed Redis instance by sku.name, at the price with high
// availability (a replica) or, when highAvailability is Disabled, the non-HA price.
func azureManagedRedis(c *costCtx, r *plan.Resource) []CostItem {
	sku := r.Str("sku.name")
	if sku == "" {
		return []CostItem{notPriced(r, "Azure Managed Redis", "sku.name not set")}
	}
	key, what := sku, "Azure Managed Redis: 1 × "+sku
	if strings.EqualFold(r.Str("highAvailability"), "Disabled") {
		key, what = sku+" non-HA", what+" (no high availability)"
	}
	return []CostItem{c.item(&azurePrices, r, "managed-redis", key, 1, what)}
}

// eventHubsNamespace: sku.name (Basic, Standard, Premium) × sku.capacity units (1 when unset).
func eventHubsNamespace(c *costCtx, r *plan.Resource) []CostItem {
	sku := r.Str("sku.name")
	units, ok := inputInt(r, "sku.capacity")
	if !ok || units < 1 {
		units = 1
	}
	return []CostItem{c.item(&azurePrices, r, "eventhubs", sku, float64(units),
		fmt.Sprintf("Event Hubs namespace: %d %s × %s", units, plural(units, "unit", "units"), orDefault(sku, "(sku unset)")))}
}
