package driver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/quantile"
)

// ErrNotEnoughData is matched (errors.Is) by Fit's and FitMixed's errors for data that cannot
// support a driver model: no usable or moving driver, too few observations or periods for
// the coefficients and the rolling-origin validation, or a bootstrap whose replicates mostly
// fail because a driver moves in too few periods. Any other error is a fault of the options
// or of the code.
var ErrNotEnoughData = errors.New("not enough data for a driver model")

type dataError struct{ error }

func (e dataError) Is(target error) bool { return target == ErrNotEnoughData }

// What the penalty falls on, for Options.Shrink.
const (
	ShrinkShape = "shape"
	ShrinkAll   = "all"
	// ShrinkPrior marks a Bayesian fit (Options.Priors): the priors do the shrinking.
	ShrinkPrior = "prior"
)

// Row weightings for Options.Weighting.
const (
	WeightRevenue = "revenue"
	WeightEqual   = "equal"
)

// Options configure Fit. The zero value gives the defaults of DefaultOptions.
type Options struct {
	// Drivers are the panel columns to use (default DefaultSpecs). A driver the panel lacks is
	// dropped with a note.
	Drivers []Spec
	// Lags is the highest lag, in periods, of the driver changes: default 1 (lags 0 and 1)
	// for Fit, MixedLags for FitMixed (the months of the quarter and of the two before it).
	Lags int
	// Shrink says what the penalty falls on: ShrinkShape (the default) penalizes only how each
	// driver's effect is spread over its lags and leaves its sustained effect unpenalized;
	// ShrinkAll penalizes every lag coefficient (plain ridge, lasso or elastic net). See the
	// package documentation.
	Shrink string
	// L1Ratio mixes the penalty: 0 is ridge (the default), 1 is the lasso, in between the
	// elastic net.
	L1Ratio float64
	// Penalties are the candidate λ for the rolling-origin validation (default: 0 and 25
	// values on a log grid; see Model.CV).
	Penalties []float64
	// MinTrain is the number of periods the first validation origin trains on (default: the
	// larger of two years and half the periods, at least a year and a period).
	MinTrain int
	// Replicates is the number of bootstrap replicates (default 1000).
	Replicates int
	// BlockLength is the number of consecutive periods in a bootstrap block (default: the
	// cube root of the number of periods, at least 2).
	BlockLength int
	// Level is the confidence level of every interval (default 0.95).
	Level float64
	// Weighting is WeightRevenue (default: rows weighted by their scope's mean revenue) or
	// WeightEqual.
	Weighting string
	// Seed seeds the bootstrap (or the Gibbs sampler); the same data, options and seed give
	// the same model.
	Seed uint64
	// Priors, by driver column, make the fit Bayesian: the coefficients are drawn from their
	// posterior under these priors (sign-constrained where a Prior has a Sign) by a Gibbs
	// sampler instead of being penalized and bootstrapped, and Replicates is the number of
	// posterior draws kept. A driver without an entry gets a vague prior centred on zero. Nil
	// keeps the penalized fit. See the package documentation, "Priors".
	Priors map[string]Prior
}

// MixedLags is FitMixed's default Lags: the monthly profile covers nine months (the quarter
// and the two before it). It was chosen on synthetic companies with seeds 1–5 over six months
// (Lags 1, which left reimbursement time's effect 14 % too large) and twelve (wider intervals,
// no less bias); see the package documentation.
const MixedLags = 2

// DefaultOptions returns the options Fit uses for zero fields.
func DefaultOptions() Options {
	return Options{Drivers: DefaultSpecs(), Lags: 1, Shrink: ShrinkShape, Replicates: 1000, Level: 0.95, Weighting: WeightRevenue}
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Drivers == nil {
		o.Drivers = d.Drivers
	}
	if o.Lags == 0 {
		o.Lags = d.Lags
	}
	if o.Replicates == 0 {
		o.Replicates = d.Replicates
	}
	if o.Level == 0 {
		o.Level = d.Level
	}
	if o.Weighting == "" {
		o.Weighting = d.Weighting
	}
	if o.Shrink == "" {
		o.Shrink = d.Shrink
	}
	switch {
	case o.Lags < 1 || o.Lags > 8:
		return o, fmt.Errorf("lags %d: want 1 to 8", o.Lags)
	case !(o.L1Ratio >= 0 && o.L1Ratio <= 1):
		return o, fmt.Errorf("l1 ratio %g: want 0 to 1", o.L1Ratio)
	case o.Replicates < 100:
		return o, fmt.Errorf("replicates %d: want at least 100", o.Replicates)
	case !(o.Level > 0.5 && o.Level < 1):
		return o, fmt.Errorf("level %g: want between 0.5 and 1", o.Level)
	case o.Weighting != WeightRevenue && o.Weighting != WeightEqual:
		return o, fmt.Errorf("weighting %q: want %q or %q", o.Weighting, WeightRevenue, WeightEqual)
	case o.Shrink != ShrinkShape && o.Shrink != ShrinkAll:
		return o, fmt.Errorf("shrink %q: want %q or %q", o.Shrink, ShrinkShape, ShrinkAll)
	case o.MinTrain < 0:
		return o, fmt.Errorf("min train %d: want at least 0", o.MinTrain)
	case o.BlockLength < 0:
		return o, fmt.Errorf("block length %d: want at least 0", o.BlockLength)
	}
	for col, pr := range o.Priors {
		if err := pr.validate(col); err != nil {
			return o, err
		}
	}
	for _, p := range o.Penalties {
		if !(p >= 0) || math.IsInf(p, 0) {
			return o, fmt.Errorf("penalty %g: want a finite number ≥ 0", p)
		}
	}
	return o, validateSpecs(o.Drivers)
}

// Interval is an estimate with its bootstrap percentile interval at Model.Level.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// Excludes0 reports whether the interval lies wholly on one side of zero.
func (i Interval) Excludes0() bool { return i.Lower > 0 || i.Upper < 0 }

// Effect is a driver's estimated effect on growth.
type Effect struct {
	Spec
	// Sustained is the change in log revenue, once every lag has passed, per unit of a
	// sustained change of the driver (per log unit for Log drivers, i.e. an elasticity; per
	// day or hour for Level drivers): the sum of the lag effects. It is on the scale of
	// ground_truth.json's effects.
	Sustained Interval `json:"sustained"`
	// Lags[l] is the change in growth l periods after the driver changed, per unit.
	Lags []Interval `json:"lags"`
	// SD is the bootstrap standard deviation of Sustained.
	SD float64 `json:"sd"`
	// DataOnly, for a Bayesian fit, is what the data alone say about the sustained effect:
	// the least-squares estimate without prior or constraint, ± one standard error.
	DataOnly *Interval `json:"data_only,omitempty"`
	// Months, for a model fitted by FitMixed, is the monthly profile behind Lags: Months[j]
	// is the change in a quarter's log revenue per unit of the driver's level j months
	// before the quarter's last month (Lags[k] is the sum of Months[3k..3k+2]). Empty for Fit.
	Months []Interval `json:"months,omitempty"`
}

// Model is a fitted driver model. Fit or FitMixed builds it; WhatIf and Attribute use it.
type Model struct {
	Grain      datasets.Grain `json:"-"`
	ScopeLevel string         `json:"scope_level"`
	Effects    []Effect       `json:"effects"`
	Lags       int            `json:"lags"`
	// MonthLags is the highest monthly lag of a model fitted by FitMixed (3·(Lags+1) − 1), 0
	// for Fit.
	MonthLags int    `json:"month_lags,omitempty"`
	Shrink    string `json:"shrink"`
	// Penalty is the λ chosen by rolling-origin validation, in the units of a sum loss over
	// rows (scikit-learn Ridge's alpha on the standardized penalized columns).
	Penalty float64   `json:"penalty"`
	L1Ratio float64   `json:"l1_ratio"`
	CV      []CVPoint `json:"cv"`
	// Observations is the number of scope-periods (rows) fitted.
	Observations int      `json:"observations"`
	Scopes       []string `json:"scopes"`
	// First and Last are the first and last periods whose growth was fitted.
	First datasets.Period `json:"first"`
	Last  datasets.Period `json:"last"`
	// ResidualSD is the weighted standard deviation of the growth residuals (log points).
	ResidualSD float64 `json:"residual_sd"`
	// Level is the confidence level of every interval.
	Level float64 `json:"level"`
	// Replicates is the number of bootstrap replicates kept; BlockLength their block length.
	Replicates  int `json:"replicates"`
	BlockLength int `json:"block_length"`
	// Notes say which drivers were dropped and why, and anything else the reader must know.
	Notes []string `json:"notes"`
	// Priors are the priors of a Bayesian fit (Options.Priors, with the vague ones filled in),
	// by driver column; nil for the penalized fit, whose Replicates are bootstrap replicates
	// rather than posterior draws.
	Priors map[string]Prior `json:"priors,omitempty"`

	coef  []float64   // per driver × lag, on the raw changes
	draws [][]float64 // bootstrap replicates of coef
	data  *frame
}

// Fit estimates the effect of each driver's changes on growth from a panel (features.Build at
// quarter or month grain, any scope level).
//
// Growth of scope s in period t, Δ log revenue, is regressed on the driver changes of periods
// t, t−1, …, t−Lags (Δ log for Log drivers, Δ level for Level drivers), with a fixed effect per
// scope (its own drift) and per season (quarter or month of the year), all unpenalized. The
// driver coefficients are penalized on the standardized scale; the penalty is chosen by
// rolling-origin validation on the periods themselves and the intervals come from a circular
// block bootstrap over periods. See the package documentation for why.
//
// Fit returns an error when the panel has no revenue, no usable driver, or too few
// scope-periods for the coefficients and fixed effects (the message says how many it has and
// needs).
//
// ctx stops a Bayesian fit (Priors) between Gibbs sweeps once it is cancelled: Fit then
// returns its error instead of a model. A training run's shutdown waits for it.
func Fit(ctx context.Context, p *features.Panel, opt Options) (*Model, error) {
	if p == nil {
		return nil, errors.New("driver model: nil panel")
	}
	specs := opt.Drivers
	if specs == nil {
		specs = DefaultSpecs()
	}
	cols := make([]string, len(specs))
	for i, s := range specs {
		cols[i] = s.Column
	}
	return fitWith(ctx, frameOf(p, cols), nil, opt)
}

// FitMixed is Fit with quarterly growth regressed on monthly driver changes: quarterly is the
// quarterly panel that gives revenue (and the levels WhatIf and Attribute start from), monthly
// the monthly panel of the same data and scope level that gives the drivers. Column j of a
// driver is its change over the three months ending j months before the quarter's last month,
// j = 0..3·(Lags+1)−1 (the months of the quarter and of the Lags quarters before it), so the
// model sees when within a quarter a driver moved; see the package documentation for why the
// quarterly averages of Fit bias a driver whose timing matters. Effects and what-if results
// are per quarter as with Fit; Effect.Months gives the monthly profile.
//
// FitMixed returns Fit's errors, and an error when a panel is nil, of the wrong grain, or the
// two are of different scope levels.
func FitMixed(ctx context.Context, quarterly, monthly *features.Panel, opt Options) (*Model, error) {
	switch {
	case quarterly == nil || monthly == nil:
		return nil, errors.New("driver model: nil panel")
	case quarterly.Grain != datasets.Quarter:
		return nil, fmt.Errorf("driver model: the growth panel is by %s: want quarter", quarterly.Grain)
	case monthly.Grain != datasets.Month:
		return nil, fmt.Errorf("driver model: the driver panel is by %s: want month", monthly.Grain)
	case quarterly.Level != monthly.Level:
		return nil, fmt.Errorf("driver model: the growth panel is by %s, the driver panel by %s: want the same", quarterly.Level, monthly.Level)
	}
	specs := opt.Drivers
	if specs == nil {
		specs = DefaultSpecs()
	}
	cols := make([]string, len(specs))
	for i, s := range specs {
		cols[i] = s.Column
	}
	return fitWith(ctx, frameOf(quarterly, cols), frameOf(monthly, cols), opt)
}

func fitFrame(f *frame, opt Options) (*Model, error) {
	return fitWith(context.Background(), f, nil, opt)
}

// fitWith fits growth of f on the drivers of f (monthly == nil) or of the monthly frame.
func fitWith(ctx context.Context, f, monthly *frame, opt Options) (*Model, error) {
	if monthly != nil && opt.Lags == 0 {
		opt.Lags = MixedLags
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("driver model: %w", err)
	}
	lay, step := periodLayout(f, opt.Lags), 1
	if monthly != nil {
		lay, step = mixedLayout(f, monthly, opt.Lags), 3
	}
	L := lay.L
	shrink := opt.Shrink
	basis := lagBasis(L)
	if shrink == ShrinkAll && opt.Priors == nil {
		basis = identityBasis(L)
	}
	s, specs, notes, err := designWith(f, lay, opt.Drivers, opt.Weighting, basis)
	if err != nil {
		return nil, fmt.Errorf("driver model: %w", err)
	}
	// A driver that never moves apart from its scope and season pattern has no effect to
	// estimate; drop it and rebuild, so that it does not make the fit singular.
	if still := moving(absorb(s), specs, L, basis); len(still) < len(specs) {
		for _, sp := range specs {
			if specIndex(still, sp.Column) < 0 {
				notes = append(notes, fmt.Sprintf("driver %s dropped: it never moves apart from its scope and season pattern, so its effect cannot be estimated", sp.Column))
			}
		}
		if len(still) == 0 {
			// The notes are read by people (the review page, the API's notes, the CLI): one
			// sentence each, not a Go slice in brackets.
			return nil, dataError{fmt.Errorf("driver model: no driver moves: %s", strings.Join(notes, "; "))}
		}
		var more []string
		s, specs, more, err = designWith(f, lay, still, opt.Weighting, basis)
		if err != nil {
			return nil, fmt.Errorf("driver model: %w", err)
		}
		notes = append(notes, more...)
	}
	nScope, nSeason := groups(s)
	_, T := periodRanks(s)
	need := s.p + nScope + nSeason - 1 + 5
	if s.n() < need {
		return nil, dataError{fmt.Errorf("driver model: too few observations: %d scope-periods with growth and every driver's changes; %d coefficients, %d scope and %d season effects need at least %d",
			s.n(), s.p, nScope, nSeason, need)}
	}
	if opt.Priors != nil {
		return fitBayes(ctx, f, s, specs, notes, lay.L, step, opt)
	}
	perYear := f.grain.PerYear()
	minTrain := opt.MinTrain
	if minTrain == 0 {
		minTrain = max(2*perYear, (T+1)/2)
		if T-minTrain < 3 {
			minTrain = max(perYear+1, T-3)
		}
	}
	if minTrain < perYear+1 || T-minTrain < 2 {
		return nil, dataError{fmt.Errorf("driver model: too few periods: %d periods with growth; rolling-origin validation needs %d training periods (a year and one) and 2 more to validate on",
			T, max(minTrain, perYear+1))}
	}
	a := absorb(s)
	notes = append(notes, collinearity(a, specs, L, basis)...)
	free := make([]bool, s.p)
	if shrink == ShrinkShape {
		for j := range specs {
			free[j*L] = true
		}
	}
	pr, err := newProblem(a, free)
	if errors.Is(err, errSingular) {
		notes = append(notes, "the drivers' sustained changes are collinear: every coefficient is penalized (as with shrink=all), so how their joint effect is split between them is the penalty's choice")
		shrink, basis, free = ShrinkAll, identityBasis(L), make([]bool, s.p)
		if s, _, _, err = designWith(f, lay, specs, opt.Weighting, basis); err != nil {
			return nil, fmt.Errorf("driver model: %w", err)
		}
		a = absorb(s)
		pr, err = newProblem(a, free)
	}
	if err != nil {
		return nil, fmt.Errorf("driver model: %w", err)
	}
	grid := opt.Penalties
	if len(grid) == 0 {
		grid = penaltyGrid(pr, opt.L1Ratio)
	}
	folds, err := rollingFolds(s, minTrain)
	if err != nil {
		return nil, fmt.Errorf("driver model: penalty selection: %w", err)
	}
	cv, best, err := crossValidate(s, free, grid, opt.L1Ratio, folds)
	if err != nil {
		return nil, fmt.Errorf("driver model: penalty selection: %w", err)
	}
	lambda := grid[best]
	var scored []CVPoint
	for _, p := range cv {
		if math.IsInf(p.MSE, 1) {
			notes = append(notes, fmt.Sprintf("penalty %g left out of the validation: the fit has no unique solution (collinear drivers)", p.Penalty))
			continue
		}
		scored = append(scored, p)
	}
	cv = scored
	theta, err := pr.solve(lambda, opt.L1Ratio)
	if err != nil {
		return nil, fmt.Errorf("driver model: %w", err)
	}
	active := make([]bool, s.p)
	for k, j := range pr.pen {
		active[j] = pr.sd[k] > 0
	}
	blockLen := opt.BlockLength
	if blockLen == 0 {
		blockLen = max(2, int(math.Round(math.Cbrt(float64(T)))))
	}
	blockLen = min(blockLen, T)
	draws, failed := bootstrap(s, free, lambda, opt.L1Ratio, opt.Replicates, blockLen, opt.Seed, active)
	if len(draws) < opt.Replicates/2 {
		return nil, dataError{fmt.Errorf("driver model: %d of %d bootstrap replicates failed (a driver moves in too few periods)", failed, opt.Replicates)}
	}
	if failed > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d bootstrap replicates discarded: a driver did not move in the periods drawn", failed, opt.Replicates))
	}
	m := &Model{
		Grain: f.grain, ScopeLevel: f.level, Lags: opt.Lags, Shrink: shrink, Penalty: lambda, L1Ratio: opt.L1Ratio, CV: cv,
		Observations: s.n(), Level: opt.Level, Replicates: len(draws), BlockLength: blockLen, Notes: notes,
	}
	m.finish(f, s, a, specs, theta, draws, basis, L, step)
	return m, nil
}

// foldLags sums each driver's L fine lag coefficients over consecutive groups of step: the
// monthly profile of a mixed model becomes its effect per quarter of lag, which is what a
// change made at the start of a quarter does to that quarter's growth and the next ones'.
func foldLags(fine []float64, L, step int) []float64 {
	if step == 1 {
		return fine
	}
	P := L / step
	out := make([]float64, len(fine)/step)
	for j := 0; j < len(fine)/L; j++ {
		for l := 0; l < L; l++ {
			out[j*P+l/step] += fine[j*L+l]
		}
	}
	return out
}

// lagCoefficients turns coefficients on the lag basis into coefficients on the lagged
// changes, β = Hθ per driver.
func lagCoefficients(theta []float64, basis [][]float64) []float64 {
	L := len(basis)
	beta := make([]float64, len(theta))
	for j := 0; j < len(theta)/L; j++ {
		for l := 0; l < L; l++ {
			for k := 0; k < L; k++ {
				beta[j*L+l] += basis[l][k] * theta[j*L+k]
			}
		}
	}
	return beta
}

// sumColumn returns driver j's sustained change per row, Σ_l Δx_{t−l}, from its columns in the
// basis (the basis is orthonormal, so Δx = H·x and the sum is Σ_k x_k Σ_l H[l][k]), with the
// scope and season effects partialled out as they are in a.
func sumColumn(a *absorbed, j, L int, basis [][]float64) []float64 {
	out := make([]float64, len(a.y))
	for k := 0; k < L; k++ {
		h := 0.0
		for l := 0; l < L; l++ {
			h += basis[l][k]
		}
		if h == 0 {
			continue
		}
		for i, v := range a.x[j*L+k] {
			out[i] += h * v
		}
	}
	return out
}

// moving returns the drivers whose sustained changes vary once scope and season effects are
// removed.
func moving(a *absorbed, specs []Spec, L int, basis [][]float64) []Spec {
	var out []Spec
	for j, sp := range specs {
		col, ss, big := sumColumn(a, j, L, basis), 0.0, 0.0
		for i, v := range col {
			ss += a.w[i] * v * v
			big = math.Max(big, math.Abs(v))
		}
		if sd := math.Sqrt(ss / a.sw); sd > 1e-10*big && sd > 0 {
			out = append(out, sp)
		}
	}
	return out
}

// interval evaluates f at the fitted coefficients and at every bootstrap replicate and returns
// the estimate with the percentile interval at the model's level.
func (m *Model) interval(f func(coef []float64) float64) Interval {
	return intervalOver(m.coef, m.draws, m.Level, f)
}

// intervalOver is f at coef with the percentile interval at level over the draws.
func intervalOver(coef []float64, draws [][]float64, level float64, f func(coef []float64) float64) Interval {
	xs := make([]float64, len(draws))
	for b, c := range draws {
		xs[b] = f(c)
	}
	alpha := (1 - level) / 2
	return Interval{Estimate: f(coef), Lower: quantile.Of(xs, alpha), Upper: quantile.Of(xs, 1-alpha)}
}

func (m *Model) sd(f func(coef []float64) float64) float64 {
	mean, ss := 0.0, 0.0
	for _, c := range m.draws {
		mean += f(c)
	}
	mean /= float64(len(m.draws))
	for _, c := range m.draws {
		d := f(c) - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(m.draws)-1))
}

// collinearity notes pairs of drivers whose sustained changes are nearly collinear once the
// scope and season effects are removed: the model can tell their joint effect, not their split.
func collinearity(a *absorbed, specs []Spec, L int, basis [][]float64) []string {
	var notes []string
	cols := make([][]float64, len(specs))
	norm := make([]float64, len(specs))
	for j := range specs {
		cols[j] = sumColumn(a, j, L, basis)
		for i, v := range cols[j] {
			norm[j] += a.w[i] * v * v
		}
		norm[j] = math.Sqrt(norm[j])
	}
	for u := range specs {
		for v := u + 1; v < len(specs); v++ {
			c := 0.0
			for i := range a.y {
				c += a.w[i] * cols[u][i] * cols[v][i]
			}
			if r := c / (norm[u] * norm[v]); math.Abs(r) > 0.95 {
				notes = append(notes, fmt.Sprintf("drivers %s and %s move together (correlation %.2f of their changes): their joint effect is identified, their split poorly",
					specs[u].Column, specs[v].Column, r))
			}
		}
	}
	return notes
}

// finish fills in a fitted model from its coefficients θ and their replicates (bootstrap or
// posterior draws) in the lag basis: the per-period lag coefficients WhatIf and Attribute
// apply, the fitted range, the residual s.d. and every driver's effect with its intervals.
func (m *Model) finish(f *frame, s *sample, a *absorbed, specs []Spec, theta []float64, draws [][]float64, basis [][]float64, L, step int) {
	// fine are the coefficients on the layout's lag columns (per month for a mixed model);
	// the model keeps them summed over each period of lag, which is what WhatIf and Attribute
	// apply to the frame's own periods.
	fine := lagCoefficients(theta, basis)
	fineDraws := make([][]float64, len(draws))
	for b, d := range draws {
		fineDraws[b] = lagCoefficients(d, basis)
	}
	m.coef, m.data = foldLags(fine, L, step), f
	if step > 1 {
		m.MonthLags = L - 1
	}
	for _, d := range fineDraws {
		m.draws = append(m.draws, foldLags(d, L, step))
	}
	m.First, m.Last = f.periods[s.period[0]], f.periods[s.period[0]]
	seen := map[int]bool{}
	for i := range s.y {
		if p := f.periods[s.period[i]]; p.N < m.First.N {
			m.First = p
		} else if p.N > m.Last.N {
			m.Last = p
		}
		seen[s.scope[i]] = true
	}
	for g, scope := range f.scopes {
		if seen[g] {
			m.Scopes = append(m.Scopes, scope)
		}
	}
	ss := 0.0
	for i := range a.y {
		r := a.y[i]
		for j, th := range theta {
			r -= th * a.x[j][i]
		}
		ss += a.w[i] * r * r
	}
	m.ResidualSD = math.Sqrt(ss / a.sw)
	P := L / step
	for j, sp := range specs {
		sum := func(c []float64) float64 {
			v := 0.0
			for l := 0; l < P; l++ {
				v += c[j*P+l]
			}
			return v
		}
		e := Effect{Spec: sp, Sustained: m.interval(sum), SD: m.sd(sum)}
		for l := 0; l < P; l++ {
			k := j*P + l
			e.Lags = append(e.Lags, m.interval(func(c []float64) float64 { return c[k] }))
		}
		if step > 1 {
			for l := 0; l < L; l++ {
				k := j*L + l
				e.Months = append(e.Months, intervalOver(fine, fineDraws, m.Level, func(c []float64) float64 { return c[k] }))
			}
		}
		m.Effects = append(m.Effects, e)
	}
}

// fitBayes is fitWith's Bayesian branch (Options.Priors): the posterior of the lag-basis
// coefficients under the drivers' priors, drawn by gibbs, replaces the penalty and the
// bootstrap.
func fitBayes(ctx context.Context, f *frame, s *sample, specs []Spec, notes []string, L, step int, opt Options) (*Model, error) {
	a := absorb(s)
	nScope, nSeason := groups(s)
	dof := float64(s.n() - nScope - nSeason + 1 - s.p)
	if dof < 2 {
		return nil, dataError{fmt.Errorf("driver model: too few observations: %d scope-periods for %d coefficients and %d scope and %d season effects", s.n(), s.p, nScope, nSeason)}
	}
	// A driver without a prior gets a vague one: centred on zero, ten times the spread of
	// growth per unit of the driver's typical (absorbed) change.
	sdY := 0.0
	for i, y := range a.y {
		sdY += a.w[i] * y * y
	}
	sdY = math.Sqrt(sdY / a.sw)
	priors := make([]Prior, len(specs))
	used := map[string]Prior{}
	for j, sp := range specs {
		pr, ok := opt.Priors[sp.Column]
		if !ok {
			sdX := 0.0
			for i := range a.y {
				sdX += a.w[i] * a.x[j*L][i] * a.x[j*L][i]
			}
			sdX = math.Sqrt(sdX/a.sw) * math.Sqrt(float64(L))
			pr = Prior{SD: 10 * sdY / math.Max(sdX, 1e-12)}
			notes = append(notes, fmt.Sprintf("driver %s has no prior: a vague one centred on zero is used", sp.Column))
		}
		priors[j], used[sp.Column] = pr, pr
	}
	theta, draws, err := gibbs(ctx, a, priors, L, opt.Replicates, dof, opt.Seed)
	if err != nil {
		return nil, fmt.Errorf("driver model: %w", err)
	}
	m := &Model{
		Grain: f.grain, ScopeLevel: f.level, Lags: opt.Lags, Shrink: ShrinkPrior, Observations: s.n(), Level: opt.Level,
		Replicates: len(draws), Notes: notes, Priors: used,
	}
	m.finish(f, s, a, specs, theta, draws, lagBasis(L), L, step)
	for j, d := range dataOnly(a, len(specs), L, dof) {
		m.Effects[j].DataOnly = &d
	}
	return m, nil
}

// Sample evaluates f at every replicate of the model (posterior draws for a Bayesian fit,
// bootstrap replicates otherwise), in a fixed order.
func (m *Model) Sample(f func(coef []float64) float64) []float64 {
	out := make([]float64, len(m.draws))
	for b, c := range m.draws {
		out[b] = f(c)
	}
	return out
}

// SustainedDraws returns the driver's sustained effect at every replicate (Sample's order),
// nil for a driver the model does not have.
func (m *Model) SustainedDraws(column string) []float64 {
	j := slices.IndexFunc(m.Effects, func(e Effect) bool { return e.Column == column })
	if j < 0 {
		return nil
	}
	P := m.Lags + 1
	return m.Sample(func(c []float64) float64 {
		v := 0.0
		for l := range P {
			v += c[j*P+l]
		}
		return v
	})
}

// AtLevel returns a copy of the model whose WhatIf and Attribute intervals are at the given
// level (Effects keep the level they were fitted at). It shares the coefficients.
func (m *Model) AtLevel(level float64) *Model {
	c := *m
	c.Level = level
	return &c
}
