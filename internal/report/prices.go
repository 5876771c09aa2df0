package report

import (
	"embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

// The price books are data (prices/<cloud>.yaml): a dated list-price table per cloud, each group
// of SKUs with the page it was read from. The header of each file says how to check and update
// it; a SKU missing there is reported as "not priced", never guessed in code.
//
//go:embed prices/*.yaml
var priceFiles embed.FS

var (
	azurePrices = mustLoadPrices("prices/azure.yaml")
	awsPrices   = mustLoadPrices("prices/aws.yaml")
)

// priceBook is the YAML form of a priceTable.
type priceBook struct {
	Cloud         string            `yaml:"cloud"`
	AsOf          string            `yaml:"asOf"`
	DefaultRegion string            `yaml:"defaultRegion"`
	Regions       map[string]string `yaml:"regions"`
	Groups        []struct {
		Service  string             `yaml:"service"`
		Unit     Unit               `yaml:"unit"`
		Usage    string             `yaml:"usage"`
		Source   string             `yaml:"source"`
		Families []string           `yaml:"families"`
		USD      map[string]float64 `yaml:"usd"`
	} `yaml:"groups"`
}

func mustLoadPrices(name string) priceTable {
	t, err := loadPrices(name)
	if err != nil {
		panic(err) // embedded data; TestPriceBooksLoad reports it first
	}
	return t
}

func loadPrices(name string) (priceTable, error) {
	b, err := priceFiles.ReadFile(name)
	if err != nil {
		return priceTable{}, err
	}
	var book priceBook
	if err := yaml.Unmarshal(b, &book); err != nil {
		return priceTable{}, fmt.Errorf("%s: %w", name, err)
	}
	t := priceTable{Cloud: book.Cloud, AsOf: book.AsOf, Regions: book.Regions, DefaultRegion: book.DefaultRegion}
	for i, g := range book.Groups {
		switch {
		case g.Service == "" || g.Source == "" || len(g.Families) == 0 || len(g.USD) == 0:
			return priceTable{}, fmt.Errorf("%s: group %d (%q) needs service, source, families and usd", name, i, g.Service)
		case g.Unit != PerHour && g.Unit != PerMonth && g.Unit != PerGBMonth:
			return priceTable{}, fmt.Errorf("%s: group %q: unit must be hour, month or GB-month, got %q", name, g.Service, g.Unit)
		}
		for _, fam := range g.Families {
			for sku, usd := range g.USD {
				t.Rows = append(t.Rows, Price{Service: g.Service, SKU: sku, Family: fam, USD: usd, Unit: g.Unit, Usage: g.Usage, Source: g.Source})
			}
		}
	}
	if t.Cloud == "" || t.AsOf == "" || t.DefaultRegion == "" || len(t.Regions) == 0 {
		return priceTable{}, fmt.Errorf("%s: needs cloud, asOf, defaultRegion and regions", name)
	}
	if _, ok := t.Regions[t.DefaultRegion]; !ok {
		return priceTable{}, fmt.Errorf("%s: defaultRegion %s is not in regions", name, t.DefaultRegion)
	}
	return t, nil
}
