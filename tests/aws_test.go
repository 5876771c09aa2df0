package tests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/internal/plan"
)

const awsNamespace = "workfx-ai"

var awsDevFile = filepath.Join("testdata", "stacks", "aws-dev.yaml")

func planAWSDev(t *testing.T) *plan.Plan { return planFile(t, "aws-dev", awsDevFile) }

// awsFind finds a resource by type and logical name or fails the test.
func awsFind(t *testing.T, p *plan.Plan, typ, name string) *plan.Resource {
	t.Helper()
	r := p.Find(typ, name)
	require.NotNil(t, r, "no %s named %s", typ, name)
	return r
}

func awsInput(r *plan.Resource, path string) any {
	v, _ := r.Input(path)
	return v
}

func isSecret(r *plan.Resource, path string) bool {
	_, secret := r.Input(path)
	return secret
}

const (
	tRDS        = "aws:rds/instance:Instance"
	tCache      = "aws:elasticache/replicationGroup:ReplicationGroup"
	tMSK        = "aws:msk/cluster:Cluster"
	tMSKConf    = "aws:msk/configuration:Configuration"
	tScram      = "aws:msk/scramSecretAssociation:ScramSecretAssociation"
	tEKS        = "aws:eks/cluster:Cluster"
	tNodeGroup  = "aws:eks/nodeGroup:NodeGroup"
	tAddon      = "aws:eks/addon:Addon"
	tKey        = "aws:kms/key:Key"
	tSecret     = "aws:secretsmanager/secret:Secret"
	tSecretVer  = "aws:secretsmanager/secretVersion:SecretVersion"
	tBucket     = "aws:s3/bucketV2:BucketV2"
	tSG         = "aws:ec2/securityGroup:SecurityGroup"
	tSubnet     = "aws:ec2/subnet:Subnet"
	tNAT        = "aws:ec2/natGateway:NatGateway"
	tRouteTable = "aws:ec2/routeTable:RouteTable"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tRole       = "aws:iam/role:Role"
	tK8sProv    = "pulumi:providers:kubernetes"
	tAWSProv    = "pulumi:providers:aws"
)

func TestAWSProdProvisionsEveryPiece(t *testing.T) {
	p := planStack(t, "prod")
	for typ, n := range map[string]int{
		tAWSProv: 1, "aws:ec2/vpc:Vpc": 1, tSubnet: 6, tNAT: 3, tEKS: 1, tNodeGroup: 1, tAddon: 4,
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1, tRDS: 1, tCache: 1, tMSK: 1, tScram: 1,
		tKey: 4, tBucket: 5, "aws:s3/bucketVersioningV2:BucketVersioningV2": 5, tK8sProv: 1,
	} {
		assert.Len(t, p.ByType(typ), n, typ)
	}
	var addons []string
	for _, a := range p.ByType(tAddon) {
		addons = append(addons, a.Str("addonName"))
	}
	assert.ElementsMatch(t, []string{"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"}, addons)
	// Three zones: one public and one private subnet each.
	zones := map[string]int{}
	for _, s := range p.ByType(tSubnet) {
		zones[s.Str("availabilityZoneId")]++
	}
	assert.Equal(t, map[string]int{"use1-az1": 2, "use1-az2": 2, "use1-az4": 2}, zones)
	// The manifests are still there, on the new cluster.
	assert.Len(t, objects(p, "Deployment"), 4)
	assert.NotNil(t, p.Object("Secret", awsNamespace, "pg-secret"))
}

func TestAWSEveryAWSResourceUsesTheExplicitProvider(t *testing.T) {
	for _, p := range []*plan.Plan{planStack(t, "prod"), planAWSDev(t)} {
		providers := p.ByType(tAWSProv)
		require.Len(t, providers, 1, "%s: one explicit aws provider", p.Stack)
		prov := providers[0]
		// The provider deploys to the stack's workfx:aws.region.
		assert.Equal(t, map[string]string{"prod": "us-east-1", "aws-dev": "eu-west-1"}[p.Stack], prov.Str("region"), p.Stack)
		assert.NotEmpty(t, mapAt(prov, "defaultTags.tags")["workfx.ai/stack"], "default tags come from the provider")
		ref := prov.URN + "::" + prov.Name + "-id"
		n := 0
		for _, r := range p.Resources {
			if strings.HasPrefix(r.Type, "aws:") {
				n++
				assert.Equal(t, ref, r.Provider, "%s must use the explicit aws provider", r.URN)
				assert.NotEmpty(t, r.Parent, "%s must be parented to a component", r.URN)
			}
		}
		assert.Greater(t, n, 80, "%s: the AWS tree is planned", p.Stack)
	}
}

func TestAWSProdHasNoPublicDataEndpoints(t *testing.T) {
	p := planStack(t, "prod")
	assert.Equal(t, false, awsInput(awsFind(t, p, tRDS, "postgres"), "publiclyAccessible"))
	assert.Equal(t, "DISABLED", awsFind(t, p, tMSK, "kafka").Str("brokerNodeGroupInfo.connectivityInfo.publicAccess.type"))
	rules := map[string]int{} // data security group → ingress rules
	for _, rule := range p.ByType("aws:ec2/securityGroupRule:SecurityGroupRule") {
		assert.Equal(t, "ingress", rule.Str("type"), rule.Name)
		assert.Empty(t, listAt(rule, "cidrBlocks"), "%s: no CIDR may reach a data service", rule.Name)
		assert.Equal(t, "sg-eks-cluster", rule.Str("sourceSecurityGroupId"), "%s: only the EKS cluster security group", rule.Name)
		rules[strings.TrimSuffix(rule.Str("securityGroupId"), "-id")]++
	}
	for _, sg := range p.ByType(tSG) {
		assert.Empty(t, listAt(sg, "ingress"), "%s: ingress only through the separate rules", sg.Name)
		assert.Positive(t, rules[sg.Name], "%s: reachable from the cluster", sg.Name)
	}
	for _, s := range p.ByType(tSubnet) {
		assert.NotEqual(t, true, awsInput(s, "mapPublicIpOnLaunch"), s.Name)
	}
	eks := awsFind(t, p, tEKS, "cluster")
	assert.Equal(t, true, awsInput(eks, "vpcConfig.endpointPrivateAccess"))
	assert.Equal(t, []any{"203.0.113.10/32", "203.0.113.11/32"}, listAt(eks, "vpcConfig.publicAccessCidrs"))
	private := []any{}
	for i := 0; i < 3; i++ {
		private = append(private, "network-private-"+string(rune('0'+i))+"-id")
	}
	assert.Equal(t, private, listAt(eks, "vpcConfig.subnetIds"), "control plane ENIs in private subnets")
	for _, ng := range p.ByType(tNodeGroup) {
		assert.Equal(t, private, listAt(ng, "subnetIds"), "nodes in private subnets")
	}
	for _, typ := range []string{tRDS, tCache, tMSK} {
		for _, r := range p.ByType(typ) {
			assert.True(t, p.DependsOn(r, awsFind(t, p, "aws:ec2/subnet:Subnet", "network-private-0")), "%s in private subnets", r.Name)
		}
	}
	for _, b := range p.ByType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.Equal(t, true, awsInput(b, k), "%s %s", b.Name, k)
		}
	}
}

func TestAWSProdEncryptsAtRestAndInTransit(t *testing.T) {
	p := planStack(t, "prod")
	rds := awsFind(t, p, tRDS, "postgres")
	assert.Equal(t, true, awsInput(rds, "storageEncrypted"))
	assert.NotEmpty(t, rds.Str("kmsKeyId"))
	params := awsFind(t, p, "aws:rds/parameterGroup:ParameterGroup", "postgres")
	assert.Equal(t, "postgres16", params.Str("family"))
	assert.Contains(t, listAt(params, "parameters"), map[string]any{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"})
	assert.True(t, p.DependsOn(rds, params))
	assert.Equal(t, "postgres", rds.Str("engine"))
	assert.Equal(t, "16", rds.Str("engineVersion"))

	cache := awsFind(t, p, tCache, "redis")
	assert.Equal(t, true, awsInput(cache, "transitEncryptionEnabled"))
	assert.Equal(t, true, awsInput(cache, "atRestEncryptionEnabled"))
	assert.NotEmpty(t, cache.Str("kmsKeyId"))
	assert.True(t, isSecret(cache, "authToken"), "the auth token is a secret input")

	msk := awsFind(t, p, tMSK, "kafka")
	assert.Equal(t, "TLS", msk.Str("encryptionInfo.encryptionInTransit.clientBroker"), "TLS only, no plaintext listener")
	assert.Equal(t, true, awsInput(msk, "encryptionInfo.encryptionInTransit.inCluster"))
	assert.NotEmpty(t, msk.Str("encryptionInfo.encryptionAtRestKmsKeyArn"))
	assert.Contains(t, msk.Dependencies, awsFind(t, p, tKey, "vault-kafka").URN)

	eks := awsFind(t, p, tEKS, "cluster")
	enc := listAt(eks, "encryptionConfig.resources")
	assert.Equal(t, []any{"secrets"}, enc, "Kubernetes Secrets are envelope-encrypted")
	assert.Contains(t, eks.Dependencies, awsFind(t, p, tKey, "vault-cluster").URN)
	assert.ElementsMatch(t, []any{"api", "audit", "authenticator", "controllerManager", "scheduler"}, listAt(eks, "enabledClusterLogTypes"))
	assert.Equal(t, "API", eks.Str("accessConfig.authenticationMode"))

	for _, s := range p.ByType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
		rule := listAt(s, "rules")[0].(map[string]any)
		def := rule["applyServerSideEncryptionByDefault"].(map[string]any)
		assert.Equal(t, "aws:kms", def["sseAlgorithm"], s.Name)
		assert.NotEmpty(t, def["kmsMasterKeyId"], s.Name)
	}
	for _, s := range p.ByType(tSecret) {
		assert.NotEmpty(t, s.Str("kmsKeyId"), "%s is encrypted with a customer key", s.Name)
	}
	for _, k := range p.ByType(tKey) {
		assert.Equal(t, true, awsInput(k, "enableKeyRotation"), k.Name)
	}
}

func TestAWSProdKafkaIsSCRAMOverTLSAsSeed000(t *testing.T) {
	p := planStack(t, "prod")
	msk := awsFind(t, p, tMSK, "kafka")
	assert.Equal(t, true, awsInput(msk, "clientAuthentication.sasl.scram"))
	assert.Equal(t, false, awsInput(msk, "clientAuthentication.unauthenticated"))
	assert.Equal(t, int64(3), awsInput(msk, "numberOfBrokerNodes"))
	assert.Len(t, listAt(msk, "brokerNodeGroupInfo.clientSubnets"), 3, "brokers across the three zones")
	assert.Equal(t, true, awsInput(msk, "loggingInfo.brokerLogs.cloudwatchLogs.enabled"))

	conf := awsFind(t, p, tMSKConf, "kafka").Str("serverProperties")
	for _, prop := range []string{"auto.create.topics.enable=false", "default.replication.factor=3", "min.insync.replicas=2"} {
		assert.Contains(t, conf, prop)
	}
	secret := awsFind(t, p, tSecret, "kafka-scram")
	assert.True(t, strings.HasPrefix(secret.Str("namePrefix"), "AmazonMSK_"), "MSK only reads AmazonMSK_* secrets")
	assert.Contains(t, secret.Dependencies, awsFind(t, p, tKey, "vault-kafka").URN, "encrypted with the MSK customer key")
	assoc := awsFind(t, p, tScram, "kafka")
	assert.Contains(t, assoc.Dependencies, secret.URN)
	assert.Contains(t, assoc.Dependencies, msk.URN)
	assert.True(t, p.DependsOn(assoc, awsFind(t, p, tSecretVer, "kafka-scram")), "associate only once the value is stored")

	ks := p.Object("Secret", awsNamespace, "wfx-kafka-secret")
	require.NotNil(t, ks)
	assert.Equal(t, "SASL_SSL", mapAt(ks, "stringData")["security_protocol"])
	assert.True(t, p.DependsOn(ks, assoc), "the apps get the brokers once the SCRAM user exists")
	rasa := p.Object("ConfigMap", awsNamespace, "rasa-pro-config")
	require.NotNil(t, rasa)
	assert.Equal(t, "SASL_SSL", mapAt(rasa, "data")["KAFKA_SECURITY_PROTOCOL"])
	assert.Equal(t, "SCRAM-SHA-512", mapAt(rasa, "data")["KAFKA_SASL_MECHANISM"])
	assert.Contains(t, mapAt(rasa, "data")["KAFKA_BROKER_ADDRESS"], ":9096")
}

func TestAWSProdStatefulPiecesAreProtected(t *testing.T) {
	p := planStack(t, "prod")
	var stateful []*plan.Resource
	for _, typ := range []string{tRDS, tMSK, tCache, tBucket, tKey} {
		require.NotEmpty(t, p.ByType(typ), typ)
		stateful = append(stateful, p.ByType(typ)...)
	}
	for _, r := range stateful {
		assert.True(t, r.Protect, "%s must be protected in prod", r.URN)
		assert.True(t, r.RetainOnDelete, "%s must be retained on delete in prod", r.URN)
	}
	rds := awsFind(t, p, tRDS, "postgres")
	assert.Equal(t, true, awsInput(rds, "deletionProtection"))
	assert.Equal(t, false, awsInput(rds, "skipFinalSnapshot"))
	assert.NotEmpty(t, rds.Str("finalSnapshotIdentifier"))
	assert.Equal(t, true, awsInput(rds, "multiAz"))
	assert.Equal(t, int64(14), awsInput(rds, "backupRetentionPeriod"))
	assert.Equal(t, true, awsInput(rds, "performanceInsightsEnabled"))
	cache := awsFind(t, p, tCache, "redis")
	assert.Equal(t, true, awsInput(cache, "multiAzEnabled"))
	assert.Equal(t, true, awsInput(cache, "automaticFailoverEnabled"))
	assert.Equal(t, int64(2), awsInput(cache, "numCacheClusters"), "a primary and a replica")
	for _, v := range p.ByType("aws:s3/bucketVersioningV2:BucketVersioningV2") {
		assert.Equal(t, "Enabled", v.Str("versioningConfiguration.status"))
	}
	assert.Len(t, p.ByType(tNAT), 3, "one NAT per zone in prod")
}

func TestAWSDevPlansSmaller(t *testing.T) {
	dev, prod := planAWSDev(t), planStack(t, "prod")
	assert.Len(t, dev.ByType(tNAT), 1, "one NAT in dev")
	nat := dev.ByType(tNAT)[0]
	for _, rt := range dev.ByType(tRouteTable) {
		if strings.Contains(rt.Name, "private") {
			assert.Contains(t, rt.Dependencies, nat.URN, "%s routes through the single NAT", rt.Name)
		}
	}
	rds := awsFind(t, dev, tRDS, "postgres")
	assert.Equal(t, false, awsInput(rds, "multiAz"), "single-AZ RDS in dev")
	assert.Equal(t, false, awsInput(rds, "deletionProtection"))
	assert.Equal(t, "db.t4g.medium", rds.Str("instanceClass"))
	cache := awsFind(t, dev, tCache, "redis")
	assert.Equal(t, int64(1), awsInput(cache, "numCacheClusters"), "no replica in dev")
	assert.Equal(t, false, awsInput(cache, "automaticFailoverEnabled"))
	assert.Equal(t, true, awsInput(cache, "transitEncryptionEnabled"), "TLS in dev too")
	assert.Equal(t, "kafka.t3.small", awsFind(t, dev, tMSK, "kafka").Str("brokerNodeGroupInfo.instanceType"))
	assert.Contains(t, awsFind(t, dev, tMSKConf, "kafka").Str("serverProperties"), "auto.create.topics.enable=false")
	assert.Empty(t, dev.ByType("aws:s3/bucketVersioningV2:BucketVersioningV2"))
	for _, r := range dev.Resources {
		assert.False(t, r.Protect, "%s: dev stacks are disposable", r.URN)
	}
	ng := awsFind(t, dev, tNodeGroup, "cluster-general")
	assert.Equal(t, []any{"t3.large"}, listAt(ng, "instanceTypes"))
	assert.Less(t, len(dev.Resources), len(prod.Resources))
	b := awsFind(t, dev, tBucket, "object-storage-admin")
	assert.Equal(t, "acme-dev-workfx-ai-admin-123456789012-eu-west-1", b.Str("bucket"))
}

func TestAWSCredentialsAreSecret(t *testing.T) {
	p := planStack(t, "prod")
	assert.True(t, isSecret(awsFind(t, p, tRDS, "postgres"), "password"))
	assert.True(t, isSecret(awsFind(t, p, tCache, "redis"), "authToken"))
	for _, v := range p.ByType(tSecretVer) {
		assert.True(t, isSecret(v, "secretString"), "%s", v.Name)
	}
	assert.Len(t, p.ByType(tSecretVer), 3, "Postgres, Redis and Kafka credentials are held in Secrets Manager")
	assert.True(t, isSecret(awsFind(t, p, tK8sProv, "cluster"), "kubeconfig"))
	for _, s := range []struct{ name, key string }{{"pg-secret", "password"}, {"tp-redis-secret", "redis_password"}, {"wfx-kafka-secret", "password"}, {"kafka-secrets", "password"}} {
		obj := p.Object("Secret", awsNamespace, s.name)
		require.NotNil(t, obj, s.name)
		assert.True(t, isSecret(obj, "stringData."+s.key), "%s/%s", s.name, s.key)
		assert.Equal(t, plan.GeneratedPlaceholder, mapAt(obj, "stringData")[s.key], "%s/%s comes from a generated password", s.name, s.key)
	}
	for _, r := range p.Resources {
		b, err := json.Marshal(r.Inputs(false))
		require.NoError(t, err)
		assert.NotContains(t, string(b), plan.GeneratedPlaceholder, "%s shows a credential without --show-secrets", r.URN)
	}
}

func TestAWSKubeconfigAuthenticatesWithGetToken(t *testing.T) {
	p := planStack(t, "prod")
	kc := awsFind(t, p, tK8sProv, "cluster").Str("kubeconfig")
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(kc), &cfg))
	user := cfg["users"].([]any)[0].(map[string]any)["user"].(map[string]any)["exec"].(map[string]any)
	assert.Equal(t, "aws", user["command"])
	assert.Equal(t, []any{"eks", "get-token", "--cluster-name", "workfx-prod", "--region", "us-east-1", "--output", "json"}, user["args"])
	assert.NotContains(t, kc, "token:", "no long-lived token in the kubeconfig")
}

func TestAWSKubernetesObjectsWaitForTheNodeGroups(t *testing.T) {
	for _, p := range []*plan.Plan{planStack(t, "prod"), planAWSDev(t)} {
		prov := awsFind(t, p, tK8sProv, "cluster")
		ref := prov.URN + "::" + prov.Name + "-id"
		groups := p.ByType(tNodeGroup)
		require.NotEmpty(t, groups)
		for _, ng := range groups {
			assert.True(t, p.DependsOn(prov, ng), "%s: the kubernetes provider waits for %s", p.Stack, ng.Name)
		}
		assert.True(t, p.DependsOn(prov, awsFind(t, p, tAddon, "cluster-coredns")), "DNS runs before the apps")
		require.NotEmpty(t, p.Kubernetes())
		for _, r := range p.Kubernetes() {
			assert.Equal(t, ref, r.Provider, "%s must be applied through the EKS cluster's provider", r.URN)
		}
		// Nodes wait for the networking add-ons and their role's policies.
		for _, ng := range groups {
			assert.True(t, p.DependsOn(ng, awsFind(t, p, tAddon, "cluster-vpc-cni")))
			assert.True(t, p.DependsOn(ng, awsFind(t, p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-nodes-amazoneksworkernodepolicy")))
		}
	}
}

func TestAWSWorkloadRolesReadOnlyTheirSecrets(t *testing.T) {
	p := planStack(t, "prod")
	pg, rd, kf := awsFind(t, p, tSecret, "postgres-master"), awsFind(t, p, tSecret, "redis-auth-token"), awsFind(t, p, tSecret, "kafka-scram")
	want := map[string][]*plan.Resource{
		"workfx-api":        {pg, rd, kf},
		"workfx-cdc":        {pg, kf},
		"rasa-pro":          {kf},
		"rasa-pro-services": {pg, kf},
	}
	for app, secrets := range want {
		pol := awsFind(t, p, tRolePolicy, app)
		var got []string
		for _, s := range []*plan.Resource{pg, rd, kf} {
			for _, d := range pol.Dependencies {
				if d == s.URN {
					got = append(got, s.Name)
				}
			}
		}
		var names []string
		for _, s := range secrets {
			names = append(names, s.Name)
		}
		assert.ElementsMatch(t, names, got, "%s reads exactly its secrets", app)

		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(awsFind(t, p, tRole, app).Str("assumeRolePolicy")), &doc))
		stmt := doc["Statement"].([]any)[0].(map[string]any)
		cond := stmt["Condition"].(map[string]any)["StringEquals"].(map[string]any)
		assert.Contains(t, cond, "oidc.eks.us-east-1.amazonaws.com/id/MOCK0123456789:sub")
		assert.Equal(t, "system:serviceaccount:"+awsNamespace+":"+app, cond["oidc.eks.us-east-1.amazonaws.com/id/MOCK0123456789:sub"])

		sa := p.Object("ServiceAccount", awsNamespace, app)
		require.NotNil(t, sa, app)
		assert.Equal(t, "arn:aws:iam::123456789012:role/mock", mapAt(sa, "metadata.annotations")["eks.amazonaws.com/role-arn"])
	}
	// Only the WorkFX apps touch the buckets.
	assert.Contains(t, awsFind(t, p, tRolePolicy, "workfx-api").Str("policy"), "s3:GetObject")
	assert.NotContains(t, awsFind(t, p, tRolePolicy, "rasa-pro").Str("policy"), "s3:")
}

// malformedAWS: broken AWS settings, each a few edits of Pulumi.prod.yaml, with the key the error
// must name and a fragment of what it must say.
var malformedAWS = []struct {
	name    string
	edits   []edit
	key     string
	allowed string
}{
	{"broker count not a multiple of the zones", []edit{{"workfx:aws.msk.brokerCount", 4}}, "workfx:aws.msk.brokerCount", "multiple of the availability zone count (3)"},
	{"broker count vs two pinned zones", []edit{{"workfx:aws.availabilityZones", []any{"us-east-1a", "us-east-1b"}}}, "workfx:aws.msk.brokerCount", "multiple of the availability zone count (2)"},
	{"rds instance class without db. prefix", []edit{{"workfx:aws.rds.instanceClass", "r6g.large"}}, "workfx:aws.rds.instanceClass", "RDS instance class"},
	{"rds instance class too small", []edit{{"workfx:aws.rds.instanceClass", "db.t4g.micro"}}, "workfx:aws.rds.instanceClass", "medium or larger"},
	{"backup retention out of range", []edit{{"workfx:aws.rds.backupRetentionDays", 40}}, "workfx:aws.rds.backupRetentionDays", "between 1 and 35"},
	{"backup retention short in prod", []edit{{"workfx:aws.rds.backupRetentionDays", 3}}, "workfx:aws.rds.backupRetentionDays", "at least 7"},
	{"single-AZ RDS in prod", []edit{{"workfx:aws.rds.multiAz", false}}, "workfx:aws.rds.multiAz", "true in prod"},
	{"storage below max", []edit{{"workfx:aws.rds.maxStorageGiB", 50}}, "workfx:aws.rds.maxStorageGiB", "at least allocatedStorageGiB"},
	{"cache node type unknown", []edit{{"workfx:aws.elastiCache.nodeType", "r7g.large"}}, "workfx:aws.elastiCache.nodeType", "ElastiCache node type"},
	{"no cache replica in prod", []edit{{"workfx:aws.elastiCache.replicas", 0}}, "workfx:aws.elastiCache.replicas", "at least 1 in prod"},
	{"msk broker type unknown", []edit{{"workfx:aws.msk.instanceType", "m7g.large"}}, "workfx:aws.msk.instanceType", "MSK broker type"},
	{"burstable brokers in prod", []edit{{"workfx:aws.msk.instanceType", "kafka.t3.small"}}, "workfx:aws.msk.instanceType", "dev only"},
	{"kafka version", []edit{{"workfx:aws.msk.kafkaVersion", "latest"}}, "workfx:aws.msk.kafkaVersion", "3.9.x.kraft"},
	{"kafka 4 without kraft", []edit{{"workfx:aws.msk.kafkaVersion", "4.1.x"}}, "workfx:aws.msk.kafkaVersion", "KRaft mode only: use 4.1.x.kraft"},
	{"kraft before 3.7", []edit{{"workfx:aws.msk.kafkaVersion", "3.6.0.kraft"}}, "workfx:aws.msk.kafkaVersion", "from 3.7.x on"},
	{"msk storage ceiling below the initial size", []edit{{"workfx:aws.msk.maxVolumeSizeGiB", 100}}, "workfx:aws.msk.maxVolumeSizeGiB", "at least volumeSizeGiB (500)"},
	{"region missing", []edit{{"workfx:aws.region", nil}}, "workfx:aws.region", "eu-central-1"},
	{"zone of another region", []edit{{"workfx:aws.availabilityZones", []any{"us-east-1a", "us-east-1b", "eu-central-1a"}}}, "workfx:aws.availabilityZones[2]", "zone of region us-east-1"},
	{"four zones", []edit{{"workfx:aws.availabilityZones", []any{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"}}}, "workfx:aws.availabilityZones", "2 or 3"},
	{"vpc cidr invalid", []edit{{"workfx:aws.vpcCidr", "10.40.0.0"}}, "workfx:aws.vpcCidr", "CIDR"},
	{"vpc cidr too small", []edit{{"workfx:aws.vpcCidr", "10.40.0.0/24"}}, "workfx:aws.vpcCidr", "/16 to /20"},
	{"api open to the internet in prod", []edit{{"workfx:aws.publicAccessCidrs", []any{"0.0.0.0/0"}}}, "workfx:aws.publicAccessCidrs[0]", "must not open the API"},
	{"no api cidrs", []edit{{"workfx:aws.publicAccessCidrs", nil}}, "workfx:aws.publicAccessCidrs", "required"},
	{"private api cidr", []edit{{"workfx:aws.publicAccessCidrs", []any{"10.0.0.0/16"}}}, "workfx:aws.publicAccessCidrs[0]", "must be a public address range"},
	{"no cluster admins", []edit{{"workfx:aws.eks.adminRoleArns", nil}}, "workfx:aws.eks.adminRoleArns", "at least the role running `pulumi up`"},
	{"cluster admin not a role", []edit{{"workfx:aws.eks.adminRoleArns", []any{"arn:aws:iam::123456789012:user/alice"}}}, "workfx:aws.eks.adminRoleArns[0]", "must be an IAM role ARN"},
	{"eks version", []edit{{"workfx:aws.eks.version", "1.34.2"}}, "workfx:aws.eks.version", "such as 1.36"},
	{"log retention not a CloudWatch value", []edit{{"workfx:aws.eks.logRetentionDays", 10}}, "workfx:aws.eks.logRetentionDays", "CloudWatch retention"},
	{"node group min above max", []edit{{"workfx:aws.eks.nodeGroups", []any{map[string]any{"name": "general", "minSize": 5, "desiredSize": 5, "maxSize": 3}}}}, "workfx:aws.eks.nodeGroups[0]", "minSize <= desiredSize <= maxSize"},
	{"node instance type unknown", []edit{{"workfx:aws.eks.nodeGroups", []any{map[string]any{"name": "general", "instanceTypes": []any{"xlarge"}}}}}, "workfx:aws.eks.nodeGroups[0].instanceTypes[0]", "EC2 instance type"},
	{"unknown aws key", []edit{{"workfx:aws.rds.instanceType", "db.r6g.large"}}, "workfx:aws.rds.instanceType", "instanceClass"},
	{"data service without the cluster", []edit{{"workfx:cluster.mode", "existing"}}, "workfx:postgres.mode", "workfx:cluster.mode provision"},
	{"bucket prefix too long", []edit{{"workfx:aws.s3.bucketPrefix", strings.Repeat("a", 50)}}, "workfx:aws.s3.bucketPrefix", "at most"},
	// <prefix>-workfx-ai-tools-image-<12-digit account>-us-east-1 must fit in 63 characters.
	{"bucket prefix too long for account and region", []edit{{"workfx:aws.s3.bucketPrefix", strings.Repeat("a", 19)}}, "workfx:aws.s3.bucketPrefix", "at most 18 characters in us-east-1"},
}

func prodWith(t *testing.T, edits []edit) map[string]any {
	values := deepCopy(stackValues(t, "Pulumi.prod.yaml")).(map[string]any)
	for _, e := range edits {
		set(values, e.path, e.value)
	}
	return values
}

func TestAWSMalformedConfigsNameTheKey(t *testing.T) {
	_, err := loadValues(t, prodWith(t, nil))
	require.NoError(t, err, "the prod stack itself is valid")
	for _, tc := range malformedAWS {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadValues(t, prodWith(t, tc.edits))
			require.Error(t, err)
			var found bool
			for _, p := range problemsOf(t, err) {
				if p.Key == tc.key {
					found = true
					assert.Contains(t, p.Message, tc.allowed)
				}
			}
			assert.True(t, found, "no problem names %s; got:\n%v", tc.key, err)
		})
	}
}

func TestAWSDefaultsPerEnvironment(t *testing.T) {
	dev := prodWith(t, []edit{{"workfx:environment", "dev"}, {"workfx:aws.rds", nil}, {"workfx:aws.elastiCache", nil}, {"workfx:aws.msk", nil},
		{"workfx:aws.eks", map[string]any{"adminRoleArns": []any{"arn:aws:iam::210987654321:role/platform-deploy"}}}})
	cfg, err := loadValues(t, dev)
	require.NoError(t, err)
	a := cfg.AWS
	assert.Equal(t, "db.t4g.medium", a.RDS.InstanceClass)
	assert.False(t, *a.RDS.MultiAZ)
	assert.Equal(t, 0, *a.ElastiCache.Replicas)
	assert.Equal(t, 3, a.MSK.BrokerCount, "one broker per zone")
	assert.Equal(t, "workfx-dev", a.S3.BucketPrefix)

	prod := prodWith(t, []edit{{"workfx:aws.rds", nil}, {"workfx:aws.elastiCache", nil}, {"workfx:aws.msk", nil}})
	cfg, err = loadValues(t, prod)
	require.NoError(t, err)
	a = cfg.AWS
	assert.Equal(t, "db.r6g.large", a.RDS.InstanceClass)
	assert.True(t, *a.RDS.MultiAZ)
	assert.Equal(t, 14, a.RDS.BackupRetentionDays)
	assert.Equal(t, 1, *a.ElastiCache.Replicas)
	assert.Equal(t, "kafka.m7g.large", a.MSK.InstanceType)
}

func TestAWSTopicsAreCreatedBeforeTheApps(t *testing.T) {
	p := planStack(t, "prod")
	job := p.Object("Job", awsNamespace, "kafka-topics")
	require.NotNil(t, job, "MSK does not auto-create topics: a Job creates them")
	c := listAt(job, "spec.template.spec.containers")[0].(map[string]any)
	env := map[string]any{}
	for _, e := range c["env"].([]any) {
		m := e.(map[string]any)
		env[m["name"].(string)] = m
	}
	assert.Equal(t, "postgres.public.document_chunks postgres.public.agents rasa-assistant", env["TOPICS"].(map[string]any)["value"])
	assert.NotNil(t, env["KAFKA_PASSWORD"].(map[string]any)["valueFrom"], "the password comes from the contract Secret")
	sc := c["securityContext"].(map[string]any)
	assert.Equal(t, true, sc["readOnlyRootFilesystem"])
	assert.Equal(t, false, sc["allowPrivilegeEscalation"])
	assert.True(t, p.DependsOn(job, p.Object("Secret", awsNamespace, "wfx-kafka-secret")))
	for _, d := range objects(p, "Deployment") {
		assert.True(t, p.DependsOn(d, job), "%s starts after its topics exist", d.Str("metadata.name"))
	}
	assert.NotNil(t, p.Object("NetworkPolicy", awsNamespace, "kafka-topics"), "egress to the brokers is opened for the Job")
	// prod's namespace is injected: the Job's pod must opt out, or its sidecar keeps it running.
	assert.Equal(t, "enabled", p.Object("Namespace", "", awsNamespace).Str("metadata.labels.istio-injection"))
	assert.Equal(t, "false", mapAt(job, "spec.template.metadata.labels")["sidecar.istio.io/inject"], "no Istio sidecar in the topics Job")
	assert.Nil(t, planStack(t, "ka").Object("Job", "workfx-ai", "kafka-topics"), "an existing Kafka keeps its own topic management")
}

// The MSK SCRAM secret is encrypted with the Kafka key (MSK refuses the default key), so an app
// reading it needs kms:Decrypt on that key, not only on the secrets key.
func TestAWSWorkloadRolesCanDecryptEverySecretTheyRead(t *testing.T) {
	p := planStack(t, "prod")
	// The keys' ARNs as the resources encrypted with them were given them.
	secretsKey := awsFind(t, p, tSecret, "redis-auth-token").Str("kmsKeyId")
	kafkaKey := awsFind(t, p, tMSK, "kafka").Str("encryptionInfo.encryptionAtRestKmsKeyArn")
	require.NotEqual(t, secretsKey, kafkaKey)
	for app, want := range map[string][]string{
		"workfx-api":        {secretsKey, kafkaKey},
		"workfx-cdc":        {secretsKey, kafkaKey},
		"rasa-pro":          {kafkaKey},
		"rasa-pro-services": {secretsKey, kafkaKey},
	} {
		var doc struct {
			Statement []struct {
				Sid      string
				Resource []string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(awsFind(t, p, tRolePolicy, app).Str("policy")), &doc))
		var decrypt []string
		for _, s := range doc.Statement {
			if s.Sid == "DecryptSecrets" {
				decrypt = s.Resource
			}
		}
		assert.ElementsMatch(t, want, decrypt, "%s decrypts exactly the keys of the secrets it reads", app)
	}
}
