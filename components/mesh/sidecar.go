package mesh

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// sidecarSpec is networking.istio.io/v1 Sidecar (istio.io/api v1.31.1
// networking/v1alpha3/sidecar.proto): egress hosts are "namespace/dnsName", "." being the
// Sidecar's own namespace. Its workloadSelector is the networking one ({labels}), not the
// security CRs' {matchLabels}.
type (
	istioEgressListener struct {
		Hosts []string `json:"hosts"`
	}
	networkingWorkloadSelector struct {
		Labels map[string]string `json:"labels"`
	}
	sidecarSpec struct {
		WorkloadSelector networkingWorkloadSelector `json:"workloadSelector"`
		Egress           []istioEgressListener      `json:"egress"`
	}
)

// callees are the apps that list s among their callers.
func callees(args *Args, s Service) []Service {
	var out []Service
	for _, t := range args.Services {
		for _, c := range t.Callers {
			if c == s.Name {
				out = append(out, t)
			}
		}
	}
	return out
}

// sidecarHosts is what one app's proxy is configured to reach: the apps it calls, its
// dependencies by host name in any namespace ("*/": this program's ServiceEntries, a customer's
// in-mesh service or ServiceEntry elsewhere), the Istio namespace, and the stack's extra hosts.
// Everything else in the mesh is left out of its configuration (istiod pushes it no clusters,
// routes or endpoints for them); a host it does not know goes out as the mesh's outbound policy
// says (ALLOW_ANY: passed through as is; REGISTRY_ONLY: refused).
func sidecarHosts(args *Args, s Service, dependencyHosts []string) []string {
	set := map[string]bool{args.IstioNamespace + "/*": true}
	for _, t := range callees(args, s) {
		set[fmt.Sprintf("./%s.%s.svc.cluster.local", t.Name, args.NamespaceName)] = true
	}
	for _, h := range dependencyHosts {
		set["*/"+h] = true
	}
	for _, h := range args.EgressHosts {
		set[h] = true
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// addSidecars registers one Sidecar per app. The external hosts are known once the provisioned
// dependencies' endpoints are, so the specs wait for them.
func (r *renderer) addSidecars() {
	if r.err != nil {
		return
	}
	eps := make([]any, len(r.args.Dependencies))
	for i, e := range r.args.Dependencies {
		eps[i] = e.Endpoints.ToStringOutput()
	}
	dependencyHosts := pulumi.All(eps...).ApplyT(func(resolved []any) ([]string, error) {
		var hosts []string
		for i, e := range r.args.Dependencies {
			hosts = append(hosts, endpointHosts(e, resolved[i].(string))...)
		}
		return hosts, nil
	}).(pulumi.StringArrayOutput)
	for _, s := range r.args.Services {
		s := s
		spec := dependencyHosts.ApplyT(func(hosts []string) (map[string]any, error) {
			return kube.ToMap(sidecarSpec{
				WorkloadSelector: networkingWorkloadSelector{Labels: appSelector(s.Name).MatchLabels},
				Egress:           []istioEgressListener{{Hosts: sidecarHosts(r.args, s, hosts)}},
			})
		}).(pulumi.MapOutput)
		_, r.err = kube.CustomResourceOutput(r.ctx, "sidecar-"+s.Name, networkingAPI, "Sidecar", r.meta(s.Name), spec,
			pulumi.Parent(r.parent), pulumi.DependsOn(r.args.CRDs))
		if r.err != nil {
			return
		}
	}
}

// endpointHosts are the host names of a comma-separated host[:port] list; an IP address stands
// under the name its ServiceEntry gives it.
func endpointHosts(e External, endpoints string) []string {
	var out []string
	for _, ep := range strings.Split(endpoints, ",") {
		host := strings.TrimSpace(ep)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		switch {
		case host == "":
		case net.ParseIP(host) != nil:
			out = append(out, e.Name+".external.workfx")
		default:
			out = append(out, host)
		}
	}
	return out
}
