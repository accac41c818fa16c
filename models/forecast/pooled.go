package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// SeasonalPrior is a seasonal shape shared by related series — a company and its regions
// and teams — estimated from the series that carries them all (PoolSeasonal on the
// company's revenue) or from several independent ones together, and shrunk towards no
// seasonality by the evidence for it. Auto puts it on a series that is too short or too
// noisy for its own seasonality test (Options.Seasonal).
type SeasonalPrior struct {
	Period int `json:"period"`
	// Index[j] is the multiplicative seasonal factor of calendar position j+1 (Q1…Q4), with
	// mean 1, after shrinkage.
	Index []float64 `json:"index"`
	// Series and Ratios count the series pooled and the detrended values they gave.
	Series int `json:"series"`
	Ratios int `json:"ratios"`
	// ChiSquare and P test the hypothesis of no seasonality (m−1 degrees of freedom).
	ChiSquare float64 `json:"chi_square"`
	P         float64 `json:"p"`
	// Shrinkage is the share of the estimated log seasonal factors kept in Index:
	// max(0, 1 − E₀/χ²), E₀ being χ²'s mean under no seasonality.
	Shrinkage float64 `json:"shrinkage"`
}

// PoolSeasonal estimates the seasonal shape that independent related series share (the
// company's revenue alone, or its regions, not the company and its regions together, which
// count the same revenue twice). Each positive series with at least two cycles of detrended
// values — the log of y over its centred moving average, as in the classical multiplicative
// decomposition — gives per calendar position the mean of its log ratios. Their covariance
// under no seasonality is worked out from the moving average's weights, with the noise
// variance estimated from the ratios' spread within positions: the moving average makes
// neighbouring ratios move against each other, so treating them as independent overstates
// the seasonal spread (in white noise by about 40 % on quarterly series). Series are pooled
// by their inverse covariances (a noisy series counts less) and the spread of the pooled
// figures is tested with a Wald χ² on m−1 contrasts.
//
// The log factors are then shrunk towards zero by max(0, 1 − E₀/χ²), E₀ = (m−1)·ν/(ν−2)
// being χ²'s mean under no seasonality with ν degrees of freedom behind the noise variance:
// the positive-part James–Stein share of the spread that is signal rather than noise. A
// shape no stronger than noise is dropped and a clear one kept almost whole, where a hard
// significance test either throws a real but noisy shape away or lends it at full strength.
//
// It returns nil, with the reason, when no series can be used or χ² ≤ E₀. Every series
// needs Start (the calendar position of its first value).
func PoolSeasonal(series []Series) (*SeasonalPrior, string) {
	if len(series) == 0 {
		return nil, "no series to pool"
	}
	m := series[0].Period
	if m < 2 {
		return nil, "no seasonal period"
	}
	prec := mat.NewSymDense(m, nil) // Σ V_i⁻¹
	wsum := mat.NewVecDense(m, nil) // Σ V_i⁻¹ d_i
	used, ratios, df := 0, 0, 0
	for _, s := range series {
		if s.Period != m || s.Start == (PeriodIndex{}) || !allPositive(s.Values) {
			continue
		}
		est, ok := positionMeans(s)
		if !ok {
			continue
		}
		var inv mat.SymDense
		if !invertSym(&inv, est.cov) {
			continue
		}
		prec.AddSym(prec, &inv)
		var v mat.VecDense
		v.MulVec(&inv, est.means)
		wsum.AddVec(wsum, &v)
		used++
		ratios += est.ratios
		df += est.df
	}
	if used == 0 {
		return nil, "no series has two seasonal cycles of positive values"
	}
	if df <= 2 {
		return nil, fmt.Sprintf("%d degrees of freedom for the noise variance, need at least 3", df)
	}
	var pooledCov mat.SymDense
	if !invertSym(&pooledCov, prec) {
		return nil, "the pooled seasonal figures' covariance is singular"
	}
	var d mat.VecDense
	d.MulVec(&pooledCov, wsum)
	// Wald χ² of the contrasts d_j − d_m, j < m.
	L := mat.NewDense(m-1, m, nil)
	for r := range m - 1 {
		L.Set(r, r, 1)
		L.Set(r, m-1, -1)
	}
	var ld mat.VecDense
	ld.MulVec(L, &d)
	var lv, lvl mat.Dense
	lv.Mul(L, &pooledCov)
	lvl.Mul(&lv, L.T())
	var sol mat.VecDense
	if err := sol.SolveVec(&lvl, &ld); err != nil {
		return nil, "the seasonal contrasts' covariance is singular"
	}
	chi := mat.Dot(&ld, &sol)
	p := 1 - distuv.ChiSquared{K: float64(m - 1)}.CDF(chi)
	e0 := float64(m-1) * float64(df) / float64(df-2)
	k := 0.0
	if chi > 0 {
		k = math.Max(0, 1-e0/chi)
	}
	if k == 0 {
		return nil, fmt.Sprintf("no shared seasonality: χ² %.1f on %d degrees of freedom from %d series (p = %.3f), no more than the %.1f noise gives on average", chi, m-1, used, p, e0)
	}
	prior := &SeasonalPrior{Period: m, Index: make([]float64, m), Series: used, Ratios: ratios, ChiSquare: chi, P: p, Shrinkage: k}
	centre := 0.0
	for j := range m {
		centre += d.AtVec(j) / float64(m)
	}
	mean := 0.0
	for j := range m {
		prior.Index[j] = math.Exp(k * (d.AtVec(j) - centre))
		mean += prior.Index[j] / float64(m)
	}
	for j := range prior.Index {
		prior.Index[j] /= mean
	}
	return prior, ""
}

// positionEstimate is one series' mean log ratio to its centred moving average per calendar
// position, with their covariance under white noise.
type positionEstimate struct {
	means      *mat.VecDense
	cov        *mat.SymDense
	ratios, df int
}

// positionMeans computes a series' position means and their covariance. With the log of
// each value its level times independent noise e_t (variance σ²), the ratio at t is about
// e_t − Σ_i w_i e_{t+i}, w the moving average's weights: the ratios are R·e, the position
// means D·e = A·R·e (A averages per position), so their covariance is σ²·D·Dᵀ; σ² is the
// within-position sum of squares over its expectation per unit variance, ‖P·R‖²_F (P
// removes the position means). It reports false without two ratios in some position or
// without spread within them.
func positionMeans(s Series) (positionEstimate, bool) {
	y, m := s.Values, s.Period
	n := len(y)
	trend := centredMA(y, m)
	half := m / 2
	w := maWeights(m)
	var ts []int
	for t := range n {
		if !math.IsNaN(trend[t]) {
			ts = append(ts, t)
		}
	}
	k := len(ts)
	if k < 2*m {
		return positionEstimate{}, false
	}
	pos := make([]int, k)
	count := make([]int, m)
	for r, t := range ts {
		pos[r] = s.Start.Add(t, m).Sub - 1
		count[pos[r]]++
	}
	for _, c := range count {
		if c < 2 {
			return positionEstimate{}, false
		}
	}
	R := mat.NewDense(k, n, nil)
	logr := make([]float64, k)
	for r, t := range ts {
		logr[r] = math.Log(y[t] / trend[t])
		R.Set(r, t, 1)
		for i, wi := range w {
			if wi != 0 {
				R.Set(r, t-half+i, R.At(r, t-half+i)-wi)
			}
		}
	}
	means := mat.NewVecDense(m, nil)
	for r, v := range logr {
		means.SetVec(pos[r], means.AtVec(pos[r])+v/float64(count[pos[r]]))
	}
	// D = A·R and P·R = R − (A·R) per row's position.
	D := mat.NewDense(m, n, nil)
	for r := range k {
		for c := range n {
			if v := R.At(r, c); v != 0 {
				D.Set(pos[r], c, D.At(pos[r], c)+v/float64(count[pos[r]]))
			}
		}
	}
	ss, unit := 0.0, 0.0
	for r := range k {
		res := logr[r] - means.AtVec(pos[r])
		ss += res * res
		for c := range n {
			v := R.At(r, c) - D.At(pos[r], c)
			unit += v * v
		}
	}
	if !(ss > 0) || !(unit > 0) {
		return positionEstimate{}, false
	}
	sigma2 := ss / unit
	cov := mat.NewSymDense(m, nil)
	for a := range m {
		for b := a; b < m; b++ {
			cov.SetSym(a, b, sigma2*mat.Dot(D.RowView(a), D.RowView(b)))
		}
	}
	return positionEstimate{means: means, cov: cov, ratios: k, df: k - m}, true
}

// maWeights returns the weights of y[t−m/2 … t+m/2] in centredMA's trend at t: 1/m each, and
// 1/(2m) at both ends for an even m (the 2×m moving average).
func maWeights(m int) []float64 {
	half := m / 2
	w := make([]float64, 2*half+1)
	for i := range w {
		w[i] = 1 / float64(m)
	}
	if m%2 == 0 {
		w[0], w[2*half] = 0.5/float64(m), 0.5/float64(m)
	}
	return w
}

// invertSym sets dst to the inverse of the positive definite a and reports whether it could.
func invertSym(dst, a *mat.SymDense) bool {
	var ch mat.Cholesky
	if !ch.Factorize(a) || ch.InverseTo(dst) != nil {
		return false
	}
	n := dst.SymmetricDim()
	for i := range n {
		for j := i; j < n; j++ {
			if v := dst.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// factors returns the prior's factor for each of the n periods from start.
func (p *SeasonalPrior) factors(start PeriodIndex, n int) []float64 {
	out := make([]float64, n)
	for t := range out {
		out[t] = p.Index[start.Add(t, p.Period).Sub-1]
	}
	return out
}

// applies reports whether Auto puts the prior on s: a positive series with a calendar, of
// the prior's period, long enough for the combination, whose own seasonality test (the M4
// rule, which needs three cycles) finds none.
func (p *SeasonalPrior) applies(s Series) bool {
	return p != nil && p.Period == s.Period && len(p.Index) == s.Period && s.Start != (PeriodIndex{}) &&
		len(s.Values) >= minTrain+2 && allPositive(s.Values) && !IsSeasonal(s.Values, s.Period)
}
