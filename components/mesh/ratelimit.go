package mesh

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// RateLimit is the ingress gateway's local rate limit on the API host: a token bucket per
// gateway pod (Envoy's local_ratelimit filter), answering 429 when empty.
type RateLimit struct {
	// Requests are added to the bucket every Interval (an Istio duration, at least 50ms);
	// Burst is the bucket's size.
	Requests, Burst int
	Interval        string
}

// The EnvoyFilter shapes (networking.istio.io/v1alpha3, istio.io/api v1.31.1
// networking/v1alpha3/envoy_filter.proto) and the filter's config
// (envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit, as Istio's "Enabling Rate
// Limits using Envoy" task writes it: a TypedStruct, the proto's JSON names).
type (
	efFilterMatch struct {
		Name string `json:"name"`
	}
	efFilterChain struct {
		Filter efFilterMatch `json:"filter"`
	}
	efListener struct {
		FilterChain efFilterChain `json:"filterChain"`
	}
	efVhost struct {
		Name string `json:"name"`
	}
	efRouteConfiguration struct {
		Vhost efVhost `json:"vhost"`
	}
	efMatch struct {
		Context            string                `json:"context"`
		Listener           *efListener           `json:"listener,omitempty"`
		RouteConfiguration *efRouteConfiguration `json:"routeConfiguration,omitempty"`
	}
	efPatch struct {
		Operation string         `json:"operation"`
		Value     map[string]any `json:"value"`
	}
	efConfigPatch struct {
		ApplyTo string  `json:"applyTo"`
		Match   efMatch `json:"match"`
		Patch   efPatch `json:"patch"`
	}
	envoyFilterSpec struct {
		WorkloadSelector struct {
			Labels map[string]string `json:"labels"`
		} `json:"workloadSelector"`
		ConfigPatches []efConfigPatch `json:"configPatches"`
	}
)

const (
	localRateLimitFilter = "envoy.filters.http.local_ratelimit"
	localRateLimitType   = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
)

func typedStruct(value map[string]any) map[string]any {
	return map[string]any{"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": localRateLimitType, "value": value}
}

// rateLimitSpec inserts the filter into the gateway's HTTP filter chain with no bucket (it limits
// nothing there, so the gateway's other hosts, a customer's, are untouched) and gives the API
// host's virtual host ("<host>:443", the name Istio gives a gateway's virtual hosts) its bucket.
func rateLimitSpec(selector map[string]string, host string, rl RateLimit) envoyFilterSpec {
	always := func(key string) map[string]any {
		return map[string]any{"runtime_key": key, "default_value": map[string]any{"numerator": 100, "denominator": "HUNDRED"}}
	}
	var spec envoyFilterSpec
	spec.WorkloadSelector.Labels = selector
	spec.ConfigPatches = []efConfigPatch{
		{
			ApplyTo: "HTTP_FILTER",
			Match:   efMatch{Context: "GATEWAY", Listener: &efListener{FilterChain: efFilterChain{Filter: efFilterMatch{Name: "envoy.filters.network.http_connection_manager"}}}},
			Patch: efPatch{Operation: "INSERT_BEFORE", Value: map[string]any{
				"name":         localRateLimitFilter,
				"typed_config": typedStruct(map[string]any{"stat_prefix": "http_local_rate_limiter"}),
			}},
		},
		{
			ApplyTo: "VIRTUAL_HOST",
			Match:   efMatch{Context: "GATEWAY", RouteConfiguration: &efRouteConfiguration{Vhost: efVhost{Name: host + ":443"}}},
			Patch: efPatch{Operation: "MERGE", Value: map[string]any{
				"typed_per_filter_config": map[string]any{localRateLimitFilter: typedStruct(map[string]any{
					"stat_prefix": "http_local_rate_limiter",
					"token_bucket": map[string]any{
						"max_tokens": rl.Burst, "tokens_per_fill": rl.Requests, "fill_interval": rl.Interval,
					},
					"filter_enabled":  always("local_rate_limit_enabled"),
					"filter_enforced": always("local_rate_limit_enforced"),
					"response_headers_to_add": []any{map[string]any{
						"append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
						"header":        map[string]any{"key": "x-local-rate-limit", "value": "true"},
					}},
				})},
			}},
		},
	}
	return spec
}

// addRateLimit registers the EnvoyFilter in the gateway's namespace (an EnvoyFilter applies to
// the workloads of its own namespace), after what the gateway's namespace comes with.
func (r *renderer) addRateLimit(rl *RateLimit) {
	if r.err != nil || rl == nil {
		return
	}
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String("workfx-ai-ratelimit"), Namespace: pulumi.String(r.args.GatewayNamespace),
		Labels: kube.StringMap(r.args.Labels), Annotations: kube.Owned()}
	_, r.err = kube.CustomResource(r.ctx, "ef-workfx-ai-ratelimit", "networking.istio.io/v1alpha3", "EnvoyFilter", meta,
		rateLimitSpec(r.args.GatewaySelector, r.args.Host, *rl),
		pulumi.Parent(r.parent), pulumi.DependsOn(append(append([]pulumi.Resource{}, r.args.CRDs...), r.args.GatewayReady...)))
}
