package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
	"github.com/growthlens/growthlens/train/peval"
)

func newEvaluatePipelineCmd(a *app) *cobra.Command {
	var (
		seeds, data string
		year        int
		jsonOut     bool
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

With --data DIR it instead backtests a dataset with opportunities (an import such as the
Maven CRM export) at every month-end of --year: the next month's and next three months' won
revenue forecast from the deals as they stood (open deals + deals not yet created;
pipeline.ForecastWindow) beside a naive forecast (the window of the same length just before),
each with sMAPE and MAPE (percent) and every row.

See the peval package documentation for the protocol. Seeds ` + peval.TuningSeeds + ` tuned the
pipeline forecast; ` + peval.EvaluationSeeds + ` are held out (peval.TuningSeeds,
peval.EvaluationSeeds). Progress goes to stderr.`,
		Example: `  growthlens evaluate pipeline --seeds ` + peval.EvaluationSeeds + ` --json
  growthlens evaluate pipeline --data var/maven --year 2017
  flock /work/bench.lock growthlens evaluate pipeline --seeds 3201-3210 --employees 2000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data != "" {
				return monthEnds(a, data, year, jsonOut)
			}
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
				return printJSON(a.stdout, res)
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
	fl.StringVar(&data, "data", "", "backtest this dataset's deals at month-ends instead of generated companies")
	fl.IntVar(&year, "year", 0, "with --data: the year whose month-ends are backtested (0: every month-end)")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	return cmd
}

// monthEnds runs the month-end backtest of the dataset in dir.
func monthEnds(a *app, dir string, year int, jsonOut bool) error {
	ds, _, err := datasets.Load(dir, datasets.WithTables("employees", "teams", "accounts", "opportunities"))
	if err != nil {
		return err
	}
	res, err := peval.MonthEnds(ds, year)
	if err != nil {
		return err
	}
	if jsonOut {
		return printJSON(a.stdout, res)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if res.AmountAtClose {
		fmt.Fprintln(w, "open deals carry no amount in this data: each is valued at its product's mean won amount before the date")
	}
	fmt.Fprintln(w, "window\tforecasts\tpipeline sMAPE\tnaive sMAPE\tpipeline MAPE\tnaive MAPE")
	for _, name := range []string{"month", "quarter"} {
		if sc, ok := res.Scores[name]; ok {
			fmt.Fprintf(w, "next %s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\n", name, sc.Forecasts, sc.PipelineSMAPE, sc.NaiveSMAPE, sc.PipelineMAPE, sc.NaiveMAPE)
		}
	}
	fmt.Fprintln(w, "\nmonth-end\twindow\twon\tpipeline\topen deals\tnot yet created\tnaive")
	// Amounts carry the dataset's currency, as everywhere else (they were bare figures).
	money := func(x float64) string { return numfmt.Money(x, ds.Settings.Currency) }
	for _, r := range res.Rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.AsOf, r.Window, money(r.Actual), money(r.Pipeline), money(r.Open), money(r.NotCreated), money(r.Naive))
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	return w.Flush()
}
