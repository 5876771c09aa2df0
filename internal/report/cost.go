package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/workfx/workfx-platform/internal/plan"
)

// HoursPerMonth is the cloud providers' billing month (8,760 h / 12), used by both price pages.
const HoursPerMonth = 730

// Unit is how a list price is quoted.
type Unit string

const (
	PerHour    Unit = "hour"
	PerMonth   Unit = "month"
	PerGBMonth Unit = "GB-month"
)

// Price is one row of a price table: a service's SKU in a region family, in USD.
type Price struct {
	Service string
	SKU     string
	Family  string
	USD     float64
	Unit    Unit
	// Usage names what the service bills on top of the monthly figure (traffic, operations,
	// stored GB), which the report cannot know from the plan.
	Usage  string
	Source string
}

// priceTable is one cloud's list prices: the date the figures were recorded, which regions
// share the same prices (a family), and the rows.
type priceTable struct {
	Cloud string
	AsOf  string
	// Regions maps a region name (normalised: lower case, no spaces) to its price family.
	Regions map[string]string
	// DefaultRegion prices resources whose region the plan does not say.
	DefaultRegion string
	Rows          []Price
}

func (t *priceTable) family(region string) (string, bool) {
	f, ok := t.Regions[normRegion(region)]
	return f, ok
}

func (t *priceTable) lookup(service, sku, family string) (Price, bool) {
	for _, p := range t.Rows {
		if p.Service == service && strings.EqualFold(p.SKU, sku) && p.Family == family {
			return p, true
		}
	}
	return Price{}, false
}

func normRegion(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// Cost is the monthly cost section.
type Cost struct {
	Currency      string           `json:"currency"`
	HoursPerMonth int              `json:"hoursPerMonth"`
	PriceTables   []PriceTableInfo `json:"priceTables"`
	Items         []CostItem       `json:"items"`
	Components    []ComponentCost  `json:"components"`
	// TotalMonthlyUSD sums the priced items; NotPriced counts the items left out of it.
	TotalMonthlyUSD float64 `json:"totalMonthlyUsd"`
	NotPriced       int     `json:"notPriced"`
}

// PriceTableInfo dates a price table.
type PriceTableInfo struct {
	Cloud string `json:"cloud"`
	AsOf  string `json:"asOf"`
}

// CostItem is one billable piece. When Priced is false, MonthlyUSD is absent from every total
// and Reason says why: the report never prices an unknown SKU as zero.
type CostItem struct {
	Component  string  `json:"component"`
	Resource   string  `json:"resource"`
	Type       string  `json:"type"`
	Item       string  `json:"item"`
	SKU        string  `json:"sku,omitempty"`
	Region     string  `json:"region,omitempty"`
	Quantity   float64 `json:"quantity"`
	Unit       Unit    `json:"unit,omitempty"`
	UnitUSD    float64 `json:"unitUsd"`
	MonthlyUSD float64 `json:"monthlyUsd"`
	Priced     bool    `json:"priced"`
	Reason     string  `json:"reason,omitempty"`
	Usage      string  `json:"usage,omitempty"`
	Note       string  `json:"note,omitempty"`
	Source     string  `json:"source,omitempty"`
}

// ComponentCost is the monthly figure of one top-level component.
type ComponentCost struct {
	Component  string  `json:"component"`
	MonthlyUSD float64 `json:"monthlyUsd"`
	NotPriced  int     `json:"notPriced"`
}

// pricer turns one resource into its billable items.
type pricer func(c *costCtx, r *plan.Resource) []CostItem

// costCtx resolves regions and prices for one plan.
type costCtx struct {
	config map[string]string
	// plan is the whole plan, for rules whose price depends on another resource (a node group's
	// launch template, an MSK cluster's storage auto scaling).
	plan *plan.Plan
	// providerRegions maps an explicit aws provider's URN to the region it deploys to.
	providerRegions map[string]string
}

// region returns a resource's region for a table, and a note when it had to be assumed.
func (c *costCtx) region(t *priceTable, r *plan.Resource) (string, string) {
	if t.Cloud == "azure" {
		if l := r.Str("location"); l != "" && l != "[unknown]" {
			return normRegion(l), ""
		}
		if l := c.config["azure-native:location"]; l != "" {
			return normRegion(l), ""
		}
	} else {
		// The explicit provider a resource was registered with decides its region (a provider
		// reference is "<provider URN>::<provider id>").
		if i := strings.LastIndex(r.Provider, "::"); i > 0 {
			if l := c.providerRegions[r.Provider[:i]]; l != "" {
				return normRegion(l), ""
			}
		}
		if l := c.config["aws:region"]; l != "" {
			return normRegion(l), ""
		}
	}
	return t.DefaultRegion, "region not in the plan or stack config; priced at " + t.DefaultRegion
}

// item prices qty units of a SKU for a resource. A missing price or region yields an unpriced
// item with the reason.
func (c *costCtx) item(t *priceTable, r *plan.Resource, service, sku string, qty float64, what string) CostItem {
	region, note := c.region(t, r)
	it := CostItem{Resource: r.Name, Type: r.Type, Item: what, SKU: sku, Region: region, Quantity: qty, Note: note}
	fam, ok := t.family(region)
	if !ok {
		it.Reason = fmt.Sprintf("region %s is not in the %s price table", region, t.Cloud)
		return it
	}
	if sku == "" {
		it.Reason = "the plan sets no SKU"
		return it
	}
	p, ok := t.lookup(service, sku, fam)
	if !ok {
		it.Reason = fmt.Sprintf("no %s price for %s %s in %s", t.Cloud, service, sku, region)
		return it
	}
	it.Priced, it.Unit, it.UnitUSD, it.Usage, it.Source = true, p.Unit, p.USD, p.Usage, p.Source
	it.MonthlyUSD = monthly(p, qty)
	return it
}

// monthly is the month's charge for qty units at a price.
func monthly(p Price, qty float64) float64 {
	if p.Unit == PerHour {
		return round2(p.USD * qty * HoursPerMonth)
	}
	return round2(p.USD * qty)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// notPriced is an item the report knows is billable but cannot price from the plan.
func notPriced(r *plan.Resource, what, reason string) CostItem {
	return CostItem{Resource: r.Name, Type: r.Type, Item: what, Reason: reason}
}

// pricers maps each billable type the program can provision to its pricing rule.
var pricers = map[string]pricer{}

// freeTypes are cloud resources with no charge of their own (their cost, if any, is billed on
// the resource that uses them, or they are configuration only).
var freeTypes = map[string]bool{}

// priceCloud reports whether a type belongs to a cloud the report prices.
func priceCloud(typ string) bool {
	return strings.HasPrefix(typ, "azure-native:") || strings.HasPrefix(typ, "aws:")
}

// ComputeCost prices every billable resource in the plan. config is the stack config
// ("aws:region", "azure-native:location" decide the price family when resources do not say).
func ComputeCost(p *plan.Plan, config map[string]string) *Cost {
	c := &costCtx{config: config, plan: p, providerRegions: map[string]string{}}
	out := &Cost{Currency: "USD", HoursPerMonth: HoursPerMonth, PriceTables: []PriceTableInfo{}, Items: []CostItem{}, Components: []ComponentCost{}}
	clouds := map[string]bool{}
	byURN := map[string]*plan.Resource{}
	for _, r := range p.Resources {
		byURN[r.URN] = r
		if r.Type == "pulumi:providers:aws" {
			c.providerRegions[r.URN] = r.Str("region")
		}
	}
	for _, r := range p.Resources {
		if !r.Custom || !priceCloud(r.Type) || freeTypes[baseType(r.Type)] {
			continue
		}
		var items []CostItem
		if f, ok := pricers[baseType(r.Type)]; ok {
			items = f(c, r)
		} else {
			items = []CostItem{notPriced(r, r.Type, "type not in the price table")}
		}
		clouds[strings.SplitN(r.Type, ":", 2)[0]] = true
		comp := componentOf(byURN, r)
		for i := range items {
			items[i].Component = comp
		}
		out.Items = append(out.Items, items...)
	}
	for _, it := range implicitItems(c, p) {
		it.Component = componentOf(byURN, byURN[it.urn])
		clouds[it.cloud] = true
		out.Items = append(out.Items, it.CostItem)
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if a.Component != b.Component {
			return a.Component < b.Component
		}
		return a.Resource < b.Resource
	})
	byComp := map[string]*ComponentCost{}
	for _, it := range out.Items {
		cc := byComp[it.Component]
		if cc == nil {
			cc = &ComponentCost{Component: it.Component}
			byComp[it.Component] = cc
		}
		if it.Priced {
			cc.MonthlyUSD = round2(cc.MonthlyUSD + it.MonthlyUSD)
			out.TotalMonthlyUSD = round2(out.TotalMonthlyUSD + it.MonthlyUSD)
		} else {
			cc.NotPriced++
			out.NotPriced++
		}
	}
	for _, cc := range byComp {
		out.Components = append(out.Components, *cc)
	}
	sort.Slice(out.Components, func(i, j int) bool { return out.Components[i].Component < out.Components[j].Component })
	for _, t := range []*priceTable{&azurePrices, &awsPrices} {
		prefix := map[string]string{"azure": "azure-native", "aws": "aws"}[t.Cloud]
		if clouds[prefix] {
			out.PriceTables = append(out.PriceTables, PriceTableInfo{Cloud: t.Cloud, AsOf: t.AsOf})
		}
	}
	return out
}

// componentOf names the top-level component a resource belongs to ("" parent chain → "(stack)").
func componentOf(byURN map[string]*plan.Resource, r *plan.Resource) string {
	top := ""
	for cur := byURN[r.Parent]; cur != nil; cur = byURN[cur.Parent] {
		if !cur.Custom {
			top = cur.Name
		}
	}
	if top == "" {
		return "(stack)"
	}
	return top
}

// dependents are the resources of a type that depend directly on r.
func (c *costCtx) dependents(r *plan.Resource, typ string) []*plan.Resource {
	var out []*plan.Resource
	for _, o := range c.plan.ByType(typ) {
		for _, d := range o.Dependencies {
			if d == r.URN {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// dependency is the resource of a type r depends on directly (nil when none).
func (c *costCtx) dependency(r *plan.Resource, typ string) *plan.Resource {
	for _, d := range r.Dependencies {
		if o := c.plan.ByURN(d); o != nil && o.Type == typ {
			return o
		}
	}
	return nil
}

// Input helpers for pricing rules.

func inputInt(r *plan.Resource, path string) (int64, bool) {
	v, _ := r.Input(path)
	n, ok := v.(int64)
	return n, ok
}

func inputBool(r *plan.Resource, path string) bool {
	v, _ := r.Input(path)
	b, _ := v.(bool)
	return b
}

func asInt(v any) (int64, bool) {
	n, ok := v.(int64)
	return n, ok
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
