package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func itemsOf(c *Cost, resource string) []CostItem {
	var out []CostItem
	for _, it := range c.Items {
		if it.Resource == resource {
			out = append(out, it)
		}
	}
	return out
}

func TestCostOfHandMadeAzurePlan(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "cluster", Type: "workfx:cluster:Cluster", Component: true})
	b.add(res{Name: "aks", Type: "azure-native:containerservice:ManagedCluster", Parent: "cluster", Inputs: map[string]any{
		"location": "East US",
		"sku":      map[string]any{"name": "Base", "tier": "Standard"},
		"agentPoolProfiles": []any{
			map[string]any{"name": "system", "vmSize": "Standard_D4s_v5", "count": 3, "osDiskType": "Ephemeral"},
		},
	}})
	b.add(res{Name: "postgres", Type: "workfx:postgres:Postgres", Component: true})
	b.add(res{Name: "pg", Type: "azure-native:dbforpostgresql:Server", Parent: "postgres", Inputs: map[string]any{
		"location":         "eastus",
		"sku":              map[string]any{"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
		"highAvailability": map[string]any{"mode": "ZoneRedundant"},
		"storage":          map[string]any{"storageSizeGB": 128},
	}})
	b.add(res{Name: "pg-db", Type: "azure-native:dbforpostgresql:Database", Parent: "postgres"})
	b.add(res{Name: "redis", Type: "workfx:redis:Redis", Component: true})
	b.add(res{Name: "cache", Type: "azure-native:cache:Redis", Parent: "redis", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard", "family": "C", "capacity": 1},
	}})
	b.add(res{Name: "vault", Type: "azure-native:keyvault:Vault", Inputs: map[string]any{
		"location": "eastus", "properties": map[string]any{"sku": map[string]any{"name": "standard", "family": "A"}},
	}})
	b.add(res{Name: "nat", Type: "azure-native:network:NatGateway", Inputs: map[string]any{"location": "eastus"}})
	b.add(res{Name: "kubernetes-only", Type: "kubernetes:core/v1:ConfigMap"})
	b.add(res{Name: "ingress", Type: "kubernetes:core/v1:Service", Inputs: map[string]any{
		"metadata": map[string]any{"name": "ingress", "namespace": "edge"}, "spec": map[string]any{"type": "LoadBalancer"},
	}})
	b.add(res{Name: "private", Type: "kubernetes:core/v1:Service", Inputs: map[string]any{
		"metadata": map[string]any{"name": "private", "namespace": "edge",
			"annotations": map[string]any{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}},
		"spec": map[string]any{"type": "LoadBalancer"},
	}})

	c := ComputeCost(b.plan(), nil)
	// By hand, at 730 h/month:
	//   AKS Standard tier       0.10  × 730          =  73.00
	//   3 × Standard_D4s_v5     0.192 × 3 × 730      = 420.48
	//   Postgres D2ds_v5 + HA   0.178 × 2 × 730      = 259.88
	//   storage 128 GiB × 2     0.115 × 256          =  29.44
	//   Redis Standard C1       0.138 × 730          = 100.74
	//   Key Vault standard      operations only      =   0.00
	//   NAT gateway             0.045 × 730          =  32.85
	//   AKS's own Standard LB   0.025 × 730          =  18.25  (outboundType unset: loadBalancer)
	//   its outbound public IP  0.005 × 730          =   3.65
	//   public IP of "ingress"  0.005 × 730          =   3.65  ("private" is internal: none)
	//                                                  941.94
	assert.InDelta(t, 941.94, c.TotalMonthlyUSD, 0.001)
	assert.Zero(t, c.NotPriced)
	assert.Equal(t, []ComponentCost{
		{Component: "(stack)", MonthlyUSD: 36.50},
		{Component: "cluster", MonthlyUSD: 515.38},
		{Component: "postgres", MonthlyUSD: 289.32},
		{Component: "redis", MonthlyUSD: 100.74},
	}, c.Components)
	assert.Len(t, itemsOf(c, "pg"), 2, "compute and storage")
	assert.Empty(t, itemsOf(c, "pg-db"), "a database inside a server has no charge of its own")
	assert.Empty(t, itemsOf(c, "kubernetes-only"))
	vault := itemsOf(c, "vault")
	require.Len(t, vault, 1)
	assert.True(t, vault[0].Priced)
	assert.NotEmpty(t, vault[0].Usage, "a zero baseline names its usage charges")
	for _, it := range c.Items {
		assert.NotEmpty(t, it.Source, "every priced figure has a source: %s", it.Item)
	}
	assert.Equal(t, []PriceTableInfo{{Cloud: "azure", AsOf: azurePrices.AsOf}}, c.PriceTables)
}

// Review of issue 13, must-fix 2: auto-grow on premium SSD doubles the provisioned size (and
// the storage bill); the report says so next to the storage line, and only when it is on.
func TestCostNotesThatPostgresAutoGrowDoublesStorage(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "grows", Type: "azure-native:dbforpostgresql:Server", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard_B1ms", "tier": "Burstable"},
		"storage": map[string]any{"storageSizeGB": 32, "autoGrow": "Enabled"},
	}})
	b.add(res{Name: "fixed", Type: "azure-native:dbforpostgresql:Server", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard_B1ms", "tier": "Burstable"},
		"storage": map[string]any{"storageSizeGB": 32, "autoGrow": "Disabled"},
	}})
	c := ComputeCost(b.plan(), nil)
	grows, fixed := itemsOf(c, "grows"), itemsOf(c, "fixed")
	require.Len(t, grows, 2)
	require.Len(t, fixed, 2)
	assert.Contains(t, grows[1].Note, "doubles", grows[1].Item)
	assert.Contains(t, grows[1].Note, "how-to-auto-grow-storage")
	assert.Equal(t, fixed[1].MonthlyUSD, grows[1].MonthlyUSD, "priced at the configured size")
	assert.Empty(t, fixed[1].Note)
	assert.Empty(t, grows[0].Note, "compute does not grow")

	var out strings.Builder
	writeCost(&out, c)
	assert.Contains(t, out.String(), "storage auto-grow is on", "shown among the report's notes")
}

func TestCostOfHandMadeAWSPlan(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "eks", Type: "aws:eks/cluster:Cluster"})
	b.add(res{Name: "nodes", Type: "aws:eks/nodeGroup:NodeGroup", Inputs: map[string]any{
		"instanceTypes": []any{"m6i.large"}, "scalingConfig": map[string]any{"desiredSize": 3, "minSize": 2, "maxSize": 5},
	}})
	b.add(res{Name: "db", Type: "aws:rds/instance:Instance", Inputs: map[string]any{
		"engine": "postgres", "instanceClass": "db.t4g.medium", "multiAz": true, "allocatedStorage": 50, "storageType": "gp3",
	}})
	b.add(res{Name: "cache", Type: "aws:elasticache/replicationGroup:ReplicationGroup", Inputs: map[string]any{
		"nodeType": "cache.t4g.small", "numCacheClusters": 2,
	}})
	b.add(res{Name: "kafka", Type: "aws:msk/cluster:Cluster", Inputs: map[string]any{
		"numberOfBrokerNodes": 3,
		"brokerNodeGroupInfo": map[string]any{"instanceType": "kafka.m5.large",
			"storageInfo": map[string]any{"ebsStorageInfo": map[string]any{"volumeSize": 100}}},
	}})
	b.add(res{Name: "nat", Type: "aws:ec2/natGateway:NatGateway"})
	b.add(res{Name: "s1", Type: "aws:secretsmanager/secret:Secret"})
	b.add(res{Name: "s2", Type: "aws:secretsmanager/secret:Secret"})
	b.add(res{Name: "key", Type: "aws:kms/key:Key"})
	b.add(res{Name: "vpc", Type: "aws:ec2/vpc:Vpc"})
	b.add(res{Name: "ingress", Type: "kubernetes:core/v1:Service", Inputs: map[string]any{
		"metadata": map[string]any{"name": "ingress", "namespace": "edge"}, "spec": map[string]any{"type": "LoadBalancer"},
	}})

	c := ComputeCost(b.plan(), map[string]string{"aws:region": "us-east-1"})
	//   EKS                        0.10  × 730          =  73.00
	//   3 × m6i.large              0.096 × 3 × 730      = 210.24
	//   3 × 20 GiB gp2 root        0.10  × 60           =   6.00
	//   db.t4g.medium Multi-AZ     0.065 × 2 × 730      =  94.90
	//   50 GiB gp3 × 2             0.115 × 100          =  11.50
	//   2 × cache.t4g.small        0.032 × 2 × 730      =  46.72
	//   3 × kafka.m5.large         0.21  × 3 × 730      = 459.90
	//   3 × 100 GiB broker storage 0.10  × 300          =  30.00
	//   NAT gateway                0.045 × 730          =  32.85
	//   2 secrets                  0.40  × 2            =   0.80
	//   KMS key                                         =   1.00
	//   classic ELB of "ingress"   0.025 × 730          =  18.25
	//                                                     985.16
	assert.InDelta(t, 985.16, c.TotalMonthlyUSD, 0.001)
	assert.Zero(t, c.NotPriced)
	assert.Empty(t, itemsOf(c, "vpc"))
	for _, it := range c.Items {
		assert.Empty(t, it.Note, "the region comes from the stack config: %s", it.Item)
	}
}

func TestUnknownSKUIsReportedNotZero(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "known", Type: "azure-native:cache:Redis", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard", "family": "C", "capacity": 1},
	}})
	b.add(res{Name: "unknown-sku", Type: "azure-native:cache:Redis", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard", "family": "C", "capacity": 6},
	}})
	b.add(res{Name: "unknown-region", Type: "azure-native:cache:Redis", Inputs: map[string]any{
		"location": "japaneast", "sku": map[string]any{"name": "Standard", "family": "C", "capacity": 1},
	}})
	b.add(res{Name: "unknown-type", Type: "azure-native:search:Service", Inputs: map[string]any{"location": "eastus"}})
	b.add(res{Name: "no-sku", Type: "aws:rds/instance:Instance", Inputs: map[string]any{"engine": "postgres", "allocatedStorage": 20}})

	c := ComputeCost(b.plan(), nil)
	// Standard C1 0.138 × 730 = 100.74, plus the RDS instance's 20 GiB gp2 at 0.115 = 2.30.
	assert.InDelta(t, 103.04, c.TotalMonthlyUSD, 0.001, "only known SKUs are in the total")
	assert.Equal(t, 4, c.NotPriced, "C6, japaneast, the unknown type and the unset instanceClass")
	for _, name := range []string{"unknown-sku", "unknown-region", "unknown-type"} {
		items := itemsOf(c, name)
		require.Len(t, items, 1, name)
		assert.False(t, items[0].Priced, name)
		assert.Zero(t, items[0].MonthlyUSD, name)
		assert.NotEmpty(t, items[0].Reason, name)
	}
	assert.Contains(t, itemsOf(c, "unknown-sku")[0].Reason, "Standard C6")
	rds := itemsOf(c, "no-sku")
	require.Len(t, rds, 2)
	assert.False(t, rds[0].Priced)
	assert.Equal(t, "the plan sets no SKU", rds[0].Reason)
	assert.True(t, rds[1].Priced, "the storage is still priced")
	assert.Equal(t, "region not in the plan or stack config; priced at us-east-1", rds[1].Note)
}

func TestCostOptionalInputs(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "aks", Type: "azure-native:containerservice:ManagedCluster", Inputs: map[string]any{
		"location": "eastus",
		"agentPoolProfiles": []any{
			map[string]any{"name": "apps", "vmSize": "Standard_D2s_v5", "enableAutoScaling": true, "count": 4, "minCount": 2, "maxCount": 6, "osDiskType": "Managed"},
			map[string]any{"name": "sys", "vmSize": "Standard_D2s_v5", "count": 1},
		},
	}})
	c := ComputeCost(b.plan(), nil)
	items := itemsOf(c, "aks")
	require.Len(t, items, 7, "control plane, 2 pools with disks, AKS's load balancer and outbound IP")
	assert.Equal(t, "AKS control plane (Free tier)", items[0].Item)
	assert.Zero(t, items[0].MonthlyUSD)
	assert.True(t, items[0].Priced)
	assert.Equal(t, 2.0, items[1].Quantity, "an autoscaling pool is priced at its minimum")
	assert.InDelta(t, 0.096*2*730, items[1].MonthlyUSD, 0.001)
	assert.Equal(t, "P10", items[2].SKU, "the default 128 GiB managed OS disk")
	assert.InDelta(t, 2*19.71, items[2].MonthlyUSD, 0.001)
	assert.False(t, items[4].Priced, "OS disk type unset: not priced")
}

func TestCostTextListsUnpricedItems(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "cache", Type: "azure-native:cache:Redis", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard", "family": "C", "capacity": 1},
	}})
	b.add(res{Name: "big", Type: "azure-native:cache:Redis", Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Premium", "family": "P", "capacity": 5},
	}})
	b.add(res{Name: "nat", Type: "azure-native:network:NatGateway"})
	r, err := Build(b.plan(), nil)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, r.WriteText(&out))
	text := out.String()
	assert.Contains(t, text, "Total: $133.59 per month + 1 item not priced")
	assert.Contains(t, text, "not priced  no azure price for redis Premium P5 in eastus")
	assert.Contains(t, text, "plus $0.045 per GB processed")
	assert.Contains(t, text, "region not in the plan or stack config; priced at eastus")
	assert.Contains(t, text, "Price tables: azure as of "+azurePrices.AsOf)
	assert.Contains(t, text, "The program runs no pods.")
	assert.NotContains(t, text, "Customer cluster minimum", "nothing to compare without pods")
}

// An AWS resource is priced in the region of the explicit provider it was registered with.
func TestAWSRegionComesFromTheExplicitProvider(t *testing.T) {
	for region, priced := range map[string]bool{"us-east-1": true, "ap-southeast-7": false} {
		b := newPlanBuilder(t)
		b.add(res{Name: "aws", Type: "pulumi:providers:aws", Inputs: map[string]any{"region": region}})
		b.add(res{Name: "nat", Type: "aws:ec2/natGateway:NatGateway", Provider: "aws"})
		items := itemsOf(ComputeCost(b.plan(), nil), "nat")
		require.NotEmpty(t, items)
		assert.Equal(t, region, items[0].Region)
		if priced {
			assert.Empty(t, items[0].Reason)
			assert.Positive(t, items[0].MonthlyUSD)
		} else {
			assert.Contains(t, items[0].Reason, "not in the aws price table")
		}
	}
}

func TestPriceBooksLoad(t *testing.T) {
	for _, name := range []string{"prices/azure.yaml", "prices/aws.yaml"} {
		tbl, err := loadPrices(name)
		require.NoError(t, err, name)
		assert.NotEmpty(t, tbl.Rows, name)
		for _, r := range tbl.Rows {
			assert.NotEmpty(t, r.Source, "%s %s %s has no source", name, r.Service, r.SKU)
		}
	}
}

// A gateway VPC endpoint costs nothing (and saves NAT processing); an interface endpoint is
// billed and not in the table, so it is listed as not priced rather than as zero.
func TestVPCEndpointsPricedByType(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "s3", Type: "aws:ec2/vpcEndpoint:VpcEndpoint", Inputs: map[string]any{"vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.us-east-1.s3"}})
	b.add(res{Name: "ecr", Type: "aws:ec2/vpcEndpoint:VpcEndpoint", Inputs: map[string]any{"vpcEndpointType": "Interface"}})
	c := ComputeCost(b.plan(), map[string]string{"aws:region": "us-east-1"})
	gateway, iface := itemsOf(c, "s3"), itemsOf(c, "ecr")
	require.Len(t, gateway, 1)
	require.Len(t, iface, 1)
	assert.True(t, gateway[0].Priced)
	assert.Zero(t, gateway[0].MonthlyUSD)
	assert.False(t, iface[0].Priced)
	assert.Contains(t, iface[0].Reason, "interface endpoints")
}

// MSK's storage grows with auto scaling: the item is the size at creation, and the note says how
// far it can grow and what that would cost.
func TestMSKStorageNotesItsAutoScalingCeiling(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "kafka", Type: "aws:msk/cluster:Cluster", Inputs: map[string]any{
		"numberOfBrokerNodes": 3,
		"brokerNodeGroupInfo": map[string]any{"instanceType": "kafka.m7g.large", "storageInfo": map[string]any{"ebsStorageInfo": map[string]any{"volumeSize": 500}}},
	}})
	b.add(res{Name: "kafka-storage", Type: "aws:appautoscaling/target:Target", Deps: []string{"kafka"}, Inputs: map[string]any{
		"maxCapacity": 2000, "scalableDimension": "kafka:broker-storage:VolumeSize", "serviceNamespace": "kafka",
	}})
	c := ComputeCost(b.plan(), map[string]string{"aws:region": "us-east-1"})
	var storage *CostItem
	for i, it := range itemsOf(c, "kafka") {
		if strings.HasPrefix(it.Item, "MSK broker storage") {
			storage = &itemsOf(c, "kafka")[i]
		}
	}
	require.NotNil(t, storage)
	assert.Equal(t, 150.0, storage.MonthlyUSD, "3 × 500 GiB at $0.10")
	assert.Contains(t, storage.Note, "storage auto scaling grows each broker up to 2000 GiB ($600.00 per month at the maximum)")
	assert.Empty(t, itemsOf(c, "kafka-storage"), "the scaling target itself is free")
}

// A node group with a launch template has its root volumes priced from the template it uses
// (size and type there; EKS takes no diskSize with a template), not left unpriced.
func TestNodeGroupVolumesPricedFromItsLaunchTemplate(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "lt", Type: "aws:ec2/launchTemplate:LaunchTemplate", Inputs: map[string]any{
		"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{"volumeSize": 100, "volumeType": "gp3"}}},
	}})
	b.add(res{Name: "general", Type: "aws:eks/nodeGroup:NodeGroup", Deps: []string{"lt"}, Inputs: map[string]any{
		"instanceTypes": []any{"m6i.xlarge"}, "scalingConfig": map[string]any{"desiredSize": 3},
		"launchTemplate": map[string]any{"id": "lt-1", "version": "1"},
	}})
	c := ComputeCost(b.plan(), map[string]string{"aws:region": "us-east-1"})
	items := itemsOf(c, "general")
	require.Len(t, items, 2)
	assert.True(t, items[1].Priced, items[1].Reason)
	assert.Equal(t, 24.0, items[1].MonthlyUSD, "3 × 100 GiB gp3 at $0.08")
	assert.Contains(t, items[1].Item, "3 × 100 GiB gp3 (launch template lt)")
}
