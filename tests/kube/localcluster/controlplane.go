package localcluster

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ControlPlane is one running cluster: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, all on 127.0.0.1 with free ports, each started by this process.
type ControlPlane struct {
	Dir        string // certificates, kubeconfig, etcd data, logs
	Kubeconfig string // admin kubeconfig (system:masters)
	Config     *rest.Config
	Procs      []*Proc
}

// Proc is a process this package started; Stop kills exactly it (and its own process group,
// which only it and its children are in).
type Proc struct {
	Name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

var (
	running   = map[*Proc]bool{}
	runningMu sync.Mutex
)

func startProc(dir, name, bin string, args ...string) (*Proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group (so stop reaches anything it forks) and SIGKILL if this test process
	// dies without cleaning up (e.g. a go test timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	runningMu.Lock()
	running[p] = true
	runningMu.Unlock()
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *Proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process group created for p, then SIGKILL after a grace period,
// and waits for the process to be reaped.
func (p *Proc) Stop() {
	defer func() {
		runningMu.Lock()
		delete(running, p)
		runningMu.Unlock()
	}()
	if p.exited() {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// StopAll stops every process this package started that still runs (used on interrupt).
func StopAll() {
	runningMu.Lock()
	ps := make([]*Proc, 0, len(running))
	for p := range running {
		ps = append(ps, p)
	}
	runningMu.Unlock()
	for _, p := range ps {
		p.Stop()
	}
}

// Tail returns the last lines of the process's log, for failure messages.
func (p *Proc) Tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop stops every process of the control plane, last started first.
func (cp *ControlPlane) Stop() {
	for i := len(cp.Procs) - 1; i >= 0; i-- {
		cp.Procs[i].Stop()
	}
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Start starts a fresh cluster in dir (empty etcd) from the binaries in bin and waits until
// the API server is ready and the controllers and scheduler run. The caller must call Stop.
func Start(ctx context.Context, bin, dir, kwokStages string) (*ControlPlane, error) {
	cp := &ControlPlane{Dir: dir}
	ok := false
	defer func() {
		if !ok {
			cp.Stop()
		}
	}()
	if err := writePKI(dir); err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, kcmPort, schedPort := ports[0], ports[1], ports[2], ports[3], ports[4]
	pki := func(name string) string { return filepath.Join(dir, name) }

	etcd, err := startProc(dir, "etcd", filepath.Join(bin, "etcd"),
		"--name=workfx", "--data-dir="+pki("etcd-data"),
		"--listen-client-urls=http://127.0.0.1:"+strconv.Itoa(etcdClient),
		"--advertise-client-urls=http://127.0.0.1:"+strconv.Itoa(etcdClient),
		"--listen-peer-urls=http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--initial-advertise-peer-urls=http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--initial-cluster=workfx=http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--listen-metrics-urls=", "--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return nil, err
	}
	cp.Procs = append(cp.Procs, etcd)

	issuer := "https://kubernetes.default.svc.cluster.local"
	api, err := startProc(dir, "kube-apiserver", filepath.Join(bin, "kube-apiserver"),
		"--etcd-servers=http://127.0.0.1:"+strconv.Itoa(etcdClient),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+pki("apiserver.crt"), "--tls-private-key-file="+pki("apiserver.key"),
		"--client-ca-file="+pki("ca.crt"),
		"--service-account-key-file="+pki("sa.pub"), "--service-account-signing-key-file="+pki("sa.key"),
		"--service-account-issuer="+issuer, "--api-audiences="+issuer,
		"--service-cluster-ip-range=10.0.0.0/24", "--authorization-mode=Node,RBAC", "--allow-privileged=true")
	if err != nil {
		return nil, err
	}
	cp.Procs = append(cp.Procs, api)

	cp.Kubeconfig = pki("admin.kubeconfig")
	if err := writeKubeconfig(dir, cp.Kubeconfig, "https://127.0.0.1:"+strconv.Itoa(apiPort)); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.WarningHandler = rest.NoWarnings{}
	cp.Config = cfg
	if err := waitReady(ctx, cfg, "/readyz", api, etcd); err != nil {
		return nil, err
	}

	kc := cp.Kubeconfig
	kcm, err := startProc(dir, "kube-controller-manager", filepath.Join(bin, "kube-controller-manager"),
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(kcmPort),
		"--service-account-private-key-file="+pki("sa.key"), "--root-ca-file="+pki("ca.crt"),
		"--cluster-signing-cert-file="+pki("ca.crt"), "--cluster-signing-key-file="+pki("ca.key"),
		"--service-cluster-ip-range=10.0.0.0/24", "--use-service-account-credentials=false",
		// kwok renews node leases from this busy machine; a missed renewal must not mark the
		// nodes NotReady (the node controller would then set the pods unready for good, as
		// kwok only readies Pending pods). Draining is tested through cordon and eviction.
		"--node-monitor-grace-period=10m", "--node-startup-grace-period=10m")
	if err != nil {
		return nil, err
	}
	cp.Procs = append(cp.Procs, kcm)
	sched, err := startProc(dir, "kube-scheduler", filepath.Join(bin, "kube-scheduler"),
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(schedPort))
	if err != nil {
		return nil, err
	}
	cp.Procs = append(cp.Procs, sched)
	kwok, err := startProc(dir, "kwok", filepath.Join(bin, "kwok"),
		"--kubeconfig="+kc, "--config="+kwokStages, "--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--cidr=10.244.0.1/16", "--node-ip=127.0.0.1", "--server-address=", "--node-port=0")
	if err != nil {
		return nil, err
	}
	cp.Procs = append(cp.Procs, kwok)
	for _, c := range []struct {
		p    *Proc
		port int
	}{{kcm, kcmPort}, {sched, schedPort}} {
		if err := waitHealthz(ctx, c.port, c.p); err != nil {
			return nil, err
		}
	}
	ok = true
	return cp, nil
}

// waitReady polls an API server endpoint until it answers 200, failing early with the log tail
// when a watched process exits.
func waitReady(ctx context.Context, cfg *rest.Config, path string, watch ...*Proc) error {
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	return Poll(ctx, 2*time.Minute, func() (bool, error) {
		for _, p := range watch {
			if p.exited() {
				return false, fmt.Errorf("%s exited (%v); last log lines:\n%s", p.Name, p.err, p.Tail(30))
			}
		}
		resp, err := client.Get(cfg.Host + path)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}, func() string {
		return fmt.Sprintf("%s never became ready; kube-apiserver log:\n%s", path, watch[0].Tail(30))
	})
}

// waitHealthz polls a component's own /healthz on its secure port (self-signed, so no verify).
func waitHealthz(ctx context.Context, port int, p *Proc) error {
	client := &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	return Poll(ctx, 2*time.Minute, func() (bool, error) {
		if p.exited() {
			return false, fmt.Errorf("%s exited (%v); last log lines:\n%s", p.Name, p.err, p.Tail(30))
		}
		resp, err := client.Get("https://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}, func() string { return fmt.Sprintf("%s never became healthy; log:\n%s", p.Name, p.Tail(30)) })
}

// Poll calls cond until it reports done, returns an error, or the deadline passes (then the
// error is describe()'s text).
func Poll(ctx context.Context, timeout time.Duration, cond func() (bool, error), describe func() string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := cond()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %s: %s", timeout, describe())
		case <-tick.C:
		}
	}
}

// writePKI writes a CA, the API server's serving certificate, an admin client certificate
// (system:masters) and the service-account signing key pair, all generated with crypto/x509.
func writePKI(dir string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "workfx-verify-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	if err := writeCertKey(dir, "ca", caDER, caKey); err != nil {
		return err
	}
	issue := func(name string, serial int64, subject pkix.Name, usage x509.ExtKeyUsage, dns []string, ips []net.IP) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: dns, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		return writeCertKey(dir, name, der, key)
	}
	if err := issue("apiserver", 2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")}); err != nil {
		return err
	}
	if err := issue("admin", 3, pkix.Name{CommonName: "workfx-verify-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

func writeCertKey(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

func writeKubeconfig(dir, path, server string) error {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		return base64.StdEncoding.EncodeToString(b), err
	}
	var vals []string
	for _, n := range []string{"ca.crt", "admin.crt", "admin.key"} {
		v, err := read(n)
		if err != nil {
			return err
		}
		vals = append(vals, v)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `apiVersion: v1
kind: Config
clusters:
- name: workfx-verify
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: workfx-verify
  context: {cluster: workfx-verify, user: admin}
current-context: workfx-verify
`, server, vals[0], vals[1], vals[2])
	return os.WriteFile(path, b.Bytes(), 0o600)
}

// WriteKwokStages writes the Stage documents kwok needs (fast node and pod lifecycles, node
// heartbeats through leases) from the kwok module's kustomize/stage directories. Only Stage
// documents are kept: a KwokConfiguration there would disable kwok's defaults.
//
// One stage is ours: a kubelet cannot pull an image tagged NeverReadyTag. Such pods never become
// ready (pod-ready skips them) and report ImagePullBackOff, as a real node reports a tag that
// does not exist, so a rollout that cannot complete can be tested.
func WriteKwokStages(kwokDir, out string) error {
	var docs []string
	for _, sub := range []string{"node/fast", "node/heartbeat-with-lease", "pod/fast"} {
		files, err := filepath.Glob(filepath.Join(kwokDir, "kustomize", "stage", sub, "*.yaml"))
		if err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for _, doc := range strings.Split(string(b), "\n---") {
				if strings.Contains(doc, "\nkind: Stage") || strings.HasPrefix(strings.TrimSpace(doc), "kind: Stage") {
					docs = append(docs, strings.TrimSpace(strings.TrimPrefix(doc, "---")))
				}
			}
		}
	}
	if len(docs) == 0 {
		return errors.New("no kwok Stage documents found under " + kwokDir)
	}
	patched := false
	for i, d := range docs {
		if strings.Contains(d, "\n  name: pod-ready\n") {
			const anchor = "  selector:\n    matchExpressions:\n"
			if !strings.Contains(d, anchor) {
				return errors.New("kwok's pod-ready stage has no selector.matchExpressions to extend")
			}
			docs[i] = strings.Replace(d, anchor, anchor+"    - key: '"+neverReadyImage+"'\n      operator: 'DoesNotExist'\n", 1)
			patched = true
		}
	}
	if !patched {
		return errors.New("no pod-ready stage in kwok's pod/fast stages")
	}
	docs = append(docs, imagePullBackOffStage)
	return os.WriteFile(out, []byte(strings.Join(docs, "\n---\n")+"\n"), 0o644)
}

// NeverReadyTag is an image tag no kwok node can pull.
const NeverReadyTag = "never-ready"

// neverReadyImage selects a pod with a container image tagged NeverReadyTag (jq, as kwok's
// selectors are).
const neverReadyImage = `.spec.containers.[] | select(.image | endswith(":` + NeverReadyTag + `")) | .image`

const imagePullBackOffStage = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-image-pull-backoff
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '` + neverReadyImage + `'
      operator: 'Exists'
    - key: '.status.containerStatuses'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      conditions:
      - status: "False"
        type: Ready
        reason: ContainersNotReady
      - status: "False"
        type: ContainersReady
        reason: ContainersNotReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        state:
          waiting:
            reason: ImagePullBackOff
            message: {{ printf "Back-off pulling image %q" .image | Quote }}
      {{ end }}
`
