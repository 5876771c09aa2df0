package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// AWSConfig is workfx:aws: where and how big the AWS pieces are. It is read only when
// workfx:cloud is aws and something is provisioned; every size has a per-environment default.
type AWSConfig struct {
	Region string `json:"region"`
	// AvailabilityZones pins the zones (2 or 3); empty means the region's first three.
	AvailabilityZones []string `json:"availabilityZones"`
	VpcCidr           string   `json:"vpcCidr"`
	// PublicAccessCidrs may reach the EKS API from outside the VPC (the deployer, CI); the
	// endpoint is private otherwise.
	PublicAccessCidrs []string          `json:"publicAccessCidrs"`
	DefaultTags       map[string]string `json:"defaultTags"`
	EKS               AWSEKSConfig      `json:"eks"`
	RDS               AWSRDSConfig      `json:"rds"`
	ElastiCache       AWSCacheConfig    `json:"elastiCache"`
	MSK               AWSMSKConfig      `json:"msk"`
	S3                AWSS3Config       `json:"s3"`
}

// AWSEKSConfig is workfx:aws.eks.
type AWSEKSConfig struct {
	Version string `json:"version"`
	// SupportType is STANDARD (EKS upgrades the control plane when standard support ends) or
	// EXTENDED (it stays, billed per cluster-hour on top); stated explicitly because EKS's own
	// default is EXTENDED.
	SupportType string `json:"supportType"`
	// AdminRoleArns are the IAM roles that administer the cluster (the deployer, CI, operators):
	// each gets an EKS access entry with AmazonEKSClusterAdminPolicy. No one else is admin, not
	// even the identity that created the cluster, so the list must name the role running `up`.
	AdminRoleArns    []string           `json:"adminRoleArns"`
	NodeGroups       []AWSNodeGroupSize `json:"nodeGroups"`
	LogRetentionDays int                `json:"logRetentionDays"`
}

// AWSNodeGroupSize is one managed node group.
type AWSNodeGroupSize struct {
	Name          string   `json:"name"`
	InstanceTypes []string `json:"instanceTypes"`
	MinSize       int      `json:"minSize"`
	MaxSize       int      `json:"maxSize"`
	DesiredSize   int      `json:"desiredSize"`
	DiskSizeGiB   int      `json:"diskSizeGiB"`
}

// AWSRDSConfig is workfx:aws.rds (Postgres 16).
type AWSRDSConfig struct {
	InstanceClass       string `json:"instanceClass"`
	AllocatedStorageGiB int    `json:"allocatedStorageGiB"`
	MaxStorageGiB       int    `json:"maxStorageGiB"`
	BackupRetentionDays int    `json:"backupRetentionDays"`
	MultiAZ             *bool  `json:"multiAz"`
	Database            string `json:"database"`
	Username            string `json:"username"`
}

// AWSCacheConfig is workfx:aws.elastiCache (Redis OSS).
type AWSCacheConfig struct {
	NodeType string `json:"nodeType"`
	// Replicas per primary; prod needs at least one for Multi-AZ failover.
	Replicas              *int `json:"replicas"`
	SnapshotRetentionDays *int `json:"snapshotRetentionDays"`
}

// AWSMSKConfig is workfx:aws.msk.
type AWSMSKConfig struct {
	BrokerCount  int    `json:"brokerCount"`
	InstanceType string `json:"instanceType"`
	// VolumeSizeGiB is each broker's storage at creation; MSK storage auto scaling grows it up
	// to MaxVolumeSizeGiB (storage never shrinks).
	VolumeSizeGiB    int    `json:"volumeSizeGiB"`
	MaxVolumeSizeGiB int    `json:"maxVolumeSizeGiB"`
	KafkaVersion     string `json:"kafkaVersion"`
	Username         string `json:"username"`
}

// AWSS3Config is workfx:aws.s3. Bucket names are global, so seed 001's names get a prefix.
type AWSS3Config struct {
	BucketPrefix string `json:"bucketPrefix"`
}

// DefaultEKSVersion is the Kubernetes version of a new cluster: the newest EKS offers, in standard
// support until 2027-08-02 (EKS: 14 months of standard support from release, then 12 billed
// months of extended support, docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html;
// 1.36 released on EKS 2026-06-02). 1.34, the previous default, leaves standard support on
// 2026-12-02. Whether a version is still in standard support is asked of EKS at deploy time.
const DefaultEKSVersion = "1.36"

// ClusterAutoscalerReleases are the Cluster Autoscaler release (image tag) for each EKS
// Kubernetes minor: the autoscaler is built for one minor and should run with it
// (github.com/kubernetes/autoscaler cluster-autoscaler/README.md, "Releases"); these are the
// newest patch tags of kubernetes/autoscaler for each minor (cluster-autoscaler-1.36.1 of
// 2026-07-22 and so on). A version EKS offers but outside the table is refused by key
// (stacks/aws_preflight.go).
var ClusterAutoscalerReleases = map[string]string{
	"1.33": "v1.33.6", "1.34": "v1.34.5", "1.35": "v1.35.2", "1.36": "v1.36.1",
}

// DefaultKafkaVersion is the MSK version of a new cluster: KRaft metadata mode (chosen at
// creation only; Kafka 4 has no ZooKeeper to migrate from later) on the last 3.x line, which still
// serves every client since Kafka 2.1. MSK's list (docs.aws.amazon.com/msk/latest/developerguide/
// supported-kafka-versions.html; KRaft strings per .../metadata-management.html): 3.7.x, 3.8.x
// (recommended), 3.9.x, each also as .kraft, and 4.0.x.kraft, 4.1.x.kraft.
const DefaultKafkaVersion = "3.9.x.kraft"

// DefaultAZCount is how many zones the VPC spans when none are pinned.
const DefaultAZCount = 3

// UsesAWS reports whether anything is provisioned on AWS (the AWS platform composes the stack).
func (c *Config) UsesAWS() bool { return c.provisionsOn("aws") }

func intPtr(i int) *int { return &i }

func applyAWSDefaults(c *Config) {
	if !c.UsesAWS() {
		return
	}
	a := &c.AWS
	prod := c.Environment == "prod"
	pick := func(dev, prd string) string {
		if prod {
			return prd
		}
		return dev
	}
	pickInt := func(dev, prd int) int {
		if prod {
			return prd
		}
		return dev
	}
	if a.VpcCidr == "" {
		a.VpcCidr = "10.40.0.0/16"
	}
	if a.EKS.Version == "" {
		a.EKS.Version = DefaultEKSVersion
	}
	if a.EKS.SupportType == "" {
		a.EKS.SupportType = "STANDARD"
	}
	if a.EKS.LogRetentionDays == 0 {
		a.EKS.LogRetentionDays = pickInt(7, 90)
	}
	if len(a.EKS.NodeGroups) == 0 {
		a.EKS.NodeGroups = []AWSNodeGroupSize{{Name: "general"}}
	}
	for i := range a.EKS.NodeGroups {
		g := &a.EKS.NodeGroups[i]
		if len(g.InstanceTypes) == 0 {
			g.InstanceTypes = []string{pick("t3.large", "m6i.xlarge")}
		}
		if g.MinSize == 0 && g.MaxSize == 0 && g.DesiredSize == 0 {
			g.MinSize, g.DesiredSize, g.MaxSize = pickInt(1, 3), pickInt(2, 3), pickInt(3, 6)
		}
		if g.DiskSizeGiB == 0 {
			g.DiskSizeGiB = pickInt(30, 100)
		}
	}
	r := &a.RDS
	if r.InstanceClass == "" {
		r.InstanceClass = pick("db.t4g.medium", "db.r6g.large")
	}
	if r.AllocatedStorageGiB == 0 {
		r.AllocatedStorageGiB = pickInt(20, 100)
	}
	if r.MaxStorageGiB == 0 {
		r.MaxStorageGiB = max(pickInt(100, 500), r.AllocatedStorageGiB)
	}
	if r.BackupRetentionDays == 0 {
		r.BackupRetentionDays = pickInt(1, 14)
	}
	if r.MultiAZ == nil {
		r.MultiAZ = boolPtr(prod)
	}
	if r.Database == "" {
		r.Database = "workfx_ai"
	}
	if r.Username == "" {
		r.Username = "workfx"
	}
	e := &a.ElastiCache
	if e.NodeType == "" {
		e.NodeType = pick("cache.t4g.small", "cache.r7g.large")
	}
	if e.Replicas == nil {
		e.Replicas = intPtr(pickInt(0, 1))
	}
	if e.SnapshotRetentionDays == nil {
		e.SnapshotRetentionDays = intPtr(pickInt(0, 7))
	}
	m := &a.MSK
	if m.BrokerCount == 0 {
		m.BrokerCount = azCount(a)
	}
	if m.InstanceType == "" {
		m.InstanceType = pick("kafka.t3.small", "kafka.m7g.large")
	}
	if m.VolumeSizeGiB == 0 {
		m.VolumeSizeGiB = pickInt(20, 500)
	}
	if m.MaxVolumeSizeGiB == 0 {
		m.MaxVolumeSizeGiB = max(pickInt(100, 2000), m.VolumeSizeGiB)
	}
	if m.KafkaVersion == "" {
		m.KafkaVersion = DefaultKafkaVersion
	}
	if m.Username == "" {
		m.Username = "workfx"
	}
	if a.S3.BucketPrefix == "" {
		prefix := "workfx-" + c.Environment
		if c.Customer != "" {
			prefix = c.Customer + "-" + c.Environment
		}
		a.S3.BucketPrefix = prefix
	}
}

// ZoneIDPrefix is the zone-ID prefix of a region (us-east-1 → use1, eu-west-1 → euw1,
// ap-southeast-2 → apse2): zone IDs are <prefix>-az<n>.
func ZoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return ""
	}
	dir, ok := map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
		"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}[parts[1]]
	if !ok {
		return ""
	}
	return parts[0] + dir + parts[2]
}

// isZoneOf reports whether z names a zone of the region, by name (us-east-1a) or by ID (use1-az1).
func isZoneOf(region, z string) bool {
	if rest, ok := strings.CutPrefix(z, region); ok {
		return len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z'
	}
	prefix := ZoneIDPrefix(region)
	if prefix == "" {
		return zoneID.MatchString(z)
	}
	rest, ok := strings.CutPrefix(z, prefix+"-az")
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

func azCount(a *AWSConfig) int {
	if len(a.AvailabilityZones) > 0 {
		return len(a.AvailabilityZones)
	}
	return DefaultAZCount
}

var (
	awsRegion       = regexp.MustCompile(`^[a-z]{2}-[a-z]+-[0-9]$`) // the commercial partition (policy ARNs are arn:aws:)
	ec2Instance     = regexp.MustCompile(`^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|metal|[0-9]*xlarge)$`)
	rdsInstance     = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.(micro|small|medium|large|[0-9]*xlarge)$`)
	cacheNode       = regexp.MustCompile(`^cache\.[a-z][a-z0-9]*\.(micro|small|medium|large|[0-9]*xlarge)$`)
	mskInstance     = regexp.MustCompile(`^kafka\.[a-z][a-z0-9]*\.(small|large|[0-9]*xlarge)$`)
	eksVersion      = regexp.MustCompile(`^1\.[0-9]{2}$`)
	kafkaVersion    = regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+|x)(\.kraft|-tiered)?$`)
	rdsIdentifier   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	tagKey          = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	bucketPrefixRef = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	zoneID          = regexp.MustCompile(`^[a-z]{2,4}[0-9]+-az[0-9]+$`)
)

// validateAWS checks workfx:aws when the AWS composition runs.
func (c *Config) validateAWS(p *problems) {
	const key = "workfx:aws"
	if !c.UsesAWS() {
		return
	}
	a := &c.AWS
	prod := c.Environment == "prod"
	if !awsRegion.MatchString(a.Region) {
		p.add(key+".region", "is required with cloud aws: an AWS region such as eu-central-1, got %q", a.Region)
	}
	if n := len(a.AvailabilityZones); n != 0 && (n < 2 || n > 3) {
		p.add(key+".availabilityZones", "must list 2 or 3 zones of the region (or be empty: three zones every service accepts, chosen by zone ID), got %d", n)
	}
	for i, z := range a.AvailabilityZones {
		if !isZoneOf(a.Region, z) {
			p.add(key+".availabilityZones["+itoa(i)+"]", "must be a zone of region %s by name (%sa) or by zone ID (%s-az1), got %q", a.Region, a.Region, ZoneIDPrefix(a.Region), z)
		}
	}
	if ip, n, err := net.ParseCIDR(a.VpcCidr); err != nil || ip.To4() == nil || !ip.Equal(n.IP) {
		p.add(key+".vpcCidr", "must be an IPv4 network in CIDR form such as 10.40.0.0/16, got %q", a.VpcCidr)
	} else if ones, _ := n.Mask.Size(); ones < 16 || ones > 20 {
		p.add(key+".vpcCidr", "must be a /16 to /20 network (the subnets are carved from it), got /%d", ones)
	}
	for k := range a.DefaultTags {
		if !tagKey.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.add(key+".defaultTags."+k, "must be a valid AWS tag key (1-128 characters, not starting with aws:)")
		}
	}

	if c.Cluster.Mode == ModeProvision {
		c.validateEKS(p, key+".eks")
	}
	for dep, mode := range map[string]string{"postgres": c.Postgres.Mode, "redis": c.Redis.Mode, "kafka": c.Kafka.Mode, "objectStorage": c.ObjectStorage.Mode} {
		if mode == ModeProvision && c.Cluster.Mode != ModeProvision {
			p.add("workfx:"+dep+".mode", "provision on aws needs workfx:cluster.mode provision: the data services live in the cluster's VPC and admit only its nodes")
		}
	}
	if c.Postgres.Mode == ModeProvision {
		r := a.RDS
		k := key + ".rds"
		if !rdsInstance.MatchString(r.InstanceClass) {
			p.add(k+".instanceClass", "must be an RDS instance class such as db.r6g.large or db.t4g.medium, got %q", r.InstanceClass)
		} else if strings.HasSuffix(r.InstanceClass, ".micro") || strings.HasSuffix(r.InstanceClass, ".small") {
			p.add(k+".instanceClass", "must be medium or larger (Performance Insights is not offered on %s)", r.InstanceClass)
		}
		if r.AllocatedStorageGiB < 20 || r.AllocatedStorageGiB > 65536 {
			p.add(k+".allocatedStorageGiB", "must be between 20 and 65536 (gp3), got %d", r.AllocatedStorageGiB)
		}
		if r.MaxStorageGiB < r.AllocatedStorageGiB || r.MaxStorageGiB > 65536 {
			p.add(k+".maxStorageGiB", "must be at least allocatedStorageGiB (%d) and at most 65536, got %d", r.AllocatedStorageGiB, r.MaxStorageGiB)
		}
		if r.BackupRetentionDays < 1 || r.BackupRetentionDays > 35 {
			p.add(k+".backupRetentionDays", "must be between 1 and 35 days, got %d", r.BackupRetentionDays)
		} else if prod && r.BackupRetentionDays < 7 {
			p.add(k+".backupRetentionDays", "must be at least 7 days in prod, got %d", r.BackupRetentionDays)
		}
		if prod && !On(r.MultiAZ) {
			p.add(k+".multiAz", "must be true in prod")
		}
		if !rdsIdentifier.MatchString(r.Database) {
			p.add(k+".database", "must be a Postgres identifier (lowercase letter, then letters, digits, '_'), got %q", r.Database)
		}
		if !rdsIdentifier.MatchString(r.Username) || oneOf(r.Username, "postgres", "rdsadmin", "admin", "rdsrepladmin") {
			p.add(k+".username", "must be a Postgres identifier that RDS does not reserve, got %q", r.Username)
		}
	}
	if c.Redis.Mode == ModeProvision {
		e := a.ElastiCache
		k := key + ".elastiCache"
		if !cacheNode.MatchString(e.NodeType) {
			p.add(k+".nodeType", "must be an ElastiCache node type such as cache.r7g.large, got %q", e.NodeType)
		}
		if *e.Replicas < 0 || *e.Replicas > 5 {
			p.add(k+".replicas", "must be between 0 and 5, got %d", *e.Replicas)
		} else if prod && *e.Replicas < 1 {
			p.add(k+".replicas", "must be at least 1 in prod (Multi-AZ with automatic failover needs a replica)")
		}
		if *e.SnapshotRetentionDays < 0 || *e.SnapshotRetentionDays > 35 {
			p.add(k+".snapshotRetentionDays", "must be between 0 and 35 days, got %d", *e.SnapshotRetentionDays)
		}
	}
	if c.Kafka.Mode == ModeProvision {
		m := a.MSK
		k := key + ".msk"
		zones := azCount(a)
		if m.BrokerCount < zones || m.BrokerCount%zones != 0 {
			p.add(k+".brokerCount", "must be a positive multiple of the availability zone count (%d), got %d", zones, m.BrokerCount)
		}
		if !mskInstance.MatchString(m.InstanceType) {
			p.add(k+".instanceType", "must be an MSK broker type such as kafka.m7g.large or kafka.t3.small, got %q", m.InstanceType)
		} else if prod && m.InstanceType == "kafka.t3.small" {
			p.add(k+".instanceType", "kafka.t3.small is for dev only (burstable, no production support)")
		}
		if m.VolumeSizeGiB < 1 || m.VolumeSizeGiB > 16384 {
			p.add(k+".volumeSizeGiB", "must be between 1 and 16384, got %d", m.VolumeSizeGiB)
		}
		if m.MaxVolumeSizeGiB < m.VolumeSizeGiB || m.MaxVolumeSizeGiB > 16384 {
			p.add(k+".maxVolumeSizeGiB", "must be at least volumeSizeGiB (%d) and at most 16384 (storage auto scaling grows each broker up to it), got %d", m.VolumeSizeGiB, m.MaxVolumeSizeGiB)
		}
		validateKafkaVersion(p, k+".kafkaVersion", m.KafkaVersion)
		if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`).MatchString(m.Username) {
			p.add(k+".username", "must be a SASL/SCRAM user name (letter, then letters, digits, '_', '-'), got %q", m.Username)
		}
	}
	if c.ObjectStorage.Mode == ModeProvision {
		// Bucket names are <prefix>-<seed name>-<account id>-<region> (at most 63 characters).
		pre := a.S3.BucketPrefix
		room := 63 - len("-"+SeedBuckets.ToolsImage+"-123456789012-"+a.Region)
		if !bucketPrefixRef.MatchString(pre) || len(pre) > room {
			p.add(key+".s3.bucketPrefix", "must be lowercase letters, digits and '-' and at most %d characters in %s (bucket names are <prefix>-workfx-ai-…-<account id>-<region>), got %q", room, a.Region, pre)
		}
	}
}

// validateKafkaVersion checks the form of an MSK version string; whether MSK still offers it is
// asked of MSK at deploy time (it retires versions on its own schedule).
func validateKafkaVersion(p *problems, key, v string) {
	m := kafkaVersion.FindStringSubmatch(v)
	if m == nil {
		p.add(key, "must be an MSK Kafka version such as 3.8.x, 3.9.x.kraft or 4.1.x.kraft, got %q", v)
		return
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	switch {
	case major >= 4 && m[4] != ".kraft":
		p.add(key, "Kafka %d runs in KRaft mode only: use %d.%d.x.kraft, got %q", major, major, minor, v)
	case m[4] == ".kraft" && (major < 3 || (major == 3 && minor < 7)):
		p.add(key, "MSK offers KRaft mode from 3.7.x on (3.7.x.kraft and later), got %q", v)
	}
}

// iamRoleArn is an IAM role in the commercial partition, with an optional path
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
var iamRoleArn = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)

func (c *Config) validateEKS(p *problems, k string) {
	a := &c.AWS
	e := a.EKS
	prod := c.Environment == "prod"
	if !eksVersion.MatchString(e.Version) {
		p.add(k+".version", "must be an EKS Kubernetes version such as %s, got %q", DefaultEKSVersion, e.Version)
	}
	if !oneOf(e.SupportType, "STANDARD", "EXTENDED") {
		p.add(k+".supportType", "must be STANDARD (upgraded by EKS when standard support ends) or EXTENDED (kept, billed per cluster-hour), got %q", e.SupportType)
	}
	if !oneOf(itoa(e.LogRetentionDays), "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653") {
		p.add(k+".logRetentionDays", "must be a CloudWatch retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …), got %d", e.LogRetentionDays)
	}
	if len(a.PublicAccessCidrs) == 0 {
		p.add("workfx:aws.publicAccessCidrs", "is required with a provisioned cluster: the CIDRs (deployer, CI) allowed to reach the EKS API; this program applies the manifests through it")
	}
	for i, cidr := range a.PublicAccessCidrs {
		ik := "workfx:aws.publicAccessCidrs[" + itoa(i) + "]"
		ip, n, err := net.ParseCIDR(cidr)
		switch {
		case err != nil || ip.To4() == nil:
			p.add(ik, "must be an IPv4 CIDR (the deployer's or CI's public egress address, e.g. a.b.c.d/32), got %q", cidr)
		case prod && func() bool { ones, _ := n.Mask.Size(); return ones < 8 }():
			p.add(ik, "must not open the API to the internet in prod (prefix shorter than /8), got %q", cidr)
		case within(n, nonPublicRanges):
			p.add(ik, "must be a public address range: the EKS public endpoint sees the caller's public (NAT) address, and from inside the VPC the private endpoint answers; got %q", cidr)
		}
	}
	if len(e.AdminRoleArns) == 0 {
		p.add(k+".adminRoleArns", "is required with a provisioned cluster: the IAM role ARNs (deployer, CI, operators) that administer it, at least the role running `pulumi up`, which applies the in-cluster objects")
	}
	admins := map[string]bool{}
	for i, arn := range e.AdminRoleArns {
		ak := k + ".adminRoleArns[" + itoa(i) + "]"
		switch {
		case !iamRoleArn.MatchString(arn):
			p.add(ak, "must be an IAM role ARN such as arn:aws:iam::111122223333:role/platform-deploy (not a user, an assumed-role session or a wildcard), got %q", arn)
		case admins[arn]:
			p.add(ak, "duplicates %q", arn)
		}
		admins[arn] = true
	}
	names := map[string]bool{}
	for i, g := range e.NodeGroups {
		gk := k + ".nodeGroups[" + itoa(i) + "]"
		if !dns1123Label.MatchString(g.Name) || len(g.Name) > 40 {
			p.add(gk+".name", "must be a DNS-1123 label of at most 40 characters, got %q", g.Name)
		} else if names[g.Name] {
			p.add(gk+".name", "duplicates node group %q", g.Name)
		}
		names[g.Name] = true
		for j, t := range g.InstanceTypes {
			if !ec2Instance.MatchString(t) {
				p.add(gk+".instanceTypes["+itoa(j)+"]", "must be an EC2 instance type such as m6i.xlarge, got %q", t)
			}
		}
		if g.MinSize < 0 || g.MaxSize < 1 || g.MinSize > g.MaxSize || g.DesiredSize < g.MinSize || g.DesiredSize > g.MaxSize {
			p.add(gk, "needs 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1, got min %d, desired %d, max %d", g.MinSize, g.DesiredSize, g.MaxSize)
		}
		if prod && g.MinSize < 2 {
			p.add(gk+".minSize", "must be at least 2 in prod (nodes in more than one zone), got %d", g.MinSize)
		}
		if g.DiskSizeGiB < 20 || g.DiskSizeGiB > 16384 {
			p.add(gk+".diskSizeGiB", "must be between 20 and 16384, got %d", g.DiskSizeGiB)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// nonPublicRanges never appear as a source address on the internet (RFC 6890): private
// (RFC 1918), shared (RFC 6598), loopback, link-local, "this network", benchmarking, multicast
// and reserved.
var nonPublicRanges = parseCIDRs("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "0.0.0.0/8", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4")

// DocumentationRanges are RFC 5737's TEST-NET-1/2/3 blocks: reserved for examples, never a real
// source address. Stack files use them as placeholders for the addresses only the operator knows.
var DocumentationRanges = parseCIDRs("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")

func parseCIDRs(cidrs ...string) []*net.IPNet {
	out := make([]*net.IPNet, len(cidrs))
	for i, c := range cidrs {
		_, out[i], _ = net.ParseCIDR(c)
	}
	return out
}

// within reports whether n lies inside one of the ranges.
func within(n *net.IPNet, ranges []*net.IPNet) bool {
	ones, _ := n.Mask.Size()
	for _, r := range ranges {
		rOnes, _ := r.Mask.Size()
		if r.Contains(n.IP) && ones >= rOnes {
			return true
		}
	}
	return false
}

// DocumentationAccounts are the account IDs AWS's documentation uses in example ARNs.
var DocumentationAccounts = []string{"123456789012", "111122223333"}

// DeployBlockers are the placeholders this config plans with but cannot be deployed with: values
// only the operator knows, written as documentation values. The offline plan, which reaches no
// cloud, lists them; the program refuses them when the Pulumi engine runs it (preview and up),
// before anything is registered. Today: publicAccessCidrs inside RFC 5737's documentation ranges
// (a deployment with them would build VPC and EKS for half an hour, then time out applying the
// first in-cluster object through an API endpoint nobody can reach), and admin roles in AWS's
// documentation accounts; on Azure, the nil GUID as the deployer's object id.
func (c *Config) DeployBlockers() []Problem {
	return append(c.awsDeployBlockers(), c.azureDeployBlockers()...)
}

func (c *Config) awsDeployBlockers() []Problem {
	if !c.UsesAWS() || c.Cluster.Mode != ModeProvision {
		return nil
	}
	var out []Problem
	for i, cidr := range c.AWS.PublicAccessCidrs {
		if _, n, err := net.ParseCIDR(cidr); err == nil && within(n, DocumentationRanges) {
			out = append(out, Problem{Key: "workfx:aws.publicAccessCidrs[" + itoa(i) + "]",
				Message: fmt.Sprintf("%s is a documentation address (RFC 5737), a placeholder: put the deployer's and CI's egress addresses here before `pulumi up`", cidr)})
		}
	}
	for i, arn := range c.AWS.EKS.AdminRoleArns {
		if account := strings.Split(arn, ":"); len(account) > 4 && slices.Contains(DocumentationAccounts, account[4]) {
			out = append(out, Problem{Key: "workfx:aws.eks.adminRoleArns[" + itoa(i) + "]",
				Message: fmt.Sprintf("%s is in %s, AWS's documentation account, a placeholder: list the roles of your account that deploy and administer the cluster", arn, account[4])})
		}
	}
	return out
}
