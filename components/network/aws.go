// Package network provisions the private network the cluster and its data services share.
package network

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Zone is an availability zone by its name (per account) and its ID (the same physical zone in
// every account, what services' restrictions name).
type Zone struct{ Name, ID string }

// AWSArgs size the VPC.
type AWSArgs struct {
	Provider *aws.Provider
	// Zones are the availability zones, one public and one private subnet each.
	Zones []Zone
	Cidr  string
	// NATPerZone gives every zone its own NAT gateway (prod: a zone outage does not cut the
	// others off); otherwise one NAT serves all zones (dev: a third of the cost).
	NATPerZone bool
	// ClusterName is tagged on the subnets so EKS and the load balancer controller find them.
	ClusterName string
	// Region names the S3 gateway endpoint's service (com.amazonaws.<region>.s3).
	Region string
	// AccountID confines the flow-log delivery role to this account's flow logs.
	AccountID string
	// FlowLogRetentionDays keeps the VPC flow logs (a CloudWatch retention value).
	FlowLogRetentionDays int
}

// AWS is the VPC component.
type AWS struct {
	pulumi.ResourceState
	VpcID            pulumi.StringOutput
	PrivateSubnetIDs pulumi.StringArrayOutput
	PublicSubnetIDs  pulumi.StringArrayOutput
}

// NewAWS creates a VPC across the zones: public subnets (load balancers, NAT) routed to an
// internet gateway, private subnets (nodes, databases, brokers) routed through NAT.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*AWS, error) {
	c := &AWS{}
	if err := ctx.RegisterComponentResource("workfx:network:AwsVpc", name, c, opts...); err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}
	_, base, err := net.ParseCIDR(args.Cidr)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}

	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock: pulumi.String(args.Cidr),
		// Both are needed for the private EKS endpoint and the RDS/MSK/ElastiCache DNS names.
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               pulumi.StringMap{"Name": pulumi.String(name)},
	}, child...)
	if err != nil {
		return nil, err
	}
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{VpcId: vpc.ID()}, child...)
	if err != nil {
		return nil, err
	}
	publicRT, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   pulumi.StringMap{"Name": pulumi.String(name + "-public")},
	}, child...)
	if err != nil {
		return nil, err
	}

	clusterTag := "kubernetes.io/cluster/" + args.ClusterName
	var public, private, privateRoutes pulumi.StringArray
	var nats []*ec2.NatGateway
	for i, zone := range args.Zones {
		// Private subnets get the larger blocks (pods take VPC addresses with the VPC CNI):
		// a /16 gives three /19 private and three /20 public subnets.
		privCidr, err := subnet(base, 3, i)
		if err != nil {
			return nil, err
		}
		pubCidr, err := subnet(base, 4, 12+i)
		if err != nil {
			return nil, err
		}
		pub, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-public-%d", name, i), &ec2.SubnetArgs{
			VpcId: vpc.ID(),
			// By zone ID: the zone chosen is the one checked, whatever this account calls it.
			AvailabilityZoneId: pulumi.String(zone.ID),
			CidrBlock:          pulumi.String(pubCidr),
			// Nothing gets a public IP implicitly; only NAT and load balancers live here.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags: pulumi.StringMap{
				"Name":                   pulumi.String(fmt.Sprintf("%s-public-%s", name, zone.Name)),
				"kubernetes.io/role/elb": pulumi.String("1"),
				clusterTag:               pulumi.String("shared"),
			},
		}, child...)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%d", name, i), &ec2.RouteTableAssociationArgs{
			SubnetId: pub.ID(), RouteTableId: publicRT.ID(),
		}, child...); err != nil {
			return nil, err
		}
		public = append(public, pub.ID())

		if i == 0 || args.NATPerZone {
			eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%d", name, i), &ec2.EipArgs{
				Domain: pulumi.String("vpc"),
				Tags:   pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-nat-%s", name, zone.Name))},
			}, child...)
			if err != nil {
				return nil, err
			}
			nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-%d", name, i), &ec2.NatGatewayArgs{
				AllocationId: eip.ID(),
				SubnetId:     pub.ID(),
				Tags:         pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-%s", name, zone.Name))},
			}, append(child, pulumi.DependsOn([]pulumi.Resource{igw}))...)
			if err != nil {
				return nil, err
			}
			nats = append(nats, nat)
		}

		priv, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.SubnetArgs{
			VpcId:              vpc.ID(),
			AvailabilityZoneId: pulumi.String(zone.ID),
			CidrBlock:          pulumi.String(privCidr),
			Tags: pulumi.StringMap{
				"Name":                            pulumi.String(fmt.Sprintf("%s-private-%s", name, zone.Name)),
				"kubernetes.io/role/internal-elb": pulumi.String("1"),
				clusterTag:                        pulumi.String("shared"),
			},
		}, child...)
		if err != nil {
			return nil, err
		}
		nat := nats[len(nats)-1]
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.RouteTableArgs{
			VpcId:  vpc.ID(),
			Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()}},
			Tags:   pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-private-%s", name, zone.Name))},
		}, child...)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.RouteTableAssociationArgs{
			SubnetId: priv.ID(), RouteTableId: rt.ID(),
		}, child...); err != nil {
			return nil, err
		}
		private = append(private, priv.ID())
		privateRoutes = append(privateRoutes, rt.ID())
	}

	// S3 through a gateway endpoint: bucket traffic from the nodes stays on the AWS network and
	// pays no NAT processing ($0.045/GB); gateway endpoints themselves are free.
	if _, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId:           vpc.ID(),
		ServiceName:     pulumi.String("com.amazonaws." + args.Region + ".s3"),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   privateRoutes,
		Tags:            pulumi.StringMap{"Name": pulumi.String(name + "-s3")},
	}, child...); err != nil {
		return nil, err
	}
	if err := flowLogs(ctx, name, vpc, args, child); err != nil {
		return nil, err
	}

	c.VpcID = vpc.ID().ToStringOutput()
	c.PrivateSubnetIDs = private.ToStringArrayOutput()
	c.PublicSubnetIDs = public.ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vpcId": c.VpcID, "privateSubnetIds": c.PrivateSubnetIDs, "publicSubnetIds": c.PublicSubnetIDs,
	})
}

// flowLogs records every accepted and rejected connection of the VPC in CloudWatch Logs (what a
// security review or an incident asks first), through a role only the flow-logs service of this
// account may assume (docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
func flowLogs(ctx *pulumi.Context, name string, vpc *ec2.Vpc, args *AWSArgs, child []pulumi.ResourceOption) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vpc/" + args.ClusterName + "/flow-logs"),
		RetentionInDays: pulumi.Int(args.FlowLogRetentionDays),
	}, child...)
	if err != nil {
		return err
	}
	trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": args.AccountID}},
	}}})
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(string(trust))}, child...)
	if err != nil {
		return err
	}
	policy := group.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
			"Resource": []string{arn, arn + ":*"},
		}}})
		return string(b), err
	}).(pulumi.StringOutput)
	rp, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, child...)
	if err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  vpc.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(600),
		Tags:                   pulumi.StringMap{"Name": pulumi.String(name)},
	}, append(child, pulumi.DependsOn([]pulumi.Resource{rp}))...)
	return err
}

// subnet is Terraform's cidrsubnet for IPv4: the num-th block of base extended by newBits.
func subnet(base *net.IPNet, newBits, num int) (string, error) {
	ones, bits := base.Mask.Size()
	if ones+newBits > bits || num >= 1<<newBits {
		return "", fmt.Errorf("cannot carve subnet %d of /%d from %s", num, ones+newBits, base)
	}
	ip := base.IP.To4()
	v := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3])
	v |= uint32(num) << uint(bits-ones-newBits)
	return fmt.Sprintf("%d.%d.%d.%d/%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff, ones+newBits), nil
}

// AWSPlacement is where a data service lives on AWS: the explicit provider, the VPC's private
// subnets, and the one security group allowed to reach it (the EKS cluster's).
type AWSPlacement struct {
	Provider  *aws.Provider
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
	// ClientSecurityGroupID is the only source allowed to connect.
	ClientSecurityGroupID pulumi.StringInput
	Prod                  bool
	// Prefix starts the names AWS keeps account-wide (final snapshots): workfx-<stack>.
	Prefix string
}

// FinalSnapshotName is the name of the snapshot RDS or ElastiCache takes when the service is
// deleted: <prefix>-<service>-final-<8 hex digits>. Snapshot names are unique per account and
// region, so a fixed name fails the second time (another stack, or the same stack destroyed and
// created again); the random part is drawn once per stack lifetime, as terraform-aws-modules/rds
// does with random_id.snapshot_identifier.
func (a AWSPlacement) FinalSnapshotName(ctx *pulumi.Context, service string, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	id, err := random.NewRandomId(ctx, service+"-final-snapshot", &random.RandomIdArgs{ByteLength: pulumi.Int(4)}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	base := SnapshotSafe(a.Prefix + "-" + service + "-final")
	return id.Hex.ApplyT(func(h string) string { return base + "-" + h }).(pulumi.StringOutput), nil
}

var notSnapshotSafe = regexp.MustCompile(`[^a-z0-9]+`)

// SnapshotSafe makes a name RDS and ElastiCache accept as a snapshot identifier: lower-case
// letters, digits and single hyphens (a stack name may hold '_' or '.').
func SnapshotSafe(s string) string {
	return strings.Trim(notSnapshotSafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// SecurityGroup is NewServiceSecurityGroup for the placement's VPC and client.
func (a AWSPlacement) SecurityGroup(ctx *pulumi.Context, name string, port int, opts ...pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	return NewServiceSecurityGroup(ctx, name, a.VpcID, a.ClientSecurityGroupID, []int{port}, opts...)
}

// NewServiceSecurityGroup creates a data service's security group: TCP on the service's ports
// from the given source security group only (the cluster's), nothing else in and no egress
// (security groups are stateful, replies need no rule).
//
// The ingress rules are separate resources: the group itself needs only the VPC, so the data
// service (RDS, ElastiCache, MSK: 10-30 minutes each) is created alongside the EKS cluster
// instead of after it; only the small rules wait for the cluster's security group.
func NewServiceSecurityGroup(ctx *pulumi.Context, name string, vpcID pulumi.StringInput, source pulumi.StringInput, ports []int,
	opts ...pulumi.ResourceOption,
) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		Description: pulumi.String(name + ": reachable from the EKS cluster only"),
		VpcId:       vpcID,
	}, opts...)
	if err != nil {
		return nil, err
	}
	for _, p := range ports {
		if _, err := ec2.NewSecurityGroupRule(ctx, fmt.Sprintf("%s-from-cluster-%d", name, p), &ec2.SecurityGroupRuleArgs{
			Type:                  pulumi.String("ingress"),
			Description:           pulumi.String(fmt.Sprintf("%s from the EKS cluster", name)),
			SecurityGroupId:       sg.ID(),
			Protocol:              pulumi.String("tcp"),
			FromPort:              pulumi.Int(p),
			ToPort:                pulumi.Int(p),
			SourceSecurityGroupId: source,
		}, opts...); err != nil {
			return nil, err
		}
	}
	return sg, nil
}
