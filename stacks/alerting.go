package stacks

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/monitoring"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/config"
)

// monitoredApps are the enabled apps as the alert rules and dashboards see them.
func monitoredApps(cfg *config.Config) []monitoring.App {
	var out []monitoring.App
	for _, def := range enabledApps(cfg) {
		a := def.Of(cfg)
		out = append(out, monitoring.App{
			Name: def.Name,
			HPA:  a.MaxReplicas > a.Replicas,
			// Half the route timeout: requests this slow are about to time out at the mesh.
			LatencyThresholdMS: config.DurationMS(a.Timeout) / 2,
			Critical:           def.Name == "rasa-pro-services",
		})
	}
	return out
}

// receiverCredential is one credential of an alert receiver: inline (written to the program's
// receivers Secret under key) or the customer's Secret key.
type receiverCredential struct {
	receiver, field string
	value           config.Secret
	ref             *config.SecretRef
}

// key is the credential's key in config.AlertReceiversSecret.
func (c receiverCredential) key() string { return c.receiver + "-" + c.field }

// secretKey is where the AlertmanagerConfig reads the credential.
func (c receiverCredential) secretKey() monitoring.SecretKey {
	if c.ref != nil {
		return monitoring.SecretKey{Name: c.ref.SecretName, Key: c.ref.Key}
	}
	return monitoring.SecretKey{Name: config.AlertReceiversSecret, Key: c.key()}
}

// receiverCredentials lists every credential of the configured receivers.
func receiverCredentials(cfg *config.Config) []receiverCredential {
	a := cfg.Monitoring.Alerting
	if a == nil || !usesServiceMonitors(cfg) {
		return nil
	}
	var out []receiverCredential
	for _, r := range a.Receivers {
		switch {
		case r.Webhook != nil:
			out = append(out, receiverCredential{r.Name, "url", r.Webhook.URL, r.Webhook.URLRef})
		case r.Slack != nil:
			out = append(out, receiverCredential{r.Name, "api-url", r.Slack.APIURL, r.Slack.APIURLRef})
		case r.PagerDuty != nil:
			out = append(out, receiverCredential{r.Name, "routing-key", r.PagerDuty.RoutingKey, r.PagerDuty.RoutingKeyRef})
		case r.Email != nil && r.Email.AuthUsername != "":
			out = append(out, receiverCredential{r.Name, "auth-password", r.Email.AuthPassword, r.Email.AuthPasswordRef})
		}
	}
	return out
}

// alertReaders are the customer's Secret keys the receivers read (Secret → key → reader), read
// and checked before the AlertmanagerConfig is applied, like the pods' ones.
func alertReaders(cfg *config.Config) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, c := range receiverCredentials(cfg) {
		if c.ref == nil {
			continue
		}
		if out[c.ref.SecretName] == nil {
			out[c.ref.SecretName] = map[string][]string{}
		}
		out[c.ref.SecretName][c.ref.Key] = append(out[c.ref.SecretName][c.ref.Key], "alert receiver "+c.receiver)
	}
	return out
}

// alertingArgs are the platform's alert rules and, when configured, where the alerts go.
func alertingArgs(cfg *config.Config, cs *secrets.Contract) *monitoring.AlertingArgs {
	args := &monitoring.AlertingArgs{
		NamespaceName:    cfg.Cluster.Namespace,
		Mesh:             cfg.Mesh.Mode != config.ModeDisabled,
		Apps:             monitoredApps(cfg),
		UnroutedReceiver: config.UnroutedReceiver,
		SecretName:       config.AlertReceiversSecret,
		Credentials:      map[string]pulumi.StringOutput{},
	}
	a := cfg.Monitoring.Alerting
	if a == nil {
		return args
	}
	args.GroupWait, args.GroupInterval, args.RepeatInterval = a.GroupWait, a.GroupInterval, a.RepeatInterval
	creds := map[string]monitoring.SecretKey{}
	for _, c := range receiverCredentials(cfg) {
		creds[c.receiver] = c.secretKey()
		if c.ref == nil {
			args.Credentials[c.key()] = credential.Value(c.value)
		}
	}
	for _, r := range a.Receivers {
		out := monitoring.Receiver{Name: r.Name, Severities: r.Severities, SendResolved: config.On(r.SendResolved)}
		key := creds[r.Name]
		switch {
		case r.Webhook != nil:
			out.Webhook = &key
		case r.Slack != nil:
			out.Slack = &monitoring.SlackArgs{APIURL: key, Channel: r.Slack.Channel}
		case r.PagerDuty != nil:
			out.PagerDuty = &key
		case r.Email != nil:
			e := r.Email
			out.Email = &monitoring.EmailArgs{To: e.To, From: e.From, Smarthost: e.Smarthost, AuthUsername: e.AuthUsername,
				RequireTLS: config.On(e.RequireTLS)}
			if e.AuthUsername != "" {
				out.Email.AuthPassword = &key
			}
		}
		args.Receivers = append(args.Receivers, out)
	}
	readers := alertReaders(cfg)
	names := make([]string, 0, len(readers))
	for name := range readers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if rv, ok := cs.Checked(name); ok {
			args.Checks = append(args.Checks, rv)
		}
	}
	return args
}
