// Package network lays out the private network every provisioned Azure piece lives in: the
// resource group, one VNet with a subnet per purpose, and the private DNS zones that make the
// data services' names resolve to private addresses inside the VNet.
package network

import (
	"fmt"
	"net"

	azurenetwork "github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The private DNS zones of the services reached through private endpoints. Each is the zone
// Azure documents for the service's Private Link group; a different name would not resolve.
const (
	// ZoneManagedRedis is Azure Managed Redis's zone (group redisEnterprise); ZoneRedis the
	// classic Azure Cache for Redis's (group redisCache).
	ZoneManagedRedis = "privatelink.redis.azure.net"
	ZoneRedis        = "privatelink.redis.cache.windows.net"
	ZoneKeyVault     = "privatelink.vaultcore.azure.net"
	ZoneBlob         = "privatelink.blob.core.windows.net"
	ZoneEventHubs    = "privatelink.servicebus.windows.net"
)

// PodCIDR is the AKS cluster's Azure CNI overlay pod range (outside the VNet; config validation
// keeps the VNet clear of it). The nodes' NSG admits it explicitly.
const PodCIDR = "10.244.0.0/16"

// AzureArgs configure the network.
type AzureArgs struct {
	Location          string
	ResourceGroupName string
	VNetName          string
	// CIDR is a validated /16.
	CIDR string
	// PostgresZone is the VNet-integrated Flexible Server's private zone (ends in
	// postgres.database.azure.com).
	PostgresZone string
	// RedisZone is ZoneManagedRedis or ZoneRedis, whichever Redis the stack provisions.
	RedisZone string
	// PublicIngressPorts are the TCP ports the cluster's public load balancer serves (the
	// Istio ingress gateway's); the nodes' NSG admits them from the Internet.
	PublicIngressPorts []int
	Tags               map[string]string
}

// Azure is the component.
type Azure struct {
	pulumi.ResourceState
	ResourceGroup *resources.ResourceGroup
	VNet          *azurenetwork.VirtualNetwork
	// NodeSubnet carries the AKS nodes (pods get overlay addresses, not VNet ones).
	NodeSubnet *azurenetwork.Subnet
	// PostgresSubnet is delegated to Flexible Server, which injects its NICs there.
	PostgresSubnet *azurenetwork.Subnet
	// EndpointSubnet holds the private endpoints of Redis, Key Vault, storage and Event Hubs.
	EndpointSubnet *azurenetwork.Subnet
	// Zones are the private DNS zones by name, each linked to the VNet.
	Zones map[string]*azurenetwork.PrivateZone
	// ZoneLinks must exist before a service registers records in (or resolves through) a zone.
	ZoneLinks map[string]*azurenetwork.VirtualNetworkLink
	// SecurityGroups are the subnets' NSGs by subnet name.
	SecurityGroups map[string]*azurenetwork.NetworkSecurityGroup
	opts           []pulumi.ResourceOption
}

// Subnets carves the /16: nodes /22 (1019 node addresses; overlay pods do not use VNet space),
// Postgres /24, private endpoints /24.
func Subnets(cidr string) (nodes, postgres, endpoints string, err error) {
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", "", "", err
	}
	if ones, _ := n.Mask.Size(); ones != 16 || ip.To4() == nil {
		return "", "", "", fmt.Errorf("network: %s is not an IPv4 /16", cidr)
	}
	b := n.IP.To4()
	return fmt.Sprintf("%d.%d.0.0/22", b[0], b[1]), fmt.Sprintf("%d.%d.4.0/24", b[0], b[1]), fmt.Sprintf("%d.%d.5.0/24", b[0], b[1]), nil
}

// NewAzure creates the resource group, VNet, subnets and private DNS zones. Every child inherits
// the explicit azure-native provider through the component's providers option.
func NewAzure(ctx *pulumi.Context, name string, args *AzureArgs, opts ...pulumi.ResourceOption) (*Azure, error) {
	c := &Azure{Zones: map[string]*azurenetwork.PrivateZone{}, ZoneLinks: map[string]*azurenetwork.VirtualNetworkLink{},
		SecurityGroups: map[string]*azurenetwork.NetworkSecurityGroup{}}
	if err := ctx.RegisterComponentResource("workfx:network:Azure", name, c, opts...); err != nil {
		return nil, err
	}
	c.opts = []pulumi.ResourceOption{pulumi.Parent(c)}
	nodesCIDR, pgCIDR, endpoints, err := Subnets(args.CIDR)
	if err != nil {
		return nil, err
	}
	tags := pulumi.ToStringMap(args.Tags)

	rg, err := resources.NewResourceGroup(ctx, "rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(args.ResourceGroupName),
		Location:          pulumi.String(args.Location),
		Tags:              tags,
	}, c.opts...)
	if err != nil {
		return nil, err
	}
	c.ResourceGroup = rg

	vnet, err := azurenetwork.NewVirtualNetwork(ctx, "vnet", &azurenetwork.VirtualNetworkArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: pulumi.String(args.VNetName),
		Location:           pulumi.String(args.Location),
		AddressSpace:       &azurenetwork.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.CIDR)}},
		Tags:               tags,
		// The subnets are their own resources; without this an update of the VNet would try
		// to remove them.
	}, append(c.opts, pulumi.IgnoreChanges([]string{"subnets"}))...)
	if err != nil {
		return nil, err
	}
	c.VNet = vnet

	// Every subnet has its own NSG. Azure's default rules already admit the VNet and the load
	// balancer's probes and deny the rest from outside; only the nodes add the overlay pod
	// range and the ingress ports.
	nsg := func(subnetName string, rules azurenetwork.SecurityRuleTypeArray) (*azurenetwork.NetworkSecurityGroup, error) {
		g, err := azurenetwork.NewNetworkSecurityGroup(ctx, subnetName, &azurenetwork.NetworkSecurityGroupArgs{
			ResourceGroupName:        rg.Name,
			NetworkSecurityGroupName: pulumi.String(args.VNetName + "-" + subnetName + "-nsg"),
			Location:                 pulumi.String(args.Location),
			SecurityRules:            rules,
			Tags:                     tags,
		}, c.opts...)
		c.SecurityGroups[subnetName] = g
		return g, err
	}

	// Azure rejects concurrent writes to one VNet ("AnotherOperationInProgress"), so the
	// subnets are created one after the other.
	subnet := func(name, cidr string, extra *azurenetwork.SubnetArgs, after pulumi.Resource) (*azurenetwork.Subnet, error) {
		var rules azurenetwork.SecurityRuleTypeArray
		if name == "nodes" {
			// Azure CNI overlay does not encapsulate pod traffic, so the nodes' subnet NSG
			// applies to it; pod addresses are outside the VNet, so the default
			// AllowVnetInBound does not cover them and DenyAllInBound would drop cross-node pod
			// traffic (CoreDNS on the system node, the apps on the user node). AKS asks for
			// these two allows: learn.microsoft.com/azure/aks/azure-cni-overlay, "Network
			// security groups" ("pod CIDR to pod CIDR", "node CIDR to pod CIDR", all ports and
			// protocols).
			rules = append(rules,
				allowAll("allow-pods-to-pods", "Azure CNI overlay: pod to pod across nodes", 110, PodCIDR, PodCIDR),
				allowAll("allow-nodes-to-pods", "Azure CNI overlay: nodes (kubelet probes, host-network pods) to pods", 120, nodesCIDR, PodCIDR))
		}
		if name == "nodes" && len(args.PublicIngressPorts) > 0 {
			rules = append(rules, &azurenetwork.SecurityRuleTypeArgs{
				Name:                     pulumi.String("allow-ingress-gateway"),
				Description:              pulumi.String("The ingress gateway's public load balancer (AKS does not edit a subnet's own NSG)"),
				Priority:                 pulumi.Int(100),
				Direction:                pulumi.String("Inbound"),
				Access:                   pulumi.String("Allow"),
				Protocol:                 pulumi.String("Tcp"),
				SourceAddressPrefix:      pulumi.String("Internet"),
				SourcePortRange:          pulumi.String("*"),
				DestinationAddressPrefix: pulumi.String("*"),
				DestinationPortRanges:    pulumi.ToStringArray(portStrings(args.PublicIngressPorts)),
			})
		}
		g, err := nsg(name, rules)
		if err != nil {
			return nil, err
		}
		extra.ResourceGroupName = rg.Name
		extra.VirtualNetworkName = vnet.Name
		extra.SubnetName = pulumi.String(name)
		extra.AddressPrefix = pulumi.String(cidr)
		extra.NetworkSecurityGroup = &azurenetwork.NetworkSecurityGroupTypeArgs{Id: g.ID()}
		o := append([]pulumi.ResourceOption{}, c.opts...)
		if after != nil {
			o = append(o, pulumi.DependsOn([]pulumi.Resource{after}))
		}
		return azurenetwork.NewSubnet(ctx, name, extra, o...)
	}
	if c.NodeSubnet, err = subnet("nodes", nodesCIDR, &azurenetwork.SubnetArgs{}, nil); err != nil {
		return nil, err
	}
	if c.PostgresSubnet, err = subnet("postgres", pgCIDR, &azurenetwork.SubnetArgs{
		Delegations: azurenetwork.DelegationArray{&azurenetwork.DelegationArgs{
			Name:        pulumi.String("postgres-flexible"),
			ServiceName: pulumi.String("Microsoft.DBforPostgreSQL/flexibleServers"),
		}},
	}, c.NodeSubnet); err != nil {
		return nil, err
	}
	if c.EndpointSubnet, err = subnet("endpoints", endpoints, &azurenetwork.SubnetArgs{
		// Private endpoints ignore a subnet's NSG unless network policies are enabled.
		PrivateEndpointNetworkPolicies: pulumi.String("Enabled"),
	}, c.PostgresSubnet); err != nil {
		return nil, err
	}

	redisZone := args.RedisZone
	if redisZone == "" {
		redisZone = ZoneManagedRedis
	}
	for _, zone := range []string{args.PostgresZone, redisZone, ZoneKeyVault, ZoneBlob, ZoneEventHubs} {
		z, err := azurenetwork.NewPrivateZone(ctx, zone, &azurenetwork.PrivateZoneArgs{
			ResourceGroupName: rg.Name,
			PrivateZoneName:   pulumi.String(zone),
			Location:          pulumi.String("global"), // private DNS zones are global resources
			Tags:              tags,
		}, c.opts...)
		if err != nil {
			return nil, err
		}
		link, err := azurenetwork.NewVirtualNetworkLink(ctx, zone, &azurenetwork.VirtualNetworkLinkArgs{
			ResourceGroupName:      rg.Name,
			PrivateZoneName:        z.Name,
			VirtualNetworkLinkName: pulumi.String(args.VNetName),
			Location:               pulumi.String("global"),
			VirtualNetwork:         &azurenetwork.SubResourceArgs{Id: vnet.ID()},
			// Records come from the services (endpoint zone groups, Flexible Server), not VMs.
			RegistrationEnabled: pulumi.Bool(false),
			Tags:                tags,
		}, c.opts...)
		if err != nil {
			return nil, err
		}
		c.Zones[zone], c.ZoneLinks[zone] = z, link
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"resourceGroupName": rg.Name,
		"vnetId":            vnet.ID(),
	})
}

// allowAll is an inbound rule admitting every port and protocol from one range to another.
func allowAll(name, description string, priority int, from, to string) *azurenetwork.SecurityRuleTypeArgs {
	return &azurenetwork.SecurityRuleTypeArgs{
		Name:                     pulumi.String(name),
		Description:              pulumi.String(description),
		Priority:                 pulumi.Int(priority),
		Direction:                pulumi.String("Inbound"),
		Access:                   pulumi.String("Allow"),
		Protocol:                 pulumi.String("*"),
		SourceAddressPrefix:      pulumi.String(from),
		SourcePortRange:          pulumi.String("*"),
		DestinationAddressPrefix: pulumi.String(to),
		DestinationPortRange:     pulumi.String("*"),
	}
}

func portStrings(ports []int) []string {
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = fmt.Sprint(p)
	}
	return out
}

// PrivateEndpoint connects a service (by resource id and Private Link group) to the endpoint
// subnet and registers its address in the service's private DNS zone. It is parented to the
// service's component (opts), so the endpoint reads as part of that service.
func (c *Azure) PrivateEndpoint(ctx *pulumi.Context, name string, target pulumi.IDOutput, groupID, zone string, opts ...pulumi.ResourceOption) (*azurenetwork.PrivateEndpoint, error) {
	z, ok := c.Zones[zone]
	if !ok {
		return nil, fmt.Errorf("network: no private DNS zone %s", zone)
	}
	pe, err := azurenetwork.NewPrivateEndpoint(ctx, name, &azurenetwork.PrivateEndpointArgs{
		ResourceGroupName: c.ResourceGroup.Name,
		Location:          c.ResourceGroup.Location,
		Subnet:            &azurenetwork.SubnetTypeArgs{Id: c.EndpointSubnet.ID()},
		PrivateLinkServiceConnections: azurenetwork.PrivateLinkServiceConnectionArray{&azurenetwork.PrivateLinkServiceConnectionArgs{
			Name:                 pulumi.String(name),
			PrivateLinkServiceId: target,
			GroupIds:             pulumi.StringArray{pulumi.String(groupID)},
		}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	_, err = azurenetwork.NewPrivateDnsZoneGroup(ctx, name, &azurenetwork.PrivateDnsZoneGroupArgs{
		ResourceGroupName:       c.ResourceGroup.Name,
		PrivateEndpointName:     pe.Name,
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateDnsZoneConfigs: azurenetwork.PrivateDnsZoneConfigArray{&azurenetwork.PrivateDnsZoneConfigArgs{
			Name:             pulumi.String(groupID),
			PrivateDnsZoneId: z.ID(),
		}},
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{c.ZoneLinks[zone]}))...)
	return pe, err
}
