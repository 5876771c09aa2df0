package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloudPlan is a hand-made plan shaped like a provisioned Azure stack: a resource group, an AKS
// cluster whose kubeconfig feeds the Kubernetes provider, Istio from Helm, a Postgres server
// with HA, and one app that waits for Postgres and istiod.
func cloudPlan(t *testing.T) *planBuilder {
	b := newPlanBuilder(t)
	b.add(res{Name: "rg", Type: "azure-native:resources:ResourceGroup", Inputs: map[string]any{"location": "eastus"}})
	b.add(res{Name: "cluster", Type: "workfx:cluster:Cluster", Component: true})
	b.add(res{Name: "aks", Type: "azure-native:containerservice:ManagedCluster", Parent: "cluster", Deps: []string{"rg"}, Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Base", "tier": "Standard"},
		"agentPoolProfiles": []any{map[string]any{"name": "system", "vmSize": "Standard_D4s_v5", "count": 2, "osDiskType": "Ephemeral"}},
	}})
	b.add(res{Name: "k8s", Type: "pulumi:providers:kubernetes", Parent: "cluster", Deps: []string{"aks"}})
	b.add(res{Name: "mesh", Type: "workfx:mesh:Mesh", Component: true})
	b.add(res{Name: "istio-base", Type: "kubernetes:helm.sh/v3:Release", Parent: "mesh", Provider: "k8s",
		Inputs: map[string]any{"chart": "base", "namespace": "istio-system"}})
	b.add(res{Name: "istiod", Type: "kubernetes:helm.sh/v3:Release", Parent: "mesh", Provider: "k8s", Deps: []string{"istio-base"},
		Inputs: map[string]any{"chart": "istiod", "namespace": "istio-system"}})
	b.add(res{Name: "ingress", Type: "kubernetes:helm.sh/v3:Release", Parent: "mesh", Provider: "k8s", Deps: []string{"istiod"},
		Inputs: map[string]any{"chart": "gateway", "namespace": "istio-ingress"}})
	b.add(res{Name: "postgres", Type: "workfx:postgres:Postgres", Component: true})
	b.add(res{Name: "pg", Type: "azure-native:dbforpostgresql:Server", Parent: "postgres", Deps: []string{"rg"}, Inputs: map[string]any{
		"location": "eastus", "sku": map[string]any{"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
		"highAvailability": map[string]any{"mode": "ZoneRedundant"}, "storage": map[string]any{"storageSizeGB": 32},
	}})
	b.add(res{Name: "apps", Type: "kubernetes:core/v1:Namespace", Provider: "k8s", Inputs: map[string]any{
		"metadata": map[string]any{"name": "apps", "labels": map[string]any{"istio-injection": "enabled"}},
	}})
	b.add(res{Name: "api", Type: "kubernetes:apps/v1:Deployment", Provider: "k8s", Deps: []string{"postgres", "istiod", "apps"},
		Inputs: deployment("api", "apps", 2, nil, map[string]any{"cpu": "500m", "memory": "1Gi"}, map[string]any{"cpu": "1", "memory": "2Gi"})})
	return b
}

func TestReportOnProvisionedCloudPlan(t *testing.T) {
	b := cloudPlan(t)
	r, err := Build(b.plan(), nil)
	require.NoError(t, err)

	// rg 5 s → pg with HA 1200 s → api 60 s = 1265 s; the cluster branch (rg 5 → AKS 480 →
	// provider 1 → base 20 → istiod 90 → gateway 120 = 716 s) runs beside it.
	assert.Equal(t, 1265, r.Deploy.WallSeconds)
	var chain []string
	for _, s := range r.Deploy.Chain {
		chain = append(chain, s.Name)
	}
	assert.Equal(t, []string{"rg", "pg", "api"}, chain)
	assert.Equal(t, 5+480+1+20+90+120+1200+2+60, r.Deploy.SerialSeconds)

	// AKS Standard 73.00 + 2 × D4s_v5 280.32 + Postgres HA 2 × 0.178 × 730 = 259.88 and
	// 2 × 32 GiB storage 7.36 + AKS load balancer 18.25 + outbound IP 3.65 + the gateway's
	// public IP 3.65 = 646.11.
	assert.InDelta(t, 646.11, r.Cost.TotalMonthlyUSD, 0.001)
	assert.Zero(t, r.Cost.NotPriced)
	var mesh []CostItem
	for _, it := range r.Cost.Items {
		if it.Component == "mesh" {
			mesh = append(mesh, it)
		}
	}
	require.Len(t, mesh, 1)
	assert.Equal(t, "public IP of LoadBalancer Service istio-ingress/ingress (gateway chart)", mesh[0].Item)

	// Footprint: istiod 500m / 2 GiB and one gateway 100m / 128 MiB from the charts' defaults,
	// the api's 2 pods with sidecars (600m / 1.125 GiB each). The cluster is ours: no customer
	// minimum to compare with.
	f := r.Footprint
	assert.Equal(t, int64(500+100+1200), f.Total.RequestCPUMilli)
	assert.Equal(t, int64(2048<<20+128<<20+2*(1<<30+128<<20)), f.Total.RequestMemory)
	assert.Nil(t, f.Minimum)

	var text strings.Builder
	require.NoError(t, r.WriteText(&text))
	assert.Contains(t, text.String(), "Total: $646.11 per month")
	assert.Contains(t, text.String(), "0.5 / - CPU, 2 GiB / -", "istiod sets no limits: shown as none, not 0")
	assert.NotContains(t, text.String(), "not priced")
}
