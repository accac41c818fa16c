package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

func newFeaturesCmd(a *app) *cobra.Command {
	var (
		dataDir, grain, by, out, asOf string
		employees                     bool
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
			ds, _, err := datasets.Load(dataDir)
			if err != nil {
				return err
			}
			if employees {
				return writeEmployeeFeatures(a, ds, opt.AsOf, out)
			}
			p, err := features.Build(ds, opt)
			if err != nil {
				return err
			}
			for _, w := range p.Warnings {
				a.log.Warn(w)
			}
			if out == "" || out == "-" {
				return p.WriteCSV(a.stdout)
			}
			return writeFileAtomic(out, p.WriteCSV)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "", "dataset directory (canonical CSV tables)")
	f.StringVar(&grain, "grain", "quarter", "period: month or quarter")
	f.StringVar(&by, "by", "company", "scope: company, region or team")
	f.StringVar(&out, "out", "", "output CSV file (default: standard output)")
	f.StringVar(&asOf, "as-of", "", "first day after the data (YYYY-MM-DD); default: inferred from the latest event")
	f.BoolVar(&employees, "employees", false, "write employee features (one row per employee on staff at --as-of) instead of a panel")
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
	return writeFileAtomic(out, write)
}

// writeFileAtomic writes through a temporary file in the same directory and renames it, so a
// reader never sees half a file and a failed write leaves the old one.
func writeFileAtomic(path string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
