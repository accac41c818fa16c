package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	seedpkg "github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/incentive"
)

// incentiveReport is the output of evaluate incentive.
type incentiveReport struct {
	Data    string             `json:"data"`
	AsOf    string             `json:"as_of"`
	HeldOut *incentive.HeldOut `json:"held_out"`
	// Employees on staff on AsOf; Recommended those with a recommendation under the policy.
	Employees   int `json:"employees"`
	Recommended int `json:"recommended"`
	// RaisedRisk counts recommended top options that raise the predicted risk of leaving
	// (allowed only as the only eligible option, flagged so); Unflagged those that are not
	// flagged (must be 0). CostMore counts recommended top options costing more than their
	// benefit; CostMoreUnsaid those whose reasons do not say so (must be 0). AgeSentences
	// counts reason sentences and notes naming age or birth (must be 0).
	RaisedRisk     int                `json:"raised_risk"`
	Unflagged      int                `json:"raised_risk_unflagged"`
	CostMore       int                `json:"cost_more_than_benefit"`
	CostMoreUnsaid int                `json:"cost_more_than_benefit_unsaid"`
	AgeSentences   int                `json:"age_sentences"`
	Fairness       incentive.Fairness `json:"fairness"`
}

var ageWords = regexp.MustCompile(`(?i)\b(age|aged|birth)\b`)

func newEvaluateIncentiveCmd(a *app) *cobra.Command {
	var (
		data, config string
		seed         uint64
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "incentive --data DIR [--config POLICY.yaml] [--json]",
		Short: "Held-out accuracy, policy checks and age-band selection rates of the incentive recommendations",
		Long: `incentive trains the incentive models on a dataset's HR tables and reports:

  held out   the preference and attrition models trained on the history before the last 12
             months and scored on them: attrition AUC, log loss and Brier score beside a plain
             logistic baseline (role, tenure, pay against the role median, last review), and
             the preference model's top-1 accuracy and log loss on the incentives chosen in
             those months beside the types' shares;
  policy     on the employees on staff the day after the data: how many get a
             recommendation, recommended top options that raise the predicted leaving risk
             (allowed only when the only eligible one, flagged) or cost more than their
             benefit (said in the reasons), and reason sentences naming age (none allowed);
  fairness   the selection rate of each incentive type by age band (the share of the band
             whose top recommendation it is) and the four-fifths ratio (lowest band rate over
             the highest; under 0.8 reads as adverse impact). Age is not a model input unless
             the policy allows protected inputs.`,
		Example: `  growthlens evaluate incentive --data var/default
  growthlens evaluate incentive --data var/acme --config acme-policy.yaml --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usageError(fmt.Errorf("--data is required"))
			}
			cfg := incentive.DefaultConfig()
			if config != "" {
				var err error
				if cfg, err = incentive.LoadConfig(config); err != nil {
					return err
				}
			}
			ds, _, err := datasets.Load(data, datasets.WithTables(features.EmployeeTables...))
			if err != nil {
				return err
			}
			opt := incentive.TrainOptions{Seed: seed}
			rep := incentiveReport{Data: data}
			if rep.HeldOut, err = incentive.EvaluateHeldOut(cmd.Context(), ds, cfg, opt); err != nil {
				return err
			}
			r, err := incentive.Train(cmd.Context(), ds, cfg, opt)
			if err != nil {
				return err
			}
			asOf := r.ObservedUntil().AddDate(0, 0, 1)
			rep.AsOf = datasets.FormatDate(asOf)
			ids, err := r.OnStaff(time.Time{}, "")
			if err != nil {
				return err
			}
			recs, err := r.Recommend(cmd.Context(), ids, incentive.Options{Top: 7})
			if err != nil {
				return err
			}
			rep.Employees = len(recs)
			for _, rec := range recs {
				for _, n := range rec.Notes {
					if ageWords.MatchString(n) {
						rep.AgeSentences++
					}
				}
				for j, o := range rec.Options {
					for _, s := range o.Reasons {
						if ageWords.MatchString(s) {
							rep.AgeSentences++
						}
					}
					if j > 0 || !o.Recommended {
						continue
					}
					rep.Recommended++
					if o.RiskChange > 0 {
						rep.RaisedRisk++
						if !slices.Contains(o.Flags, incentive.FlagOnlyEligible) {
							rep.Unflagged++
						}
					}
					if o.Cost > 0 && o.Cost > o.Benefit {
						rep.CostMore++
						if !slices.ContainsFunc(o.Reasons, func(s string) bool {
							return strings.HasPrefix(s, "It costs more than") || strings.Contains(s, "more harm than good")
						}) {
							rep.CostMoreUnsaid++
						}
					}
				}
			}
			rep.Fairness = r.Fairness(recs, asOf)
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return writeIncentiveReport(a, &rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "dataset directory with employees.csv, rewards.csv and reviews.csv (required)")
	f.StringVar(&config, "config", "", "the tenant's incentive policy (YAML or JSON; default: the built-in policy)")
	f.Uint64Var(&seed, "seed", seedpkg.Default, "random seed of the models' cross-validation")
	addOutputFlags(f, &asJSON, "one JSON object")
	return cmd
}

func writeIncentiveReport(a *app, rep *incentiveReport) error {
	h := rep.HeldOut
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "held out: the 12 months from %s, models trained on the history before\n", h.Cutoff)
	fmt.Fprintf(w, "attrition\temployees\tleft\tAUC\tlog loss\tBrier\n")
	fmt.Fprintf(w, "  model\t%d\t%d\t%.3f\t%.4f\t%.4f\n", h.AttritionEmployees, h.AttritionLeft, h.AttritionAUC, h.AttritionLogLoss, h.AttritionBrier)
	fmt.Fprintf(w, "  logistic baseline\t\t\t%.3f\t%.4f\t%.4f\n", h.BaselineAUC, h.BaselineLogLoss, h.BaselineBrier)
	if len(h.Leavers) > 0 {
		c := h.Leavers[0]
		fmt.Fprintf(w, "  expected leavers\t%.1f (80 %% interval %d–%d), actual %d; teams inside their interval: %d of %d\n", c.Expected, c.Low, c.High, h.Actual[0], h.TeamsCovered, h.Teams)
	}
	fmt.Fprintf(w, "preference\tchoices\ttop-1\tlog loss\n")
	fmt.Fprintf(w, "  model\t%d\t%.3f\t%.4f\n", h.PreferenceChoices, h.PreferenceTop1, h.PreferenceLogLoss)
	fmt.Fprintf(w, "  types' shares\t\t%.3f\t%.4f\n", h.PreferenceBaseTop1, h.PreferenceBaseLogLoss)
	fmt.Fprintf(w, "\npolicy on %s: %d employees, %d with a recommendation\n", rep.AsOf, rep.Employees, rep.Recommended)
	fmt.Fprintf(w, "  top raising the leaving risk\t%d (unflagged %d)\n", rep.RaisedRisk, rep.Unflagged)
	fmt.Fprintf(w, "  top costing more than its benefit\t%d (unsaid %d)\n", rep.CostMore, rep.CostMoreUnsaid)
	fmt.Fprintf(w, "  sentences naming age\t%d\n", rep.AgeSentences)
	fr := rep.Fairness
	fmt.Fprintf(w, "\nselection rate of the top recommendation by age band (%d without a birth year)\n", fr.Unknown)
	fmt.Fprintf(w, "type\t%s\tfour-fifths\n", strings.Join(fr.Bands, "\t"))
	fmt.Fprintf(w, "employees\t%s\t\n", joinInts(fr.Employees))
	for _, t := range datasets.RewardTypes {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t, joinPct(fr.Rates[t]), ratioText(fr.FourFifths[t]))
	}
	fmt.Fprintf(w, "no recommendation\t%s\t\n", joinPct(fr.None))
	fmt.Fprintf(w, "any recommendation\t%s\t%s\n", joinPct(anyRates(fr)), ratioText(fr.AnyFourFifths))
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(a.stdout, "(four-fifths: lowest band rate over the highest, bands of at least %d employees)\n", incentive.MinBandEmployees)
	return err
}

// ratioText writes a four-fifths ratio, marked when under 0.8.
func ratioText(v *float64) string {
	if v == nil {
		return "none selected"
	}
	s := fmt.Sprintf("%.2f", *v)
	if *v < 0.8 {
		s += " (under 0.8)"
	}
	return s
}

// anyRates is each band's share with a recommendation.
func anyRates(fr incentive.Fairness) []float64 {
	out := make([]float64, len(fr.None))
	for b, n := range fr.Employees {
		if n > 0 {
			out[b] = 1 - fr.None[b]
		}
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, "\t")
}

func joinPct(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.0f %%", 100*x)
	}
	return strings.Join(s, "\t")
}
