package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/growthlens/growthlens/internal/numfmt"

	"github.com/growthlens/growthlens/models/rootcause"
	"github.com/spf13/cobra"
)

func newRootcauseCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rootcause",
		Short: "Rank the causes of a KPI shortfall",
		Long: `rootcause explains why a KPI missed its expected value (a target, or the forecast made
before the period).`,
	}
	cmd.AddCommand(newRootcauseSlicesCmd(a), newRootcauseDriversCmd(a), newRootcauseLocateCmd(a))
	return cmd
}

// slicesFlags are the flags of "rootcause slices".
type slicesFlags struct {
	file     string
	dims     string
	cols     rootcause.Columns
	opt      rootcause.Options
	jsonOut  bool
	maxDims  int
	minEff   float64
	topSlice int
}

func newRootcauseSlicesCmd(a *app) *cobra.Command {
	var f slicesFlags
	d := rootcause.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "slices --file leaves.csv --dims a,b,c (--actual COL --expected COL | --numerator COL --denominator COL --expected-numerator COL --expected-denominator COL)",
		Short: "Rank the dimension slices (e.g. region=East & product=GTX) that explain a KPI's gap",
		Long: `slices reads leaf rows (one per combination of dimension values) from a CSV file with a
header, and ranks the slices of one to three dimensions that best explain the gap between the
KPI's actual and expected values, with each slice's share of the gap and how surprising it is.

An additive KPI (revenue, units) takes --actual and --expected; a ratio KPI (win rate,
completion, on-time rate) takes the actual and expected numerator and denominator. Values must
be non-negative numbers; every bad value is reported with its line and column.

"no_dominant_cause" is true when no slice is both statistically significant and larger than a
typical leaf's noise; the slices listed then are the closest candidates, flagged
"significant": false. See the rootcause package documentation for the method.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRootcauseSlices(a, cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.file, "file", "", "leaf CSV file with a header line (required; - for stdin)")
	fl.StringVar(&f.dims, "dims", "", "comma-separated dimension columns, e.g. region,product,team (required)")
	fl.StringVar(&f.cols.Actual, "actual", "", "additive KPI: actual value column")
	fl.StringVar(&f.cols.Expected, "expected", "", "additive KPI: expected value column (target or forecast)")
	fl.StringVar(&f.cols.Numerator, "numerator", "", "ratio KPI: actual numerator column")
	fl.StringVar(&f.cols.Denominator, "denominator", "", "ratio KPI: actual denominator column")
	fl.StringVar(&f.cols.ExpectedNumerator, "expected-numerator", "", "ratio KPI: expected numerator column")
	fl.StringVar(&f.cols.ExpectedDenominator, "expected-denominator", "", "ratio KPI: expected denominator column")
	fl.IntVar(&f.topSlice, "top", d.Top, "number of slices to list")
	fl.IntVar(&f.maxDims, "max-dims", d.MaxDims, "most dimensions combined in one slice")
	fl.Float64Var(&f.opt.Alpha, "alpha", d.Alpha, "family-wise false-alarm rate of the significance test")
	fl.Float64Var(&f.minEff, "min-effect", d.MinEffect, "least change of a dominant slice, in typical-leaf noise s.d.")
	addOutputFlags(fl, &f.jsonOut, "one JSON object")
	return cmd
}

// slicesJSON is the --json output.
type slicesJSON struct {
	Slices          []sliceJSON     `json:"slices"`
	NoDominantCause bool            `json:"no_dominant_cause"`
	Seconds         float64         `json:"seconds"`
	Kind            string          `json:"kind"`
	Leaves          int             `json:"leaves"`
	Actual          float64         `json:"actual"`
	Expected        float64         `json:"expected"`
	GlobalChange    float64         `json:"global_change"`
	MixShare        *float64        `json:"mix_share,omitempty"`
	Noise           rootcause.Noise `json:"noise"`
	Candidates      int             `json:"candidates"`
}

type sliceJSON struct {
	Slice       map[string]string `json:"slice"`
	Score       float64           `json:"score"`
	Share       float64           `json:"share"`
	Surprise    float64           `json:"surprise"`
	Change      float64           `json:"change"`
	Actual      float64           `json:"actual"`
	Expected    float64           `json:"expected"`
	Significant bool              `json:"significant"`
}

func usageErr(format string, args ...any) error {
	return exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func runRootcauseSlices(a *app, cmd *cobra.Command, f slicesFlags) error {
	if f.file == "" {
		return usageErr("--file is required")
	}
	if strings.TrimSpace(f.dims) == "" {
		return usageErr("--dims is required (comma-separated dimension columns)")
	}
	for _, d := range strings.Split(f.dims, ",") {
		if d = strings.TrimSpace(d); d == "" {
			return usageErr("--dims %q has an empty name", f.dims)
		}
		f.cols.Dims = append(f.cols.Dims, d)
	}
	if _, err := f.cols.Kind(); err != nil {
		return usageErr("%v", err)
	}
	if f.topSlice < 1 {
		return usageErr("--top %d: want at least 1", f.topSlice)
	}
	if f.maxDims < 1 {
		return usageErr("--max-dims %d: want at least 1", f.maxDims)
	}
	if !(f.minEff > 0) {
		return usageErr("--min-effect %g: want more than 0", f.minEff)
	}
	f.opt.Top, f.opt.MaxDims, f.opt.MinEffect = f.topSlice, f.maxDims, f.minEff

	start := time.Now()
	in := cmd.InOrStdin()
	if f.file != "-" {
		file, err := os.Open(f.file)
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	tb, err := rootcause.ReadCSV(in, f.cols)
	if err != nil {
		return fmt.Errorf("%s: %w", f.file, err)
	}
	res, err := rootcause.Rank(cmd.Context(), tb, f.opt)
	if err != nil {
		return fmt.Errorf("%s: %w", f.file, err)
	}
	secs := time.Since(start).Seconds()
	a.log.Debug("rootcause slices", "file", f.file, "leaves", tb.Len(), "candidates", res.Candidates, "seconds", secs)

	if f.jsonOut {
		out := slicesJSON{
			Slices: []sliceJSON{}, NoDominantCause: res.NoDominantCause, Seconds: secs,
			Kind: res.Kind.String(), Leaves: tb.Len(), Actual: res.Actual, Expected: res.Expected,
			GlobalChange: res.GlobalChange, Noise: res.Noise, Candidates: res.Candidates,
		}
		if res.Kind == rootcause.Ratio {
			out.MixShare = &res.MixShare
		}
		for _, s := range res.Slices {
			out.Slices = append(out.Slices, sliceJSON{Slice: s.Map(), Score: s.Score, Share: s.Share,
				Surprise: s.Surprise, Change: s.Change, Actual: s.Actual, Expected: s.Expected, Significant: s.Significant})
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printSlicesTable(a, tb, res, secs)
}

func printSlicesTable(a *app, tb *rootcause.Table, res *rootcause.Result, secs float64) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	what := "total"
	if res.Kind == rootcause.Ratio {
		what = "ratio"
	}
	fmt.Fprintf(w, "%d leaves, %s KPI: actual %s %s vs expected %s (%+.1f %%)\n",
		tb.Len(), res.Kind, what, numfmt.Plain(res.Actual), numfmt.Plain(res.Expected), pct(res.Actual, res.Expected))
	if res.GlobalChange != 0 {
		fmt.Fprintf(w, "every leaf moved together by %+.1f %% (a uniform shift, not a slice)\n", 100*res.GlobalChange)
	}
	if res.Kind == rootcause.Ratio {
		fmt.Fprintf(w, "mix (volume moving between leaves with different rates): %.0f %% of the change\n", 100*res.MixShare)
	}
	if res.NoDominantCause {
		fmt.Fprintln(w, "no dominant cause: no slice stands out from the noise; closest candidates:")
	}
	fmt.Fprintln(w, "rank\tslice\tchange\tshare\tsurprise\tscore\tsignificant")
	for i, s := range res.Slices {
		fmt.Fprintf(w, "%d\t%s\t%+.1f %%\t%.1f %%\t%.4f\t%.1f\t%v\n", i+1, s.String(), 100*s.Change, 100*s.Share, s.Surprise, s.Score, s.Significant)
	}
	fmt.Fprintf(w, "(%.1f ms)\n", 1000*secs)
	return w.Flush()
}

func pct(actual, expected float64) float64 {
	if expected == 0 {
		return 0
	}
	return 100 * (actual/expected - 1)
}
