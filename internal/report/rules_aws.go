package report

import (
	"fmt"
	"strings"

	"github.com/workfx/workfx-platform/internal/plan"
)

// Pricing rules for the aws resources the program can provision (input names as in the
// pulumi-aws v6 SDK's Args types).
func init() {
	for typ, f := range map[string]pricer{
		"aws:eks/cluster:Cluster": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "eks", "standard", 1, "EKS control plane")}
		},
		"aws:eks/nodeGroup:NodeGroup":                       eksNodeGroup,
		"aws:msk/cluster:Cluster":                           mskCluster,
		"aws:rds/instance:Instance":                         rdsInstance,
		"aws:elasticache/replicationGroup:ReplicationGroup": elasticacheReplicationGroup,
		"aws:elasticache/cluster:Cluster": func(c *costCtx, r *plan.Resource) []CostItem {
			nodes, ok := inputInt(r, "numCacheNodes")
			if !ok {
				nodes = 1
			}
			nt := r.Str("nodeType")
			return []CostItem{c.item(&awsPrices, r, "elasticache", nt, float64(nodes), fmt.Sprintf("ElastiCache cluster: %d × %s", nodes, orDefault(nt, "(nodeType unset)")))}
		},
		"aws:ec2/natGateway:NatGateway": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "nat-gateway", "gateway", 1, "NAT gateway")}
		},
		"aws:ec2/eip:Eip": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "public-ipv4", "address", 1, "Elastic IP (public IPv4)")}
		},
		"aws:secretsmanager/secret:Secret": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "secretsmanager", "secret", 1, "Secrets Manager secret")}
		},
		"aws:kms/key:Key": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "kms", "key", 1, "KMS key")}
		},
		"aws:s3/bucketV2:BucketV2": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "s3", "bucket", 1, "S3 bucket")}
		},
		"aws:s3/bucket:Bucket": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "s3", "bucket", 1, "S3 bucket")}
		},
		"aws:lb/loadBalancer:LoadBalancer": func(c *costCtx, r *plan.Resource) []CostItem {
			t := orDefault(r.Str("loadBalancerType"), "application")
			return []CostItem{c.item(&awsPrices, r, "elb", t, 1, t+" load balancer")}
		},
		"aws:ec2/vpcEndpoint:VpcEndpoint": func(c *costCtx, r *plan.Resource) []CostItem {
			if t := orDefault(r.Str("vpcEndpointType"), "Gateway"); t != "Gateway" {
				return []CostItem{notPriced(r, t+" VPC endpoint", "interface endpoints are billed per AZ-hour and GB; not in the price table")}
			}
			return []CostItem{c.item(&awsPrices, r, "vpc-endpoint", "gateway", 1, "gateway VPC endpoint ("+r.Str("serviceName")+")")}
		},
		"aws:cloudwatch/logGroup:LogGroup": func(c *costCtx, r *plan.Resource) []CostItem {
			return []CostItem{c.item(&awsPrices, r, "cloudwatch-logs", "log-group", 1, "CloudWatch log group")}
		},
	} {
		pricers[typ] = f
	}
	for _, typ := range []string{
		"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable",
		"aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/route:Route",
		"aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
		"aws:ec2/internetGateway:InternetGateway", "aws:ec2/securityGroup:SecurityGroup",
		"aws:ec2/securityGroupRule:SecurityGroupRule", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
		"aws:ec2/launchTemplate:LaunchTemplate",
		// Flow logs are billed as the log data their log group ingests (priced there as usage).
		"aws:ec2/flowLog:FlowLog",
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
		"aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy",
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
		"aws:iam/instanceProfile:InstanceProfile",
		"aws:eks/addon:Addon", "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
		"aws:eks/podIdentityAssociation:PodIdentityAssociation",
		"aws:msk/configuration:Configuration", "aws:msk/scramSecretAssociation:ScramSecretAssociation",
		"aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy",
		"aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
		"aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/parameterGroup:ParameterGroup",
		"aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup",
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
		"aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
		"aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2",
		"aws:secretsmanager/secretVersion:SecretVersion", "aws:secretsmanager/secretPolicy:SecretPolicy",
		"aws:kms/alias:Alias", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/grant:Grant",
		"aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule",
		"aws:lb/targetGroupAttachment:TargetGroupAttachment",
	} {
		freeTypes[typ] = true
	}
}

// eksNodeGroup: instanceTypes[0] (EKS defaults to t3.medium) × scalingConfig.desiredSize, plus
// each node's root volume (diskSize, 20 GiB gp2 by default) unless a launch template sets it.
func eksNodeGroup(c *costCtx, r *plan.Resource) []CostItem {
	v, _ := r.Input("instanceTypes")
	types, _ := v.([]any)
	instance := "t3.medium"
	if len(types) > 0 {
		instance, _ = types[0].(string)
	}
	nodes, ok := inputInt(r, "scalingConfig.desiredSize")
	if !ok {
		return []CostItem{notPriced(r, "node group "+r.Name, "scalingConfig.desiredSize not set")}
	}
	what := fmt.Sprintf("node group %s: %d × %s", r.Name, nodes, instance)
	if strings.EqualFold(r.Str("capacityType"), "SPOT") {
		return []CostItem{notPriced(r, what+" (spot)", "spot prices vary by the hour")}
	}
	items := []CostItem{c.item(&awsPrices, r, "ec2", instance, float64(nodes), what)}
	if len(types) > 1 {
		items[0].Note = strings.TrimPrefix(items[0].Note+"; priced at the first of several instanceTypes", "; ")
	}
	if lt, _ := r.Input("launchTemplate"); lt != nil {
		// The root volume the launch template the group depends on declares.
		for _, d := range r.Dependencies {
			t := c.plan.ByURN(d)
			if t == nil || t.Type != "aws:ec2/launchTemplate:LaunchTemplate" {
				continue
			}
			bdm, _ := t.Input("blockDeviceMappings")
			if list, _ := bdm.([]any); len(list) == 1 {
				ebs, _ := list[0].(map[string]any)["ebs"].(map[string]any)
				size, _ := ebs["volumeSize"].(int64)
				vt, _ := ebs["volumeType"].(string)
				if size > 0 && vt != "" {
					return append(items, c.item(&awsPrices, r, "ebs", vt, float64(size*int64(nodes)),
						fmt.Sprintf("node group %s root volumes: %d × %d GiB %s (launch template %s)", r.Name, nodes, size, vt, t.Name)))
				}
			}
		}
		return append(items, notPriced(r, "node group "+r.Name+" root volumes", "volumes come from the launch template"))
	}
	disk, ok := inputInt(r, "diskSize")
	if !ok {
		disk = 20
	}
	return append(items, c.item(&awsPrices, r, "ebs", "gp2", float64(disk*nodes),
		fmt.Sprintf("node group %s root volumes: %d × %d GiB gp2", r.Name, nodes, disk)))
}

// mskCluster: brokerNodeGroupInfo.instanceType × numberOfBrokerNodes, plus each broker's EBS
// volume (brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize; MSK's default is 1,000 GiB).
func mskCluster(c *costCtx, r *plan.Resource) []CostItem {
	it := r.Str("brokerNodeGroupInfo.instanceType")
	brokers, ok := inputInt(r, "numberOfBrokerNodes")
	if !ok {
		return []CostItem{notPriced(r, "MSK brokers", "numberOfBrokerNodes not set")}
	}
	items := []CostItem{c.item(&awsPrices, r, "msk", it, float64(brokers), fmt.Sprintf("MSK brokers: %d × %s", brokers, orDefault(it, "(instanceType unset)")))}
	size, ok := inputInt(r, "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize")
	if !ok {
		size = 1000
	}
	storage := c.item(&awsPrices, r, "msk-storage", "storage", float64(size*brokers),
		fmt.Sprintf("MSK broker storage: %d × %d GiB", brokers, size))
	// Storage auto scaling grows the volumes with the data: the figure is the size at creation.
	for _, t := range c.dependents(r, "aws:appautoscaling/target:Target") {
		if max, ok := inputInt(t, "maxCapacity"); ok && t.Str("scalableDimension") == "kafka:broker-storage:VolumeSize" {
			note := fmt.Sprintf("storage auto scaling grows each broker up to %d GiB", max)
			if storage.Priced {
				note += fmt.Sprintf(" ($%.2f per month at the maximum)", round2(storage.UnitUSD*float64(max*brokers)))
			}
			storage.Note = strings.TrimPrefix(storage.Note+"; "+note, "; ")
		}
	}
	return append(items, storage)
}

// rdsInstance: instanceClass (twice with multiAz) and allocatedStorage (twice with multiAz).
// Only PostgreSQL is in the table; other engines are not priced.
func rdsInstance(c *costCtx, r *plan.Resource) []CostItem {
	engine := r.Str("engine")
	class := r.Str("instanceClass")
	copies := int64(1)
	what := "RDS " + orDefault(engine, "(engine unset)")
	if inputBool(r, "multiAz") {
		copies = 2
		what += " Multi-AZ"
	}
	if engine != "postgres" {
		return []CostItem{notPriced(r, what+" "+class, "only the postgres engine is in the price table")}
	}
	items := []CostItem{c.item(&awsPrices, r, "rds-postgres", class, float64(copies), fmt.Sprintf("%s: %d × %s", what, copies, orDefault(class, "(instanceClass unset)")))}
	gb, ok := inputInt(r, "allocatedStorage")
	if !ok {
		return append(items, notPriced(r, what+" storage", "allocatedStorage not set"))
	}
	st := orDefault(r.Str("storageType"), "gp2")
	return append(items, c.item(&awsPrices, r, "rds-storage", st, float64(gb*copies),
		fmt.Sprintf("%s storage: %d × %d GiB %s", what, copies, gb, st)))
}

// elasticacheReplicationGroup: nodeType × nodes, where nodes is numCacheClusters, or
// numNodeGroups × (1 + replicasPerNodeGroup) for cluster mode, or 1.
func elasticacheReplicationGroup(c *costCtx, r *plan.Resource) []CostItem {
	nodes := int64(1)
	if n, ok := inputInt(r, "numCacheClusters"); ok {
		nodes = n
	} else if groups, ok := inputInt(r, "numNodeGroups"); ok {
		replicas, _ := inputInt(r, "replicasPerNodeGroup")
		nodes = groups * (1 + replicas)
	}
	nt := r.Str("nodeType")
	return []CostItem{c.item(&awsPrices, r, "elasticache", nt, float64(nodes), fmt.Sprintf("ElastiCache: %d × %s", nodes, orDefault(nt, "(nodeType unset)")))}
}
