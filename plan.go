package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/workfx/workfx-platform/config"
	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/internal/report"
	"github.com/workfx/workfx-platform/stacks"
)

// planCommand runs the program offline and writes what it would deploy. Exit codes: 0 ok,
// 1 invalid config or program error, 2 bad usage.
func planCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack name (reads Pulumi.<stack>.yaml)")
	out := fs.String("out", "", "output directory (default out/<stack>)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	showSecrets := fs.Bool("show-secrets", false, "show secret values")
	dir := fs.String("dir", ".", "project directory")
	file := fs.String("file", "", "stack-format config file (default <dir>/Pulumi.<stack>.yaml)")
	withReport := fs.Bool("report", false, "add the deploy-time, monthly-cost and footprint report (also to plan.json)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "plan: --stack is required")
		return 2
	}
	if *out == "" {
		*out = filepath.Join("out", *stack)
	}

	if *file == "" {
		*file = filepath.Join(*dir, "Pulumi."+*stack+".yaml")
	}
	sc, err := plan.LoadStackFile(*dir, *stack, *file)
	if err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	// Validate first: a config error prints every problem and registers nothing.
	cfg, err := config.Load(sc.Raw)
	if err != nil {
		fmt.Fprintf(stderr, "stack %s: %v\n", *stack, err)
		return 1
	}
	// Placeholders plan offline but stop `pulumi preview` and `up`: say so up front.
	if blockers := cfg.DeployBlockers(); len(blockers) > 0 {
		fmt.Fprintf(stderr, "stack %s: planned, but `pulumi preview` and `up` refuse it as is (%d placeholder", *stack, len(blockers))
		if len(blockers) != 1 {
			fmt.Fprint(stderr, "s")
		}
		fmt.Fprintln(stderr, "):")
		for _, b := range blockers {
			fmt.Fprintf(stderr, "  - %s: %s\n", b.Key, b.Message)
		}
	}
	p, err := plan.Run(sc, stacks.Run, nil)
	if err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			fmt.Fprintf(stderr, "stack %s: %v\n", *stack, cerr)
		} else {
			fmt.Fprintf(stderr, "stack %s: program failed: %v\n", *stack, err)
		}
		return 1
	}

	var rep *report.Report
	if *withReport {
		if rep, err = report.Build(p, sc.Raw); err != nil {
			fmt.Fprintf(stderr, "stack %s: report: %v\n", *stack, err)
			return 1
		}
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	n, err := p.WriteManifests(*out, *showSecrets)
	if err == nil {
		err = writePlanJSON(p, filepath.Join(*out, "plan.json"), *showSecrets, cfg, rep)
	}
	var rels []plan.Release
	if err == nil {
		rels, err = p.WriteReleases(*out, *showSecrets)
	}
	if err != nil {
		fmt.Fprintf(stderr, "plan: writing output: %v\n", err)
		return 1
	}

	s := plan.Summary{Project: p.Project, Stack: p.Stack, Resources: len(p.Resources), ByType: p.CountByType(),
		Dependencies: cfg.Modes(), Manifests: n, Releases: rels, OutDir: *out}
	if rep != nil {
		s.Report = rep
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s)
		return 0
	}
	s.Print(stdout)
	if rep != nil {
		fmt.Fprintln(stdout)
		_ = rep.WriteText(stdout)
	}
	return 0
}

func writePlanJSON(p *plan.Plan, path string, showSecrets bool, cfg *config.Config, rep *report.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The customer's Secrets the program reads: what must exist before the first up (the
	// real-cluster suite creates exactly these).
	extra := map[string]any{"dependencies": cfg.Modes(), "customerSecrets": cfg.CustomerSecrets()}
	if blockers := cfg.DeployBlockers(); len(blockers) > 0 {
		// What must be replaced before the first `pulumi up` (config.DeployBlockers).
		extra["deployBlockers"] = blockers
	}
	if rep != nil {
		extra["report"] = rep
	}
	return p.WriteJSON(f, showSecrets, extra)
}
