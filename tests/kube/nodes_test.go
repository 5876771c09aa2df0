package kube

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/workfx/workfx-platform/tests/kube/localcluster"
)

// machineSizes maps the VM sizes and instance types the program provisions to cores and GiB.
var machineSizes = map[string][2]int{
	// Azure
	"standard_b2s": {2, 4}, "standard_b2ms": {2, 8}, "standard_b4ms": {4, 16}, "standard_b8ms": {8, 32},
	"standard_d2s_v3": {2, 8}, "standard_d4s_v3": {4, 16}, "standard_d8s_v3": {8, 32}, "standard_d16s_v3": {16, 64},
	"standard_d2s_v5": {2, 8}, "standard_d4s_v5": {4, 16}, "standard_d8s_v5": {8, 32}, "standard_d16s_v5": {16, 64},
	"standard_d2as_v5": {2, 8}, "standard_d4as_v5": {4, 16}, "standard_d8as_v5": {8, 32}, "standard_d16as_v5": {16, 64},
	"standard_d2ds_v5": {2, 8}, "standard_d4ds_v5": {4, 16}, "standard_d8ds_v5": {8, 32},
	"standard_e2s_v5": {2, 16}, "standard_e4s_v5": {4, 32}, "standard_e8s_v5": {8, 64},
	"standard_f2s_v2": {2, 4}, "standard_f4s_v2": {4, 8}, "standard_f8s_v2": {8, 16},
	// AWS
	"t3.medium": {2, 4}, "t3.large": {2, 8}, "t3.xlarge": {4, 16}, "t3.2xlarge": {8, 32},
	"t3a.medium": {2, 4}, "t3a.large": {2, 8}, "t3a.xlarge": {4, 16},
}

// awsFamilies gives GiB per vCPU of the general AWS families (m: 4, c: 2, r: 8), whose sizes
// follow large = 2 vCPU, xlarge = 4, Nxlarge = 4N.
var awsFamily = regexp.MustCompile(`^([mcr])(\d+)([a-z]*)\.(large|xlarge|(\d+)xlarge)$`)

func machineSize(name string) (cpu, memGiB int, err error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if s, ok := machineSizes[n]; ok {
		return s[0], s[1], nil
	}
	if m := awsFamily.FindStringSubmatch(n); m != nil {
		perCPU := map[string]int{"m": 4, "c": 2, "r": 8}[m[1]]
		switch {
		case m[4] == "large":
			cpu = 2
		case m[4] == "xlarge":
			cpu = 4
		default:
			k, _ := strconv.Atoi(m[5])
			cpu = 4 * k
		}
		return cpu, cpu * perCPU, nil
	}
	return 0, 0, fmt.Errorf("machine size %q is not in tests/kube/nodes_test.go's table; add its vCPUs and GiB", name)
}

// nodePools reads the node pools a stack provisions from its plan.json: AKS agent pools
// (ManagedCluster.agentPoolProfiles or AgentPool resources: vmSize, count/minCount,
// availabilityZones) and EKS node groups (instanceTypes, scalingConfig.desiredSize). A stack
// that provisions no cluster gets localcluster.KAMinimum.
func nodePools(pd *planDoc) ([]localcluster.Pool, error) {
	var pools []localcluster.Pool
	add := func(kind, name string, p map[string]any, sizeKey string, countKeys ...string) error {
		size := str(p[sizeKey])
		if size == "" {
			if its, ok := p["instanceTypes"].([]any); ok && len(its) > 0 {
				size = str(its[0])
			}
		}
		if size == "" {
			return fmt.Errorf("%s %s: no %s", kind, name, sizeKey)
		}
		cpu, mem, err := machineSize(size)
		if err != nil {
			return fmt.Errorf("%s %s: %w", kind, name, err)
		}
		count := 0
		for _, k := range countKeys {
			if c := num(dig(p, k)); c > 0 {
				count = c
				break
			}
		}
		if count == 0 {
			return fmt.Errorf("%s %s: no node count in %v", kind, name, countKeys)
		}
		var zones []string
		if zs, ok := p["availabilityZones"].([]any); ok {
			for _, z := range zs {
				zones = append(zones, "zone-"+str(z))
			}
		}
		if len(zones) == 0 {
			// Node groups spread over the subnets' zones; simulate two.
			zones = []string{"zone-1", "zone-2"}
		}
		pools = append(pools, localcluster.Pool{Name: sanitize(name), Count: count, CPU: cpu, MemGiB: mem, Zones: zones,
			Source: fmt.Sprintf("%s %s: %s x %d", kind, name, size, count)})
		return nil
	}
	for _, r := range pd.Resources {
		var err error
		switch unversionedType(r.Type) {
		case "azure-native:containerservice:ManagedCluster":
			profiles, _ := r.Inputs["agentPoolProfiles"].([]any)
			for i, p := range profiles {
				pm, _ := p.(map[string]any)
				name := str(pm["name"])
				if name == "" {
					name = fmt.Sprintf("%s-pool%d", r.Name, i)
				}
				if err = add("AKS agent pool", name, pm, "vmSize", "count", "minCount"); err != nil {
					break
				}
			}
		case "azure-native:containerservice:AgentPool":
			name := str(r.Inputs["agentPoolName"])
			if name == "" {
				name = r.Name
			}
			err = add("AKS agent pool", name, r.Inputs, "vmSize", "count", "minCount")
		case "aws:eks/nodeGroup:NodeGroup":
			name := str(r.Inputs["nodeGroupName"])
			if name == "" {
				name = r.Name
			}
			err = add("EKS node group", name, r.Inputs, "instanceTypes", "scalingConfig.desiredSize", "scalingConfig.minSize")
		}
		if err != nil {
			return nil, err
		}
	}
	if len(pools) == 0 {
		return []localcluster.Pool{localcluster.KAMinimum}, nil
	}
	sort.Slice(pools, func(i, j int) bool { return pools[i].Name < pools[j].Name })
	return pools, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case int64:
		return int(x)
	case int:
		return x
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// dig reads a dotted path of nested maps.
func dig(m map[string]any, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[part]
	}
	return cur
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

func sanitize(s string) string {
	return strings.Trim(nonName.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// TestNodePools checks the sizing table and plan.json readers on the shapes the cloud
// backends register (offline: no cluster needed).
func TestNodePools(t *testing.T) {
	pd := &planDoc{}
	pools, err := nodePools(pd)
	if err != nil || len(pools) != 1 || pools[0].Count != 2 || pools[0].CPU != 2 || pools[0].MemGiB != 4 || len(pools[0].Zones) != 2 {
		t.Fatalf("no cluster: want the ka minimum, got %+v, %v", pools, err)
	}
	pd.Resources = append(pd.Resources,
		struct {
			Type   string         `json:"type"`
			Name   string         `json:"name"`
			Inputs map[string]any `json:"inputs"`
		}{Type: "azure-native:containerservice/v20240901:ManagedCluster", Name: "aks", Inputs: map[string]any{ // the API version the program registers
			"agentPoolProfiles": []any{map[string]any{"name": "system", "vmSize": "Standard_D4s_v5", "count": float64(3), "availabilityZones": []any{"1", "2", "3"}}},
		}},
		struct {
			Type   string         `json:"type"`
			Name   string         `json:"name"`
			Inputs map[string]any `json:"inputs"`
		}{Type: "aws:eks/nodeGroup:NodeGroup", Name: "ng", Inputs: map[string]any{
			"instanceTypes": []any{"m6i.2xlarge"}, "scalingConfig": map[string]any{"desiredSize": float64(2), "minSize": float64(1)},
		}})
	pools, err = nodePools(pd)
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 2 {
		t.Fatalf("want 2 pools, got %+v", pools)
	}
	if p := pools[0]; p.Name != "ng" || p.Count != 2 || p.CPU != 8 || p.MemGiB != 32 {
		t.Errorf("EKS node group: got %+v", p)
	}
	if p := pools[1]; p.Name != "system" || p.Count != 3 || p.CPU != 4 || p.MemGiB != 16 || len(p.Zones) != 3 {
		t.Errorf("AKS agent pool: got %+v", p)
	}
	if got := len(localcluster.Nodes(pools)); got != 5 {
		t.Errorf("want 5 nodes, got %d", got)
	}
	if _, _, err := machineSize("Standard_Unknown_v9"); err == nil || !strings.Contains(err.Error(), "Standard_Unknown_v9") {
		t.Errorf("unknown size must fail naming it, got %v", err)
	}
}

// unversionedType drops an explicit API version from a type token
// ("azure-native:containerservice/v20240901:ManagedCluster" → "azure-native:containerservice:ManagedCluster"):
// the program registers AKS through an explicit API version, and its pools size the nodes all the same.
func unversionedType(t string) string {
	parts := strings.SplitN(t, ":", 3)
	if len(parts) != 3 {
		return t
	}
	module, version, ok := strings.Cut(parts[1], "/")
	if !ok || len(version) < 2 || version[0] != 'v' || version[1] < '0' || version[1] > '9' {
		return t // not an API version: aws:eks/nodeGroup:NodeGroup keeps its module path
	}
	return parts[0] + ":" + module + ":" + parts[2]
}
