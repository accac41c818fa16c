package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
)

func newGenerateCmd(a *app) *cobra.Command {
	cfg := synth.DefaultConfig()
	var (
		out, end          string
		regions, products []string
		asJSON            bool
	)
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Write a synthetic sales company with known causes (the default data and test oracle)",
		Long: `generate writes a synthetic sales company as canonical CSV tables plus ground_truth.json,
which records the true driver effects, each employee's true incentive preferences and every
injected shock. The same flags give byte-identical output.

The default is the article's company: 100 employees (40 sales, 20 procurement, 40 GM and back
office), 4 regions, 5 products, 5 years of months ending 2026-09.

Scenarios: ` + strings.Join(synth.Scenarios, ", ") + `.`,
		Example: `  growthlens generate --out var/default
  growthlens generate --out var/shock --scenario supply-delay --seed 3
  growthlens generate --out var/big --employees 10000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			p, err := datasets.ParseMonth(end)
			if err != nil {
				return fmt.Errorf("--end: %w", err)
			}
			cfg.End, cfg.Regions, cfg.Products = p, regions, products
			bar := newProgress(a, "simulating months", cfg.Months())
			sum, err := synth.Generate(cmd.Context(), out, cfg, bar.set)
			bar.finish()
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(sum)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "table\trows\t\n")
			names := make([]string, 0, len(sum.Rows))
			for n := range sum.Rows {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				fmt.Fprintf(tw, "%s\t%d\t\n", n, sum.Rows[n])
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range sum.Shocks {
				fmt.Fprintf(a.stdout, "shock: %s %+g %s in %s %s %s (%s)\n", s.Driver, s.Size, s.Unit, s.Scope, s.ScopeID, s.Period, s.Product)
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory to write (created; replaced only if it holds an earlier generated company)")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	f.IntVar(&cfg.Employees, "employees", cfg.Employees, "headcount (20 to 200000); 10000 gives about a million opportunities")
	f.IntVar(&cfg.Years, "years", cfg.Years, "years of monthly history (2 to 20)")
	f.StringVar(&end, "end", cfg.End.String(), "last month generated (YYYY-MM)")
	f.StringVar(&cfg.Scenario, "scenario", cfg.Scenario, "scenario: "+strings.Join(synth.Scenarios, ", "))
	f.StringSliceVar(&regions, "regions", cfg.Regions, "region names")
	f.StringSliceVar(&products, "products", cfg.Products, "product names")
	f.StringVar(&cfg.Currency, "currency", cfg.Currency, "ISO 4217 code of the amounts, written to the dataset's "+datasets.SettingsFile+" (\"\" writes none)")
	addOutputFlags(f, &asJSON, "the summary as one JSON object")
	return cmd
}
