package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// engineOrderPlan: a kubernetes provider; a "db" component with a Postgres server and a
// database inside it; an "app" component whose Deployment depends on the db component (so on
// all of its children) and uses the provider; a resource group with a child VNet.
func engineOrderPlan(t *testing.T) *planBuilder {
	b := newPlanBuilder(t)
	b.add(res{Name: "k8s", Type: "pulumi:providers:kubernetes"})
	b.add(res{Name: "db", Type: "workfx:postgres:Postgres", Component: true})
	b.add(res{Name: "pg", Type: "azure-native:dbforpostgresql:Server", Parent: "db"})
	b.add(res{Name: "pgdb", Type: "azure-native:dbforpostgresql:Database", Parent: "db", Deps: []string{"pg"}})
	b.add(res{Name: "app", Type: "workfx:workload:App", Component: true})
	b.add(res{Name: "api", Type: "kubernetes:apps/v1:Deployment", Parent: "app", Deps: []string{"db"}, Provider: "k8s"})
	b.add(res{Name: "api-config", Type: "kubernetes:core/v1:ConfigMap", Parent: "app", Provider: "k8s"})
	b.add(res{Name: "rg", Type: "azure-native:resources:ResourceGroup"})
	b.add(res{Name: "vnet", Type: "azure-native:network:VirtualNetwork", Parent: "rg"})
	return b
}

func TestDeployFollowsEngineOrdering(t *testing.T) {
	b := engineOrderPlan(t)
	d, err := Deploy(b.plan())
	require.NoError(t, err)
	// pg 600 s → pgdb 15 s → api 60 s: depending on the db component waits for both children.
	assert.Equal(t, 675, d.WallSeconds)
	// 1 (provider) + 600 + 15 + 60 + 2 (ConfigMap) + 5 (group) + 15 (VNet).
	assert.Equal(t, 698, d.SerialSeconds)
	var names []string
	sum := 0
	for _, s := range d.Chain {
		names = append(names, s.Name)
		sum += s.Seconds
	}
	assert.Equal(t, []string{"pg", "pgdb", "api"}, names)
	assert.Equal(t, d.WallSeconds, sum, "the chain is gap-free")

	g, err := DeployGraph(b.plan())
	require.NoError(t, err)
	s, err := g.CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, s.Start[b.urn("vnet")], "a child waits for its custom parent")
	assert.Equal(t, 1*time.Second, s.Start[b.urn("api-config")], "a resource waits for its provider")
	assert.Equal(t, 675*time.Second, s.Finish[b.urn("app")], "a component ends with its last child")
}

func TestDeployNeedlessDependencyOnHandMadePlan(t *testing.T) {
	before, err := Deploy(engineOrderPlan(t).plan())
	require.NoError(t, err)
	// A ConfigMap needs nothing but its provider; declaring DependsOn(api) anyway makes it wait
	// for the Deployment's rollout, and it then ends the chain 2 s later.
	b := engineOrderPlan(t)
	b.add(res{Name: "late-config", Type: "kubernetes:core/v1:ConfigMap", Parent: "app", Deps: []string{"api"}, Provider: "k8s"})
	after, err := Deploy(b.plan())
	require.NoError(t, err)
	assert.Equal(t, before.WallSeconds+2, after.WallSeconds)
	assert.Equal(t, "late-config", after.Chain[len(after.Chain)-1].Name)
}

func TestDurationVariants(t *testing.T) {
	b := newPlanBuilder(t)
	b.add(res{Name: "pg", Type: "azure-native:dbforpostgresql:Server"})
	b.add(res{Name: "pg-ha", Type: "azure-native:dbforpostgresql:Server", Inputs: map[string]any{"highAvailability": map[string]any{"mode": "ZoneRedundant"}}})
	b.add(res{Name: "pg-off", Type: "azure-native:dbforpostgresql:Server", Inputs: map[string]any{"highAvailability": map[string]any{"mode": "Disabled"}}})
	b.add(res{Name: "rds", Type: "aws:rds/instance:Instance", Inputs: map[string]any{"multiAz": true}})
	b.add(res{Name: "istiod", Type: "kubernetes:helm.sh/v3:Release", Inputs: map[string]any{"chart": "istio/istiod"}})
	b.add(res{Name: "thing", Type: "aws:sqs/queue:Queue"})
	b.add(res{Name: "cr", Type: "kubernetes:networking.istio.io/v1:Gateway"})
	p := b.plan()
	want := map[string]time.Duration{
		"pg": 600 * time.Second, "pg-ha": 1200 * time.Second, "pg-off": 600 * time.Second,
		"rds": 1200 * time.Second, "istiod": 90 * time.Second, "thing": defaultDuration, "cr": kubernetesObjectDuration,
	}
	for _, r := range p.Resources {
		d, src := durationOf(r)
		assert.Equal(t, want[r.Name], d, r.Name)
		assert.NotEmpty(t, src, r.Name)
	}
}
