// Command localcluster runs a real Kubernetes control plane on 127.0.0.1 (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok nodes, the Istio, Prometheus Operator and
// cert-manager CRDs) until it is told to stop. Run it from the tests/kube directory; it builds the
// missing binaries first (cached; see package localcluster).
//
//	go run ./cmd/localcluster --dir /tmp/c [--nodes 2 --cpu 2 --memory-gib 4 --zones zone-1,zone-2]
//
// When everything is ready it prints one JSON line on stdout: {"kubeconfig", "kubectl", ...}.
// It stops everything it started on SIGINT/SIGTERM or when its stdin closes (so a parent that
// dies takes the cluster with it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

// Ready is what localcluster prints once the cluster serves.
type Ready struct {
	Kubeconfig string `json:"kubeconfig"`
	Kubectl    string `json:"kubectl"`
	Dir        string `json:"dir"`
	Nodes      string `json:"nodes"`
	// Seconds to a ready control plane, and to Established CRDs after it.
	ControlPlaneSeconds float64 `json:"controlPlaneSeconds"`
	CRDSeconds          float64 `json:"crdSeconds"`
	Built               string  `json:"built,omitempty"`
}

func main() {
	dir := flag.String("dir", "", "directory for certificates, etcd data, logs and the kubeconfig (required)")
	nodes := flag.Int("nodes", localcluster.KAMinimum.Count, "number of simulated nodes")
	cpu := flag.Int("cpu", localcluster.KAMinimum.CPU, "cores per node")
	mem := flag.Int("memory-gib", localcluster.KAMinimum.MemGiB, "GiB of memory per node")
	zones := flag.String("zones", strings.Join(localcluster.KAMinimum.Zones, ","), "zones the nodes are spread over")
	flag.Parse()
	if *dir == "" || *nodes < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, localcluster.Pool{Name: "node", Count: *nodes, CPU: *cpu, MemGiB: *mem,
		Zones: strings.Split(*zones, ","), Source: "localcluster flags"}); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run(dir string, pool localcluster.Pool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // returns when the parent closes stdin or dies
		stop()
	}()
	defer localcluster.StopAll()

	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	env, err := localcluster.Prepare(".", abs)
	if err != nil {
		return err
	}
	c, err := env.StartCluster(ctx, filepath.Join(abs, "cluster"), []localcluster.Pool{pool})
	if err != nil {
		return err
	}
	defer c.Stop()
	ready := Ready{
		Kubeconfig: c.Kubeconfig, Kubectl: filepath.Join(env.Bin, "kubectl"), Dir: abs,
		Nodes:               localcluster.DescribePools([]localcluster.Pool{pool}),
		ControlPlaneSeconds: c.Ready.Seconds(), CRDSeconds: c.CRDsReady.Seconds(),
	}
	if len(env.Built) > 0 {
		ready.Built = fmt.Sprintf("%s in %s", strings.Join(env.Built, ", "), env.BuildTook.Round(time.Second))
	}
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
