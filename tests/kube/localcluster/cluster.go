package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager of everything this package applies.
const FieldManager = "workfx-verify"

// Env is what every cluster needs once: the binaries, kwok's stages and the CRDs.
type Env struct {
	Bin    string // directory of the built binaries (kubectl among them)
	Stages string // kwok Stage documents
	CRDs   []*unstructured.Unstructured
	// CRDSource says where the CRDs came from, for reports.
	CRDSource string
	// BuildTook and Built report the control plane build (zero and empty when cached).
	BuildTook time.Duration
	Built     []string
}

// Prepare builds the missing binaries (moduleRoot is the tests/kube module directory) and
// writes kwok's stages into work.
func Prepare(moduleRoot, work string) (*Env, error) {
	if b, err := os.ReadFile(filepath.Join(moduleRoot, "go.mod")); err != nil || !strings.Contains(string(b), "\nmodule github.com/workfx/workfx-platform/tests/kube\n") {
		abs, _ := filepath.Abs(moduleRoot)
		return nil, fmt.Errorf("%s is not the tests/kube module directory (run from tests/kube)", abs)
	}
	e := &Env{}
	var err error
	if e.Bin, err = BinDir(); err != nil {
		return nil, err
	}
	if e.BuildTook, e.Built, err = BuildTools(moduleRoot, e.Bin); err != nil {
		return nil, err
	}
	kwokDir, err := ModuleDir(filepath.Join(moduleRoot, "kwok"), kwokModule, kwokModuleVersion)
	if err != nil {
		return nil, err
	}
	e.Stages = filepath.Join(work, "kwok-stages.yaml")
	if err := WriteKwokStages(kwokDir, e.Stages); err != nil {
		return nil, err
	}
	if e.CRDs, e.CRDSource, err = loadCRDs(moduleRoot); err != nil {
		return nil, err
	}
	return e, nil
}

// crdSource is a Go module that ships CRDs, and where in it they are.
type crdSource struct {
	module, version string
	globs           []string // relative to the module's directory
}

// crdSources are the CRDs the stacks' objects need: Istio's and the Prometheus Operator's (the
// program's Helm releases install them, or the customer's cluster has them) and cert-manager's
// (the gateway's optional Certificate, for customers who run cert-manager).
var crdSources = []crdSource{
	{istioAPIModule, istioAPIVersion, []string{"kubernetes/customresourcedefinitions.gen.yaml"}},
	{promOpModule, promOpVersion, []string{"example/prometheus-operator-crd/*.yaml"}},
	{certManagerModule, certManagerVersion, []string{"deploy/crds/cert-manager.io_*.yaml"}},
}

// loadCRDs reads the CRDs of every source from its Go module.
func loadCRDs(moduleRoot string) ([]*unstructured.Unstructured, string, error) {
	var crds []*unstructured.Unstructured
	var parts []string
	for _, src := range crdSources {
		dir, err := ModuleDir(moduleRoot, src.module, src.version)
		if err != nil {
			return nil, "", err
		}
		n := 0
		for _, g := range src.globs {
			files, err := filepath.Glob(filepath.Join(dir, g))
			if err != nil {
				return nil, "", err
			}
			for _, f := range files {
				objs, err := ReadManifests(f)
				if err != nil {
					return nil, "", err
				}
				for _, o := range objs {
					if o.GetKind() == "CustomResourceDefinition" {
						crds = append(crds, o)
						n++
					}
				}
			}
		}
		if n == 0 {
			return nil, "", fmt.Errorf("CRDs: none found in %s %s (%v)", src.module, src.version, src.globs)
		}
		parts = append(parts, fmt.Sprintf("%d CRDs from %s %s", n, src.module, src.version))
	}
	return crds, strings.Join(parts, ", "), nil
}

// ReadManifests decodes a multi-document YAML file into objects, in file order.
func ReadManifests(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeObjects(f, path)
}

// DecodeObjects decodes YAML or JSON documents into objects; source names them in errors.
func DecodeObjects(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 64*1024)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, fmt.Errorf("%s: document %d: %w", source, len(out)+1, err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// Cluster is a running control plane with clients, its CRDs Established.
type Cluster struct {
	*ControlPlane
	Kube   kubernetes.Interface
	Dyn    dynamic.Interface
	Mapper *restmapper.DeferredDiscoveryRESTMapper
	// Ready and CRDsReady are how long the control plane and the CRDs took.
	Ready, CRDsReady time.Duration
}

// StartCluster starts a control plane in dir, installs the CRDs and waits until they are
// Established, and creates the nodes of pools. The caller must call Stop.
func (e *Env) StartCluster(ctx context.Context, dir string, pools []Pool) (*Cluster, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	cp, err := Start(ctx, e.Bin, dir, e.Stages)
	if err != nil {
		return nil, fmt.Errorf("control plane did not start: %w", err)
	}
	c := &Cluster{ControlPlane: cp, Ready: time.Since(start)}
	ok := false
	defer func() {
		if !ok {
			cp.Stop()
		}
	}()
	if c.Kube, err = kubernetes.NewForConfig(cp.Config); err != nil {
		return nil, err
	}
	if c.Dyn, err = dynamic.NewForConfig(cp.Config); err != nil {
		return nil, err
	}
	c.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Kube.Discovery()))

	start = time.Now()
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, crd := range e.CRDs {
		if err := c.Apply(ctx, crdGVR, crd); err != nil {
			return nil, fmt.Errorf("installing %s: %w", ObjectKey(crd), err)
		}
	}
	for _, crd := range e.CRDs {
		name := crd.GetName()
		err := Poll(ctx, time.Minute, func() (bool, error) {
			got, err := c.Dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
			for _, cd := range conds {
				m, _ := cd.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		}, func() string { return "CRD " + name + " not Established" })
		if err != nil {
			return nil, err
		}
	}
	c.Mapper.Reset()
	c.CRDsReady = time.Since(start)
	for _, n := range Nodes(pools) {
		if _, err := c.Kube.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("creating node %s: %w", n.Name, err)
		}
	}
	ok = true
	return c, nil
}

// Apply server-side applies one object with strict field validation.
func (c *Cluster) Apply(ctx context.Context, gvr schema.GroupVersionResource, o *unstructured.Unstructured) error {
	data, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: FieldManager, FieldValidation: "Strict", Force: &force}
	var ri dynamic.ResourceInterface = c.Dyn.Resource(gvr)
	if ns := o.GetNamespace(); ns != "" {
		ri = c.Dyn.Resource(gvr).Namespace(ns)
	}
	_, err = ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, opts)
	return err
}

// ApplyObject maps the object's kind to its resource and applies it.
func (c *Cluster) ApplyObject(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("no such kind on the server: %w", err)
	}
	return c.Apply(ctx, m.Resource, o)
}

// ObjectKey names an object in messages: Kind namespace/name.
func ObjectKey(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return o.GetKind() + " " + ns + "/" + o.GetName()
	}
	return o.GetKind() + " " + o.GetName()
}

// Pool is a set of identical simulated nodes.
type Pool struct {
	Name   string
	Count  int
	CPU    int // cores
	MemGiB int
	Zones  []string
	Source string // where the size came from, for reports
}

// KAMinimum is seed 001's minimum cluster: 2 nodes x 2 CPU / 4 GiB over 2 zones. Stacks that
// provision no cluster (the customer brings one) run on it.
var KAMinimum = Pool{Name: "minimum", Count: 2, CPU: 2, MemGiB: 4, Zones: []string{"zone-1", "zone-2"},
	Source: "seed 001 minimum (no cluster provisioned)"}

// Nodes builds the kwok Node objects of the pools, spread round-robin over each pool's zones.
func Nodes(pools []Pool) []*corev1.Node {
	var out []*corev1.Node
	for _, p := range pools {
		for i := 0; i < p.Count; i++ {
			name := fmt.Sprintf("%s-%d", p.Name, i)
			zone := p.Zones[i%len(p.Zones)]
			res := corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewQuantity(int64(p.CPU), resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(int64(p.MemGiB)<<30, resource.BinarySI),
				corev1.ResourcePods:   *resource.NewQuantity(110, resource.DecimalSI),
			}
			out = append(out, &corev1.Node{
				ObjectMeta: metav1.ObjectMeta{
					Name:        name,
					Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
					Labels: map[string]string{
						"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
						"topology.kubernetes.io/zone": zone, "type": "kwok", "workfx.dev/pool": p.Name,
					},
				},
				Status: corev1.NodeStatus{Capacity: res, Allocatable: res},
			})
		}
	}
	return out
}

// DescribePools is a one-line summary of pools.
func DescribePools(pools []Pool) string {
	var parts []string
	for _, p := range pools {
		parts = append(parts, fmt.Sprintf("%d x %d CPU / %d GiB over %s (%s)", p.Count, p.CPU, p.MemGiB, strings.Join(p.Zones, ","), p.Source))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
