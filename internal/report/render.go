package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people: deploy time, monthly cost, footprint.
func (r *Report) WriteText(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "Report for %s/%s\n", r.Project, r.Stack)
	writeDeploy(b, r.Deploy)
	writeCost(b, r.Cost)
	writeFootprint(b, r.Footprint)
	_, err := io.WriteString(w, b.String())
	return err
}

func table(b *strings.Builder, rows [][]string) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, "    "+strings.Join(row, "\t"))
	}
	tw.Flush()
}

func writeDeploy(b *strings.Builder, d *DeployTime) {
	fmt.Fprintln(b, "\nDeploy time (first `pulumi up`, estimated from typical create times)")
	fmt.Fprintf(b, "  Wall time:   %s (critical path: independent resources are created in parallel)\n", FormatSeconds(d.WallSeconds))
	fmt.Fprintf(b, "  Serial sum:  %s (every create one after another)\n", FormatSeconds(d.SerialSeconds))
	fmt.Fprintln(b, "  Critical path:")
	rows := [][]string{{"at", "takes", "resource", "source"}}
	for _, s := range d.Chain {
		rows = append(rows, []string{FormatSeconds(s.StartSeconds), FormatSeconds(s.Seconds), s.Type + " " + s.Name, s.Source})
	}
	table(b, rows)
	fmt.Fprintln(b, "  Create times used:")
	rows = [][]string{{"count", "each", "type", "source"}}
	for _, t := range d.Types {
		rows = append(rows, []string{fmt.Sprint(t.Count), FormatSeconds(t.Seconds), t.Type, t.Source})
	}
	table(b, rows)
}

func writeCost(b *strings.Builder, c *Cost) {
	fmt.Fprintf(b, "\nMonthly cost (%s list prices, %d h/month)\n", c.Currency, c.HoursPerMonth)
	if len(c.Items) == 0 {
		fmt.Fprintln(b, "  No billable cloud resources: the program provisions nothing outside the cluster.")
		return
	}
	var dates []string
	for _, t := range c.PriceTables {
		dates = append(dates, t.Cloud+" as of "+t.AsOf)
	}
	fmt.Fprintf(b, "  Price tables: %s\n", strings.Join(dates, ", "))
	rows := [][]string{{"component", "item", "region", "unit price", "monthly", "source"}}
	var notes []string
	for _, it := range c.Items {
		if !it.Priced {
			rows = append(rows, []string{it.Component, it.Item, it.Region, "-", "not priced", it.Reason})
			continue
		}
		rows = append(rows, []string{it.Component, it.Item, it.Region,
			fmt.Sprintf("$%s/%s", strconv.FormatFloat(it.UnitUSD, 'f', -1, 64), it.Unit), money(it.MonthlyUSD), it.Source})
		if it.Usage != "" {
			notes = append(notes, fmt.Sprintf("%s %s: plus %s", it.Component, it.Item, it.Usage))
		}
		if it.Note != "" {
			notes = append(notes, fmt.Sprintf("%s %s: %s", it.Component, it.Item, it.Note))
		}
	}
	table(b, rows)
	fmt.Fprintln(b, "  Per component:")
	rows = nil
	for _, cc := range c.Components {
		row := []string{cc.Component, money(cc.MonthlyUSD)}
		if cc.NotPriced > 0 {
			row = append(row, fmt.Sprintf("+ %d not priced", cc.NotPriced))
		}
		rows = append(rows, row)
	}
	table(b, rows)
	total := fmt.Sprintf("  Total: %s per month", money(c.TotalMonthlyUSD))
	if c.NotPriced > 0 {
		total += fmt.Sprintf(" + %d %s not priced (listed above; not counted as zero)", c.NotPriced, pluralItems(c.NotPriced))
	}
	fmt.Fprintln(b, total)
	if len(notes) > 0 {
		fmt.Fprintln(b, "  Usage-based charges and notes (not in the total):")
		for _, n := range notes {
			fmt.Fprintln(b, "    - "+n)
		}
	}
}

func pluralItems(n int) string {
	if n == 1 {
		return "item"
	}
	return "items"
}

func writeFootprint(b *strings.Builder, f *Footprint) {
	fmt.Fprintln(b, "\nIn-cluster footprint (requests / limits)")
	if len(f.Namespaces) == 0 {
		fmt.Fprintln(b, "  The program runs no pods.")
		return
	}
	rows := [][]string{{"namespace / workload", "pods", "CPU req", "CPU lim", "mem req", "mem lim", "per pod (req / lim)", "source"}}
	for _, n := range f.Namespaces {
		rows = append(rows, append([]string{n.Namespace, fmt.Sprint(n.Pods)}, resourceCells(n.Total)...))
		for _, wl := range n.Workloads {
			c := resourceCells(wl.PerPod)
			per := fmt.Sprintf("%s / %s CPU, %s / %s", c[0], c[1], c[2], c[3])
			pods := fmt.Sprint(wl.Replicas)
			if wl.MaxReplicas > wl.Replicas {
				pods += fmt.Sprintf(" (max %d)", wl.MaxReplicas)
			}
			rows = append(rows, append(append([]string{"  " + wl.Name, pods}, resourceCells(wl.Total)...), per, wl.Source))
		}
	}
	rows = append(rows, append([]string{"total", fmt.Sprint(totalPods(f))}, resourceCells(f.Total)...))
	table(b, rows)
	if f.AtMaxReplicas != f.Total {
		fmt.Fprintf(b, "  At every autoscaler's maxReplicas: requests %s CPU / %s, limits %s CPU / %s.\n",
			FormatCPU(f.AtMaxReplicas.RequestCPUMilli), FormatMemory(f.AtMaxReplicas.RequestMemory),
			FormatCPU(f.AtMaxReplicas.LimitCPUMilli), FormatMemory(f.AtMaxReplicas.LimitMemory))
	}
	if f.SidecarSource != "" {
		fmt.Fprintf(b, "  Sidecar: %s.\n", f.SidecarSource)
	}
	if m := f.Minimum; m != nil {
		verdict := "fit in"
		if !m.FitsRequests {
			verdict = "do NOT fit in"
		}
		fmt.Fprintf(b, "  Customer cluster minimum: %s CPU / %s (%s)\n", FormatCPU(m.CPUMilli), FormatMemory(m.Memory), m.Source)
		fmt.Fprintf(b, "  The requests (%s CPU / %s) %s it", FormatCPU(f.Total.RequestCPUMilli), FormatMemory(f.Total.RequestMemory), verdict)
		if !m.FitsRequests {
			fmt.Fprintf(b, " (short by %s CPU / %s)", FormatCPU(max(0, f.Total.RequestCPUMilli-m.CPUMilli)), FormatMemory(max(0, f.Total.RequestMemory-m.Memory)))
		}
		fmt.Fprintln(b, "; node allocatable is below node capacity, so leave headroom.")
	}
	if len(f.Unbounded) > 0 {
		fmt.Fprintln(b, "  Without a request or limit (not in the totals, and not zero):")
		for _, u := range f.Unbounded {
			fmt.Fprintln(b, "    - "+u)
		}
	}
	if len(f.NotCounted) > 0 {
		fmt.Fprintln(b, "  Not counted:")
		for _, u := range f.NotCounted {
			fmt.Fprintln(b, "    - "+u)
		}
	}
}

func totalPods(f *Footprint) int {
	n := 0
	for _, ns := range f.Namespaces {
		n += ns.Pods
	}
	return n
}

// resourceCells renders requests and limits; "-" is none set (listed under "without a request
// or limit"), which a zero would misstate.
func resourceCells(r Resources) []string {
	cpu := func(m int64) string {
		if m == 0 {
			return "-"
		}
		return FormatCPU(m)
	}
	mem := func(b int64) string {
		if b == 0 {
			return "-"
		}
		return FormatMemory(b)
	}
	return []string{cpu(r.RequestCPUMilli), cpu(r.LimitCPUMilli), mem(r.RequestMemory), mem(r.LimitMemory)}
}

// FormatSeconds renders a duration as 45s, 3m07s or 1h02m03s.
func FormatSeconds(s int) string {
	h, m, sec := s/3600, s%3600/60, s%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}

// FormatCPU renders millicores as cores ("2.5", "0.25", "12").
func FormatCPU(milli int64) string {
	s := fmt.Sprintf("%.3f", float64(milli)/1000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// FormatMemory renders bytes in GiB (two decimals) or MiB below 1 GiB.
func FormatMemory(bytes int64) string {
	if bytes >= 1<<30 {
		s := fmt.Sprintf("%.2f", float64(bytes)/(1<<30))
		return strings.TrimRight(strings.TrimRight(s, "0"), ".") + " GiB"
	}
	s := fmt.Sprintf("%.1f", float64(bytes)/(1<<20))
	return strings.TrimSuffix(s, ".0") + " MiB"
}

func money(usd float64) string {
	return fmt.Sprintf("$%.2f", usd)
}
