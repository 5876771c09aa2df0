package kafka

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/msk"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AWSArgs configure an MSK cluster.
type AWSArgs struct {
	network.AWSPlacement
	Vault *vault.AWS
	// SecretPrefix starts the SCRAM secret's name after AmazonMSK_ (MSK's requirement).
	SecretPrefix string

	BrokerCount   int
	InstanceType  string
	VolumeSizeGiB int
	// MaxVolumeSizeGiB caps storage auto scaling (per broker).
	MaxVolumeSizeGiB int
	KafkaVersion     string
	Username         string
	LogRetentionDays int

	Use
}

// AWSPort is MSK's SASL/SCRAM listener (TLS).
const AWSPort = 9096

// ServerProperties is the MSK cluster configuration: topics are created on purpose, never by a
// typo; prod survives a broker loss without losing acknowledged writes.
func ServerProperties(prod bool) string {
	replication, minISR := 2, 1
	if prod {
		replication, minISR = 3, 2
	}
	return fmt.Sprintf("auto.create.topics.enable=false\n"+
		"default.replication.factor=%d\n"+
		"min.insync.replicas=%d\n"+
		"num.partitions=3\n"+
		"unclean.leader.election.enable=false\n", replication, minISR)
}

// StorageSizePath is the MSK cluster input storage auto scaling changes behind the program's back.
const StorageSizePath = "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"

// StorageTargetUtilization is the disk usage storage auto scaling keeps the brokers at: it adds
// storage when a broker's disk passes it, leaving room for a traffic burst while the volume grows.
const StorageTargetUtilization = 60

// storageAutoScaling lets Application Auto Scaling grow the brokers' storage up to the maximum
// (docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand.html; terraform-aws-modules/msk-kafka-cluster
// does the same with aws_appautoscaling_target/policy). Scale-in is off: MSK cannot shrink a volume.
func storageAutoScaling(ctx *pulumi.Context, name string, cluster *msk.Cluster, args *AWSArgs, child []pulumi.ResourceOption) error {
	target, err := appautoscaling.NewTarget(ctx, name+"-storage", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("kafka"),
		ScalableDimension: pulumi.String("kafka:broker-storage:VolumeSize"),
		ResourceId:        cluster.Arn,
		MinCapacity:       pulumi.Int(1),
		MaxCapacity:       pulumi.Int(args.MaxVolumeSizeGiB),
	}, child...)
	if err != nil {
		return err
	}
	_, err = appautoscaling.NewPolicy(ctx, name+"-storage", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("KafkaBrokerStorageUtilization"),
			},
			TargetValue:    pulumi.Float64(StorageTargetUtilization),
			DisableScaleIn: pulumi.Bool(true),
		},
	}, child...)
	return err
}

// NewAWS provisions MSK with SASL/SCRAM over TLS (the Rasa settings of seed 000); SCRAMSecret is
// the SCRAM credential.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Kafka, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}

	password, err := credential.Generate(ctx, name+"-scram", 40, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	sg, err := args.SecurityGroup(ctx, name, AWSPort, child...)
	if err != nil {
		return nil, err
	}
	conf, err := msk.NewConfiguration(ctx, name, &msk.ConfigurationArgs{
		Description:      pulumi.String("workfx Kafka broker settings"),
		ServerProperties: pulumi.String(ServerProperties(args.Prod)),
	}, child...)
	if err != nil {
		return nil, err
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-brokers", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/msk/" + args.SecretPrefix),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, child...)
	if err != nil {
		return nil, err
	}
	monitoring := "DEFAULT"
	if args.Prod {
		monitoring = "PER_BROKER"
	}
	cluster, err := msk.NewCluster(ctx, name, &msk.ClusterArgs{
		KafkaVersion:        pulumi.String(args.KafkaVersion),
		NumberOfBrokerNodes: pulumi.Int(args.BrokerCount),
		BrokerNodeGroupInfo: &msk.ClusterBrokerNodeGroupInfoArgs{
			InstanceType:   pulumi.String(args.InstanceType),
			ClientSubnets:  args.SubnetIDs,
			SecurityGroups: pulumi.StringArray{sg.ID()},
			StorageInfo: &msk.ClusterBrokerNodeGroupInfoStorageInfoArgs{
				EbsStorageInfo: &msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs{VolumeSize: pulumi.Int(args.VolumeSizeGiB)},
			},
			ConnectivityInfo: &msk.ClusterBrokerNodeGroupInfoConnectivityInfoArgs{
				PublicAccess: &msk.ClusterBrokerNodeGroupInfoConnectivityInfoPublicAccessArgs{Type: pulumi.String("DISABLED")},
			},
		},
		// SCRAM only: no anonymous clients, no IAM or mTLS listeners to secure as well.
		ClientAuthentication: &msk.ClusterClientAuthenticationArgs{
			Sasl:            &msk.ClusterClientAuthenticationSaslArgs{Scram: pulumi.Bool(true)},
			Unauthenticated: pulumi.Bool(false),
		},
		EncryptionInfo: &msk.ClusterEncryptionInfoArgs{
			EncryptionAtRestKmsKeyArn: args.Vault.KafkaKey.Arn,
			EncryptionInTransit: &msk.ClusterEncryptionInfoEncryptionInTransitArgs{
				ClientBroker: pulumi.String("TLS"),
				InCluster:    pulumi.Bool(true),
			},
		},
		ConfigurationInfo: &msk.ClusterConfigurationInfoArgs{Arn: conf.Arn, Revision: conf.LatestRevision},
		LoggingInfo: &msk.ClusterLoggingInfoArgs{
			BrokerLogs: &msk.ClusterLoggingInfoBrokerLogsArgs{
				CloudwatchLogs: &msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs{Enabled: pulumi.Bool(true), LogGroup: logs.Name},
			},
		},
		EnhancedMonitoring: pulumi.String(monitoring),
	}, append(child, pulumi.Protect(args.Prod), pulumi.RetainOnDelete(args.Prod),
		// Storage auto scaling owns the volume size once it has grown it (MSK storage never
		// shrinks: an `up` setting the configured size back would fail).
		pulumi.IgnoreChanges([]string{StorageSizePath}))...)
	if err != nil {
		return nil, err
	}
	if err := storageAutoScaling(ctx, name, cluster, args, child); err != nil {
		return nil, err
	}

	doc := password.ApplyT(func(p string) (string, error) {
		b, err := json.Marshal(map[string]string{"username": args.Username, "password": p})
		return string(b), err
	}).(pulumi.StringOutput)
	// MSK reads SCRAM users from secrets named AmazonMSK_*, encrypted with a customer key.
	stored, err := args.Vault.Put(ctx, name+"-scram", &vault.SecretArgs{
		Description: "workfx Kafka SASL/SCRAM user",
		Value:       doc,
		NamePrefix:  "AmazonMSK_" + args.SecretPrefix + "-",
		Key:         args.Vault.KafkaKey,
	})
	if err != nil {
		return nil, err
	}
	assoc, err := msk.NewScramSecretAssociation(ctx, name, &msk.ScramSecretAssociationArgs{
		ClusterArn:     cluster.Arn,
		SecretArnLists: pulumi.StringArray{stored.Arn},
	}, append(child, pulumi.DependsOn([]pulumi.Resource{stored.Version}))...)
	if err != nil {
		return nil, err
	}
	// The brokers accept the user only once the secret is associated: whoever reads the
	// bootstrap servers (the contract Secrets, the apps) waits for the association.
	bootstrap := pulumi.All(cluster.BootstrapBrokersSaslScram, assoc.ID()).ApplyT(func(v []any) string {
		return v[0].(string)
	}).(pulumi.StringOutput)

	c.Endpoint = Endpoint{
		BootstrapServers: bootstrap,
		// Seed 000's Rasa settings exactly; MSK certificates chain to Amazon's public CA.
		SecurityProtocol:    "SASL_SSL",
		SASLMechanism:       "SCRAM-SHA-512",
		Username:            pulumi.String(args.Username).ToStringOutput(),
		Password:            credential.FromOutput(password),
		Topics:              args.Topics,
		ConsumerGroupPrefix: args.ConsumerGroupPrefix,
		Ports:               []int{AWSPort},
	}
	c.SCRAMSecret = stored
	return c.done(ctx)
}
