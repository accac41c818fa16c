package train

import (
	"context"
	"fmt"

	"github.com/growthlens/growthlens/models/champion"
	companymodel "github.com/growthlens/growthlens/models/company"
)

// DriverKind is the artifact format of the company model (company.Model.MarshalBinary), which
// is registered under the driver model's name (champion.Driver): the driver effects behind
// what-if, attribution, root causes, indicators and alerts. The name is kept, so API paths and
// model references stay; the artifact is a driver model fitted with priors, so loaders that
// decode driver models read it.
const DriverKind = companymodel.Kind

// fitDriver fits the company model on the region panels (the scopes whose drivers differ
// most), month by month on large companies (companymodel.MixedRows). It has no backtest
// metric to guard promotion with: a Bayesian fit with the catalogue's priors has no penalty
// to validate, so each run's model is promoted.
func fitDriver(ctx context.Context, in *inputs) (*candidate, []string, error) {
	p, monthly := in.region, in.monthRegion
	if len(p.Scopes) < 2 && in.team != nil && len(in.team.Scopes) > 1 {
		p, monthly = in.team, nil
	}
	m, err := companymodel.Fit(ctx, p, monthly, companymodel.Options{Seed: in.cfg.Seed})
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, cerr // cancelled (SIGTERM, DELETE of the run), not a data limit
	}
	if err != nil {
		return nil, nil, dataLimit(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, m.Driver.Notes, fmt.Errorf("encode company model: %w", err)
	}
	metrics := map[string]float64{"residual_sd": m.Driver.ResidualSD, "observations": float64(m.Driver.Observations), "draws": float64(m.Driver.Replicates)}
	for _, v := range m.Verdicts() {
		if v.Uncertain {
			metrics["uncertain_drivers"]++
		}
	}
	return &candidate{name: champion.Driver, kind: DriverKind, artifact: b, metrics: metrics}, m.Driver.Notes, nil
}
