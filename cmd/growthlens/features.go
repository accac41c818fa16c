package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/atomicfile"
)

func newFeaturesCmd(a *app) *cobra.Command {
	var (
		dataDir, grain, by, out, asOf string
		employees, summary            bool
	)
	cmd := &cobra.Command{
		Use:   "features --data DIR",
		Short: "Build a period panel (revenue, growth, funnel, service, supply, finance, people) from a dataset",
		Long: `features aggregates a dataset's canonical tables into one row per scope (company, region
or team) and period (month or quarter) with one column per measure: revenue, growth, leads,
win rate, pipeline coverage, collection, churn, first response, supply lead time,
reimbursement time, marketing spend, headcount, attrition, target and completion.

Columns whose table is missing are left out with a warning on stderr; cells with no events
behind them are empty. A period the data does not fully cover has complete=false.`,
		Example: `  growthlens features --data var/default --grain quarter --by region --out panel.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" {
				return fmt.Errorf("--data is required")
			}
			g, err := datasets.ParseGrain(grain)
			if err != nil {
				return fmt.Errorf("--grain: %w", err)
			}
			lvl, err := features.ParseLevel(by)
			if err != nil {
				return fmt.Errorf("--by: %w", err)
			}
			opt := features.Options{Grain: g, Level: lvl}
			if asOf != "" {
				if opt.AsOf, err = datasets.ParseDate(asOf); err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
			}
			if employees {
				ds, _, err := datasets.Load(dataDir, datasets.WithTables(features.EmployeeTables...))
				if err != nil {
					return err
				}
				return writeEmployeeFeatures(a, ds, opt.AsOf, out)
			}
			if summary {
				return printSummary(a, dataDir, opt)
			}
			p, err := features.BuildDir(dataDir, opt)
			if err != nil {
				return err
			}
			for _, w := range p.Warnings {
				a.log.Warn(w)
			}
			if out == "" || out == "-" {
				return p.WriteCSV(a.stdout)
			}
			return atomicfile.Write(out, 0o600, p.WriteCSV)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "", "dataset directory (canonical CSV tables)")
	f.StringVar(&grain, "grain", "quarter", "period: month or quarter")
	f.StringVar(&by, "by", "company", "scope: company, region or team")
	f.StringVar(&out, "out", "", "output CSV file (default: standard output)")
	f.StringVar(&asOf, "as-of", "", "first day after the data (YYYY-MM-DD); default: inferred from the latest event")
	f.BoolVar(&summary, "summary", false, "print a readable summary (company by period, regions in the last complete period) instead of CSV")
	f.BoolVar(&employees, "per-employee", false, "write employee features (one row per employee on staff at --as-of) instead of a panel")
	renamedFlag(f, "employees", "per-employee") // --employees is a headcount elsewhere
	return cmd
}

// writeEmployeeFeatures writes one row per employee on staff at asOf (default: the day after
// the latest hire, exit or reward).
func writeEmployeeFeatures(a *app, ds *datasets.Dataset, asOf time.Time, out string) error {
	staff, err := features.NewStaff(ds)
	if err != nil {
		return err
	}
	if asOf.IsZero() {
		for _, e := range ds.Employees {
			for _, d := range []time.Time{e.HireDate, e.ExitDate} {
				if d.After(asOf) {
					asOf = d
				}
			}
		}
		for _, r := range ds.Rewards {
			if r.Date.After(asOf) {
				asOf = r.Date
			}
		}
		asOf = asOf.AddDate(0, 0, 1)
	}
	write := func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(append([]string{"employee_id", "as_of"}, features.EmployeeColumns...)); err != nil {
			return err
		}
		for _, id := range staff.OnStaff(asOf) {
			row, err := staff.At(id, asOf)
			if err != nil {
				return err
			}
			if err := cw.Write(append([]string{id, datasets.FormatDate(asOf)}, row.Values()...)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if out == "" || out == "-" {
		return write(a.stdout)
	}
	return atomicfile.Write(out, 0o600, write)
}

// printSummary prints the company's last eight periods and its regions in the last complete
// period: what a manager wants to see first.
func printSummary(a *app, dir string, opt features.Options) error {
	opt.Level = features.Company
	co, err := features.BuildDir(dir, opt)
	if err != nil {
		return err
	}
	opt.Level = features.Region
	rg, err := features.BuildDir(dir, opt)
	if err != nil {
		return err
	}
	for _, w := range append(co.Warnings, rg.Warnings...) {
		a.log.Debug(w)
	}
	growth := features.ColGrowthPrev
	if opt.Grain == datasets.Month {
		growth = "growth_mom"
	}
	cols := []string{features.ColRevenue, growth, features.ColGrowthYoY, features.ColCompletion, features.ColWinRate,
		features.ColFirstResponseH, features.ColSupplyLeadDays, features.ColReimbursementDays}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "company\t%s\t\n", strings.Join(cols, "\t"))
	for t := max(0, len(co.Periods)-8); t < len(co.Periods); t++ {
		fmt.Fprintf(tw, "%s%s\t", co.Periods[t], map[bool]string{true: "", false: "*"}[co.Complete[t]])
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t", formatCell(c, co.Value("", co.Periods[t], c)))
		}
		fmt.Fprintln(tw)
	}
	if last := rg.LastComplete(); last >= 0 {
		fmt.Fprintf(tw, "\n%s by region\t%s\t\n", rg.Periods[last], strings.Join(cols, "\t"))
		for _, sc := range rg.Scopes {
			fmt.Fprintf(tw, "%s\t", sc)
			for _, c := range cols {
				fmt.Fprintf(tw, "%s\t", formatCell(c, rg.Value(sc, rg.Periods[last], c)))
			}
			fmt.Fprintln(tw)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "(* marks an incomplete period)")
	return nil
}

func formatCell(col string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case col == features.ColRevenue:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case strings.HasPrefix(col, "growth"):
		return fmt.Sprintf("%+.1f%%", 100*v)
	case col == features.ColCompletion, col == features.ColWinRate:
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
