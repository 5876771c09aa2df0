package plan

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// mockRegion and mockAccount make the AWS outputs look like a real account's.
const (
	mockRegion  = "us-east-1"
	mockAccount = "123456789012"
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
	r.Invokes["aws:index/getAvailabilityZones:getAvailabilityZones"] = func(resource.PropertyMap) resource.PropertyMap {
		zones := []resource.PropertyValue{str(mockRegion + "a"), str(mockRegion + "b"), str(mockRegion + "c")}
		return resource.PropertyMap{"names": resource.NewArrayProperty(zones), "id": str(mockRegion)}
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
