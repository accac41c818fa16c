package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
)

func newAttributionCmd(a *app) *cobra.Command {
	var (
		cf      companyFlags
		period  string
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "attribution --period QUARTER [--tenant T] [--json]",
		Short: "Split a quarter's revenue change on a year before by driver (the review page's growth waterfall)",
		Long: `attribution splits the company's revenue change in --period against the same quarter a year
before into each driver's contribution, in points of growth on the log scale with its 95 %
interval, and the part no driver explains: the review page's "What drove growth" and
GET /v1/attribution?period=Q&expected=<revenue a year before>. It reads the tenant's
registered company model and forecast (its revenue history) from --store; a driver whose
direction the data cannot tell is "uncertain", shown as its range.

Only one process may open a store: while ` + "`growthlens serve`" + ` holds it, ask GET /v1/attribution.`,
		Example: `  growthlens attribution --period 2026Q3
  growthlens attribution --tenant default --period 2026Q2 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cf.refit {
				return usageErr("--refit: attribution reads the registered company model and forecast only (growthlens train makes them)")
			}
			pq, err := datasets.ParseQuarter(period)
			if err != nil {
				return usageErr("--period %q: want a quarter, YYYYQn", period)
			}
			set, err := loadChampions(a, cf.store, cf.keyFile, cf.tenant, champion.Data{Problem: "the CLI reads the company model and the forecast only"})
			if err != nil {
				return err
			}
			m, _ := set.Company()
			fs, _ := set.Forecast()
			if fs == nil {
				return noChampion(set, champion.Forecast, "forecast", cf.store, "", "")
			}
			if m == nil {
				return noChampion(set, champion.Driver, "company model", cf.store, "", "")
			}
			base := pq.Add(-4).String()
			var prev float64
			if co, found := fs.Find("company", ""); found {
				prev, _ = co.Actual(base)
			}
			if !(prev > 0) {
				return usageErr("--period %s: no company revenue for %s, a year before", pq, base)
			}
			att, err := m.Attribute(driver.Query{Period: pq, Expected: prev})
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a.stdout, att)
			}
			return printAttribution(a, att, pq.String(), base)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "the quarter to explain, YYYYQn (required)")
	addOutputFlags(cmd.Flags(), &jsonOut, "the company model's attribution")
	addCompanyFlags(cmd, &cf)
	return cmd
}

// printAttribution prints the waterfall as the review page shows it: the lead sentence, then
// each driver's contribution ("uncertain" where the data cannot tell its direction) and 95 %
// interval, and the rest.
func printAttribution(a *app, att *company.Attribution, quarter, base string) error {
	fmt.Fprintln(a.stdout, att.GrowthSummary(quarter, base))
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "driver\trole\tcontribution\t95 % interval")
	for _, c := range att.Contributions {
		v := att.Verdicts[c.Column]
		est := numfmt.Points(c.Contribution.Estimate)
		if v.Uncertain {
			est = "uncertain"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s … %s\n", c.Column, c.Role, est, numfmt.Points(c.Contribution.Lower), numfmt.Points(c.Contribution.Upper))
	}
	fmt.Fprintf(w, "other (trend, season, noise)\t-\t%s\t\n", numfmt.Points(att.Unexplained.Estimate))
	if err := w.Flush(); err != nil {
		return err
	}
	for _, c := range att.Contributions {
		if v := att.Verdicts[c.Column]; v.Uncertain {
			fmt.Fprintf(a.stdout, "%s: %s.\n", c.Column, v.Sentence)
		}
	}
	return nil
}
