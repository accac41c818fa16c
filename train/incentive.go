package train

import (
	"context"
	"fmt"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/incentive"
)

// IncentiveKind is the artifact format of the incentive models.
const IncentiveKind = "incentive.recommender/v1"

// fitIncentive trains the preference, attrition, performance and cost models from the HR
// tables. A dataset without employees or rewards gets no incentive model (a warning, not an
// error): the forecast does not need HR data.
func fitIncentive(ctx context.Context, in *inputs) (*candidate, []string, error) {
	ds, _, err := datasets.Load(in.cfg.Data, datasets.WithTables(features.EmployeeTables...))
	if err != nil {
		return nil, nil, err
	}
	if !ds.Present("employees") || !ds.Present("rewards") {
		return nil, nil, skip("the employees and rewards tables are needed")
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
	return &candidate{name: champion.Incentive, kind: IncentiveKind, artifact: b, metrics: metrics, backtest: sum}, nil, nil
}
