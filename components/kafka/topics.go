package kafka

import (
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// TopicsImage carries kafka-topics.sh: the Apache Kafka project's image (one per release, KIP-975;
// runs as uid 1000), on the line of the brokers' default version (config.DefaultKafkaVersion).
const TopicsImage = "apache/kafka:3.9.1"

// TopicsArgs configure the topic-creating Job.
type TopicsArgs struct {
	Namespace pulumi.StringInput
	Labels    map[string]string
	// Image overrides TopicsImage (air-gapped registries).
	Image  string
	Topics []string
	// SecretName holds bootstrap_servers, username and password (the contract's wfx-kafka-secret).
	SecretName string
	Port       int
	PullSecret string
	// DependsOn must exist before the Job's pod starts (the contract Secret it reads).
	DependsOn []pulumi.Resource
}

// TopicsJob is the component; Job completes once every topic exists.
type TopicsJob struct {
	pulumi.ResourceState
	Job *batchv1.Job
}

// NewTopics creates the apps' topics with a Job, for brokers that do not create topics on first
// use (auto.create.topics.enable=false). Partitions and replication are the brokers' defaults.
// The Job is awaited, so the apps start with their topics in place.
func NewTopics(ctx *pulumi.Context, name string, args *TopicsArgs, opts ...pulumi.ResourceOption) (*TopicsJob, error) {
	c := &TopicsJob{}
	if err := ctx.RegisterComponentResource("workfx:kafka:Topics", name, c, opts...); err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range args.Labels {
		labels[k] = v
	}
	labels["app.kubernetes.io/name"] = name
	labels["app.kubernetes.io/component"] = "kafka-topics"
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: args.Namespace, Labels: kube.StringMap(labels), Annotations: kube.Owned()}

	// The namespace denies all traffic by default: DNS and the brokers only.
	policy, err := networkingv1.NewNetworkPolicy(ctx, name, &networkingv1.NetworkPolicyArgs{
		Metadata: meta,
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(name)}},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{
				&networkingv1.NetworkPolicyEgressRuleArgs{
					To: networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: &metav1.LabelSelectorArgs{
						MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}}}},
					Ports: networkingv1.NetworkPolicyPortArray{
						&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
						&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(53)},
					},
				},
				&networkingv1.NetworkPolicyEgressRuleArgs{Ports: networkingv1.NetworkPolicyPortArray{
					&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(args.Port)},
				}},
			},
		},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	fromSecret := func(env, key string) *corev1.EnvVarArgs {
		return &corev1.EnvVarArgs{Name: pulumi.String(env), ValueFrom: &corev1.EnvVarSourceArgs{
			SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(args.SecretName), Key: pulumi.String(key)}}}
	}
	image := args.Image
	if image == "" {
		image = TopicsImage
	}
	var pullSecrets corev1.LocalObjectReferenceArray
	if args.PullSecret != "" {
		pullSecrets = corev1.LocalObjectReferenceArray{&corev1.LocalObjectReferenceArgs{Name: pulumi.String(args.PullSecret)}}
	}
	const uid = 1000
	job, err := batchv1.NewJob(ctx, name, &batchv1.JobArgs{
		Metadata: meta,
		Spec: &batchv1.JobSpecArgs{
			BackoffLimit: pulumi.Int(6),
			Template: &corev1.PodTemplateSpecArgs{
				// The Job talks to the brokers directly (TLS + SCRAM); a sidecar would keep it running.
				Metadata: &metav1.ObjectMetaArgs{Labels: kube.StringMap(kube.Merge(labels, kube.NoSidecar))},
				Spec: &corev1.PodSpecArgs{
					RestartPolicy:                pulumi.String("Never"),
					AutomountServiceAccountToken: pulumi.Bool(false),
					ImagePullSecrets:             pullSecrets,
					SecurityContext: &corev1.PodSecurityContextArgs{
						RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(uid), RunAsGroup: pulumi.Int(uid),
						SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
					},
					Containers: corev1.ContainerArray{&corev1.ContainerArgs{
						Name:    pulumi.String("kafka-topics"),
						Image:   pulumi.String(image),
						Command: pulumi.StringArray{pulumi.String("/bin/sh"), pulumi.String("-c"), pulumi.String(topicsScript)},
						Env: corev1.EnvVarArray{
							fromSecret("KAFKA_BOOTSTRAP_SERVERS", "bootstrap_servers"),
							fromSecret("KAFKA_USERNAME", "username"),
							fromSecret("KAFKA_PASSWORD", "password"),
							&corev1.EnvVarArgs{Name: pulumi.String("TOPICS"), Value: pulumi.String(strings.Join(args.Topics, " "))},
							// kafka-run-class.sh creates its log directory; the root filesystem is read-only.
							&corev1.EnvVarArgs{Name: pulumi.String("LOG_DIR"), Value: pulumi.String("/tmp/logs")},
						},
						Resources: &corev1.ResourceRequirementsArgs{
							Requests: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("256Mi")},
							Limits:   pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("512Mi")},
						},
						SecurityContext: &corev1.SecurityContextArgs{
							AllowPrivilegeEscalation: pulumi.Bool(false),
							ReadOnlyRootFilesystem:   pulumi.Bool(true),
							RunAsNonRoot:             pulumi.Bool(true),
							Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
						},
						VolumeMounts: corev1.VolumeMountArray{&corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")}},
					}},
					Volumes: corev1.VolumeArray{&corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}}},
				},
			},
		},
	}, pulumi.Parent(c), pulumi.DependsOn(append([]pulumi.Resource{policy}, args.DependsOn...)))
	if err != nil {
		return nil, err
	}
	c.Job = job
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"topics": pulumi.ToStringArray(args.Topics)})
}

// topicsScript writes the SASL client settings (from the environment, never the manifest) and
// creates each topic unless it exists. The SCRAM password is letters and digits only.
const topicsScript = `set -eu
umask 077
cat > /tmp/client.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";
PROPS
for topic in $TOPICS; do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config /tmp/client.properties --create --if-not-exists --topic "$topic"
done
`
