package cluster

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// NodeGroup is one managed node group's size.
type NodeGroup struct {
	Name          string
	InstanceTypes []string
	MinSize       int
	MaxSize       int
	DesiredSize   int
	DiskSizeGiB   int
}

// AWSArgs configure an EKS cluster.
type AWSArgs struct {
	Provider *aws.Provider
	// ClusterName is the EKS name (also the subnets' kubernetes.io/cluster tag).
	ClusterName string
	Region      string
	// Version is the Kubernetes minor of the control plane and, following it, the node groups.
	Version string
	// SupportType is the cluster's upgrade policy: STANDARD or EXTENDED.
	SupportType string
	// AddonVersions are the add-on versions for Version, by add-on name (resolved from EKS).
	AddonVersions map[string]string
	// SubnetIDs are the private subnets: control-plane ENIs and nodes live there.
	SubnetIDs pulumi.StringArrayInput
	// PublicAccessCidrs may reach the API endpoint from outside the VPC.
	PublicAccessCidrs []string
	// AdminRoleArns are the IAM roles with cluster admin through EKS access entries (the
	// deployer among them: the creator gets no implicit admin).
	AdminRoleArns []string
	// SecretsKey envelope-encrypts Kubernetes Secrets.
	SecretsKey *kms.Key
	// NodeVolumeKey encrypts the nodes' root volumes and the default StorageClass's volumes;
	// AutoScalingRoleArn (the account's Auto
	// Scaling service-linked role, which launches the nodes) gets a grant to use it.
	NodeVolumeKey      *kms.Key
	AutoScalingRoleArn string
	NodeGroups         []NodeGroup
	// Autoscaler sizes the node groups between their min and max (nil: none; they keep their
	// desired size).
	Autoscaler       *AutoscalerArgs
	LogRetentionDays int
}

// EKS is what the data services and workload roles need from an EKS cluster.
type EKS struct {
	Name pulumi.StringOutput
	// SecurityGroupID is the cluster security group EKS attaches to the control plane and to
	// every managed node: the one source the data services admit.
	SecurityGroupID pulumi.StringOutput
	OIDCProviderArn pulumi.StringOutput
	// OIDCIssuer is the issuer host and path (no scheme), as IAM condition keys spell it.
	OIDCIssuer pulumi.StringOutput
	NodeGroups []*eks.NodeGroup
}

const policyPrefix = "arn:aws:iam::aws:policy/"

// Addons are the EKS add-ons every cluster gets; their versions are resolved for the cluster's
// Kubernetes version (AWSArgs.AddonVersions).
var Addons = []string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"}

// ClusterAdminPolicyArn is EKS's access policy with cluster-admin rights.
const ClusterAdminPolicyArn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

// AdminEntryName names an admin's access entry by account and role name (stable when the list
// is reordered, distinct for the same role name in two accounts).
func AdminEntryName(roleArn string) string {
	account, role := "", roleArn
	if parts := strings.SplitN(roleArn, ":", 6); len(parts) == 6 {
		account, role = parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
	}
	return strings.ToLower(account + "-" + role)
}

// VPCCNIConfiguration is the vpc-cni add-on's configuration: the network policy agent on
// (the add-on schema takes the string "true").
const VPCCNIConfiguration = `{"enableNetworkPolicy":"true"}`

// graviton matches ARM instance families (m7g, t4g, r6gd, c7gn …), which need the ARM AMI.
var graviton = regexp.MustCompile(`^[a-z]+[0-9]+g`)

// NewAWS provisions EKS: cluster, node groups, IRSA provider, core add-ons, and the Kubernetes
// provider every in-cluster object uses. The provider waits for the node groups and the add-ons
// that need nodes, so no Kubernetes object is applied to a cluster that cannot run it.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}
	with := func(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append(append([]pulumi.ResourceOption{}, child...), extra...)
	}

	clusterRole, err := iam.NewRole(ctx, name+"-control-plane", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(servicePrincipalTrust("eks.amazonaws.com")),
	}, child...)
	if err != nil {
		return nil, err
	}
	clusterPolicy, err := iam.NewRolePolicyAttachment(ctx, name+"-control-plane", &iam.RolePolicyAttachmentArgs{
		Role: clusterRole.Name, PolicyArn: pulumi.String(policyPrefix + "AmazonEKSClusterPolicy"),
	}, child...)
	if err != nil {
		return nil, err
	}
	// EKS writes control-plane logs to this group; creating it first sets the retention
	// (EKS would otherwise create it with logs kept forever).
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/eks/" + args.ClusterName + "/cluster"),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, child...)
	if err != nil {
		return nil, err
	}

	cidrs := pulumi.StringArray{}
	for _, cidr := range args.PublicAccessCidrs {
		cidrs = append(cidrs, pulumi.String(cidr))
	}
	cl, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:    pulumi.String(args.ClusterName),
		Version: pulumi.String(args.Version),
		RoleArn: clusterRole.Arn,
		VpcConfig: &eks.ClusterVpcConfigArgs{
			SubnetIds: args.SubnetIDs,
			// Nodes and pods reach the API inside the VPC; from outside only the listed CIDRs.
			EndpointPrivateAccess: pulumi.Bool(true),
			EndpointPublicAccess:  pulumi.Bool(len(args.PublicAccessCidrs) > 0),
			PublicAccessCidrs:     cidrs,
		},
		// Access entries only (no aws-auth ConfigMap), and no implicit admin for whoever
		// created the cluster: admins are the access entries below, one per configured role, so
		// CI and a second operator are admins as much as the first (terraform-aws-modules/eks
		// does the same: enable_cluster_creator_admin_permissions defaults to false).
		AccessConfig: &eks.ClusterAccessConfigArgs{
			AuthenticationMode:                      pulumi.String("API"),
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(false),
		},
		EncryptionConfig: &eks.ClusterEncryptionConfigArgs{
			Provider:  &eks.ClusterEncryptionConfigProviderArgs{KeyArn: args.SecretsKey.Arn},
			Resources: pulumi.StringArray{pulumi.String("secrets")},
		},
		EnabledClusterLogTypes: pulumi.ToStringArray([]string{"api", "audit", "authenticator", "controllerManager", "scheduler"}),
		// Stated, not left to EKS's default (EXTENDED: billed per cluster-hour once standard
		// support ends, docs.aws.amazon.com/eks/latest/userguide/disable-extended-support.html).
		UpgradePolicy: &eks.ClusterUpgradePolicyArgs{SupportType: pulumi.String(args.SupportType)},
	}, with(pulumi.DependsOn([]pulumi.Resource{clusterPolicy, logs}))...)
	if err != nil {
		return nil, err
	}

	issuerURL := cl.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	oidc, err := iam.NewOpenIdConnectProvider(ctx, name, &iam.OpenIdConnectProviderArgs{
		Url:           issuerURL,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
	}, child...)
	if err != nil {
		return nil, err
	}
	out := &EKS{
		Name:            cl.Name,
		SecurityGroupID: cl.VpcConfig.ClusterSecurityGroupId().Elem(),
		OIDCProviderArn: oidc.Arn,
		OIDCIssuer:      issuerURL.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput),
	}

	// The admins: one access entry each, with the cluster-wide admin access policy
	// (docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html). The Kubernetes
	// provider waits for them: this program applies its objects as one of these roles.
	var admins []pulumi.Resource
	for _, arn := range args.AdminRoleArns {
		id := name + "-admin-" + AdminEntryName(arn)
		entry, err := eks.NewAccessEntry(ctx, id, &eks.AccessEntryArgs{
			ClusterName: cl.Name, PrincipalArn: pulumi.String(arn), Type: pulumi.String("STANDARD"),
		}, child...)
		if err != nil {
			return nil, err
		}
		assoc, err := eks.NewAccessPolicyAssociation(ctx, id, &eks.AccessPolicyAssociationArgs{
			ClusterName:  cl.Name,
			PrincipalArn: entry.PrincipalArn,
			PolicyArn:    pulumi.String(ClusterAdminPolicyArn),
			AccessScope:  &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
		}, child...)
		if err != nil {
			return nil, err
		}
		admins = append(admins, assoc)
	}

	nodeRole, err := iam.NewRole(ctx, name+"-nodes", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(servicePrincipalTrust("ec2.amazonaws.com")),
	}, child...)
	if err != nil {
		return nil, err
	}
	var nodeDeps []pulumi.Resource
	// The CNI's EC2 permissions go to the vpc-cni add-on's own role (below), not to every pod
	// that can reach the node's credentials.
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"} {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-nodes-"+strings.ToLower(strings.ReplaceAll(p, "_", "-")), &iam.RolePolicyAttachmentArgs{
			Role: nodeRole.Name, PolicyArn: pulumi.String(policyPrefix + p),
		}, child...)
		if err != nil {
			return nil, err
		}
		nodeDeps = append(nodeDeps, a)
	}

	addon := func(addonName string, deps []pulumi.Resource, saRole pulumi.StringPtrInput, configuration string) (*eks.Addon, error) {
		if args.AddonVersions[addonName] == "" {
			return nil, fmt.Errorf("cluster %s: no version of the %s add-on resolved for Kubernetes %s", name, addonName, args.Version)
		}
		addonArgs := &eks.AddonArgs{
			ClusterName: cl.Name,
			AddonName:   pulumi.String(addonName),
			// The version EKS names for the cluster's Kubernetes version: bumping
			// workfx:aws.eks.version upgrades the add-ons with the control plane.
			AddonVersion: pulumi.String(args.AddonVersions[addonName]),
			// EKS installs self-managed copies at creation; the managed add-on takes them over.
			ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
			ResolveConflictsOnUpdate: pulumi.String("PRESERVE"),
			ServiceAccountRoleArn:    saRole,
		}
		if configuration != "" {
			addonArgs.ConfigurationValues = pulumi.String(configuration)
		}
		return eks.NewAddon(ctx, name+"-"+addonName, addonArgs, with(pulumi.DependsOn(deps))...)
	}
	// The VPC CNI calls the EC2 API with its own role (IRSA, the aws-node ServiceAccount), as
	// docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html recommends.
	cniRole, err := iam.NewRole(ctx, name+"-vpc-cni", &iam.RoleArgs{
		AssumeRolePolicy: IRSATrustPolicy(out.OIDCProviderArn, out.OIDCIssuer, "kube-system", "aws-node"),
	}, child...)
	if err != nil {
		return nil, err
	}
	cniPolicy, err := iam.NewRolePolicyAttachment(ctx, name+"-vpc-cni", &iam.RolePolicyAttachmentArgs{
		Role: cniRole.Name, PolicyArn: pulumi.String(policyPrefix + "AmazonEKS_CNI_Policy"),
	}, child...)
	if err != nil {
		return nil, err
	}
	// Networking add-ons first: nodes only turn Ready with a CNI. The VPC CNI enforces
	// NetworkPolicies only with its network policy agent switched on (the add-on's
	// enableNetworkPolicy, docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html);
	// without it every NetworkPolicy this program renders would be accepted and ignored.
	cni, err := addon("vpc-cni", []pulumi.Resource{cniPolicy}, cniRole.Arn, VPCCNIConfiguration)
	if err != nil {
		return nil, err
	}
	kubeProxy, err := addon("kube-proxy", nil, nil, "")
	if err != nil {
		return nil, err
	}
	nodeDeps = append(nodeDeps, cni, kubeProxy)

	// EC2 Auto Scaling creates the nodes' encrypted volumes as its service-linked role, which
	// can use a customer key only through the key policy or a grant (docs.aws.amazon.com/
	// autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html, the operations
	// listed there).
	volumeGrant, err := kms.NewGrant(ctx, name+"-node-volumes", &kms.GrantArgs{
		KeyId:            args.NodeVolumeKey.KeyId,
		GranteePrincipal: pulumi.String(args.AutoScalingRoleArn),
		Operations: pulumi.ToStringArray([]string{"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo",
			"GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "CreateGrant"}),
	}, child...)
	if err != nil {
		return nil, err
	}
	nodeDeps = append(nodeDeps, volumeGrant)

	var ready []pulumi.Resource
	for _, g := range args.NodeGroups {
		ami := "AL2023_x86_64_STANDARD"
		if len(g.InstanceTypes) > 0 && graviton.MatchString(g.InstanceTypes[0]) {
			ami = "AL2023_ARM_64_STANDARD"
		}
		lt, err := nodeLaunchTemplate(ctx, name+"-"+g.Name, g, args.NodeVolumeKey, child)
		if err != nil {
			return nil, err
		}
		ng, err := eks.NewNodeGroup(ctx, name+"-"+g.Name, &eks.NodeGroupArgs{
			ClusterName: cl.Name,
			// The control plane's version (an output: on a version bump the nodes roll after the
			// control plane is upgraded, never before).
			Version:       cl.Version,
			NodeRoleArn:   nodeRole.Arn,
			SubnetIds:     args.SubnetIDs,
			AmiType:       pulumi.String(ami),
			CapacityType:  pulumi.String("ON_DEMAND"),
			InstanceTypes: pulumi.ToStringArray(g.InstanceTypes),
			// The disk is the launch template's (EKS refuses diskSize with a launch template);
			// EKS still picks the AMI (amiType) and merges its bootstrap into the template.
			LaunchTemplate: &eks.NodeGroupLaunchTemplateArgs{
				Id:      lt.ID(),
				Version: lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
			},
			ScalingConfig: &eks.NodeGroupScalingConfigArgs{
				MinSize: pulumi.Int(g.MinSize), MaxSize: pulumi.Int(g.MaxSize), DesiredSize: pulumi.Int(g.DesiredSize),
			},
			UpdateConfig: &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
			Labels:       pulumi.StringMap{"workfx.ai/node-group": pulumi.String(g.Name)},
		}, with(
			pulumi.DependsOn(nodeDeps),
			// The Cluster Autoscaler (autoscaler.go) owns the current size once running.
			pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}),
		)...)
		if err != nil {
			return nil, err
		}
		out.NodeGroups = append(out.NodeGroups, ng)
		ready = append(ready, ng)
	}

	// The EBS CSI controller calls the EC2 API with its own role (IRSA), not the nodes'.
	ebsRole, err := iam.NewRole(ctx, name+"-ebs-csi", &iam.RoleArgs{
		AssumeRolePolicy: IRSATrustPolicy(out.OIDCProviderArn, out.OIDCIssuer, "kube-system", "ebs-csi-controller-sa"),
	}, child...)
	if err != nil {
		return nil, err
	}
	ebsPolicy, err := iam.NewRolePolicyAttachment(ctx, name+"-ebs-csi", &iam.RolePolicyAttachmentArgs{
		Role: ebsRole.Name, PolicyArn: pulumi.String(policyPrefix + "service-role/AmazonEBSCSIDriverPolicy"),
	}, child...)
	if err != nil {
		return nil, err
	}
	// CoreDNS and the EBS CSI controller are Deployments: they go healthy only once nodes exist.
	coredns, err := addon("coredns", ready, nil, "")
	if err != nil {
		return nil, err
	}
	ebs, err := addon("aws-ebs-csi-driver", append(append([]pulumi.Resource{}, ready...), ebsPolicy), ebsRole.Arn, "")
	if err != nil {
		return nil, err
	}
	ready = append(ready, coredns, ebs)
	// The EBS CSI controller creates the volumes of the default StorageClass (below) with our
	// key: AmazonEBSCSIDriverPolicy does not cover a customer key, so its role gets the KMS
	// permissions docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html lists for one.
	ebsKMS, err := iam.NewRolePolicy(ctx, name+"-ebs-csi-kms", &iam.RolePolicyArgs{
		Role:   ebsRole.Name,
		Policy: ebsKMSPolicy(args.NodeVolumeKey.Arn),
	}, child...)
	if err != nil {
		return nil, err
	}
	ready = append(ready, ebsKMS)

	c.Kubeconfig = pulumi.ToSecret(pulumi.All(cl.Name, cl.Endpoint, cl.CertificateAuthority.Data().Elem()).ApplyT(
		func(v []any) (string, error) {
			return Kubeconfig(v[0].(string), v[1].(string), v[2].(string), args.Region)
		})).(pulumi.StringOutput)
	p, err := kubernetes.NewProvider(ctx, name, providerArgs(c.Kubeconfig), pulumi.Parent(c), pulumi.DependsOn(append(ready, admins...)))
	if err != nil {
		return nil, err
	}
	c.Provider, c.EKS = p, out
	if _, err := defaultStorageClass(ctx, args.NodeVolumeKey.Arn, pulumi.Parent(c), pulumi.Provider(p)); err != nil {
		return nil, err
	}
	if args.Autoscaler != nil {
		if _, err := newAutoscaler(ctx, name, out, args.ClusterName, args.Region, args.Autoscaler,
			child, []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(p)}); err != nil {
			return nil, err
		}
	}
	return c.done(ctx)
}

// DefaultStorageClass is the cluster's default StorageClass on EKS.
const DefaultStorageClass = "gp3-encrypted"

// defaultStorageClass makes encrypted gp3 volumes of the EBS CSI driver the default: EKS
// clusters created on Kubernetes 1.30 or later have no default StorageClass at all (EKS stopped
// annotating its in-tree gp2 class as default: docs.aws.amazon.com/eks/latest/userguide/
// kubernetes-versions-standard.html, Kubernetes 1.30), so a PVC without a class (Prometheus,
// Alertmanager) would stay Pending.
func defaultStorageClass(ctx *pulumi.Context, keyArn pulumi.StringOutput, opts ...pulumi.ResourceOption) (*storagev1.StorageClass, error) {
	return storagev1.NewStorageClass(ctx, DefaultStorageClass, &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(DefaultStorageClass),
			Annotations: kube.Owned(pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")}),
		},
		Provisioner: pulumi.String("ebs.csi.aws.com"),
		// aws-ebs-csi-driver docs/parameters.md: type, encrypted, kmsKeyId.
		Parameters: pulumi.StringMap{
			"type": pulumi.String("gp3"), "encrypted": pulumi.String("true"), "kmsKeyId": keyArn,
		},
		// Bound where the pod is scheduled: an EBS volume lives in one zone.
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Delete"),
	}, opts...)
}

// ebsKMSPolicy lets the EBS CSI controller create and attach volumes encrypted with the key.
func ebsKMSPolicy(keyArn pulumi.StringOutput) pulumi.StringOutput {
	return keyArn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{
					"Effect": "Allow", "Action": []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"},
					"Resource": arn, "Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
				},
				map[string]any{
					"Effect": "Allow", "Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
					"Resource": arn,
				},
			},
		})
		return string(b), err
	}).(pulumi.StringOutput)
}

// NodeRootDevice is the root device of the AL2023 EKS AMIs.
const NodeRootDevice = "/dev/xvda"

// nodeLaunchTemplate is what terraform-aws-modules/eks sets on every managed node group:
//   - IMDSv2 only, hop limit 1: a pod (one network hop further) cannot read the node role's
//     credentials from the instance metadata service; pods get AWS access through IRSA only
//     (docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html,
//     "Restrict access to the instance profile assigned to the worker node").
//   - the root volume gp3, encrypted with our key, deleted with the instance.
func nodeLaunchTemplate(ctx *pulumi.Context, name string, g NodeGroup, key *kms.Key, opts []pulumi.ResourceOption) (*ec2.LaunchTemplate, error) {
	return ec2.NewLaunchTemplate(ctx, name, &ec2.LaunchTemplateArgs{
		Description:          pulumi.String("EKS managed node group " + g.Name + ": IMDSv2 with hop limit 1, encrypted gp3 root volume"),
		UpdateDefaultVersion: pulumi.Bool(true),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(NodeRootDevice),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(g.DiskSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				KmsKeyId:            key.Arn,
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
	}, opts...)
}

// Kubeconfig renders a kubeconfig that authenticates with `aws eks get-token` (short-lived
// tokens from the caller's AWS credentials; nothing long-lived is stored).
func Kubeconfig(clusterName, endpoint, caData, region string) (string, error) {
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": clusterName,
		"clusters": []any{map[string]any{"name": clusterName, "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": caData}}},
		"contexts": []any{map[string]any{"name": clusterName, "context": map[string]any{
			"cluster": clusterName, "user": clusterName}}},
		"users": []any{map[string]any{"name": clusterName, "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1",
			"command":    "aws",
			"args":       []string{"eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"},
		}}}},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	return string(b), err
}

// IRSATrustPolicy lets exactly one ServiceAccount assume a role through the cluster's OIDC provider.
func IRSATrustPolicy(providerArn, issuer pulumi.StringOutput, namespace, serviceAccount string) pulumi.StringOutput {
	return pulumi.All(providerArn, issuer).ApplyT(func(v []any) (string, error) {
		iss := v[1].(string)
		b, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Federated": v[0].(string)},
				"Action":    "sts:AssumeRoleWithWebIdentity",
				"Condition": map[string]any{"StringEquals": map[string]any{
					iss + ":sub": fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount),
					iss + ":aud": "sts.amazonaws.com",
				}},
			}},
		})
		return string(b), err
	}).(pulumi.StringOutput)
}

func servicePrincipalTrust(service string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole",
		}},
	})
	return string(b)
}
