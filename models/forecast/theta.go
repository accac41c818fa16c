package forecast

import (
	"fmt"
	"math"
)

// ThetaFit is a fitted optimised Theta model (Fiorucci et al. 2016, "Models for optimising
// the theta method and their relationship to state space models", IJF 32:1151–1161).
//
// The model is y_t = μ_t + ε_t with
//
//	μ_t = ℓ_{t−1} + (1 − 1/θ)·[(1−α)^{t−1}·A_{t−1} + ((1 − (1−α)^t)/α)·B_{t−1}]
//	ℓ_t = α·y_t + (1−α)·ℓ_{t−1}
//
// where A and B are the intercept and slope of the least-squares line of y on time 1, 2, …:
// fitted once to all data in the static model (OTM) and refitted to y_1..y_t at each step in
// the dynamic one (DOTM). θ = 2 with a static line is the classic Theta method. The h-step
// forecast from the end of the data is
//
//	ŷ_{n+h} = ℓ_n + (1 − 1/θ)·[(1−α)^n·A_n + (h − 1 + (1 − (1−α)^{n+1})/α)·B_n].
type ThetaFit struct {
	Alpha, Theta, Level0 float64
	Dynamic              bool
	MSE                  float64 // mean squared one-step error over t = 2..n
	n                    int
	level, a, b          float64 // ℓ_n, A_n, B_n
}

// Bounds of the optimised Theta parameters, as in Fiorucci et al.'s forecTheta package:
// alpha in [0.1, 0.99] keeps the short-term line from collapsing to a constant, theta ≥ 1.
const (
	thetaAlphaLo, thetaAlphaHi = 0.1, 0.99
	thetaThetaLo, thetaThetaHi = 1.0, 1e10
)

// FitTheta fits the optimised Theta model (dynamic when dynamic is true) to x by least squares
// of the one-step errors y_2..y_n, with Nelder–Mead from α = 0.5, θ = 2, ℓ0 = y_1. The first
// observation only starts the trend line: its fitted value is itself. It needs 3 points.
func FitTheta(x []float64, dynamic bool) (*ThetaFit, error) {
	n := len(x)
	if n < 3 {
		return nil, fmt.Errorf("fit theta: %w: %d points, need 3", ErrTooShort, n)
	}
	sa, sb := lineFit(x, 1)
	obj := func(p []float64) float64 {
		l0, alpha, theta := p[0], p[1], p[2]
		if alpha < thetaAlphaLo || alpha > thetaAlphaHi || theta < thetaThetaLo || theta > thetaThetaHi {
			return math.Inf(1)
		}
		mse, _, _, _ := thetaFilter(x, l0, alpha, theta, dynamic, sa, sb)
		return mse
	}
	p, _, _, ok := nelderMead(obj, []float64{x[0], 0.5, 2}, nil, 1.4901161193847656e-08, 1000)
	if !ok {
		return nil, fmt.Errorf("fit theta: objective not finite at the start")
	}
	mse, l, a, b := thetaFilter(x, p[0], p[1], p[2], dynamic, sa, sb)
	return &ThetaFit{Alpha: p[1], Theta: p[2], Level0: p[0], Dynamic: dynamic, MSE: mse, n: n, level: l, a: a, b: b}, nil
}

// thetaFilter runs the Theta model recursion and returns the one-step MSE and the final ℓ, A
// and B. sa and sb are the static line's intercept and slope.
func thetaFilter(x []float64, l0, alpha, theta float64, dynamic bool, sa, sb float64) (mse, level, a, b float64) {
	w := 1 - 1/theta
	level = alpha*x[0] + (1-alpha)*l0
	a, b = sa, sb
	mean := x[0]
	if dynamic {
		a, b = x[0], 0
	}
	decay := 1 - alpha // (1−α)^t for t = 1
	sse := 0.0
	for t := 2; t <= len(x); t++ {
		y := x[t-1]
		// μ_t uses (1−α)^{t−1}·A_{t−1} + ((1 − (1−α)^t)/α)·B_{t−1}.
		mu := level + w*(decay*a+(1-decay*(1-alpha))/alpha*b)
		e := y - mu
		sse += e * e
		level = alpha*y + (1-alpha)*level
		decay *= 1 - alpha
		if dynamic {
			ft := float64(t)
			prevMean := mean
			mean = ((ft-1)*mean + y) / ft
			b = ((ft-2)*b + 6*(y-prevMean)/ft) / (ft + 1)
			a = mean - (ft+1)*b/2
		}
	}
	return sse / float64(len(x)-1), level, a, b
}

// Forecast returns h point forecasts from the end of the data.
func (f *ThetaFit) Forecast(h int) []float64 {
	w := 1 - 1/f.Theta
	decay := math.Pow(1-f.Alpha, float64(f.n))
	c := (1 - decay*(1-f.Alpha)) / f.Alpha
	out := make([]float64, h)
	for i := range out {
		out[i] = f.level + w*(decay*f.a+(float64(i)+c)*f.b)
	}
	return out
}

// thetaModelForecast fits OTM or DOTM to adjusted data, falling back to the classic Theta
// method for series too short to optimise.
func thetaModelForecast(x []float64, h int, dynamic bool) ([]float64, error) {
	fit, err := FitTheta(x, dynamic)
	if err != nil {
		return thetaForecast(x, h)
	}
	return fit.Forecast(h), nil
}
