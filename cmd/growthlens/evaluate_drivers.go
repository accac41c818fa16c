package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/company/deval"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
)

func newEvaluateDriversCmd(a *app) *cobra.Command {
	var (
		seeds   string
		keep    string
		jsonOut bool
	)
	cfg := deval.Config{Employees: 100, Workers: 1, Draws: 400}
	cmd := &cobra.Command{
		Use:   "drivers [--seeds 4101-4140] [--employees 100]",
		Short: "Score the company model's driver answers (signs, abstention, what-if intervals, agreement) beside the current model",
		Long: `drivers generates two synthetic companies per seed (the baseline and the random shock
scenario) and scores the company model's driver answers against ground_truth.json, beside the
model used before it (raw driver model for what-if and attribution, blended with the catalogue
prior for root causes and indicators):

  sign_accuracy            reported sign (or "uncertain") not contradicted by the truth
  abstain_rate             share of driver effects reported as uncertain
  whatif_coverage80        share of ±10 % / ±20 % what-ifs whose 80 % interval holds the truth
  whatif_median_abs_error  median |estimate − truth| of those what-ifs, percentage points
  indicator_spearman       rank correlation of the indicator weights' effects with the truth
  endpoint_agreement       share of (driver, quarter) pairs where what-if, attribution, root
                           causes and indicators give the same sign or all say uncertain

See the deval package documentation for the protocol. Seeds 4001–4099 tuned the model;
4101–4140 are held out (deval.TuningSeeds, deval.EvaluationSeeds). Progress goes to stderr.`,
		Example: `  growthlens evaluate drivers --seeds 4101-4140 --employees 100 --json
  flock /work/bench.lock growthlens evaluate drivers --seeds 4101-4120 --employees 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cfg.Seeds, err = rceval.ParseSeeds(seeds); err != nil {
				return usageErr("--seeds: %v", err)
			}
			switch {
			case cfg.Employees < 20:
				return usageErr("--employees %d: want at least 20", cfg.Employees)
			case cfg.Workers < 1:
				return usageErr("--workers %d: want at least 1", cfg.Workers)
			case cfg.Draws < 100:
				return usageErr("--draws %d: want at least 100", cfg.Draws)
			}
			if keep != "" {
				cfg.Dir, cfg.Keep = keep, true
			}
			start := time.Now()
			cfg.Progress = func(done, total int, seed uint64) {
				fmt.Fprintf(a.stderr, "evaluate drivers: %d/%d companies (seed %d done, %.0f s)\n", done, total, seed, time.Since(start).Seconds())
			}
			res, err := deval.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "seeds %s, %d companies of %d employees (%v)\n", res.Seeds, res.Companies, res.Employees, res.Scenarios)
			fmt.Fprintln(w, "metric\tcompany model\tcurrent model")
			n, c := res.New, res.Current
			for _, row := range []struct {
				name string
				n, c float64
			}{
				{"sign_accuracy", n.SignAccuracy, c.SignAccuracy}, {"abstain_rate", n.AbstainRate, c.AbstainRate},
				{"whatif_coverage80", n.WhatIfCoverage80, c.WhatIfCoverage80}, {"whatif_median_abs_error", n.WhatIfMedianAbsError, c.WhatIfMedianAbsError},
				{"indicator_spearman", n.IndicatorSpearman, c.IndicatorSpearman}, {"endpoint_agreement", n.EndpointAgreement, c.EndpointAgreement},
			} {
				fmt.Fprintf(w, "%s\t%.3f\t%.3f\n", row.name, row.n, row.c)
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&seeds, "seeds", "4101-4140", "seeds to generate, e.g. 4101-4140")
	fl.IntVar(&cfg.Employees, "employees", cfg.Employees, "employees of each synthetic company")
	fl.IntVar(&cfg.Workers, "workers", cfg.Workers, "companies evaluated at once")
	fl.IntVar(&cfg.Draws, "draws", cfg.Draws, "posterior draws (and bootstrap replicates of the current model)")
	fl.Float64Var(&cfg.PriorScale, "prior-scale", 0, "prior s.d. over the catalogue prior's magnitude (0: the default; for tuning on seeds 4001-4099 only)")
	fl.IntVar(&cfg.Monthly, "monthly", 0, "1: read drivers month by month at every size, -1: never (0: by size; for tuning on seeds 4001-4099 only)")
	fl.Float64Var(&cfg.FunnelFloor, "funnel-floor", 0, "the funnel evidence's allowance over the catalogue prior's magnitude (0: the default, negative: no funnel evidence; for tuning on seeds 4001-4099 only)")
	fl.StringVar(&keep, "keep", "", "generate the companies into this directory and keep them (reused when present)")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	return cmd
}
