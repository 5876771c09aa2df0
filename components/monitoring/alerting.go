package monitoring

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// SecretKey is a key of a Secret in the apps' namespace (an AlertmanagerConfig reads credentials
// from Secrets of its own namespace only).
type SecretKey struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// Receiver is one destination of the alerts; exactly one kind is set. Credentials are Secret keys:
// the program's receivers Secret (inline credentials) or the customer's own.
type Receiver struct {
	Name string
	// Severities routed to it (the severity label of the alerts).
	Severities   []string
	SendResolved bool
	Webhook      *SecretKey // the URL
	Slack        *SlackArgs
	PagerDuty    *SecretKey // the Events API v2 routing key
	Email        *EmailArgs
}

// SlackArgs is a Slack incoming webhook.
type SlackArgs struct {
	APIURL  SecretKey
	Channel string
}

// EmailArgs is an SMTP relay and addresses.
type EmailArgs struct {
	To, From, Smarthost, AuthUsername string
	AuthPassword                      *SecretKey
	RequireTLS                        bool
}

// AlertingArgs configure what raises alerts and where they go.
type AlertingArgs struct {
	Namespace     pulumi.StringInput
	NamespaceName string
	Labels        map[string]string
	// Mesh adds the alerts on Istio's request metrics.
	Mesh bool
	Apps []App
	// Receivers routed by severity; none renders the rules only (the customer's Alertmanager
	// routes them as it does).
	Receivers                                []Receiver
	GroupWait, GroupInterval, RepeatInterval string
	// UnroutedReceiver takes (and drops) alerts of a severity no receiver takes.
	UnroutedReceiver string
	// SecretName holds Credentials, the inline receiver credentials by key (Pulumi secrets).
	SecretName  string
	Credentials map[string]pulumi.StringOutput
	// Checks are the customer's Secrets the receivers read, each failing when a key is missing:
	// the AlertmanagerConfig is applied only once they resolve.
	Checks []pulumi.StringOutput
	// CRDs is what the CRs wait for when this program installs the Prometheus Operator.
	CRDs []pulumi.Resource
}

// Alerting is the component: the PrometheusRule, and the AlertmanagerConfig with its Secret.
type Alerting struct {
	pulumi.ResourceState
}

// NewAlerting renders the platform's PrometheusRule and, with receivers, an AlertmanagerConfig
// (monitoring.coreos.com/v1alpha1, the version Prometheus Operator v0.85.0 serves) in the apps'
// namespace. The operator adds it to the Alertmanager's routing as a first-level route for the
// alerts whose namespace label is that namespace (with continue, so the Alertmanager's own
// routes still see them).
func NewAlerting(ctx *pulumi.Context, name string, args *AlertingArgs, opts ...pulumi.ResourceOption) (*Alerting, error) {
	a := &Alerting{}
	if err := ctx.RegisterComponentResource("workfx:monitoring:Alerting", name, a, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(a)
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: args.Namespace, Labels: kube.StringMap(args.Labels), Annotations: kube.Owned()}
	}
	if _, err := kube.CustomResource(ctx, "workfx-ai-rules", "monitoring.coreos.com/v1", "PrometheusRule",
		meta("workfx-ai"), prometheusRuleSpec{Groups: ruleGroups(args.NamespaceName, args.Mesh, args.Apps)},
		child, pulumi.DependsOn(args.CRDs)); err != nil {
		return nil, err
	}
	if len(args.Receivers) == 0 {
		return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
	}

	deps := append([]pulumi.Resource{}, args.CRDs...)
	if len(args.Credentials) > 0 {
		data := pulumi.StringMap{}
		for k, v := range args.Credentials {
			data[k] = pulumi.ToSecret(v).(pulumi.StringOutput)
		}
		s, err := corev1.NewSecret(ctx, args.SecretName, &corev1.SecretArgs{
			Metadata: meta(args.SecretName), Type: pulumi.String("Opaque"), StringData: data,
		}, child)
		if err != nil {
			return nil, err
		}
		deps = append(deps, s)
	}
	spec := alertmanagerConfigSpec(args)
	// The spec resolves once every customer Secret it names was read and has its keys, so a
	// missing one fails the update naming it instead of an Alertmanager silently skipping the config.
	checks := make([]any, len(args.Checks))
	for i, c := range args.Checks {
		checks[i] = c
	}
	specOut := pulumi.All(checks...).ApplyT(func([]any) (map[string]any, error) { return kube.ToMap(spec) }).(pulumi.MapOutput)
	if _, err := kube.CustomResourceOutput(ctx, "alertmanager-config", "monitoring.coreos.com/v1alpha1", "AlertmanagerConfig",
		meta("workfx-ai"), specOut, child, pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// alertmanagerConfigSpec routes each severity to its receivers in order (continue: every
// receiver of a severity is notified) and everything else to the unrouted receiver, which has no
// integration.
func alertmanagerConfigSpec(args *AlertingArgs) amConfigSpec {
	spec := amConfigSpec{
		Route: amRoute{
			Receiver: args.UnroutedReceiver, GroupBy: []string{"alertname", "app"},
			GroupWait: args.GroupWait, GroupInterval: args.GroupInterval, RepeatInterval: args.RepeatInterval,
		},
		Receivers: []amReceiver{{Name: args.UnroutedReceiver}},
	}
	for _, sev := range severityOrder(args.Receivers) {
		for _, r := range args.Receivers {
			if contains(r.Severities, sev) {
				spec.Route.Routes = append(spec.Route.Routes, amRoute{
					Receiver: r.Name, Continue: true,
					Matchers: []amMatcher{{Name: "severity", Value: sev, MatchType: "="}},
				})
			}
		}
	}
	for _, r := range args.Receivers {
		out := amReceiver{Name: r.Name}
		resolved := r.SendResolved
		switch {
		case r.Webhook != nil:
			out.WebhookConfigs = []amWebhook{{URLSecret: *r.Webhook, SendResolved: &resolved}}
		case r.Slack != nil:
			out.SlackConfigs = []amSlack{{APIURL: r.Slack.APIURL, Channel: r.Slack.Channel, SendResolved: &resolved}}
		case r.PagerDuty != nil:
			out.PagerDutyConfigs = []amPagerDuty{{RoutingKey: *r.PagerDuty, SendResolved: &resolved}}
		case r.Email != nil:
			e := r.Email
			tls := e.RequireTLS
			out.EmailConfigs = []amEmail{{To: e.To, From: e.From, Smarthost: e.Smarthost, AuthUsername: e.AuthUsername,
				AuthPassword: e.AuthPassword, RequireTLS: &tls, SendResolved: &resolved}}
		}
		spec.Receivers = append(spec.Receivers, out)
	}
	return spec
}

// severityOrder lists the severities the receivers take, most severe first.
func severityOrder(rs []Receiver) []string {
	var out []string
	for _, sev := range []string{"critical", "warning", "info"} {
		for _, r := range rs {
			if contains(r.Severities, sev) {
				out = append(out, sev)
				break
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The monitoring.coreos.com/v1alpha1 AlertmanagerConfig shapes used here (json names as in
// prometheus-operator v0.85.0 pkg/apis/monitoring/v1alpha1/alertmanager_config_types.go).
type (
	amMatcher struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		MatchType string `json:"matchType"`
	}
	amRoute struct {
		Receiver       string      `json:"receiver"`
		GroupBy        []string    `json:"groupBy,omitempty"`
		GroupWait      string      `json:"groupWait,omitempty"`
		GroupInterval  string      `json:"groupInterval,omitempty"`
		RepeatInterval string      `json:"repeatInterval,omitempty"`
		Matchers       []amMatcher `json:"matchers,omitempty"`
		Continue       bool        `json:"continue,omitempty"`
		Routes         []amRoute   `json:"routes,omitempty"`
	}
	amWebhook struct {
		URLSecret    SecretKey `json:"urlSecret"`
		SendResolved *bool     `json:"sendResolved,omitempty"`
	}
	amSlack struct {
		APIURL       SecretKey `json:"apiURL"`
		Channel      string    `json:"channel,omitempty"`
		SendResolved *bool     `json:"sendResolved,omitempty"`
	}
	amPagerDuty struct {
		RoutingKey   SecretKey `json:"routingKey"`
		SendResolved *bool     `json:"sendResolved,omitempty"`
	}
	amEmail struct {
		To           string     `json:"to"`
		From         string     `json:"from"`
		Smarthost    string     `json:"smarthost"`
		AuthUsername string     `json:"authUsername,omitempty"`
		AuthPassword *SecretKey `json:"authPassword,omitempty"`
		RequireTLS   *bool      `json:"requireTLS,omitempty"`
		SendResolved *bool      `json:"sendResolved,omitempty"`
	}
	amReceiver struct {
		Name             string        `json:"name"`
		WebhookConfigs   []amWebhook   `json:"webhookConfigs,omitempty"`
		SlackConfigs     []amSlack     `json:"slackConfigs,omitempty"`
		PagerDutyConfigs []amPagerDuty `json:"pagerdutyConfigs,omitempty"`
		EmailConfigs     []amEmail     `json:"emailConfigs,omitempty"`
	}
	amConfigSpec struct {
		Route     amRoute      `json:"route"`
		Receivers []amReceiver `json:"receivers"`
	}
)
