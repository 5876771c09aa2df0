package mesh

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/kube"
)

// External is a dependency outside the mesh that the apps connect to. With the mesh's outbound
// policy REGISTRY_ONLY, the sidecars reach only what is declared, so each one becomes a
// ServiceEntry visible to the apps' namespace alone.
type External struct {
	Name string
	// Endpoints is a comma-separated list of host[:port] (a Kafka bootstrap list, a database
	// host); an Output when the dependency is provisioned. DefaultPort applies to bare hosts.
	Endpoints   pulumi.StringInput
	DefaultPort int
	// TLS: the client speaks TLS from the first byte, so the sidecar routes by SNI. Otherwise
	// plain TCP (also PostgreSQL, which negotiates TLS inside its own protocol).
	TLS bool
}

type (
	sePort struct {
		Number   int    `json:"number"`
		Name     string `json:"name"`
		Protocol string `json:"protocol"`
	}
	serviceEntrySpec struct {
		Hosts      []string `json:"hosts"`
		Addresses  []string `json:"addresses,omitempty"`
		Ports      []sePort `json:"ports"`
		Location   string   `json:"location"`
		Resolution string   `json:"resolution"`
		ExportTo   []string `json:"exportTo"`
	}
)

// serviceEntry builds the ServiceEntry for endpoints (already resolved). IP endpoints are
// matched by address under a synthetic host name, since Istio hosts must be names.
func serviceEntry(e External, endpoints string) (serviceEntrySpec, error) {
	spec := serviceEntrySpec{Location: "MESH_EXTERNAL", Resolution: "DNS", ExportTo: []string{"."}}
	hosts, ports := map[string]bool{}, map[int]bool{}
	for _, ep := range strings.Split(endpoints, ",") {
		ep = strings.TrimSpace(ep)
		if ep == "" {
			continue
		}
		host, port := ep, e.DefaultPort
		if h, p, err := net.SplitHostPort(ep); err == nil {
			n, err := strconv.Atoi(p)
			if err != nil {
				return spec, fmt.Errorf("external %s: bad port in %q", e.Name, ep)
			}
			host, port = h, n
		}
		if port < 1 || port > 65535 {
			return spec, fmt.Errorf("external %s: no port for %q", e.Name, ep)
		}
		if ip := net.ParseIP(host); ip != nil {
			spec.Addresses = append(spec.Addresses, ip.String())
			spec.Resolution = "NONE"
			host = e.Name + ".external.workfx"
		}
		if strings.HasPrefix(host, "*.") {
			// A wildcard cannot be resolved: the sidecar passes the connection on to the address
			// the app resolved, matched by SNI (so TLS only).
			if !e.TLS {
				return spec, fmt.Errorf("external %s: wildcard host %q needs TLS (it is matched by SNI)", e.Name, host)
			}
			spec.Resolution = "NONE"
		}
		hosts[host], ports[port] = true, true
	}
	if len(hosts) == 0 {
		return spec, fmt.Errorf("external %s: no endpoints", e.Name)
	}
	if spec.Resolution == "NONE" && len(spec.Addresses) == 0 {
		for h := range hosts {
			if !strings.HasPrefix(h, "*.") {
				return spec, fmt.Errorf("external %s: %q and wildcard hosts need separate entries (DNS and SNI resolution)", e.Name, h)
			}
		}
	}
	for h := range hosts {
		spec.Hosts = append(spec.Hosts, h)
	}
	sort.Strings(spec.Hosts)
	var ps []int
	for p := range ports {
		ps = append(ps, p)
	}
	sort.Ints(ps)
	proto := "TCP"
	if e.TLS {
		proto = "TLS"
	}
	for _, p := range ps {
		spec.Ports = append(spec.Ports, sePort{Number: p, Name: strings.ToLower(proto) + "-" + strconv.Itoa(p), Protocol: proto})
	}
	return spec, nil
}

// addExternal registers the ServiceEntry. Its spec waits for the endpoints (Outputs of a
// provisioned dependency) and is still the typed serviceEntrySpec.
func (r *renderer) addExternal(e External) {
	if r.err != nil {
		return
	}
	spec := e.Endpoints.ToStringOutput().ApplyT(func(eps string) (map[string]any, error) {
		s, err := serviceEntry(e, eps)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		return m, json.Unmarshal(b, &m)
	}).(pulumi.MapOutput)
	_, r.err = apiextensions.NewCustomResource(r.ctx, "se-"+e.Name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(networkingAPI),
		Kind:        pulumi.String("ServiceEntry"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(e.Name), Namespace: r.args.Namespace, Labels: kube.StringMap(r.args.Labels), Annotations: kube.Owned()},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, pulumi.Parent(r.parent), pulumi.DependsOn(r.args.CRDs))
}
