// Package kube is the real-cluster suite: it builds etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok from the Go module proxy
// (cached under $HOME/.cache/workfx-kube/<version>/bin), starts them on
// 127.0.0.1, installs the Istio and Prometheus Operator CRDs, and for every
// stack file and synthetic config of the program renders the plan, applies
// every object with server-side apply and strict field validation, waits for
// every Deployment to become Available on simulated nodes sized like the
// target, drains a node through the eviction API while checking every
// PodDisruptionBudget, and checks reference integrity.
//
// Run it from the repository root with scripts/test.sh, or directly:
//
//	cd tests/kube && go test -count=1 -v -timeout 60m .
package kube
