package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/growthlens/growthlens/internal/numfmt"
	seedpkg "github.com/growthlens/growthlens/internal/seed"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
)

func newIndicatorsCmd(a *app) *cobra.Command {
	var (
		cf                companyFlags
		data, role, scope string
		jsonOut           bool
		replicates        int
		seed              uint64
	)
	cat := indicators.Default()
	cmd := &cobra.Command{
		Use:   "indicators --data DIR [--role ROLE]",
		Short: "Suggest each role's KPIs with weights, targets and the effect on growth behind them",
		Long: `indicators suggests, for each role, 3 to 5 indicators from the KPI catalogue (seeded from
the article: GM, customer service, finance, sales, procurement, admin, marketing, HR), with
weights in multiples of 5 that sum to 100, a target the company has reached before (the
second-best quarter of its last eight, never worse than now) and a one-sentence rationale with the effect
size ("Customer retention +1 pt → growth +2.0 pt [1.2, 2.8]").

Indicators are chosen and weighted by their estimated effect on growth: root drivers from the
driver model (combined with the catalogue's prior), other indicators from a panel regression
of growth on their change, and the article's weight where the data are silent. Outcomes
(revenue, target attainment) keep the article's weight.

Roles: ` + strings.Join(cat.RoleNames(), ", ") + `.`,
		Example: `  growthlens indicators --data var/default --role customer_service
  growthlens indicators --data var/default --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usageErr("--data is required")
			}
			if role != "" {
				if _, ok := cat.Role(role); !ok {
					return usageErr("--role %q: want one of %s", role, strings.Join(cat.RoleNames(), ", "))
				}
			}
			sc, err := diagnose.ParseScope(scope)
			if err != nil {
				return usageErr("--scope: %v", err)
			}
			if replicates < 100 {
				return usageErr("--replicates %d: want at least 100", replicates)
			}
			m, err := cf.model(a)
			if err != nil {
				return err
			}
			c, err := diagnose.Open(data, diagnose.Options{Replicates: replicates, Seed: seed, Model: m})
			if err != nil {
				return err
			}
			ans, err := c.Indicators(cmd.Context(), diagnose.IndicatorRequest{Role: role, Scope: sc, Options: indicators.Options{Seed: seed}})
			if errors.Is(err, indicators.ErrNoData) {
				return exitError{code: 3, err: err}
			}
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ans)
			}
			return printIndicators(a, ans, c.Dataset().Settings.Currency)
		},
	}
	addCompanyFlags(cmd, &cf)
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "dataset directory (canonical CSV tables; required)")
	fl.StringVar(&role, "role", "", "one role (default: every role)")
	fl.StringVar(&scope, "scope", "company", "whose history sets current values and targets: company, region:NAME or team:ID")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	fl.IntVar(&replicates, "replicates", 1000, "bootstrap replicates of the driver model (at least 100)")
	fl.Uint64Var(&seed, "seed", seedpkg.Default, "bootstrap seed")
	return cmd
}

// printIndicators prints each role's indicators, their values in their units as the review
// page shows them (numfmt.Level); money carries the currency code when it is not "".
func printIndicators(a *app, ans *diagnose.IndicatorAnswer, currency string) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	for _, r := range ans.Roles {
		fmt.Fprintf(w, "\n%s (%s)\n", r.Name, r.NameZh)
		if r.NoData != "" {
			fmt.Fprintf(w, "  %s\n", r.NoData)
			continue
		}
		fmt.Fprintln(w, "  weight\tindicator\tcurrent\ttarget\trationale")
		for _, s := range r.Indicators {
			fmt.Fprintf(w, "  %d %%\t%s %s\t%s\t%s\t%s\n", s.Weight, s.Name, s.NameZh, numfmt.Level(s.Current, s.Unit, currency), numfmt.Level(s.Target, s.Unit, currency), s.Rationale)
		}
		for _, u := range r.Unmeasurable {
			fmt.Fprintf(w, "  not measurable: %s\n", u)
		}
	}
	for _, n := range ans.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return w.Flush()
}
