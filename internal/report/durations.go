package report

import (
	"regexp"
	"strings"
	"time"

	"github.com/workfx/workfx-platform/internal/plan"
)

// Typical create times per Pulumi type token. Each row's Source is its reference (printed by
// `plan --report` next to every step of the critical path). Rows marked "estimate" are planning
// figures (table written 2026-11-22) for a typical create, not worst cases; the link says what the
// provider waits for. Replace an estimate with a measured median when one is available.
//
// To update a row: time a real `pulumi up` (`pulumi up --json` or the console's timeline gives
// per-resource durations), put the median here and name the run or document in Source.
// A type without a row takes defaultDuration (or kubernetesObjectDuration for Kubernetes objects).

// durationRule is one row: a type token, optionally narrowed by Match (e.g. HA on), and the time.
type durationRule struct {
	Type    string
	Variant string // what Match selects, shown in the report ("" for every resource of the type)
	Match   func(r *plan.Resource) bool
	Seconds int
	Source  string
}

// Rows are tried in order; the first whose Type and Match fit wins, so variants come first.
var durationRules = []durationRule{
	// Pulumi and local resources.
	{Type: "pulumi:providers:*", Seconds: 1, Source: "provider configuration is a local step in the engine (no cloud call)"},
	{Type: "random:index/randomPassword:RandomPassword", Seconds: 0, Source: "computed locally by the random provider"},
	{Type: "random:index/randomString:RandomString", Seconds: 0, Source: "computed locally by the random provider"},
	{Type: "random:index/randomId:RandomId", Seconds: 0, Source: "computed locally by the random provider"},

	// Azure.
	{Type: "azure-native:resources:ResourceGroup", Seconds: 5, Source: "estimate: a synchronous ARM PUT"},
	{Type: "azure-native:containerservice:ManagedCluster", Seconds: 480, Source: "estimate: control plane plus the system node pool's scale set (learn.microsoft.com/azure/aks/learn/quick-kubernetes-deploy-cli)"},
	{Type: "azure-native:containerservice:AgentPool", Seconds: 300, Source: "estimate: a VM scale set whose nodes join the cluster (learn.microsoft.com/azure/aks/create-node-pools)"},
	{Type: "azure-native:dbforpostgresql:Server", Variant: "high availability", Match: postgresHA, Seconds: 1200, Source: "estimate: primary plus a standby provisioned and seeded in a second zone (learn.microsoft.com/azure/postgresql/flexible-server/concepts-high-availability)"},
	{Type: "azure-native:dbforpostgresql:Server", Seconds: 600, Source: "estimate: one server VM, storage and the first backup (learn.microsoft.com/azure/postgresql/flexible-server/overview)"},
	{Type: "azure-native:dbforpostgresql:Database", Seconds: 15, Source: "a database inside an existing server; estimate"},
	{Type: "azure-native:dbforpostgresql:Configuration", Seconds: 30, Source: "server parameter update; estimate"},
	{Type: "azure-native:dbforpostgresql:FirewallRule", Seconds: 60, Source: "firewall rule update on the server; estimate"},
	{Type: "azure-native:cache:Redis", Variant: "Premium", Match: skuNameIs("Premium"), Seconds: 1800, Source: "estimate: Premium caches (shards, zones, VNet) are the slowest Azure data service to create (learn.microsoft.com/azure/azure-cache-for-redis/quickstart-create-redis)"},
	{Type: "azure-native:cache:Redis", Seconds: 1200, Source: "estimate: Basic/Standard caches stay Creating for many minutes (learn.microsoft.com/azure/azure-cache-for-redis/quickstart-create-redis)"},
	{Type: "azure-native:cache:RedisEnterprise", Seconds: 600, Source: "estimate: an Azure Managed Redis instance (VMs behind one endpoint) is Creating for several minutes, far less than a classic cache (learn.microsoft.com/azure/redis/quickstart-create-managed-redis)"},
	{Type: "azure-native:cache:Database", Seconds: 120, Source: "estimate: the database of an existing Azure Managed Redis instance"},
	{Type: "azure-native:containerservice:MaintenanceConfiguration", Seconds: 10, Source: "estimate: a configuration write on the cluster"},
	{Type: "azure-native:network:NetworkSecurityGroup", Seconds: 10, Source: "estimate: a synchronous ARM PUT"},
	{Type: "azure-native:insights:DiagnosticSetting", Seconds: 10, Source: "estimate: a synchronous ARM PUT on the resource"},
	{Type: "azure-native:insights:DataCollectionRule", Seconds: 10, Source: "estimate: a synchronous ARM PUT"},
	{Type: "azure-native:insights:DataCollectionRuleAssociation", Seconds: 5, Source: "estimate: a synchronous ARM PUT"},
	{Type: "azure-native:eventhub:Namespace", Seconds: 120, Source: "estimate (learn.microsoft.com/azure/event-hubs/event-hubs-create)"},
	{Type: "azure-native:eventhub:EventHub", Seconds: 15, Source: "an event hub in an existing namespace; estimate"},
	{Type: "azure-native:eventhub:ConsumerGroup", Seconds: 10, Source: "estimate"},
	{Type: "azure-native:keyvault:Vault", Seconds: 30, Source: "estimate (learn.microsoft.com/azure/key-vault/general/quick-create-cli)"},
	{Type: "azure-native:keyvault:Secret", Seconds: 5, Source: "a secret PUT in an existing vault; estimate"},
	{Type: "azure-native:storage:StorageAccount", Seconds: 30, Source: "estimate: a long-running ARM operation (learn.microsoft.com/azure/storage/common/storage-account-create)"},
	{Type: "azure-native:storage:BlobContainer", Seconds: 5, Source: "estimate"},
	{Type: "azure-native:network:VirtualNetwork", Seconds: 15, Source: "estimate"},
	{Type: "azure-native:network:Subnet", Seconds: 10, Source: "estimate"},
	{Type: "azure-native:network:NatGateway", Seconds: 30, Source: "estimate"},
	{Type: "azure-native:network:PublicIPAddress", Seconds: 10, Source: "estimate"},
	{Type: "azure-native:network:PrivateEndpoint", Seconds: 60, Source: "estimate"},
	{Type: "azure-native:operationalinsights:Workspace", Seconds: 30, Source: "estimate"},
	{Type: "azure-native:managedidentity:UserAssignedIdentity", Seconds: 10, Source: "estimate"},
	{Type: "azure-native:authorization:RoleAssignment", Seconds: 30, Source: "estimate: role assignments take time to propagate (learn.microsoft.com/azure/role-based-access-control/troubleshooting)"},

	// AWS.
	{Type: "aws:eks/cluster:Cluster", Seconds: 900, Source: "github.com/aws/containers-roadmap/issues/1227: EKS control plane provisioning 'averages 15 minutes'"},
	{Type: "aws:eks/nodeGroup:NodeGroup", Seconds: 240, Source: "estimate: instances launch and join the cluster (docs.aws.amazon.com/eks/latest/userguide/create-managed-node-group.html)"},
	{Type: "aws:eks/addon:Addon", Seconds: 60, Source: "estimate"},
	{Type: "aws:msk/cluster:Cluster", Seconds: 1800, Source: "estimate: the cluster stays CREATING until every broker is up (docs.aws.amazon.com/msk/latest/developerguide/msk-cluster-states.html)"},
	{Type: "aws:rds/instance:Instance", Variant: "Multi-AZ", Match: inputTrue("multiAz"), Seconds: 1200, Source: "estimate: a synchronous standby is created in a second AZ (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html)"},
	{Type: "aws:rds/instance:Instance", Seconds: 600, Source: "estimate: instance, storage and the first backup (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CreateDBInstance.html)"},
	{Type: "aws:elasticache/replicationGroup:ReplicationGroup", Seconds: 720, Source: "estimate: every node of the group is created before it is available (docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.Create.html)"},
	{Type: "aws:elasticache/cluster:Cluster", Seconds: 480, Source: "estimate"},
	{Type: "aws:ec2/natGateway:NatGateway", Seconds: 120, Source: "estimate: the gateway goes pending → available (docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)"},
	{Type: "aws:lb/loadBalancer:LoadBalancer", Seconds: 180, Source: "estimate: the load balancer goes provisioning → active"},
	{Type: "aws:kms/key:Key", Seconds: 10, Source: "estimate"},
	{Type: "aws:secretsmanager/secret:Secret", Seconds: 5, Source: "estimate"},
	{Type: "aws:s3/bucketV2:BucketV2", Seconds: 5, Source: "estimate"},
	{Type: "aws:iam/role:Role", Seconds: 5, Source: "estimate"},

	// Kubernetes: the Pulumi provider waits for readiness of the kinds below (its per-kind await
	// logic, described on each kind's registry page).
	{Type: "kubernetes:helm.sh/v3:Release", Variant: "chart base", Match: chartIs("base"), Seconds: 20, Source: "Istio base chart: CRDs only, no pods; estimate"},
	{Type: "kubernetes:helm.sh/v3:Release", Variant: "chart istiod", Match: chartIs("istiod"), Seconds: 90, Source: "estimate: the istiod Deployment rollout (istio.io/latest/docs/setup/install/helm/)"},
	{Type: "kubernetes:helm.sh/v3:Release", Variant: "chart gateway", Match: chartIs("gateway"), Seconds: 120, Source: "estimate: gateway pods plus a LoadBalancer Service waiting for its address"},
	{Type: "kubernetes:helm.sh/v3:Release", Variant: "chart kube-prometheus-stack", Match: chartIs("kube-prometheus-stack"), Seconds: 300, Source: "estimate: CRDs, operator, Prometheus, Alertmanager and Grafana"},
	{Type: "kubernetes:helm.sh/v3:Release", Seconds: 120, Source: "a Helm release with the provider waiting for its workloads; estimate"},
	{Type: "kubernetes:helm.sh/v4:Chart", Seconds: 60, Source: "estimate: a v4 Chart applies its objects without a release-wide wait"},
	{Type: "kubernetes:apps/v1:Deployment", Seconds: 60, Source: "estimate: the provider waits until the rollout is complete and the pods are Ready (pulumi.com/registry/packages/kubernetes/api-docs/apps/v1/deployment/)"},
	{Type: "kubernetes:apps/v1:StatefulSet", Seconds: 90, Source: "the provider waits for every replica to be Ready (pulumi.com/registry/packages/kubernetes/api-docs/apps/v1/statefulset); estimate"},
	{Type: "kubernetes:apps/v1:DaemonSet", Seconds: 60, Source: "the provider waits for the rollout (pulumi.com/registry/packages/kubernetes/api-docs/apps/v1/daemonset); estimate"},
	{Type: "kubernetes:batch/v1:Job", Seconds: 60, Source: "the provider waits for the Job to succeed; estimate"},
	{Type: "kubernetes:core/v1:Service", Variant: "type LoadBalancer", Match: strIs("spec.type", "LoadBalancer"), Seconds: 90, Source: "the provider waits for the load balancer's address (pulumi.com/registry/packages/kubernetes/api-docs/core/v1/service); estimate"},
	{Type: "kubernetes:networking.k8s.io/v1:Ingress", Seconds: 60, Source: "the provider waits for the Ingress status address; estimate"},
}

const (
	// kubernetesObjectDuration is an apply with no readiness wait (ConfigMap, Secret, CRs, ...).
	kubernetesObjectDuration = 2 * time.Second
	kubernetesObjectSource   = "one server-side apply, no readiness wait; estimate"
	// defaultDuration is every other cloud resource without a row.
	defaultDuration = 10 * time.Second
	defaultSource   = "no row for this type: default estimate"
)

// durationOf looks up a resource's create time. Components take no time of their own.
func durationOf(r *plan.Resource) (time.Duration, string) {
	for _, rule := range durationRules {
		if !typeMatches(rule.Type, r.Type) || (rule.Match != nil && !rule.Match(r)) {
			continue
		}
		src := rule.Source
		if rule.Variant != "" {
			src = rule.Variant + ": " + src
		}
		return time.Duration(rule.Seconds) * time.Second, src
	}
	if !r.Custom {
		return 0, "component: no time of its own"
	}
	if strings.HasPrefix(r.Type, "kubernetes:") {
		return kubernetesObjectDuration, kubernetesObjectSource
	}
	return defaultDuration, defaultSource
}

// helmTypes are the Helm resources of pulumi-kubernetes: v3 Release (one Helm release) and v4
// Chart (a component); both take chart, namespace and values.
var helmTypes = []string{"kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"}

func helmReleases(p *plan.Plan) []*plan.Resource {
	var out []*plan.Resource
	for _, t := range helmTypes {
		out = append(out, p.ByType(t)...)
	}
	return out
}

// typeMatches compares a type token with a pattern whose "*" matches any rest.
func typeMatches(pattern, typ string) bool {
	typ = baseType(typ)
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(typ, p)
	}
	return pattern == typ
}

func postgresHA(r *plan.Resource) bool {
	m := strings.ToLower(r.Str("highAvailability.mode"))
	return m != "" && m != "disabled"
}

func skuNameIs(name string) func(*plan.Resource) bool {
	return func(r *plan.Resource) bool { return strings.EqualFold(r.Str("sku.name"), name) }
}

func inputTrue(path string) func(*plan.Resource) bool {
	return func(r *plan.Resource) bool {
		v, _ := r.Input(path)
		b, _ := v.(bool)
		return b
	}
}

func strIs(path, want string) func(*plan.Resource) bool {
	return func(r *plan.Resource) bool { return r.Str(path) == want }
}

func chartIs(name string) func(*plan.Resource) bool {
	return func(r *plan.Resource) bool { return chartName(r) == name }
}

// chartName is the chart of a Helm release without its repository prefix or OCI path.
func chartName(r *plan.Resource) string {
	c := r.Str("chart")
	if i := strings.LastIndex(c, "/"); i >= 0 {
		c = c[i+1:]
	}
	return c
}

// azureAPIVersion matches the API-version segment of an explicitly versioned azure-native
// token ("azure-native:dbforpostgresql/v20230601preview:Server").
var azureAPIVersion = regexp.MustCompile(`/v20[0-9]{6}[a-z]*:`)

// baseType is a type token without its API version: prices and create times do not depend on
// which API version registered the resource.
func baseType(typ string) string {
	return azureAPIVersion.ReplaceAllString(typ, ":")
}
