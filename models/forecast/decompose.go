package forecast

import "math"

// acf returns the sample autocorrelations r_1..r_maxLag of y as R's acf computes them:
// r_k = Σ_{t=1}^{n-k} (y_t − ȳ)(y_{t+k} − ȳ) / Σ_{t=1}^{n} (y_t − ȳ)². A constant series has no
// defined autocorrelation; all lags are returned as 0.
func acf(y []float64, maxLag int) []float64 {
	n := len(y)
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	den := 0.0
	for _, v := range y {
		den += (v - mean) * (v - mean)
	}
	r := make([]float64, maxLag)
	if den == 0 {
		return r
	}
	for k := 1; k <= maxLag && k < n; k++ {
		s := 0.0
		for t := 0; t+k < n; t++ {
			s += (y[t] - mean) * (y[t+k] - mean)
		}
		r[k-1] = s / den
	}
	return r
}

// zNinety is the one-sided 95 % normal quantile, i.e. the two-sided 90 % critical value the M4
// seasonality test uses (qnorm(0.95) in R).
const zNinety = 1.6448536269514722

// IsSeasonal applies the M4 competition's seasonality test: with m > 1 and at least 3m
// observations, y is seasonal when the lag-m autocorrelation exceeds its 90 % limit,
// |r_m| > 1.645·sqrt((1 + 2·Σ_{k<m} r_k²)/n). Shorter or constant series are non-seasonal.
func IsSeasonal(y []float64, m int) bool {
	n := len(y)
	if m <= 1 || n < 3*m || isConstant(y) {
		return false
	}
	r := acf(y, m)
	s := 1.0
	for k := 0; k < m-1; k++ {
		s += 2 * r[k] * r[k]
	}
	return math.Abs(r[m-1]) > zNinety*math.Sqrt(s/float64(n))
}

// decomposeSeasonal returns the seasonal component of the classical decomposition of y with
// period m (R's decompose): a centred moving average of order m (2×m when m is even) as the
// trend, the average detrended value at each position of the cycle as the seasonal figure,
// normalised to sum to 0 (additive) or average 1 (multiplicative), repeated over y. Positions
// count from y[0], not from the calendar. It needs len(y) ≥ 2m; multiplicative needs y > 0.
func decomposeSeasonal(y []float64, m int, multiplicative bool) []float64 {
	n := len(y)
	trend := centredMA(y, m)
	figure := make([]float64, m)
	for i := 0; i < m; i++ {
		s, k := 0.0, 0
		for t := i; t < n; t += m {
			if math.IsNaN(trend[t]) {
				continue
			}
			if multiplicative {
				s += y[t] / trend[t]
			} else {
				s += y[t] - trend[t]
			}
			k++
		}
		figure[i] = s / float64(k)
	}
	mean := 0.0
	for _, v := range figure {
		mean += v
	}
	mean /= float64(m)
	for i := range figure {
		if multiplicative {
			figure[i] /= mean
		} else {
			figure[i] -= mean
		}
	}
	seasonal := make([]float64, n)
	for t := range seasonal {
		seasonal[t] = figure[t%m]
	}
	return seasonal
}

// SeasonalAdjust returns y without its seasonality when the M4 test finds any (IsSeasonal),
// as the methods that need adjusted data see it — by classical multiplicative decomposition
// for positive series, additive otherwise — and whether it was adjusted. A non-seasonal y is
// returned as it is.
func SeasonalAdjust(y []float64, m int) (adjusted []float64, seasonal bool) {
	a := adjust(y, m)
	return a.adjusted, a.active
}

// ACF returns the sample autocorrelations of y at lags 1 to maxLag (0 past the series' end,
// and all 0 for a constant y), with the mean and the denominator over all of y, as R's acf.
func ACF(y []float64, maxLag int) []float64 { return acf(y, maxLag) }

// seasonalAdjustment is what a method that needs deseasonalised data works on: the adjusted
// series and the seasonal indices to put back on its forecasts.
type seasonalAdjustment struct {
	adjusted       []float64
	seasonal       []float64 // per observation, len(y)
	multiplicative bool
	active         bool
}

// adjust removes seasonality from y when the M4 test finds it: by classical multiplicative
// decomposition for positive series, additive otherwise (multiplicative indices are meaningless
// around zero). When indices near zero make the multiplicative adjustment unstable the series
// is treated as non-seasonal, as R's thetaf does.
func adjust(y []float64, m int) seasonalAdjustment {
	if !IsSeasonal(y, m) {
		return seasonalAdjustment{adjusted: y}
	}
	mult := allPositive(y)
	s := decomposeSeasonal(y, m, mult)
	adj := make([]float64, len(y))
	for t, v := range y {
		if mult {
			if math.Abs(s[t]) < 1e-4 {
				return seasonalAdjustment{adjusted: y}
			}
			adj[t] = v / s[t]
		} else {
			adj[t] = v - s[t]
		}
	}
	return seasonalAdjustment{adjusted: adj, seasonal: s, multiplicative: mult, active: true}
}

// restore puts seasonality back on forecasts f made from the adjusted series, continuing the
// seasonal cycle of the last m observations.
func (a seasonalAdjustment) restore(f []float64, m int) {
	if !a.active {
		return
	}
	n := len(a.seasonal)
	for h := range f {
		idx := n - m + h%m
		if a.multiplicative {
			f[h] *= a.seasonal[idx]
		} else {
			f[h] += a.seasonal[idx]
		}
	}
}

// centredMA returns the centred moving average of order m (2×m when m is even) of y, NaN
// where the window does not fit: the trend of the classical decomposition.
func centredMA(y []float64, m int) []float64 {
	n := len(y)
	trend := make([]float64, n)
	for i := range trend {
		trend[i] = math.NaN()
	}
	half := m / 2
	if m%2 == 0 {
		for t := half; t+half < n; t++ {
			s := 0.5*y[t-half] + 0.5*y[t+half]
			for j := t - half + 1; j < t+half; j++ {
				s += y[j]
			}
			trend[t] = s / float64(m)
		}
	} else {
		for t := half; t+half < n; t++ {
			s := 0.0
			for j := t - half; j <= t+half; j++ {
				s += y[j]
			}
			trend[t] = s / float64(m)
		}
	}
	return trend
}
