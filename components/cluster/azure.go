package cluster

import (
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
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
	LogAnalyticsName  string
	KubernetesVersion string
	SystemPool        config.AzureNodePool
	UserPool          config.AzureNodePool
	MaxSurge          string
	// AdminGroupObjectIDs become cluster admins through Entra ID.
	AdminGroupObjectIDs []string
	// AuthorizedIPRanges limit who reaches the API server; empty leaves it open to sign-in.
	AuthorizedIPRanges []string
}

// NewAzure provisions AKS (Entra ID with Azure RBAC, workload identity, autoscaled pools) and
// the Kubernetes provider bound to it, which waits for the deployer's cluster-admin role.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)
	tags := e.TagMap()
	zones := pulumi.StringArray(nil)
	if e.Prod {
		zones = pulumi.ToStringArray([]string{"1", "2", "3"})
	}

	logs, err := operationalinsights.NewWorkspace(ctx, "logs", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: e.ResourceGroupName,
		WorkspaceName:     pulumi.String(a.LogAnalyticsName),
		Location:          pulumi.String(e.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(30),
		Tags:              tags,
	}, child)
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
	netRole, err := e.AssignRole(ctx, "aks-network-contributor", id.PrincipalId, "ServicePrincipal",
		azenv.RoleNetworkContributor, a.Network.VNet.ID(), child)
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
			AvailabilityZones: zones,
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
			PodCidr:           pulumi.String("10.244.0.0/16"),
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
			TenantID:            e.TenantID,
			AdminGroupObjectIDs: pulumi.ToStringArray(a.AdminGroupObjectIDs),
		},
		DisableLocalAccounts:   pulumi.Bool(true),
		ApiServerAccessProfile: apiServerAccess(a.AuthorizedIPRanges),
		EnableRBAC:             pulumi.Bool(true),
		OidcIssuerProfile:      &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		AddonProfiles: containerservice.ManagedClusterAddonProfileMap{
			"azureKeyvaultSecretsProvider": &containerservice.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config:  pulumi.StringMap{"enableSecretRotation": pulumi.String("true")},
			},
			"omsagent": &containerservice.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config:  pulumi.StringMap{"logAnalyticsWorkspaceResourceID": logs.ID().ToStringOutput()},
			},
		},
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{UpgradeChannel: pulumi.String("patch")},
		Tags:               tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{netRole}),
		// The autoscaler owns the node counts after creation; a later `up` must not reset them.
		pulumi.IgnoreChanges([]string{"agentPoolProfiles[0].count", "agentPoolProfiles[1].count"}))
	if err != nil {
		return nil, err
	}
	c.OIDCIssuerURL = mc.OidcIssuerProfile.IssuerURL().Elem()

	// Local accounts are off, so the deployer signs in through Entra ID and needs a Kubernetes
	// role to create the in-cluster objects.
	deployerRole, err := e.AssignRole(ctx, "aks-deployer-admin", e.DeployerObjectID, "",
		azenv.RoleAKSRBACClusterAdmin, mc.ID(), child)
	if err != nil {
		return nil, err
	}

	creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: e.ResourceGroupName,
		ResourceName:      mc.Name,
		Format:            pulumi.String("exec"),
	}, pulumi.Provider(e.Provider))
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
