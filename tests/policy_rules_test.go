package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/workfx/workfx-platform/internal/plan"
)

// baseline is a compliant target: the ka plan (prod, mesh and monitoring existing) plus one
// compliant cloud resource of each kind the cloud rules know, so every rule has something to
// catch when broken.
func baseline(t *testing.T) *target {
	t.Helper()
	var ka *target
	for _, tg := range planAll(t) {
		if tg.Name == "ka" {
			ka = tg
		}
	}
	if ka == nil {
		t.Fatal("Pulumi.ka.yaml is the baseline of the rule tests; it was not planned")
	}
	c := copyTarget(t, ka)
	cloud := func(typ, name string, obj map[string]any, secret ...string) {
		c.Objects = append(c.Objects, &object{URN: "urn:test::" + name, Type: typ, Name: name, Obj: obj,
			SecretInputs: secret, Protect: true, RetainOnDelete: true})
	}
	// on adds a resource that depends on others (a diagnostic setting, an endpoint, a window).
	on := func(typ, name string, obj map[string]any, deps ...string) {
		var urns []string
		for _, d := range deps {
			urns = append(urns, "urn:test::"+d)
		}
		c.Objects = append(c.Objects, &object{URN: "urn:test::" + name, Type: typ, Name: name, Obj: obj, Deps: urns})
	}
	cloud("azure-native:dbforpostgresql:Server", "pg", map[string]any{
		"network": map[string]any{"publicNetworkAccess": "Disabled"}, "backup": map[string]any{"backupRetentionDays": int64(14)},
		"administratorLoginPassword": plan.Redacted}, "administratorLoginPassword")
	cloud("azure-native:cache:Redis", "redis", map[string]any{"publicNetworkAccess": "Disabled", "enableNonSslPort": false, "minimumTlsVersion": "1.2"})
	cloud("azure-native:cache:RedisEnterprise", "managed-redis", map[string]any{"minimumTlsVersion": "1.2", "highAvailability": "Enabled"})
	cloud("azure-native:cache:Database", "managed-redis-db", map[string]any{"clientProtocol": "Encrypted"})
	on("azure-native:network:PrivateEndpoint", "managed-redis-pe", map[string]any{}, "managed-redis")
	cloud("azure-native:containerservice:ManagedCluster", "aks", map[string]any{
		"autoUpgradeProfile": map[string]any{"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}})
	for _, schedule := range []string{"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"} {
		on("azure-native:containerservice:MaintenanceConfiguration", schedule, map[string]any{"configName": schedule,
			"maintenanceWindow": map[string]any{"durationHours": int64(4)}}, "aks")
	}
	cloud("azure-native:network:NetworkSecurityGroup", "nsg", map[string]any{})
	cloud("azure-native:network:Subnet", "subnet", map[string]any{"networkSecurityGroup": map[string]any{"id": "nsg-id"}})
	cloud("azure-native:authorization:RoleAssignment", "deployer", map[string]any{"principalType": "ServicePrincipal"})
	cloud("azure-native:eventhub:Namespace", "kafka", map[string]any{"publicNetworkAccess": "Disabled", "minimumTlsVersion": "1.2"})
	cloud("azure-native:storage:StorageAccount", "storage", map[string]any{"publicNetworkAccess": "Disabled", "allowBlobPublicAccess": false})
	cloud("aws:rds/instance:Instance", "rds", map[string]any{"publiclyAccessible": false, "storageEncrypted": true,
		"backupRetentionPeriod": int64(7), "password": plan.Redacted}, "password")
	cloud("aws:rds/parameterGroup:ParameterGroup", "rds-params", map[string]any{"parameters": []any{map[string]any{"name": "rds.force_ssl", "value": "1"}}})
	cloud("aws:elasticache/replicationGroup:ReplicationGroup", "elasticache", map[string]any{"transitEncryptionEnabled": true,
		"atRestEncryptionEnabled": true, "snapshotRetentionLimit": int64(7)})
	for _, diagnosed := range []string{"pg", "redis", "managed-redis", "kafka", "storage", "aks", "nsg"} {
		on("azure-native:insights:DiagnosticSetting", diagnosed+"-diagnostics", map[string]any{"workspaceId": "logs-id"}, diagnosed)
	}
	for _, r := range rules {
		if v := r.check(c); len(v) > 0 {
			t.Fatalf("baseline violates %s: %v", r.id, v)
		}
	}
	return c
}

// copyTarget copies a target so a test can break it without touching the shared plan.
func copyTarget(t *testing.T, in *target) *target {
	t.Helper()
	out := &target{Name: in.Name, Prod: in.Prod, MeshOn: in.MeshOn}
	cfg := *in.Config
	if in.Config.Postgres.Existing != nil {
		e := *in.Config.Postgres.Existing
		cfg.Postgres.Existing = &e
	}
	if in.Config.Redis.Existing != nil {
		e := *in.Config.Redis.Existing
		cfg.Redis.Existing = &e
	}
	if in.Config.Kafka.Existing != nil {
		e := *in.Config.Kafka.Existing
		cfg.Kafka.Existing = &e
	}
	out.Config = &cfg
	for _, o := range in.Objects {
		b, err := json.Marshal(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		c := *o
		c.Obj = nil
		if err := json.Unmarshal(b, &c.Obj); err != nil {
			t.Fatal(err)
		}
		normalizeNumbers(c.Obj)
		c.SecretInputs = append([]string(nil), o.SecretInputs...)
		out.Objects = append(out.Objects, &c)
	}
	return out
}

// normalizeNumbers turns JSON's float64 back into int64 where whole (as the plan renders them).
func normalizeNumbers(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if f, ok := e.(float64); ok && f == float64(int64(f)) {
				x[k] = int64(f)
			} else {
				normalizeNumbers(e)
			}
		}
	case []any:
		for i, e := range x {
			if f, ok := e.(float64); ok && f == float64(int64(f)) {
				x[i] = int64(f)
			} else {
				normalizeNumbers(e)
			}
		}
	}
}

func find(t *testing.T, tg *target, kind, name string) *object {
	t.Helper()
	for _, o := range tg.Objects {
		if (o.Kind == kind && o.Str("metadata.name") == name) || (o.Kind == "" && o.Type == kind && o.Name == name) {
			return o
		}
	}
	t.Fatalf("no %s %s in the baseline", kind, name)
	return nil
}

func container0(t *testing.T, tg *target, deployment string) map[string]any {
	t.Helper()
	ctrs, _ := find(t, tg, "Deployment", deployment).Get("spec.template.spec.containers").([]any)
	if len(ctrs) == 0 {
		t.Fatalf("Deployment %s has no containers", deployment)
	}
	return ctrs[0].(map[string]any)
}

func securityContext(t *testing.T, tg *target, deployment string) map[string]any {
	return container0(t, tg, deployment)["securityContext"].(map[string]any)
}

func remove(tg *target, match func(o *object) bool) {
	var keep []*object
	for _, o := range tg.Objects {
		if !match(o) {
			keep = append(keep, o)
		}
	}
	tg.Objects = keep
}

// brokenCases breaks the baseline once per rule; want is a substring of the violation
// (naming the resource).
var brokenCases = []struct {
	rule, name string
	breakIt    func(t *testing.T, tg *target)
	want       string
}{
	{"pod-non-root", "container runAsNonRoot false", func(t *testing.T, tg *target) {
		securityContext(t, tg, "workfx-api")["runAsNonRoot"] = false
	}, "Deployment workfx-ai/workfx-api container workfx-api: runAsNonRoot"},
	{"pod-non-root", "runAsUser 0", func(t *testing.T, tg *target) {
		securityContext(t, tg, "workfx-cdc")["runAsUser"] = int64(0)
	}, "Deployment workfx-ai/workfx-cdc container workfx-cdc: runAsUser is 0"},
	{"read-only-root-fs", "writable root", func(t *testing.T, tg *target) {
		delete(securityContext(t, tg, "rasa-pro"), "readOnlyRootFilesystem")
	}, "Deployment workfx-ai/rasa-pro container rasa-pro: readOnlyRootFilesystem"},
	{"no-privilege-escalation", "allowPrivilegeEscalation true", func(t *testing.T, tg *target) {
		securityContext(t, tg, "workfx-api")["allowPrivilegeEscalation"] = true
	}, "workfx-api container workfx-api: allowPrivilegeEscalation"},
	{"capabilities-dropped", "capability added", func(t *testing.T, tg *target) {
		securityContext(t, tg, "workfx-api")["capabilities"] = map[string]any{"drop": []any{"ALL"}, "add": []any{"NET_ADMIN"}}
	}, "capabilities.add [NET_ADMIN]"},
	{"capabilities-dropped", "nothing dropped", func(t *testing.T, tg *target) {
		securityContext(t, tg, "workfx-cdc")["capabilities"] = map[string]any{}
	}, "workfx-cdc container workfx-cdc: capabilities.drop"},
	{"requests-and-limits", "no memory limit", func(t *testing.T, tg *target) {
		delete(container0(t, tg, "workfx-api")["resources"].(map[string]any)["limits"].(map[string]any), "memory")
	}, "workfx-api container workfx-api: resources.limits.memory is not set"},
	{"probes", "no readiness probe", func(t *testing.T, tg *target) {
		delete(container0(t, tg, "rasa-pro-services"), "readinessProbe")
	}, "rasa-pro-services container rasa-pro-services: no readinessProbe"},
	{"pdb-for-replicas", "PDB removed", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Kind == "PodDisruptionBudget" })
	}, "Deployment workfx-ai/workfx-api: 2 replicas but no PodDisruptionBudget"},
	{"pdb-for-replicas", "second replica without PDB", func(t *testing.T, tg *target) {
		find(t, tg, "HorizontalPodAutoscaler", "workfx-cdc").Obj["spec"].(map[string]any)["minReplicas"] = int64(2)
	}, "Deployment workfx-ai/workfx-cdc: 2 replicas"},
	{"default-deny-networkpolicy", "default deny misses the apps", func(t *testing.T, tg *target) {
		find(t, tg, "NetworkPolicy", "default-deny").Obj["spec"].(map[string]any)["podSelector"] = map[string]any{"matchLabels": map[string]any{"app": "other"}}
	}, "namespace workfx-ai: no default-deny"},
	{"default-deny-networkpolicy", "default deny removed", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Kind == "NetworkPolicy" && o.Str("metadata.name") == "default-deny" })
	}, "namespace workfx-ai: no default-deny"},
	{"default-deny-networkpolicy", "default deny allows ingress", func(t *testing.T, tg *target) {
		find(t, tg, "NetworkPolicy", "default-deny").Obj["spec"].(map[string]any)["ingress"] = []any{map[string]any{}}
	}, "namespace workfx-ai: no default-deny"},
	{"mtls-strict", "PERMISSIVE", func(t *testing.T, tg *target) {
		find(t, tg, "PeerAuthentication", "default").Obj["spec"].(map[string]any)["mtls"] = map[string]any{"mode": "PERMISSIVE"}
	}, `mtls.mode "PERMISSIVE"`},
	{"mtls-strict", "PeerAuthentication removed", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Kind == "PeerAuthentication" })
	}, "namespace workfx-ai: mesh is on but no namespace-wide PeerAuthentication"},
	{"no-credentials-in-configmaps-or-literal-env", "password in ConfigMap", func(t *testing.T, tg *target) {
		find(t, tg, "ConfigMap", "workfx-api-config").Obj["data"].(map[string]any)["POSTGRES_PASSWORD"] = "hunter2"
	}, "ConfigMap workfx-ai/workfx-api-config: key POSTGRES_PASSWORD"},
	{"no-credentials-in-configmaps-or-literal-env", "URL with password in ConfigMap", func(t *testing.T, tg *target) {
		find(t, tg, "ConfigMap", "workfx-api-config").Obj["data"].(map[string]any)["DATABASE_URL"] = "postgres://u:p@db/x"
	}, "ConfigMap workfx-ai/workfx-api-config: key DATABASE_URL embeds a credential"},
	{"no-credentials-in-configmaps-or-literal-env", "literal env credential", func(t *testing.T, tg *target) {
		c := container0(t, tg, "workfx-api")
		env, _ := c["env"].([]any)
		c["env"] = append(env, map[string]any{"name": "REDIS_PASSWORD", "value": "hunter2"})
	}, "workfx-api container workfx-api: env REDIS_PASSWORD"},
	{"no-credentials-in-configmaps-or-literal-env", "secret output as literal env", func(t *testing.T, tg *target) {
		c := container0(t, tg, "workfx-cdc")
		env, _ := c["env"].([]any)
		c["env"] = append(env, map[string]any{"name": "SOME_SETTING", "value": plan.Redacted})
	}, "workfx-cdc container workfx-cdc: env SOME_SETTING is a secret as a literal value"},
	{"credentials-secret", "Secret value not secret", func(t *testing.T, tg *target) {
		find(t, tg, "Secret", "jwt-secret").SecretInputs = nil
	}, "Secret workfx-ai/jwt-secret: stringData."},
	{"credentials-secret", "cloud password input not secret", func(t *testing.T, tg *target) {
		find(t, tg, "aws:rds/instance:Instance", "rds").SecretInputs = nil
	}, "aws:rds/instance:Instance rds: input password"},
	{"prod-no-public-data-services", "Postgres public", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:dbforpostgresql:Server", "pg").Obj["network"] = map[string]any{"publicNetworkAccess": "Enabled"}
	}, `azure-native:dbforpostgresql:Server pg: publicNetworkAccess is "Enabled"`},
	{"prod-no-public-data-services", "RDS public", func(t *testing.T, tg *target) {
		find(t, tg, "aws:rds/instance:Instance", "rds").Obj["publiclyAccessible"] = true
	}, "aws:rds/instance:Instance rds: publiclyAccessible"},
	{"tls-enforced", "Redis non-TLS port", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:cache:Redis", "redis").Obj["enableNonSslPort"] = true
	}, "azure-native:cache:Redis redis: enableNonSslPort"},
	{"tls-enforced", "ElastiCache without transit encryption", func(t *testing.T, tg *target) {
		find(t, tg, "aws:elasticache/replicationGroup:ReplicationGroup", "elasticache").Obj["transitEncryptionEnabled"] = false
	}, "elasticache: transitEncryptionEnabled"},
	{"tls-enforced", "RDS without force_ssl", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Type == "aws:rds/parameterGroup:ParameterGroup" })
	}, "aws:rds/instance:Instance rds: no parameter group sets rds.force_ssl"},
	{"tls-enforced", "existing Postgres without TLS in prod", func(t *testing.T, tg *target) {
		tg.Config.Postgres.Existing.SSLMode = "prefer"
	}, `workfx:postgres.existing.sslMode "prefer"`},
	{"tls-enforced", "existing Kafka plaintext in prod", func(t *testing.T, tg *target) {
		tg.Config.Kafka.Existing.SecurityProtocol = "SASL_PLAINTEXT"
	}, `workfx:kafka.existing.securityProtocol "SASL_PLAINTEXT"`},
	{"tls-enforced", "Event Hubs TLS 1.0", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:eventhub:Namespace", "kafka").Obj["minimumTlsVersion"] = "1.0"
	}, `azure-native:eventhub:Namespace kafka: minimumTlsVersion "1.0"`},
	{"encryption-at-rest", "RDS unencrypted", func(t *testing.T, tg *target) {
		find(t, tg, "aws:rds/instance:Instance", "rds").Obj["storageEncrypted"] = false
	}, "aws:rds/instance:Instance rds: storageEncrypted"},
	{"encryption-at-rest", "ElastiCache unencrypted", func(t *testing.T, tg *target) {
		delete(find(t, tg, "aws:elasticache/replicationGroup:ReplicationGroup", "elasticache").Obj, "atRestEncryptionEnabled")
	}, "elasticache: atRestEncryptionEnabled"},
	{"prod-protect-retain", "Postgres not protected", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:dbforpostgresql:Server", "pg").Protect = false
	}, "azure-native:dbforpostgresql:Server pg: protect"},
	{"prod-protect-retain", "storage not retained", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:storage:StorageAccount", "storage").RetainOnDelete = false
	}, "azure-native:storage:StorageAccount storage: retainOnDelete"},
	{"tls-enforced", "Azure Managed Redis accepting plaintext", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:cache:Database", "managed-redis-db").Obj["clientProtocol"] = "Plaintext"
	}, `azure-native:cache:Database managed-redis-db: clientProtocol "Plaintext"`},
	{"tls-enforced", "Azure Managed Redis TLS 1.0", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:cache:RedisEnterprise", "managed-redis").Obj["minimumTlsVersion"] = "1.0"
	}, `azure-native:cache:RedisEnterprise managed-redis: minimumTlsVersion "1.0"`},
	{"prod-no-public-data-services", "Azure Managed Redis without private endpoint", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Name == "managed-redis-pe" })
	}, "azure-native:cache:RedisEnterprise managed-redis: no private endpoint"},
	{"prod-protect-retain", "Azure Managed Redis database not protected", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:cache:Database", "managed-redis-db").Protect = false
	}, "azure-native:cache:Database managed-redis-db: protect"},
	{"azure-role-principal-type", "deployer assignment without principalType", func(t *testing.T, tg *target) {
		delete(find(t, tg, "azure-native:authorization:RoleAssignment", "deployer").Obj, "principalType")
	}, `azure-native:authorization:RoleAssignment deployer: principalType ""`},
	{"azure-diagnostics", "Postgres diagnostics removed", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Name == "pg-diagnostics" })
	}, "azure-native:dbforpostgresql:Server pg: no diagnostic setting"},
	{"azure-diagnostics", "AKS diagnostics without a workspace", func(t *testing.T, tg *target) {
		delete(find(t, tg, "azure-native:insights:DiagnosticSetting", "aks-diagnostics").Obj, "workspaceId")
	}, "azure-native:containerservice:ManagedCluster aks: no diagnostic setting"},
	{"azure-subnet-nsg", "subnet without NSG", func(t *testing.T, tg *target) {
		delete(find(t, tg, "azure-native:network:Subnet", "subnet").Obj, "networkSecurityGroup")
	}, "azure-native:network:Subnet subnet: no networkSecurityGroup"},
	{"aks-managed-upgrades", "node OS channel none", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:containerservice:ManagedCluster", "aks").Obj["autoUpgradeProfile"] = map[string]any{"upgradeChannel": "patch", "nodeOSUpgradeChannel": "None"}
	}, `autoUpgradeProfile.nodeOSUpgradeChannel is "None"`},
	{"aks-managed-upgrades", "node OS window removed", func(t *testing.T, tg *target) {
		remove(tg, func(o *object) bool { return o.Name == "aksManagedNodeOSUpgradeSchedule" })
	}, "azure-native:containerservice:ManagedCluster aks: no maintenance window aksManagedNodeOSUpgradeSchedule"},
	{"backups", "Postgres backups 1 day in prod", func(t *testing.T, tg *target) {
		find(t, tg, "azure-native:dbforpostgresql:Server", "pg").Obj["backup"] = map[string]any{"backupRetentionDays": int64(1)}
	}, "azure-native:dbforpostgresql:Server pg: backup.backupRetentionDays is 1, want at least 7"},
	{"backups", "RDS without backups", func(t *testing.T, tg *target) {
		delete(find(t, tg, "aws:rds/instance:Instance", "rds").Obj, "backupRetentionPeriod")
	}, "aws:rds/instance:Instance rds: backupRetentionPeriod"},
}

// TestRulesCatchBrokenInputs shows each rule catching a deliberately broken input, with a
// message naming the resource.
func TestRulesCatchBrokenInputs(t *testing.T) {
	byID := map[string]rule{}
	for _, r := range rules {
		byID[r.id] = r
	}
	for _, bc := range brokenCases {
		t.Run(bc.rule+"/"+bc.name, func(t *testing.T) {
			r, ok := byID[bc.rule]
			if !ok {
				t.Fatalf("no rule %s", bc.rule)
			}
			tg := baseline(t)
			bc.breakIt(t, tg)
			got := r.check(tg)
			for _, v := range got {
				if strings.Contains(v, bc.want) {
					return
				}
			}
			t.Fatalf("rule %s did not catch %q: want a violation containing %q, got %q", bc.rule, bc.name, bc.want, got)
		})
	}
}

// TestEveryRuleHasABrokenCase keeps the table honest: a new rule needs a broken input.
func TestEveryRuleHasABrokenCase(t *testing.T) {
	covered := map[string]bool{}
	for _, bc := range brokenCases {
		covered[bc.rule] = true
	}
	for _, r := range rules {
		if !covered[r.id] {
			t.Errorf("rule %s (%s) has no broken-input case in brokenCases", r.id, r.desc)
		}
	}
}

// TestProdOnlyRulesSkipDev: the prod-only rules do not fire on a dev stack.
func TestProdOnlyRulesSkipDev(t *testing.T) {
	tg := baseline(t)
	tg.Prod = false
	find(t, tg, "azure-native:dbforpostgresql:Server", "pg").Protect = false
	find(t, tg, "aws:rds/instance:Instance", "rds").Obj["publiclyAccessible"] = true
	for _, id := range []string{"prod-protect-retain", "prod-no-public-data-services"} {
		for _, r := range rules {
			if r.id == id {
				if v := r.check(tg); len(v) > 0 {
					t.Errorf("%s fired on dev: %v", id, v)
				}
			}
		}
	}
}

func TestCredentialNames(t *testing.T) {
	for name, want := range map[string]bool{
		"POSTGRES_PASSWORD": true, "clientSecret": true, "administratorLoginPassword": true, "admin_jwt_key": true,
		"KAFKA_SASL_PASSWORD": true, "RASA_PRO_LICENSE": true, "apiKey": true, "LLM_API_KEY": true, "licensekey": true,
		"connectionString": true, "authToken": true,
		"secretName": false, "bypass": false, "keyVaultSecretId": false, "TOKEN_ENDPOINT": false, "existingSecret": false,
		"PUBLIC_BUCKET_NAME": false, "KAFKA_SASL_MECHANISM": false, "passwordRef": false,
	} {
		if got := credentialName.MatchString(name); got != want {
			t.Errorf("credentialName(%q) = %t, want %t", name, got, want)
		}
	}
}
