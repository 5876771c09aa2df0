package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/workfx/workfx-platform/internal/plan"
)

// Footprint is what the program runs in the cluster: CPU and memory requests and limits of every
// pod it creates, by namespace. Requests are what the scheduler needs free; limits are the burst.
type Footprint struct {
	Namespaces []NamespaceFootprint `json:"namespaces"`
	Total      Resources            `json:"total"`
	// AtMaxReplicas is Total with every HorizontalPodAutoscaler at its maxReplicas: what a
	// scale-out needs.
	AtMaxReplicas Resources `json:"atMaxReplicas"`
	// Unbounded are pods that declare no request or no limit for CPU or memory: the totals do
	// not include them (they are not zero: the scheduler just does not reserve anything).
	Unbounded []string `json:"unbounded,omitempty"`
	// NotCounted are workloads the report cannot size (a Helm chart without a footprint row).
	NotCounted []string `json:"notCounted,omitempty"`
	// SidecarSource says where the injected Istio proxy's size comes from ("" without sidecars).
	SidecarSource string `json:"sidecarSource,omitempty"`
	// Minimum is the customer cluster's advertised minimum, when the program uses an existing
	// cluster (it provisions no node pool of its own).
	Minimum *ClusterMinimum `json:"minimum,omitempty"`
}

// Resources are CPU in millicores and memory in bytes, for requests and limits.
type Resources struct {
	RequestCPUMilli int64 `json:"requestCpuMilli"`
	RequestMemory   int64 `json:"requestMemoryBytes"`
	LimitCPUMilli   int64 `json:"limitCpuMilli"`
	LimitMemory     int64 `json:"limitMemoryBytes"`
}

func (r *Resources) add(o Resources, times int64) {
	r.RequestCPUMilli += o.RequestCPUMilli * times
	r.RequestMemory += o.RequestMemory * times
	r.LimitCPUMilli += o.LimitCPUMilli * times
	r.LimitMemory += o.LimitMemory * times
}

// NamespaceFootprint is one namespace's pods.
type NamespaceFootprint struct {
	Namespace string     `json:"namespace"`
	Pods      int        `json:"pods"`
	Total     Resources  `json:"total"`
	Workloads []Workload `json:"workloads"`
}

// Workload is one Deployment (or chart component) with its per-pod size and replica count.
type Workload struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Replicas int    `json:"replicas"`
	// MaxReplicas is the HorizontalPodAutoscaler's maximum (0 without one).
	MaxReplicas int       `json:"maxReplicas,omitempty"`
	PerPod      Resources `json:"perPod"`
	Total       Resources `json:"total"`
	// Sidecar is true when an Istio sidecar is injected (included in PerPod).
	Sidecar bool   `json:"sidecar,omitempty"`
	Source  string `json:"source"`
}

// ClusterMinimum compares the footprint with the minimum cluster the KA customer is told to have.
type ClusterMinimum struct {
	CPUMilli     int64  `json:"cpuMilli"`
	Memory       int64  `json:"memoryBytes"`
	Source       string `json:"source"`
	FitsRequests bool   `json:"fitsRequests"`
}

// seed001Minimum is seed 001's "minimal deployment" cluster: at least 2 CPU and 4 GiB free.
var seed001Minimum = ClusterMinimum{CPUMilli: 2000, Memory: 4 << 30,
	Source: "seed 001 (minimal deployment): the customer's cluster must have at least 2 CPU / 4 GiB free"}

// Istio's injected sidecar: the istiod chart's global.proxy.resources default
// (github.com/istio/istio manifests/charts/istio-control/istio-discovery/values.yaml, checked
// 2026-11-22: requests 100m / 128Mi, limits 2000m / 1024Mi). Pod annotations
// sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit and proxyMemoryLimit override it, as do
// the values of an istiod release in the plan.
var istioProxyDefault = podSize{requestCPU: "100m", requestMemory: "128Mi", limitCPU: "2000m", limitMemory: "1024Mi"}

const istioProxySource = "Istio's default sidecar size, requests 100m / 128Mi, limits 2 / 1 GiB (istiod chart values.yaml global.proxy.resources)"

type podSize struct{ requestCPU, requestMemory, limitCPU, limitMemory string }

// chartPod is one pod-bearing component of a Helm chart: how many replicas and how big, from the
// release's values when set, from the chart's documented defaults otherwise.
type chartPod struct {
	Name string
	Kind string
	// EnabledPath is a values path that disables the component when false ("" = always on).
	EnabledPath string
	// AutoscalePath turns the chart's autoscaler off when false ("" = no autoscaler). With the
	// autoscaler on, the first of MinReplicasPaths that is set gives the replicas; with it off,
	// the first of ReplicasPaths; DefaultReplicas when none is set.
	AutoscalePath    string
	MinReplicasPaths []string
	ReplicasPaths    []string
	DefaultReplicas  int
	// ResourcesPaths are values paths of a {requests, limits} block, tried in order.
	ResourcesPaths []string
	Default        podSize
	Source         string
}

// chartPods lists the charts the program can install. Defaults were read from each chart's
// values.yaml (dated per row); a chart that sets no resources by default has an empty Default,
// which the report lists as unbounded rather than counting as zero. To update, read the chart's
// values.yaml at the version the program pins and change the row (and its date).
var chartPods = map[string][]chartPod{
	// Istio base installs CRDs and the validating webhook config only.
	"base": nil,
	// Recent istiod charts take top-level keys (defaults under _internal_defaults_do_not_set);
	// older ones nest them under pilot. Both are read.
	"istiod": {{
		Name: "istiod", Kind: "Deployment",
		AutoscalePath:    "autoscaleEnabled",
		MinReplicasPaths: []string{"autoscaleMin", "pilot.autoscaleMin"},
		ReplicasPaths:    []string{"replicaCount", "pilot.replicaCount"}, DefaultReplicas: 1,
		ResourcesPaths: []string{"resources", "pilot.resources"},
		Default:        podSize{requestCPU: "500m", requestMemory: "2048Mi"},
		Source:         "istiod chart defaults (istio/istio manifests/charts/istio-control/istio-discovery/values.yaml: requests 500m / 2048Mi, no limits, autoscaleMin 1; checked 2026-11-22)",
	}},
	"gateway": {{
		Name: "gateway", Kind: "Deployment",
		AutoscalePath:    "autoscaling.enabled",
		MinReplicasPaths: []string{"autoscaling.minReplicas"},
		ReplicasPaths:    []string{"replicaCount"}, DefaultReplicas: 1,
		ResourcesPaths: []string{"resources"},
		Default:        podSize{requestCPU: "100m", requestMemory: "128Mi", limitCPU: "2000m", limitMemory: "1024Mi"},
		Source:         "gateway chart defaults (istio/istio manifests/charts/gateway/values.yaml: requests 100m / 128Mi, limits 2000m / 1024Mi, autoscaling.minReplicas 1; checked 2026-11-22)",
	}},
	// EKS's node autoscaler (components/cluster/autoscaler.go sets replicaCount and resources).
	"cluster-autoscaler": {{
		Name: "cluster-autoscaler", Kind: "Deployment",
		ReplicasPaths: []string{"replicaCount"}, DefaultReplicas: 1,
		ResourcesPaths: []string{"resources"},
		Source:         "cluster-autoscaler chart values.yaml resources: {} (no default), replicaCount 1 (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0); recorded 2026-11-30",
	}},
	"kube-prometheus-stack": {
		{Name: "prometheus", Kind: "StatefulSet", EnabledPath: "prometheus.enabled",
			ReplicasPaths: []string{"prometheus.prometheusSpec.replicas"}, DefaultReplicas: 1,
			ResourcesPaths: []string{"prometheus.prometheusSpec.resources"},
			Source:         "kube-prometheus-stack values.yaml prometheus.prometheusSpec.resources: {} (no default); recorded 2026-11-22"},
		{Name: "alertmanager", Kind: "StatefulSet", EnabledPath: "alertmanager.enabled",
			ReplicasPaths: []string{"alertmanager.alertmanagerSpec.replicas"}, DefaultReplicas: 1,
			ResourcesPaths: []string{"alertmanager.alertmanagerSpec.resources"},
			Source:         "kube-prometheus-stack values.yaml alertmanager.alertmanagerSpec.resources: {} (no default); recorded 2026-11-22"},
		{Name: "prometheus-operator", Kind: "Deployment", EnabledPath: "prometheusOperator.enabled",
			DefaultReplicas: 1, ResourcesPaths: []string{"prometheusOperator.resources"},
			Source: "kube-prometheus-stack values.yaml prometheusOperator.resources: {} (no default); recorded 2026-11-22"},
		{Name: "grafana", Kind: "Deployment", EnabledPath: "grafana.enabled",
			ReplicasPaths: []string{"grafana.replicas"}, DefaultReplicas: 1, ResourcesPaths: []string{"grafana.resources"},
			Source: "grafana subchart values.yaml resources: {} (no default); recorded 2026-11-22"},
		{Name: "kube-state-metrics", Kind: "Deployment", EnabledPath: "kubeStateMetrics.enabled",
			ReplicasPaths: []string{"kube-state-metrics.replicas"}, DefaultReplicas: 1, ResourcesPaths: []string{"kube-state-metrics.resources"},
			Source: "kube-state-metrics subchart values.yaml resources: {} (no default); recorded 2026-11-22"},
		{Name: "node-exporter (per node)", Kind: "DaemonSet", EnabledPath: "nodeExporter.enabled",
			DefaultReplicas: 1, ResourcesPaths: []string{"prometheus-node-exporter.resources"},
			Source: "prometheus-node-exporter subchart values.yaml resources: {} (no default); one pod per node, counted once; recorded 2026-11-22"},
	},
}

// ComputeFootprint sizes every pod the plan creates.
func ComputeFootprint(p *plan.Plan) (*Footprint, error) {
	f := &Footprint{}
	byNS := map[string]*NamespaceFootprint{}
	add := func(ns string, w Workload) {
		if byNS[ns] == nil {
			byNS[ns] = &NamespaceFootprint{Namespace: ns}
		}
		n := byNS[ns]
		w.Total = Resources{}
		w.Total.add(w.PerPod, int64(w.Replicas))
		n.Workloads = append(n.Workloads, w)
		n.Pods += w.Replicas
		n.Total.add(w.Total, 1)
		f.Total.add(w.Total, 1)
		f.AtMaxReplicas.add(w.PerPod, int64(max(w.Replicas, w.MaxReplicas)))
	}
	hpaMax, hpaMin := autoscalerMaximums(p), autoscalerMinimums(p)

	injected := injectedNamespaces(p)
	proxy, proxySource, err := sidecarSize(p)
	if err != nil {
		return nil, err
	}
	for _, r := range p.Kubernetes() {
		_, kind := r.APIVersionKind()
		if kind != "Deployment" && kind != "StatefulSet" && kind != "DaemonSet" {
			continue
		}
		ns := r.Str("metadata.namespace")
		name := r.Str("metadata.name")
		replicas := 1
		if n, ok := hpaMin[kind+" "+ns+"/"+name]; ok {
			replicas = n
		}
		if v, _ := r.Input("spec.replicas"); v != nil {
			n, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("%s %s/%s: spec.replicas is %v", kind, ns, name, v)
			}
			replicas = int(n)
		}
		containers, _ := r.Input("spec.template.spec.containers")
		list, _ := containers.([]any)
		var per Resources
		for _, c := range list {
			cm, _ := c.(map[string]any)
			res, unbounded, err := containerSize(cm["resources"])
			if err != nil {
				return nil, fmt.Errorf("%s %s/%s: %w", kind, ns, name, err)
			}
			if len(unbounded) > 0 {
				f.Unbounded = append(f.Unbounded, fmt.Sprintf("%s/%s container %v: no %s", ns, name, cm["name"], strings.Join(unbounded, ", ")))
			}
			per.add(res, 1)
		}
		src := "pod spec"
		sidecar := injected[ns] && !sidecarOff(r)
		if sidecar {
			size, err := proxyOverride(r, proxy)
			if err != nil {
				return nil, fmt.Errorf("%s %s/%s: %w", kind, ns, name, err)
			}
			per.add(size, 1)
			src += " + sidecar"
			f.SidecarSource = proxySource
		}
		if kind == "DaemonSet" {
			src += "; one pod per node, counted once"
		}
		add(ns, Workload{Name: name, Kind: kind, Replicas: replicas, MaxReplicas: hpaMax[kind+" "+ns+"/"+name],
			PerPod: per, Sidecar: sidecar, Source: src})
	}

	for _, r := range helmReleases(p) {
		ns := r.Str("namespace")
		if ns == "" {
			ns = "default"
		}
		chart := chartName(r)
		pods, known := chartPods[chart]
		if !known {
			f.NotCounted = append(f.NotCounted, fmt.Sprintf("Helm release %s (chart %q): no footprint row for the chart", r.Name, chart))
			continue
		}
		for _, cp := range pods {
			if cp.EnabledPath != "" {
				if v, _ := r.Input("values." + cp.EnabledPath); v == false {
					continue
				}
			}
			replicas := chartReplicas(r, cp)
			size, src, err := chartSize(r, cp)
			if err != nil {
				return nil, fmt.Errorf("Helm release %s: %w", r.Name, err)
			}
			res, unbounded, err := containerSize(size)
			if err != nil {
				return nil, fmt.Errorf("Helm release %s %s: %w", r.Name, cp.Name, err)
			}
			if len(unbounded) > 0 {
				f.Unbounded = append(f.Unbounded, fmt.Sprintf("%s/%s (release %s): no %s", ns, cp.Name, r.Name, strings.Join(unbounded, ", ")))
			}
			add(ns, Workload{Name: r.Name + "/" + cp.Name, Kind: cp.Kind, Replicas: replicas, PerPod: res, Source: src})
		}
	}

	for _, n := range byNS {
		sort.Slice(n.Workloads, func(i, j int) bool { return n.Workloads[i].Name < n.Workloads[j].Name })
		f.Namespaces = append(f.Namespaces, *n)
	}
	sort.Slice(f.Namespaces, func(i, j int) bool { return f.Namespaces[i].Namespace < f.Namespaces[j].Namespace })
	sort.Strings(f.Unbounded)
	sort.Strings(f.NotCounted)
	if !provisionsCluster(p) {
		m := seed001Minimum
		m.FitsRequests = f.Total.RequestCPUMilli <= m.CPUMilli && f.Total.RequestMemory <= m.Memory
		f.Minimum = &m
	}
	return f, nil
}

// autoscalerMaximums maps "Kind namespace/name" of each autoscaled workload to the
// HorizontalPodAutoscaler's maxReplicas.
func autoscalerMaximums(p *plan.Plan) map[string]int { return autoscalerField(p, "spec.maxReplicas") }

// autoscalerMinimums are the HPAs' minReplicas by target: the replicas of a Deployment that
// leaves its replica count to its HPA (workload does), as the HPA scales it up to that at once.
func autoscalerMinimums(p *plan.Plan) map[string]int { return autoscalerField(p, "spec.minReplicas") }

func autoscalerField(p *plan.Plan, path string) map[string]int {
	out := map[string]int{}
	for _, r := range p.Kubernetes() {
		if _, kind := r.APIVersionKind(); kind != "HorizontalPodAutoscaler" {
			continue
		}
		if n, ok := inputInt(r, path); ok {
			out[r.Str("spec.scaleTargetRef.kind")+" "+r.Str("metadata.namespace")+"/"+r.Str("spec.scaleTargetRef.name")] = int(n)
		}
	}
	return out
}

// provisionsCluster reports whether the plan creates the cluster (then the node pools are sized
// by the program, and the cost section prices them).
func provisionsCluster(p *plan.Plan) bool {
	for _, t := range []string{"azure-native:containerservice:ManagedCluster", "aws:eks/cluster:Cluster"} {
		if len(p.ByType(t)) > 0 {
			return true
		}
	}
	return false
}

// injectedNamespaces are the namespaces labelled istio-injection=enabled by the plan.
func injectedNamespaces(p *plan.Plan) map[string]bool {
	out := map[string]bool{}
	for _, r := range p.Kubernetes() {
		if _, kind := r.APIVersionKind(); kind != "Namespace" {
			continue
		}
		if r.Str("metadata.labels.istio-injection") == "enabled" {
			out[r.Str("metadata.name")] = true
		}
	}
	return out
}

func sidecarOff(r *plan.Resource) bool {
	return podMeta(r, "annotations", "sidecar.istio.io/inject") == "false" ||
		podMeta(r, "labels", "sidecar.istio.io/inject") == "false"
}

// podMeta reads a pod template label or annotation (their keys contain dots, so Input's dotted
// paths cannot reach them).
func podMeta(r *plan.Resource, field, key string) string {
	v, _ := r.Input("spec.template.metadata")
	m, _ := v.(map[string]any)
	sub, _ := m[field].(map[string]any)
	s, _ := sub[key].(string)
	return s
}

// sidecarSize is the injected proxy's size: an istiod release's global.proxy.resources in the
// plan, else the chart default.
func sidecarSize(p *plan.Plan) (map[string]any, string, error) {
	for _, r := range helmReleases(p) {
		if chartName(r) != "istiod" {
			continue
		}
		if v, _ := r.Input("values.global.proxy.resources"); v != nil {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, "", fmt.Errorf("Helm release %s: values.global.proxy.resources is %v", r.Name, v)
			}
			return m, "values.global.proxy.resources of Helm release " + r.Name, nil
		}
	}
	return istioProxyDefault.asMap(), istioProxySource, nil
}

// proxyOverride applies the sidecar.istio.io/proxy* pod annotations.
func proxyOverride(r *plan.Resource, base map[string]any) (Resources, error) {
	req, _ := base["requests"].(map[string]any)
	lim, _ := base["limits"].(map[string]any)
	m := map[string]any{"requests": copyMap(req), "limits": copyMap(lim)}
	for ann, target := range map[string][2]string{
		"sidecar.istio.io/proxyCPU":         {"requests", "cpu"},
		"sidecar.istio.io/proxyMemory":      {"requests", "memory"},
		"sidecar.istio.io/proxyCPULimit":    {"limits", "cpu"},
		"sidecar.istio.io/proxyMemoryLimit": {"limits", "memory"},
	} {
		if v := podMeta(r, "annotations", ann); v != "" {
			m[target[0]].(map[string]any)[target[1]] = v
		}
	}
	res, _, err := containerSize(m)
	return res, err
}

func copyMap(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	return out
}

func (s podSize) asMap() map[string]any {
	req, lim := map[string]any{}, map[string]any{}
	for k, v := range map[string]string{"cpu": s.requestCPU, "memory": s.requestMemory} {
		if v != "" {
			req[k] = v
		}
	}
	for k, v := range map[string]string{"cpu": s.limitCPU, "memory": s.limitMemory} {
		if v != "" {
			lim[k] = v
		}
	}
	return map[string]any{"requests": req, "limits": lim}
}

// chartReplicas is a chart component's pod count from the release's values, else the default.
func chartReplicas(r *plan.Resource, cp chartPod) int {
	paths := cp.ReplicasPaths
	if cp.AutoscalePath != "" {
		if v, _ := r.Input("values." + cp.AutoscalePath); v != false {
			paths = cp.MinReplicasPaths
		}
	}
	for _, path := range paths {
		if n, ok := inputInt(r, "values."+path); ok {
			return int(n)
		}
	}
	return cp.DefaultReplicas
}

// chartSize is a chart component's resources block: the release's values when set, else the
// chart default.
func chartSize(r *plan.Resource, cp chartPod) (any, string, error) {
	for _, path := range cp.ResourcesPaths {
		if v, _ := r.Input("values." + path); v != nil {
			if _, ok := v.(map[string]any); !ok {
				return nil, "", fmt.Errorf("values.%s is %v", path, v)
			}
			return v, "values." + path + " of the release", nil
		}
	}
	return cp.Default.asMap(), cp.Source, nil
}

// containerSize reads a {requests, limits} block; it returns what is missing as "unbounded".
// As Kubernetes does, a request left unset with its limit set defaults to the limit.
func containerSize(v any) (Resources, []string, error) {
	m, _ := v.(map[string]any)
	req, _ := m["requests"].(map[string]any)
	lim, _ := m["limits"].(map[string]any)
	req = copyMap(req)
	for _, k := range []string{"cpu", "memory"} {
		if _, ok := req[k]; !ok && lim[k] != nil {
			req[k] = lim[k]
		}
	}
	var out Resources
	var missing []string
	for _, f := range []struct {
		block map[string]any
		key   string
		label string
		dst   *int64
		parse func(string) (int64, error)
	}{
		{req, "cpu", "CPU request", &out.RequestCPUMilli, ParseCPU},
		{req, "memory", "memory request", &out.RequestMemory, ParseMemory},
		{lim, "cpu", "CPU limit", &out.LimitCPUMilli, ParseCPU},
		{lim, "memory", "memory limit", &out.LimitMemory, ParseMemory},
	} {
		raw, ok := f.block[f.key]
		if !ok || raw == nil {
			missing = append(missing, f.label)
			continue
		}
		n, err := f.parse(fmt.Sprint(raw))
		if err != nil {
			return Resources{}, nil, fmt.Errorf("%s: %w", f.label, err)
		}
		*f.dst = n
	}
	return out, missing, nil
}

// ParseCPU parses a Kubernetes CPU quantity ("250m", "2", "0.5") into millicores.
func ParseCPU(q string) (int64, error) {
	q = strings.TrimSpace(q)
	if s, ok := strings.CutSuffix(q, "m"); ok {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad CPU quantity %q", q)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(q, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad CPU quantity %q", q)
	}
	return int64(math.Round(f * 1000)), nil
}

var memorySuffixes = []struct {
	suffix string
	factor float64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// ParseMemory parses a Kubernetes memory quantity ("512Mi", "1Gi", "128M", "1e9") into bytes.
func ParseMemory(q string) (int64, error) {
	q = strings.TrimSpace(q)
	factor := 1.0
	for _, s := range memorySuffixes {
		if rest, ok := strings.CutSuffix(q, s.suffix); ok {
			q, factor = rest, s.factor
			break
		}
	}
	f, err := strconv.ParseFloat(q, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad memory quantity %q", q)
	}
	return int64(math.Round(f * factor)), nil
}
