package forecast

import (
	"fmt"
	"math"
)

// The starting point of an ETS fit, as R forecast's ets computes it: the initial states
// (initstate) and the initial smoothing parameters (initparam).

// initState returns R forecast's heuristic initial states (initstate): seasonal indices from
// a classical decomposition (a linear-trend-plus-first-harmonic regression when there are fewer
// than three cycles), then level and slope from a regression on the first max(10, 2m)
// seasonally adjusted values. The result holds l0, b0 when trended, and s0..s_{m−2}.
func initState(y []float64, m int, trend, season Component) ([]float64, error) {
	n := len(y)
	ysa := y
	var init []float64
	if season != None {
		if n < 4 {
			return nil, fmt.Errorf("%w: %d points for a seasonal ETS model", ErrTooShort, n)
		}
		var seasonal []float64
		if n < 3*m {
			seasonal = fourierSeasonal(y, m, season == Multiplicative)
		} else {
			seasonal = decomposeSeasonal(y, m, season == Multiplicative)
		}
		init = make([]float64, m-1)
		for j := 0; j < m-1; j++ {
			init[j] = seasonal[m-1-j]
		}
		ysa = make([]float64, n)
		if season == Additive {
			for t := range y {
				ysa[t] = y[t] - seasonal[t]
			}
		} else {
			sum := 0.0
			for j := range init {
				init[j] = math.Max(init[j], 0.01)
				sum += init[j]
			}
			if sum > float64(m) {
				for j := range init {
					init[j] /= sum + 0.01*float64(m-1)
				}
			}
			for t := range y {
				ysa[t] = y[t] / math.Max(seasonal[t], 0.01)
			}
		}
	}
	maxn := min(max(10, 2*m), n)
	var lb []float64
	if trend == None {
		s := 0.0
		for _, v := range ysa[:maxn] {
			s += v
		}
		lb = []float64{s / float64(maxn)}
	} else {
		a, b := lineFit(ysa[:maxn], 1)
		if math.Abs(a+b) < 1e-8 {
			a *= 1 + 1e-3
			b *= 1 - 1e-3
		}
		lb = []float64{a, b}
	}
	return append(lb, init...), nil
}

// lineFit returns the least-squares intercept and slope of y on x = x0, x0+1, ….
func lineFit(y []float64, x0 float64) (intercept, slope float64) {
	n := float64(len(y))
	mx, my := 0.0, 0.0
	for i, v := range y {
		mx += x0 + float64(i)
		my += v
	}
	mx /= n
	my /= n
	sxy, sxx := 0.0, 0.0
	for i, v := range y {
		dx := x0 + float64(i) - mx
		sxy += dx * (v - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return my, 0
	}
	slope = sxy / sxx
	return my - slope*mx, slope
}

// fourierSeasonal is initstate's seasonal estimate for short series: regress y on a linear
// trend and the first harmonic of period m, and return y minus (or over) the fitted trend.
func fourierSeasonal(y []float64, m int, multiplicative bool) []float64 {
	n := len(y)
	cols := [][]float64{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	for t := 0; t < n; t++ {
		tt := float64(t + 1)
		cols[0][t] = 1
		cols[1][t] = tt
		cols[2][t] = math.Sin(2 * math.Pi * tt / float64(m))
		cols[3][t] = math.Cos(2 * math.Pi * tt / float64(m))
	}
	if m == 2 { // the sine of a period-2 harmonic is identically zero; R drops it
		cols = [][]float64{cols[0], cols[1], cols[3]}
	}
	coef := leastSquares(cols, y)
	out := make([]float64, n)
	for t := range y {
		tr := coef[0] + coef[1]*float64(t+1)
		if multiplicative {
			out[t] = y[t] / tr
		} else {
			out[t] = y[t] - tr
		}
	}
	return out
}

// leastSquares solves the normal equations of a small regression by Gaussian elimination
// with partial pivoting. cols are the regressors; a singular design gives zero coefficients
// for the dependent columns.
func leastSquares(cols [][]float64, y []float64) []float64 {
	p := len(cols)
	a := make([][]float64, p)
	for i := range a {
		a[i] = make([]float64, p+1)
		for j := 0; j < p; j++ {
			s := 0.0
			for t := range y {
				s += cols[i][t] * cols[j][t]
			}
			a[i][j] = s
		}
		s := 0.0
		for t := range y {
			s += cols[i][t] * y[t]
		}
		a[i][p] = s
	}
	for c := 0; c < p; c++ {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		a[c], a[piv] = a[piv], a[c]
		if math.Abs(a[c][c]) < 1e-12 {
			continue
		}
		for r := 0; r < p; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k <= p; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	coef := make([]float64, p)
	for i := range coef {
		if math.Abs(a[i][i]) >= 1e-12 {
			coef[i] = a[i][p] / a[i][i]
		}
	}
	return coef
}

// initParams returns R's starting smoothing parameters (initparam): alpha a fifth of the way
// into its range (over m for seasonal models), beta a tenth of the way to alpha, gamma 5 % of
// the way to 1 − alpha, phi 99 % of the way up.
func initParams(spec ETSSpec, m int) []float64 {
	lo, up := etsLower, etsUpper
	alpha := lo[0] + 0.2*(up[0]-lo[0])/float64(m)
	if alpha > 1 || alpha < 0 {
		alpha = lo[0] + 2e-3
	}
	par := []float64{alpha}
	if spec.Trend != None {
		u := math.Min(up[1], alpha)
		beta := lo[1] + 0.1*(u-lo[1])
		if beta < 0 || beta > alpha {
			beta = alpha - 1e-3
		}
		par = append(par, beta)
	}
	if spec.Season != None {
		u := math.Min(up[2], 1-alpha)
		gamma := lo[2] + 0.05*(u-lo[2])
		if gamma < 0 || gamma > 1-alpha {
			gamma = 1 - alpha - 1e-3
		}
		par = append(par, gamma)
	}
	if spec.Damped {
		phi := lo[3] + 0.99*(up[3]-lo[3])
		if phi < 0 || phi > 1 {
			phi = up[3] - 1e-3
		}
		par = append(par, phi)
	}
	return par
}
