package stacks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/msk"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/config"
)

// awsFacts are what the program asks AWS before it creates anything: the account, the zones,
// and the versions for the cluster. A config that AWS would refuse halfway through an `up` (a
// zone MSK does not serve, a version out of support) is refused here instead, every problem at
// once, each naming its workfx: key, before any cloud resource is registered.
type awsFacts struct {
	accountID string
	// autoScalingRoleArn is the account's Auto Scaling service-linked role, which launches the
	// nodes and so must be able to use the key of their encrypted root volumes.
	autoScalingRoleArn string
	zones              []network.Zone
	// addonVersions are the EKS add-ons' versions for the cluster's Kubernetes version.
	addonVersions map[string]string
}

// refusedZoneIDs are the zone IDs a service refuses, from each service's documentation (zone
// IDs, not names: names map to different zones in every account).
var refusedZoneIDs = []struct {
	service, why string
	ids          []string
}{
	// docs.aws.amazon.com/eks/latest/userguide/network-reqs.html ("The subnets can't reside in
	// the following Availability Zones").
	{"eks", "EKS does not create clusters in it (docs.aws.amazon.com/eks/latest/userguide/network-reqs.html)",
		[]string{"use1-az3", "usw1-az2", "cac1-az3"}},
	// MSK API BrokerNodeGroupInfo.ClientSubnets: "Client subnets can't occupy the Availability
	// Zone with ID use1-az3."
	{"msk", "MSK refuses client subnets in it (MSK API reference, BrokerNodeGroupInfo.clientSubnets)",
		[]string{"use1-az3"}},
}

// awsPreflight gathers the facts through the explicit provider.
func awsPreflight(ctx *pulumi.Context, provider *aws.Provider, cfg *config.Config) (*awsFacts, error) {
	a := cfg.AWS
	via := pulumi.Provider(provider)
	var probs []config.Problem
	add := func(key, format string, args ...any) {
		probs = append(probs, config.Problem{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	facts := &awsFacts{addonVersions: map[string]string{}}

	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, via)
	if err != nil {
		return nil, err
	}
	facts.accountID = caller.AccountId

	clusterOn := cfg.Cluster.Mode == config.ModeProvision
	kafkaOn := cfg.Kafka.Mode == config.ModeProvision
	if clusterOn {
		// Only the listed roles administer the cluster (no creator bootstrap): the identity
		// running this program applies every in-cluster object, so it must be one of them, or
		// the up would build the cloud for half an hour and then be refused by the API server.
		session, err := iam.GetSessionContext(ctx, &iam.GetSessionContextArgs{Arn: caller.Arn}, via)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(a.EKS.AdminRoleArns, session.IssuerArn) {
			add("workfx:aws.eks.adminRoleArns", "must list the IAM role running this program, %s (it applies the in-cluster objects through the EKS API); listed: %s",
				session.IssuerArn, strings.Join(a.EKS.AdminRoleArns, ", "))
		}
		// EC2 Auto Scaling launches the managed nodes as its service-linked role; their root
		// volumes are encrypted with our key, which that role needs a grant on. The role exists
		// in every account that ever had an Auto Scaling group; a fresh account creates it once.
		slr, err := iam.LookupRole(ctx, &iam.LookupRoleArgs{Name: "AWSServiceRoleForAutoScaling"}, via)
		if err != nil {
			add("workfx:aws.eks.nodeGroups", "the account has no Auto Scaling service-linked role yet (the nodes' encrypted root volumes need a grant to it): create it once with `aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com`, then run again (%v)", err)
		} else {
			facts.autoScalingRoleArn = slr.Arn
		}
		if err := checkEKSVersion(ctx, via, a.EKS, add); err != nil {
			return nil, err
		}
		for _, name := range cluster.Addons {
			v, err := eks.GetAddonVersion(ctx, &eks.GetAddonVersionArgs{
				AddonName: name, KubernetesVersion: a.EKS.Version,
				// The version EKS names as the default for this Kubernetes version: stable from
				// one preview to the next, moving with the cluster version.
				MostRecent: pulumi.BoolRef(false),
			}, via)
			if err != nil {
				return nil, fmt.Errorf("workfx:aws.eks.version: no %s add-on for Kubernetes %s: %w", name, a.EKS.Version, err)
			}
			facts.addonVersions[name] = v.Version
		}
	}
	if kafkaOn {
		v, err := msk.GetKafkaVersion(ctx, &msk.GetKafkaVersionArgs{Version: pulumi.StringRef(a.MSK.KafkaVersion)}, via)
		switch {
		case err != nil:
			add("workfx:aws.msk.kafkaVersion", "MSK does not offer Kafka %s: %v", a.MSK.KafkaVersion, err)
		case v.Status != "ACTIVE":
			add("workfx:aws.msk.kafkaVersion", "MSK offers Kafka %s no longer for new clusters (status %q); choose an ACTIVE version such as %s",
				a.MSK.KafkaVersion, v.Status, config.DefaultKafkaVersion)
		}
	}

	zones, err := chooseZones(ctx, via, cfg, add)
	if err != nil {
		return nil, err
	}
	facts.zones = zones
	if len(probs) > 0 {
		return nil, &config.Error{Problems: probs}
	}
	return facts, nil
}

// checkEKSVersion asks EKS for the version's support status: a version EKS no longer offers is
// refused, and one past standard support only with supportType EXTENDED (billed).
func checkEKSVersion(ctx *pulumi.Context, via pulumi.InvokeOption, e config.AWSEKSConfig, add func(string, string, ...any)) error {
	res, err := eks.GetClusterVersions(ctx, &eks.GetClusterVersionsArgs{}, via)
	if err != nil {
		return err
	}
	var standard []string
	var chosen *eks.GetClusterVersionsClusterVersion
	for i, v := range res.ClusterVersions {
		if v.VersionStatus == "STANDARD_SUPPORT" {
			standard = append(standard, v.ClusterVersion)
		}
		if v.ClusterVersion == e.Version {
			chosen = &res.ClusterVersions[i]
		}
	}
	sort.Strings(standard)
	switch {
	case chosen == nil:
		add("workfx:aws.eks.version", "EKS does not offer Kubernetes %s; in standard support: %s", e.Version, strings.Join(standard, ", "))
	case chosen.VersionStatus == "UNSUPPORTED":
		add("workfx:aws.eks.version", "EKS no longer supports Kubernetes %s; in standard support: %s", e.Version, strings.Join(standard, ", "))
	case chosen.VersionStatus == "EXTENDED_SUPPORT" && e.SupportType == "STANDARD":
		add("workfx:aws.eks.version", "Kubernetes %s left EKS standard support on %s; choose one in standard support (%s), or set workfx:aws.eks.supportType EXTENDED to pay for extended support",
			e.Version, chosen.EndOfStandardSupportDate, strings.Join(standard, ", "))
	case config.ClusterAutoscalerReleases[e.Version] == "":
		known := slices.Sorted(maps.Keys(config.ClusterAutoscalerReleases))
		add("workfx:aws.eks.version", "Kubernetes %s has no Cluster Autoscaler release in this program yet (it runs the autoscaler built for the cluster's minor: %s)",
			e.Version, strings.Join(known, ", "))
	}
	return nil
}

// chooseZones resolves the VPC's zones by zone ID. Pinned zones (names or IDs) are checked; the
// default is the region's first three zone IDs, in ID order, that every provisioned service
// accepts and that offer every node instance type and the RDS class.
func chooseZones(ctx *pulumi.Context, via pulumi.InvokeOption, cfg *config.Config, add func(string, string, ...any)) ([]network.Zone, error) {
	a := cfg.AWS
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		// Local and Wavelength zones need an opt-in and host none of EKS, RDS or MSK.
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	}, via)
	if err != nil {
		return nil, err
	}
	var all []network.Zone
	for i, n := range res.Names {
		if i < len(res.ZoneIds) {
			all = append(all, network.Zone{Name: n, ID: res.ZoneIds[i]})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })

	services := map[string]bool{
		"eks": cfg.Cluster.Mode == config.ModeProvision,
		"msk": cfg.Kafka.Mode == config.ModeProvision,
	}
	// Why a zone cannot be used (nothing when it can), by zone ID.
	unfit := unfitZones{}
	for _, r := range refusedZoneIDs {
		if !services[r.service] {
			continue
		}
		for _, id := range r.ids {
			unfit.add(id, r.why)
		}
	}
	if services["eks"] {
		if err := markInstanceTypes(ctx, via, cfg, all, unfit); err != nil {
			return nil, err
		}
	}
	if cfg.Postgres.Mode == config.ModeProvision {
		if err := markRDSClass(ctx, via, cfg, all, unfit); err != nil {
			return nil, err
		}
	}

	if len(a.AvailabilityZones) > 0 {
		var out []network.Zone
		for i, pin := range a.AvailabilityZones {
			key := fmt.Sprintf("workfx:aws.availabilityZones[%d]", i)
			var z *network.Zone
			for j := range all {
				if all[j].Name == pin || all[j].ID == pin {
					z = &all[j]
				}
			}
			switch {
			case z == nil:
				add(key, "%s is not an available zone of %s (zones: %s)", pin, a.Region, zoneList(all))
			case unfit.any(z.ID):
				add(key, "%s (%s) cannot be used: %s", z.Name, z.ID, unfit.why(z.ID))
			default:
				out = append(out, *z)
			}
		}
		return out, nil
	}
	var out []network.Zone
	for _, z := range all {
		if !unfit.any(z.ID) && len(out) < config.DefaultAZCount {
			out = append(out, z)
		}
	}
	if len(out) < config.DefaultAZCount {
		var why []string
		for _, z := range all {
			if unfit.any(z.ID) {
				why = append(why, fmt.Sprintf("%s (%s): %s", z.Name, z.ID, unfit.why(z.ID)))
			}
		}
		add("workfx:aws.availabilityZones", "%s has %d zones every provisioned service accepts, %d needed; pin zones or change the sizes (%s)",
			a.Region, len(out), config.DefaultAZCount, strings.Join(why, "; "))
	}
	return out, nil
}

// markInstanceTypes marks the zones that do not offer every node group's instance types (EC2's
// offerings by zone ID: DescribeInstanceTypeOfferings).
func markInstanceTypes(ctx *pulumi.Context, via pulumi.InvokeOption, cfg *config.Config, zones []network.Zone, unfit unfitZones) error {
	var types []string
	seen := map[string]bool{}
	for _, g := range cfg.AWS.EKS.NodeGroups {
		for _, t := range g.InstanceTypes {
			if !seen[t] {
				seen[t] = true
				types = append(types, t)
			}
		}
	}
	res, err := ec2.GetInstanceTypeOfferings(ctx, &ec2.GetInstanceTypeOfferingsArgs{
		LocationType: pulumi.StringRef("availability-zone-id"),
		Filters:      []ec2.GetInstanceTypeOfferingsFilter{{Name: "instance-type", Values: types}},
	}, via)
	if err != nil {
		return err
	}
	offered := map[string]bool{}
	for i, t := range res.InstanceTypes {
		if i < len(res.Locations) {
			offered[t+"@"+res.Locations[i]] = true
		}
	}
	for _, z := range zones {
		for i, g := range cfg.AWS.EKS.NodeGroups {
			for j, t := range g.InstanceTypes {
				if !offered[t+"@"+z.ID] {
					unfit.add(z.ID, fmt.Sprintf("EC2 does not offer %s there (workfx:aws.eks.nodeGroups[%d].instanceTypes[%d])", t, i, j))
				}
			}
		}
	}
	return nil
}

// markRDSClass marks the zones where RDS does not offer the instance class with gp3 storage.
func markRDSClass(ctx *pulumi.Context, via pulumi.InvokeOption, cfg *config.Config, zones []network.Zone, unfit unfitZones) error {
	class := cfg.AWS.RDS.InstanceClass
	res, err := rds.GetOrderableDbInstance(ctx, &rds.GetOrderableDbInstanceArgs{
		Engine: "postgres", InstanceClass: pulumi.StringRef(class), StorageType: pulumi.StringRef("gp3"),
	}, via)
	if err != nil {
		return fmt.Errorf("workfx:aws.rds.instanceClass: RDS does not offer %s with gp3 storage in %s: %w", class, cfg.AWS.Region, err)
	}
	offered := map[string]bool{}
	for _, n := range res.AvailabilityZones {
		offered[n] = true
	}
	for _, z := range zones {
		if !offered[z.Name] {
			unfit.add(z.ID, fmt.Sprintf("RDS does not offer %s there (workfx:aws.rds.instanceClass)", class))
		}
	}
	return nil
}

// unfitZones are the reasons, by zone ID, why a zone cannot hold the stack.
type unfitZones map[string][]string

func (u unfitZones) add(id, why string)   { u[id] = append(u[id], why) }
func (u unfitZones) any(id string) bool   { return len(u[id]) > 0 }
func (u unfitZones) why(id string) string { return strings.Join(u[id], "; ") }

func zoneList(zones []network.Zone) string {
	var s []string
	for _, z := range zones {
		s = append(s, z.Name+" ("+z.ID+")")
	}
	return strings.Join(s, ", ")
}
