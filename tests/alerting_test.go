package tests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workfx/workfx-platform/components/monitoring"
	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
)

// routes returns "severity→receiver" for the child routes of an AlertmanagerConfig.
func routes(t *testing.T, amc *plan.Resource) []string {
	t.Helper()
	var out []string
	for _, r := range listAt(amc, "spec.route.routes") {
		rm := r.(map[string]any)
		assert.Equal(t, true, rm["continue"], "every receiver of a severity is notified")
		m := rm["matchers"].([]any)[0].(map[string]any)
		require.Equal(t, "severity", m["name"])
		require.Equal(t, "=", m["matchType"])
		out = append(out, m["value"].(string)+"→"+rm["receiver"].(string))
	}
	return out
}

// kube-prometheus-stack routes every alert to its "null" receiver by default: without receivers
// nothing is delivered. The stack's receivers become an AlertmanagerConfig in the apps'
// namespace, routed by severity, with credentials read from Secrets only.
func TestAlertsAreRoutedToTheReceiversBySeverity(t *testing.T) {
	p := planStack(t, "ka") // the customer's Alertmanager (monitoring existing)
	amc := p.Object("AlertmanagerConfig", kaNamespace, "workfx-ai")
	require.NotNil(t, amc, "the customer's Alertmanager gets an AlertmanagerConfig")
	assert.Equal(t, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", amc.Type, "v1alpha1: the version Prometheus Operator v0.85.0 serves")
	assert.Equal(t, "kube-prometheus-stack", mapAt(amc, "metadata.labels")["release"], "labelled for the customer's Alertmanager (serviceMonitorLabels)")
	assert.Equal(t, []string{"critical→oncall", "critical→workfx-team", "warning→workfx-team"}, routes(t, amc))
	assert.Equal(t, config.UnroutedReceiver, amc.Str("spec.route.receiver"), "other severities reach no one")

	receivers := map[string]map[string]any{}
	for _, r := range listAt(amc, "spec.receivers") {
		receivers[r.(map[string]any)["name"].(string)] = r.(map[string]any)
	}
	assert.Equal(t, map[string]any{"name": "unrouted"}, receivers["unrouted"], "no integration")
	pd := receivers["oncall"]["pagerdutyConfigs"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"name": "contoso-alerting", "key": "pagerduty-routing-key"}, pd["routingKey"])
	slack := receivers["workfx-team"]["slackConfigs"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"name": "contoso-alerting", "key": "slack-webhook-url"}, slack["apiURL"])
	assert.Equal(t, "#workfx-alerts", slack["channel"])

	// The customer's Secret is read before the config is applied (a missing one fails the up).
	read := p.Find("kubernetes:core/v1:Secret", "customer-contoso-alerting")
	require.NotNil(t, read)
	assert.True(t, read.Read)
	assert.True(t, p.DependsOn(amc, read), "the AlertmanagerConfig waits for the read of contoso-alerting")

	// The rules the receivers get alerts from live in the same namespace, every alert labelled
	// with it (the operator routes an AlertmanagerConfig's alerts by namespace).
	rule := p.Object("PrometheusRule", kaNamespace, "workfx-ai")
	require.NotNil(t, rule, "the platform's rules for the customer's Prometheus")
	for _, g := range listAt(rule, "spec.groups") {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			labels := r.(map[string]any)["labels"].(map[string]any)
			assert.Equal(t, kaNamespace, labels["namespace"])
			assert.Contains(t, config.AlertSeverities, labels["severity"])
		}
	}
}

func TestMissingAlertingSecretFailsNamingIt(t *testing.T) {
	sc, err := plan.LoadStackFile(projectDir, "ka", filepath.Join(projectDir, "Pulumi.ka.yaml"))
	require.NoError(t, err)
	cfg, err := config.Load(sc.Raw)
	require.NoError(t, err)
	rec := plan.NewRecorder(sc.Project, sc.Stack)
	for _, cs := range cfg.CustomerSecrets() {
		keys := cs.Keys
		if cs.Name == "contoso-alerting" {
			keys = []string{"pagerduty-routing-key"}
		}
		rec.AddExistingSecret(kaNamespace, cs.Name, keys)
	}
	_, err = plan.Run(sc, stacks.Run, rec)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the customer's Secret contoso-alerting has no key "slack-webhook-url" (read as [alert receiver workfx-team])`)
}

// Inline receiver credentials (secure config) go into the program's own Secret, each value a
// Pulumi secret, redacted in the plan; the AlertmanagerConfig names only the Secret keys.
func TestInlineReceiverCredentialsStaySecret(t *testing.T) {
	const url = "https://hooks.slack.example/services/PLAINTEXT-SLACK"
	const key = "PLAINTEXT-PAGERDUTY-KEY"
	const smtp = "PLAINTEXT-SMTP-PASSWORD"
	values := kaWith(t, []edit{{"workfx:monitoring.alerting", map[string]any{"receivers": []any{
		map[string]any{"name": "team", "slack": map[string]any{"apiUrl": url}},
		map[string]any{"name": "oncall", "severities": []any{"critical"}, "pagerduty": map[string]any{"routingKey": key}},
		map[string]any{"name": "mail", "email": map[string]any{"to": "ops@contoso.com", "from": "am@contoso.com",
			"smarthost": "smtp.contoso.com:587", "authUsername": "am", "authPassword": smtp}},
	}}}})
	p := mustPlan(t, "inline-receivers", values)
	s := p.Object("Secret", kaNamespace, config.AlertReceiversSecret)
	require.NotNil(t, s)
	assert.Contains(t, s.SecretInputs, "stringData")
	assert.Equal(t, map[string]any{"team-api-url": plan.Redacted, "oncall-routing-key": plan.Redacted, "mail-auth-password": plan.Redacted},
		s.Inputs(false)["stringData"])
	amc := p.Object("AlertmanagerConfig", kaNamespace, "workfx-ai")
	require.NotNil(t, amc)
	assert.True(t, p.DependsOn(amc, s))
	b, _ := json.Marshal(mapAt(amc, "spec"))
	assert.Contains(t, string(b), `{"key":"team-api-url","name":"workfx-alert-receivers"}`)
	assert.Equal(t, []string{"critical→team", "critical→oncall", "critical→mail", "warning→team", "warning→mail"}, routes(t, amc))
	mail := listAt(amc, "spec.receivers")[3].(map[string]any)["emailConfigs"].([]any)[0].(map[string]any)
	assert.Equal(t, true, mail["requireTLS"], "STARTTLS by default")

	var redacted, shown strings.Builder
	require.NoError(t, p.WriteJSON(&redacted, false, nil))
	require.NoError(t, p.WriteJSON(&shown, true, nil))
	for _, secret := range []string{url, key, smtp} {
		assert.NotContains(t, redacted.String(), secret, "a receiver credential leaks into the plan")
		assert.Contains(t, shown.String(), secret, "it reaches the Secret")
	}
}

// The installed Alertmanager merges exactly the platform's AlertmanagerConfig (kube-prometheus-stack
// 77.0.0 values.yaml alertmanagerConfigSelector / alertmanagerConfigNamespaceSelector default to {}:
// every namespace's).
func TestInstalledAlertmanagerSelectsThePlatformsConfig(t *testing.T) {
	p := planFile(t, "ka-provision-mesh", filepath.Join(projectDir, "tests", "testdata", "stacks", "ka-provision-mesh.yaml"))
	kps := release(t, p, monitoring.ReleaseName)
	sel, _ := kps.Input("values.alertmanager.alertmanagerSpec.alertmanagerConfigSelector.matchLabels")
	amc := p.Object("AlertmanagerConfig", kaNamespace, "workfx-ai")
	require.NotNil(t, amc)
	for k, v := range sel.(map[string]any) {
		assert.Equal(t, v, mapAt(amc, "metadata.labels")[k], "the selector matches the config's label %s", k)
	}
	nsSel, _ := kps.Input("values.alertmanager.alertmanagerSpec.alertmanagerConfigNamespaceSelector.matchLabels")
	assert.Equal(t, map[string]any{"kubernetes.io/metadata.name": kaNamespace}, nsSel)
	assert.True(t, p.DependsOn(amc, kps), "after the release that installs its CRD")
	assert.Equal(t, []string{"critical→ops-mail", "critical→itsm", "warning→ops-mail"}, routes(t, amc))
	assert.NotNil(t, p.Object("PrometheusRule", kaNamespace, "workfx-ai"))
}

func TestAlertingValidation(t *testing.T) {
	slack := map[string]any{"apiUrlRef": map[string]any{"secretName": "contoso-alerting", "key": "slack"}}
	receiver := func(extra map[string]any) map[string]any {
		r := map[string]any{"name": "team", "slack": slack}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	cases := []struct {
		name  string
		base  func(edits []edit) map[string]any
		edits []edit
		key   string
	}{
		{"prod installs Alertmanager without receivers", func(e []edit) map[string]any { return provisionWith(t, e) },
			[]edit{{"workfx:monitoring.alerting", nil}}, "workfx:monitoring.alerting.receivers"},
		{"no receiver", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{}}}, "workfx:monitoring.alerting.receivers"},
		{"two kinds", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{receiver(map[string]any{"webhook": map[string]any{"urlRef": map[string]any{"secretName": "x", "key": "y"}}})}}}, "workfx:monitoring.alerting.receivers[0]"},
		{"no kind", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "team"}}}}, "workfx:monitoring.alerting.receivers[0]"},
		{"severity", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{receiver(map[string]any{"severities": []any{"page"}})}}}, "workfx:monitoring.alerting.receivers[0].severities[0]"},
		{"name", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{receiver(map[string]any{"name": "Team A"})}}}, "workfx:monitoring.alerting.receivers[0].name"},
		{"reserved name", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{receiver(map[string]any{"name": "unrouted"})}}}, "workfx:monitoring.alerting.receivers[0].name"},
		{"duplicate", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{receiver(nil), receiver(nil)}}}, "workfx:monitoring.alerting.receivers[1].name"},
		{"credential missing", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "p", "pagerduty": map[string]any{}}}}}, "workfx:monitoring.alerting.receivers[0].pagerduty.routingKey"},
		{"slack URL not https", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "s", "slack": map[string]any{"apiUrl": "http://hooks.example/SECRET-TOKEN"}}}}}, "workfx:monitoring.alerting.receivers[0].slack.apiUrl"},
		{"the program's Secret", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "p", "pagerduty": map[string]any{"routingKeyRef": map[string]any{"secretName": config.AlertReceiversSecret, "key": "k"}}}}}}, "workfx:monitoring.alerting.receivers[0].pagerduty.routingKeyRef.secretName"},
		{"email address", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "m", "email": map[string]any{"to": "not an address", "from": "am@contoso.com", "smarthost": "smtp.contoso.com:587"}}}}}, "workfx:monitoring.alerting.receivers[0].email.to"},
		{"smarthost", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "m", "email": map[string]any{"to": "ops@contoso.com", "from": "am@contoso.com", "smarthost": "smtp.contoso.com"}}}}}, "workfx:monitoring.alerting.receivers[0].email.smarthost"},
		{"SMTP without TLS in prod", nil, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "m", "email": map[string]any{"to": "ops@contoso.com", "from": "am@contoso.com", "smarthost": "smtp.contoso.com:25", "requireTls": false}}}}}, "workfx:monitoring.alerting.receivers[0].email.requireTls"},
		{"duration", nil, []edit{{"workfx:monitoring.alerting.repeatInterval", "four hours"}}, "workfx:monitoring.alerting.repeatInterval"},
		{"without the operator", nil, []edit{{"workfx:monitoring.prometheusOperator", false}}, "workfx:monitoring.alerting"},
		{"without monitoring", nil, []edit{{"workfx:monitoring", map[string]any{"mode": "disabled", "alerting": map[string]any{"receivers": []any{receiver(nil)}}}}}, "workfx:monitoring.alerting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := c.base
			if base == nil {
				base = func(e []edit) map[string]any { return kaWith(t, e) }
			}
			keys := configProblemKeys(t, base(c.edits))
			assert.Contains(t, keys, c.key)
		})
	}
	// The value of a secret URL is never echoed in a problem.
	_, err := loadValues(t, kaWith(t, []edit{{"workfx:monitoring.alerting.receivers", []any{map[string]any{"name": "s", "slack": map[string]any{"apiUrl": "http://hooks.example/SECRET-TOKEN"}}}}}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET-TOKEN")
}
