package kube

import (
	"context"
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

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

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
		localcluster.StopAll()
		os.Exit(1)
	}()
	code := m.Run()
	localcluster.StopAll()
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

// env is what every stack needs once: the control plane's binaries, CRDs and kwok stages, and
// the program.
type env struct {
	*localcluster.Env
	root, program, work string
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
	if e.work, err = os.MkdirTemp("", "workfx-kube-"); err != nil {
		return nil, err
	}
	if e.Env, err = localcluster.Prepare(".", e.work); err != nil {
		return nil, err
	}
	if len(e.Built) > 0 {
		figure("control plane build: %s (%s)", e.BuildTook.Round(time.Second), strings.Join(e.Built, ", "))
	} else {
		figure("control plane build: cached in %s", e.Bin)
	}

	start := time.Now()
	e.program = filepath.Join(e.work, "workfx-platform")
	cmd := exec.Command("go", "build", "-o", e.program, ".")
	cmd.Dir = e.root
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the program: %v\n%s", err, b)
	}
	figure("program build: %s", time.Since(start).Round(time.Second))
	return e, nil
}

// newCluster starts a control plane with the CRDs and the nodes of pools for one test.
func newCluster(t *testing.T, ctx context.Context, e *env, pools []localcluster.Pool) *localcluster.Cluster {
	t.Helper()
	c, err := e.StartCluster(ctx, t.TempDir(), pools)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			for _, p := range c.Procs {
				t.Logf("last lines of %s's log:\n%s", p.Name, p.Tail(15))
			}
		}
	})
	t.Logf("control plane ready in %s (logs in %s); %d CRDs Established in %s", c.Ready.Round(100*time.Millisecond), c.Dir,
		len(e.CRDs), c.CRDsReady.Round(100*time.Millisecond))
	return c
}

func TestStacks(t *testing.T) {
	e, err := setup()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	t.Logf("CRDs: %s", e.CRDSource)
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
	t.Logf("nodes: %s", localcluster.DescribePools(pools))

	// Static reference integrity first: it names the broken reference precisely, where the
	// cluster would only show a pod that never starts.
	fixtures := pd.customerSecrets()
	for _, msg := range checkReferences(objs, fixtures) {
		t.Errorf("reference integrity: %s", msg)
	}

	// What the config declares as the customer's exists before the program's objects, as it
	// would for `pulumi up`: on the customer's cluster (a namespace this program only labels) the
	// namespaces and Secrets come first. On a cluster the program provisions, the namespace is
	// the program's: the first up creates it and stops at the read of a missing Secret, the
	// operator creates the Secrets and the next up goes on (docs/aws.md, docs/azure.md); here
	// that is the Namespace applied first, then the Secrets.
	c := newCluster(t, ctx, e, pools)
	created := map[string]bool{}
	for _, r := range pd.Resources {
		if r.Type == "kubernetes:core/v1:Namespace" { // a NamespacePatch creates nothing
			if name, ok := dig(r.Inputs, "metadata.name").(string); ok {
				created[name] = true
			}
		}
	}
	start := time.Now()
	var rejected []string
	applied := 0
	apply := func(o *unstructured.Unstructured) {
		if err := c.ApplyObject(ctx, o); err != nil {
			rejected = append(rejected, fmt.Sprintf("%s (%s): %v", localcluster.ObjectKey(o), o.GetAPIVersion(), serverMessage(err)))
			return
		}
		applied++
	}
	if created[cfg.appNamespace()] {
		for _, o := range objs {
			if o.GetKind() == "Namespace" && created[o.GetName()] {
				apply(o)
			}
		}
	}
	if err := createFixtures(ctx, c, cfg, fixtures, created); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !(created[cfg.appNamespace()] && o.GetKind() == "Namespace" && created[o.GetName()]) {
			apply(o)
		}
	}
	applyTime := time.Since(start)
	figure("stack %-40s apply %6s  objects applied %d/%d  nodes %s", sc.name, applyTime.Round(10*time.Millisecond), applied, len(objs), localcluster.DescribePools(pools))
	if len(rejected) > 0 {
		t.Fatalf("the API server rejected %d of %d objects:\n  %s", len(rejected), len(objs), strings.Join(rejected, "\n  "))
	}

	start = time.Now()
	if err := waitDeploymentsAvailable(ctx, c, objs, 3*time.Minute); err != nil {
		t.Fatalf("Deployments not Available on %s: %v", localcluster.DescribePools(pools), err)
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
func createFixtures(ctx context.Context, c *localcluster.Cluster, cfg stackConfig, secrets map[string]*customerSecret, created map[string]bool) error {
	for _, ns := range cfg.declaredNamespaces() {
		if created[ns] {
			continue
		}
		_, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
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
		if _, err := c.Kube.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
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
