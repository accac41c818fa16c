package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SeasonalPrior is a seasonal shape shared by related series — the regions of one company —
// estimated from all of them together (PoolSeasonal). Auto puts it on a series that is too
// short or too noisy for its own seasonality test (Options.Seasonal).
type SeasonalPrior struct {
	Period int `json:"period"`
	// Index[j] is the multiplicative seasonal factor of calendar position j+1 (Q1…Q4), with
	// mean 1.
	Index []float64 `json:"index"`
	// Series and Ratios count the series pooled and the detrended values they gave.
	Series int `json:"series"`
	Ratios int `json:"ratios"`
	// ChiSquare and P test the hypothesis of no seasonality (m−1 degrees of freedom).
	ChiSquare float64 `json:"chi_square"`
	P         float64 `json:"p"`
}

// poolAlpha is the significance level below which PoolSeasonal finds a shared shape. It is
// strict because series of one company share shocks, so the pooled test is less certain
// than it says.
const poolAlpha = 0.01

// PoolSeasonal estimates the seasonal shape that independent related series share (the
// regions of a company, not the company and its regions together, which count the same
// revenue twice). Each positive series with at least two cycles of detrended values — the
// log of y over its centred moving average, as in the classical multiplicative
// decomposition — gives per calendar position the mean of its log ratios and their
// residual variance. The pooled figure of each position is the precision-weighted mean over
// series (a noisy series counts less); the test compares the pooled figures' spread with
// their standard errors (a χ² with m−1 degrees of freedom). It returns nil, with the reason,
// when no series can be used or the shape is not significant at poolAlpha. Every series
// needs Start (the calendar position of its first value).
func PoolSeasonal(series []Series) (*SeasonalPrior, string) {
	if len(series) == 0 {
		return nil, "no series to pool"
	}
	m := series[0].Period
	if m < 2 {
		return nil, "no seasonal period"
	}
	sumW := make([]float64, m)  // Σ precision per position
	sumWD := make([]float64, m) // Σ precision × mean log ratio
	used, ratios := 0, 0
	for _, s := range series {
		if s.Period != m || s.Start == (PeriodIndex{}) || !allPositive(s.Values) {
			continue
		}
		trend := centredMA(s.Values, m)
		logs := make([][]float64, m)
		k := 0
		for t, v := range s.Values {
			if math.IsNaN(trend[t]) {
				continue
			}
			j := s.Start.Add(t, m).Sub - 1
			logs[j] = append(logs[j], math.Log(v/trend[t]))
			k++
		}
		if k < 2*m {
			continue
		}
		// Residual variance around the position means, pooled over positions.
		ss, df := 0.0, 0
		means := make([]float64, m)
		ok := true
		for j, l := range logs {
			if len(l) == 0 {
				ok = false
				break
			}
			for _, v := range l {
				means[j] += v / float64(len(l))
			}
			for _, v := range l {
				ss += (v - means[j]) * (v - means[j])
			}
			df += len(l) - 1
		}
		if !ok || df < 1 || ss <= 0 {
			continue
		}
		sigma2 := ss / float64(df)
		for j, l := range logs {
			w := float64(len(l)) / sigma2
			sumW[j] += w
			sumWD[j] += w * means[j]
		}
		used++
		ratios += k
	}
	if used == 0 {
		return nil, "no series has two seasonal cycles of positive values"
	}
	d := make([]float64, m)
	grand, gw := 0.0, 0.0
	for j := range d {
		d[j] = sumWD[j] / sumW[j]
		grand += sumW[j] * d[j]
		gw += sumW[j]
	}
	grand /= gw
	chi := 0.0
	for j := range d {
		chi += sumW[j] * (d[j] - grand) * (d[j] - grand)
	}
	p := 1 - distuv.ChiSquared{K: float64(m - 1)}.CDF(chi)
	prior := &SeasonalPrior{Period: m, Index: make([]float64, m), Series: used, Ratios: ratios, ChiSquare: chi, P: p}
	mean := 0.0
	for j := range d {
		prior.Index[j] = math.Exp(d[j] - grand)
		mean += prior.Index[j] / float64(m)
	}
	for j := range prior.Index {
		prior.Index[j] /= mean
	}
	if p >= poolAlpha {
		return nil, fmt.Sprintf("no shared seasonality: χ² %.1f on %d degrees of freedom from %d series (p = %.3f ≥ %.2f)", chi, m-1, used, p, poolAlpha)
	}
	return prior, ""
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
