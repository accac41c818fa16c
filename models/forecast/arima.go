package forecast

import (
	"fmt"
	"math"
)

// ARIMAOrder is a seasonal ARIMA order (p, d, q)(P, D, Q)_m.
type ARIMAOrder struct {
	P, D, Q    int // non-seasonal AR order, differences, MA order
	SP, SD, SQ int // seasonal AR order, differences, MA order
	Period     int // m; the seasonal part is ignored when m < 2
	// Mean estimates a constant: the mean of the differenced series, a drift per period when
	// one difference is taken in all. Ignored with two or more differences.
	Mean bool
}

func (o ARIMAOrder) String() string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.P, o.D, o.Q)
	if o.Period > 1 && o.SP+o.SD+o.SQ > 0 {
		s += fmt.Sprintf("(%d,%d,%d)[%d]", o.SP, o.SD, o.SQ, o.Period)
	}
	if o.Mean && o.D+o.SD == 1 {
		s += " with drift"
	} else if o.Mean {
		s += " with non-zero mean"
	}
	return s
}

// ARIMAFit is a fitted seasonal ARIMA model
//
//	φ(B)Φ(B^m)(w_t − μ) = θ(B)Θ(B^m)e_t,   w_t = (1 − B)^d (1 − B^m)^D y_t,
//
// with φ(B) = 1 − φ_1B − …, Φ(B^m) = 1 − Φ_1B^m − …, θ(B) = 1 + θ_1B + …, Θ(B^m) = 1 + Θ_1B^m + …
// and μ the mean of the differenced series (with one difference in all, μ is a linear trend's
// rise over the differencing lag: a drift of μ per period when d = 1, of μ/m when D = 1; see
// Drift), fitted by
// conditional sum of squares: the first p + mP differenced values only start the recursion
// and pre-sample errors are zero — R's arima(method = "CSS").
type ARIMAFit struct {
	Order ARIMAOrder
	// AR, MA, SAR, SMA are φ, θ, Φ and Θ; Mean is μ (0 when not estimated).
	AR, MA, SAR, SMA []float64
	Mean             float64
	// Sigma2 is the residual variance SSE/n_used; LogLik is the conditional Gaussian
	// log-likelihood; AICc is R's criterion for CSS fits, nstar·log σ² + 2k + 2k(k+1)/(nstar−k−1)
	// with nstar differenced values and k coefficients plus σ² (up to a constant).
	Sigma2, LogLik, AICc float64

	y, w, e []float64 // data, differenced data and residuals, for forecasting
}

// Drift returns the slope per period of the linear trend the mean term implies when one
// difference is taken in all (R's "drift" coefficient), else the mean μ itself.
func (f *ARIMAFit) Drift() float64 {
	if f.Order.SD == 1 && f.Order.D == 0 && f.Order.Period > 1 {
		return f.Mean / float64(f.Order.Period)
	}
	return f.Mean
}

// String returns the model in R's notation, e.g. "ARIMA(0,1,1)(0,1,1)[4]".
func (f *ARIMAFit) String() string { return f.Order.String() }

// differencePoly returns the coefficients δ_0..δ_k of (1 − B)^d (1 − B^m)^D.
func differencePoly(d, sd, m int) []float64 {
	p := []float64{1}
	for i := 0; i < d; i++ {
		p = polyMul(p, []float64{1, -1})
	}
	for i := 0; i < sd; i++ {
		s := make([]float64, m+1)
		s[0], s[m] = 1, -1
		p = polyMul(p, s)
	}
	return p
}

func polyMul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// applyPoly returns Σ_k c_k y_{t−k} for t ≥ len(c)−1.
func applyPoly(y, c []float64) []float64 {
	k := len(c) - 1
	if len(y) <= k {
		return nil
	}
	out := make([]float64, len(y)-k)
	for t := k; t < len(y); t++ {
		s := 0.0
		for j, v := range c {
			s += v * y[t-j]
		}
		out[t-k] = s
	}
	return out
}

// lagPoly expands 1 − Σ a_i B^(i·step) (sign −1) or 1 + Σ a_i B^(i·step) (sign +1) into
// coefficients of B^1.. (the leading 1 dropped), written into dst.
func lagPoly(dst, a []float64, step int, sign float64) []float64 {
	dst = dst[:0]
	n := len(a) * step
	for i := 0; i < n; i++ {
		dst = append(dst, 0)
	}
	for i, v := range a {
		dst[(i+1)*step-1] = sign * v
	}
	return dst
}

// arimaModel holds the data and scratch space of one CSS fit.
type arimaModel struct {
	o          ARIMAOrder
	w          []float64
	hasMean    bool
	e          []float64
	cond       int // values used only to start the recursion: p + mP
	phi, theta []float64
	buf        [4][]float64
	arLag      []int // non-zero lags of phi and theta with their coefficients, reused
	maLag      []int
	arC, maC   []float64
}

// params splits x into φ, θ, Φ, Θ and μ (R's coefficient order).
func (a *arimaModel) params(x []float64) (ar, ma, sar, sma []float64, mu float64) {
	o := a.o
	i := 0
	ar, i = x[i:i+o.P], i+o.P
	ma, i = x[i:i+o.Q], i+o.Q
	sar, i = x[i:i+o.SP], i+o.SP
	sma, i = x[i:i+o.SQ], i+o.SQ
	if a.hasMean {
		mu = x[i]
	}
	return ar, ma, sar, sma, mu
}

// expand forms the full AR and MA lag polynomials φ(B)Φ(B^m) and θ(B)Θ(B^m) as coefficients
// of B^1.. in the sign convention of the recursion: w_t − μ = Σ phi_k (w_{t−k} − μ) + e_t +
// Σ theta_k e_{t−k}.
func (a *arimaModel) expand(ar, ma, sar, sma []float64) {
	m := a.o.Period
	// (1 − Σφ_iB^i)(1 − ΣΦ_jB^{jm}) = 1 − phi(B): phi = φ + Φ − φΦ cross terms.
	a.phi = mulLag(a.phi, lagPoly(a.buf[0], ar, 1, -1), lagPoly(a.buf[1], sar, m, -1))
	for i := range a.phi {
		a.phi[i] = -a.phi[i]
	}
	a.theta = mulLag(a.theta, lagPoly(a.buf[2], ma, 1, 1), lagPoly(a.buf[3], sma, m, 1))
}

// mulLag multiplies (1 + Σx_iB^i)(1 + Σy_jB^j) and returns the coefficients of B^1.. in dst.
func mulLag(dst, x, y []float64) []float64 {
	n := len(x) + len(y)
	dst = dst[:0]
	for i := 0; i < n; i++ {
		dst = append(dst, 0)
	}
	for i, v := range x {
		dst[i] += v
	}
	for j, v := range y {
		dst[j] += v
		for i, u := range x {
			dst[i+j+1] += u * v
		}
	}
	return dst
}

// css returns the conditional sum of squares, filling a.e with the residuals. Lags whose
// expanded coefficient is zero (most of a seasonal polynomial) are skipped.
func (a *arimaModel) css(mu float64) float64 {
	a.arLag, a.arC, a.maLag, a.maC = a.arLag[:0], a.arC[:0], a.maLag[:0], a.maC[:0]
	for k, c := range a.phi {
		if c != 0 {
			a.arLag, a.arC = append(a.arLag, k+1), append(a.arC, c)
		}
	}
	for k, c := range a.theta {
		if c != 0 {
			a.maLag, a.maC = append(a.maLag, k+1), append(a.maC, c)
		}
	}
	arLag, arC, maLag, maC := a.arLag, a.arC, a.maLag, a.maC
	na, nm := len(arLag), len(maLag)
	w, e := a.w, a.e
	sse := 0.0
	for t := range w {
		if t < a.cond {
			e[t] = 0
			continue
		}
		v := w[t] - mu
		for i := 0; i < na; i++ {
			v -= arC[i] * (w[t-arLag[i]] - mu)
		}
		for i := 0; i < nm; i++ {
			if l := maLag[i]; t >= l {
				v -= maC[i] * e[t-l]
			}
		}
		e[t] = v
		sse += v * v
	}
	return sse
}

// objective is R's CSS criterion 0.5·log(SSE/n_used), +Inf outside the stationary and
// invertible region. (R's CSS leaves the coefficients free and lets auto.arima reject what
// falls outside; beyond the unit circle the conditional sum of squares stops measuring fit,
// so we keep the search inside.)
func (a *arimaModel) objective(x []float64) float64 {
	ar, ma, sar, sma, mu := a.params(x)
	if !stationary(ar) || !stationary(sar) || !invertible(ma) || !invertible(sma) {
		return math.Inf(1)
	}
	a.expand(ar, ma, sar, sma)
	sse := a.css(mu)
	return 0.5 * math.Log(sse/float64(len(a.w)-a.cond))
}

// stationary reports whether 1 − a_1z − … − a_pz^p has all roots outside the unit circle.
func stationary(ar []float64) bool {
	if len(ar) == 0 {
		return true
	}
	// Roots outside ⇔ roots of the reversed polynomial z^p − a_1z^{p−1} − … − a_p inside.
	var buf [26]float64
	c := buf[:len(ar)+1]
	for i, v := range ar {
		c[len(ar)-1-i] = -v
	}
	c[len(ar)] = 1
	return rootsWithin(c, 1)
}

// invertible reports whether 1 + a_1z + … + a_qz^q has all roots outside the unit circle.
func invertible(ma []float64) bool {
	if len(ma) == 0 {
		return true
	}
	var buf [26]float64
	c := buf[:len(ma)+1]
	for i, v := range ma {
		c[len(ma)-1-i] = v
	}
	c[len(ma)] = 1
	return rootsWithin(c, 1)
}

// FitARIMA fits a seasonal ARIMA model of order o to y by conditional sum of squares, with
// Nelder–Mead from zero coefficients and the sample mean of the differenced data, inside the
// stationary and invertible region. It needs more residuals than coefficients.
//
// Forecasts follow the CSS recursion from its last residuals. R predicts from the Kalman
// filter's final state instead, so for models with MA terms R's forecasts differ slightly
// (by well under a forecast standard error); pure AR models agree.
func FitARIMA(y []float64, o ARIMAOrder) (*ARIMAFit, error) {
	return fitARIMA(y, o, nil)
}

func fitARIMA(y []float64, o ARIMAOrder, start []float64) (*ARIMAFit, error) {
	if o.Period < 2 {
		o.Period, o.SP, o.SD, o.SQ = 1, 0, 0, 0
	}
	if o.P < 0 || o.D < 0 || o.Q < 0 || o.SP < 0 || o.SD < 0 || o.SQ < 0 || o.D > 2 || o.SD > 1 || o.P+o.Q > 20 || o.SP+o.SQ > 4 {
		return nil, fmt.Errorf("%s: %w: orders out of range", o, ErrMethod)
	}
	if o.D+o.SD > 1 {
		o.Mean = false
	}
	w := applyPoly(y, differencePoly(o.D, o.SD, o.Period))
	k := o.P + o.Q + o.SP + o.SQ
	if o.Mean {
		k++
	}
	cond := o.P + o.Period*o.SP
	if len(w)-cond < k+1 || len(w) < 3 {
		return nil, fmt.Errorf("%s: %w: %d points", o, ErrTooShort, len(y))
	}
	a := &arimaModel{o: o, w: w, hasMean: o.Mean, e: make([]float64, len(w)), cond: cond}
	mw, sd := meanSD(w)
	x := make([]float64, k)
	steps := make([]float64, k)
	for i := range steps {
		steps[i] = 0.1
	}
	if o.Mean {
		x[k-1] = mw
		steps[k-1] = 0.1*sd + 1e-8*(math.Abs(mw)+1)
	}
	if len(start) == k {
		copy(x, start)
		if o.Mean && math.IsNaN(x[k-1]) {
			x[k-1] = mw
		}
		if ar, ma, sar, sma, _ := a.params(x); !stationary(ar) || !stationary(sar) || !invertible(ma) || !invertible(sma) {
			for i := range x { // a start outside the region: back to zeros
				x[i] = 0
			}
			if o.Mean {
				x[k-1] = mw
			}
		}
	}
	if k > 0 {
		// Nelder–Mead can stall on the ridges of the CSS surface; restarting from its answer
		// with a fresh simplex until the criterion stops improving reaches R's optimum.
		prev := math.Inf(1)
		for restart := 0; restart < 1; restart++ {
			var fx float64
			var ok bool
			x, fx, _, ok = nelderMead(a.objective, x, steps, arimaRelTol, 200*(k+1))
			if !ok {
				return nil, fmt.Errorf("%s: criterion not finite at the start", o)
			}
			if prev-fx < 1e-6 {
				break
			}
			prev = fx
		}
	}
	ar, ma, sar, sma, mu := a.params(x)
	a.expand(ar, ma, sar, sma)
	sse := a.css(mu)
	nUsed := float64(len(w) - cond)
	cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
	f := &ARIMAFit{Order: o, AR: cp(ar), MA: cp(ma), SAR: cp(sar), SMA: cp(sma), Mean: mu, y: y, w: w, e: cp(a.e)}
	f.Sigma2 = sse / nUsed
	f.LogLik = -0.5 * nUsed * (math.Log(2*math.Pi*f.Sigma2) + 1)
	// R's auto.arima scores CSS fits by nstar·log σ² + 2·npar over all nstar differenced
	// values, so that models conditioning on more values are not rewarded for dropping them.
	np := float64(k + 1)
	nstar := float64(len(w))
	f.AICc = nstar*math.Log(f.Sigma2) + 2*np + 2*np*(np+1)/(nstar-np-1)
	if math.IsNaN(f.AICc) || math.IsInf(f.LogLik, 0) {
		return nil, fmt.Errorf("%s: likelihood not finite", o)
	}
	return f, nil
}

func meanSD(w []float64) (mean, sd float64) {
	for _, v := range w {
		mean += v
	}
	mean /= float64(len(w))
	for _, v := range w {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(w)))
}

// Forecast returns h point forecasts: the ARMA recursion on the differenced series with
// future errors zero, then the differencing undone.
func (f *ARIMAFit) Forecast(h int) []float64 {
	a := &arimaModel{o: f.Order}
	a.expand(f.AR, f.MA, f.SAR, f.SMA)
	n := len(f.w)
	z := make([]float64, n+h)
	e := make([]float64, n+h)
	for t := range f.w {
		z[t] = f.w[t] - f.Mean
		e[t] = f.e[t]
	}
	for t := n; t < n+h; t++ {
		v := 0.0
		for k, c := range a.phi {
			if t-1-k >= 0 {
				v += c * z[t-1-k]
			}
		}
		for k, c := range a.theta {
			if t-1-k >= 0 {
				v += c * e[t-1-k]
			}
		}
		z[t] = v
	}
	// y_t = w_t − Σ_{k≥1} δ_k y_{t−k}, continuing the observed levels.
	delta := differencePoly(f.Order.D, f.Order.SD, f.Order.Period)
	ny := len(f.y)
	y := append(append([]float64(nil), f.y...), make([]float64, h)...)
	for i := 0; i < h; i++ {
		t := ny + i
		v := z[n+i] + f.Mean
		for k := 1; k < len(delta); k++ {
			v -= delta[k] * y[t-k]
		}
		y[t] = v
	}
	return y[ny:]
}

// seasonalStrength returns Wang, Smith & Hyndman's seasonal strength
// max(0, 1 − Var(R)/Var(S + R)) of y from a classical additive decomposition (S the seasonal
// component, R the remainder where the centred moving average is defined). It needs 2m values.
func seasonalStrength(y []float64, m int) float64 {
	n := len(y)
	half := m / 2
	seas := decomposeSeasonal(y, m, false)
	var r, rs []float64
	for t := half; t+half < n; t++ {
		tr := 0.0
		if m%2 == 0 {
			tr = 0.5*y[t-half] + 0.5*y[t+half]
			for j := t - half + 1; j < t+half; j++ {
				tr += y[j]
			}
		} else {
			for j := t - half; j <= t+half; j++ {
				tr += y[j]
			}
		}
		tr /= float64(m)
		rem := y[t] - tr - seas[t]
		r = append(r, rem)
		rs = append(rs, rem+seas[t])
	}
	_, sr := meanSD(r)
	_, srs := meanSD(rs)
	if srs == 0 {
		return 0
	}
	return math.Max(0, math.Min(1, 1-sr*sr/(srs*srs)))
}

// kpssCritical5 is the 5 % critical value of the KPSS level-stationarity test (Kwiatkowski
// et al. 1992, Table 1), the rule R forecast's ndiffs applies.
const kpssCritical5 = 0.463

// kpss returns the KPSS statistic for level stationarity with R's default lag
// trunc(3·sqrt(n)/13) and Bartlett weights (urca::ur.kpss(type = "mu")).
func kpss(x []float64) float64 {
	n := len(x)
	mean, _ := meanSD(x)
	e := make([]float64, n)
	for i, v := range x {
		e[i] = v - mean
	}
	s, eta := 0.0, 0.0
	for _, v := range e {
		s += v
		eta += s * s
	}
	eta /= float64(n) * float64(n)
	lag := int(3 * math.Sqrt(float64(n)) / 13)
	lrv := 0.0
	for _, v := range e {
		lrv += v * v
	}
	for l := 1; l <= lag; l++ {
		c := 0.0
		for t := l; t < n; t++ {
			c += e[t] * e[t-l]
		}
		lrv += 2 * (1 - float64(l)/float64(lag+1)) * c
	}
	lrv /= float64(n)
	return eta / lrv
}

// ndiffs returns the number of differences (0–2) that make y level-stationary by repeated
// KPSS tests at 5 %, as R forecast's ndiffs does.
func ndiffs(y []float64) int {
	x := y
	d := 0
	for d < 2 && len(x) > 3 && !isConstant(x) && kpss(x) > kpssCritical5 {
		d++
		x = applyPoly(x, []float64{1, -1})
	}
	return d
}

// arimaRelTol is the optimiser's relative tolerance on the CSS criterion 0.5·log σ², an
// absolute tolerance of about 1e-7 on log σ²: far below what changes a forecast.
const arimaRelTol = 1e-7

// Search limits of AutoARIMA's stepwise search.
const (
	arimaMaxP, arimaMaxQ   = 3, 3
	arimaMaxSP, arimaMaxSQ = 1, 1
)

// AutoARIMA selects a seasonal ARIMA model for y with period m in the manner of R's
// auto.arima (Hyndman & Khandakar 2008): one seasonal difference when the seasonal strength
// exceeds 0.64 (R's nsdiffs rule, here measured on a classical decomposition rather than
// STL: the two agree on 96 % of the M3 quarterly training series), then d by repeated KPSS
// tests on the seasonally differenced data; then a stepwise search from four starting
// models, moving to the first neighbour (an order ±1, both AR and MA orders ±1, the constant
// toggled) that lowers the AICc until none does, with p, q ≤ 3 and P, Q ≤ 1. Models
// whose AR or MA roots come within 1.01 of the unit circle are rejected, as R does. Models
// are fitted by conditional sum of squares. It fails with ErrTooShort when nothing fits.
func AutoARIMA(y []float64, m int) (*ARIMAFit, error) {
	if len(y) < 4 {
		return nil, fmt.Errorf("auto arima: %w: %d points", ErrTooShort, len(y))
	}
	sd := 0
	if m > 1 && len(y) >= 2*m && seasonalStrength(y, m) > 0.64 {
		sd = 1
	}
	x := y
	if sd == 1 {
		x = applyPoly(y, differencePoly(0, 1, m))
	}
	d := ndiffs(x)
	base := ARIMAOrder{D: d, SD: sd, Period: m, Mean: d+sd <= 1}
	if m < 2 {
		base.Period = 1
	}
	tried := map[ARIMAOrder]bool{}
	var best *ARIMAFit
	try := func(o ARIMAOrder) bool {
		if o.P < 0 || o.Q < 0 || o.SP < 0 || o.SQ < 0 || o.P > arimaMaxP || o.Q > arimaMaxQ ||
			o.SP > arimaMaxSP || o.SQ > arimaMaxSQ || (o.Mean && o.D+o.SD > 1) {
			return false
		}
		if o.Period < 2 {
			o.SP, o.SQ = 0, 0
		}
		if tried[o] {
			return false
		}
		tried[o] = true
		f, err := fitARIMA(y, o, warmStart(best, o))
		if err != nil || !clearOfUnitCircle(f) {
			return false
		}
		if best == nil || f.AICc < best.AICc {
			best = f
			return true
		}
		return false
	}
	with := func(p, q, sp, sq int) ARIMAOrder {
		o := base
		o.P, o.Q, o.SP, o.SQ = p, q, sp, sq
		return o
	}
	try(with(2, 2, 1, 1))
	try(with(0, 0, 0, 0))
	try(with(1, 0, 1, 0))
	try(with(0, 1, 0, 1))
	if base.Mean {
		o := with(0, 0, 0, 0)
		o.Mean = false
		try(o)
	}
	for improved := best != nil; improved; {
		improved = false
		c := best.Order
		var next []ARIMAOrder
		// R's order: seasonal orders first, then non-seasonal, single then joint moves.
		for _, dlt := range [][4]int{
			{0, 0, -1, 0}, {0, 0, 0, -1}, {0, 0, 1, 0}, {0, 0, 0, 1},
			{0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
			{-1, 0, 0, 0}, {0, -1, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
			{-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0},
		} {
			o := c
			o.P, o.Q, o.SP, o.SQ = c.P+dlt[0], c.Q+dlt[1], c.SP+dlt[2], c.SQ+dlt[3]
			next = append(next, o)
		}
		toggled := c
		toggled.Mean = !c.Mean
		next = append(next, toggled)
		for _, o := range next {
			if try(o) {
				improved = true
				break
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("auto arima: %w: no model fits %d points", ErrTooShort, len(y))
	}
	return best, nil
}

// warmStart returns starting coefficients for order o from the fit of a neighbouring order:
// shared coefficients carried over, new ones zero, the mean carried over when both estimate
// it (NaN, meaning the sample mean, otherwise). Starting the stepwise search's neighbours
// there halves its cost. It returns nil without a previous fit.
func warmStart(prev *ARIMAFit, o ARIMAOrder) []float64 {
	if prev == nil {
		return nil
	}
	var x []float64
	for _, g := range []struct {
		have []float64
		n    int
	}{{prev.AR, o.P}, {prev.MA, o.Q}, {prev.SAR, o.SP}, {prev.SMA, o.SQ}} {
		for i := 0; i < g.n; i++ {
			v := 0.0
			if i < len(g.have) {
				v = g.have[i]
			}
			x = append(x, v)
		}
	}
	if o.Mean {
		if prev.Order.Mean && prev.Order.D == o.D && prev.Order.SD == o.SD {
			x = append(x, prev.Mean)
		} else {
			x = append(x, math.NaN())
		}
	}
	return x
}

// clearOfUnitCircle rejects fits with an AR or MA root within 1.01 of the unit circle.
func clearOfUnitCircle(f *ARIMAFit) bool {
	a := &arimaModel{o: f.Order}
	a.expand(f.AR, f.MA, f.SAR, f.SMA)
	scaled := func(c []float64, sign float64) []float64 { // the polynomial in z/1.01
		out := make([]float64, len(c))
		for i, v := range c {
			out[i] = sign * v * math.Pow(1.01, float64(i+1))
		}
		return out
	}
	return stationary(scaled(a.phi, 1)) && invertible(scaled(a.theta, 1))
}
