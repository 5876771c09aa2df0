package cluster

import (
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// The Cluster Autoscaler: it grows a managed node group when pods are Pending for lack of room
// (the apps' HPAs add replicas) and shrinks it when nodes idle, between each group's minSize and
// maxSize. Managed node groups tag their Auto Scaling groups k8s.io/cluster-autoscaler/enabled
// and k8s.io/cluster-autoscaler/<cluster> = owned, which is what its auto-discovery and the
// IAM condition below match (docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html).
const (
	// AutoscalerChartRepository is the official chart repository (kubernetes/autoscaler).
	AutoscalerChartRepository = "https://kubernetes.github.io/autoscaler"
	// AutoscalerChartVersion is the pinned chart (tag cluster-autoscaler-chart-9.59.0 of
	// kubernetes/autoscaler; its values.yaml has the keys autoscalerValues sets).
	AutoscalerChartVersion = "9.59.0"
	// AutoscalerServiceAccount is the ServiceAccount in kube-system its IAM role trusts.
	AutoscalerServiceAccount = "cluster-autoscaler"
	autoscalerImage          = "registry.k8s.io/autoscaling/cluster-autoscaler"
)

// AutoscalerArgs configure the Cluster Autoscaler of an EKS cluster.
type AutoscalerArgs struct {
	// ImageTag is the autoscaler release for the cluster's Kubernetes minor (it must match it:
	// github.com/kubernetes/autoscaler/tree/master/cluster-autoscaler#releases).
	ImageTag string
	// Charts and Registry are the air-gap overrides every chart of this program honours.
	Charts   kube.ChartSource
	Registry string
	Replicas int
}

// autoscalerPolicy is the "full features" policy of the AWS provider's README
// (cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy"), with the two actions that
// change capacity confined to this cluster's Auto Scaling groups by their owned tag.
func autoscalerPolicy(clusterName string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Effect": "Allow",
				"Action": []string{
					"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
					"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
					"ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
					"ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
				},
				"Resource": "*",
			},
			map[string]any{
				"Effect":   "Allow",
				"Action":   []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"},
				"Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]string{
					"aws:ResourceTag/k8s.io/cluster-autoscaler/" + clusterName: "owned",
				}},
			},
		},
	})
	return string(b)
}

// The chart values this program sets, typed (field names are the chart's keys).
type (
	autoscalerValues struct {
		CloudProvider     string                `json:"cloudProvider"`
		AWSRegion         string                `json:"awsRegion"`
		AutoDiscovery     autoscalerDiscovery   `json:"autoDiscovery"`
		Image             autoscalerImageValues `json:"image"`
		ReplicaCount      int                   `json:"replicaCount"`
		ExtraArgs         map[string]any        `json:"extraArgs"`
		Resources         autoscalerResources   `json:"resources"`
		PriorityClassName string                `json:"priorityClassName"`
		SecurityContext   map[string]any        `json:"securityContext"`
		ContainerSecurity map[string]any        `json:"containerSecurityContext"`
	}
	autoscalerDiscovery struct {
		ClusterName string `json:"clusterName"`
	}
	autoscalerImageValues struct {
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
	}
	autoscalerResources struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	}
)

// newAutoscaler installs the Cluster Autoscaler into kube-system with its own IAM role (IRSA).
func newAutoscaler(ctx *pulumi.Context, name string, eks *EKS, clusterName, region string, args *AutoscalerArgs,
	awsOpts []pulumi.ResourceOption, k8sOpts []pulumi.ResourceOption) (*helmv3.Release, error) {
	role, err := iam.NewRole(ctx, name+"-autoscaler", &iam.RoleArgs{
		AssumeRolePolicy: IRSATrustPolicy(eks.OIDCProviderArn, eks.OIDCIssuer, "kube-system", AutoscalerServiceAccount),
	}, awsOpts...)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-autoscaler", &iam.RolePolicyArgs{
		Role: role.Name, Policy: pulumi.String(autoscalerPolicy(clusterName)),
	}, awsOpts...)
	if err != nil {
		return nil, err
	}
	repo := autoscalerImage
	if args.Registry != "" {
		repo = strings.TrimSuffix(args.Registry, "/") + "/autoscaling/cluster-autoscaler"
	}
	values := autoscalerValues{
		CloudProvider: "aws",
		AWSRegion:     region,
		AutoDiscovery: autoscalerDiscovery{ClusterName: clusterName},
		Image:         autoscalerImageValues{Repository: repo, Tag: args.ImageTag},
		ReplicaCount:  args.Replicas,
		ExtraArgs: map[string]any{
			"logtostderr": true, "stderrthreshold": "info", "v": 2,
			// Spread over the zones' groups alike; pick the group that wastes least.
			"balance-similar-node-groups": true,
			"expander":                    "least-waste",
			// kube-system's own pods (CoreDNS, the EBS CSI controller) must not pin a node forever.
			"skip-nodes-with-system-pods": false,
		},
		Resources: autoscalerResources{
			Requests: map[string]string{"cpu": "100m", "memory": "300Mi"},
			Limits:   map[string]string{"memory": "600Mi"},
		},
		PriorityClassName: "system-cluster-critical",
		SecurityContext:   map[string]any{"runAsNonRoot": true, "runAsUser": 65534, "fsGroup": 65534, "seccompProfile": map[string]string{"type": "RuntimeDefault"}},
		ContainerSecurity: map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": map[string]any{"drop": []string{"ALL"}}},
	}
	v, err := kube.Values(values)
	if err != nil {
		return nil, err
	}
	// The ServiceAccount IRSA binds to the role (an output, so set beside the typed values; the
	// chart's other rbac defaults stay: Helm merges these into them).
	v["rbac"] = pulumi.Map{"serviceAccount": pulumi.Map{
		"name":        pulumi.String(AutoscalerServiceAccount),
		"annotations": pulumi.StringMap{"eks.amazonaws.com/role-arn": role.Arn},
	}}
	chart, chartRepo := args.Charts.Chart(AutoscalerChartRepository, "cluster-autoscaler")
	return helmv3.NewRelease(ctx, name+"-autoscaler", &helmv3.ReleaseArgs{
		Name:           pulumi.String("cluster-autoscaler"),
		Chart:          chart,
		RepositoryOpts: chartRepo,
		Version:        pulumi.String(AutoscalerChartVersion),
		Namespace:      pulumi.String("kube-system"),
		Values:         v,
		Atomic:         pulumi.Bool(true),
		Timeout:        pulumi.Int(600),
	}, append(k8sOpts, pulumi.DependsOn([]pulumi.Resource{policy}))...)
}
