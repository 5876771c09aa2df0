package kube

import (
	"context"
	"strings"
	"testing"

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

// TestChecksCatchBrokenReferences shows the static reference check catching each kind of
// dangling reference, with a message naming the object and the reference.
func TestChecksCatchBrokenReferences(t *testing.T) {
	objs, err := localcluster.DecodeObjects(strings.NewReader(`
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: ns}
stringData: {password: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: ns}
data: {LOG_LEVEL: INFO}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: ns}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: missing-sa
      imagePullSecrets: [{name: missing-pull}]
      containers:
      - name: app
        image: x
        env:
        - {name: A, valueFrom: {secretKeyRef: {name: app-secret, key: nope}}}
        - {name: B, valueFrom: {secretKeyRef: {name: missing-secret, key: k}}}
        - {name: C, valueFrom: {configMapKeyRef: {name: app-config, key: nope}}}
        - {name: D, valueFrom: {secretKeyRef: {name: customer, key: password}}}
        - {name: E, valueFrom: {secretKeyRef: {name: customer, key: undeclared}}}
        envFrom: [{configMapRef: {name: missing-config}}]
      volumes:
      - {name: v1, secret: {secretName: missing-vol-secret}}
      - {name: v2, configMap: {name: app-config, items: [{key: nope, path: p}]}}
      - {name: v3, persistentVolumeClaim: {claimName: missing-pvc}}
`), "inline")
	if err != nil {
		t.Fatal(err)
	}
	customer := map[string]*customerSecret{"customer": {name: "customer", keys: map[string]bool{"password": true}, declaredAt: []string{"workfx:postgres.existing.passwordRef"}}}
	got := strings.Join(checkReferences(objs, customer), "\n")
	for _, want := range []string{
		"Deployment ns/app: serviceAccountName missing-sa",
		"Deployment ns/app: imagePullSecrets: Secret ns/missing-pull is neither created by the plan nor declared",
		"container app env A secretKeyRef: Secret app-secret (created by the plan) has no key \"nope\"",
		"container app env B secretKeyRef: Secret ns/missing-secret",
		"container app env C configMapKeyRef: ConfigMap app-config has no key \"nope\"",
		"container app env E secretKeyRef: customer Secret customer is declared (at workfx:postgres.existing.passwordRef) without key \"undeclared\"",
		"container app envFrom configMapRef: ConfigMap ns/missing-config",
		"volume v1: Secret ns/missing-vol-secret",
		"volume v2 item: ConfigMap app-config has no key \"nope\"",
		"volume v3: PersistentVolumeClaim missing-pvc",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing violation %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "env D") {
		t.Errorf("a declared customer Secret key was flagged:\n%s", got)
	}
}

// TestStrictApplyRejects shows, on a real API server with the CRDs, that the suite's apply
// rejects what strict server-side apply must reject, and that the failure carries the server's
// message naming the field.
func TestStrictApplyRejects(t *testing.T) {
	e, err := setup()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	ctx := context.Background()
	c := newCluster(t, ctx, e, nil)
	ns, err := localcluster.DecodeObjects(strings.NewReader(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"selfcheck"}}`), "ns")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyObject(ctx, ns[0]); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, doc, want string }{
		{"unknown core field", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"selfcheck"},
		  "spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
		  "spec":{"containers":[{"name":"c","image":"x","imagePullPolicyy":"Always"}]}}}}`, "imagePullPolicyy"},
		{"invalid Istio enum", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"p","namespace":"selfcheck"},
		  "spec":{"mtls":{"mode":"SUPERSTRICT"}}}`, "SUPERSTRICT"},
		{"unknown Istio field", `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"v","namespace":"selfcheck"},
		  "spec":{"hosts":["a"],"http":[{"route":[{"destination":{"host":"a","port":{"numbr":80}}}]}]}}`, "numbr"},
		{"unknown ServiceMonitor field", `{"apiVersion":"monitoring.coreos.com/v1","kind":"ServiceMonitor","metadata":{"name":"s","namespace":"selfcheck"},
		  "spec":{"selector":{},"endpoints":[{"port":"http","intervall":"30s"}]}}`, "intervall"},
		{"negative replicas", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"n","namespace":"selfcheck"},
		  "spec":{"replicas":-1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
		  "spec":{"containers":[{"name":"c","image":"x"}]}}}}`, "replicas"},
	}
	for _, tc := range cases {
		objs, err := localcluster.DecodeObjects(strings.NewReader(tc.doc), tc.name)
		if err != nil {
			t.Fatal(err)
		}
		err = c.ApplyObject(ctx, objs[0])
		if err == nil {
			t.Errorf("%s: %s was accepted", tc.name, localcluster.ObjectKey(objs[0]))
			continue
		}
		if msg := serverMessage(err); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: rejection does not name %q: %s", tc.name, tc.want, msg)
		}
	}
}
