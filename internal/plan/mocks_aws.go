package plan

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// mockRegion and mockAccount make the AWS outputs look like a real account's.
const (
	mockRegion  = "us-east-1"
	mockAccount = "123456789012"
	// AutoScalingServiceRole is the Auto Scaling service-linked role's name.
	AutoScalingServiceRole = "AWSServiceRoleForAutoScaling"
	// MockDeployerRole is the role the offline plan deploys as (the stacks list it as an admin).
	MockDeployerRole = "workfx-platform-deploy"
)

// registerAWSMocks gives the AWS resources and functions the program uses the computed outputs
// AWS would return (ARNs, endpoints, the OIDC issuer), so the plan shows resolved wiring.
func registerAWSMocks(r *Recorder) {
	str := resource.NewStringProperty
	name := func(in resource.PropertyMap, key, fallback string) string {
		if v, ok := in[resource.PropertyKey(key)]; ok && v.IsString() {
			return v.StringValue()
		}
		return fallback
	}
	arn := func(service, rest string) resource.PropertyValue {
		return str(fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, mockRegion, mockAccount, rest))
	}
	strs := func(vs []string) resource.PropertyValue {
		out := make([]resource.PropertyValue, len(vs))
		for i, v := range vs {
			out[i] = str(v)
		}
		return resource.NewArrayProperty(out)
	}
	region := func(call pulumi.MockCallArgs) string {
		if reg := r.ProviderInput(call.Provider, "region"); reg != "" {
			return reg
		}
		return mockRegion
	}
	r.ProviderInvokes["aws:index/getAvailabilityZones:getAvailabilityZones"] = func(call pulumi.MockCallArgs) resource.PropertyMap {
		var names, ids []string
		for _, z := range MockZones(region(call)) {
			names, ids = append(names, z[0]), append(ids, z[1])
		}
		return resource.PropertyMap{"names": strs(names), "zoneIds": strs(ids), "id": str(region(call))}
	}
	// Every requested instance type in every zone of the region (by zone ID).
	r.ProviderInvokes["aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"] = func(call pulumi.MockCallArgs) resource.PropertyMap {
		var types, locations, locationTypes []string
		for _, t := range filterValues(call.Args, "instance-type") {
			for _, z := range MockZones(region(call)) {
				types, locations, locationTypes = append(types, t), append(locations, z[1]), append(locationTypes, "availability-zone-id")
			}
		}
		return resource.PropertyMap{"instanceTypes": strs(types), "locations": strs(locations), "locationTypes": strs(locationTypes), "id": str(region(call))}
	}
	r.ProviderInvokes["aws:rds/getOrderableDbInstance:getOrderableDbInstance"] = func(call pulumi.MockCallArgs) resource.PropertyMap {
		var names []string
		for _, z := range MockZones(region(call)) {
			names = append(names, z[0])
		}
		return resource.PropertyMap{"availabilityZones": strs(names), "engine": str("postgres"),
			"instanceClass": str(name(call.Args, "instanceClass", "")), "engineVersion": str("17.6"), "id": str("orderable")}
	}
	// EKS's version calendar as of 2026-11-22 (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
	r.Invokes["aws:eks/getClusterVersions:getClusterVersions"] = func(resource.PropertyMap) resource.PropertyMap {
		var versions []resource.PropertyValue
		for _, v := range MockEKSVersions {
			versions = append(versions, resource.NewObjectProperty(resource.PropertyMap{
				"clusterType": str("eks"), "clusterVersion": str(v[0]), "versionStatus": str(v[1]),
				"endOfStandardSupportDate": str(v[2]), "endOfExtendedSupportDate": str(v[3]),
			}))
		}
		return resource.PropertyMap{"clusterVersions": resource.NewArrayProperty(versions), "id": str("eks")}
	}
	// Add-on versions in EKS's format (the real ones come from DescribeAddonVersions; these are
	// stand-ins of the right shape, kube-proxy following the Kubernetes minor as EKS's does).
	r.Invokes["aws:eks/getAddonVersion:getAddonVersion"] = func(in resource.PropertyMap) resource.PropertyMap {
		addon, k8s := name(in, "addonName", ""), name(in, "kubernetesVersion", "")
		v := map[string]string{
			"vpc-cni": "v1.20.4-eksbuild.2", "coredns": "v1.12.4-eksbuild.1", "aws-ebs-csi-driver": "v1.51.0-eksbuild.1",
			"kube-proxy": "v" + k8s + ".0-eksbuild.1",
		}[addon]
		return resource.PropertyMap{"addonName": str(addon), "kubernetesVersion": str(k8s), "version": str(v), "id": str(addon)}
	}
	// MSK's versions (docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html):
	// ACTIVE ones for new clusters, 3.6.0 past its end of support (2026-06-01).
	r.Invokes["aws:msk/getKafkaVersion:getKafkaVersion"] = func(in resource.PropertyMap) resource.PropertyMap {
		v := name(in, "version", "")
		status := ""
		switch v {
		case "3.7.x", "3.7.x.kraft", "3.8.x", "3.8.x.kraft", "3.9.x", "3.9.x.kraft", "4.0.x.kraft", "4.1.x.kraft":
			status = "ACTIVE"
		case "3.6.0", "3.5.1", "3.4.0":
			status = "DEPRECATED"
		}
		return resource.PropertyMap{"version": str(v), "status": str(status), "id": str(v)}
	}
	// The deployer: a role assumed by CI or an operator, as `aws sts get-caller-identity` shows it.
	r.Invokes["aws:index/getCallerIdentity:getCallerIdentity"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{
			"accountId": str(mockAccount), "id": str(mockAccount), "userId": str("AROAMOCKDEPLOYER:pulumi"),
			"arn": str("arn:aws:sts::" + mockAccount + ":assumed-role/" + MockDeployerRole + "/pulumi"),
		}
	}
	r.Invokes["aws:iam/getSessionContext:getSessionContext"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{
			"arn": str(name(in, "arn", "")), "id": str(name(in, "arn", "")),
			"issuerArn": str("arn:aws:iam::" + mockAccount + ":role/" + MockDeployerRole), "issuerName": str(MockDeployerRole),
			"issuerId": str("AROAMOCKDEPLOYER"), "sessionName": str("pulumi"),
		}
	}
	// The account's Auto Scaling service-linked role: it exists once any Auto Scaling group (or
	// `aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com`) has.
	r.Invokes["aws:iam/getRole:getRole"] = func(in resource.PropertyMap) resource.PropertyMap {
		n := name(in, "name", "")
		path := "/"
		if n == AutoScalingServiceRole {
			path = "/aws-service-role/autoscaling.amazonaws.com/"
		}
		return resource.PropertyMap{"name": str(n), "id": str(n), "path": str(path),
			"arn": str("arn:aws:iam::" + mockAccount + ":role" + path + n)}
	}
	r.Outputs["aws:ec2/launchTemplate:LaunchTemplate"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"latestVersion": resource.NewNumberProperty(1), "defaultVersion": resource.NewNumberProperty(1)}
	}
	r.Outputs["aws:kms/key:Key"] = func(in resource.PropertyMap) resource.PropertyMap {
		// Each key its own id (from its description), as AWS gives every key a UUID.
		id := mockGUID(name(in, "description", "key"))
		return resource.PropertyMap{"arn": arn("kms", "key/"+id), "keyId": str(id)}
	}
	r.Outputs["aws:secretsmanager/secret:Secret"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": arn("secretsmanager", "secret:"+name(in, "namePrefix", "workfx")+"mock")}
	}
	r.Outputs["aws:iam/role:Role"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": str("arn:aws:iam::" + mockAccount + ":role/mock"), "name": str("mock-role")}
	}
	r.Outputs["aws:eks/cluster:Cluster"] = func(in resource.PropertyMap) resource.PropertyMap {
		n := name(in, "name", "mock")
		issuer := "https://oidc.eks." + mockRegion + ".amazonaws.com/id/MOCK0123456789"
		return resource.PropertyMap{
			"arn":                  arn("eks", "cluster/"+n),
			"endpoint":             str("https://MOCK.gr7." + mockRegion + ".eks.amazonaws.com"),
			"certificateAuthority": resource.NewObjectProperty(resource.PropertyMap{"data": str("bW9jay1jYQ==")}),
			"identities": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
				"oidcs": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{"issuer": str(issuer)})}),
			})}),
			"vpcConfig": resource.NewObjectProperty(resource.PropertyMap{"clusterSecurityGroupId": str("sg-eks-cluster")}),
		}
	}
	r.Outputs["aws:iam/openIdConnectProvider:OpenIdConnectProvider"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": str("arn:aws:iam::" + mockAccount + ":oidc-provider/oidc.eks." + mockRegion + ".amazonaws.com/id/MOCK0123456789")}
	}
	r.Outputs["aws:rds/instance:Instance"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"address": str("workfx-postgres.mock." + mockRegion + ".rds.amazonaws.com"), "arn": arn("rds", "db:mock")}
	}
	r.Outputs["aws:elasticache/replicationGroup:ReplicationGroup"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"primaryEndpointAddress": str("master.workfx-redis.mock.euc1.cache.amazonaws.com")}
	}
	r.Outputs["aws:msk/configuration:Configuration"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": arn("kafka", "configuration/mock"), "latestRevision": resource.NewNumberProperty(1)}
	}
	r.Outputs["aws:msk/cluster:Cluster"] = func(resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{
			"arn": arn("kafka", "cluster/mock"),
			"bootstrapBrokersSaslScram": str("b-1.mock.kafka." + mockRegion + ".amazonaws.com:9096,b-2.mock.kafka." + mockRegion +
				".amazonaws.com:9096,b-3.mock.kafka." + mockRegion + ".amazonaws.com:9096"),
		}
	}
	r.Outputs["aws:s3/bucketV2:BucketV2"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": str("arn:aws:s3:::" + name(in, "bucket", "mock"))}
	}
	r.Outputs["aws:cloudwatch/logGroup:LogGroup"] = func(in resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"arn": arn("logs", "log-group:"+name(in, "name", "mock"))}
	}
}

// MockEKSVersions are EKS's versions with status and end of standard / extended support, as of
// the price and duration tables' date (2026-11-22).
var MockEKSVersions = [][4]string{
	{"1.36", "STANDARD_SUPPORT", "2027-08-02", "2028-08-02"},
	{"1.35", "STANDARD_SUPPORT", "2027-03-27", "2028-03-27"},
	{"1.34", "STANDARD_SUPPORT", "2026-12-02", "2027-12-02"},
	{"1.33", "EXTENDED_SUPPORT", "2026-07-29", "2027-07-29"},
	{"1.32", "EXTENDED_SUPPORT", "2026-03-23", "2027-03-23"},
	{"1.31", "EXTENDED_SUPPORT", "2025-11-26", "2026-11-26"},
}

// MockZones are a region's zones as {name, zone ID}, mapped as in an account where us-east-1c is
// use1-az3 (names map to different physical zones in every account; IDs do not): the zone EKS
// and MSK refuse sits among the first three names.
func MockZones(region string) [][2]string {
	if region == "us-east-1" {
		var out [][2]string
		for i, l := range "abcdef" {
			out = append(out, [2]string{region + string(l), fmt.Sprintf("use1-az%d", i+1)})
		}
		return out
	}
	prefix := config.ZoneIDPrefix(region)
	var out [][2]string
	for i, l := range "abc" {
		out = append(out, [2]string{region + string(l), fmt.Sprintf("%s-az%d", prefix, i+1)})
	}
	return out
}

// filterValues are the values of a data source's named filter ({name, values} blocks).
func filterValues(args resource.PropertyMap, filter string) []string {
	var out []string
	fs, ok := args["filters"]
	if !ok || !fs.IsArray() {
		return nil
	}
	for _, f := range fs.ArrayValue() {
		if !f.IsObject() || f.ObjectValue()["name"].StringValue() != filter {
			continue
		}
		for _, v := range f.ObjectValue()["values"].ArrayValue() {
			out = append(out, v.StringValue())
		}
	}
	return out
}
