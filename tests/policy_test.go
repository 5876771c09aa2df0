// Package tests holds the policy suite: one table of rules evaluated over the plan of every
// stack file (Pulumi.*.yaml) and every synthetic config (tests/testdata/stacks/*.yaml), each
// rule with a test that shows it catches a deliberately broken input.
package tests

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// object is one planned resource as the rules see it. Kubernetes objects carry their manifest
// (secret leaves rendered as plan.Redacted); cloud resources carry their inputs.
type object struct {
	URN, Type, Name string
	Kind, Namespace string // Kubernetes objects only
	Obj             map[string]any
	SecretInputs    []string
	Protect         bool
	RetainOnDelete  bool
	// Deps are the URNs the resource depends on.
	Deps []string
}

// dependsOn reports whether o depends directly on other.
func (o *object) dependsOn(other *object) bool {
	for _, d := range o.Deps {
		if d == other.URN {
			return true
		}
	}
	return false
}

func (o *object) id() string {
	if o.Kind != "" {
		if o.Namespace != "" {
			return o.Kind + " " + o.Namespace + "/" + o.Str("metadata.name")
		}
		return o.Kind + " " + o.Str("metadata.name")
	}
	return o.Type + " " + o.Name
}

// Get reads a dotted path of nested maps.
func (o *object) Get(path string) any {
	var cur any = o.Obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func (o *object) Str(path string) string {
	s, _ := o.Get(path).(string)
	return s
}

// secretAt reports whether the input at path is secret (it or a parent is in SecretInputs).
func (o *object) secretAt(path string) bool {
	for _, s := range o.SecretInputs {
		if s == path || strings.HasPrefix(path, s+".") || strings.HasPrefix(path, s+"[") {
			return true
		}
	}
	return false
}

// target is one stack's plan plus the config facts the rules need.
type target struct {
	Name    string
	Prod    bool
	MeshOn  bool
	Objects []*object
	// Existing dependencies: TLS settings of what the customer brings.
	Config *config.Config
}

func (t *target) kind(kind string) []*object {
	var out []*object
	for _, o := range t.Objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func (t *target) types(types ...string) []*object {
	var out []*object
	for _, o := range t.Objects {
		for _, ty := range types {
			if o.Type == ty {
				out = append(out, o)
			}
		}
	}
	return out
}

// appNamespaces are the namespaces the plan runs workloads in.
func (t *target) appNamespaces() []string {
	seen := map[string]bool{}
	for _, o := range t.Objects {
		if o.Kind == "Deployment" || o.Kind == "StatefulSet" {
			seen[o.Namespace] = true
		}
	}
	var out []string
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// container is one container of a workload with its pod spec.
type container struct {
	owner *object
	pod   map[string]any
	c     map[string]any
}

func (c container) id() string { return fmt.Sprintf("%s container %v", c.owner.id(), c.c["name"]) }

func (t *target) containers() []container {
	var out []container
	for _, o := range t.Objects {
		var pod map[string]any
		switch o.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
			pod, _ = o.Get("spec.template.spec").(map[string]any)
		case "CronJob":
			pod, _ = o.Get("spec.jobTemplate.spec.template.spec").(map[string]any)
		case "Pod":
			pod, _ = o.Get("spec").(map[string]any)
		default:
			continue
		}
		for _, key := range []string{"initContainers", "containers"} {
			list, _ := pod[key].([]any)
			for _, c := range list {
				if cm, ok := c.(map[string]any); ok {
					out = append(out, container{owner: o, pod: pod, c: cm})
				}
			}
		}
	}
	return out
}

func get(m map[string]any, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[part]
	}
	return cur
}

// rule is one policy. check returns one message per violation; the suite prefixes the rule id.
type rule struct {
	id    string
	desc  string
	check func(t *target) []string
}

// credentialName reports names that hold credentials (env vars, ConfigMap keys, input keys) by
// their last words, so POSTGRES_PASSWORD, clientSecret or administratorLoginPassword match while
// secretName, bypass, keyVaultSecretId, TOKEN_ENDPOINT or Helm's existingSecret (a Secret's
// name) do not.
var credentialName = credentialNamer{}

type credentialNamer struct{}

var (
	nameWords      = regexp.MustCompile(`[A-Z]?[a-z0-9]+|[A-Z]+(?:[^a-z]|$)`)
	credentialWord = map[string]bool{"password": true, "passwd": true, "pass": true, "secret": true, "token": true,
		"license": true, "licence": true, "licensekey": true, "credential": true, "credentials": true, "apikey": true}
	credentialPair = map[string]bool{"api key": true, "private key": true, "access key": true, "auth key": true,
		"connection string": true, "conn str": true, "jwt key": true}
	azureAPIVersion = regexp.MustCompile(`/v20[0-9]{6}[a-z]*:`)
)

func (credentialNamer) MatchString(name string) bool {
	var words []string
	for _, w := range nameWords.FindAllString(name, -1) {
		words = append(words, strings.ToLower(strings.Trim(w, "_-.")))
	}
	if len(words) == 0 || words[0] == "existing" {
		return false
	}
	last := words[len(words)-1]
	if credentialWord[last] {
		return true
	}
	return len(words) > 1 && credentialPair[words[len(words)-2]+" "+last]
}

// credentialValue matches values that embed a credential (URLs with user:password, PEM keys).
var credentialValue = regexp.MustCompile(`(?i)(://[^/\s:@]+:[^/\s@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----|password=)`)

// Cloud resource types the cloud rules know (azure-native and aws tokens).
var (
	postgresTypes = []string{"azure-native:dbforpostgresql:Server", "azure-native:dbforpostgresql:FlexibleServer",
		"aws:rds/instance:Instance", "aws:rds/cluster:Cluster"}
	redisTypes = []string{"azure-native:cache:Redis", "azure-native:cache:RedisEnterprise", "aws:elasticache/replicationGroup:ReplicationGroup",
		"aws:elasticache/cluster:Cluster"}
	kafkaTypes   = []string{"azure-native:eventhub:Namespace", "aws:msk/cluster:Cluster", "aws:msk/serverlessCluster:ServerlessCluster"}
	storageTypes = []string{"azure-native:storage:StorageAccount", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
	searchTypes  = []string{"aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"}
	// statefulTypes hold data that must survive a `pulumi destroy` or a replace in prod.
	statefulTypes = append(append(append(append(append([]string{}, postgresTypes...), redisTypes...), kafkaTypes...), storageTypes...),
		append(searchTypes, "azure-native:cache:Database", "azure-native:keyvault:Vault", "aws:secretsmanager/secret:Secret")...)
	// diagnosedTypes are the Azure resources whose logs and metrics go to Log Analytics (the
	// Azure Verified Modules' diagnosticSettings).
	diagnosedTypes = []string{"azure-native:containerservice:ManagedCluster", "azure-native:keyvault:Vault",
		"azure-native:storage:StorageAccount", "azure-native:dbforpostgresql:Server", "azure-native:eventhub:Namespace",
		"azure-native:cache:Redis", "azure-native:cache:RedisEnterprise", "azure-native:network:NetworkSecurityGroup"}
)

func isTrue(v any) bool  { b, ok := v.(bool); return ok && b }
func isFalse(v any) bool { b, ok := v.(bool); return ok && !b }
func num(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	}
	return 0, false
}

// rules is the policy table.
var rules = []rule{
	{"azure-role-principal-type", "every Azure role assignment states its principalType (the SDK sends User otherwise, and Azure rejects a service principal as a User)", func(t *target) []string {
		var out []string
		for _, o := range t.types("azure-native:authorization:RoleAssignment") {
			if !oneOf(o.Str("principalType"), "User", "ServicePrincipal", "Group") {
				out = append(out, fmt.Sprintf("%s: principalType %q", o.id(), o.Str("principalType")))
			}
		}
		return out
	}},
	{"azure-diagnostics", "every Azure resource that publishes diagnostics (AKS, Key Vault, storage, Postgres, Event Hubs, Redis, NSGs) sends them to a Log Analytics workspace", func(t *target) []string {
		var out []string
		for _, o := range t.types(diagnosedTypes...) {
			found := false
			for _, d := range t.types("azure-native:insights:DiagnosticSetting") {
				found = found || (d.dependsOn(o) && d.Get("workspaceId") != nil)
			}
			if !found {
				out = append(out, o.id()+": no diagnostic setting to a Log Analytics workspace")
			}
		}
		return out
	}},
	{"azure-subnet-nsg", "every Azure subnet has a network security group", func(t *target) []string {
		var out []string
		for _, o := range t.types("azure-native:network:Subnet") {
			if o.Get("networkSecurityGroup.id") == nil {
				out = append(out, o.id()+": no networkSecurityGroup")
			}
		}
		return out
	}},
	{"aks-managed-upgrades", "every AKS cluster upgrades Kubernetes patches and node images on a channel, inside maintenance windows for both", func(t *target) []string {
		var out []string
		for _, o := range t.types("azure-native:containerservice:ManagedCluster") {
			for _, ch := range []string{"autoUpgradeProfile.upgradeChannel", "autoUpgradeProfile.nodeOSUpgradeChannel"} {
				if v := o.Str(ch); v == "" || v == "none" || v == "None" {
					out = append(out, fmt.Sprintf("%s: %s is %q", o.id(), ch, v))
				}
			}
			for _, schedule := range []string{"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"} {
				found := false
				for _, m := range t.types("azure-native:containerservice:MaintenanceConfiguration") {
					found = found || (m.dependsOn(o) && m.Str("configName") == schedule && m.Get("maintenanceWindow") != nil)
				}
				if !found {
					out = append(out, o.id()+": no maintenance window "+schedule)
				}
			}
		}
		return out
	}},
	{"pod-non-root", "every pod runs as non-root (pod or container runAsNonRoot: true, runAsUser not 0)", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			podNR, ctrNR := get(c.pod, "securityContext.runAsNonRoot"), get(c.c, "securityContext.runAsNonRoot")
			if !(isTrue(ctrNR) || (isTrue(podNR) && !isFalse(ctrNR))) {
				out = append(out, c.id()+": runAsNonRoot is not true")
			}
			for _, u := range []any{get(c.pod, "securityContext.runAsUser"), get(c.c, "securityContext.runAsUser")} {
				if n, ok := num(u); ok && n == 0 {
					out = append(out, c.id()+": runAsUser is 0 (root)")
				}
			}
		}
		return out
	}},
	{"read-only-root-fs", "every container has readOnlyRootFilesystem: true", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			if !isTrue(get(c.c, "securityContext.readOnlyRootFilesystem")) {
				out = append(out, c.id()+": readOnlyRootFilesystem is not true")
			}
		}
		return out
	}},
	{"no-privilege-escalation", "every container has allowPrivilegeEscalation: false and is not privileged", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			if !isFalse(get(c.c, "securityContext.allowPrivilegeEscalation")) {
				out = append(out, c.id()+": allowPrivilegeEscalation is not false")
			}
			if isTrue(get(c.c, "securityContext.privileged")) {
				out = append(out, c.id()+": privileged")
			}
		}
		return out
	}},
	{"capabilities-dropped", "every container drops ALL capabilities and adds none", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			drop, _ := get(c.c, "securityContext.capabilities.drop").([]any)
			all := false
			for _, d := range drop {
				all = all || d == "ALL"
			}
			if !all {
				out = append(out, c.id()+": capabilities.drop does not contain ALL")
			}
			if add, _ := get(c.c, "securityContext.capabilities.add").([]any); len(add) > 0 {
				out = append(out, fmt.Sprintf("%s: capabilities.add %v", c.id(), add))
			}
		}
		return out
	}},
	{"requests-and-limits", "every container sets cpu and memory requests and limits", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			for _, p := range []string{"resources.requests.cpu", "resources.requests.memory", "resources.limits.cpu", "resources.limits.memory"} {
				if v := get(c.c, p); v == nil || v == "" {
					out = append(out, c.id()+": "+p+" is not set")
				}
			}
		}
		return out
	}},
	{"probes", "every serving container (Deployment, StatefulSet, DaemonSet; not init containers, not run-to-completion Jobs) has liveness and readiness probes", func(t *target) []string {
		var out []string
		for _, c := range t.containers() {
			if c.owner.Kind == "Job" || c.owner.Kind == "CronJob" {
				continue
			}
			inits, _ := c.pod["initContainers"].([]any)
			isInit := false
			for _, ic := range inits {
				if icm, ok := ic.(map[string]any); ok && icm["name"] == c.c["name"] {
					isInit = true
				}
			}
			if isInit {
				continue
			}
			for _, p := range []string{"livenessProbe", "readinessProbe"} {
				if c.c[p] == nil {
					out = append(out, c.id()+": no "+p)
				}
			}
		}
		return out
	}},
	{"pdb-for-replicas", "every Deployment/StatefulSet with replicas > 1 (its own, or its HPA's minimum) is covered by a PodDisruptionBudget", func(t *target) []string {
		var out []string
		for _, o := range t.Objects {
			if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
				continue
			}
			replicas, ok := num(o.Get("spec.replicas"))
			for _, hpa := range t.kind("HorizontalPodAutoscaler") {
				if hpa.Namespace == o.Namespace && hpa.Str("spec.scaleTargetRef.kind") == o.Kind && hpa.Str("spec.scaleTargetRef.name") == o.Name {
					replicas, ok = num(hpa.Get("spec.minReplicas"))
				}
			}
			if !ok || replicas <= 1 {
				continue
			}
			podLabels, _ := o.Get("spec.template.metadata.labels").(map[string]any)
			covered := false
			for _, pdb := range t.kind("PodDisruptionBudget") {
				if pdb.Namespace == o.Namespace && matches(pdb.Get("spec.selector"), podLabels) {
					covered = true
				}
			}
			if !covered {
				out = append(out, fmt.Sprintf("%s: %d replicas but no PodDisruptionBudget selects its pods", o.id(), replicas))
			}
		}
		return out
	}},
	{"default-deny-networkpolicy", "every app namespace has a NetworkPolicy with policyTypes Ingress and Egress and no rules that selects every workload's pods (podSelector {}, or in a customer's namespace a selector all of the program's pods match)", func(t *target) []string {
		var out []string
		for _, ns := range t.appNamespaces() {
			found := false
			for _, np := range t.kind("NetworkPolicy") {
				sel := np.Get("spec.podSelector")
				types, _ := np.Get("spec.policyTypes").([]any)
				hasIn, hasEg := false, false
				for _, ty := range types {
					hasIn = hasIn || ty == "Ingress"
					hasEg = hasEg || ty == "Egress"
				}
				if np.Namespace != ns || sel == nil || !hasIn || !hasEg || np.Get("spec.ingress") != nil || np.Get("spec.egress") != nil {
					continue
				}
				selMap, _ := sel.(map[string]any)
				all := true
				for _, w := range t.Objects {
					if len(selMap) == 0 {
						break // {} selects every pod
					}
					if w.Namespace == ns && (w.Kind == "Deployment" || w.Kind == "StatefulSet" || w.Kind == "Job") {
						labels, _ := w.Get("spec.template.metadata.labels").(map[string]any)
						all = all && matches(sel, labels)
					}
				}
				found = found || all
			}
			if !found {
				out = append(out, "namespace "+ns+": no default-deny NetworkPolicy (policyTypes [Ingress, Egress], no rules, selecting every workload's pods)")
			}
		}
		return out
	}},
	{"mtls-strict", "with the mesh on, every app namespace has a PeerAuthentication with mtls.mode STRICT and no port-level exception weaker than STRICT", func(t *target) []string {
		if !t.MeshOn {
			return nil
		}
		var out []string
		for _, ns := range t.appNamespaces() {
			strict := false
			for _, pa := range t.kind("PeerAuthentication") {
				if pa.Namespace != ns {
					continue
				}
				if pa.Get("spec.selector") == nil && pa.Str("spec.mtls.mode") == "STRICT" {
					strict = true
				}
				if ports, ok := pa.Get("spec.portLevelMtls").(map[string]any); ok {
					for p, v := range ports {
						if m, _ := get(v.(map[string]any), "mode").(string); m != "STRICT" {
							out = append(out, fmt.Sprintf("%s: port %s mtls mode %q", pa.id(), p, m))
						}
					}
				}
				if m := pa.Str("spec.mtls.mode"); m != "" && m != "STRICT" {
					out = append(out, fmt.Sprintf("%s: mtls.mode %q", pa.id(), m))
				}
			}
			if !strict {
				out = append(out, "namespace "+ns+": mesh is on but no namespace-wide PeerAuthentication with mtls.mode STRICT")
			}
		}
		return out
	}},
	{"no-credentials-in-configmaps-or-literal-env", "no credential in a ConfigMap or a literal env value: credentials come from Secrets", func(t *target) []string {
		var out []string
		for _, cm := range t.kind("ConfigMap") {
			data, _ := cm.Get("data").(map[string]any)
			for k, v := range data {
				s, _ := v.(string)
				if s == "" {
					continue
				}
				if s == plan.Redacted || cm.secretAt("data."+k) {
					out = append(out, fmt.Sprintf("%s: key %s holds a secret value", cm.id(), k))
				} else if credentialName.MatchString(k) {
					out = append(out, fmt.Sprintf("%s: key %s looks like a credential", cm.id(), k))
				} else if credentialValue.MatchString(s) {
					out = append(out, fmt.Sprintf("%s: key %s embeds a credential", cm.id(), k))
				}
			}
		}
		for _, c := range t.containers() {
			env, _ := c.c["env"].([]any)
			for _, e := range env {
				em, _ := e.(map[string]any)
				v, hasValue := em["value"].(string)
				if !hasValue || v == "" {
					continue
				}
				switch {
				case v == plan.Redacted:
					out = append(out, fmt.Sprintf("%s: env %v is a secret as a literal value; use secretKeyRef", c.id(), em["name"]))
				case credentialName.MatchString(fmt.Sprint(em["name"])):
					out = append(out, fmt.Sprintf("%s: env %v looks like a credential given as a literal value; use secretKeyRef", c.id(), em["name"]))
				case credentialValue.MatchString(v):
					out = append(out, fmt.Sprintf("%s: env %v embeds a credential", c.id(), em["name"]))
				}
			}
		}
		return out
	}},
	{"credentials-secret", "every credential is a Pulumi secret: each Secret's data/stringData value, and each credential input of a cloud resource", func(t *target) []string {
		var out []string
		for _, o := range t.Objects {
			if o.Kind == "Secret" {
				for _, f := range []string{"data", "stringData"} {
					m, _ := o.Get(f).(map[string]any)
					for k := range m {
						if !o.secretAt(f + "." + k) {
							out = append(out, fmt.Sprintf("%s: %s.%s is not a Pulumi secret", o.id(), f, k))
						}
					}
				}
				continue
			}
			if o.Kind != "" {
				continue
			}
			var walk func(path string, v any)
			walk = func(path string, v any) {
				switch x := v.(type) {
				case map[string]any:
					for k, e := range x {
						walk(strings.TrimPrefix(path+"."+k, "."), e)
					}
				case string:
					leaf := path[strings.LastIndex(path, ".")+1:]
					if x != "" && credentialName.MatchString(leaf) && !o.secretAt(path) {
						out = append(out, fmt.Sprintf("%s: input %s is a credential but not a Pulumi secret", o.id(), path))
					}
				}
			}
			walk("", o.Obj)
		}
		return out
	}},
	{"prod-no-public-data-services", "in prod, no data service (Postgres, Redis, Kafka, object storage, search) accepts public network access", func(t *target) []string {
		if !t.Prod {
			return nil
		}
		var out []string
		for _, o := range t.types(append(append(append(append(append([]string{}, postgresTypes...), redisTypes...), kafkaTypes...), storageTypes...), searchTypes...)...) {
			switch {
			case o.Type == "azure-native:cache:RedisEnterprise":
				// API 2025-04-01 has no public-access switch: a private endpoint is the only way in.
				private := false
				for _, pe := range t.types("azure-native:network:PrivateEndpoint") {
					private = private || pe.dependsOn(o)
				}
				if !private {
					out = append(out, o.id()+": no private endpoint (Azure Managed Redis is public without one)")
				}
			case strings.HasPrefix(o.Type, "azure-native:"):
				v := o.Str("publicNetworkAccess")
				if v == "" {
					v = o.Str("network.publicNetworkAccess")
				}
				if !strings.EqualFold(v, "Disabled") {
					out = append(out, fmt.Sprintf("%s: publicNetworkAccess is %q, want Disabled", o.id(), v))
				}
				if o.Type == "azure-native:storage:StorageAccount" && !isFalse(o.Get("allowBlobPublicAccess")) {
					out = append(out, o.id()+": allowBlobPublicAccess is not false")
				}
			case strings.HasPrefix(o.Type, "aws:rds/"):
				if isTrue(o.Get("publiclyAccessible")) {
					out = append(out, o.id()+": publiclyAccessible")
				}
			case strings.HasPrefix(o.Type, "aws:msk/"):
				if ty := o.Str("brokerNodeGroupInfo.connectivityInfo.publicAccess.type"); ty != "" && ty != "DISABLED" {
					out = append(out, o.id()+": broker public access "+ty)
				}
			case strings.HasPrefix(o.Type, "aws:s3/"):
				blocked := false
				for _, pab := range t.types("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
					if isTrue(pab.Get("blockPublicAcls")) && isTrue(pab.Get("blockPublicPolicy")) &&
						isTrue(pab.Get("ignorePublicAcls")) && isTrue(pab.Get("restrictPublicBuckets")) {
						blocked = true
					}
				}
				if !blocked {
					out = append(out, o.id()+": no BucketPublicAccessBlock blocking all public access")
				}
			case strings.HasPrefix(o.Type, "aws:opensearch/"), strings.HasPrefix(o.Type, "aws:elasticsearch/"):
				if o.Get("vpcOptions") == nil {
					out = append(out, o.id()+": not in a VPC (public endpoint)")
				}
			}
		}
		return out
	}},
	{"tls-enforced", "TLS is enforced on Postgres, Redis and Kafka: provisioned ones refuse plaintext, existing ones are reached over TLS in prod", func(t *target) []string {
		var out []string
		for _, o := range t.types(postgresTypes...) {
			if strings.HasPrefix(o.Type, "aws:rds/") {
				forced := false
				for _, pg := range t.types("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup") {
					params, _ := pg.Get("parameters").([]any)
					for _, p := range params {
						pm, _ := p.(map[string]any)
						if pm["name"] == "rds.force_ssl" && fmt.Sprint(pm["value"]) == "1" {
							forced = true
						}
					}
				}
				if !forced {
					out = append(out, o.id()+": no parameter group sets rds.force_ssl = 1")
				}
			}
		}
		for _, c := range t.types("azure-native:dbforpostgresql:Configuration") {
			if c.Str("configurationName") == "require_secure_transport" && strings.EqualFold(c.Str("value"), "off") {
				out = append(out, c.id()+": require_secure_transport is off")
			}
		}
		for _, o := range t.types(redisTypes...) {
			switch {
			case o.Type == "azure-native:cache:Redis", o.Type == "azure-native:cache:RedisEnterprise":
				if isTrue(o.Get("enableNonSslPort")) {
					out = append(out, o.id()+": enableNonSslPort is true")
				}
				if v := o.Str("minimumTlsVersion"); v != "1.2" && v != "1.3" {
					out = append(out, fmt.Sprintf("%s: minimumTlsVersion %q, want 1.2", o.id(), v))
				}
			default:
				if !isTrue(o.Get("transitEncryptionEnabled")) {
					out = append(out, o.id()+": transitEncryptionEnabled is not true")
				}
			}
		}
		for _, o := range t.types("azure-native:cache:Database") {
			if v := o.Str("clientProtocol"); v != "Encrypted" {
				out = append(out, fmt.Sprintf("%s: clientProtocol %q, want Encrypted", o.id(), v))
			}
		}
		for _, o := range t.types(kafkaTypes...) {
			switch {
			case o.Type == "azure-native:eventhub:Namespace":
				if v := o.Str("minimumTlsVersion"); v != "1.2" && v != "1.3" {
					out = append(out, fmt.Sprintf("%s: minimumTlsVersion %q, want 1.2", o.id(), v))
				}
			case o.Type == "aws:msk/cluster:Cluster":
				if v := o.Str("encryptionInfo.encryptionInTransit.clientBroker"); v != "" && v != "TLS" {
					out = append(out, fmt.Sprintf("%s: clientBroker encryption %q, want TLS", o.id(), v))
				}
			}
		}
		if t.Prod && t.Config != nil {
			c := t.Config
			if e := c.Postgres.Existing; e != nil && c.Postgres.Mode == config.ModeExisting && !oneOf(e.SSLMode, "require", "verify-ca", "verify-full") {
				out = append(out, fmt.Sprintf("workfx:postgres.existing.sslMode %q: TLS not enforced", e.SSLMode))
			}
			if e := c.Redis.Existing; e != nil && c.Redis.Mode == config.ModeExisting && !e.TLS {
				out = append(out, "workfx:redis.existing.tls is false: TLS not enforced")
			}
			if e := c.Kafka.Existing; e != nil && c.Kafka.Mode == config.ModeExisting && !oneOf(e.SecurityProtocol, "SSL", "SASL_SSL") {
				out = append(out, fmt.Sprintf("workfx:kafka.existing.securityProtocol %q: TLS not enforced", e.SecurityProtocol))
			}
		}
		return out
	}},
	{"encryption-at-rest", "data services encrypt at rest (explicitly where the cloud makes it optional)", func(t *target) []string {
		var out []string
		for _, o := range t.types("aws:rds/instance:Instance", "aws:rds/cluster:Cluster") {
			if !isTrue(o.Get("storageEncrypted")) {
				out = append(out, o.id()+": storageEncrypted is not true")
			}
		}
		for _, o := range t.types("aws:elasticache/replicationGroup:ReplicationGroup") {
			if !isTrue(o.Get("atRestEncryptionEnabled")) {
				out = append(out, o.id()+": atRestEncryptionEnabled is not true")
			}
		}
		for _, o := range t.types(searchTypes...) {
			if !isTrue(o.Get("encryptAtRest.enabled")) {
				out = append(out, o.id()+": encryptAtRest.enabled is not true")
			}
		}
		for _, o := range t.types("azure-native:storage:StorageAccount") {
			for _, svc := range []string{"blob", "file"} {
				if isFalse(o.Get("encryption.services." + svc + ".enabled")) {
					out = append(out, o.id()+": encryption of "+svc+" disabled")
				}
			}
		}
		return out
	}},
	{"prod-protect-retain", "in prod, every stateful resource has protect and retainOnDelete", func(t *target) []string {
		if !t.Prod {
			return nil
		}
		var out []string
		for _, o := range t.types(statefulTypes...) {
			if !o.Protect {
				out = append(out, o.id()+": protect is not set")
			}
			if !o.RetainOnDelete {
				out = append(out, o.id()+": retainOnDelete is not set")
			}
		}
		return out
	}},
	{"backups", "databases keep backups: at least 7 days in prod, 1 in dev; Redis snapshots in prod", func(t *target) []string {
		var out []string
		min := int64(1)
		if t.Prod {
			min = 7
		}
		for _, o := range t.types(postgresTypes...) {
			key := "backupRetentionPeriod"
			if strings.HasPrefix(o.Type, "azure-native:") {
				key = "backup.backupRetentionDays"
			}
			if n, ok := num(o.Get(key)); !ok || n < min {
				out = append(out, fmt.Sprintf("%s: %s is %v, want at least %d", o.id(), key, o.Get(key), min))
			}
		}
		if t.Prod {
			for _, o := range t.types("aws:elasticache/replicationGroup:ReplicationGroup") {
				if n, ok := num(o.Get("snapshotRetentionLimit")); !ok || n < 1 {
					out = append(out, o.id()+": snapshotRetentionLimit not set")
				}
			}
		}
		return out
	}},
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// matches reports whether a LabelSelector (matchLabels only, or matchExpressions In) selects
// the labels.
func matches(selector any, lbls map[string]any) bool {
	sel, ok := selector.(map[string]any)
	if !ok || len(sel) == 0 {
		return false
	}
	ml, _ := sel["matchLabels"].(map[string]any)
	for k, v := range ml {
		if lbls[k] != v {
			return false
		}
	}
	exprs, _ := sel["matchExpressions"].([]any)
	for _, e := range exprs {
		em, _ := e.(map[string]any)
		vals, _ := em["values"].([]any)
		key, _ := em["key"].(string)
		val, has := lbls[key]
		switch em["operator"] {
		case "In":
			found := false
			for _, v := range vals {
				found = found || v == val
			}
			if !found {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		default:
			return false
		}
	}
	return len(ml) > 0 || len(exprs) > 0
}

// fromPlan builds the rules' view of a plan.
func fromPlan(name string, p *plan.Plan, cfg *config.Config) *target {
	t := &target{Name: name, Config: cfg, Prod: cfg.Environment == "prod", MeshOn: cfg.Mesh.Mode != config.ModeDisabled}
	for _, r := range p.Resources {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		// Rules name types without an API version ("azure-native:dbforpostgresql:Server" also
		// covers the server registered through dbforpostgresql/v20230601preview).
		typ := azureAPIVersion.ReplaceAllString(r.Type, ":")
		o := &object{URN: r.URN, Type: typ, Name: r.Name, SecretInputs: r.SecretInputs, Protect: r.Protect, RetainOnDelete: r.RetainOnDelete,
			Deps: r.Dependencies}
		if r.IsKubernetes() {
			_, o.Kind = r.APIVersionKind()
			o.Namespace = r.Str("metadata.namespace")
			o.Obj = r.Manifest(false)
		} else {
			o.Obj = r.Inputs(false)
		}
		t.Objects = append(t.Objects, o)
	}
	return t
}

var (
	targetsOnce sync.Once
	targets     []*target
	targetsErr  error
)

// planAll plans every stack once (shared by the suite and the rule tests).
func planAll(tb testing.TB) []*target {
	targetsOnce.Do(func() {
		for _, sf := range allStackFiles(tb) {
			sc, err := plan.LoadStackFile("..", sf.name, sf.path)
			if err != nil {
				targetsErr = err
				return
			}
			cfg, err := config.Load(sc.Raw)
			if err != nil {
				targetsErr = fmt.Errorf("%s: %w", sf.path, err)
				return
			}
			p, err := plan.Run(sc, stacks.Run, nil)
			if err != nil {
				targetsErr = fmt.Errorf("%s: %w", sf.path, err)
				return
			}
			targets = append(targets, fromPlan(sf.name, p, cfg))
		}
	})
	if targetsErr != nil {
		tb.Fatal(targetsErr)
	}
	return targets
}

// TestPolicy evaluates every rule over every stack and synthetic config.
func TestPolicy(t *testing.T) {
	for _, tg := range planAll(t) {
		t.Run(tg.Name, func(t *testing.T) {
			for _, r := range rules {
				for _, v := range r.check(tg) {
					t.Errorf("[%s] %s", r.id, v)
				}
			}
		})
	}
}
