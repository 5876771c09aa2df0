// Package mesh renders the Istio policy for the apps: mTLS STRICT, the ingress Gateway and routes,
// traffic policy (timeouts, retries, connection pools, outlier detection), JWT authentication and
// authorization, and telemetry. Specs are typed Go values, not hand-built maps.
package mesh

import (
	"fmt"
	"strconv"
	"time"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// Istio API versions (v1 is served by Istio 1.22 and later).
const (
	networkingAPI = "networking.istio.io/v1"
	securityAPI   = "security.istio.io/v1"
	telemetryAPI  = "telemetry.istio.io/v1"
)

// Service is one app as the mesh sees it.
type Service struct {
	Name string
	Port int
	// Public routes the app through the ingress Gateway on the API host.
	Public bool
	// Timeout (Istio duration) and Retries on its routes.
	Timeout string
	Retries int
	// MaxConnections bounds the connection pool to it.
	MaxConnections int
	// OpenPaths are reachable through the gateway without a token (health checks).
	OpenPaths []string
	// Callers are the apps (their ServiceAccounts, in the same namespace) that may call this one.
	Callers []string
}

// JWT is the token public routes require.
type JWT struct {
	Issuer    string
	JWKSURI   string
	Audiences []string
}

// CORS is the public routes' CORS policy.
type CORS struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	MaxAge                                                  string
	AllowCredentials                                        bool
}

// Args configure the mesh policy.
type Args struct {
	Namespace         pulumi.StringInput
	NamespaceName     string
	Host              string
	TLSCredentialName string
	GatewaySelector   map[string]string
	// GatewayNamespace and GatewayServiceAccount are the ingress gateway's identity, the only
	// caller of the public apps from outside the namespace.
	GatewayNamespace      string
	GatewayServiceAccount string
	// AppSelector selects every app of this program (the deny-by-default policy).
	AppSelector map[string]string
	JWT         JWT
	// TracingPercent is the sampling rate the Telemetry sets (0: the mesh's own default).
	TracingPercent int
	// HSTS is the Strict-Transport-Security value of the public routes' responses (empty: none).
	HSTS string
	// CORS answers browsers on the public routes (nil: no CORS policy, cross-origin calls refused).
	CORS *CORS
	// RateLimit limits the API host at the ingress gateway (nil: no limit). GatewayReady is what
	// the gateway's namespace exists after (the installed gateway's release).
	RateLimit    *RateLimit
	GatewayReady []pulumi.Resource
	Services     []Service
	// External dependencies declared to the mesh (needed when its outbound policy is REGISTRY_ONLY).
	External []External
	// Dependencies are every endpoint the apps reach outside the namespace, declared or not:
	// each app's Sidecar keeps them in its configuration, in whatever namespace the mesh
	// knows them (a customer's in-mesh database, their own ServiceEntry).
	Dependencies []External
	// IstioNamespace is where istiod runs; EgressHosts are further "namespace/host" entries every
	// app's Sidecar reaches (in-mesh services in other namespaces, a tracing collector).
	IstioNamespace string
	EgressHosts    []string
	Labels         map[string]string
	// CRDs is what every CR waits for when this program installs Istio (the releases that
	// install the CRDs and serve their validation); explicit on each CR so the ordering is in
	// the dependency graph, not implied by parentage.
	CRDs []pulumi.Resource
}

// Mesh is the component.
type Mesh struct {
	pulumi.ResourceState
	GatewayName string
}

// New renders the policy CRs, each after args.CRDs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Mesh, error) {
	m := &Mesh{GatewayName: "workfx-ai"}
	if err := ctx.RegisterComponentResource("workfx:mesh:Policy", name, m, opts...); err != nil {
		return nil, err
	}
	r := &renderer{ctx: ctx, parent: m, args: args}

	r.add(securityAPI, "PeerAuthentication", "default", peerAuthenticationSpec{MTLS: mtls{Mode: "STRICT"}})
	// Telemetry only sets what the stack asks for: access logs stay the mesh's setting (the
	// installed mesh's meshConfig.accessLogFile follows mesh.provision.accessLog; a customer's
	// mesh keeps its own), and an unset sampling rate keeps the mesh's default rather than 0.
	if args.TracingPercent > 0 {
		r.add(telemetryAPI, "Telemetry", "default", telemetrySpec{
			Tracing: []tracing{{RandomSamplingPercentage: float64(args.TracingPercent)}},
		})
	}

	var public []Service
	for _, s := range args.Services {
		if s.Public {
			public = append(public, s)
		}
	}
	if len(public) > 0 {
		r.addRateLimit(args.RateLimit)
		r.add(networkingAPI, "Gateway", m.GatewayName, gatewaySpec{
			Selector: args.GatewaySelector,
			Servers: []server{
				{Port: port{Number: 443, Name: "https", Protocol: "HTTPS"}, Hosts: []string{args.Host},
					TLS: &serverTLS{Mode: "SIMPLE", CredentialName: args.TLSCredentialName, MinProtocolVersion: "TLSV1_2"}},
				{Port: port{Number: 80, Name: "http", Protocol: "HTTP"}, Hosts: []string{args.Host},
					TLS: &serverTLS{HTTPSRedirect: true}},
			},
		})
	}

	for _, s := range args.Services {
		fqdn := fmt.Sprintf("%s.%s.svc.cluster.local", s.Name, args.NamespaceName)
		hosts, gateways := []string{fqdn}, []string{"mesh"}
		if s.Public {
			hosts = append(hosts, args.Host)
			gateways = append(gateways, args.NamespaceName+"/"+m.GatewayName)
		}
		route := httpRoute{
			Route:   []routeDestination{{Destination: destination{Host: fqdn, Port: &portSelector{Number: s.Port}}}},
			Timeout: s.Timeout,
			Retries: routeRetries(s.Timeout, s.Retries),
		}
		if s.Public {
			route.Headers, route.CorsPolicy = edgeHeaders(args.HSTS), corsPolicyOf(args.CORS)
		}
		r.add(networkingAPI, "VirtualService", s.Name, virtualServiceSpec{Hosts: hosts, Gateways: gateways, HTTP: []httpRoute{route}})
		r.add(networkingAPI, "DestinationRule", s.Name, destinationRuleSpec{
			Host: fqdn,
			TrafficPolicy: trafficPolicy{
				TLS: clientTLS{Mode: "ISTIO_MUTUAL"},
				ConnectionPool: connectionPool{
					TCP:  tcpPool{MaxConnections: s.MaxConnections, ConnectTimeout: "5s"},
					HTTP: httpPool{HTTP1MaxPendingRequests: s.MaxConnections, HTTP2MaxRequests: s.MaxConnections * 10, MaxRequestsPerConnection: 100},
				},
				OutlierDetection: outlierDetection{
					Consecutive5xxErrors: 5, Interval: "30s", BaseEjectionTime: "30s", MaxEjectionPercent: 50,
				},
			},
		})
	}

	for _, s := range public {
		r.add(securityAPI, "RequestAuthentication", s.Name+"-jwt", requestAuthenticationSpec{
			Selector: appSelector(s.Name),
			JWTRules: []jwtRule{{Issuer: args.JWT.Issuer, JWKSURI: args.JWT.JWKSURI, Audiences: args.JWT.Audiences, ForwardOriginalToken: true}},
		})
	}
	// Deny by default: an ALLOW policy without rules matches nothing, so every app of this
	// program admits only what its own policy below allows, even one added without a policy.
	r.add(securityAPI, "AuthorizationPolicy", "allow-nothing", authorizationPolicySpec{
		Selector: &workloadSelector{MatchLabels: args.AppSelector}, Action: "ALLOW",
	})
	for _, s := range args.Services {
		r.add(securityAPI, "AuthorizationPolicy", s.Name, authorizationPolicySpec{
			Selector: appSelector(s.Name), Action: "ALLOW", Rules: authzRules(args, s),
		})
	}
	for _, e := range args.External {
		r.addExternal(e)
	}
	r.addSidecars()
	if r.err != nil {
		return nil, r.err
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"gateway": pulumi.String(m.GatewayName)})
}

// edgeHeaders sets Strict-Transport-Security on the public route's responses. The gateway serves
// the host over HTTPS only (port 80 redirects), so browsers may pin it.
func edgeHeaders(hsts string) *headers {
	if hsts == "" {
		return nil
	}
	return &headers{Response: &headerOperations{Set: map[string]string{"Strict-Transport-Security": hsts}}}
}

// corsPolicyOf is the route's CORS policy: Envoy's CORS filter answers the preflight itself (it
// never reaches the app, nor needs a token) and adds the allow headers to matching origins.
func corsPolicyOf(c *CORS) *corsPolicy {
	if c == nil {
		return nil
	}
	p := &corsPolicy{AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders,
		MaxAge: c.MaxAge, AllowCredentials: c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		p.AllowOrigins = append(p.AllowOrigins, stringMatch{Exact: o})
	}
	return p
}

// routeRetries splits the route timeout over the first try and every retry: Istio's route
// timeout bounds all tries together, so a per-try timeout equal to it would leave no time for a
// retry after a timed-out try. attempts 0 turns retries off.
func routeRetries(timeout string, attempts int) *retries {
	if attempts <= 0 {
		return &retries{Attempts: 0}
	}
	r := &retries{Attempts: attempts, RetryOn: "gateway-error,connect-failure,refused-stream"}
	if d, err := time.ParseDuration(timeout); err == nil && d > 0 {
		r.PerTryTimeout = istioDuration(d / time.Duration(attempts+1))
	}
	return r
}

// istioDuration renders a duration in the units Istio accepts, whole seconds where exact and
// milliseconds (its smallest unit) otherwise.
func istioDuration(d time.Duration) string {
	ms := d.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

func appSelector(app string) *workloadSelector {
	return &workloadSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": app}}
}

// Principal is the mTLS identity of a ServiceAccount. The trust domain "cluster.local" stands for
// the mesh's own trust domain and its aliases, whatever the customer's mesh calls it (istio/istio
// pilot/pkg/security/trustdomain/bundle.go ReplaceTrustDomainAliases).
func Principal(namespace, serviceAccount string) string {
	return "cluster.local/ns/" + namespace + "/sa/" + serviceAccount
}

// authzRules is who may call an app, by ServiceAccount principal (mTLS): the ingress gateway
// with a valid JWT (RequestAuthentication validates it; requestPrincipals requires one) on
// every path, and without one on the open (health) paths; and the apps named as its callers.
// Nothing else: an app without callers and not public admits no request at all.
func authzRules(args *Args, s Service) []authzRule {
	var rules []authzRule
	if s.Public {
		gateway := Principal(args.GatewayNamespace, args.GatewayServiceAccount)
		rules = append(rules, authzRule{From: []ruleFrom{{Source: source{Principals: []string{gateway}, RequestPrincipals: []string{"*"}}}}})
		if len(s.OpenPaths) > 0 {
			rules = append(rules, authzRule{
				From: []ruleFrom{{Source: source{Principals: []string{gateway}}}},
				To:   []ruleTo{{Operation: operation{Methods: []string{"GET"}, Paths: s.OpenPaths}}},
			})
		}
	}
	if len(s.Callers) > 0 {
		var principals []string
		for _, c := range s.Callers {
			principals = append(principals, Principal(args.NamespaceName, c))
		}
		rules = append(rules, authzRule{From: []ruleFrom{{Source: source{Principals: principals}}}})
	}
	return rules
}

type renderer struct {
	ctx    *pulumi.Context
	parent pulumi.Resource
	args   *Args
	err    error
}

// add registers one CR. The resource name carries the kind so a VirtualService and a
// DestinationRule for the same app do not collide.
func (r *renderer) add(apiVersion, kind, name string, spec any) {
	if r.err != nil {
		return
	}
	_, r.err = kube.CustomResource(r.ctx, kindPrefix(kind)+"-"+name, apiVersion, kind, r.meta(name), spec,
		pulumi.Parent(r.parent), pulumi.DependsOn(r.args.CRDs))
}

func (r *renderer) meta(name string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: r.args.Namespace, Labels: kube.StringMap(r.args.Labels), Annotations: kube.Owned()}
}

func kindPrefix(kind string) string {
	return map[string]string{
		"PeerAuthentication": "pa", "Telemetry": "telemetry", "Gateway": "gw", "VirtualService": "vs",
		"DestinationRule": "dr", "RequestAuthentication": "ra", "AuthorizationPolicy": "authz", "ServiceEntry": "se",
	}[kind]
}

// The Istio API shapes used here (field names as in the Istio CRDs).
type (
	mtls struct {
		Mode string `json:"mode"`
	}
	peerAuthenticationSpec struct {
		MTLS mtls `json:"mtls"`
	}
	tracing struct {
		RandomSamplingPercentage float64 `json:"randomSamplingPercentage"`
	}
	telemetrySpec struct {
		Tracing []tracing `json:"tracing"`
	}
	port struct {
		Number   int    `json:"number"`
		Name     string `json:"name"`
		Protocol string `json:"protocol"`
	}
	serverTLS struct {
		Mode               string `json:"mode,omitempty"`
		CredentialName     string `json:"credentialName,omitempty"`
		MinProtocolVersion string `json:"minProtocolVersion,omitempty"`
		HTTPSRedirect      bool   `json:"httpsRedirect,omitempty"`
	}
	server struct {
		Port  port       `json:"port"`
		Hosts []string   `json:"hosts"`
		TLS   *serverTLS `json:"tls,omitempty"`
	}
	gatewaySpec struct {
		Selector map[string]string `json:"selector"`
		Servers  []server          `json:"servers"`
	}
	portSelector struct {
		Number int `json:"number"`
	}
	destination struct {
		Host string        `json:"host"`
		Port *portSelector `json:"port,omitempty"`
	}
	routeDestination struct {
		Destination destination `json:"destination"`
	}
	retries struct {
		Attempts      int    `json:"attempts"`
		PerTryTimeout string `json:"perTryTimeout,omitempty"`
		RetryOn       string `json:"retryOn,omitempty"`
	}
	headerOperations struct {
		Set map[string]string `json:"set,omitempty"`
	}
	headers struct {
		Response *headerOperations `json:"response,omitempty"`
	}
	stringMatch struct {
		Exact string `json:"exact"`
	}
	// corsPolicy: istio.io/api v1.31.1 networking/v1alpha3/virtual_service.proto CorsPolicy.
	corsPolicy struct {
		AllowOrigins     []stringMatch `json:"allowOrigins"`
		AllowMethods     []string      `json:"allowMethods,omitempty"`
		AllowHeaders     []string      `json:"allowHeaders,omitempty"`
		ExposeHeaders    []string      `json:"exposeHeaders,omitempty"`
		MaxAge           string        `json:"maxAge,omitempty"`
		AllowCredentials bool          `json:"allowCredentials,omitempty"`
	}
	httpRoute struct {
		Route      []routeDestination `json:"route"`
		Timeout    string             `json:"timeout,omitempty"`
		Retries    *retries           `json:"retries,omitempty"`
		Headers    *headers           `json:"headers,omitempty"`
		CorsPolicy *corsPolicy        `json:"corsPolicy,omitempty"`
	}
	virtualServiceSpec struct {
		Hosts    []string    `json:"hosts"`
		Gateways []string    `json:"gateways"`
		HTTP     []httpRoute `json:"http"`
	}
	clientTLS struct {
		Mode string `json:"mode"`
	}
	tcpPool struct {
		MaxConnections int    `json:"maxConnections"`
		ConnectTimeout string `json:"connectTimeout"`
	}
	httpPool struct {
		HTTP1MaxPendingRequests  int `json:"http1MaxPendingRequests"`
		HTTP2MaxRequests         int `json:"http2MaxRequests"`
		MaxRequestsPerConnection int `json:"maxRequestsPerConnection"`
	}
	connectionPool struct {
		TCP  tcpPool  `json:"tcp"`
		HTTP httpPool `json:"http"`
	}
	outlierDetection struct {
		Consecutive5xxErrors int    `json:"consecutive5xxErrors"`
		Interval             string `json:"interval"`
		BaseEjectionTime     string `json:"baseEjectionTime"`
		MaxEjectionPercent   int    `json:"maxEjectionPercent"`
	}
	trafficPolicy struct {
		TLS              clientTLS        `json:"tls"`
		ConnectionPool   connectionPool   `json:"connectionPool"`
		OutlierDetection outlierDetection `json:"outlierDetection"`
	}
	destinationRuleSpec struct {
		Host          string        `json:"host"`
		TrafficPolicy trafficPolicy `json:"trafficPolicy"`
	}
	workloadSelector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	jwtRule struct {
		Issuer               string   `json:"issuer"`
		JWKSURI              string   `json:"jwksUri"`
		Audiences            []string `json:"audiences,omitempty"`
		ForwardOriginalToken bool     `json:"forwardOriginalToken"`
	}
	requestAuthenticationSpec struct {
		Selector *workloadSelector `json:"selector"`
		JWTRules []jwtRule         `json:"jwtRules"`
	}
	source struct {
		Principals        []string `json:"principals,omitempty"`
		RequestPrincipals []string `json:"requestPrincipals,omitempty"`
	}
	ruleFrom struct {
		Source source `json:"source"`
	}
	operation struct {
		Methods []string `json:"methods,omitempty"`
		Paths   []string `json:"paths,omitempty"`
	}
	ruleTo struct {
		Operation operation `json:"operation"`
	}
	authzRule struct {
		From []ruleFrom `json:"from,omitempty"`
		To   []ruleTo   `json:"to,omitempty"`
	}
	authorizationPolicySpec struct {
		Selector *workloadSelector `json:"selector"`
		Action   string            `json:"action"`
		// Rules empty: the ALLOW policy matches nothing (deny).
		Rules []authzRule `json:"rules,omitempty"`
	}
)
