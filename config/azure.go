package config

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"regexp"
	"strings"
)

// AzureConfig is workfx:azure: where the Azure pieces live and how big they are. It is read only
// with workfx:cloud azure; sizes default per environment (dev: smallest sensible, prod: HA).
type AzureConfig struct {
	// Location is the Azure region (e.g. westeurope).
	Location string `json:"location"`
	// NamePrefix starts every Azure resource name (default workfx-<environment>).
	NamePrefix string `json:"namePrefix"`
	// NameSuffix makes the globally unique names (Key Vault, storage account, Postgres, Redis,
	// Event Hubs, AKS DNS prefix) unique; default: derived from the subscription, project and
	// stack, so it is stable across `up`s and differs between teams and customers.
	NameSuffix string `json:"nameSuffix"`
	// DeployerPrincipalType is what kind of Entra principal runs `pulumi up` (the identity the
	// provider signs in as): User for a person (`az login`), ServicePrincipal for CI (OIDC
	// federated credentials), a service principal or a managed identity. Azure rejects a role
	// assignment whose principalType does not match the principal, and Entra ID offers no lookup
	// of it through ARM, so the stack says it.
	DeployerPrincipalType string `json:"deployerPrincipalType"`
	// DeployerObjectID is the Entra object id of that principal (a GUID: the service principal's
	// object id for CI, `az ad sp show --id <client id> --query id -o tsv`; a person's from
	// `az ad signed-in-user show --query id -o tsv`). It gets AKS cluster admin. It comes from
	// the stack, not from whoever runs the program: a read-only identity previewing or checking
	// drift would otherwise show the deployer's role assignment replaced.
	DeployerObjectID string `json:"deployerObjectId"`
	// Zones are the availability zones zonal resources spread over (AKS pools, Postgres primary
	// and standby, Redis); empty in a region without zones. Default: none in dev, 1-3 in prod.
	Zones []string `json:"zones"`
	// Maintenance is the weekly window for AKS upgrades (cluster and node OS) and Postgres.
	Maintenance AzureMaintenance `json:"maintenance"`
	// VNetCIDR is the VNet's /16; subnets are carved from it (nodes /22, Postgres /24, private endpoints /24).
	VNetCIDR string `json:"vnetCidr"`
	// AdminGroupObjectIDs are Entra ID groups that become AKS cluster admins.
	AdminGroupObjectIDs []string            `json:"adminGroupObjectIds"`
	AKS                 AzureAKSConfig      `json:"aks"`
	Postgres            AzurePostgresConfig `json:"postgres"`
	Redis               AzureRedisConfig    `json:"redis"`
	EventHubs           AzureEventHubConfig `json:"eventHubs"`
	Storage             AzureStorageConfig  `json:"storage"`
}

// AzureAKSConfig sizes the AKS cluster.
type AzureAKSConfig struct {
	KubernetesVersion string        `json:"kubernetesVersion"`
	SystemPool        AzureNodePool `json:"systemPool"`
	UserPool          AzureNodePool `json:"userPool"`
	// MaxSurge is how many extra nodes an upgrade may add (a count or a percentage, e.g. 33%).
	MaxSurge string `json:"maxSurge"`
	// APIServerAuthorizedIPRanges limits who reaches the API server (CIDRs); empty: anyone,
	// still behind Entra ID sign-in.
	APIServerAuthorizedIPRanges []string `json:"apiServerAuthorizedIpRanges"`
}

// AzureNodePool is one autoscaled node pool.
type AzureNodePool struct {
	VMSize   string `json:"vmSize"`
	MinCount int    `json:"minCount"`
	MaxCount int    `json:"maxCount"`
}

// AzurePostgresConfig sizes the Postgres Flexible Server.
type AzurePostgresConfig struct {
	SkuName             string `json:"skuName"`
	SkuTier             string `json:"skuTier"`
	StorageSizeGB       int    `json:"storageSizeGB"`
	Version             string `json:"version"`
	BackupRetentionDays int    `json:"backupRetentionDays"`
	Database            string `json:"database"`
	AdminLogin          string `json:"adminLogin"`
}

// AzureMaintenance is a weekly maintenance window, in UTC.
type AzureMaintenance struct {
	DayOfWeek     string `json:"dayOfWeek"`
	StartHour     *int   `json:"startHour"`
	DurationHours int    `json:"durationHours"`
}

// Redis kinds on Azure: Azure Managed Redis (the default), or the classic Azure Cache for Redis
// that Microsoft is retiring, only when a stack asks for it.
const (
	RedisManaged = "managed"
	RedisClassic = "classic"
)

// AzureRedisConfig sizes Redis: Azure Managed Redis (kind managed: sku such as Balanced_B0,
// highAvailability) or Azure Cache for Redis (kind classic: sku Basic/Standard/Premium, family,
// capacity).
type AzureRedisConfig struct {
	Kind             string `json:"kind"`
	Sku              string `json:"sku"`
	HighAvailability *bool  `json:"highAvailability"`
	Family           string `json:"family"`
	Capacity         *int   `json:"capacity"`
}

// AzureEventHubConfig sizes the Event Hubs namespace (the Kafka endpoint).
type AzureEventHubConfig struct {
	Sku           string `json:"sku"`
	Capacity      int    `json:"capacity"`
	Partitions    int    `json:"partitions"`
	RetentionDays int    `json:"retentionDays"`
}

// AzureStorageConfig sizes the storage account.
type AzureStorageConfig struct {
	Sku string `json:"sku"`
}

// AzureNames are the physical names of the Azure resources, derived from prefix and suffix so
// that validation can check them against Azure's rules before anything is created.
type AzureNames struct {
	ResourceGroup, VNet, Cluster, DNSPrefix, ClusterIdentity, WorkloadIdentity, LogAnalytics string
	Postgres, Redis, EventHubs, KeyVault, StorageAccount, PostgresDNSZone                    string
	// KeyVaultPrefix is KeyVault without the suffix: a dev vault ends in a suffix of its own
	// instead (stacks/azure.go), of the same length.
	KeyVaultPrefix string
}

// Names derives the Azure names. The suffix must already be resolved (see ResolveSuffix).
func (a AzureConfig) Names() AzureNames {
	p, s := a.NamePrefix, a.NameSuffix
	return AzureNames{
		ResourceGroup:    p + "-rg",
		VNet:             p + "-vnet",
		Cluster:          p + "-aks",
		DNSPrefix:        p + "-" + s,
		ClusterIdentity:  p + "-aks-identity",
		WorkloadIdentity: p + "-workloads",
		LogAnalytics:     p + "-logs",
		Postgres:         p + "-pg-" + s,
		Redis:            p + "-redis-" + s,
		EventHubs:        p + "-evh-" + s,
		KeyVault:         p + "-kv-" + s,
		KeyVaultPrefix:   p + "-kv-",
		StorageAccount:   strings.ReplaceAll(p, "-", "") + "st" + s,
		// VNet-integrated Flexible Server needs a zone ending in postgres.database.azure.com;
		// the ".private." form is what the portal creates and cannot clash with Private Link's
		// privatelink.postgres.database.azure.com.
		PostgresDNSZone: p + "-" + s + ".private.postgres.database.azure.com",
	}
}

// suffixLen is fixed so that name lengths are known before the subscription is.
const suffixLen = 6

// ResolveSuffix fills NameSuffix when the stack does not set one, from the subscription the
// deployment goes to, the project and the stack: the same deployment gets the same names on
// every `up`, while every team's `dev` (and every customer's `prod`, each in its own
// subscription) gets its own global names instead of "name already taken".
func (a *AzureConfig) ResolveSuffix(subscriptionID, project, stack string) {
	if a.NameSuffix == "" {
		sum := sha256.Sum256([]byte(strings.ToLower(subscriptionID) + "/" + project + "/" + stack))
		a.NameSuffix = hex.EncodeToString(sum[:])[:suffixLen]
	}
}

func (c *Config) applyAzureDefaults() {
	a := &c.Azure
	prod := c.Environment == "prod"
	def := func(p *string, dev, prd string) {
		if *p == "" {
			*p = dev
			if prod {
				*p = prd
			}
		}
	}
	defInt := func(p *int, dev, prd int) {
		if *p == 0 {
			*p = dev
			if prod {
				*p = prd
			}
		}
	}
	def(&a.NamePrefix, "workfx-"+c.Environment, "workfx-"+c.Environment)
	def(&a.VNetCIDR, "10.40.0.0/16", "10.40.0.0/16")
	k := &a.AKS
	// A minor version AKS supports as of late 2026 (AKS picks the newest patch); check
	// `az aks get-versions -l <location>` and set aks.kubernetesVersion when it moves on.
	def(&k.KubernetesVersion, "1.35", "1.35")
	def(&k.MaxSurge, "33%", "33%")
	def(&k.SystemPool.VMSize, "Standard_D2s_v5", "Standard_D4s_v5")
	defInt(&k.SystemPool.MinCount, 1, 3)
	defInt(&k.SystemPool.MaxCount, 2, 5)
	def(&k.UserPool.VMSize, "Standard_D2s_v5", "Standard_D4s_v5")
	defInt(&k.UserPool.MinCount, 1, 3)
	defInt(&k.UserPool.MaxCount, 3, 10)
	pg := &a.Postgres
	def(&pg.SkuName, "Standard_B1ms", "Standard_D2ds_v5")
	def(&pg.SkuTier, "Burstable", "GeneralPurpose")
	defInt(&pg.StorageSizeGB, 32, 128)
	def(&pg.Version, "16", "16")
	defInt(&pg.BackupRetentionDays, 7, 35)
	def(&pg.Database, "workfx_ai", "workfx_ai")
	def(&pg.AdminLogin, "workfx", "workfx")
	if a.Zones == nil && prod {
		a.Zones = []string{"1", "2", "3"}
	}
	m := &a.Maintenance
	def(&m.DayOfWeek, "Sunday", "Sunday")
	if m.StartHour == nil {
		start := 2 // 02:00 UTC, outside business hours in Europe and the Americas
		m.StartHour = &start
	}
	defInt(&m.DurationHours, 4, 4) // AKS's minimum window
	r := &a.Redis
	def(&r.Kind, RedisManaged, RedisManaged)
	if r.Kind == RedisClassic {
		def(&r.Sku, "Basic", "Premium")
		if r.Family == "" {
			r.Family = "C"
			if r.Sku == "Premium" {
				r.Family = "P"
			}
		}
		if r.Capacity == nil {
			capacity := 0 // C0: 250 MB, enough for dev sessions and caches
			if r.Family == "P" {
				capacity = 1
			}
			r.Capacity = &capacity
		}
	} else {
		// Balanced B0 (0.5 GB) holds dev's sessions and caches; B5 (6 GB) matches the classic
		// Premium P1 prod had.
		def(&r.Sku, "Balanced_B0", "Balanced_B5")
		if r.HighAvailability == nil {
			ha := prod // dev needs no replica or SLA; prod does
			r.HighAvailability = &ha
		}
	}
	e := &a.EventHubs
	def(&e.Sku, "Standard", "Standard")
	defInt(&e.Capacity, 1, 2)
	defInt(&e.Partitions, 2, 4)
	defInt(&e.RetentionDays, 1, 7)
	def(&a.Storage.Sku, "Standard_LRS", "Standard_ZRS")
}

var (
	azureLocation   = regexp.MustCompile(`^[a-z][a-z0-9]+$`)
	azurePrefix     = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	azureSuffix     = regexp.MustCompile(`^[a-z0-9]{6}$`)
	vmSize          = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	k8sVersion      = regexp.MustCompile(`^1\.[0-9]{2}(\.[0-9]+)?$`)
	maxSurge        = regexp.MustCompile(`^[1-9][0-9]*%?$`)
	managedRedisSku = regexp.MustCompile(`^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X|FlashOptimized_A)[0-9]+$`)
	pgIdentifier    = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	entraObjectID   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	keyVaultName    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$`)
	storageName     = regexp.MustCompile(`^[a-z0-9]+$`)
	dnsPrefixName   = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	lowerHyphenName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	eventHubsName   = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*[a-zA-Z0-9]$`)
)

// UsesAzure reports whether anything is provisioned on Azure (the Azure platform composes the
// stack).
func (c *Config) UsesAzure() bool { return c.provisionsOn("azure") }

// provisionsOn reports whether the stack's cloud is cloud and something is provisioned on it.
func (c *Config) provisionsOn(cloud string) bool {
	if c.Cloud != cloud {
		return false
	}
	for _, m := range []string{c.Cluster.Mode, c.Postgres.Mode, c.Redis.Mode, c.Kafka.Mode, c.ObjectStorage.Mode} {
		if m == ModeProvision {
			return true
		}
	}
	return false
}

// azureNameRule is one Azure naming rule, checked against a derived name.
type azureNameRule struct {
	what     string
	name     string
	min, max int
	re       *regexp.Regexp
	rule     string
}

func (c *Config) validateAzure(p *problems) {
	a := c.Azure
	key := "workfx:azure"
	if !c.UsesAzure() {
		return
	}
	if !azureLocation.MatchString(a.Location) {
		p.add(key+".location", "is required with cloud azure: an Azure region name such as westeurope or eastus2, got %q", a.Location)
	}
	if c.Cluster.Mode != ModeProvision {
		// Postgres, Redis, Event Hubs, Key Vault and storage are reachable only inside the VNet
		// this program creates for the cluster.
		p.add("workfx:cluster.mode", "must be provision when any dependency is provisioned on Azure (the data services are private to the cluster's VNet), got %q", c.Cluster.Mode)
	}
	prefixOK := azurePrefix.MatchString(a.NamePrefix)
	if !prefixOK {
		p.add(key+".namePrefix", "must start with a lowercase letter and hold lowercase letters, digits and single hyphens, got %q", a.NamePrefix)
	}
	suffixOK := azureSuffix.MatchString(a.NameSuffix) || a.NameSuffix == ""
	if !suffixOK {
		p.add(key+".nameSuffix", "must be exactly %d lowercase letters or digits (it makes global names unique), got %q", suffixLen, a.NameSuffix)
	}
	if prefixOK && suffixOK {
		probe := a
		if probe.NameSuffix == "" {
			probe.NameSuffix = strings.Repeat("0", suffixLen) // real suffix has this length and alphabet
		}
		c.validateAzureNames(p, probe.Names())
	}
	if _, n, err := net.ParseCIDR(a.VNetCIDR); err != nil || n.IP.To4() == nil || maskOnes(n) != 16 {
		p.add(key+".vnetCidr", "must be an IPv4 /16 such as 10.40.0.0/16, got %q", a.VNetCIDR)
	} else {
		for _, reserved := range []string{"10.0.0.0/16", "10.244.0.0/16"} {
			_, r, _ := net.ParseCIDR(reserved)
			if r.Contains(n.IP) || n.Contains(r.IP) {
				p.add(key+".vnetCidr", "must not overlap %s (AKS service/pod CIDRs), got %q", reserved, a.VNetCIDR)
			}
		}
	}
	if c.Cluster.Mode == ModeProvision && !oneOf(a.DeployerPrincipalType, "User", "ServicePrincipal") {
		p.add(key+".deployerPrincipalType", "is required when AKS is provisioned: User when a person runs `pulumi up` after `az login`, ServicePrincipal for CI (OIDC), a service principal or a managed identity; got %q", a.DeployerPrincipalType)
	}
	if c.Cluster.Mode == ModeProvision && !entraObjectID.MatchString(a.DeployerObjectID) {
		p.add(key+".deployerObjectId", "is required when AKS is provisioned: the Entra object id (a GUID) of the principal that runs `pulumi up`, which gets cluster admin (CI: `az ad sp show --id <client id> --query id -o tsv`; a person: `az ad signed-in-user show --query id -o tsv`); got %q", a.DeployerObjectID)
	}
	seen := map[string]bool{}
	for i, z := range a.Zones {
		if !oneOf(z, "1", "2", "3") || seen[z] {
			p.add(key+".zones", "entry %d must be one of the availability zones \"1\", \"2\", \"3\", each once, got %q", i, z)
		}
		seen[z] = true
	}
	if c.Environment == "prod" && len(a.Zones) < 2 {
		p.add(key+".zones", "must name at least two availability zones in prod (Postgres keeps its standby in another zone than the primary), got %v", a.Zones)
	}
	m := a.Maintenance
	if !oneOf(m.DayOfWeek, "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday") {
		p.add(key+".maintenance.dayOfWeek", "must be a day such as Sunday, got %q", m.DayOfWeek)
	}
	if *m.StartHour < 0 || *m.StartHour > 23 {
		p.add(key+".maintenance.startHour", "must be an hour from 0 to 23 (UTC), got %d", *m.StartHour)
	}
	if m.DurationHours < 4 || m.DurationHours > 24 {
		p.add(key+".maintenance.durationHours", "must be between 4 (AKS's minimum) and 24, got %d", m.DurationHours)
	}
	for i, id := range a.AdminGroupObjectIDs {
		if !entraObjectID.MatchString(id) {
			p.add(key+".adminGroupObjectIds", "entry %d must be an Entra ID group object id (a GUID), got %q", i, id)
		}
	}
	c.validateAzureAKS(p, key+".aks")
	c.validateAzurePostgres(p, key+".postgres")
	c.validateAzureRedis(p, key+".redis")
	c.validateAzureEventHubs(p, key+".eventHubs")
	sku := a.Storage.Sku
	if !oneOf(sku, "Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Standard_RAGRS", "Standard_RAGZRS") {
		p.add(key+".storage.sku", "must be one of Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS, Standard_RAGZRS, got %q", sku)
	} else if c.Environment == "prod" && !strings.Contains(sku, "ZRS") {
		p.add(key+".storage.sku", "must be zone-redundant in prod (Standard_ZRS, Standard_GZRS or Standard_RAGZRS), got %q", sku)
	}
}

func maskOnes(n *net.IPNet) int {
	ones, _ := n.Mask.Size()
	return ones
}

// validateAzureNames checks every derived name against its Azure rule. A name that breaks a
// rule is reported on namePrefix (or nameSuffix) since that is what the user controls.
func (c *Config) validateAzureNames(p *problems, n AzureNames) {
	rules := []azureNameRule{
		{"Key Vault name", n.KeyVault, 3, 24, keyVaultName, "3-24 letters, digits and single hyphens, starting with a letter"},
		{"storage account name", n.StorageAccount, 3, 24, storageName, "3-24 lowercase letters and digits"},
		{"AKS dnsPrefix", n.DNSPrefix, 1, 54, dnsPrefixName, "1-54 letters, digits and hyphens, starting and ending with a letter or digit"},
		{"AKS cluster name", n.Cluster, 1, 63, dnsPrefixName, "1-63 letters, digits and hyphens"},
		{"Postgres server name", n.Postgres, 3, 63, lowerHyphenName, "3-63 lowercase letters, digits and hyphens"},
		{"Redis name", n.Redis, 1, 60, keyVaultName, "1-60 letters, digits and single hyphens"},
		{"Event Hubs namespace name", n.EventHubs, 6, 50, eventHubsName, "6-50 letters, digits and hyphens, starting with a letter"},
		{"Log Analytics workspace name", n.LogAnalytics, 4, 63, dnsPrefixName, "4-63 letters, digits and hyphens"},
		{"resource group name", n.ResourceGroup, 1, 90, dnsPrefixName, "1-90 characters"},
	}
	for _, r := range rules {
		if len(r.name) < r.min || len(r.name) > r.max || !r.re.MatchString(r.name) {
			p.add("workfx:azure.namePrefix", "gives the %s %q (%d characters), but Azure allows %s; use a shorter prefix", r.what, r.name, len(r.name), r.rule)
		}
	}
}

func (c *Config) validateAzureAKS(p *problems, key string) {
	k := c.Azure.AKS
	if !k8sVersion.MatchString(k.KubernetesVersion) {
		p.add(key+".kubernetesVersion", "must be a Kubernetes version supported by AKS such as 1.35 or 1.35.1, got %q", k.KubernetesVersion)
	}
	if !maxSurge.MatchString(k.MaxSurge) {
		p.add(key+".maxSurge", "must be a node count or a percentage such as 1 or 33%%, got %q", k.MaxSurge)
	}
	for i, r := range k.APIServerAuthorizedIPRanges {
		if _, n, err := net.ParseCIDR(r); err != nil || n.IP.To4() == nil {
			p.add(key+".apiServerAuthorizedIpRanges", "entry %d must be an IPv4 CIDR such as 203.0.113.0/24, got %q", i, r)
		}
	}
	for _, pool := range []struct {
		name string
		p    AzureNodePool
	}{{"systemPool", k.SystemPool}, {"userPool", k.UserPool}} {
		pk := key + "." + pool.name
		if !vmSize.MatchString(pool.p.VMSize) {
			p.add(pk+".vmSize", "must be an Azure VM size such as Standard_D2s_v5, got %q", pool.p.VMSize)
		}
		if pool.p.MinCount < 1 || pool.p.MinCount > 100 {
			p.add(pk+".minCount", "must be between 1 and 100, got %d", pool.p.MinCount)
		}
		if pool.p.MaxCount < pool.p.MinCount || pool.p.MaxCount > 100 {
			p.add(pk+".maxCount", "must be at least minCount (%d) and at most 100, got %d", pool.p.MinCount, pool.p.MaxCount)
		}
		if c.Environment == "prod" && pool.p.MinCount < 2 {
			p.add(pk+".minCount", "must be at least 2 in prod (one node per zone survives a zone outage), got %d", pool.p.MinCount)
		}
	}
}

var pgStorageSizes = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767}

func (c *Config) validateAzurePostgres(p *problems, key string) {
	pg := c.Azure.Postgres
	if !oneOf(pg.SkuTier, "Burstable", "GeneralPurpose", "MemoryOptimized") {
		p.add(key+".skuTier", "must be Burstable, GeneralPurpose or MemoryOptimized, got %q", pg.SkuTier)
	} else if c.Environment == "prod" && pg.SkuTier == "Burstable" {
		p.add(key+".skuTier", "must be GeneralPurpose or MemoryOptimized in prod (zone-redundant HA is not offered on Burstable)")
	}
	if !vmSize.MatchString(pg.SkuName) {
		p.add(key+".skuName", "must be a Flexible Server compute size such as Standard_B1ms or Standard_D2ds_v5, got %q", pg.SkuName)
	}
	ok := false
	for _, s := range pgStorageSizes {
		ok = ok || s == pg.StorageSizeGB
	}
	if !ok {
		p.add(key+".storageSizeGB", "must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767, got %d", pg.StorageSizeGB)
	}
	if !oneOf(pg.Version, "14", "15", "16") {
		p.add(key+".version", "must be 14, 15 or 16, got %q", pg.Version)
	}
	if pg.BackupRetentionDays < 7 || pg.BackupRetentionDays > 35 {
		p.add(key+".backupRetentionDays", "must be between 7 and 35, got %d", pg.BackupRetentionDays)
	}
	if !pgIdentifier.MatchString(pg.Database) {
		p.add(key+".database", "must be a Postgres identifier (lowercase letters, digits, '_'), got %q", pg.Database)
	}
	if !pgIdentifier.MatchString(pg.AdminLogin) || oneOf(pg.AdminLogin, "azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public") || strings.HasPrefix(pg.AdminLogin, "pg_") {
		p.add(key+".adminLogin", "must be a Postgres identifier that Azure does not reserve (not admin, root, azure_*, pg_*), got %q", pg.AdminLogin)
	}
}

func (c *Config) validateAzureRedis(p *problems, key string) {
	r := c.Azure.Redis
	switch r.Kind {
	case RedisManaged:
		if !managedRedisSku.MatchString(r.Sku) {
			p.add(key+".sku", "must be an Azure Managed Redis SKU such as Balanced_B0, Balanced_B5 or MemoryOptimized_M10, got %q", r.Sku)
		}
		if r.Family != "" || r.Capacity != nil {
			p.add(key+".family", "and capacity apply to kind classic only; Azure Managed Redis is sized by sku alone")
		}
		if c.Environment == "prod" && !*r.HighAvailability {
			p.add(key+".highAvailability", "must be true in prod (without it the data set has no replica and no SLA)")
		}
		return
	case RedisClassic:
	default:
		p.add(key+".kind", "must be managed (Azure Managed Redis) or classic (Azure Cache for Redis, being retired), got %q", r.Kind)
		return
	}
	if r.HighAvailability != nil {
		p.add(key+".highAvailability", "applies to kind managed only; classic caches are replicated by sku (Standard, Premium)")
	}
	if !oneOf(r.Sku, "Basic", "Standard", "Premium") {
		p.add(key+".sku", "must be Basic, Standard or Premium with kind classic, got %q", r.Sku)
		return
	}
	if c.Environment == "prod" && r.Sku != "Premium" {
		p.add(key+".sku", "must be Premium in prod (zone redundancy), got %q", r.Sku)
	}
	wantFamily := "C"
	if r.Sku == "Premium" {
		wantFamily = "P"
	}
	if r.Family != wantFamily {
		p.add(key+".family", "must be %s with sku %s, got %q", wantFamily, r.Sku, r.Family)
	}
	lo, hi := 0, 6
	if wantFamily == "P" {
		lo, hi = 1, 5
	}
	if *r.Capacity < lo || *r.Capacity > hi {
		p.add(key+".capacity", "must be between %d and %d for family %s, got %d", lo, hi, wantFamily, *r.Capacity)
	}
}

func (c *Config) validateAzureEventHubs(p *problems, key string) {
	e := c.Azure.EventHubs
	if !oneOf(e.Sku, "Standard", "Premium") {
		p.add(key+".sku", "must be Standard or Premium (Basic has no Kafka endpoint), got %q", e.Sku)
		return
	}
	maxCap, maxPart, maxRet := 40, 32, 7
	if e.Sku == "Premium" {
		maxCap, maxPart, maxRet = 16, 100, 90
	}
	if e.Capacity < 1 || e.Capacity > maxCap {
		p.add(key+".capacity", "must be between 1 and %d with sku %s, got %d", maxCap, e.Sku, e.Capacity)
	}
	if e.Partitions < 1 || e.Partitions > maxPart {
		p.add(key+".partitions", "must be between 1 and %d with sku %s, got %d", maxPart, e.Sku, e.Partitions)
	}
	if e.RetentionDays < 1 || e.RetentionDays > maxRet {
		p.add(key+".retentionDays", "must be between 1 and %d with sku %s, got %d", maxRet, e.Sku, e.RetentionDays)
	}
}

// PlaceholderObjectID is the nil GUID: a stack file's stand-in for an Entra object id only its
// operator knows (Pulumi.dev.yaml's deployer).
const PlaceholderObjectID = "00000000-0000-0000-0000-000000000000"

func (c *Config) azureDeployBlockers() []Problem {
	if !c.UsesAzure() || c.Cluster.Mode != ModeProvision || c.Azure.DeployerObjectID != PlaceholderObjectID {
		return nil
	}
	return []Problem{{Key: "workfx:azure.deployerObjectId",
		Message: "is the nil GUID, a placeholder: put the object id of the principal that runs `pulumi up` here (CI: `az ad sp show --id <client id> --query id -o tsv`)"}}
}
