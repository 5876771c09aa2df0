package cluster

import (
	"encoding/base64"
	"fmt"

	// The cluster and its maintenance windows are registered through API 2024-09-01: the SDK's
	// default API (2023-04-01) has neither autoUpgradeProfile.nodeOSUpgradeChannel nor
	// maintenance windows for the aksManaged* schedules.
	containerservice "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240901"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/config"
)

// AzureArgs size the AKS cluster.
type AzureArgs struct {
	Env               *azenv.Env
	Network           *network.Azure
	Name, DNSPrefix   string
	IdentityName      string
	KubernetesVersion string
	// Maintenance is the weekly window of Kubernetes and node-image upgrades.
	Maintenance config.AzureMaintenance
	SystemPool  config.AzureNodePool
	UserPool    config.AzureNodePool
	MaxSurge    string
	// AdminGroupObjectIDs become cluster admins through Entra ID.
	AdminGroupObjectIDs []string
	// AuthorizedIPRanges limit who reaches the API server; empty leaves it open to sign-in.
	AuthorizedIPRanges []string
}

// aksDiagnostics are the control-plane logs worth keeping: the audit of writes
// (kube-audit-admin; the full kube-audit also logs every read and costs many times more), Entra
// sign-ins (guard) and the autoscaler's decisions.
var aksDiagnostics = azenv.Diagnostics{
	LogCategories: []string{"kube-audit-admin", "guard", "cluster-autoscaler", "kube-controller-manager"},
	AllMetrics:    true,
}

// NewAzure provisions AKS (Entra ID with Azure RBAC, workload identity, autoscaled pools,
// upgrades inside a maintenance window, Container insights) and the Kubernetes provider bound to
// it, which waits for the deployer's cluster-admin role.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)
	tags := e.TagMap()

	// Local accounts are off, so the deployer signs in through Entra ID and needs a Kubernetes
	// role to create the in-cluster objects. Granted on the resource group before the cluster
	// exists (the role applies to every cluster in it), Azure RBAC has the minutes the cluster
	// takes to build to propagate, instead of failing the first Kubernetes call.
	deployerRole, err := e.AssignRole(ctx, "aks-deployer-admin", pulumi.String(e.DeployerObjectID), e.DeployerPrincipalType,
		azenv.RoleAKSRBACClusterAdmin, e.ResourceGroupID.ToStringOutput(), child)
	if err != nil {
		return nil, err
	}

	// A user-assigned control-plane identity can be granted Network Contributor on the VNet
	// before the cluster exists; AKS needs it to manage load balancers in a BYO subnet.
	id, err := managedidentity.NewUserAssignedIdentity(ctx, "aks-identity", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: e.ResourceGroupName,
		ResourceName:      pulumi.String(a.IdentityName),
		Location:          pulumi.String(e.Location),
		Tags:              tags,
	}, child)
	if err != nil {
		return nil, err
	}
	netRole, err := e.AssignRole(ctx, "aks-network-contributor", id.PrincipalId, azenv.PrincipalServicePrincipal,
		azenv.RoleNetworkContributor, a.Network.VNet.ID().ToStringOutput(), child)
	if err != nil {
		return nil, err
	}

	pool := func(poolName, mode string, p config.AzureNodePool, taints []string) *containerservice.ManagedClusterAgentPoolProfileArgs {
		return &containerservice.ManagedClusterAgentPoolProfileArgs{
			Name:              pulumi.String(poolName),
			Mode:              pulumi.String(mode),
			VmSize:            pulumi.String(p.VMSize),
			Count:             pulumi.Int(p.MinCount),
			MinCount:          pulumi.Int(p.MinCount),
			MaxCount:          pulumi.Int(p.MaxCount),
			EnableAutoScaling: pulumi.Bool(true),
			Type:              pulumi.String("VirtualMachineScaleSets"),
			OsType:            pulumi.String("Linux"),
			// The Dsv5 sizes have no local disk for an ephemeral OS disk; say so rather than
			// leave it to AKS, so the plan (and its cost) is what Azure will build.
			OsDiskType:        pulumi.String("Managed"),
			OsDiskSizeGB:      pulumi.Int(128),
			VnetSubnetID:      a.Network.NodeSubnet.ID(),
			AvailabilityZones: e.ZoneArray(),
			NodeTaints:        pulumi.ToStringArray(taints),
			UpgradeSettings:   &containerservice.AgentPoolUpgradeSettingsArgs{MaxSurge: pulumi.String(a.MaxSurge)},
		}
	}
	tier := "Free"
	if e.Prod {
		tier = "Standard" // the paid tier carries the API server uptime SLA
	}
	mc, err := containerservice.NewManagedCluster(ctx, "aks", &containerservice.ManagedClusterArgs{
		ResourceGroupName: e.ResourceGroupName,
		ResourceName:      pulumi.String(a.Name),
		Location:          pulumi.String(e.Location),
		DnsPrefix:         pulumi.String(a.DNSPrefix),
		KubernetesVersion: pulumi.String(a.KubernetesVersion),
		Sku:               &containerservice.ManagedClusterSKUArgs{Name: pulumi.String("Base"), Tier: pulumi.String(tier)},
		Identity: &containerservice.ManagedClusterIdentityArgs{
			Type:                   containerservice.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{id.ID().ToStringOutput()},
		},
		AgentPoolProfiles: containerservice.ManagedClusterAgentPoolProfileArray{
			// System pods only: the apps land on the user pool.
			pool("system", "System", a.SystemPool, []string{"CriticalAddonsOnly=true:NoSchedule"}),
			pool("user", "User", a.UserPool, nil),
		},
		NetworkProfile: &containerservice.ContainerServiceNetworkProfileArgs{
			// Azure CNI overlay: nodes in the VNet, pods on a private overlay, so the /22 is
			// not exhausted by pods. Calico enforces the namespace's NetworkPolicies.
			NetworkPlugin:     pulumi.String("azure"),
			NetworkPluginMode: pulumi.String("overlay"),
			NetworkPolicy:     pulumi.String("calico"),
			PodCidr:           pulumi.String(network.PodCIDR),
			ServiceCidr:       pulumi.String("10.0.0.0/16"),
			DnsServiceIP:      pulumi.String("10.0.0.10"),
			LoadBalancerSku:   pulumi.String("standard"),
			OutboundType:      pulumi.String("loadBalancer"),
		},
		// Entra ID sign-in with Azure RBAC for Kubernetes authorization; no local admin account
		// whose certificate could leak.
		AadProfile: &containerservice.ManagedClusterAADProfileArgs{
			Managed:             pulumi.Bool(true),
			EnableAzureRBAC:     pulumi.Bool(true),
			TenantID:            pulumi.String(e.TenantID),
			AdminGroupObjectIDs: pulumi.ToStringArray(a.AdminGroupObjectIDs),
		},
		DisableLocalAccounts:   pulumi.Bool(true),
		ApiServerAccessProfile: apiServerAccess(a.AuthorizedIPRanges),
		EnableRBAC:             pulumi.Bool(true),
		OidcIssuerProfile:      &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		// No Key Vault secrets-provider add-on: the apps read their credentials from Kubernetes
		// Secrets (seed 001), and nothing mounts a SecretProviderClass.
		AddonProfiles: containerservice.ManagedClusterAddonProfileMap{
			// Container insights with managed-identity authentication (the legacy path signs in
			// with the workspace key); its data collection rule is created below.
			"omsagent": &containerservice.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config: pulumi.StringMap{
					"logAnalyticsWorkspaceResourceID": e.Logs.ID().ToStringOutput(),
					"useAADAuth":                      pulumi.String("true"),
				},
			},
		},
		// Kubernetes patch versions and node images roll forward on their own, inside the
		// maintenance windows below.
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{
			UpgradeChannel:       pulumi.String("patch"),
			NodeOSUpgradeChannel: pulumi.String("NodeImage"),
		},
		Tags: tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{netRole}),
		// The autoscaler owns the node counts after creation; a later `up` must not reset them.
		pulumi.IgnoreChanges([]string{"agentPoolProfiles[0].count", "agentPoolProfiles[1].count"}))
	if err != nil {
		return nil, err
	}
	c.OIDCIssuerURL = mc.OidcIssuerProfile.IssuerURL().Elem()

	if err := maintenanceWindows(ctx, e, mc, a.Maintenance, child); err != nil {
		return nil, err
	}
	if err := containerInsights(ctx, e, mc, child); err != nil {
		return nil, err
	}
	if _, err := e.Diagnose(ctx, "aks", mc.ID().ToStringOutput(), aksDiagnostics, child); err != nil {
		return nil, err
	}

	// The lookup depends on the cluster itself: in a preview before the cluster exists its id is
	// unknown and the lookup waits, instead of failing with 404 on a name the provider knows.
	creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: e.ResourceGroupName,
		ResourceName:      mc.Name,
		Format:            pulumi.String("exec"),
	}, pulumi.Provider(e.Provider), pulumi.DependsOn([]pulumi.Resource{mc}))
	kubeconfig := pulumi.All(creds.Kubeconfigs().Index(pulumi.Int(0)).Value(), deployerRole.ID()).ApplyT(func(v []any) (string, error) {
		return NonInteractiveKubeconfig(v[0].(string))
	}).(pulumi.StringOutput)
	c.Kubeconfig = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)

	p, err := kubernetes.NewProvider(ctx, name, providerArgs(c.Kubeconfig), child, pulumi.DependsOn([]pulumi.Resource{mc, deployerRole}))
	if err != nil {
		return nil, err
	}
	c.Provider = p
	return c.done(ctx)
}

// maintenanceWindows confine Kubernetes upgrades and node-image upgrades to the weekly window
// (the two schedules AKS reads: aksManagedAutoUpgradeSchedule, aksManagedNodeOSUpgradeSchedule).
func maintenanceWindows(ctx *pulumi.Context, e *azenv.Env, mc *containerservice.ManagedCluster, m config.AzureMaintenance, opts ...pulumi.ResourceOption) error {
	var prev []pulumi.Resource
	for _, schedule := range []string{"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"} {
		// One write at a time: AKS rejects concurrent operations on a cluster.
		mcfg, err := containerservice.NewMaintenanceConfiguration(ctx, schedule, &containerservice.MaintenanceConfigurationArgs{
			ResourceGroupName: e.ResourceGroupName,
			ResourceName:      mc.Name,
			ConfigName:        pulumi.String(schedule),
			MaintenanceWindow: &containerservice.MaintenanceWindowArgs{
				Schedule: &containerservice.ScheduleArgs{
					Weekly: &containerservice.WeeklyScheduleArgs{DayOfWeek: pulumi.String(m.DayOfWeek), IntervalWeeks: pulumi.Int(1)},
				},
				StartTime:     pulumi.String(fmt.Sprintf("%02d:00", *m.StartHour)),
				UtcOffset:     pulumi.String("+00:00"),
				DurationHours: pulumi.Int(m.DurationHours),
			},
		}, append(opts, pulumi.DependsOn(prev))...)
		if err != nil {
			return err
		}
		prev = []pulumi.Resource{mcfg}
	}
	return nil
}

// containerInsights is the data collection rule the monitoring add-on reads when it signs in
// with its managed identity (useAADAuth), associated with the cluster under the name AKS looks
// for. Shape from Microsoft's ARM template for Container insights with managed identity
// (learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable).
func containerInsights(ctx *pulumi.Context, e *azenv.Env, mc *containerservice.ManagedCluster, opts ...pulumi.ResourceOption) error {
	const stream, destination = "Microsoft-ContainerInsights-Group-Default", "ciworkspace"
	dcr, err := insights.NewDataCollectionRule(ctx, "container-insights", &insights.DataCollectionRuleArgs{
		ResourceGroupName: e.ResourceGroupName,
		Location:          pulumi.String(e.Location),
		Kind:              pulumi.String("Linux"),
		DataSources: &insights.DataCollectionRuleDataSourcesArgs{
			Extensions: insights.ExtensionDataSourceArray{&insights.ExtensionDataSourceArgs{
				Name:          pulumi.String("ContainerInsightsExtension"),
				ExtensionName: pulumi.String("ContainerInsights"),
				Streams:       pulumi.StringArray{pulumi.String(stream)},
				ExtensionSettings: pulumi.Map{"dataCollectionSettings": pulumi.Map{
					"interval":               pulumi.String("1m"),
					"namespaceFilteringMode": pulumi.String("Off"),
					"enableContainerLogV2":   pulumi.Bool(true),
				}},
			}},
		},
		Destinations: &insights.DataCollectionRuleDestinationsArgs{
			LogAnalytics: insights.LogAnalyticsDestinationArray{&insights.LogAnalyticsDestinationArgs{
				Name:                pulumi.String(destination),
				WorkspaceResourceId: e.Logs.ID().ToStringOutput(),
			}},
		},
		DataFlows: insights.DataFlowArray{&insights.DataFlowArgs{
			Streams:      pulumi.StringArray{pulumi.String(stream)},
			Destinations: pulumi.StringArray{pulumi.String(destination)},
		}},
		Tags: e.TagMap(),
	}, opts...)
	if err != nil {
		return err
	}
	_, err = insights.NewDataCollectionRuleAssociation(ctx, "container-insights", &insights.DataCollectionRuleAssociationArgs{
		AssociationName:      pulumi.String("ContainerInsightsExtension"),
		ResourceUri:          mc.ID().ToStringOutput(),
		DataCollectionRuleId: dcr.ID().ToStringOutput(),
	}, opts...)
	return err
}

// apiServerAccess restricts the API server to the given ranges; nil leaves AKS's default.
func apiServerAccess(ranges []string) containerservice.ManagedClusterAPIServerAccessProfilePtrInput {
	if len(ranges) == 0 {
		return nil
	}
	return &containerservice.ManagedClusterAPIServerAccessProfileArgs{AuthorizedIPRanges: pulumi.ToStringArray(ranges)}
}

// NonInteractiveKubeconfig decodes the kubeconfig AKS returns for an Entra ID cluster and
// switches kubelogin from device-code sign-in (which would hang `pulumi up`) to the Azure CLI
// session, the same identity that runs the deployment.
func NonInteractiveKubeconfig(b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("aks kubeconfig: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("aks kubeconfig: %w", err)
	}
	users, _ := doc["users"].([]any)
	for _, u := range users {
		user, _ := u.(map[string]any)
		spec, _ := user["user"].(map[string]any)
		exec, _ := spec["exec"].(map[string]any)
		args, _ := exec["args"].([]any)
		if exec == nil {
			continue
		}
		out := []any{}
		for i := 0; i < len(args); i++ {
			if args[i] == "--login" && i+1 < len(args) {
				i++ // replaced below
				continue
			}
			out = append(out, args[i])
		}
		exec["args"] = append(out, "--login", "azurecli")
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("aks kubeconfig: %w", err)
	}
	return string(b), nil
}
