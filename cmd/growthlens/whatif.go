package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/seed"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
)

// whatifFlags are the flags of "whatif".
type whatifFlags struct {
	data    string
	scope   string
	changes []string
	jsonOut bool
	seed    uint64
	draws   int
	cf      companyFlags
}

func newWhatifCmd(a *app) *cobra.Command {
	var f whatifFlags
	cmd := &cobra.Command{
		Use:   "whatif [--tenant T] [--scope region:East] --change DRIVER=±N[%] [--change …]",
		Short: "Predict how revenue changes when drivers change (marketing +15 %, first response −50 % …)",
		Long: `whatif reads the tenant's registered company model (models/company, trained by growthlens
train; the model the API's /v1/whatif uses), prints each driver's sustained effect with its 80 %
interval, then the predicted change in growth and revenue for the scenario.

The company model regresses quarterly revenue growth on lagged changes of marketing spend,
sales headcount, reimbursement days, supply lead days and first-response hours, pooled over
regions, by Bayesian regression with the catalogue's known directions as sign constraints
(docs/company-model.md). Where the data cannot tell a driver's direction the answer says so
and shows a range instead of a point; a range too wide to act on is withheld.

A change is DRIVER=+15% (relative to the scope's current level, its last complete quarter) or
DRIVER=-2 (in the driver's unit: days, hours, employees, currency). Drivers: marketing_spend,
sales_headcount, reimbursement_days, supply_lead_days, first_response_hours. Win rate and churn
are mediators, not drivers: change the drivers behind them.

--scope is company (all regions together, the default) or region:NAME. --refit fits the
company model on --data instead of reading the champion (as training would; with a team:ID
scope, on the team panel).`,
		Example: `  growthlens whatif --tenant default --change marketing_spend=+15% --change first_response_hours=-50%
  growthlens whatif --refit --data var/default --scope region:East --change supply_lead_days=-2 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWhatif(cmd.Context(), a, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", envOr("GROWTHLENS_DATA", "var/default"), "the tenant's dataset directory: the currency of the amounts, and the data --refit fits on (env GROWTHLENS_DATA)")
	fl.StringVar(&f.scope, "scope", "company", "company, region:NAME (or team:ID with --refit)")
	fl.StringArrayVar(&f.changes, "change", nil, "driver change, DRIVER=+15% or DRIVER=-2 (repeatable; at least one)")
	addOutputFlags(fl, &f.jsonOut, "one JSON object")
	fl.Uint64Var(&f.seed, "seed", seed.Default, "sampler seed (with --refit)")
	fl.IntVar(&f.draws, "draws", company.DefaultDraws, "posterior draws (with --refit; at least 100)")
	addCompanyFlags(cmd, &f.cf)
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
	Scenario *company.WhatIf `json:"scenario"`
	Seconds  float64         `json:"seconds"`
}

func runWhatif(ctx context.Context, a *app, f whatifFlags) error {
	start := time.Now()
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
	m, set, err := f.cf.champions(a)
	if err != nil {
		return err
	}
	// Amounts are printed in the data's currency (its dataset.json), as the API and the review
	// page print them.
	var currency string
	if f.data != "" {
		currency = dataCurrency(a, f.data)
	}
	if m == nil {
		if f.data == "" {
			return usageErr("--refit needs --data")
		}
		if f.draws < 100 {
			return usageErr("--draws %d: want at least 100", f.draws)
		}
		ds, _, err := datasets.Load(f.data)
		if err != nil {
			return err
		}
		p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: level})
		if err != nil {
			return err
		}
		var mp *features.Panel
		if level == features.Region {
			if mp, err = features.Build(ds, features.Options{Grain: datasets.Month, Level: level}); err != nil {
				return err
			}
		}
		if m, err = company.Fit(ctx, p, mp, company.Options{Seed: f.seed, Draws: f.draws}); err != nil {
			return err
		}
	} else if level == features.Team {
		return usageErr("--scope %s: the registered company model is fitted by %s; a team scope needs --refit", f.scope, m.Driver.ScopeLevel)
	}
	for _, n := range m.Driver.Notes {
		a.log.Warn(n)
	}
	out, err := m.WhatIf(sc)
	if err != nil {
		return err
	}
	if f.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(whatifJSON{Model: m.Driver, Scenario: out, Seconds: time.Since(start).Seconds()})
	}
	// The forecast with and without the scenario, as POST /v1/whatif and the review page show
	// it, when the tenant has a champion forecast of the scope.
	var quarters []driver.ScenarioQuarter
	if set != nil {
		if fs, _ := set.Forecast(); fs != nil {
			name, id := "company", ""
			if scope != "" {
				name, id = string(level), scope
			}
			if fsc, ok := fs.Find(name, id); ok && fsc.Forecast != nil && (fsc.Verdict == nil || fsc.Verdict.Status != forecast.StatusWithheld) {
				quarters = out.Forecast(fsc.Forecast.Periods, fsc.Forecast.Mean)
			}
		}
	}
	return printWhatif(a.stdout, m, out, quarters, f.scope, currency)
}

// printWhatif prints the model's effects, the scenario and the forecast with and without it
// (quarters; none when nil); amounts carry the currency code when it is not "".
func printWhatif(w io.Writer, cm *company.Model, out *company.WhatIf, quarters []driver.ScenarioQuarter, scope, currency string) error {
	m := cm.Driver
	fmt.Fprintf(w, "Company model: %d %s-quarters (%d %ss, %s–%s), %d posterior draws\n\n",
		m.Observations, m.ScopeLevel, len(m.Scopes), m.ScopeLevel, m.First, m.Last, m.Replicates)
	fmt.Fprintf(w, "Sustained effect on log revenue per unit of a lasting change (80 %% intervals):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "driver\trole\tper\teffect\tlower\tupper\tverdict\t")
	for _, v := range cm.Verdicts() {
		e, _ := effectOf(m, v.Driver)
		per := numfmt.Unit(e.Unit, currency)
		if e.Scale == driver.Log {
			per = "log " + per
		}
		verdict := "clear"
		if v.Uncertain {
			verdict = "uncertain"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.Driver, e.Role, per, numfmt.Plain(v.Median), numfmt.Plain(v.Lower), numfmt.Plain(v.Upper), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, v := range cm.Verdicts() {
		if v.Uncertain {
			fmt.Fprintf(w, "  %s: %s.\n", v.Driver, v.Sentence)
		}
	}
	fmt.Fprintf(w, "\nScenario for %s:\n", scope)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "change\tfrom\tto\tas of\trevenue effect\tlower\tupper\t")
	for _, c := range out.Changes {
		from, to, asOf := "", "", ""
		if c.AsOf != (datasets.Period{}) {
			from, to, asOf = numfmt.Level(c.From, c.Unit, currency), numfmt.Level(c.To, c.Unit, currency), c.AsOf.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Change, from, to, asOf,
			numfmt.Points(c.Sustained.Estimate), numfmt.Points(c.Sustained.Lower), numfmt.Points(c.Sustained.Upper))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if out.Withheld || out.Uncertain {
		fmt.Fprintln(w, out.Summary())
		return nil
	}
	for k, g := range out.Growth {
		fmt.Fprintf(w, "Quarter %d after the change: growth %s [%s, %s]\n", k+1, numfmt.Points(g.Estimate), numfmt.Points(g.Lower), numfmt.Points(g.Upper))
	}
	s := out.Sustained
	fmt.Fprintf(w, "%s Year-on-year growth over the first year: %s.\n", out.Summary(), numfmt.Points(s.Estimate))
	if len(quarters) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "quarter\tforecast without\twith the scenario\tchange")
		for _, q := range quarters {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", q.Period, numfmt.Money(q.Base, currency), numfmt.Money(q.Scenario, currency), numfmt.SignedPercent(q.ChangePercent/100))
		}
		return tw.Flush()
	}
	return nil
}

// effectOf returns the model's effect of a driver.
func effectOf(m *driver.Model, col string) (driver.Effect, bool) {
	for _, e := range m.Effects {
		if e.Column == col {
			return e, true
		}
	}
	return driver.Effect{}, false
}
