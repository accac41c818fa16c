package train

import (
	"context"
	"fmt"
	"math"

	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/driver"
)

// DriverKind is the artifact format of the driver model (driver.Model.MarshalBinary).
const DriverKind = "driver.model/v1"

// mixedRows is the number of scope-quarters from which the driver model reads drivers month by
// month (driver.FitMixed). Below it the mixed model's extra coefficients cost more than the
// timing they recover (on 100 default-size synthetic companies its intervals were 1.5 times as
// wide and its signs less often right); above it, it removes the bias quarterly means cause
// (docs/models.md, "Drivers").
const mixedRows = 400

// fitDriver fits the driver model on the region panels (the scopes whose drivers differ
// most), month by month on large companies.
func fitDriver(ctx context.Context, in *inputs) (*candidate, []string, error) {
	p, monthly := in.region, in.monthRegion
	opt := driver.Options{Seed: in.cfg.Seed}
	fit := func(o driver.Options) (*driver.Model, error) {
		if len(p.Scopes)*len(p.Periods) >= mixedRows {
			return driver.FitMixed(p, monthly, o)
		}
		return driver.Fit(p, o)
	}
	m, err := fit(opt)
	if err != nil {
		return nil, nil, dataLimit(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, m.Notes, fmt.Errorf("encode driver model: %w", err)
	}
	metrics := map[string]float64{"residual_sd": m.ResidualSD, "observations": float64(m.Observations), "penalty": m.Penalty}
	if mse := chosenMSE(m); !math.IsNaN(mse) {
		metrics["cv_rmse"] = math.Sqrt(mse)
	}
	c := &candidate{
		name: champion.Driver, kind: DriverKind, artifact: b, metrics: metrics, backtest: m.CV, primary: "cv_rmse",
		rescore: func(champion []byte) (float64, error) {
			old, err := driver.Unmarshal(champion)
			if err != nil {
				return 0, err
			}
			o := opt
			o.Lags, o.Shrink, o.L1Ratio = old.Lags, old.Shrink, old.L1Ratio
			refit, err := fit(o)
			if err != nil {
				return 0, err
			}
			return math.Sqrt(chosenMSE(refit)), nil
		},
	}
	return c, m.Notes, nil
}

// chosenMSE is the validation MSE at the penalty the model chose.
func chosenMSE(m *driver.Model) float64 {
	for _, c := range m.CV {
		if c.Penalty == m.Penalty {
			return c.MSE
		}
	}
	return math.NaN()
}
