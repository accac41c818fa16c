package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/diagnose/rceval"
)

func newEvaluateRootcauseCmd(a *app) *cobra.Command {
	var (
		seeds   string
		keep    string
		jsonOut bool
		misses  bool
	)
	cfg := rceval.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "rootcause [--seeds 1-50] [--employees 2000]",
		Short: "Score driver ranking, slices, null answers and indicator weights on synthetic companies",
		Long: `rootcause generates one synthetic company per seed — the random scenario (1–3 known shocks
in the last eight quarters), except every --null-every-th seed, which has none — and scores
the root-cause answers against the truth, beside trivial baselines (largest change):

  driver_top1, driver_recall3   the shocked driver first / among the first three, for each
                                region and quarter a shock hit (what held revenue back?)
  slice_recall1/3, slice_mrr    the shocked slice (region, or region & product) in the
                                company's ranked slices for each shocked quarter
  null_specificity              no cause claimed, in companies without shocks (the lower of
                                the driver and the slice specificities)
  indicator_spearman            rank correlation of the standardized growth effects behind
                                the suggested weights with the true ones (five root drivers)

See the rceval package documentation for the exact protocol. Progress goes to stderr. Seeds
1–50 are held out: the method was tuned on seeds 1001–1060.`,
		Example: `  growthlens evaluate rootcause --seeds 1-50 --json
  growthlens evaluate rootcause --seeds 1-5 --employees 500`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cfg.Seeds, err = rceval.ParseSeeds(seeds); err != nil {
				return usageErr("--seeds: %v", err)
			}
			switch {
			case cfg.Employees < 20:
				return usageErr("--employees %d: want at least 20", cfg.Employees)
			case cfg.NullEvery < 1:
				return usageErr("--null-every %d: want at least 1", cfg.NullEvery)
			case cfg.Workers < 1:
				return usageErr("--workers %d: want at least 1", cfg.Workers)
			case cfg.Replicates < 100:
				return usageErr("--replicates %d: want at least 100", cfg.Replicates)
			}
			if keep != "" {
				cfg.Dir, cfg.Keep = keep, true
			}
			start := time.Now()
			cfg.Progress = func(done, total int, seed uint64) {
				fmt.Fprintf(a.stderr, "evaluate rootcause: %d/%d companies (seed %d done, %.0f s)\n", done, total, seed, time.Since(start).Seconds())
			}
			rep, err := rceval.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if !misses {
				rep.Misses = nil
			}
			if jsonOut {
				out := struct {
					*rceval.Report
					Seconds float64 `json:"seconds"`
				}{rep, time.Since(start).Seconds()}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			return printRootcauseReport(a, rep)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&seeds, "seeds", "1-50", "seeds to generate, e.g. 1-50 or 1-10,20")
	fl.IntVar(&cfg.Employees, "employees", cfg.Employees, "employees of each synthetic company")
	fl.IntVar(&cfg.NullEvery, "null-every", cfg.NullEvery, "every N-th seed (seed % N == 0) is a company without shocks")
	fl.IntVar(&cfg.Workers, "workers", cfg.Workers, "companies evaluated at once")
	fl.IntVar(&cfg.Replicates, "replicates", cfg.Replicates, "bootstrap replicates of each driver model")
	fl.StringVar(&keep, "keep", "", "generate the companies into this directory and keep them (reused when present)")
	fl.BoolVar(&misses, "misses", false, "list the cases the method got wrong")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	return cmd
}

func printRootcauseReport(a *app, r *rceval.Report) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "seeds %s, %d companies of %d employees (every %d-th without shocks): %d driver cases, %d null; %d slice cases, %d null\n",
		r.Seeds, r.Companies, r.Employees, r.NullEvery, r.DriverCases, r.DriverNullCases, r.SliceCases, r.SliceNullCases)
	m, b := r.Method, r.Baseline
	fmt.Fprintln(w, "metric\tmethod\tbaseline (largest change)")
	for _, row := range []struct {
		name string
		m, b float64
	}{
		{"driver_top1", m.DriverTop1, b.DriverTop1}, {"driver_recall3", m.DriverRecall3, b.DriverRecall3},
		{"slice_recall1", m.SliceRecall1, b.SliceRecall1}, {"slice_recall3", m.SliceRecall3, b.SliceRecall3},
		{"slice_mrr", m.SliceMRR, b.SliceMRR}, {"null_specificity", m.NullSpecificity, b.NullSpecificity},
		{"  driver_null_specificity", m.DriverNullSpecificity, b.DriverNullSpecificity},
		{"  slice_null_specificity", m.SliceNullSpecificity, b.SliceNullSpecificity},
		{"indicator_spearman", m.IndicatorSpearman, b.IndicatorSpearman},
	} {
		fmt.Fprintf(w, "%s\t%.3f\t%.3f\n", row.name, row.m, row.b)
	}
	f := r.FunnelOnly
	fmt.Fprintf(w, "funnel-only slices: recall@1 %.3f, recall@3 %.3f, MRR %.3f, sensitivity %.3f, null specificity %.3f\n",
		f.Recall1, f.Recall3, f.MRR, f.Sensitivity, f.NullSpecificity)
	for _, miss := range r.Misses {
		fmt.Fprintln(w, "miss:", miss)
	}
	return w.Flush()
}
