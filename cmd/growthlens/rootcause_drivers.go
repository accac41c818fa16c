package main

import (
	"encoding/json"
	"fmt"
	"math"
	"text/tabwriter"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/seed"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/diagnose"
)

// rootcauseDataFlags are the flags shared by the data-directory rootcause subcommands.
type rootcauseDataFlags struct {
	data, scope, period, direction string
	expected                       float64
	jsonOut                        bool
	replicates                     int
	seed                           uint64
	cf                             companyFlags
}

func (f *rootcauseDataFlags) open(a *app) (*diagnose.Company, datasets.Period, error) {
	if f.data == "" {
		return nil, datasets.Period{}, usageErr("--data is required")
	}
	if f.period == "" {
		return nil, datasets.Period{}, usageErr("--period is required (YYYY-MM or YYYYQn)")
	}
	p, err := datasets.ParsePeriod(f.period)
	if err != nil {
		return nil, datasets.Period{}, usageErr("--period: %v", err)
	}
	if f.replicates < 100 {
		return nil, datasets.Period{}, usageErr("--replicates %d: want at least 100", f.replicates)
	}
	m, err := f.cf.model(a)
	if err != nil {
		return nil, datasets.Period{}, err
	}
	c, err := diagnose.Open(f.data, diagnose.Options{Replicates: f.replicates, Seed: f.seed, Model: m})
	if err != nil {
		return nil, datasets.Period{}, err
	}
	a.log.Debug("opened company", "data", f.data, "as_of", c.AsOf())
	return c, p, nil
}

func parseDirection(s string) (int, error) {
	switch s {
	case "down":
		return -1, nil
	case "up":
		return 1, nil
	case "gap":
		return 0, nil
	}
	return 0, usageErr("--direction %q: want down, up or gap", s)
}

func newRootcauseDriversCmd(a *app) *cobra.Command {
	var f rootcauseDataFlags
	cmd := &cobra.Command{
		Use:   "drivers --data DIR --period PERIOD [--scope region:East] [--expected-revenue REVENUE]",
		Short: "Rank the drivers (and the roles responsible) behind a scope's revenue gap in a period",
		Long: `drivers explains a scope's revenue against its target (or --expected-revenue, the forecast made
before the period) in one month or quarter: each driver — marketing spend (GM), sales
headcount (HR), reimbursement time (finance), supply lead time (procurement), first-response
time (customer service) — is judged on how abnormal its move was against its own history
(supply lead time also by product), and ranked by that abnormal move times its effect on
revenue (the driver model's estimate combined with the catalogue's prior).

"no_dominant_cause" is true when no driver made an abnormal move in the direction asked, or
the abnormal moves explain less than a fifth of the gap. --direction down asks what held
revenue back whatever the gap; gap (the default) follows the sign of the gap.`,
		Example: `  growthlens rootcause drivers --data var/default --scope region:East --period 2026Q3
  growthlens rootcause drivers --data var/default --period 2026-08 --expected-revenue 1900000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := parseDirection(f.direction)
			if err != nil {
				return err
			}
			sc, err := diagnose.ParseScope(f.scope)
			if err != nil {
				return usageErr("--scope: %v", err)
			}
			if f.expected < 0 {
				return usageErr("--expected-revenue %g: want a positive revenue (or 0 for the target)", f.expected)
			}
			c, p, err := f.open(a)
			if err != nil {
				return err
			}
			ans, err := c.Drivers(cmd.Context(), diagnose.DriverRequest{Scope: sc, Period: p, Expected: f.expected, Direction: dir})
			if err != nil {
				return err
			}
			if f.jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ans)
			}
			return printDrivers(a, ans, c.Dataset().Settings.Currency)
		},
	}
	addDataFlags(cmd, &f)
	cmd.Flags().StringVar(&f.scope, "scope", "company", "company, region:NAME or team:ID")
	cmd.Flags().Float64Var(&f.expected, "expected-revenue", 0, "expected revenue (default: the scope's target for the period)")
	renamedFlag(cmd.Flags(), "expected", "expected-revenue") // --expected is a column in rootcause slices
	return cmd
}

func addDataFlags(cmd *cobra.Command, f *rootcauseDataFlags) {
	addCompanyFlags(cmd, &f.cf)
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "dataset directory (canonical CSV tables; required)")
	fl.StringVar(&f.period, "period", "", "month (YYYY-MM) or quarter (YYYYQn) to explain (required)")
	fl.StringVar(&f.direction, "direction", "gap", "down (what held the KPI back), up, or gap (the gap's sign)")
	addOutputFlags(fl, &f.jsonOut, "one JSON object")
	fl.IntVar(&f.replicates, "replicates", 1000, "bootstrap replicates of the driver model (at least 100)")
	fl.Uint64Var(&f.seed, "seed", seed.Default, "bootstrap seed")
}

// printDrivers prints the ranked causes; amounts carry the currency code when it is not "".
// The figures are the review page's (numfmt): levels in their units, contributions in points
// of log revenue with their 95 % interval, "uncertain" where the data cannot tell the
// driver's direction.
func printDrivers(a *app, ans *diagnose.DriverAnswer, currency string) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%s %s: revenue %s against %s expected (%s), %s completion", ans.Scope, ans.Period, numfmt.Money(ans.Actual, currency), numfmt.Money(ans.Expected, currency),
		ans.ExpectedFrom, numfmt.Percent(ans.Actual/ans.Expected))
	if ans.Actual < ans.Expected {
		fmt.Fprintf(w, ", a gap of %s", numfmt.Money(ans.Actual-ans.Expected, currency))
	}
	fmt.Fprintln(w)
	if ans.NoDominantCause {
		fmt.Fprintf(w, "no dominant cause: %s\n", ans.Reason)
	}
	fmt.Fprintln(w, "rank\tdriver\trole\twhere\tusual\tactual\tz\tabnormal\tcontribution\t95 % interval\tconfidence\tclear cause")
	for i, c := range ans.Causes {
		where := c.Where
		if where == "" {
			where = "-"
		}
		if c.Lag > 0 {
			where += fmt.Sprintf(" (%d earlier)", c.Lag)
		}
		z := fmt.Sprintf("%+.1f", c.Z)
		if math.Abs(c.Z) > 99 {
			z = "far out"
		}
		contribution, clear := numfmt.Points(c.Contribution.Estimate), "no"
		if c.Effect.Uncertain {
			contribution, clear = "uncertain", "uncertain"
		}
		if c.Significant {
			clear = "yes"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s … %s\t%.2f\t%s\n", i+1, c.Driver, c.Role, where,
			numfmt.Level(c.Baseline, c.Unit, currency), numfmt.Level(c.Actual, c.Unit, currency), z, c.Abnormal, contribution,
			numfmt.Points(c.Contribution.Lower), numfmt.Points(c.Contribution.Upper), c.Confidence, clear)
	}
	for _, c := range ans.Causes {
		if c.Effect.Uncertain {
			fmt.Fprintf(w, "%s: %s.\n", c.Driver, c.Effect.Sentence)
		}
	}
	for _, n := range ans.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return w.Flush()
}
