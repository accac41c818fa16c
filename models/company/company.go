package company

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/indicators"
)

// Kind is the registry artifact format of a company model (Model.MarshalBinary).
const Kind = "company.model/v1"

// Level is the level of every interval the answers give: 80 %, the range a person can read as
// "probably between".
const Level = 0.80

// MixedRows is the number of scope-quarters from which the model reads drivers month by month
// (driver.FitMixed): below it the monthly profile's extra coefficients cost more than the
// timing they recover (docs/models.md, "Drivers"). With the priors, monthly rows at 100
// employees were tried on the tuning seeds (deval.TuningSeeds, `evaluate drivers --monthly 1`):
// the 80 % what-ifs still held the truth every time (0.99 → 1.00), the median error moved 0.56
// → 0.52 points and the indicator ranking 0.69 → 0.66 — no gain worth the switch.
const MixedRows = 400

// DefaultPriorScale is the prior's spread over the catalogue prior's magnitude (Options):
// a catalogue prior of −0.02 per day says "about −0.02, quite possibly half or twice that,
// never positive". Chosen on the tuning seeds (deval.TuningSeeds, 100 employees), 1, 1.5, 2
// and 3 tried: the median what-if error grew with the spread (0.56, 0.93, 1.33, 1.95 points)
// while the 80 % intervals held the truth 94–99 % of the time at every spread — on a company
// this small the data say little and the catalogue's judgment is close to the generator's.
const DefaultPriorScale = 1.0

// DefaultDraws is the number of posterior draws kept.
const DefaultDraws = 1000

// Options configure Fit. The zero value gives the defaults.
type Options struct {
	// Catalogue gives the drivers, their known directions and prior effects (default
	// indicators.Default()).
	Catalogue *indicators.Catalogue
	// PriorScale is each driver's prior s.d. over the magnitude of its catalogue prior
	// (default DefaultPriorScale).
	PriorScale float64
	// Draws is the number of posterior draws (default DefaultDraws).
	Draws int
	// Seed seeds the sampler: the same data, options and seed give the same model.
	Seed uint64
	// Monthly forces the month-by-month driver profile on (1) or off (−1); 0 decides by
	// MixedRows.
	Monthly int
	// FunnelFloor is the funnel evidence's allowance for measuring the wrong thing, a share
	// of the catalogue prior's magnitude (default DefaultFunnelFloor); a negative value
	// leaves the funnel evidence out (see FunnelEvidence).
	FunnelFloor float64
}

// Model is a company's fitted model: the driver model's posterior draws and the catalogue
// facts every answer needs. It is immutable once fitted or loaded, and safe for concurrent
// use.
type Model struct {
	// Driver is the Bayesian driver model; its WhatIf and Attribute intervals are at Level.
	Driver *driver.Model
	// Negligible is, by driver column, the effect below which the rule calls a driver's effect
	// negligible (see Verdict).
	Negligible map[string]float64
}

// Fit fits the company model on the quarterly panel p of the scopes whose drivers differ
// (regions; teams when there is one region) and, for large companies, the monthly panel of
// the same scopes (monthly may be nil). Each catalogue driver gets the prior N(prior,
// (PriorScale·|prior|)²) truncated to the catalogue's direction (see the package
// documentation). It returns the driver model's errors, and ctx's once it is cancelled (checked
// between posterior draws).
func Fit(ctx context.Context, p, monthly *features.Panel, opt Options) (*Model, error) {
	if p == nil {
		return nil, errors.New("company model: no panel")
	}
	if opt.Catalogue == nil {
		opt.Catalogue = indicators.Default()
	}
	if opt.PriorScale == 0 {
		opt.PriorScale = DefaultPriorScale
	}
	if !(opt.PriorScale > 0) || math.IsInf(opt.PriorScale, 0) {
		return nil, fmt.Errorf("company model: prior scale %g: want a positive number", opt.PriorScale)
	}
	if opt.Draws == 0 {
		opt.Draws = DefaultDraws
	}
	specs, priors, neg := Priors(opt.Catalogue, opt.PriorScale)
	if opt.FunnelFloor == 0 {
		opt.FunnelFloor = DefaultFunnelFloor
	}
	if opt.FunnelFloor > 0 {
		for col, ev := range FunnelEvidence(monthly, opt.Catalogue) {
			pr, ok := priors[col]
			if !ok {
				continue
			}
			pr.Catalogue = pr.Mean
			pr.Mean, pr.SD = combine(pr.Mean, pr.SD, ev.Estimate, ev.SD(opt.FunnelFloor, pr.Mean), pr.Sign)
			priors[col] = pr
		}
	}
	o := driver.Options{Drivers: specs, Priors: priors, Replicates: opt.Draws, Seed: opt.Seed, Level: Level}
	var (
		m   *driver.Model
		err error
	)
	mixed := monthly != nil && len(p.Scopes)*len(p.Periods) >= MixedRows
	switch {
	case opt.Monthly > 0 && monthly != nil:
		mixed = true
	case opt.Monthly < 0:
		mixed = false
	}
	if mixed {
		m, err = driver.FitMixed(ctx, p, monthly, o)
	} else {
		m, err = driver.Fit(ctx, p, o)
	}
	if err != nil {
		return nil, fmt.Errorf("company model: %w", err)
	}
	return &Model{Driver: m, Negligible: neg}, nil
}

// Priors returns the catalogue's drivers as driver specs with their priors (scale: the prior
// s.d. over the prior's magnitude) and each driver's negligible effect, NegligibleShare of its
// prior's magnitude.
func Priors(cat *indicators.Catalogue, scale float64) ([]driver.Spec, map[string]driver.Prior, map[string]float64) {
	var specs []driver.Spec
	priors := map[string]driver.Prior{}
	neg := map[string]float64{}
	for _, ind := range cat.Drivers() {
		col := ind.Formula
		specs = append(specs, driver.Spec{Column: col, Role: cat.RoleOf(col), Scale: driver.Scale(ind.Scale), Unit: ind.Unit})
		if ind.Prior == 0 {
			continue // no prior: the driver model gives it a vague one and either sign
		}
		sign := int(ind.Sign())
		mean := ind.Prior
		if mean*float64(sign) < 0 {
			// A prior against the catalogue's own direction is a catalogue error; trust the
			// direction and keep the magnitude.
			mean = -mean
		}
		priors[col] = driver.Prior{Mean: mean, SD: scale * math.Abs(mean), Sign: sign}
		neg[col] = NegligibleShare * math.Abs(mean)
	}
	return specs, priors, neg
}

// Effects returns the model's drivers in its order.
func (m *Model) Effects() []driver.Effect { return m.Driver.Effects }

// Has reports whether the model estimates the driver.
func (m *Model) Has(column string) bool {
	return slices.ContainsFunc(m.Driver.Effects, func(e driver.Effect) bool { return e.Column == column })
}

// effect returns the driver's effect summary.
func (m *Model) effect(column string) (driver.Effect, bool) {
	for _, e := range m.Driver.Effects {
		if e.Column == column {
			return e, true
		}
	}
	return driver.Effect{}, false
}

// MarshalBinary serialises the model (the driver model carries its priors; the negligible
// effects are rebuilt from them).
func (m *Model) MarshalBinary() ([]byte, error) { return m.Driver.MarshalBinary() }

// Unmarshal rebuilds a model written by MarshalBinary. A driver model fitted without priors
// (an older artifact) is an error: its bootstrap replicates are not posterior draws and it
// knows nothing of the catalogue's directions, so it cannot answer as the company model does.
func Unmarshal(b []byte) (*Model, error) {
	d, err := driver.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if d.Priors == nil {
		return nil, errors.New("company model: the artifact is a driver model without priors (trained by an older build): retrain")
	}
	return FromDriver(d), nil
}

// FromDriver wraps a Bayesian driver model (fitted with priors) as a company model.
func FromDriver(d *driver.Model) *Model {
	neg := map[string]float64{}
	for col, pr := range d.Priors {
		if pr.Sign != 0 {
			neg[col] = NegligibleShare * math.Abs(pr.CatalogueMean())
		}
	}
	if d.Level != Level {
		d = d.AtLevel(Level)
	}
	return &Model{Driver: d, Negligible: neg}
}
