package main

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"

	"github.com/growthlens/growthlens/models/forecast"
)

// A learned combination weighs the members' forecasts and their median by series features,
// in the manner of FFORMA (Montero-Manso, Athanasopoulos, Hyndman & Talagala 2020): the
// candidates are the K members and their median; candidate k gets weight
//
//	w_k = exp(z_k) / Σ_j exp(z_j),    z_k = W[0][k] + Σ_i W[i+1][k]·x_i,
//
// where x are the series features (combinationFeatures), standardised by the training means
// and standard deviations and clipped to ±4. W is fitted by FitWeighting to minimise the OWA
// of the weighted forecasts on pseudo-test sets cut from training data; equal weights
// (W = 0) are the start.
//
// forecast.Auto does not use it: on the M3 training parts its weights fitted on earlier
// origins did not beat the plain median at a later one (see docs/models.md), though
// cross-validation over series at the same origins suggested they would. It lives here, with
// the design study (learnedStudy) that rejected it, not in the forecasting API.

// numFeatures is the length of combinationFeatures' result.
const numFeatures = 10

// featureNames label combinationFeatures' values, in order.
var featureNames = [numFeatures]string{"log n", "seasonal", "|acf m|", "trend R²", "acf1 of growth", "log volatility", "growth/volatility", "recent growth/volatility", "curvature", "log member spread"}

// combinationFeatures describes y (period m) and the members' forecasts fs of it for the
// learned combination. It needs positive data and at least 6 points (growth is measured on
// logs); ok is false otherwise. The features, on the seasonally adjusted series x (M4 rule):
// log n; 1 if seasonal; |r_m| of y; R² of a straight line on x; the lag-1 autocorrelation of
// the log growth d_t = log x_t − log x_{t−1}; log of the volatility σ(d); the mean growth and
// the growth over the last 4 periods less it, both over σ(d); the quadratic coefficient of
// x/x̄ on t/n; and log of the members' spread at the last horizon relative to their mean
// level.
func combinationFeatures(y []float64, m int, fs [][]float64) (x []float64, ok bool) {
	n := len(y)
	if n < 6 || !allPositive(y) || len(fs) < 2 {
		return nil, false
	}
	a, seasonal := forecast.SeasonalAdjust(y, m)
	if !allPositive(a) {
		return nil, false
	}
	const eps = 1e-6
	x = make([]float64, numFeatures)
	x[0] = math.Log(float64(n))
	if seasonal {
		x[1] = 1
	}
	if m > 1 && n > m {
		x[2] = math.Abs(forecast.ACF(y, m)[m-1])
	}
	b0, b1 := stat.LinearRegression(steps(len(a)), a, nil, false)
	var sse, sst float64
	ma, _ := stat.PopMeanStdDev(a, nil)
	for t, v := range a {
		e := v - (b0 + b1*float64(t+1))
		sse += e * e
		sst += (v - ma) * (v - ma)
	}
	x[3] = 1 - sse/math.Max(sst, 1e-12)
	d := make([]float64, n-1)
	for t := 1; t < n; t++ {
		d[t-1] = math.Log(a[t]) - math.Log(a[t-1])
	}
	if len(d) > 2 {
		x[4] = forecast.ACF(d, 1)[0]
	}
	_, vol := stat.PopMeanStdDev(d, nil)
	vol *= math.Sqrt(float64(len(d)-1) / float64(len(d))) // population σ
	x[5] = math.Log(vol + eps)
	gAll := (math.Log(a[n-1]) - math.Log(a[0])) / float64(n-1)
	gLast := (math.Log(a[n-1]) - math.Log(a[n-5])) / 4
	x[6] = gAll / (vol + eps)
	x[7] = (gLast - gAll) / (vol + eps)
	x[8] = quadCoef(a, ma)
	h := len(fs[0])
	var level, s1, s2 float64
	for _, f := range fs {
		for _, v := range f {
			level += math.Abs(v)
		}
		s1 += f[h-1]
		s2 += f[h-1] * f[h-1]
	}
	k := float64(len(fs))
	level /= k * float64(h)
	spread := math.Sqrt(math.Max(0, s2/k-(s1/k)*(s1/k)))
	if !(level > 0) {
		return nil, false
	}
	x[9] = math.Log(spread/level + eps)
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
	}
	return x, true
}

// quadCoef is c of the least-squares fit a/mean ≈ α + β·u + c·u² with u = t/n, t = 1..n.
func quadCoef(a []float64, mean float64) float64 {
	n := float64(len(a))
	var s [5]float64 // Σu^0..Σu^4
	var r [3]float64 // Σv, Σuv, Σu²v
	for t, v := range a {
		u := float64(t+1) / n
		v /= mean
		p := 1.0
		for i := range s {
			s[i] += p
			if i < 3 {
				r[i] += p * v
			}
			p *= u
		}
	}
	// Solve the 3×3 normal equations by Cramer's rule.
	m := [3][3]float64{{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}}
	det := det3(m)
	if math.Abs(det) < 1e-300 {
		return 0
	}
	mc := m
	for i := range 3 {
		mc[i][2] = r[i]
	}
	return det3(mc) / det
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// Weighting is a learned combination: the coefficients that turn series features into
// weights on the members and their median.
type Weighting struct {
	// Members are the method names, in the order their forecasts are given; the median of
	// them is the last candidate.
	Members []string `json:"members"`
	// Mean and SD standardise the features.
	Mean []float64 `json:"mean"`
	SD   []float64 `json:"sd"`
	// W[0] are the intercepts, W[i+1] the coefficients of feature i, one per candidate.
	W [][]float64 `json:"w"`
}

// candidates returns the members' forecasts and their median.
func candidates(fs [][]float64) [][]float64 {
	return append(append([][]float64(nil), fs...), forecast.Combine(fs, forecast.CombineMedian))
}

// weights returns the candidate weights for standardised features z (with the leading 1).
func (w *Weighting) weights(z []float64) []float64 {
	k := len(w.W[0])
	out := make([]float64, k)
	top := math.Inf(-1)
	for j := range out {
		for i, v := range z {
			out[j] += w.W[i][j] * v
		}
		top = math.Max(top, out[j])
	}
	sum := 0.0
	for j := range out {
		out[j] = math.Exp(out[j] - top)
		sum += out[j]
	}
	for j := range out {
		out[j] /= sum
	}
	return out
}

// standardise returns [1, clip((x − Mean)/SD, ±4)...].
func (w *Weighting) standardise(x []float64) []float64 {
	z := make([]float64, len(x)+1)
	z[0] = 1
	for i, v := range x {
		s := (v - w.Mean[i]) / w.SD[i]
		z[i+1] = math.Max(-4, math.Min(4, s))
	}
	return z
}

// Combine weighs the members' forecasts fs (in Members' order, all the same length) of y
// (period m). Series the features are not defined for (zeros or negatives, fewer than 6
// points) get the median.
func (w *Weighting) Combine(y []float64, m int, fs [][]float64) []float64 {
	if len(fs) != len(w.Members) {
		return forecast.Combine(fs, forecast.CombineMedian)
	}
	x, ok := combinationFeatures(y, m, fs)
	if !ok {
		return forecast.Combine(fs, forecast.CombineMedian)
	}
	wt := w.weights(w.standardise(x))
	cands := candidates(fs)
	out := make([]float64, len(fs[0]))
	for j, f := range cands {
		for i, v := range f {
			out[i] += wt[j] * v
		}
	}
	return out
}

// WeightingCase is one training series' pseudo-test for FitWeighting: the data forecast from
// (positive, at least 6 points), the members' forecasts, the actual values and the MASE scale.
type WeightingCase struct {
	Y         []float64
	Period    int
	Forecasts [][]float64
	Actual    []float64
	Scale     float64
}

// WeightingSet is one pseudo-test set with its Naive2 sMAPE and MASE, against which the OWA
// FitWeighting minimises is measured.
type WeightingSet struct {
	Cases                   []WeightingCase
	Naive2SMAPE, Naive2MASE float64
}

// FitWeighting fits a Weighting for the members named to the sets by minimising the mean
// over the sets of the OWA of the weighted forecasts plus lambda·Σ W[i≥1]² (the intercepts
// are not penalised), with L-BFGS from equal weights. Cases whose features are not defined
// are left out.
func FitWeighting(members []string, sets []WeightingSet, lambda float64) (*Weighting, error) {
	type prepared struct {
		x     []float64
		cands [][]float64
		c     *WeightingCase
	}
	prep := make([][]prepared, len(sets))
	var all [][]float64
	for s, set := range sets {
		for i := range set.Cases {
			c := &set.Cases[i]
			if len(c.Forecasts) != len(members) {
				return nil, fmt.Errorf("fit weighting: case has %d forecasts for %d members", len(c.Forecasts), len(members))
			}
			x, ok := combinationFeatures(c.Y, c.Period, c.Forecasts)
			if !ok || !(c.Scale > 0) {
				continue
			}
			prep[s] = append(prep[s], prepared{x: x, cands: candidates(c.Forecasts), c: c})
			all = append(all, x)
		}
	}
	if len(all) < 10*numFeatures {
		return nil, fmt.Errorf("fit weighting: %d usable cases, need %d", len(all), 10*numFeatures)
	}
	w := &Weighting{Members: append([]string(nil), members...), Mean: make([]float64, numFeatures), SD: make([]float64, numFeatures)}
	col := make([]float64, len(all))
	for i := range numFeatures {
		for j, x := range all {
			col[j] = x[i]
		}
		w.Mean[i], w.SD[i] = stat.PopMeanStdDev(col, nil)
		if !(w.SD[i] > 0) {
			w.SD[i] = 1
		}
	}
	zs := make([][][]float64, len(sets))
	for s := range prep {
		for _, p := range prep[s] {
			zs[s] = append(zs[s], w.standardise(p.x))
		}
	}
	k := len(members) + 1
	nz := numFeatures + 1
	unpack := func(theta []float64) {
		w.W = make([][]float64, nz)
		for i := range w.W {
			w.W[i] = theta[i*k : (i+1)*k]
		}
	}
	loss := func(theta, grad []float64) float64 {
		unpack(theta)
		for i := range grad {
			grad[i] = 0
		}
		total := 0.0
		for s, set := range sets {
			ps := prep[s]
			if len(ps) == 0 {
				continue
			}
			h := float64(len(ps[0].c.Actual))
			cs := 0.5 / set.Naive2SMAPE / float64(len(ps)) / float64(len(sets))
			cm := 0.5 / set.Naive2MASE / float64(len(ps)) / float64(len(sets))
			for i, p := range ps {
				z := zs[s][i]
				wt := w.weights(z)
				dw := make([]float64, k)
				for t, a := range p.c.Actual {
					f := 0.0
					for j, cand := range p.cands {
						f += wt[j] * cand[t]
					}
					den := math.Abs(a) + math.Abs(f)
					var dSm float64
					if den > 0 {
						total += cs * 200 * math.Abs(a-f) / den / h
						dSm = cs * 200 / h * (sign(f-a)*den - math.Abs(a-f)*sign(f)) / (den * den)
					}
					total += cm * math.Abs(a-f) / p.c.Scale / h
					df := dSm + cm*sign(f-a)/p.c.Scale/h
					for j, cand := range p.cands {
						dw[j] += df * cand[t]
					}
				}
				dot := 0.0
				for j := range dw {
					dot += wt[j] * dw[j]
				}
				for j := range dw {
					dz := wt[j] * (dw[j] - dot)
					for r, v := range z {
						grad[r*k+j] += dz * v
					}
				}
			}
		}
		for i := k; i < len(theta); i++ {
			total += lambda * theta[i] * theta[i]
			grad[i] += 2 * lambda * theta[i]
		}
		return total
	}
	p := optimize.Problem{
		Func: func(theta []float64) float64 { return loss(theta, make([]float64, len(theta))) },
		Grad: func(grad, theta []float64) { loss(theta, grad) },
	}
	res, err := optimize.Minimize(p, make([]float64, nz*k), &optimize.Settings{MajorIterations: 500, GradientThreshold: 1e-7}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("fit weighting: %w", err)
	}
	theta := append([]float64(nil), res.X...)
	unpack(theta)
	return w, nil
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// steps returns 1, 2, …, n: the time index a trend line is fitted on.
func steps(n int) []float64 {
	t := make([]float64, n)
	for i := range t {
		t[i] = float64(i + 1)
	}
	return t
}

// allPositive reports whether every value is above 0 (growth is measured on logs).
func allPositive(y []float64) bool {
	return !slices.ContainsFunc(y, func(v float64) bool { return !(v > 0) })
}
