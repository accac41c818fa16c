package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/forecast/evaluation"
)

func newEvaluateForecastCmd(a *app) *cobra.Command {
	var (
		trainPath, testPath, format, method string
		levels                              = []float64{80, 95}
		period, workers                     int
		asJSON                              bool
	)
	cmd := &cobra.Command{
		Use:   "forecast --train FILE --test FILE",
		Short: "Score a forecasting method on held-out series (sMAPE, MASE, OWA, coverage, MSIS)",
		Long: `forecast fits a method to every training series, forecasts as many periods as the test
series has, and scores the forecasts with the M4 competition's measures: sMAPE (factor 200),
MASE (scaled by the in-sample seasonal naive), OWA against Naive2 on the same data, the share
of test values inside each interval, and MSIS. Test values are only used for scoring.

Formats: long is one row per observation with columns id,t,year,quarter,y (or month for
monthly data), as in ../shared/data/m3; m4 is the wide M4 layout, a header "V1","V2",… and
one row per series, the id first, train and test in separate files (give --seasonal-period).

Methods: auto (the calibrated combination), or one of ` + strings.Join(forecast.MethodNames(), ", ") + `,
ets:XYZ for one ETS model (e.g. ets:MAdN), or log:NAME for a method on the logs of positive data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lv, err := checkLevels(levels)
			if err != nil {
				return exitError{code: 2, err: err}
			}
			if format != "long" && format != "m4" {
				return exitError{code: 2, err: fmt.Errorf("--format %q: want long or m4", format)}
			}
			train, err := readItems(trainPath, format, period)
			if err != nil {
				return fmt.Errorf("read --train: %w", err)
			}
			test, err := readItems(testPath, format, period)
			if err != nil {
				return fmt.Errorf("read --test: %w", err)
			}
			cases, err := evaluation.Pair(train, test)
			if err != nil {
				return err
			}
			a.log.Info("evaluating", "method", method, "series", len(cases))
			rep, err := evaluation.Run(cases, evaluation.Options{Method: method, Levels: lv, Workers: workers})
			if err != nil {
				return err
			}
			for _, f := range rep.Failed {
				a.log.Warn("series failed", "id", f.ID, "error", f.Error)
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(rep)
			}
			return printReport(a.stdout, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&trainPath, "train", "", "training series file (required)")
	f.StringVar(&testPath, "test", "", "test series file (required)")
	f.StringVar(&format, "format", "long", "file layout: long or m4")
	f.IntVar(&period, "seasonal-period", 4, "seasonal period for the m4 format (4 quarterly, 12 monthly, 1 none)")
	renamedFlag(f, "period", "seasonal-period") // --period is a quarter or month elsewhere
	f.StringVar(&method, "method", "auto", "forecasting method")
	f.Float64SliceVar(&levels, "levels", levels, "prediction interval levels in percent, comma separated")
	f.IntVar(&workers, "workers", 0, "series forecast in parallel (0: one per CPU)")
	addOutputFlags(f, &asJSON, "one JSON object")
	_ = cmd.MarkFlagRequired("train")
	_ = cmd.MarkFlagRequired("test")
	return cmd
}

// checkLevels returns levels when every one is in (0, 100).
func checkLevels(levels []float64) ([]float64, error) {
	if len(levels) == 0 {
		return nil, fmt.Errorf("--levels: give at least one level in (0, 100)")
	}
	for _, v := range levels {
		if !(v > 0 && v < 100) {
			return nil, fmt.Errorf("--levels: %s is not a level in (0, 100)", strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return levels, nil
}

func readItems(path, format string, period int) ([]evaluation.Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format == "m4" {
		return evaluation.ReadM4(f, period)
	}
	return evaluation.ReadLong(f)
}

func printReport(w io.Writer, r *evaluation.Report) error {
	fmt.Fprintf(w, "method %s: %d series, horizon %d, %.2fs\n", r.Method, r.Series, r.Horizon, r.Seconds)
	row := func(name string, m evaluation.Metrics) {
		fmt.Fprintf(w, "  %-10s sMAPE %7.3f  MASE %6.3f  OWA %6.3f", name, m.SMAPE, m.MASE, m.OWA)
		for _, l := range sortedLevels(m.Coverage) {
			fmt.Fprintf(w, "  cov%g %5.1f%%", l, 100*m.Coverage[l])
		}
		if m.MSISLevel > 0 {
			fmt.Fprintf(w, "  MSIS%g %6.2f", m.MSISLevel, m.MSIS)
		}
		fmt.Fprintln(w)
	}
	row(r.Method, r.Metrics)
	if r.Method == "auto" {
		for _, m := range r.PerMethod {
			row(m.Name, m.Metrics)
		}
	}
	fmt.Fprintf(w, "  %-10s sMAPE %7.3f  MASE %6.3f\n", "naive2", r.Naive2.SMAPE, r.Naive2.MASE)
	if len(r.Backtest) > 0 {
		fmt.Fprintln(w, "rolling-origin backtest inside the training data (model forms chosen on all of it):")
		for _, v := range r.Backtest {
			fmt.Fprintf(w, "  %-10s sMAPE %7.3f  MASE %6.3f  (%d points)\n", v.Method, v.SMAPE, v.MASE, v.Points)
		}
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(w, "%d series failed (see the log)\n", len(r.Failed))
	}
	return nil
}

func sortedLevels(m map[float64]float64) []float64 {
	out := make([]float64, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
