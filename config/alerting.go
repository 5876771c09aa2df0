package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// AlertingConfig is workfx:monitoring.alerting: where the alerts go. It becomes an
// AlertmanagerConfig (monitoring.coreos.com/v1alpha1) in the app namespace, which the installed
// Alertmanager, or the customer's, merges into its routing for alerts of that namespace.
type AlertingConfig struct {
	Receivers []AlertReceiver `json:"receivers"`
	// GroupWait, GroupInterval and RepeatInterval are Alertmanager's notification timings
	// (defaults 30s, 5m, 4h).
	GroupWait      string `json:"groupWait"`
	GroupInterval  string `json:"groupInterval"`
	RepeatInterval string `json:"repeatInterval"`
}

// AlertReceiver is one destination: exactly one of webhook, slack, pagerduty, email. Its URL or
// key is a credential: secure config or a reference to a Secret in the app namespace.
type AlertReceiver struct {
	Name string `json:"name"`
	// Severities are the alert severities it receives (default critical and warning).
	Severities []string `json:"severities"`
	// SendResolved notifies when an alert resolves (default true).
	SendResolved *bool              `json:"sendResolved"`
	Webhook      *WebhookReceiver   `json:"webhook"`
	Slack        *SlackReceiver     `json:"slack"`
	PagerDuty    *PagerDutyReceiver `json:"pagerduty"`
	Email        *EmailReceiver     `json:"email"`
}

// WebhookReceiver posts alerts to a URL (which may embed a token: a credential).
type WebhookReceiver struct {
	URL    Secret     `json:"url"`
	URLRef *SecretRef `json:"urlRef"`
}

// SlackReceiver posts to a Slack incoming webhook.
type SlackReceiver struct {
	APIURL    Secret     `json:"apiUrl"`
	APIURLRef *SecretRef `json:"apiUrlRef"`
	// Channel overrides the webhook's default channel.
	Channel string `json:"channel"`
}

// PagerDutyReceiver sends events to a PagerDuty Events API v2 integration.
type PagerDutyReceiver struct {
	RoutingKey    Secret     `json:"routingKey"`
	RoutingKeyRef *SecretRef `json:"routingKeyRef"`
}

// EmailReceiver mails alerts through an SMTP relay.
type EmailReceiver struct {
	// To is one address or a comma-separated list.
	To   string `json:"to"`
	From string `json:"from"`
	// Smarthost is the relay, host:port.
	Smarthost       string     `json:"smarthost"`
	AuthUsername    string     `json:"authUsername"`
	AuthPassword    Secret     `json:"authPassword"`
	AuthPasswordRef *SecretRef `json:"authPasswordRef"`
	// RequireTLS (default true): STARTTLS is required.
	RequireTLS *bool `json:"requireTls"`
}

// AlertSeverities are the severities the platform's rules (and kube-prometheus-stack's) use.
var AlertSeverities = []string{"critical", "warning", "info"}

// AlertReceiversSecret is the Secret this program writes the inline receiver credentials to, in
// the app namespace (an AlertmanagerConfig reads credentials from Secrets of its namespace only).
const AlertReceiversSecret = "workfx-alert-receivers"

// UnroutedReceiver receives (and drops) alerts of a severity no receiver takes.
const UnroutedReceiver = "unrouted"

// alertmanagerDuration is Alertmanager's duration syntax (AlertmanagerConfig route timings).
var alertmanagerDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

func applyAlertingDefaults(a *AlertingConfig) {
	if a == nil {
		return
	}
	pick := func(dst *string, def string) {
		if *dst == "" {
			*dst = def
		}
	}
	pick(&a.GroupWait, "30s")
	pick(&a.GroupInterval, "5m")
	pick(&a.RepeatInterval, "4h")
	for i := range a.Receivers {
		r := &a.Receivers[i]
		if r.Severities == nil {
			r.Severities = []string{"critical", "warning"}
		}
		if r.SendResolved == nil {
			r.SendResolved = boolPtr(true)
		}
		if r.Email != nil && r.Email.RequireTLS == nil {
			r.Email.RequireTLS = boolPtr(true)
		}
	}
}

func (c *Config) validateAlerting(p *problems) {
	key := "workfx:monitoring.alerting"
	a := c.Monitoring.Alerting
	m := c.Monitoring
	if a == nil {
		if m.Mode == ModeProvision && c.Environment == "prod" {
			p.add(key+".receivers", "is required in prod with monitoring mode provision: without a receiver the installed Alertmanager delivers no alert (webhook, slack, pagerduty or email)")
		}
		return
	}
	switch {
	case m.Mode == ModeDisabled:
		p.add(key, "is only used with monitoring mode provision or existing (mode is disabled)")
		return
	case !On(m.PrometheusOperator):
		p.add(key, "needs the Prometheus Operator (workfx:monitoring.prometheusOperator true): receivers are configured as an AlertmanagerConfig")
		return
	}
	for _, d := range []struct{ name, v string }{{"groupWait", a.GroupWait}, {"groupInterval", a.GroupInterval}, {"repeatInterval", a.RepeatInterval}} {
		if !alertmanagerDuration.MatchString(d.v) {
			p.add(key+"."+d.name, "must be an Alertmanager duration such as 30s, 5m or 4h, got %q", d.v)
		}
	}
	if len(a.Receivers) == 0 {
		p.add(key+".receivers", "must list at least one receiver (webhook, slack, pagerduty or email)")
	}
	seen := map[string]bool{}
	for i, r := range a.Receivers {
		rk := fmt.Sprintf("%s.receivers[%d]", key, i)
		switch {
		case !dns1123Label.MatchString(r.Name) || len(r.Name) > 63:
			p.add(rk+".name", "must be a DNS-1123 label (lowercase letters, digits, '-'), got %q", r.Name)
		case r.Name == UnroutedReceiver:
			p.add(rk+".name", "%q is reserved (it drops the alerts of a severity no receiver takes)", r.Name)
		case seen[r.Name]:
			p.add(rk+".name", "names receiver %s twice", r.Name)
		}
		seen[r.Name] = true
		if len(r.Severities) == 0 {
			p.add(rk+".severities", "must list at least one of %s", strings.Join(AlertSeverities, ", "))
		}
		for j, s := range r.Severities {
			if !oneOf(s, AlertSeverities...) {
				p.add(fmt.Sprintf("%s.severities[%d]", rk, j), "must be one of %s, got %q", strings.Join(AlertSeverities, ", "), s)
			}
		}
		kinds := 0
		for _, set := range []bool{r.Webhook != nil, r.Slack != nil, r.PagerDuty != nil, r.Email != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			p.add(rk, "must have exactly one of webhook, slack, pagerduty, email (it has %d)", kinds)
		}
		if w := r.Webhook; w != nil {
			checkCredential(p, rk+".webhook", "url", w.URL, w.URLRef, true)
			checkSecretURL(p, rk+".webhook.url", w.URL, "http", "https")
			c.checkAlertRef(p, rk+".webhook.urlRef", w.URLRef)
		}
		if s := r.Slack; s != nil {
			checkCredential(p, rk+".slack", "apiUrl", s.APIURL, s.APIURLRef, true)
			checkSecretURL(p, rk+".slack.apiUrl", s.APIURL, "https")
			c.checkAlertRef(p, rk+".slack.apiUrlRef", s.APIURLRef)
			if strings.ContainsAny(s.Channel, " \t\n") {
				p.add(rk+".slack.channel", "must be a channel name or id (#alerts, C0123456789), got %q", s.Channel)
			}
		}
		if pd := r.PagerDuty; pd != nil {
			checkCredential(p, rk+".pagerduty", "routingKey", pd.RoutingKey, pd.RoutingKeyRef, true)
			c.checkAlertRef(p, rk+".pagerduty.routingKeyRef", pd.RoutingKeyRef)
		}
		if e := r.Email; e != nil {
			c.validateEmailReceiver(p, rk+".email", e)
		}
	}
}

func (c *Config) validateEmailReceiver(p *problems, key string, e *EmailReceiver) {
	if list, err := mail.ParseAddressList(e.To); e.To == "" || err != nil || len(list) == 0 {
		p.add(key+".to", "must be one or more e-mail addresses, comma-separated, got %q", e.To)
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		p.add(key+".from", "must be the sender's e-mail address, got %q", e.From)
	}
	host, port, err := net.SplitHostPort(e.Smarthost)
	n, perr := strconv.Atoi(port)
	if err != nil || !hostName.MatchString(host) || perr != nil || n < 1 || n > 65535 {
		p.add(key+".smarthost", "must be the SMTP relay as host:port (e.g. smtp.example.com:587), got %q", e.Smarthost)
	}
	authSet := e.AuthPassword.IsSet() || e.AuthPasswordRef != nil
	switch {
	case e.AuthUsername != "":
		checkCredential(p, key, "authPassword", e.AuthPassword, e.AuthPasswordRef, true)
	case authSet:
		p.add(key+".authUsername", "is required with authPassword")
	}
	c.checkAlertRef(p, key+".authPasswordRef", e.AuthPasswordRef)
	if !On(e.RequireTLS) && c.Environment == "prod" {
		p.add(key+".requireTls", "must be true in prod (TLS enforced): alerts and SMTP credentials would cross the network in clear")
	}
}

// checkSecretURL checks an inline credential URL without ever printing it.
func checkSecretURL(p *problems, key string, v Secret, schemes ...string) {
	if !v.IsSet() {
		return
	}
	u, err := url.Parse(string(v))
	if err != nil || u.Host == "" || !oneOf(u.Scheme, schemes...) {
		p.add(key, "must be an %s URL (the value is secret and not shown)", strings.Join(schemes, " or "))
	}
}

// checkAlertRef: the Secret this program writes the inline credentials to is not the customer's.
func (c *Config) checkAlertRef(p *problems, key string, ref *SecretRef) {
	if ref != nil && ref.SecretName == AlertReceiversSecret {
		p.add(key+".secretName", "%q is the Secret this program writes the inline receiver credentials to; reference a Secret of the customer's own", ref.SecretName)
	}
}
