package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

// index is the set of objects a stack's plan creates, by kind and namespace/name.
type index map[string]map[string]*unstructured.Unstructured

func newIndex(objs []*unstructured.Unstructured) index {
	ix := index{}
	for _, o := range objs {
		if ix[o.GetKind()] == nil {
			ix[o.GetKind()] = map[string]*unstructured.Unstructured{}
		}
		ix[o.GetKind()][o.GetNamespace()+"/"+o.GetName()] = o
	}
	return ix
}

func (ix index) get(kind, ns, name string) *unstructured.Unstructured {
	return ix[kind][ns+"/"+name]
}

// dataKeys lists the keys of a Secret or ConfigMap manifest (data, stringData, binaryData).
func dataKeys(o *unstructured.Unstructured) map[string]bool {
	keys := map[string]bool{}
	for _, f := range []string{"data", "stringData", "binaryData"} {
		m, _, _ := unstructured.NestedMap(o.Object, f)
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

// podTemplate returns the pod spec of a workload manifest.
func podTemplate(o *unstructured.Unstructured) (*corev1.PodSpec, bool, error) {
	var path []string
	switch o.GetKind() {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		path = []string{"spec", "template", "spec"}
	case "CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "Pod":
		path = []string{"spec"}
	default:
		return nil, false, nil
	}
	m, found, err := unstructured.NestedMap(o.Object, path...)
	if err != nil || !found {
		return nil, true, fmt.Errorf("%s has no pod spec at %s", localcluster.ObjectKey(o), strings.Join(path, "."))
	}
	var spec corev1.PodSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &spec); err != nil {
		return nil, true, fmt.Errorf("%s: pod spec: %w", localcluster.ObjectKey(o), err)
	}
	return &spec, true, nil
}

// checkReferences returns one message per pod-spec reference that names neither an object the
// plan creates nor a customer-owned object the config declares: secretKeyRef, configMapKeyRef,
// envFrom, serviceAccountName, imagePullSecrets and secret/configMap/projected/PVC volumes.
// Keys are checked too where the referenced object's keys are known.
func checkReferences(objs []*unstructured.Unstructured, customer map[string]*customerSecret) []string {
	ix := newIndex(objs)
	var msgs []string
	for _, o := range objs {
		spec, isWorkload, err := podTemplate(o)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		if !isWorkload {
			continue
		}
		ns := o.GetNamespace()
		bad := func(format string, args ...any) {
			msgs = append(msgs, localcluster.ObjectKey(o)+": "+fmt.Sprintf(format, args...))
		}
		secret := func(where, name, key string, optional bool) {
			if optional {
				return
			}
			if s := ix.get("Secret", ns, name); s != nil {
				if key != "" && !dataKeys(s)[key] {
					bad("%s: Secret %s (created by the plan) has no key %q", where, name, key)
				}
				return
			}
			if c := customer[name]; c != nil {
				if key != "" && !c.keys[key] && !(c.pullSecret && key == corev1.DockerConfigJsonKey) {
					bad("%s: customer Secret %s is declared (at %s) without key %q", where, name, strings.Join(c.declaredAt, ", "), key)
				}
				return
			}
			bad("%s: Secret %s/%s is neither created by the plan nor declared by the config as the customer's", where, ns, name)
		}
		configMap := func(where, name, key string, optional bool) {
			if optional {
				return
			}
			cm := ix.get("ConfigMap", ns, name)
			if cm == nil {
				bad("%s: ConfigMap %s/%s is not created by the plan", where, ns, name)
				return
			}
			if key != "" && !dataKeys(cm)[key] {
				bad("%s: ConfigMap %s has no key %q", where, name, key)
			}
		}
		opt := func(b *bool) bool { return b != nil && *b }

		if sa := spec.ServiceAccountName; sa != "" && sa != "default" && ix.get("ServiceAccount", ns, sa) == nil {
			bad("serviceAccountName %s: ServiceAccount not created by the plan", sa)
		}
		for _, ps := range spec.ImagePullSecrets {
			secret("imagePullSecrets", ps.Name, corev1.DockerConfigJsonKey, false)
		}
		containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
		for _, ctr := range containers {
			for _, ev := range ctr.Env {
				if ev.ValueFrom == nil {
					continue
				}
				where := fmt.Sprintf("container %s env %s", ctr.Name, ev.Name)
				if r := ev.ValueFrom.SecretKeyRef; r != nil {
					secret(where+" secretKeyRef", r.Name, r.Key, opt(r.Optional))
				}
				if r := ev.ValueFrom.ConfigMapKeyRef; r != nil {
					configMap(where+" configMapKeyRef", r.Name, r.Key, opt(r.Optional))
				}
			}
			for _, ef := range ctr.EnvFrom {
				where := fmt.Sprintf("container %s envFrom", ctr.Name)
				if r := ef.SecretRef; r != nil {
					secret(where+" secretRef", r.Name, "", opt(r.Optional))
				}
				if r := ef.ConfigMapRef; r != nil {
					configMap(where+" configMapRef", r.Name, "", opt(r.Optional))
				}
			}
		}
		for _, v := range spec.Volumes {
			where := "volume " + v.Name
			if s := v.Secret; s != nil {
				secret(where, s.SecretName, "", opt(s.Optional))
				for _, it := range s.Items {
					secret(where+" item", s.SecretName, it.Key, opt(s.Optional))
				}
			}
			if cm := v.ConfigMap; cm != nil {
				configMap(where, cm.Name, "", opt(cm.Optional))
				for _, it := range cm.Items {
					configMap(where+" item", cm.Name, it.Key, opt(cm.Optional))
				}
			}
			if p := v.Projected; p != nil {
				for _, src := range p.Sources {
					if s := src.Secret; s != nil {
						secret(where+" projected", s.Name, "", opt(s.Optional))
						for _, it := range s.Items {
							secret(where+" projected item", s.Name, it.Key, opt(s.Optional))
						}
					}
					if cm := src.ConfigMap; cm != nil {
						configMap(where+" projected", cm.Name, "", opt(cm.Optional))
						for _, it := range cm.Items {
							configMap(where+" projected item", cm.Name, it.Key, opt(cm.Optional))
						}
					}
				}
			}
			if pvc := v.PersistentVolumeClaim; pvc != nil && ix.get("PersistentVolumeClaim", ns, pvc.ClaimName) == nil {
				bad("%s: PersistentVolumeClaim %s not created by the plan", where, pvc.ClaimName)
			}
		}
	}
	sort.Strings(msgs)
	return msgs
}

// livePods lists the running (not terminating) pods of a namespace matching a selector.
func livePods(ctx context.Context, c *localcluster.Cluster, ns string, sel labels.Selector) ([]corev1.Pod, error) {
	list, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// serviceForHost resolves an Istio host (name, name.ns, name.ns.svc[.cluster.local]) to a
// Service of the plan, given the namespace of the referring object.
func serviceForHost(ix index, host, ns string) *unstructured.Unstructured {
	parts := strings.Split(strings.TrimSuffix(host, ".cluster.local"), ".")
	switch {
	case len(parts) == 1:
		return ix.get("Service", ns, parts[0])
	case len(parts) == 2 || (len(parts) == 3 && parts[2] == "svc"):
		return ix.get("Service", parts[1], parts[0])
	}
	return nil
}

func servicePorts(svc *unstructured.Unstructured) (numbers map[int64]bool, names map[string]bool) {
	numbers, names = map[int64]bool{}, map[string]bool{}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	for _, p := range ports {
		m, _ := p.(map[string]any)
		if n, ok := m["port"].(int64); ok {
			numbers[n] = true
		}
		if n, ok := m["name"].(string); ok {
			names[n] = true
		}
	}
	return numbers, names
}

// checkSelectors verifies on the live cluster that every HPA, PDB, Service, VirtualService,
// DestinationRule and ServiceMonitor selects or targets something that exists. A monitor whose
// target namespaces hold a Helm release of the plan (releases: namespace → release) may select
// what that release creates; charts are not installed here, so that is accepted, not checked.
func checkSelectors(ctx context.Context, c *localcluster.Cluster, objs []*unstructured.Unstructured, releases map[string]string) []string {
	ix := newIndex(objs)
	var msgs []string
	bad := func(o *unstructured.Unstructured, format string, args ...any) {
		msgs = append(msgs, localcluster.ObjectKey(o)+": "+fmt.Sprintf(format, args...))
	}
	for _, o := range objs {
		ns := o.GetNamespace()
		switch o.GetKind() {
		case "HorizontalPodAutoscaler":
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "kind")
			name, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "name")
			var err error
			switch kind {
			case "Deployment":
				_, err = c.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			case "StatefulSet":
				_, err = c.Kube.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			default:
				bad(o, "scaleTargetRef kind %q is not a Deployment or StatefulSet", kind)
				continue
			}
			if err != nil {
				bad(o, "scaleTargetRef %s %s: %v", kind, name, err)
			}
		case "PodDisruptionBudget", "Service":
			path := []string{"spec", "selector"}
			var sel labels.Selector
			if o.GetKind() == "PodDisruptionBudget" {
				m, found, _ := unstructured.NestedMap(o.Object, path...)
				if !found {
					bad(o, "has no selector")
					continue
				}
				var ls metav1.LabelSelector
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
					bad(o, "selector: %v", err)
					continue
				}
				s, err := metav1.LabelSelectorAsSelector(&ls)
				if err != nil {
					bad(o, "selector: %v", err)
					continue
				}
				sel = s
			} else {
				m, found, _ := unstructured.NestedStringMap(o.Object, path...)
				if !found || len(m) == 0 {
					typ, _, _ := unstructured.NestedString(o.Object, "spec", "type")
					if typ != "ExternalName" {
						bad(o, "has no selector: it targets nothing the plan runs")
					}
					continue
				}
				sel = labels.SelectorFromSet(m)
			}
			pods, err := livePods(ctx, c, ns, sel)
			if err != nil {
				bad(o, "listing pods: %v", err)
				continue
			}
			if len(pods) == 0 {
				bad(o, "selector %s matches no pod", sel)
				continue
			}
			if o.GetKind() == "Service" {
				ports, _, _ := unstructured.NestedSlice(o.Object, "spec", "ports")
				for _, p := range ports {
					pm, _ := p.(map[string]any)
					tp := pm["targetPort"]
					if tp == nil {
						tp = pm["port"]
					}
					if !podsExpose(pods, tp) {
						bad(o, "port %v: targetPort %v is not a container port of the selected pods", pm["name"], tp)
					}
				}
			}
		case "VirtualService":
			gws, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "gateways")
			for _, g := range gws {
				if g == "mesh" {
					continue
				}
				gns, gname := ns, g
				if i := strings.Index(g, "/"); i >= 0 {
					gns, gname = g[:i], g[i+1:]
				}
				if ix.get("Gateway", gns, gname) == nil {
					bad(o, "gateway %s is not a Gateway the plan creates", g)
				}
			}
			for _, section := range []string{"http", "tcp", "tls"} {
				routes, _, _ := unstructured.NestedSlice(o.Object, "spec", section)
				for _, r := range routes {
					rm, _ := r.(map[string]any)
					dests, _ := rm["route"].([]any)
					for _, d := range dests {
						dm, _ := d.(map[string]any)
						dest, _ := dm["destination"].(map[string]any)
						host, _ := dest["host"].(string)
						svc := serviceForHost(ix, host, ns)
						if svc == nil {
							bad(o, "%s route destination %s is not a Service the plan creates", section, host)
							continue
						}
						if port, ok := dest["port"].(map[string]any); ok {
							if n, ok := port["number"].(int64); ok {
								if nums, _ := servicePorts(svc); !nums[n] {
									bad(o, "%s route destination %s port %d is not a port of %s", section, host, n, localcluster.ObjectKey(svc))
								}
							}
						}
					}
				}
			}
		case "DestinationRule":
			host, _, _ := unstructured.NestedString(o.Object, "spec", "host")
			if serviceForHost(ix, host, ns) == nil {
				bad(o, "host %s is not a Service the plan creates", host)
			}
		case "ServiceMonitor":
			m, _, _ := unstructured.NestedMap(o.Object, "spec", "selector")
			var ls metav1.LabelSelector
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
				bad(o, "selector: %v", err)
				continue
			}
			sel, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil {
				bad(o, "selector: %v", err)
				continue
			}
			nss, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "namespaceSelector", "matchNames")
			if len(nss) == 0 {
				nss = []string{ns}
			}
			var selected []*unstructured.Unstructured
			for _, sn := range nss {
				svcs, err := c.Kube.CoreV1().Services(sn).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
				if err != nil {
					bad(o, "listing services in %s: %v", sn, err)
					continue
				}
				for _, s := range svcs.Items {
					if p := ix.get("Service", s.Namespace, s.Name); p != nil {
						selected = append(selected, p)
					}
				}
			}
			if len(selected) == 0 {
				if byRelease(nss, releases) {
					continue
				}
				bad(o, "selector %s in namespaces %v matches no Service", sel, nss)
				continue
			}
			eps, _, _ := unstructured.NestedSlice(o.Object, "spec", "endpoints")
			for _, ep := range eps {
				em, _ := ep.(map[string]any)
				port, _ := em["port"].(string)
				if port == "" {
					continue
				}
				for _, s := range selected {
					if _, names := servicePorts(s); !names[port] {
						bad(o, "endpoint port %q is not a named port of %s", port, localcluster.ObjectKey(s))
					}
				}
			}
		}
	}
	sort.Strings(msgs)
	return msgs
}

// podsExpose reports whether every pod has a container port matching targetPort (a name or a
// number).
func podsExpose(pods []corev1.Pod, targetPort any) bool {
	for _, p := range pods {
		found := false
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				switch tp := targetPort.(type) {
				case string:
					found = found || cp.Name == tp
				case int64:
					found = found || int64(cp.ContainerPort) == tp
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// waitDeploymentsAvailable waits until every Deployment of the plan is Available with all its
// replicas updated and available. On timeout it names each unavailable Deployment and the
// scheduler's reasons for its pending pods.
func waitDeploymentsAvailable(ctx context.Context, c *localcluster.Cluster, objs []*unstructured.Unstructured, timeout time.Duration) error {
	var deps []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			deps = append(deps, o)
		}
	}
	var pending []string
	return localcluster.Poll(ctx, timeout, func() (bool, error) {
		pending = pending[:0]
		for _, o := range deps {
			d, err := c.Kube.AppsV1().Deployments(o.GetNamespace()).Get(ctx, o.GetName(), metav1.GetOptions{})
			if err != nil {
				pending = append(pending, fmt.Sprintf("%s: %v", localcluster.ObjectKey(o), err))
				continue
			}
			if !deploymentAvailable(d) {
				pending = append(pending, describeDeployment(ctx, c, d))
			}
		}
		return len(pending) == 0, nil
	}, func() string { return strings.Join(pending, "\n") })
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas != want || d.Status.AvailableReplicas != want || d.Status.Replicas != want {
		return false
	}
	for _, cd := range d.Status.Conditions {
		if cd.Type == appsv1.DeploymentAvailable {
			return cd.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describeDeployment(ctx context.Context, c *localcluster.Cluster, d *appsv1.Deployment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Deployment %s/%s: %d/%d available, %d updated", d.Namespace, d.Name, d.Status.AvailableReplicas, valueOr(d.Spec.Replicas, 1), d.Status.UpdatedReplicas)
	for _, cd := range d.Status.Conditions {
		if cd.Status != corev1.ConditionTrue {
			fmt.Fprintf(&b, "; %s=%s: %s", cd.Type, cd.Status, cd.Message)
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return b.String()
	}
	pods, _ := livePods(ctx, c, d.Namespace, sel)
	for _, p := range pods {
		if podReady(&p) {
			continue
		}
		fmt.Fprintf(&b, "\n    pod %s: %s", p.Name, p.Status.Phase)
		for _, cd := range p.Status.Conditions {
			if cd.Status != corev1.ConditionTrue && cd.Message != "" {
				fmt.Fprintf(&b, " (%s: %s)", cd.Reason, cd.Message)
			}
		}
	}
	// A ReplicaSet that cannot create pods (admission, quota, missing ServiceAccount) says so
	// in its conditions.
	rss, _ := c.Kube.AppsV1().ReplicaSets(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if rss != nil {
		for _, rs := range rss.Items {
			for _, cd := range rs.Status.Conditions {
				if cd.Type == appsv1.ReplicaSetReplicaFailure && cd.Status == corev1.ConditionTrue {
					fmt.Fprintf(&b, "\n    ReplicaSet %s: %s", rs.Name, cd.Message)
				}
			}
		}
	}
	return b.String()
}

func valueOr(p *int32, d int32) int32 {
	if p == nil {
		return d
	}
	return *p
}

// pdbMinimum is how many of the PDB's pods must stay ready: minAvailable, or expected minus
// maxUnavailable (percentages of the expected count, rounded like the disruption controller).
func pdbMinimum(pdb *policyv1.PodDisruptionBudget, expected int) (int, error) {
	switch {
	case pdb.Spec.MinAvailable != nil:
		return intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, expected, true)
	case pdb.Spec.MaxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, expected, true)
		return expected - n, err
	}
	return 0, nil
}

// drainAndCheckPDBs cordons the node running the most of the plan's pods, evicts each of them
// through the eviction API (retrying while a PDB refuses), and asserts throughout that every
// PDB keeps its minimum of ready pods. Then it uncordons and waits for Available again.
func drainAndCheckPDBs(t *testing.T, ctx context.Context, c *localcluster.Cluster, objs []*unstructured.Unstructured) error {
	type budget struct {
		pdb     *policyv1.PodDisruptionBudget
		sel     labels.Selector
		minimum int
	}
	var budgets []budget
	namespaces := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			namespaces[o.GetNamespace()] = true
		}
	}
	for _, o := range objs {
		if o.GetKind() != "PodDisruptionBudget" {
			continue
		}
		pdb, err := c.Kube.PolicyV1().PodDisruptionBudgets(o.GetNamespace()).Get(ctx, o.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			return fmt.Errorf("%s: %v", localcluster.ObjectKey(o), err)
		}
		pods, err := livePods(ctx, c, pdb.Namespace, sel)
		if err != nil {
			return err
		}
		minimum, err := pdbMinimum(pdb, len(pods))
		if err != nil {
			return fmt.Errorf("%s: %v", localcluster.ObjectKey(o), err)
		}
		budgets = append(budgets, budget{pdb: pdb, sel: sel, minimum: minimum})
	}
	checkBudgets := func(when string) error {
		for _, b := range budgets {
			pods, err := livePods(ctx, c, b.pdb.Namespace, b.sel)
			if err != nil {
				return err
			}
			ready := 0
			for i := range pods {
				if podReady(&pods[i]) {
					ready++
				}
			}
			if ready < b.minimum {
				return fmt.Errorf("PodDisruptionBudget %s/%s: %d ready pods %s, below its minimum %d", b.pdb.Namespace, b.pdb.Name, ready, when, b.minimum)
			}
		}
		return nil
	}

	// The node with the most of the plan's pods.
	perNode := map[string]int{}
	for ns := range namespaces {
		pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				perNode[p.Spec.NodeName]++
			}
		}
	}
	node, most := "", 0
	for n, k := range perNode {
		if k > most || (k == most && n < node) {
			node, most = n, k
		}
	}
	if node == "" {
		return fmt.Errorf("no pod of the plan is scheduled on any node")
	}
	setUnschedulable := func(v bool) error {
		patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, v)
		_, err := c.Kube.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}
	if err := setUnschedulable(true); err != nil {
		return fmt.Errorf("cordon %s: %w", node, err)
	}
	t.Logf("draining node %s (%d pods); %d PDBs watched", node, most, len(budgets))

	evictions, refusals := 0, 0
	var remaining []string
	err := localcluster.Poll(ctx, 3*time.Minute, func() (bool, error) {
		if err := checkBudgets("during the drain of " + node); err != nil {
			return false, err
		}
		remaining = remaining[:0]
		for ns := range namespaces {
			pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
			if err != nil {
				return false, err
			}
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil {
					remaining = append(remaining, p.Name+" (terminating)")
					continue
				}
				ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
				err := c.Kube.CoreV1().Pods(p.Namespace).EvictV1(ctx, ev)
				switch {
				case err == nil:
					evictions++
				case apierrors.IsTooManyRequests(err):
					refusals++ // a PDB refuses for now; retry once replacements are ready
					remaining = append(remaining, p.Name+" (eviction refused: "+err.Error()+")")
				case apierrors.IsNotFound(err):
				default:
					return false, fmt.Errorf("evicting %s/%s: %w", p.Namespace, p.Name, err)
				}
				if err != nil && !apierrors.IsNotFound(err) {
					continue
				}
				remaining = append(remaining, p.Name+" (evicted)")
			}
		}
		return len(remaining) == 0, nil
	}, func() string { return "pods left on " + node + ": " + strings.Join(remaining, ", ") })
	if err != nil {
		return err
	}
	if err := waitDeploymentsAvailable(ctx, c, objs, 3*time.Minute); err != nil {
		return fmt.Errorf("after draining %s the Deployments did not recover on the remaining nodes: %w", node, err)
	}
	if err := checkBudgets("after the drain of " + node); err != nil {
		return err
	}
	t.Logf("drained %s: %d evictions, %d refused by a PDB and retried; every PDB kept its minimum", node, evictions, refusals)
	if err := setUnschedulable(false); err != nil {
		return fmt.Errorf("uncordon %s: %w", node, err)
	}
	got, err := c.Kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if got.Spec.Unschedulable {
		return fmt.Errorf("node %s still unschedulable after uncordon", node)
	}
	return nil
}

// byRelease reports whether every namespace holds a Helm release of the plan.
func byRelease(namespaces []string, releases map[string]string) bool {
	for _, ns := range namespaces {
		if releases[ns] == "" {
			return false
		}
	}
	return len(namespaces) > 0
}

func TestMonitorsMayTargetWhatAReleaseCreates(t *testing.T) {
	releases := map[string]string{"istio-system": "istiod"}
	if !byRelease([]string{"istio-system"}, releases) {
		t.Error("a monitor of istiod's namespace is satisfied by the istiod release")
	}
	if byRelease([]string{"istio-system", "workfx-ai"}, releases) || byRelease(nil, releases) {
		t.Error("a namespace without a release must hold the selected Service itself")
	}
}
