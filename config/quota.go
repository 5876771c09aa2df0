package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// QuotaConfig is workfx:cluster.quota: a ResourceQuota and a LimitRange on the apps' namespace
// (seed 003), so a runaway rollout or a forgotten debug pod cannot take the cluster's capacity.
type QuotaConfig struct {
	// Enabled defaults to true when this program creates the namespace; a customer's namespace
	// keeps the customer's own quota unless a stack turns this on.
	Enabled *bool `json:"enabled"`
	// Requests and Limits cap the namespace's totals and Pods its pod count. Default: every
	// enabled app at maxReplicas plus its rollout surge pod, each with its Istio sidecar, plus one
	// pod at the container default (a Job or a debug pod), and 25% headroom.
	Requests ResourceList `json:"requests"`
	Limits   ResourceList `json:"limits"`
	Pods     int          `json:"pods"`
	// DefaultRequest and DefaultLimit are what a container that sets none gets (LimitRange;
	// defaults 100m/128Mi and 500m/512Mi): the quota admits only pods with requests and limits.
	DefaultRequest ResourceList `json:"defaultRequest"`
	DefaultLimit   ResourceList `json:"defaultLimit"`
}

// IstioSidecar is the injected proxy's requests and limits: Istio's global.proxy.resources
// (manifests/charts/istio-control/istio-discovery/values.yaml, 1.31: 100m/128Mi, 2000m/1024Mi),
// which neither the installed mesh nor the apps' pods override.
var IstioSidecar = ResourceConfig{
	Requests: ResourceList{CPU: "100m", Memory: "128Mi"},
	Limits:   ResourceList{CPU: "2000m", Memory: "1024Mi"},
}

// quotaHeadroom is the share added to the computed totals.
const quotaHeadroom = 1.25

func applyQuotaDefaults(c *Config) {
	q := &c.Cluster.Quota
	if q.Enabled == nil {
		q.Enabled = boolPtr(On(c.Cluster.CreateNamespace))
	}
	pick := func(dst *string, def string) {
		if *dst == "" {
			*dst = def
		}
	}
	pick(&q.DefaultRequest.CPU, "100m")
	pick(&q.DefaultRequest.Memory, "128Mi")
	pick(&q.DefaultLimit.CPU, "500m")
	pick(&q.DefaultLimit.Memory, "512Mi")
	if q.Requests.CPU != "" && q.Requests.Memory != "" && q.Limits.CPU != "" && q.Limits.Memory != "" && q.Pods != 0 {
		return
	}
	need, err := c.quotaNeed()
	if err != nil {
		return // a bad quantity: validation names it
	}
	pick(&q.Requests.CPU, formatMilliCPU(need.reqCPU))
	pick(&q.Requests.Memory, formatMiB(need.reqMem))
	pick(&q.Limits.CPU, formatMilliCPU(need.limCPU))
	pick(&q.Limits.Memory, formatMiB(need.limMem))
	if q.Pods == 0 {
		q.Pods = int(math.Ceil(float64(need.pods) * quotaHeadroom))
	}
}

// quotaTotals are a namespace's totals, CPU in millicores and memory in bytes.
type quotaTotals struct {
	reqCPU, limCPU, reqMem, limMem float64
	pods                           int
}

// quotaNeed is what the namespace holds at most: each enabled app at maxReplicas during a
// rollout (one surge pod), with its sidecar when the mesh is on, and one pod at the container
// default; without headroom.
func (c *Config) quotaNeed() (quotaTotals, error) {
	var t quotaTotals
	add := func(n int, r ResourceConfig) error {
		vals := make([]float64, 4)
		for i, q := range []struct {
			v   string
			cpu bool
		}{{r.Requests.CPU, true}, {r.Limits.CPU, true}, {r.Requests.Memory, false}, {r.Limits.Memory, false}} {
			v, err := ParseQuantity(q.v, q.cpu)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		t.reqCPU += float64(n) * vals[0]
		t.limCPU += float64(n) * vals[1]
		t.reqMem += float64(n) * vals[2]
		t.limMem += float64(n) * vals[3]
		t.pods += n
		return nil
	}
	mesh := c.Mesh.Mode != ModeDisabled
	q := c.Cluster.Quota
	pods := []struct {
		n int
		r ResourceConfig
	}{{1, ResourceConfig{Requests: q.DefaultRequest, Limits: q.DefaultLimit}}}
	for _, app := range Apps {
		if a := app.Of(c); a.On() {
			pods = append(pods, struct {
				n int
				r ResourceConfig
			}{max(a.MaxReplicas, a.Replicas) + 1, a.Resources})
		}
	}
	for _, p := range pods {
		if err := add(p.n, p.r); err != nil {
			return t, err
		}
		if mesh {
			if err := add(p.n, IstioSidecar); err != nil {
				return t, err
			}
			t.pods -= p.n // the sidecar is a container of the same pod
		}
	}
	t.reqCPU, t.limCPU = t.reqCPU*quotaHeadroom, t.limCPU*quotaHeadroom
	t.reqMem, t.limMem = t.reqMem*quotaHeadroom, t.limMem*quotaHeadroom
	return t, nil
}

// ParseQuantity reads a Kubernetes quantity (the syntax the config validates) as
// millicores (cpu) or bytes.
func ParseQuantity(v string, cpu bool) (float64, error) {
	if !quantity.MatchString(v) {
		return 0, fmt.Errorf("not a quantity: %q", v)
	}
	suffixes := []struct {
		s string
		f float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	f := 1.0
	for _, s := range suffixes {
		if strings.HasSuffix(v, s.s) {
			v, f = strings.TrimSuffix(v, s.s), s.f
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	if cpu {
		return n * f * 1000, nil
	}
	return n * f, nil
}

func formatMilliCPU(m float64) string { return strconv.Itoa(int(math.Ceil(m))) + "m" }
func formatMiB(b float64) string      { return strconv.Itoa(int(math.Ceil(b/(1<<20)))) + "Mi" }

func (c *Config) validateQuota(p *problems) {
	q := c.Cluster.Quota
	key := "workfx:cluster.quota"
	for _, f := range []struct{ name, v string }{
		{"requests.cpu", q.Requests.CPU}, {"requests.memory", q.Requests.Memory},
		{"limits.cpu", q.Limits.CPU}, {"limits.memory", q.Limits.Memory},
		{"defaultRequest.cpu", q.DefaultRequest.CPU}, {"defaultRequest.memory", q.DefaultRequest.Memory},
		{"defaultLimit.cpu", q.DefaultLimit.CPU}, {"defaultLimit.memory", q.DefaultLimit.Memory},
	} {
		if !quantity.MatchString(f.v) {
			p.add(key+"."+f.name, "must be a Kubernetes quantity such as 4, 500m or 8Gi, got %q", f.v)
		}
	}
	if q.Pods < 1 {
		p.add(key+".pods", "must be at least 1, got %d", q.Pods)
	}
	if !On(q.Enabled) {
		return
	}
	// The quota must admit the apps at their maximum scale during a rollout, or the first
	// scale-up or rollout is refused by the API server.
	need, err := c.quotaNeed()
	if err != nil {
		return
	}
	for _, f := range []struct {
		name, v string
		cpu     bool
		need    float64
	}{
		{"requests.cpu", q.Requests.CPU, true, need.reqCPU / quotaHeadroom},
		{"requests.memory", q.Requests.Memory, false, need.reqMem / quotaHeadroom},
		{"limits.cpu", q.Limits.CPU, true, need.limCPU / quotaHeadroom},
		{"limits.memory", q.Limits.Memory, false, need.limMem / quotaHeadroom},
	} {
		if v, err := ParseQuantity(f.v, f.cpu); err == nil && v < f.need {
			want := formatMiB(f.need)
			if f.cpu {
				want = formatMilliCPU(f.need)
			}
			p.add(key+"."+f.name, "is %s, below the %s the apps need at maxReplicas during a rollout (sidecars and one Job pod included)", f.v, want)
		}
	}
	if q.Pods > 0 && q.Pods < need.pods {
		p.add(key+".pods", "is %d, below the %d pods the apps need at maxReplicas during a rollout", q.Pods, need.pods)
	}
}
