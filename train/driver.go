package train

import (
	"context"
	"fmt"

	companymodel "github.com/growthlens/growthlens/models/company"
)

// DriverName is the registry name of the company model (models/company): the driver effects
// behind what-if, attribution, root causes, indicators and alerts. The name is kept from the
// driver model it replaces, so API paths and model references stay.
const DriverName = "driver"

// DriverKind is the artifact format of the company model (company.Model.MarshalBinary).
const DriverKind = companymodel.Kind

// fitDriver fits the company model on the region panels (the scopes whose drivers differ
// most), month by month on large companies (companymodel.MixedRows). It has no backtest metric to
// guard promotion with: a Bayesian fit with the catalogue's priors has no penalty to validate,
// so each run's model is promoted.
func fitDriver(ctx context.Context, in *inputs) (*candidate, []string, error) {
	p, monthly := in.region, in.monthRegion
	if len(p.Scopes) < 2 && in.team != nil && len(in.team.Scopes) > 1 {
		p, monthly = in.team, nil
	}
	m, err := companymodel.Fit(p, monthly, companymodel.Options{Seed: in.cfg.Seed})
	if err != nil {
		return nil, nil, skip("%v", err)
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
	return &candidate{name: DriverName, kind: DriverKind, artifact: b, metrics: metrics}, m.Driver.Notes, nil
}
