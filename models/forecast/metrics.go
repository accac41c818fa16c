package forecast

import "math"

// SMAPE returns the symmetric mean absolute percentage error of forecasts f for actuals y as
// the M3/M4 competitions define it, in percent: (200/h)·Σ|y_t − f_t|/(|y_t| + |f_t|). A term
// where both y_t and f_t are zero is a perfect forecast and counts as 0.
func SMAPE(y, f []float64) float64 {
	s := 0.0
	for i := range y {
		d := math.Abs(y[i]) + math.Abs(f[i])
		if d > 0 {
			s += math.Abs(y[i]-f[i]) / d
		}
	}
	return 200 * s / float64(len(y))
}

// MASEScale returns the in-sample mean absolute seasonal difference (1/(n−m))·Σ_{t>m}|y_t −
// y_{t−m}| that MASE and MSIS divide by; it falls back to m = 1 when the series is not longer
// than one cycle. It is 0 for a series that repeats exactly, and NaN for fewer than 2 points.
func MASEScale(insample []float64, m int) float64 {
	if m < 1 || len(insample) <= m {
		m = 1
	}
	if len(insample) <= m {
		return math.NaN()
	}
	s := 0.0
	for t := m; t < len(insample); t++ {
		s += math.Abs(insample[t] - insample[t-m])
	}
	return s / float64(len(insample)-m)
}

// MASE returns the mean absolute scaled error (M4): mean |y_t − f_t| over the horizon divided
// by MASEScale(insample, m). It is +Inf when the scale is 0 and the forecast is not exact.
func MASE(insample, y, f []float64, m int) float64 {
	s := 0.0
	for i := range y {
		s += math.Abs(y[i] - f[i])
	}
	return s / float64(len(y)) / MASEScale(insample, m)
}

// MSIS returns the mean scaled interval score of the M4 competition for intervals [lo, hi] at
// level (in percent, e.g. 95, so α = 1 − level/100):
// (1/h)·Σ[(hi − lo) + (2/α)(lo − y)·1{y < lo} + (2/α)(y − hi)·1{y > hi}] / MASEScale.
func MSIS(insample, y, lo, hi []float64, level float64, m int) float64 {
	alpha := 1 - level/100
	s := 0.0
	for i := range y {
		s += hi[i] - lo[i]
		if y[i] < lo[i] {
			s += 2 / alpha * (lo[i] - y[i])
		}
		if y[i] > hi[i] {
			s += 2 / alpha * (y[i] - hi[i])
		}
	}
	return s / float64(len(y)) / MASEScale(insample, m)
}

// Coverage returns the fraction of actuals y inside [lo, hi], bounds included.
func Coverage(y, lo, hi []float64) float64 {
	in := 0
	for i := range y {
		if y[i] >= lo[i] && y[i] <= hi[i] {
			in++
		}
	}
	return float64(in) / float64(len(y))
}

// OWA returns the M4 overall weighted average of a method's sMAPE and MASE relative to Naive2
// on the same series: (sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2)/2. Below 1 beats Naive2.
func OWA(smape, mase, smapeNaive2, maseNaive2 float64) float64 {
	return (smape/smapeNaive2 + mase/maseNaive2) / 2
}
