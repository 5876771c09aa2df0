package report

// Azure list prices: pay-as-you-go, Linux, USD, no reservations or savings plans.
//
// Every figure was recorded on the AsOf date from the price page named in its group's Source.
// They were not fetched live (the plan runs offline), so check them before quoting a customer:
//
//	curl -sG https://prices.azure.com/api/retail/prices \
//	  --data-urlencode "\$filter=armRegionName eq 'eastus' and armSkuName eq 'Standard_D4s_v5' and priceType eq 'Consumption'"
//
// To update: change the figure, keep (or replace) the Source, and set AsOf to the day you
// checked. A SKU missing here is reported as "not priced", so add a row rather than guessing in
// code. Regions that share every price belong to one family; a new region needs its own family
// unless its prices match an existing one.
var azurePrices = priceTable{
	Cloud: "azure",
	AsOf:  "2026-11-22",
	Regions: map[string]string{
		"eastus":     "us-east",
		"eastus2":    "us-east",
		"westeurope": "eu-west",
		// Private DNS zones are global resources, billed the same everywhere.
		"global": "global",
	},
	DefaultRegion: "eastus",
	Rows: joinRows(
		// AKS control plane tiers are priced the same in every public region.
		group("aks-tier", PerHour, "", "azure.microsoft.com/pricing/details/kubernetes-service/ (per cluster-hour)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"Free":     0,
				"Standard": 0.10,
				"Premium":  0.60,
			}),
		group("vm", PerHour, "", "azure.microsoft.com/pricing/details/virtual-machines/linux/ (East US, per VM-hour)",
			[]string{"us-east"}, map[string]float64{
				"Standard_B2s":     0.0416,
				"Standard_B2ms":    0.0832,
				"Standard_B4ms":    0.166,
				"Standard_DS2_v2":  0.146,
				"Standard_D2s_v3":  0.096,
				"Standard_D4s_v3":  0.192,
				"Standard_D8s_v3":  0.384,
				"Standard_D2s_v5":  0.096,
				"Standard_D4s_v5":  0.192,
				"Standard_D8s_v5":  0.384,
				"Standard_D16s_v5": 0.768,
				"Standard_D2as_v5": 0.086,
				"Standard_D4as_v5": 0.172,
				"Standard_D8as_v5": 0.344,
				"Standard_D2ds_v5": 0.113,
				"Standard_D4ds_v5": 0.226,
				"Standard_E2s_v5":  0.126,
				"Standard_E4s_v5":  0.252,
				"Standard_F4s_v2":  0.169,
			}),
		// A managed OS disk, by Premium SSD tier (AKS's default OS disk is 128 GiB: P10).
		group("managed-disk", PerMonth, "", "azure.microsoft.com/pricing/details/managed-disks/ (East US, Premium SSD per disk-month)",
			[]string{"us-east"}, map[string]float64{
				"P10": 19.71,
			}),
		// Flexible Server compute per vCore-SKU hour; an HA standby is billed like the primary.
		group("postgres-flex", PerHour, "", "azure.microsoft.com/pricing/details/postgresql/flexible-server/ (East US, compute per hour)",
			[]string{"us-east"}, map[string]float64{
				"Standard_B1ms":    0.017,
				"Standard_B2s":     0.068,
				"Standard_D2s_v3":  0.178,
				"Standard_D4s_v3":  0.356,
				"Standard_D2ds_v4": 0.178,
				"Standard_D4ds_v4": 0.356,
				"Standard_D2ds_v5": 0.178,
				"Standard_D4ds_v5": 0.356,
			}),
		group("postgres-flex-storage", PerGBMonth, "", "azure.microsoft.com/pricing/details/postgresql/flexible-server/ (East US, provisioned storage per GiB-month)",
			[]string{"us-east"}, map[string]float64{
				"storage": 0.115,
			}),
		// Azure Cache for Redis per cache-hour; Standard includes the replica, Premium is per shard.
		group("redis", PerHour, "", "azure.microsoft.com/pricing/details/cache/ (East US, per cache or shard hour)",
			[]string{"us-east"}, map[string]float64{
				"Basic C0":    0.022,
				"Basic C1":    0.055,
				"Standard C0": 0.055,
				"Standard C1": 0.138,
				"Standard C2": 0.226,
				"Premium P1":  0.554,
			}),
		group("eventhubs", PerHour, "ingress events per million", "azure.microsoft.com/pricing/details/event-hubs/ (East US, per throughput unit hour)",
			[]string{"us-east"}, map[string]float64{
				"Basic":    0.015,
				"Standard": 0.03,
			}),
		group("keyvault", PerMonth, "$0.03 per 10,000 secret operations", "azure.microsoft.com/pricing/details/key-vault/ (no monthly fee; operations only)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"standard": 0,
				"premium":  0,
			}),
		group("storage", PerMonth, "per GB stored and per 10,000 operations", "azure.microsoft.com/pricing/details/storage/blobs/ (no monthly fee for an empty account)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"Standard_LRS":    0,
				"Standard_ZRS":    0,
				"Standard_GRS":    0,
				"Standard_RAGRS":  0,
				"Standard_GZRS":   0,
				"Standard_RAGZRS": 0,
			}),
		group("nat-gateway", PerHour, "$0.045 per GB processed", "azure.microsoft.com/pricing/details/azure-nat-gateway/ (per gateway-hour)",
			[]string{"us-east"}, map[string]float64{
				"Standard": 0.045,
			}),
		group("public-ip", PerHour, "", "azure.microsoft.com/pricing/details/ip-addresses/ (Standard static IPv4 per hour)",
			[]string{"us-east"}, map[string]float64{
				"Standard": 0.005,
			}),
		group("load-balancer", PerHour, "$0.005 per GB processed; rules beyond 5", "azure.microsoft.com/pricing/details/load-balancer/ (Standard, first 5 rules per hour)",
			[]string{"us-east"}, map[string]float64{
				"Standard": 0.025,
			}),
		group("private-endpoint", PerHour, "$0.01 per GB in and out", "azure.microsoft.com/pricing/details/private-link/ (per endpoint-hour)",
			[]string{"us-east"}, map[string]float64{
				"endpoint": 0.01,
			}),
		group("private-dns-zone", PerMonth, "per million queries", "azure.microsoft.com/pricing/details/dns/ (private zone per month, first 25 zones)",
			[]string{"global"}, map[string]float64{
				"zone": 0.50,
			}),
		group("log-analytics", PerMonth, "per GB ingested and retained beyond the free period", "azure.microsoft.com/pricing/details/monitor/ (no monthly fee for a pay-as-you-go workspace)",
			[]string{"us-east", "eu-west"}, map[string]float64{
				"PerGB2018": 0,
			}),
	),
}

// group builds the rows of one service from a SKU → price map, one row per family.
func group(service string, unit Unit, usage, source string, families []string, prices map[string]float64) []Price {
	var out []Price
	for _, fam := range families {
		for sku, usd := range prices {
			out = append(out, Price{Service: service, SKU: sku, Family: fam, USD: usd, Unit: unit, Usage: usage, Source: source})
		}
	}
	return out
}

func joinRows(groups ...[]Price) []Price {
	var out []Price
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
