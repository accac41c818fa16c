package forecast

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Component is the form of one ETS component: absent, additive or multiplicative.
type Component int

// ETS component forms, written N, A and M in the ETS(error, trend, season) notation.
const (
	None Component = iota
	Additive
	Multiplicative
)

func (c Component) letter() string {
	switch c {
	case Additive:
		return "A"
	case Multiplicative:
		return "M"
	default:
		return "N"
	}
}

// ETSSpec names one exponential smoothing state space model ETS(error, trend, season) in the
// taxonomy of Hyndman et al. (2008). Multiplicative trends are not offered (R's default
// allow.multiplicative.trend = FALSE; they forecast badly).
type ETSSpec struct {
	Error, Trend, Season Component
	Damped               bool
}

// String returns the model in R's notation, e.g. "ETS(M,Ad,N)".
func (s ETSSpec) String() string {
	d := ""
	if s.Damped {
		d = "d"
	}
	return fmt.Sprintf("ETS(%s,%s%s,%s)", s.Error.letter(), s.Trend.letter(), d, s.Season.letter())
}

// ParseETSSpec reads a model written as three or four letters, e.g. "ANN", "MAdM" or "AAdN".
func ParseETSSpec(code string) (ETSSpec, error) {
	c := strings.ToUpper(code)
	damped := false
	if len(c) == 4 && c[2] == 'D' {
		damped = true
		c = c[:2] + c[3:]
	}
	if len(c) != 3 {
		return ETSSpec{}, fmt.Errorf("%w: ETS model %q (want e.g. ANN, AAdN, MAM)", ErrMethod, code)
	}
	comp := func(b byte, allowM bool) (Component, bool) {
		switch b {
		case 'N':
			return None, true
		case 'A':
			return Additive, true
		case 'M':
			return Multiplicative, allowM
		}
		return None, false
	}
	e, ok1 := comp(c[0], true)
	t, ok2 := comp(c[1], false)
	s, ok3 := comp(c[2], true)
	if !ok1 || !ok2 || !ok3 || e == None || (damped && t == None) {
		return ETSSpec{}, fmt.Errorf("%w: ETS model %q (error A|M, trend N|A|Ad, season N|A|M)", ErrMethod, code)
	}
	return ETSSpec{Error: e, Trend: t, Season: s, Damped: damped}, nil
}

// Criterion is what ETS parameters are fitted to minimise.
type Criterion int

const (
	// Likelihood minimises −2 log-likelihood (up to a constant): n·log Σe² for additive errors,
	// plus 2·Σlog|ŷ| for multiplicative errors. R's opt.crit = "lik".
	Likelihood Criterion = iota
	// MSE minimises the mean squared one-step error, as R's ses() and holt() do.
	MSE
)

// ETSOptions tunes ETS fitting. The zero value follows R forecast::ets defaults.
type ETSOptions struct {
	Criterion Criterion
	// Models are the candidates AutoETS selects from; nil means every model R's ets(y) tries:
	// errors A and M, trends N, A and Ad, seasons N, A and M, except additive errors with a
	// multiplicative season, any multiplicative form on data with zeros or negatives, and
	// seasonal forms when the period is 1 or the series is not longer than one cycle.
	Models []ETSSpec
	// MaxEval caps objective evaluations per model (R's maxit, 2000 when zero).
	MaxEval int
	// RelTol stops the optimiser when the simplex's values agree to this relative tolerance
	// (R's reltol, sqrt of machine epsilon ≈ 1.5e-8 when zero).
	RelTol float64
	// ScaledSimplex starts the optimiser with a step per parameter scaled to its range (0.1
	// for alpha, 5 % of the level for the level, …) instead of R's single step of a tenth of
	// the largest start value, which for data in the thousands throws the smoothing parameters
	// far out of bounds. The fits no longer follow R's path: they are not better by
	// likelihood, but forecast better on validation (see ETS).
	ScaledSimplex bool
}

// Bounds of the smoothing parameters (R's "both" bounds: the usual region intersected with
// the admissible one): alpha, beta, gamma in [1e-4, 0.9999], phi in [0.8, 0.98].
var (
	etsLower = [4]float64{1e-4, 1e-4, 1e-4, 0.8}
	etsUpper = [4]float64{0.9999, 0.9999, 0.9999, 0.98}
)

// ETSFit is a fitted ETS model.
type ETSFit struct {
	Spec                    ETSSpec
	Period                  int // m used by the seasonal component (1 when there is none)
	Alpha, Beta, Gamma, Phi float64
	// Init is the initial state (l0, b0 when trended, then s0, s−1, …, s−(m−1) when seasonal),
	// the last seasonal state being implied by the others summing to 0 (additive) or m.
	Init []float64
	// LogLik is −0.5 × the fitted criterion n·log Σe² (+2Σlog|ŷ|), R's loglik; AIC, AICc and
	// BIC count NParams = estimated parameters and initial states + 1 (for σ²).
	LogLik, AIC, AICc, BIC float64
	NParams                int
	// Sigma2 is Σe²/(n − NParams), e being additive or relative errors as the model says.
	Sigma2 float64
	// MSE is the mean squared one-step error on the data's scale.
	MSE float64
	// Final state after the last observation.
	level, trend float64
	season       []float64 // season[i] multiplies/adds to the forecast i+1 steps ahead (i < m)
}

// Forecast returns h point forecasts from the end of the data: the model's recursion with
// future errors set to zero, ŷ_{n+h} = (l_n + (φ+…+φ^h)·b_n) combined with the season of
// h steps ahead. For linear and multiplicative-error models without multiplicative
// seasonality this is the conditional mean and equals R's forecast.ets; for ETS(M,·,M) R
// reports the conditional mean, which adds a small σ²-dependent term (and, for damped trends,
// treats the trend as undamped in that term), so R's values differ by a fraction of σ.
func (f *ETSFit) Forecast(h int) []float64 {
	out := make([]float64, h)
	phistar := f.Phi
	for i := 0; i < h; i++ {
		v := f.level
		if f.Spec.Trend == Additive {
			v += phistar * f.trend
		}
		switch f.Spec.Season {
		case Additive:
			v += f.season[i%f.Period]
		case Multiplicative:
			v *= f.season[i%f.Period]
		}
		out[i] = v
		if math.Abs(f.Phi-1) < 1e-10 {
			phistar++
		} else {
			phistar += math.Pow(f.Phi, float64(i+2)) // φ + φ² + … + φ^{h}
		}
	}
	return out
}

// etsModel holds one model's data and scratch space so that the objective, evaluated
// thousands of times by the optimiser, does not allocate.
type etsModel struct {
	y      []float64
	m      int
	spec   ETSSpec
	crit   Criterion
	ring   []float64
	nState int // l, b, s0..s_{m-2} in the parameter vector
}

// filterResult is what one pass of the recursions over the data yields.
type filterResult struct {
	lik, sse, mse float64
	level, trend  float64
	k             int // ring position of the next season to use
	ok            bool
}

// filter runs the ETS recursions of R forecast's etscalc through y from state (l, b, ring)
// and returns the criterion pieces. ring holds the seasonal states in the order they will be
// used, ring[0] first; it is updated in place. A model without trend runs as one with b = 0,
// β = 0, φ = 1: the arithmetic is then exactly R's, and the loops have no branches but the
// multiplicative ones.
func (e *etsModel) filter(alpha, beta, gamma, phi, l, b float64, ring []float64) filterResult {
	const tol, hugeN = 1e-10, 1e10
	multSeason, multErr := e.spec.Season == Multiplicative, e.spec.Error == Multiplicative
	m := len(ring)
	if e.spec.Trend == None {
		b, beta, phi = 0, 0, 1
	}
	ba := beta / alpha
	k := 0
	// Σlog|ŷ| is accumulated as a running product, taking a logarithm only when the product
	// nears the range of float64: logarithms would otherwise dominate the fitting time.
	sse, sqErr, logF, prodF := 0.0, 0.0, 0.0, 1.0
	if e.spec.Season == None {
		// Same recursion with s ≡ 0, kept apart so that the level stays in registers.
		hasTrend := e.spec.Trend != None
		for _, y := range e.y {
			q, phib := l, 0.0
			if hasTrend {
				phib = phi * b
				q = l + phib
			}
			d := y - q
			sqErr += d * d
			if multErr {
				r := d / q
				sse += r * r
				prodF *= math.Abs(q)
				if prodF > 1e150 || prodF < 1e-150 {
					logF += math.Log(prodF)
					prodF = 1
				}
			}
			nl := q + alpha*(y-q)
			if hasTrend {
				b = phib + ba*(nl-l-phib)
			}
			l = nl
		}
	}
	for _, y := range e.y {
		if e.spec.Season == None {
			break
		}
		phib := phi * b
		q := l + phib
		s := ring[k]
		var f, p, t float64
		if multSeason {
			f = q * s
			p, t = hugeN, hugeN
			if math.Abs(s) >= tol {
				p = y / s
			}
			if math.Abs(q) >= tol {
				t = y / q
			}
		} else {
			f, p, t = q+s, y-s, y-q
		}
		d := y - f
		sqErr += d * d
		if multErr {
			r := d / f
			sse += r * r
			prodF *= math.Abs(f)
			if prodF > 1e150 || prodF < 1e-150 {
				logF += math.Log(prodF)
				prodF = 1
			}
		}
		nl := q + alpha*(p-q)
		b = phib + ba*(nl-l-phib)
		l = nl
		ring[k] = s + gamma*(t-s)
		if k++; k == m {
			k = 0
		}
	}
	n := float64(len(e.y))
	if !multErr {
		sse = sqErr
	}
	lik := n * math.Log(sse)
	if multErr {
		lik += 2 * (logF + math.Log(prodF))
	}
	return filterResult{lik: lik, sse: sse, mse: sqErr / n, level: l, trend: b, k: k, ok: !math.IsNaN(lik)}
}

// params unpacks the parameter vector in R's order: alpha, beta, gamma, phi (each when the
// model has it), then the initial states.
func (e *etsModel) params(x []float64) (alpha, beta, gamma, phi float64, states []float64) {
	i := 0
	alpha = x[i]
	i++
	phi = 1
	if e.spec.Trend != None {
		beta = x[i]
		i++
	}
	if e.spec.Season != None {
		gamma = x[i]
		i++
	}
	if e.spec.Damped {
		phi = x[i]
		i++
	}
	return alpha, beta, gamma, phi, x[i:]
}

// loadRing fills the ring with the seasonal states in the order of use from the free initial
// states s0..s_{m-2} and the implied last one; it reports false for a negative multiplicative
// state, which R rejects.
func (e *etsModel) loadRing(states []float64) bool {
	if e.spec.Season == None {
		return true
	}
	seas := states[1:]
	if e.spec.Trend != None {
		seas = states[2:]
	}
	sum := 0.0
	for _, v := range seas {
		sum += v
	}
	last := -sum
	if e.spec.Season == Multiplicative {
		last = float64(e.m) - sum
	}
	// s_{-(m-1)} is used first, s0 last.
	e.ring[0] = last
	for j := 0; j < e.m-1; j++ {
		e.ring[e.m-1-j] = seas[j]
	}
	if e.spec.Season == Multiplicative {
		for _, v := range e.ring {
			if v < 0 {
				return false
			}
		}
	}
	return true
}

// objective is the function the optimiser minimises; +Inf marks parameters outside the
// usual or admissible region.
func (e *etsModel) objective(x []float64) float64 {
	alpha, beta, gamma, phi, states := e.params(x)
	if !e.checkParams(alpha, beta, gamma, phi) {
		return math.Inf(1)
	}
	if !e.loadRing(states) {
		return math.Inf(1)
	}
	b := 0.0
	if e.spec.Trend != None {
		b = states[1]
	}
	r := e.filter(alpha, beta, gamma, phi, states[0], b, e.ring)
	if !r.ok {
		return math.Inf(1)
	}
	if e.crit == MSE {
		return r.mse
	}
	if r.lik < -1e10 { // a perfect fit; R caps it the same way
		return -1e10
	}
	return r.lik
}

// checkParams applies R's "both" bounds: the usual ranges (beta ≤ alpha, gamma ≤ 1 − alpha)
// and the admissible region of the model's characteristic equation.
func (e *etsModel) checkParams(alpha, beta, gamma, phi float64) bool {
	if alpha < etsLower[0] || alpha > etsUpper[0] {
		return false
	}
	if e.spec.Trend != None && (beta < etsLower[1] || beta > alpha || beta > etsUpper[1]) {
		return false
	}
	if e.spec.Damped && (phi < etsLower[3] || phi > etsUpper[3]) {
		return false
	}
	if e.spec.Season != None && (gamma < etsLower[2] || gamma > 1-alpha || gamma > etsUpper[2]) {
		return false
	}
	return admissible(alpha, beta, gamma, phi, e.spec.Trend != None, e.spec.Season != None, e.m)
}

// admissible reports whether the smoothing parameters give a forecastable model: the
// conditions of Hyndman et al. (2008, ch. 10) as R forecast's admissible() states them, ending
// with all roots of the seasonal characteristic polynomial inside the unit circle.
func admissible(alpha, beta, gamma, phi float64, hasTrend, hasSeason bool, m int) bool {
	if phi < 0 || phi > 1+1e-8 {
		return false
	}
	if !hasSeason {
		if alpha < 1-1/phi || alpha > 1+1/phi {
			return false
		}
		if hasTrend && (beta < alpha*(phi-1) || beta > (1+phi)*(2-alpha)) {
			return false
		}
		return true
	}
	if m <= 1 {
		return true
	}
	if !hasTrend {
		beta = 0
	}
	if gamma < math.Max(1-1/phi-alpha, 0) || gamma > 1+1/phi-alpha {
		return false
	}
	fm := float64(m)
	if alpha < 1-1/phi-gamma*(1-fm+phi+phi*fm)/(2*phi*fm) {
		return false
	}
	if beta < -(1-phi)*(gamma/fm+alpha) {
		return false
	}
	// P(z) = phi(1−α−γ) + (α+β−αφ+γ−1) z + (α+β−αφ)(z² … z^{m−1}) + (α+β−φ) z^m + z^{m+1}.
	var buf [26]float64
	p := buf[:m+2]
	p[0] = phi * (1 - alpha - gamma)
	p[1] = alpha + beta - alpha*phi + gamma - 1
	for j := 2; j < m; j++ {
		p[j] = alpha + beta - alpha*phi
	}
	p[m] = alpha + beta - phi
	p[m+1] = 1
	return rootsWithin(p, 1+1e-10)
}

// rootsWithin reports whether every root of the polynomial with ascending coefficients c
// (leading coefficient c[len−1] ≠ 0) has modulus below r, by the Schur–Cohn recursion on
// c_k·r^k: a polynomial a is stable iff |a_0| < |a_d| and (a_d·a(z) − a_0·a*(z))/z is, where
// a* reverses the coefficients. It allocates nothing for degrees up to 25 (higher degrees,
// a seasonal ARIMA's, get buffers of their own).
func rootsWithin(c []float64, r float64) bool {
	var bufA, bufB [26]float64
	a, b := bufA[:], bufB[:]
	if len(c) > len(a) {
		a, b = make([]float64, len(c)), make([]float64, len(c))
	}
	a, b = a[:len(c)], b[:len(c)]
	scale := 1.0
	for k, v := range c {
		a[k] = v * scale
		scale *= r
	}
	for d := len(a) - 1; d > 0; d-- {
		a0, ad := a[0], a[d]
		if math.Abs(a0) >= math.Abs(ad) {
			return false
		}
		b = b[:d]
		for k := range b {
			b[k] = ad*a[k+1] - a0*a[d-k-1]
		}
		a, b = b, a
	}
	return true
}

// errNotEnoughData is returned when a model has as many parameters as data allow.
var errNotEnoughData = errors.New("not enough data for the model")

// FitETS fits one ETS model to y (seasonal period m) by minimising the chosen criterion over
// smoothing parameters and initial states with Nelder–Mead from R's starting values, inside
// R's "both" bounds. It fails with ErrTooShort when the model has at least n − 1 parameters,
// and rejects multiplicative forms on data that are not all positive.
func FitETS(y []float64, m int, spec ETSSpec, opts ETSOptions) (*ETSFit, error) {
	if spec.Error == None || spec.Trend == Multiplicative || (spec.Damped && spec.Trend == None) {
		return nil, fmt.Errorf("fit %s: %w: unsupported form", spec, ErrMethod)
	}
	if (spec.Error == Multiplicative || spec.Season == Multiplicative) && !allPositive(y) {
		return nil, fmt.Errorf("fit %s: multiplicative form needs positive data", spec)
	}
	if spec.Season == None {
		m = 1
	} else if m < 2 || m > 24 || len(y) <= m {
		return nil, fmt.Errorf("fit %s: %w: seasonal model needs period 2..24 and more than one cycle", spec, ErrTooShort)
	}
	init, err := initState(y, m, spec.Trend, spec.Season)
	if err != nil {
		return nil, fmt.Errorf("fit %s: %w", spec, err)
	}
	start := append(initParams(spec, m), init...)
	if len(start) >= len(y)-1 {
		return nil, fmt.Errorf("fit %s: %w: %d parameters for %d points", spec, ErrTooShort, len(start), len(y))
	}
	model := &etsModel{y: y, m: m, spec: spec, crit: opts.Criterion, ring: make([]float64, m), nState: len(init)}
	maxEval := opts.MaxEval
	if maxEval <= 0 {
		maxEval = 2000
	}
	reltol := opts.RelTol
	if reltol <= 0 {
		reltol = 1.4901161193847656e-08
	}
	var steps []float64
	if opts.ScaledSimplex {
		steps = scaledSteps(spec, start, len(init))
	}
	x, _, _, ok := nelderMead(model.objective, start, steps, reltol, maxEval)
	if !ok {
		return nil, fmt.Errorf("fit %s: %w", spec, errNotEnoughData)
	}
	return model.finish(x)
}

// scaledSteps returns initial simplex steps for the parameter vector start (smoothing
// parameters, then nState initial states), each towards the inside of its range.
func scaledSteps(spec ETSSpec, start []float64, nState int) []float64 {
	steps := make([]float64, 0, len(start))
	steps = append(steps, 0.1) // alpha
	if spec.Trend != None {
		steps = append(steps, 0.01)
	}
	if spec.Season != None {
		steps = append(steps, 0.05)
	}
	if spec.Damped {
		steps = append(steps, -0.05)
	}
	states := start[len(start)-nState:]
	level := math.Abs(states[0]) + 1e-8
	for i, v := range states {
		switch {
		case i == 0:
			steps = append(steps, 0.05*level)
		case i == 1 && spec.Trend != None:
			steps = append(steps, 0.5*math.Abs(v)+0.005*level)
		case spec.Season == Multiplicative:
			steps = append(steps, 0.02)
		default:
			steps = append(steps, 0.02*level)
		}
	}
	return steps
}

// finish evaluates the model at the optimum and fills in the fit statistics as R does.
func (e *etsModel) finish(x []float64) (*ETSFit, error) {
	alpha, beta, gamma, phi, states := e.params(x)
	if !e.loadRing(states) {
		return nil, fmt.Errorf("fit %s: negative seasonal state", e.spec)
	}
	fit := &ETSFit{Spec: e.spec, Period: e.m, Alpha: alpha, Phi: phi}
	if e.spec.Trend != None {
		fit.Beta = beta
	}
	if e.spec.Season != None {
		fit.Gamma = gamma
	}
	fit.Init = append([]float64(nil), states...)
	if e.spec.Season != None {
		fit.Init = append(fit.Init, e.ring[0])
	}
	b := 0.0
	if e.spec.Trend != None {
		b = states[1]
	}
	r := e.filter(alpha, beta, gamma, phi, states[0], b, e.ring)
	if !r.ok || math.IsInf(r.lik, 0) {
		return nil, fmt.Errorf("fit %s: likelihood not finite", e.spec)
	}
	n := float64(len(e.y))
	np := len(x) + 1
	fit.NParams = np
	fit.LogLik = -0.5 * r.lik
	fit.AIC = r.lik + 2*float64(np)
	fit.BIC = r.lik + math.Log(n)*float64(np)
	fit.AICc = fit.AIC + 2*float64(np*(np+1))/(n-float64(np)-1)
	fit.Sigma2 = r.sse / (n - float64(np))
	fit.MSE = r.mse
	fit.level, fit.trend = r.level, r.trend
	if e.spec.Season != None {
		fit.season = make([]float64, e.m)
		for i := range fit.season {
			fit.season[i] = e.ring[(r.k+i)%e.m]
		}
	}
	return fit, nil
}

// DefaultETSModels returns the candidates R's ets(y) considers for data with period m, in R's
// search order; positive says whether all data are > 0 and long whether the series is longer
// than one seasonal cycle.
func DefaultETSModels(m int, positive, long bool) []ETSSpec {
	var out []ETSSpec
	seasons := []Component{None}
	if m > 1 && long {
		seasons = []Component{None, Additive, Multiplicative}
	}
	for _, e := range []Component{Additive, Multiplicative} {
		if e == Multiplicative && !positive {
			continue
		}
		for _, t := range []Component{None, Additive} {
			for _, s := range seasons {
				for _, d := range []bool{true, false} {
					if t == None && d {
						continue
					}
					if e == Additive && s == Multiplicative {
						continue
					}
					if s == Multiplicative && !positive {
						continue
					}
					out = append(out, ETSSpec{Error: e, Trend: t, Season: s, Damped: d})
				}
			}
		}
	}
	return out
}

// AutoETS fits every candidate model and returns the one with the smallest AICc (R's
// ets(y) with model = "ZZZ"). Candidates that cannot be fitted (too many parameters for the
// data, no finite likelihood at the start) are skipped; if none fits the error says so.
//
// Unlike R, series of 6 points or fewer are not handed to Holt–Winters heuristics: they get
// whichever candidates have fewer parameters than n − 1, usually just ETS(A,N,N).
func AutoETS(y []float64, m int, opts ETSOptions) (*ETSFit, error) {
	models := opts.Models
	if models == nil {
		models = DefaultETSModels(m, allPositive(y), len(y) > m)
	}
	var best *ETSFit
	for _, spec := range models {
		fit, err := FitETS(y, m, spec, opts)
		if err != nil {
			continue
		}
		if !math.IsNaN(fit.AICc) && (best == nil || fit.AICc < best.AICc) {
			best = fit
		}
	}
	if best == nil {
		return nil, fmt.Errorf("auto ets: %w: no candidate model could be fitted to %d points", ErrTooShort, len(y))
	}
	return best, nil
}

// refitETS refits fit's model to y — the data fit was made on or a prefix of it — starting
// from fit's parameters and initial states with small steps, to the tolerance given. The
// rolling-origin backtest uses it: a warm start needs a few hundred evaluations where R's
// cold start needs a thousand or more.
func refitETS(y []float64, fit *ETSFit, crit Criterion, reltol float64, maxEval int) (*ETSFit, error) {
	spec := fit.Spec
	m := fit.Period
	nFree := len(fit.Init)
	if spec.Season != None {
		nFree-- // the last seasonal state is implied
	}
	start := []float64{fit.Alpha}
	steps := []float64{0.05}
	if spec.Trend != None {
		start = append(start, fit.Beta)
		steps = append(steps, 0.02)
	}
	if spec.Season != None {
		start = append(start, fit.Gamma)
		steps = append(steps, 0.02)
	}
	if spec.Damped {
		start = append(start, fit.Phi)
		steps = append(steps, 0.02)
	}
	if len(start)+nFree >= len(y)-1 {
		return nil, fmt.Errorf("refit %s: %w: %d points", spec, ErrTooShort, len(y))
	}
	level := math.Abs(fit.Init[0]) + 1e-8
	for i, v := range fit.Init[:nFree] {
		start = append(start, v)
		switch {
		case i == 0:
			steps = append(steps, 0.02*level)
		case i == 1 && spec.Trend != None:
			steps = append(steps, 0.1*math.Abs(v)+0.002*level)
		case spec.Season == Multiplicative:
			steps = append(steps, 0.02)
		default:
			steps = append(steps, 0.02*level)
		}
	}
	model := &etsModel{y: y, m: m, spec: spec, crit: crit, ring: make([]float64, m), nState: nFree}
	x, _, _, ok := nelderMead(model.objective, start, steps, reltol, maxEval)
	if !ok {
		return nil, fmt.Errorf("refit %s: %w", spec, errNotEnoughData)
	}
	return model.finish(x)
}
