package report

import (
	"fmt"

	"github.com/workfx/workfx-platform/internal/plan"
)

// implicitItem is a billable cloud resource the plan does not register itself: the cloud
// creates it on the program's behalf (AKS's own load balancer and outbound IP, the load
// balancer behind a Kubernetes Service of type LoadBalancer). Only a cluster the program
// provisions counts: in an existing cluster these are the customer's.
type implicitItem struct {
	CostItem
	urn   string // the resource that causes it (for the component)
	cloud string // "azure-native" or "aws"
}

func implicitItems(c *costCtx, p *plan.Plan) []implicitItem {
	var out []implicitItem
	lbServices := loadBalancerServices(p)
	for _, aks := range p.Resources {
		if baseType(aks.Type) != "azure-native:containerservice:ManagedCluster" {
			continue // any API version of the cluster
		}
		switch ot := aks.Str("networkProfile.outboundType"); ot {
		case "", "loadBalancer":
			ips, ok := inputInt(aks, "networkProfile.loadBalancerProfile.managedOutboundIPs.count")
			if !ok {
				ips = 1
			}
			out = append(out,
				implicitItem{c.item(&azurePrices, aks, "load-balancer", "Standard", 1, "AKS-managed load balancer (egress and LoadBalancer Services)"), aks.URN, "azure-native"},
				implicitItem{c.item(&azurePrices, aks, "public-ip", "Standard", float64(ips), fmt.Sprintf("AKS outbound public IPs: %d", ips)), aks.URN, "azure-native"})
		}
		for _, svc := range lbServices {
			if svc.internal["service.beta.kubernetes.io/azure-load-balancer-internal"] == "true" {
				continue // a private frontend on the AKS internal load balancer
			}
			it := c.item(&azurePrices, aks, "public-ip", "Standard", 1, "public IP of LoadBalancer Service "+svc.name)
			it.Resource, it.Type = svc.r.Name, svc.r.Type
			out = append(out, implicitItem{it, svc.r.URN, "azure-native"})
		}
	}
	for _, eks := range p.ByType("aws:eks/cluster:Cluster") {
		for _, svc := range lbServices {
			kind := "classic" // the in-tree controller's default
			switch svc.internal["service.beta.kubernetes.io/aws-load-balancer-type"] {
			case "nlb", "external", "nlb-ip":
				kind = "network"
			}
			it := c.item(&awsPrices, eks, "elb", kind, 1, kind+" load balancer of LoadBalancer Service "+svc.name)
			it.Resource, it.Type = svc.r.Name, svc.r.Type
			out = append(out, implicitItem{it, svc.r.URN, "aws"})
		}
	}
	return out
}

type lbService struct {
	r        *plan.Resource
	name     string
	internal map[string]string // the Service's annotations
}

// loadBalancerServices are the Services of type LoadBalancer the plan creates: Kubernetes
// Service objects, and Istio gateway Helm releases (whose chart defaults to one).
func loadBalancerServices(p *plan.Plan) []lbService {
	var out []lbService
	for _, r := range p.ByType("kubernetes:core/v1:Service") {
		if r.Str("spec.type") == "LoadBalancer" {
			out = append(out, lbService{r: r, name: r.Str("metadata.namespace") + "/" + r.Str("metadata.name"), internal: stringMap(r, "metadata.annotations")})
		}
	}
	for _, r := range helmReleases(p) {
		if chartName(r) != "gateway" {
			continue
		}
		if t := r.Str("values.service.type"); t != "" && t != "LoadBalancer" {
			continue
		}
		out = append(out, lbService{r: r, name: r.Str("namespace") + "/" + r.Name + " (gateway chart)", internal: stringMap(r, "values.service.annotations")})
	}
	return out
}

func stringMap(r *plan.Resource, path string) map[string]string {
	v, _ := r.Input(path)
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
