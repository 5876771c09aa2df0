package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// HSTSConfig is workfx:mesh.hsts: the Strict-Transport-Security header the public API's
// responses carry, so browsers never call it over plain HTTP again.
type HSTSConfig struct {
	// MaxAgeSeconds is how long browsers remember (default one year; 0 sends no header).
	MaxAgeSeconds *int `json:"maxAgeSeconds"`
	// IncludeSubDomains extends it to every subdomain of the API host.
	IncludeSubDomains bool `json:"includeSubDomains"`
}

// CORSConfig is workfx:mesh.cors: the browser origins allowed to call the public API. Without
// it the API answers no preflight and browsers refuse cross-origin calls.
type CORSConfig struct {
	// AllowOrigins are exact origins, scheme://host[:port].
	AllowOrigins []string `json:"allowOrigins"`
	// AllowMethods (default GET, POST, PUT, PATCH, DELETE), AllowHeaders (default authorization,
	// content-type) and ExposeHeaders are what the preflight answers.
	AllowMethods  []string `json:"allowMethods"`
	AllowHeaders  []string `json:"allowHeaders"`
	ExposeHeaders []string `json:"exposeHeaders"`
	// MaxAge is how long browsers cache a preflight (default 24h).
	MaxAge string `json:"maxAge"`
	// AllowCredentials lets browsers send cookies and client certificates.
	AllowCredentials bool `json:"allowCredentials"`
}

// RateLimitConfig is workfx:mesh.rateLimit: a token bucket per ingress gateway pod on the API
// host; an empty bucket answers 429.
type RateLimitConfig struct {
	// Enabled defaults to true with the gateway this program installs; on a customer's gateway
	// it adds an EnvoyFilter in their gateway namespace, so it is theirs to turn on.
	Enabled *bool `json:"enabled"`
	// Requests are added every Interval (default 100 per 1s); Burst is the bucket's size
	// (default twice Requests).
	Requests int    `json:"requests"`
	Interval string `json:"interval"`
	Burst    int    `json:"burst"`
}

// OneYearSeconds is the HSTS max-age browsers' preload lists expect.
const OneYearSeconds = 31536000

var (
	httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	// headerToken is an HTTP header name (RFC 9110 token).
	headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

func applyEdgeDefaults(m *MeshConfig) {
	rl := &m.RateLimit
	if rl.Enabled == nil {
		rl.Enabled = boolPtr(m.Mode == ModeProvision)
	}
	if rl.Requests == 0 {
		rl.Requests = 100
	}
	if rl.Interval == "" {
		rl.Interval = "1s"
	}
	if rl.Burst == 0 {
		rl.Burst = 2 * rl.Requests
	}
	if m.HSTS.MaxAgeSeconds == nil {
		n := OneYearSeconds
		m.HSTS.MaxAgeSeconds = &n
	}
	if c := m.CORS; c != nil {
		if c.AllowMethods == nil {
			c.AllowMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
		}
		if c.AllowHeaders == nil {
			c.AllowHeaders = []string{"authorization", "content-type"}
		}
		if c.MaxAge == "" {
			c.MaxAge = "24h"
		}
	}
}

// HSTSHeader is the Strict-Transport-Security value, empty when turned off.
func (m *MeshConfig) HSTSHeader() string {
	if m.HSTS.MaxAgeSeconds == nil || *m.HSTS.MaxAgeSeconds == 0 {
		return ""
	}
	v := fmt.Sprintf("max-age=%d", *m.HSTS.MaxAgeSeconds)
	if m.HSTS.IncludeSubDomains {
		v += "; includeSubDomains"
	}
	return v
}

// sidecarHost is a Sidecar egress host: namespace ("*", "." or a name) / DNS name (may start with "*.").
var sidecarHost = regexp.MustCompile(`^(\*|\.|[a-z0-9]([-a-z0-9]*[a-z0-9])?)/(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$`)

func (c *Config) validateEdge(p *problems) {
	m := c.Mesh
	if m.Mode == ModeDisabled {
		if m.CORS != nil {
			p.add("workfx:mesh.cors", "is set on the gateway's routes: it needs mesh mode provision or existing")
		}
		return
	}
	for i, h := range m.EgressHosts {
		if !sidecarHost.MatchString(h) {
			p.add(fmt.Sprintf("workfx:mesh.egressHosts[%d]", i), "must be namespace/host as in an Istio Sidecar (e.g. payments/ledger.payments.svc.cluster.local, */*.example.com), got %q", h)
		}
	}
	if rl := m.RateLimit; On(rl.Enabled) {
		if rl.Requests < 1 {
			p.add("workfx:mesh.rateLimit.requests", "must be at least 1, got %d", rl.Requests)
		}
		if rl.Burst < rl.Requests {
			p.add("workfx:mesh.rateLimit.burst", "must be at least requests (%d), got %d", rl.Requests, rl.Burst)
		}
		if !duration.MatchString(rl.Interval) || DurationMS(rl.Interval) < 50 {
			p.add("workfx:mesh.rateLimit.interval", "must be a duration of at least 50ms (Envoy's token bucket) such as 1s, got %q", rl.Interval)
		}
	}
	if n := m.HSTS.MaxAgeSeconds; n != nil && (*n < 0 || *n > 2*OneYearSeconds) {
		p.add("workfx:mesh.hsts.maxAgeSeconds", "must be from 0 (no header) to %d seconds (two years), got %d", 2*OneYearSeconds, *n)
	}
	cors := m.CORS
	if cors == nil {
		return
	}
	key := "workfx:mesh.cors"
	if len(cors.AllowOrigins) == 0 {
		p.add(key+".allowOrigins", "must list the browser origins allowed to call the API (https://app.example.com)")
	}
	for i, o := range cors.AllowOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil || strings.Contains(u.Host, "*") {
			p.add(fmt.Sprintf("%s.allowOrigins[%d]", key, i), "must be an exact origin scheme://host[:port] without path or wildcard (e.g. https://app.example.com), got %q", o)
		} else if u.Scheme == "http" && c.Environment == "prod" {
			p.add(fmt.Sprintf("%s.allowOrigins[%d]", key, i), "must be an https origin in prod, got %q", o)
		}
	}
	for i, meth := range cors.AllowMethods {
		if !oneOf(meth, httpMethods...) {
			p.add(fmt.Sprintf("%s.allowMethods[%d]", key, i), "must be one of %s, got %q", strings.Join(httpMethods, ", "), meth)
		}
	}
	for _, h := range []struct {
		name string
		list []string
	}{{"allowHeaders", cors.AllowHeaders}, {"exposeHeaders", cors.ExposeHeaders}} {
		for i, v := range h.list {
			if !headerToken.MatchString(v) {
				p.add(fmt.Sprintf("%s.%s[%d]", key, h.name, i), "must be an HTTP header name, got %q", v)
			}
		}
	}
	if ms := DurationMS(cors.MaxAge); !duration.MatchString(cors.MaxAge) || ms < 1000 || ms > 24*3600_000 {
		p.add(key+".maxAge", "must be a duration from 1s to 24h (browsers cap it) such as 10m, got %q", cors.MaxAge)
	}
}
