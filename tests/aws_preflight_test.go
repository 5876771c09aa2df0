package tests

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// planProdWith plans Pulumi.prod.yaml with edits on a recorder the test may prepare (nil: the
// stack's own). It returns the record even when the program refuses the config.
func planProdWith(t *testing.T, edits []edit, prepare func(*plan.Recorder)) (*plan.Plan, error) {
	t.Helper()
	sc, err := plan.FromValues("workfx", "prod", prodWith(t, edits))
	require.NoError(t, err)
	rec := plan.NewStackRecorder(sc)
	if prepare != nil {
		prepare(rec)
	}
	return plan.Run(sc, stacks.Run, rec)
}

// refusal is the problem of a refused config that names key, and what it says.
func refusal(t *testing.T, err error, key string) string {
	t.Helper()
	require.Error(t, err)
	var msgs []string
	for _, p := range problemsOf(t, err) {
		if p.Key == key {
			msgs = append(msgs, p.Message)
		}
	}
	require.NotEmpty(t, msgs, "no problem names %s; got:\n%v", key, err)
	return strings.Join(msgs, "\n")
}

// nothingInAWS: a refusal comes before any cloud resource (only the provider, which creates
// nothing, is registered).
func nothingInAWS(t *testing.T, p *plan.Plan) {
	t.Helper()
	for _, r := range p.Resources {
		assert.False(t, strings.HasPrefix(r.Type, "aws:"), "%s registered before the refusal", r.URN)
	}
}

func subnetZoneIDs(p *plan.Plan) []string {
	var ids []string
	for _, s := range p.ByType(tSubnet) {
		if strings.Contains(s.Name, "private") {
			ids = append(ids, s.Str("availabilityZoneId"))
		}
	}
	return ids
}

// us-east-1c is use1-az3 in the mock account: EKS does not create clusters there and MSK refuses
// client subnets there. Picking the region's first three names would fail the up after VPC and
// EKS are built; zones are chosen by zone ID instead.
func TestAWSZonesAreChosenByIDAvoidingTheZonesServicesRefuse(t *testing.T) {
	p := planStack(t, "prod")
	assert.Equal(t, []string{"use1-az1", "use1-az2", "use1-az4"}, subnetZoneIDs(p))
	for _, s := range p.ByType(tSubnet) {
		assert.Empty(t, s.Str("availabilityZone"), "%s: placed by zone ID, not by the account's zone name", s.Name)
	}
	msk := awsFind(t, p, tMSK, "kafka")
	assert.Len(t, listAt(msk, "brokerNodeGroupInfo.clientSubnets"), 3)

	_, err := planProdWith(t, []edit{{"workfx:aws.availabilityZones", []any{"us-east-1a", "us-east-1b", "us-east-1c"}}}, nil)
	msg := refusal(t, err, "workfx:aws.availabilityZones[2]")
	assert.Contains(t, msg, "us-east-1c (use1-az3)")
	assert.Contains(t, msg, "EKS does not create clusters in it")

	// Pinned by zone ID: the same physical zones in every account.
	pinned, err := planProdWith(t, []edit{{"workfx:aws.availabilityZones", []any{"use1-az6", "use1-az5", "use1-az4"}}}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"use1-az6", "use1-az5", "use1-az4"}, subnetZoneIDs(pinned))
}

// A zone without the node instance type (EC2's offerings by zone ID) is skipped, or refused when
// pinned, naming both the zone and the node group's instance type.
func TestAWSZonesOfferTheNodeInstanceTypes(t *testing.T) {
	withoutIn := func(zoneID string) func(*plan.Recorder) {
		return func(rec *plan.Recorder) {
			orig := rec.ProviderInvokes["aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"]
			rec.ProviderInvokes["aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"] = func(call pulumi.MockCallArgs) resource.PropertyMap {
				out := orig(call)
				var types, locs []resource.PropertyValue
				for i, l := range out["locations"].ArrayValue() {
					if l.StringValue() != zoneID {
						types, locs = append(types, out["instanceTypes"].ArrayValue()[i]), append(locs, l)
					}
				}
				out["instanceTypes"], out["locations"] = resource.NewArrayProperty(types), resource.NewArrayProperty(locs)
				return out
			}
		}
	}
	p, err := planProdWith(t, nil, withoutIn("use1-az2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"use1-az1", "use1-az4", "use1-az5"}, subnetZoneIDs(p))

	p, err = planProdWith(t, []edit{{"workfx:aws.availabilityZones", []any{"us-east-1a", "us-east-1b", "us-east-1d"}}}, withoutIn("use1-az2"))
	msg := refusal(t, err, "workfx:aws.availabilityZones[1]")
	assert.Contains(t, msg, "EC2 does not offer m6i.xlarge there (workfx:aws.eks.nodeGroups[0].instanceTypes[0])")
	nothingInAWS(t, p)
}

func TestAWSZonesByNameOrIDOfTheRegion(t *testing.T) {
	for _, z := range []any{"us-east-1a", "use1-az1"} {
		_, err := loadValues(t, prodWith(t, []edit{{"workfx:aws.availabilityZones", []any{z, "us-east-1b", "us-east-1d"}}}))
		assert.NoError(t, err, z)
	}
	for _, z := range []any{"euw1-az1", "eu-west-1a", "us-east-1", "use1-az"} {
		_, err := loadValues(t, prodWith(t, []edit{{"workfx:aws.availabilityZones", []any{z, "us-east-1b", "us-east-1d"}}}))
		assert.Contains(t, refusal(t, err, "workfx:aws.availabilityZones[0]"), "by name (us-east-1a) or by zone ID (use1-az1)", z)
	}
	assert.Equal(t, "apse2", config.ZoneIDPrefix("ap-southeast-2"))
	assert.Equal(t, "cac1", config.ZoneIDPrefix("ca-central-1"))
}

// EKS 1.34 leaves standard support on 2026-12-02, and EKS's own default support type keeps a
// cluster on extended support, billed per cluster-hour: the version is current and the support
// type stated.
func TestAWSClusterIsOnAStandardSupportVersion(t *testing.T) {
	for _, p := range awsPlans(t) {
		eks := awsFind(t, p, tEKS, "cluster")
		assert.Equal(t, config.DefaultEKSVersion, eks.Str("version"), p.Stack)
		assert.Equal(t, "STANDARD", eks.Str("upgradePolicy.supportType"), "%s: stated, EKS's own default is EXTENDED", p.Stack)
	}
	_, err := loadValues(t, prodWith(t, []edit{{"workfx:aws.eks.supportType", "BASIC"}}))
	assert.Contains(t, refusal(t, err, "workfx:aws.eks.supportType"), "STANDARD")

	// What EKS says of the version decides, at deploy time (mock: EKS's calendar on 2026-11-22).
	p, err := planProdWith(t, []edit{{"workfx:aws.eks.version", "1.33"}}, nil)
	assert.Contains(t, refusal(t, err, "workfx:aws.eks.version"), "left EKS standard support on 2026-07-29; choose one in standard support (1.34, 1.35, 1.36), or set workfx:aws.eks.supportType EXTENDED")
	nothingInAWS(t, p)
	_, err = planProdWith(t, []edit{{"workfx:aws.eks.version", "1.29"}}, nil)
	assert.Contains(t, refusal(t, err, "workfx:aws.eks.version"), "EKS does not offer Kubernetes 1.29")
	p, err = planProdWith(t, []edit{{"workfx:aws.eks.version", "1.33"}, {"workfx:aws.eks.supportType", "EXTENDED"}}, nil)
	require.NoError(t, err, "extended support is a choice, when stated")
	assert.Equal(t, "EXTENDED", awsFind(t, p, tEKS, "cluster").Str("upgradePolicy.supportType"))
}

// A version bump upgrades the whole cluster: the node groups follow the control plane's version
// and every add-on gets EKS's version for that Kubernetes version.
func TestAWSVersionBumpReachesNodesAndAddons(t *testing.T) {
	for _, version := range []string{"1.35", "1.36"} {
		p, err := planProdWith(t, []edit{{"workfx:aws.eks.version", version}}, nil)
		require.NoError(t, err)
		eks := awsFind(t, p, tEKS, "cluster")
		for _, ng := range p.ByType(tNodeGroup) {
			assert.Equal(t, version, ng.Str("version"), "%s follows the control plane", ng.Name)
			assert.Contains(t, ng.Dependencies, eks.URN, "the nodes are upgraded after the control plane")
		}
		require.Len(t, p.ByType(tAddon), 4)
		for _, a := range p.ByType(tAddon) {
			assert.NotEmpty(t, a.Str("addonVersion"), "%s pins a version", a.Name)
		}
		assert.Equal(t, "v"+version+".0-eksbuild.1", awsFind(t, p, tAddon, "cluster-kube-proxy").Str("addonVersion"),
			"kube-proxy's version is the one EKS names for Kubernetes %s", version)
	}
}

// MSK retires Kafka versions for new clusters: asked at deploy time, refused before anything exists.
func TestAWSRetiredKafkaVersionIsRefused(t *testing.T) {
	p, err := planProdWith(t, []edit{{"workfx:aws.msk.kafkaVersion", "3.6.0"}}, nil)
	assert.Contains(t, refusal(t, err, "workfx:aws.msk.kafkaVersion"), `MSK offers Kafka 3.6.0 no longer for new clusters (status "DEPRECATED")`)
	nothingInAWS(t, p)
}
