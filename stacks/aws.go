package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/search"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/storage"
	"github.com/workfx/workfx-platform/components/vault"
)

// awsPlatform is what the AWS composition hands back to Build: the cluster, the endpoints (same
// contracts as the existing path) and each app's workload role.
type awsPlatform struct {
	cluster *cluster.Cluster
	deps    *dependencies
	// roles are the IRSA role ARNs by app name.
	roles map[string]pulumi.StringOutput
	// mskPort is set when Kafka is MSK, which creates no topic on first use.
	mskPort int
}

// inCluster renders what the provisioned backends need inside the cluster before the apps
// start, and returns it for the apps to wait on: MSK's topics (auto-creation is off).
func (p *awsPlatform) inCluster(ctx *pulumi.Context, cfg *Config, namespace pulumi.StringInput, k8s pulumi.ResourceOption,
	secretsReady []pulumi.Resource,
) ([]pulumi.Resource, error) {
	if p.mskPort == 0 {
		return nil, nil
	}
	topics := []string{cfg.Kafka.Topics.DocumentChunks, cfg.Kafka.Topics.Agents}
	if appEnabled(cfg.Apps.RasaPro) || appEnabled(cfg.Apps.RasaProServices) {
		topics = append(topics, cfg.Kafka.Topics.RasaEvents)
	}
	repo, tag, _ := strings.Cut(kafka.TopicsImage, ":")
	job, err := kafka.NewTopics(ctx, "kafka-topics", &kafka.TopicsArgs{
		Namespace:  namespace,
		Labels:     partOf,
		Image:      image(cfg.Images.Registry, ImageConfig{Repository: repo, Tag: tag}),
		Topics:     topics,
		SecretName: secrets.KafkaSecret,
		Port:       p.mskPort,
		PullSecret: cfg.Images.PullSecret,
		DependsOn:  secretsReady,
	}, k8s)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{job.Job}, nil
}

// serviceAccountAnnotations binds an app's ServiceAccount to its IAM role (nil off AWS).
func (p *awsPlatform) serviceAccountAnnotations(app string) pulumi.StringMap {
	if p == nil {
		return nil
	}
	arn, ok := p.roles[app]
	if !ok {
		return nil
	}
	return pulumi.StringMap{"eks.amazonaws.com/role-arn": arn}
}

// buildAWS provisions the AWS pieces through one explicit provider. Validation guarantees the
// cluster is provisioned whenever a data service is.
func buildAWS(ctx *pulumi.Context, cfg *Config) (*awsPlatform, error) {
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
	zones, err := awsZones(ctx, provider, a)
	if err != nil {
		return nil, err
	}

	v, err := vault.NewAWS(ctx, "vault", &vault.AWSArgs{Provider: provider, Prefix: prefix, Prod: prod})
	if err != nil {
		return nil, err
	}
	vpc, err := network.NewAWS(ctx, "network", &network.AWSArgs{
		Provider: provider, Zones: zones, Cidr: a.VpcCidr, NATPerZone: prod, ClusterName: prefix,
	})
	if err != nil {
		return nil, err
	}
	groups := make([]cluster.NodeGroup, 0, len(a.EKS.NodeGroups))
	for _, g := range a.EKS.NodeGroups {
		groups = append(groups, cluster.NodeGroup{Name: g.Name, InstanceTypes: g.InstanceTypes,
			MinSize: g.MinSize, MaxSize: g.MaxSize, DesiredSize: g.DesiredSize, DiskSizeGiB: g.DiskSizeGiB})
	}
	cl, eks, err := cluster.NewAWS(ctx, "cluster", &cluster.AWSArgs{
		Provider: provider, ClusterName: prefix, Region: a.Region, Version: a.EKS.Version,
		SubnetIDs: vpc.PrivateSubnetIDs, PublicAccessCidrs: a.PublicAccessCidrs,
		SecretsKey: v.ClusterKey, NodeGroups: groups, LogRetentionDays: a.EKS.LogRetentionDays,
	})
	if err != nil {
		return nil, err
	}

	p := &awsPlatform{cluster: cl, deps: &dependencies{}, roles: map[string]pulumi.StringOutput{}}
	// Every data service: private subnets, reachable from the cluster only.
	placement := network.AWSPlacement{Provider: provider, VpcID: vpc.VpcID, SubnetIDs: vpc.PrivateSubnetIDs,
		ClientSecurityGroupID: eks.SecurityGroupID, Prod: prod}
	// The secrets each contract group is backed by, for the workload roles.
	stored := map[secrets.Group][]pulumi.StringOutput{}
	var bucketArns []pulumi.StringOutput

	if cfg.Postgres.Mode == ModeProvision {
		r := a.RDS
		pg, s, err := postgres.NewAWS(ctx, "postgres", &postgres.AWSArgs{
			AWSPlacement: placement, Vault: v,
			InstanceClass: r.InstanceClass, AllocatedStorageGiB: r.AllocatedStorageGiB, MaxStorageGiB: r.MaxStorageGiB,
			BackupRetentionDays: r.BackupRetentionDays, MultiAZ: On(r.MultiAZ), Database: r.Database, Username: r.Username,
		})
		if err != nil {
			return nil, err
		}
		p.deps.postgres = &pg.Endpoint
		stored[secrets.Postgres] = append(stored[secrets.Postgres], s.Arn)
		stored[secrets.Analytics] = append(stored[secrets.Analytics], s.Arn)
	} else {
		pg, err := postgres.New(ctx, "postgres", &postgres.Args{Mode: cfg.Postgres.Mode, Existing: cfg.Postgres.Existing})
		if err != nil {
			return nil, err
		}
		p.deps.postgres = &pg.Endpoint
	}

	if cfg.Redis.Mode == ModeProvision {
		e := a.ElastiCache
		rd, s, err := redis.NewAWS(ctx, "redis", &redis.AWSArgs{
			AWSPlacement: placement, Vault: v,
			NodeType: e.NodeType, Replicas: *e.Replicas, SnapshotRetentionDays: *e.SnapshotRetentionDays,
		})
		if err != nil {
			return nil, err
		}
		p.deps.redis = &rd.Endpoint
		stored[secrets.Redis] = append(stored[secrets.Redis], s.Arn)
	} else {
		rd, err := redis.New(ctx, "redis", &redis.Args{Mode: cfg.Redis.Mode, Existing: cfg.Redis.Existing})
		if err != nil {
			return nil, err
		}
		p.deps.redis = &rd.Endpoint
	}

	if cfg.Kafka.Mode == ModeProvision {
		m := a.MSK
		kf, s, err := kafka.NewAWS(ctx, "kafka", &kafka.AWSArgs{
			AWSPlacement: placement, Vault: v, SecretPrefix: prefix,
			BrokerCount: m.BrokerCount, InstanceType: m.InstanceType, VolumeSizeGiB: m.VolumeSizeGiB,
			KafkaVersion: m.KafkaVersion, Username: m.Username, LogRetentionDays: a.EKS.LogRetentionDays,
			Topics: cfg.Kafka.Topics, ConsumerGroupPrefix: cfg.Kafka.ConsumerGroupPrefix,
		})
		if err != nil {
			return nil, err
		}
		p.deps.kafka = &kf.Endpoint
		p.mskPort = kafka.AWSPort
		stored[secrets.Kafka] = append(stored[secrets.Kafka], s.Arn)
		stored[secrets.RasaKafka] = append(stored[secrets.RasaKafka], s.Arn)
	} else {
		kf, err := kafka.New(ctx, "kafka", &kafka.Args{
			Mode: cfg.Kafka.Mode, Topics: cfg.Kafka.Topics, ConsumerGroupPrefix: cfg.Kafka.ConsumerGroupPrefix, Existing: cfg.Kafka.Existing,
		})
		if err != nil {
			return nil, err
		}
		p.deps.kafka = &kf.Endpoint
	}

	if cfg.ObjectStorage.Mode == ModeProvision {
		st, arns, err := storage.NewAWS(ctx, "object-storage", &storage.AWSArgs{
			Provider: provider, Vault: v, Region: a.Region, Prefix: a.S3.BucketPrefix, Prod: prod,
		})
		if err != nil {
			return nil, err
		}
		p.deps.storage = st.Buckets
		bucketArns = arns
	} else {
		st, err := storage.New(ctx, "object-storage", &storage.Args{Mode: cfg.ObjectStorage.Mode, Existing: cfg.ObjectStorage.Existing})
		if err != nil {
			return nil, err
		}
		p.deps.storage = st.Buckets
	}

	if cfg.Elasticsearch.Mode == ModeExisting {
		es, err := search.New(ctx, "elasticsearch", &search.Args{Mode: cfg.Elasticsearch.Mode, Existing: cfg.Elasticsearch.Existing})
		if err != nil {
			return nil, err
		}
		p.deps.search = &es.Endpoint
	}

	// One role per enabled app, trusted only by that app's ServiceAccount, reading only the
	// secrets behind the contract groups the app reads (and the buckets, for the WorkFX apps).
	for _, def := range appCatalog {
		if !appEnabled(*def.config(cfg)) {
			continue
		}
		var arns []pulumi.StringOutput
		seen := map[secrets.Group]bool{}
		for _, g := range def.Secrets {
			if !seen[g] {
				arns = append(arns, stored[g]...)
			}
			seen[g] = true
		}
		var buckets []pulumi.StringOutput
		if def.WorkfxSettings {
			buckets = bucketArns
		}
		role, err := v.ReaderRole(ctx, def.Name, &vault.ReaderArgs{
			AssumeRolePolicy: cluster.IRSATrustPolicy(eks.OIDCProviderArn, eks.OIDCIssuer, cfg.Cluster.Namespace, def.Name),
			Secrets:          dedupe(arns),
			BucketArns:       buckets,
		})
		if err != nil {
			return nil, err
		}
		p.roles[def.Name] = role.Arn
	}

	ctx.Export("awsRegion", pulumi.String(a.Region))
	ctx.Export("eksClusterName", eks.Name)
	ctx.Export("availabilityZones", pulumi.ToStringArray(zones))
	return p, nil
}

// dedupe drops repeated Outputs (the same secret behind two groups) by identity.
func dedupe(in []pulumi.StringOutput) []pulumi.StringOutput {
	var out []pulumi.StringOutput
	seen := map[any]bool{}
	for _, o := range in {
		if !seen[o.OutputState] {
			seen[o.OutputState] = true
			out = append(out, o)
		}
	}
	return out
}

// awsZones returns the pinned zones, or the region's first three that need no opt-in (local and
// wavelength zones do, and cannot host RDS, MSK or EKS node groups alike).
func awsZones(ctx *pulumi.Context, provider *aws.Provider, a AWSConfig) ([]string, error) {
	if len(a.AvailabilityZones) > 0 {
		return a.AvailabilityZones, nil
	}
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:   pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	}, pulumi.Provider(provider))
	if err != nil {
		return nil, err
	}
	if len(res.Names) < defaultAZCount {
		return nil, fmt.Errorf("workfx:aws.region: %s offers %d availability zones, %d needed", a.Region, len(res.Names), defaultAZCount)
	}
	return res.Names[:defaultAZCount], nil
}
