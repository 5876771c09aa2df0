// Package report answers, offline and from the plan alone, the three questions asked before a
// change is approved: how long the first `pulumi up` takes (critical path over the plan's
// dependency graph), what it costs per month (dated list prices per SKU), and how much of the
// cluster it takes (requests and limits of every pod).
package report

import (
	"fmt"

	"github.com/workfx/workfx-platform/internal/plan"
)

// Report is the `report` section of plan.json and the output of `plan --report --json`.
type Report struct {
	Project   string      `json:"project"`
	Stack     string      `json:"stack"`
	Deploy    *DeployTime `json:"deploy"`
	Cost      *Cost       `json:"cost"`
	Footprint *Footprint  `json:"footprint"`
}

// Build computes the report. config is the stack's raw config ("aws:region",
// "azure-native:location"), used when resources do not name their region.
func Build(p *plan.Plan, config map[string]string) (*Report, error) {
	d, err := Deploy(p)
	if err != nil {
		return nil, fmt.Errorf("deploy time: %w", err)
	}
	f, err := ComputeFootprint(p)
	if err != nil {
		return nil, fmt.Errorf("footprint: %w", err)
	}
	return &Report{Project: p.Project, Stack: p.Stack, Deploy: d, Cost: ComputeCost(p, config), Footprint: f}, nil
}
