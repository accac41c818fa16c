package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/shareddata"
)

// evalJob is one evaluation `evaluate all` runs when its data is present.
type evalJob struct {
	name  string
	needs []string // files under the shared data folder
	args  func(shared string) []string
	// metrics are the JSON fields printed, each with the target it is held to (or "").
	metrics [][2]string
}

var evalJobs = []evalJob{
	{
		name:  "forecast: M3 quarterly, auto",
		needs: []string{"m3/M3Q-train.csv", "m3/M3Q-test.csv"},
		args: func(d string) []string {
			return []string{"evaluate", "forecast", "--train", filepath.Join(d, "m3/M3Q-train.csv"), "--test", filepath.Join(d, "m3/M3Q-test.csv"), "--json"}
		},
		metrics: [][2]string{{"series", ""}, {"smape", "≤ 8.90"}, {"mase", "≤ 1.08"}, {"owa", "≤ 0.885"}, {"coverage80", "0.77–0.83"}, {"coverage95", "0.92–0.97"}, {"msis", ""}, {"seconds", "< 10"}},
	},
	{
		name:  "classifier: IBM HR attrition, 5-fold, seed 0",
		needs: []string{"ibm-hr-attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"},
		args: func(d string) []string {
			return []string{"evaluate", "classifier", "--data", filepath.Join(d, "ibm-hr-attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"),
				"--label", "Attrition", "--positive", "Yes", "--folds", "5", "--seed", "0", "--json"}
		},
		metrics: [][2]string{{"rows", ""}, {"model", ""}, {"auc", "≥ 0.845"}, {"accuracy", ""}, {"macro_f1", ""}, {"logloss", ""}, {"brier", ""}, {"seconds", ""}},
	},
}

func newEvaluateAllCmd(a *app) *cobra.Command {
	var shared string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Run every evaluation whose data is present and print one table",
		Long: `all runs each growthlens evaluation whose public dataset is in the shared data folder
(../shared/data by default: M3 for the forecasts, IBM HR attrition for the classifiers) and
prints their headline metrics beside the targets they are held to, each marked met or short.
Evaluations whose data is absent are listed as skipped, with the files they need.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if shared == "" {
				shared, _ = shareddata.Dir()
			}
			results := map[string]map[string]any{}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "evaluation\tmetric\tvalue\ttarget\tverdict")
			}
			for _, job := range evalJobs {
				missing := ""
				for _, n := range job.needs {
					if _, err := os.Stat(filepath.Join(shared, n)); err != nil {
						missing = filepath.Join(shared, n)
						break
					}
				}
				if missing != "" {
					results[job.name] = map[string]any{"skipped": "missing " + missing}
					if !asJSON {
						fmt.Fprintf(tw, "%s\tskipped\t-\tneeds %s\t\n", job.name, missing)
					}
					continue
				}
				a.log.Info("evaluating", "evaluation", job.name)
				var out, errOut bytes.Buffer
				root := newRootCmd(&out, &errOut)
				root.SetArgs(append(job.args(shared), "--log-level", "warn"))
				if err := root.ExecuteContext(cmd.Context()); err != nil {
					return fmt.Errorf("%s: %w\n%s", job.name, err, errOut.String())
				}
				var m map[string]any
				if err := json.Unmarshal(out.Bytes(), &m); err != nil {
					return fmt.Errorf("%s: reading its JSON: %w", job.name, err)
				}
				results[job.name] = m
				verdicts := map[string]string{}
				for _, mt := range job.metrics {
					if v := verdict(m[mt[0]], mt[1]); v != "" {
						verdicts[mt[0]] = v
					}
					if !asJSON {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", job.name, mt[0], formatMetric(m[mt[0]]), mt[1], verdicts[mt[0]])
					}
				}
				m["verdicts"] = verdicts
			}
			if asJSON {
				return printJSON(a.stdout, results)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&shared, "shared", "", "shared data folder (default: ../shared/data beside the module, or $"+shareddata.EnvVar+")")
	addOutputFlags(cmd.Flags(), &asJSON, "one object with every evaluation's full output")
	return cmd
}

func formatMetric(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case float64:
		return numfmt.Plain(x)
	default:
		return fmt.Sprint(x)
	}
}

// verdict says whether value meets target: "met" or "short", or "" when there is no target
// or no number to hold to it. A target is "≤ X", "< X", "≥ X", "> X" or a range "A–B".
func verdict(value any, target string) string {
	x, ok := value.(float64)
	if !ok || target == "" {
		return ""
	}
	num := func(s string) (float64, bool) {
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 64)
		return f, err == nil
	}
	met := false
	switch op, rest, _ := strings.Cut(target, " "); op {
	case "≤", "<", "≥", ">":
		t, ok := num(rest)
		if !ok {
			return ""
		}
		met = map[string]bool{"≤": x <= t, "<": x < t, "≥": x >= t, ">": x > t}[op]
	default:
		lo, hi, found := strings.Cut(target, "–")
		a, okA := num(lo)
		b, okB := num(hi)
		if !found || !okA || !okB {
			return ""
		}
		met = x >= a && x <= b
	}
	if met {
		return "met"
	}
	return "short"
}
