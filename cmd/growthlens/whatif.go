package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/driver"
)

// whatifFlags are the flags of "whatif".
type whatifFlags struct {
	data    string
	scope   string
	changes []string
	jsonOut bool
	monthly bool
	opt     driver.Options
}

func newWhatifCmd(a *app) *cobra.Command {
	var f whatifFlags
	d := driver.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "whatif --data DIR [--scope region:East] --change DRIVER=±N[%] [--change …]",
		Short: "Predict how growth changes when drivers change (marketing +15 %, first response −50 % …)",
		Long: `whatif fits the driver model — quarterly revenue growth regressed on lagged changes of
marketing spend, sales headcount, reimbursement days, supply lead days and first-response
hours, pooled over regions (or teams), penalty chosen by rolling-origin validation, intervals
from a block bootstrap — prints each driver's estimated effect, then the predicted change in
growth for the scenario, with intervals.

A change is DRIVER=+15% (relative to the scope's current level, its last complete quarter) or
DRIVER=-2 (in the driver's unit: days, hours, employees, currency). Drivers: marketing_spend,
sales_headcount, reimbursement_days, supply_lead_days, first_response_hours. Win rate and churn
are mediators, not drivers: change the drivers behind them.

--scope is company (all regions together, the default), region:NAME or team:ID; a team scope
fits the model on the team panel, where spend, supply lead time and first response (tickets
belong to support teams) are not available.

--monthly reads the drivers month by month (quarterly growth on the monthly changes of the
quarter and the --lags quarters before it, default 2): it removes the bias that quarterly
means give a driver whose effect comes a month or two after it moves, but needs a large
company (many regions × years) for its wider set of coefficients.`,
		Example: `  growthlens whatif --data var/default --change marketing_spend=+15% --change first_response_hours=-50%
  growthlens whatif --data var/default --scope region:East --change supply_lead_days=-2 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWhatif(a, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "dataset directory (canonical CSV tables; required)")
	fl.StringVar(&f.scope, "scope", "company", "company, region:NAME or team:ID")
	fl.StringArrayVar(&f.changes, "change", nil, "driver change, DRIVER=+15% or DRIVER=-2 (repeatable; at least one)")
	fl.BoolVar(&f.jsonOut, "json", false, "print one JSON object")
	fl.Uint64Var(&f.opt.Seed, "seed", 1, "bootstrap seed")
	fl.IntVar(&f.opt.Replicates, "replicates", d.Replicates, "bootstrap replicates (at least 100)")
	fl.IntVar(&f.opt.Lags, "lags", 0, "highest lag of the driver changes, in quarters (default 1, or 2 with --monthly)")
	fl.BoolVar(&f.monthly, "monthly", false, "read the drivers month by month (mixed-frequency model)")
	fl.StringVar(&f.opt.Shrink, "shrink", d.Shrink, "what the penalty falls on: shape (how effects spread over lags) or all")
	fl.Float64Var(&f.opt.L1Ratio, "l1-ratio", 0, "penalty mix: 0 ridge, 1 lasso, between elastic net")
	fl.Float64Var(&f.opt.Level, "level", d.Level, "confidence level of the intervals")
	return cmd
}

// parseScope reads company, region:NAME or team:ID into a panel level and a scope id.
func parseScope(s string) (features.Level, string, error) {
	if s == "" || s == "company" {
		return features.Region, "", nil
	}
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return "", "", fmt.Errorf("--scope %q: want company, region:NAME or team:ID", s)
	}
	switch features.Level(kind) {
	case features.Region, features.Team:
		return features.Level(kind), id, nil
	}
	return "", "", fmt.Errorf("--scope %q: want company, region:NAME or team:ID", s)
}

// whatifJSON is the --json output.
type whatifJSON struct {
	Model    *driver.Model   `json:"model"`
	Scenario *driver.Outcome `json:"scenario"`
	Seconds  float64         `json:"seconds"`
}

func runWhatif(a *app, f whatifFlags) error {
	start := time.Now()
	if f.data == "" {
		return usageErr("--data is required")
	}
	if len(f.changes) == 0 {
		return usageErr("at least one --change is required, e.g. --change marketing_spend=+15%%")
	}
	level, scope, err := parseScope(f.scope)
	if err != nil {
		return exitError{code: 2, err: err}
	}
	sc := driver.Scenario{Scope: scope}
	for _, s := range f.changes {
		c, err := driver.ParseChange(s)
		if err != nil {
			return usageErr("--change: %w", err)
		}
		sc.Changes = append(sc.Changes, c)
	}
	ds, _, err := datasets.Load(f.data)
	if err != nil {
		return err
	}
	p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: level})
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		a.log.Debug(w)
	}
	var m *driver.Model
	if f.monthly {
		mp, err := features.Build(ds, features.Options{Grain: datasets.Month, Level: level})
		if err != nil {
			return err
		}
		m, err = driver.FitMixed(p, mp, f.opt)
		if err != nil {
			return err
		}
	} else if m, err = driver.Fit(p, f.opt); err != nil {
		return err
	}
	for _, n := range m.Notes {
		a.log.Warn(n)
	}
	out, err := m.WhatIf(sc)
	if err != nil {
		return err
	}
	if f.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(whatifJSON{Model: m, Scenario: out, Seconds: time.Since(start).Seconds()})
	}
	return printWhatif(a.stdout, m, out, f.scope)
}

func printWhatif(w io.Writer, m *driver.Model, out *driver.Outcome, scope string) error {
	pct := 100 * m.Level
	fmt.Fprintf(w, "Driver model: %d %s-quarters (%d %ss, %s–%s), penalty %.3g (shrink %s), %d bootstrap replicates\n\n",
		m.Observations, m.ScopeLevel, len(m.Scopes), m.ScopeLevel, m.First, m.Last, m.Penalty, m.Shrink, m.Replicates)
	fmt.Fprintf(w, "Sustained effect on log revenue per unit of a lasting change (%g %% intervals):\n", pct)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "driver\trole\tper\teffect\tlower\tupper\t"
	for l := 0; l <= m.Lags; l++ {
		header += fmt.Sprintf("lag %d\t", l)
	}
	fmt.Fprintln(tw, header)
	for _, e := range m.Effects {
		per := e.Unit
		if e.Scale == driver.Log {
			per = "log " + e.Unit
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%.4f\t%.4f\t%.4f\t", e.Column, e.Role, per, e.Sustained.Estimate, e.Sustained.Lower, e.Sustained.Upper)
		for _, l := range e.Lags {
			row += fmt.Sprintf("%.4f\t", l.Estimate)
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nScenario for %s:\n", scope)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "change\tfrom\tto\tas of\tgrowth effect\tlower\tupper\t")
	for _, c := range out.Changes {
		from, to, asOf := "", "", ""
		if c.AsOf != (datasets.Period{}) {
			from, to, asOf = fmt.Sprintf("%.4g", c.From), fmt.Sprintf("%.4g", c.To), c.AsOf.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+.2f pt\t%+.2f\t%+.2f\t\n", c.Change, from, to, asOf,
			100*c.Sustained.Estimate, 100*c.Sustained.Lower, 100*c.Sustained.Upper)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for k, g := range out.Growth {
		fmt.Fprintf(w, "Quarter %d after the change: growth %+.2f pt [%+.2f, %+.2f]\n", k+1, 100*g.Estimate, 100*g.Lower, 100*g.Upper)
	}
	s, sp := out.Sustained, out.SustainedPercent
	fmt.Fprintf(w, "Sustained: log revenue %+.2f pt [%+.2f, %+.2f], i.e. revenue %+.1f %% [%+.1f, %+.1f] and year-on-year growth %+.1f pt over the first year\n",
		100*s.Estimate, 100*s.Lower, 100*s.Upper, 100*sp.Estimate, 100*sp.Lower, 100*sp.Upper, 100*s.Estimate)
	return nil
}
