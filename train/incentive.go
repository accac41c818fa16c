package train

import (
	"context"
	"fmt"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/incentive"
)

// IncentiveKind is the artifact format of the incentive models.
const IncentiveKind = "incentive.recommender/v1"

// absentTables returns the names among tables that ds does not hold, in order.
func absentTables(ds *datasets.Dataset, tables ...string) []string {
	var out []string
	for _, t := range tables {
		if !ds.Present(t) {
			out = append(out, t+" table")
		}
	}
	return out
}

// fitIncentive trains the preference, attrition, performance and cost models from the HR
// tables, and scores them on the last 12 months with models trained on the history before
// (incentive.EvaluateHeldOut): the attrition model's AUC, log loss and Brier score, the
// preference model's top-1 accuracy and log loss. Promotion compares the two log losses. A
// dataset without employees or rewards gets no incentive model (a warning, not an error): the
// forecast does not need HR data.
func fitIncentive(ctx context.Context, in *inputs) (*candidate, []string, error) {
	ds, _, err := datasets.Load(in.cfg.Data, datasets.WithTables(features.EmployeeTables...))
	if err != nil {
		return nil, nil, err
	}
	if absent := absentTables(ds, "employees", "rewards"); len(absent) > 0 {
		// Name what is absent: a CRM import has employees (the sales agents) but no
		// incentive history, and "employees and rewards are needed" sent its users looking
		// for a fault in a table they had.
		return nil, nil, skip("the incentive models learn from the employees table and the rewards table (the incentive history: who got which incentive, and what followed); the data has no %s", strings.Join(absent, " and no "))
	}
	cfg := incentive.DefaultConfig()
	if in.cfg.Incentive != nil {
		cfg = *in.cfg.Incentive
	}
	r, err := incentive.Train(ctx, ds, cfg, incentive.TrainOptions{Seed: in.cfg.Seed})
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, cerr // cancelled, not a model the data cannot support
	}
	if err != nil {
		return nil, nil, dataLimit(err)
	}
	b, err := r.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("encode incentive models: %w", err)
	}
	sum := r.Summary()
	metrics := map[string]float64{
		"chosen_rewards":      float64(sum.ChosenRewards),
		"attrition_snapshots": float64(sum.AttritionSnapshots),
	}
	c := &candidate{name: champion.Incentive, kind: IncentiveKind, artifact: b, metrics: metrics}
	opt := incentive.TrainOptions{Seed: in.cfg.Seed}
	h, err := incentive.EvaluateHeldOut(ctx, ds, cfg, opt)
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, cerr
	}
	var warns []string
	if err != nil {
		// Too short a history for a year held out: the models are still trained on all of it,
		// and a promotion over a champion says there was nothing to compare.
		warns = append(warns, "no held-out year: "+err.Error())
		c.backtest = incentiveBacktest{Summary: sum}
		return c, warns, nil
	}
	for k, v := range heldOutMetrics(h) {
		metrics[k] = v
	}
	c.backtest = incentiveBacktest{Summary: sum, HeldOut: h}
	c.primary, c.also = "attrition_logloss", []string{"preference_logloss"}
	c.rescoreAll = func(art []byte) (map[string]float64, error) {
		old, err := incentive.Restore(art, ds)
		if err != nil {
			return nil, err
		}
		h, err := incentive.EvaluateHeldOut(ctx, ds, old.Config(), opt)
		if err != nil {
			return nil, err
		}
		return heldOutMetrics(h), nil
	}
	return c, warns, nil
}

// incentiveBacktest is the incentive models' record in the registry: what training learned
// from, and the held-out year's evaluation.
type incentiveBacktest struct {
	Summary incentive.Summary  `json:"summary"`
	HeldOut *incentive.HeldOut `json:"held_out,omitempty"`
}

// heldOutMetrics are the held-out figures a run records for the incentive models; the guard
// compares the two log losses (lower is better).
func heldOutMetrics(h *incentive.HeldOut) map[string]float64 {
	return map[string]float64{
		"attrition_auc":           h.AttritionAUC,
		"attrition_logloss":       h.AttritionLogLoss,
		"attrition_brier":         h.AttritionBrier,
		"attrition_baseline_auc":  h.BaselineAUC,
		"attrition_heldout_rows":  float64(h.AttritionEmployees),
		"preference_top1":         h.PreferenceTop1,
		"preference_logloss":      h.PreferenceLogLoss,
		"preference_base_top1":    h.PreferenceBaseTop1,
		"preference_heldout_rows": float64(h.PreferenceChoices),
	}
}
