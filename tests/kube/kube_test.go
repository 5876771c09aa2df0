package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

const fieldManager = "workfx-verify"

// figures are printed at the end of the run (and recorded in docs/verification.md).
var figures struct {
	sync.Mutex
	lines []string
}

func figure(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	figures.Lock()
	figures.lines = append(figures.lines, line)
	figures.Unlock()
	fmt.Println("FIGURE " + line)
}

func TestMain(m *testing.M) {
	// Stop what the suite started also when interrupted.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "%v: stopping the control plane processes this suite started\n", s)
		stopAll()
		os.Exit(1)
	}()
	code := m.Run()
	stopAll()
	if setupEnv != nil {
		os.RemoveAll(setupEnv.work)
	}
	if len(figures.lines) > 0 {
		fmt.Println("== real-cluster figures")
		for _, l := range figures.lines {
			fmt.Println("  " + l)
		}
	}
	os.Exit(code)
}

// env is what every stack needs once: binaries, CRDs, kwok stages and the program.
type env struct {
	root, bin, program, stages, work string
	crds                             []*unstructured.Unstructured
	crdSource                        string
}

var (
	setupOnce sync.Once
	setupEnv  *env
	setupErr  error
)

func setup() (*env, error) {
	setupOnce.Do(func() { setupEnv, setupErr = doSetup() })
	return setupEnv, setupErr
}

func doSetup() (*env, error) {
	e := &env{}
	var err error
	if e.root, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		return nil, err
	}
	if e.bin, err = binDir(); err != nil {
		return nil, err
	}
	took, built, err := buildTools(e.bin)
	if err != nil {
		return nil, err
	}
	if len(built) > 0 {
		figure("control plane build: %s (%s)", took.Round(time.Second), strings.Join(built, ", "))
	} else {
		figure("control plane build: cached in %s", e.bin)
	}

	work, err := os.MkdirTemp("", "workfx-kube-")
	if err != nil {
		return nil, err
	}
	e.work = work
	kwokDir, err := moduleDir("kwok", kwokModule, kwokModuleVersion)
	if err != nil {
		return nil, err
	}
	e.stages = filepath.Join(work, "kwok-stages.yaml")
	if err := kwokStagesFile(kwokDir, e.stages); err != nil {
		return nil, err
	}
	if e.crds, e.crdSource, err = loadCRDs(); err != nil {
		return nil, err
	}

	start := time.Now()
	e.program = filepath.Join(work, "workfx-platform")
	cmd := exec.Command("go", "build", "-o", e.program, ".")
	cmd.Dir = e.root
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the program: %v\n%s", err, b)
	}
	figure("program build: %s", time.Since(start).Round(time.Second))
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
func loadCRDs() ([]*unstructured.Unstructured, string, error) {
	var crds []*unstructured.Unstructured
	var parts []string
	for _, src := range crdSources {
		dir, err := moduleDir(".", src.module, src.version)
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
				objs, err := readManifests(f)
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

// cluster is a running control plane with clients.
type cluster struct {
	cp     *controlPlane
	kube   kubernetes.Interface
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func newCluster(t *testing.T, ctx context.Context, e *env) *cluster {
	t.Helper()
	start := time.Now()
	cp, err := startControlPlane(ctx, e.bin, t.TempDir(), e.stages)
	if err != nil {
		t.Fatalf("control plane did not start: %v", err)
	}
	t.Cleanup(func() {
		cp.stop()
		if t.Failed() {
			for _, p := range cp.procs {
				t.Logf("last lines of %s's log:\n%s", p.name, p.tail(15))
			}
		}
	})
	c := &cluster{cp: cp}
	if c.kube, err = kubernetes.NewForConfig(cp.config); err != nil {
		t.Fatal(err)
	}
	if c.dyn, err = dynamic.NewForConfig(cp.config); err != nil {
		t.Fatal(err)
	}
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.kube.Discovery()))
	t.Logf("control plane ready in %s (logs in %s)", time.Since(start).Round(100*time.Millisecond), cp.dir)

	start = time.Now()
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, crd := range e.crds {
		if err := c.apply(ctx, crdGVR, crd); err != nil {
			t.Fatalf("installing %s: %v", objectKey(crd), err)
		}
	}
	for _, crd := range e.crds {
		name := crd.GetName()
		err := poll(ctx, time.Minute, func() (bool, error) {
			got, err := c.dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
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
			t.Fatal(err)
		}
	}
	c.mapper.Reset()
	t.Logf("%d CRDs installed and Established in %s", len(e.crds), time.Since(start).Round(100*time.Millisecond))
	return c
}

// apply server-side applies one object with strict field validation.
func (c *cluster) apply(ctx context.Context, gvr schema.GroupVersionResource, o *unstructured.Unstructured) error {
	data, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: fieldManager, FieldValidation: "Strict", Force: &force}
	var ri dynamic.ResourceInterface = c.dyn.Resource(gvr)
	if ns := o.GetNamespace(); ns != "" {
		ri = c.dyn.Resource(gvr).Namespace(ns)
	}
	_, err = ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, opts)
	return err
}

// applyObject maps the object's kind to its resource and applies it.
func (c *cluster) applyObject(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("no such kind on the server: %w", err)
	}
	return c.apply(ctx, m.Resource, o)
}

func TestStacks(t *testing.T) {
	e, err := setup()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	t.Logf("CRDs: %s", e.crdSource)
	stacks, err := discoverStacks(e.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range stacks {
		t.Run(sc.name, func(t *testing.T) { verifyStack(t, e, sc) })
	}
}

func verifyStack(t *testing.T, e *env, sc stackCase) {
	ctx := context.Background()
	objs, pd, err := render(e.root, e.program, sc, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := readStackConfig(sc.file)
	if err != nil {
		t.Fatal(err)
	}
	pools, err := nodePools(pd)
	if err != nil {
		t.Fatalf("node pools of %s: %v", sc.name, err)
	}
	t.Logf("nodes: %s", describePools(pools))

	// Static reference integrity first: it names the broken reference precisely, where the
	// cluster would only show a pod that never starts.
	fixtures := cfg.customerSecrets()
	for _, msg := range checkReferences(objs, fixtures) {
		t.Errorf("reference integrity: %s", msg)
	}

	c := newCluster(t, ctx, e)
	for _, n := range nodes(pools) {
		if _, err := c.kube.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating node %s: %v", n.Name, err)
		}
	}

	created := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			created[o.GetName()] = true
		}
	}
	start := time.Now()
	var rejected []string
	applied := 0
	// Namespaces come first in manifests.yaml; customer fixtures go in once those exist.
	fixturesDone := false
	for _, o := range objs {
		if o.GetKind() != "Namespace" && !fixturesDone {
			if err := createFixtures(ctx, c, cfg, fixtures, created); err != nil {
				t.Fatal(err)
			}
			fixturesDone = true
		}
		if err := c.applyObject(ctx, o); err != nil {
			rejected = append(rejected, fmt.Sprintf("%s (%s): %v", objectKey(o), o.GetAPIVersion(), serverMessage(err)))
			continue
		}
		applied++
	}
	if !fixturesDone {
		if err := createFixtures(ctx, c, cfg, fixtures, created); err != nil {
			t.Fatal(err)
		}
	}
	applyTime := time.Since(start)
	figure("stack %-40s apply %6s  objects applied %d/%d  nodes %s", sc.name, applyTime.Round(10*time.Millisecond), applied, len(objs), describePools(pools))
	if len(rejected) > 0 {
		t.Fatalf("the API server rejected %d of %d objects:\n  %s", len(rejected), len(objs), strings.Join(rejected, "\n  "))
	}

	start = time.Now()
	if err := waitDeploymentsAvailable(ctx, c, objs, 3*time.Minute); err != nil {
		t.Fatalf("Deployments not Available on %s: %v", describePools(pools), err)
	}
	t.Logf("every Deployment Available in %s", time.Since(start).Round(100*time.Millisecond))

	for _, msg := range checkSelectors(ctx, c, objs, releaseNamespaces(pd)) {
		t.Errorf("selector/target: %s", msg)
	}

	if err := drainAndCheckPDBs(t, ctx, c, objs); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

// createFixtures creates what the config declares as the customer's own: namespaces the plan
// does not create, and the referenced Secrets (with the referenced keys) in the app namespace.
func createFixtures(ctx context.Context, c *cluster, cfg stackConfig, secrets map[string]*customerSecret, created map[string]bool) error {
	for _, ns := range cfg.declaredNamespaces() {
		if created[ns] {
			continue
		}
		_, err := c.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("fixture namespace %s: %w", ns, err)
		}
	}
	ns := cfg.appNamespace()
	for _, s := range secrets {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: ns,
			Labels: map[string]string{"workfx.dev/fixture": "customer-owned"}}, StringData: map[string]string{}}
		for k := range s.keys {
			sec.StringData[k] = "fixture"
		}
		if s.pullSecret {
			sec.Type = corev1.SecretTypeDockerConfigJson
			sec.StringData[corev1.DockerConfigJsonKey] = `{"auths":{}}`
		}
		if _, err := c.kube.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("fixture Secret %s/%s (declared at %s): %w", ns, s.name, strings.Join(s.declaredAt, ", "), err)
		}
	}
	return nil
}

func serverMessage(err error) string {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		return err.Error()
	}
	st := se.Status()
	msg := st.Message
	if st.Details != nil {
		for _, cause := range st.Details.Causes {
			if !strings.Contains(msg, cause.Message) {
				msg += "; " + cause.Field + ": " + cause.Message
			}
		}
	}
	return fmt.Sprintf("%s (%s, HTTP %d)", msg, st.Reason, st.Code)
}
