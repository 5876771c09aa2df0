package stacks

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/secrets/contract"
	"github.com/workfx/workfx-platform/components/storage"
	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/components/workload"
	"github.com/workfx/workfx-platform/config"
)

// awsPlatform is the AWS platform: one explicit aws provider, the VPC, KMS and Secrets Manager,
// EKS, the provisioned data services (the others are the customer's), and one IRSA role per
// app reading only the secrets behind what that app reads.
type awsPlatform struct {
	cfg  *config.Config
	cl   *cluster.Cluster
	deps *dependencies
	// roles are the IRSA role ARNs by app name.
	roles map[string]pulumi.StringOutput
	// msk is set when Kafka is MSK, which creates no topic on first use.
	msk bool
	// region, secrets (the roles read Secrets Manager) and buckets (S3 is provisioned) shape the
	// cloud endpoints the apps reach.
	region           string
	secrets, buckets bool
}

// newAWS provisions the AWS pieces through one explicit provider. Validation guarantees the
// cluster is provisioned whenever a data service is.
func newAWS(ctx *pulumi.Context, cfg *config.Config) (*awsPlatform, error) {
	a := cfg.AWS
	prod := cfg.Environment == "prod"
	prefix := "workfx-" + ctx.Stack()
	tags := pulumi.StringMap{
		"workfx.ai/stack":       pulumi.String(ctx.Stack()),
		"workfx.ai/environment": pulumi.String(cfg.Environment),
		"managed-by":            pulumi.String("pulumi"),
	}
	for k, v := range a.DefaultTags {
		tags[k] = pulumi.String(v)
	}
	// The one AWS provider: region and tags come from the stack config, never from ambient
	// AWS_REGION or a default provider.
	provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region:      pulumi.String(a.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: tags},
	})
	if err != nil {
		return nil, err
	}
	// What AWS must confirm before anything is created: account, zones, versions.
	facts, err := awsPreflight(ctx, provider, cfg)
	if err != nil {
		return nil, err
	}

	v, err := vault.NewAWS(ctx, "vault", &vault.AWSArgs{Provider: provider, Prefix: prefix, Prod: prod})
	if err != nil {
		return nil, err
	}
	vpc, err := network.NewAWS(ctx, "network", &network.AWSArgs{
		Provider: provider, Zones: facts.zones, Cidr: a.VpcCidr, NATPerZone: prod, ClusterName: prefix,
		Region: a.Region, AccountID: facts.accountID, FlowLogRetentionDays: a.EKS.LogRetentionDays,
	})
	if err != nil {
		return nil, err
	}
	charts, err := chartSource(cfg.Images.ChartRepository)
	if err != nil {
		return nil, err
	}
	groups := make([]cluster.NodeGroup, 0, len(a.EKS.NodeGroups))
	for _, g := range a.EKS.NodeGroups {
		groups = append(groups, cluster.NodeGroup{Name: g.Name, InstanceTypes: g.InstanceTypes,
			MinSize: g.MinSize, MaxSize: g.MaxSize, DesiredSize: g.DesiredSize, DiskSizeGiB: g.DiskSizeGiB})
	}
	cl, err := cluster.NewAWS(ctx, "cluster", &cluster.AWSArgs{
		Provider: provider, ClusterName: prefix, Region: a.Region,
		Version: a.EKS.Version, SupportType: a.EKS.SupportType, AddonVersions: facts.addonVersions,
		SubnetIDs: vpc.PrivateSubnetIDs, PublicAccessCidrs: a.PublicAccessCidrs, AdminRoleArns: a.EKS.AdminRoleArns,
		SecretsKey: v.ClusterKey, NodeVolumeKey: v.DataKey, AutoScalingRoleArn: facts.autoScalingRoleArn, NodeGroups: groups, LogRetentionDays: a.EKS.LogRetentionDays,
		Autoscaler: &cluster.AutoscalerArgs{
			ImageTag: config.ClusterAutoscalerReleases[a.EKS.Version],
			Charts:   charts, Registry: cfg.Images.Registry, Replicas: map[bool]int{true: 2, false: 1}[prod],
		},
	})
	if err != nil {
		return nil, err
	}
	eks := cl.EKS

	p := &awsPlatform{cfg: cfg, cl: cl, roles: map[string]pulumi.StringOutput{}, region: a.Region}
	// Every data service: private subnets, reachable from the cluster only.
	placement := network.AWSPlacement{Provider: provider, VpcID: vpc.VpcID, SubnetIDs: vpc.PrivateSubnetIDs,
		ClientSecurityGroupID: eks.SecurityGroupID, Prod: prod, Prefix: prefix}
	// The secrets each contract group is backed by, for the workload roles.
	stored := map[contract.Group][]*vault.Secret{}
	var bucketArns []pulumi.StringOutput

	prov := provisioners{}
	if cfg.Postgres.Mode == config.ModeProvision {
		r := a.RDS
		prov.postgres = func() (*postgres.Postgres, error) {
			pg, err := postgres.NewAWS(ctx, "postgres", &postgres.AWSArgs{
				AWSPlacement: placement, Vault: v,
				InstanceClass: r.InstanceClass, AllocatedStorageGiB: r.AllocatedStorageGiB, MaxStorageGiB: r.MaxStorageGiB,
				BackupRetentionDays: r.BackupRetentionDays, MultiAZ: config.On(r.MultiAZ), Database: r.Database, Username: r.Username,
			})
			if err == nil {
				stored[contract.Postgres] = append(stored[contract.Postgres], pg.MasterSecret)
				stored[contract.Analytics] = append(stored[contract.Analytics], pg.MasterSecret)
			}
			return pg, err
		}
	}
	if cfg.Redis.Mode == config.ModeProvision {
		e := a.ElastiCache
		prov.redis = func() (*redis.Redis, error) {
			rd, err := redis.NewAWS(ctx, "redis", &redis.AWSArgs{
				AWSPlacement: placement, Vault: v,
				NodeType: e.NodeType, Replicas: *e.Replicas, SnapshotRetentionDays: *e.SnapshotRetentionDays,
			})
			if err == nil {
				stored[contract.Redis] = append(stored[contract.Redis], rd.AuthSecret)
			}
			return rd, err
		}
	}
	if cfg.Kafka.Mode == config.ModeProvision {
		m := a.MSK
		p.msk = true
		prov.kafka = func() (*kafka.Kafka, error) {
			kf, err := kafka.NewAWS(ctx, "kafka", &kafka.AWSArgs{
				AWSPlacement: placement, Vault: v, SecretPrefix: prefix,
				BrokerCount: m.BrokerCount, InstanceType: m.InstanceType, VolumeSizeGiB: m.VolumeSizeGiB, MaxVolumeSizeGiB: m.MaxVolumeSizeGiB,
				KafkaVersion: m.KafkaVersion, Username: m.Username, LogRetentionDays: a.EKS.LogRetentionDays,
				Use: kafkaUse(cfg),
			})
			if err == nil {
				stored[contract.Kafka] = append(stored[contract.Kafka], kf.SCRAMSecret)
				stored[contract.RasaKafka] = append(stored[contract.RasaKafka], kf.SCRAMSecret)
			}
			return kf, err
		}
	}
	if cfg.ObjectStorage.Mode == config.ModeProvision {
		prov.storage = func() (*storage.Storage, error) {
			st, err := storage.NewAWS(ctx, "object-storage", &storage.AWSArgs{
				Provider: provider, Vault: v, Region: a.Region, AccountID: facts.accountID, Prefix: a.S3.BucketPrefix, Prod: prod,
			})
			if err == nil {
				bucketArns = st.BucketArns
			}
			return st, err
		}
	}
	if p.deps, err = newDependencies(ctx, cfg, prov); err != nil {
		return nil, err
	}
	p.secrets, p.buckets = len(stored) > 0, len(bucketArns) > 0

	// One role per enabled app, trusted only by that app's ServiceAccount, reading only the
	// secrets behind the contract groups the app reads (and the buckets, for the WorkFX apps).
	for _, def := range enabledApps(cfg) {
		var readable []*vault.Secret
		seen := map[contract.Group]bool{}
		for _, g := range def.Secrets {
			if !seen[g] {
				readable = append(readable, stored[g]...)
			}
			seen[g] = true
		}
		var buckets []pulumi.StringOutput
		if def.WorkfxSettings {
			buckets = bucketArns
		}
		role, err := v.ReaderRole(ctx, def.Name, &vault.ReaderArgs{
			AssumeRolePolicy: cluster.IRSATrustPolicy(eks.OIDCProviderArn, eks.OIDCIssuer, cfg.Cluster.Namespace, def.Name),
			Secrets:          dedupe(readable),
			BucketArns:       buckets,
		})
		if err != nil {
			return nil, err
		}
		p.roles[def.Name] = role.Arn
	}

	ctx.Export("awsRegion", pulumi.String(a.Region))
	ctx.Export("eksClusterName", eks.Name)
	var zoneNames []string
	for _, z := range facts.zones {
		zoneNames = append(zoneNames, z.Name)
	}
	ctx.Export("availabilityZones", pulumi.ToStringArray(zoneNames))
	return p, nil
}

func (p *awsPlatform) cluster() *cluster.Cluster   { return p.cl }
func (p *awsPlatform) dependencies() *dependencies { return p.deps }

// storeCredentials: the generated credentials live in the stack state and the contract Secrets;
// the workload roles read the data services' secrets from Secrets Manager.
func (p *awsPlatform) storeCredentials(*pulumi.Context, *secrets.Args) error { return nil }

// inCluster renders what the provisioned backends need inside the cluster before the apps
// start, and returns it for the apps to wait on: MSK's topics (auto-creation is off).
func (p *awsPlatform) inCluster(ctx *pulumi.Context, in *inClusterArgs) ([]pulumi.Resource, error) {
	if !p.msk {
		return nil, nil
	}
	cfg := p.cfg
	topics := []string{cfg.Kafka.Topics.DocumentChunks, cfg.Kafka.Topics.Agents}
	if cfg.RasaOn() {
		topics = append(topics, cfg.Kafka.Topics.RasaEvents)
	}
	repo, tag, _ := strings.Cut(kafka.TopicsImage, ":")
	job, err := kafka.NewTopics(ctx, "kafka-topics", &kafka.TopicsArgs{
		Namespace:  in.namespace,
		Labels:     partOf,
		Image:      image(cfg.Images.Registry, config.ImageConfig{Repository: repo, Tag: tag}),
		Topics:     topics,
		SecretName: contract.KafkaSecret,
		Port:       kafka.AWSPort,
		PullSecret: cfg.Images.PullSecret,
		DependsOn:  in.after,
	}, in.k8s)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{job.Job}, nil
}

// cloudEndpoints: STS, where IRSA exchanges the pod's token for the role's credentials
// (AssumeRoleWithWebIdentity; the EKS pod identity webhook sets AWS_STS_REGIONAL_ENDPOINTS=
// regional, so the regional endpoint); Secrets Manager, which the roles read; and S3's
// virtual-hosted bucket names (<bucket>.s3.<region>.amazonaws.com, the SDKs' default addressing),
// besides the regional endpoint declared as the object storage. A wildcard host is matched by
// SNI (resolution NONE).
func (p *awsPlatform) cloudEndpoints() []mesh.External {
	out := []mesh.External{{Name: "aws-sts", Endpoints: pulumi.String("sts." + p.region + ".amazonaws.com:443"), TLS: true}}
	if p.secrets {
		out = append(out, mesh.External{Name: "aws-secrets-manager", Endpoints: pulumi.String("secretsmanager." + p.region + ".amazonaws.com:443"), TLS: true})
	}
	if p.buckets {
		out = append(out, mesh.External{Name: "aws-s3-buckets", Endpoints: pulumi.String("*.s3." + p.region + ".amazonaws.com:443"), TLS: true})
	}
	return out
}

// identity binds an app's ServiceAccount to its IAM role.
func (p *awsPlatform) identity(app appDef, spec *workload.Spec) {
	if arn, ok := p.roles[app.Name]; ok {
		spec.ServiceAccountAnnotations = pulumi.StringMap{"eks.amazonaws.com/role-arn": arn}
	}
}

// dedupe drops a secret listed twice (the same secret behind two contract groups).
func dedupe(in []*vault.Secret) []*vault.Secret {
	var out []*vault.Secret
	seen := map[*vault.Secret]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
