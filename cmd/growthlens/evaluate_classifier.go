package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/atomicfile"
	seedpkg "github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/classify"
)

func newEvaluateClassifierCmd(a *app) *cobra.Command {
	var (
		data, target, positive, foldsOut string
		drop, families                   []string
		folds, innerFolds, workers       int
		seed                             uint64
		asJSON                           bool
	)
	cmd := &cobra.Command{
		Use:   "classifier --data FILE.csv --label COLUMN",
		Short: "Nested cross-validation of the classifier search on any CSV file",
		Long: `classifier scores growthlens's classifier search (logistic regression, naive Bayes,
golearn trees, boosted trees, and a blend of the best two — golearn forests on request with
--models; each with its
hyperparameters and calibration chosen by inner cross-validation) on a CSV file, by nested
stratified cross-validation: the reported metrics are means over held-out outer folds that no
choice saw.

Column kinds are detected (numeric when every non-missing cell is a number). Constant,
all-missing and identifier-like columns are dropped with a note on stderr. Missing cells
("", NA, N/A, NaN, null, None, ?) are imputed; Inf in a numeric column is an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" || target == "" {
				return exitError{2, fmt.Errorf("--data and --label are required")}
			}
			f, err := os.Open(data)
			if err != nil {
				return err
			}
			defer f.Close()
			t, err := classify.ReadCSV(f)
			if err != nil {
				return fmt.Errorf("%s: %w", data, err)
			}
			tc := t.Column(target)
			if tc == nil {
				return exitError{2, fmt.Errorf("--label: no column %q in %s", target, data)}
			}
			labels := make([]string, t.Rows())
			var keep []int
			for i := range labels {
				labels[i] = tc.String(i)
				if labels[i] != "" {
					keep = append(keep, i)
				}
			}
			if missing := t.Rows() - len(keep); missing > 0 {
				a.log.Warn("rows without a target value are left out", "column", target, "rows", missing)
				t = t.Subset(keep)
				labels = labels[:0]
				for _, i := range keep {
					labels = append(labels, tc.String(i))
				}
			}
			// Check the target first: with one class (or one row) nothing else matters.
			if _, _, err := classify.Labels(labels, positive); err != nil {
				return fmt.Errorf("--label %s: %w", target, err)
			}
			features, err := t.Without(append([]string{target}, drop...)...)
			if err != nil {
				return exitError{2, fmt.Errorf("--drop: %w", err)}
			}
			var screened []string
			for _, d := range classify.Screen(features) {
				a.log.Info("column dropped", "column", d.Column, "reason", d.Reason)
				screened = append(screened, d.Column)
			}
			if features, err = features.Without(screened...); err != nil {
				return err
			}
			if len(features.Columns()) == 0 {
				return fmt.Errorf("no feature column left after dropping %s", strings.Join(append(drop, screened...), ", "))
			}
			rep, err := classify.Evaluate(features, labels, classify.Options{
				Folds: folds, InnerFolds: innerFolds, Seed: seed, Families: families, Positive: positive, Workers: workers,
			})
			if err != nil {
				return err
			}
			if foldsOut != "" {
				if err := writeFolds(foldsOut, keep, rep.Fold); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				return enc.Encode(newClassifierJSON(rep, features, data, target))
			}
			return printClassifierReport(a, rep)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "CSV file with a header row (BOM and CRLF accepted)")
	fl.StringVar(&target, "label", "", "column holding the class labels")
	renamedFlag(fl, "target", "label") // --target is a growth target in cascade
	fl.StringVar(&positive, "positive", "", "positive class for two-class targets (default: the larger label, e.g. Yes over No)")
	fl.IntVar(&folds, "folds", 5, "outer stratified folds")
	fl.IntVar(&innerFolds, "inner-folds", 3, "inner folds used to choose model, hyperparameters and calibration")
	fl.Uint64Var(&seed, "seed", seedpkg.Default, "seed for folds, subsamples and bootstraps")
	fl.StringSliceVar(&drop, "drop", nil, "columns to leave out, comma-separated")
	fl.StringSliceVar(&families, "models", nil, "candidate families (default "+strings.Join(classify.DefaultFamilies, ",")+")")
	fl.IntVar(&workers, "workers", 0, "goroutines fitting candidates at once (default GOMAXPROCS; results do not depend on it)")
	fl.StringVar(&foldsOut, "write-folds", "", "write each row's outer fold to this CSV file (row,fold; row 0 is the first data row; rows without a target are not listed)")
	addOutputFlags(fl, &asJSON, "one JSON object on stdout")
	return cmd
}

type classifierJSON struct {
	Data     string   `json:"data"`
	Target   string   `json:"target"`
	Features []string `json:"features"`
	*classify.Report
}

func newClassifierJSON(rep *classify.Report, t *classify.Table, data, target string) classifierJSON {
	var names []string
	for _, c := range t.Columns() {
		names = append(names, c.Name)
	}
	return classifierJSON{Data: data, Target: target, Features: names, Report: rep}
}

// writeFolds writes each evaluated row's outer fold; row is the data row's index in the file
// (0 = first row after the header), so rows left out for a missing target leave gaps.
func writeFolds(path string, rows, fold []int) error {
	var b strings.Builder
	b.WriteString("row,fold\n")
	for i, f := range fold {
		fmt.Fprintf(&b, "%d,%d\n", rows[i], f)
	}
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, b.String()); return err }); err != nil {
		return fmt.Errorf("write folds: %w", err)
	}
	return nil
}

func printClassifierReport(a *app, rep *classify.Report) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "rows %d, classes %s, %d-fold nested CV, %.1fs\n", rep.Rows, strings.Join(rep.Classes, "/"), rep.Folds, rep.Seconds)
	fmt.Fprintf(w, "chosen per fold: %s\n\n", strings.Join(rep.ChosenPerFold, ", "))
	fmt.Fprintln(w, "model\tauc\taccuracy\tmacro_f1\tlogloss\tbrier\tinner_logloss")
	row := func(name string, m classify.Metrics, inner string) {
		fmt.Fprintf(w, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\n", name, m.AUC, m.Accuracy, m.MacroF1, m.LogLoss, m.Brier, inner)
	}
	row("chosen ("+rep.Model+")", rep.Metrics, "")
	for _, pm := range rep.PerModel {
		row(pm.Name, pm.Metrics, fmt.Sprintf("%.4f", pm.InnerLogLoss))
	}
	row("base rate", rep.Baseline, "")
	return w.Flush()
}
