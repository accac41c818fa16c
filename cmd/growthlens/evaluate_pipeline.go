package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/diagnose/rceval"
	"github.com/growthlens/growthlens/train/peval"
)

func newEvaluatePipelineCmd(a *app) *cobra.Command {
	var (
		seeds   string
		jsonOut bool
	)
	cfg := peval.Config{Employees: 100, Origins: 8, Workers: 1}
	cmd := &cobra.Command{
		Use:   "pipeline [--seeds " + peval.EvaluationSeeds + "] [--employees 100]",
		Short: "Backtest the univariate, pipeline and combined revenue forecasts and the target probability on generated companies",
		Long: `pipeline generates one company per seed and, at each of the last --origins quarter-ends,
makes the forecast set training would have made from the data as it stood then, and scores
next quarter's (h1) and the following quarter's (h2) revenue of the company and its regions:

  univariate   the univariate forecast alone (before the combination and reconciliation)
  pipeline     closed so far + expected from open deals + expected from deals not yet created
  combined     the published forecast: the weighted combination, reconciled

each with smape_h1, smape_h2 (M4 sMAPE, percent), coverage80 and coverage95 (share of h1 and
h2 actuals inside the intervals); and the calibration of the probability of hitting the
revenue target (company, regions, teams; current and next quarter) by decile of p.

See the peval package documentation for the protocol. Seeds ` + peval.TuningSeeds + ` tuned the
pipeline forecast; ` + peval.EvaluationSeeds + ` are held out (peval.TuningSeeds,
peval.EvaluationSeeds). Progress goes to stderr.`,
		Example: `  growthlens evaluate pipeline --seeds ` + peval.EvaluationSeeds + ` --json
  flock /work/bench.lock growthlens evaluate pipeline --seeds 3201-3210 --employees 2000 --json`,
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
			case cfg.Origins < 1 || cfg.Origins > 12:
				return usageErr("--origins %d: want 1 to 12", cfg.Origins)
			}
			start := time.Now()
			cfg.Progress = func(done, total int, seed uint64) {
				fmt.Fprintf(a.stderr, "evaluate pipeline: %d/%d companies (seed %d done, %.0f s)\n", done, total, seed, time.Since(start).Seconds())
			}
			res, err := peval.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "seeds %s, %d companies of %d employees, %d origins\n", res.Seeds, res.Companies, res.Employees, res.Origins)
			fmt.Fprintln(w, "forecast\tsmape_h1\tsmape_h2\tcoverage80\tcoverage95")
			for _, row := range []struct {
				name string
				s    peval.Scores
			}{{"univariate", res.Univariate}, {"pipeline", res.Pipeline}, {"combined", res.Combined}} {
				fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%.3f\t%.3f\n", row.name, row.s.SMAPEH1, row.s.SMAPEH2, row.s.Coverage80, row.s.Coverage95)
			}
			fmt.Fprintf(w, "combined / univariate sMAPE h1: %.3f\n", res.RatioH1)
			fmt.Fprintf(w, "target probability: %d cases, Brier %.3f, calibrated %v\n", res.Target.Cases, res.Target.Brier, res.Target.Calibrated)
			fmt.Fprintln(w, "p bin\tcases\tmean p\thit rate")
			for _, b := range res.Target.Bins {
				if b.Cases > 0 {
					fmt.Fprintf(w, "%.1f–%.1f\t%d\t%.3f\t%.3f\n", b.From, b.To, b.Cases, b.MeanP, b.HitRate)
				}
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&seeds, "seeds", peval.EvaluationSeeds, "seeds to generate, e.g. "+peval.EvaluationSeeds)
	fl.IntVar(&cfg.Employees, "employees", cfg.Employees, "employees of each generated company")
	fl.IntVar(&cfg.Origins, "origins", cfg.Origins, "quarter-ends backtested from (the last two years: 8)")
	fl.IntVar(&cfg.Workers, "workers", cfg.Workers, "companies evaluated at once")
	fl.StringVar(&cfg.Dir, "keep", "", "generate the companies into this directory and keep them (reused when present)")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	return cmd
}
