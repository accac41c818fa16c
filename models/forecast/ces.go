package forecast

import (
	"fmt"
	"math"
	"math/cmplx"
)

// CESFit is a fitted non-seasonal complex exponential smoothing model (Svetunkov,
// Kourentzes & Ord 2022, "Complex exponential smoothing", Naval Research Logistics 69:1108):
//
//	y_t = l_{t−1} + ε_t
//	l_t = l_{t−1} − (1 − a₁)·c_{t−1} + (a₀ − a₁)·ε_t
//	c_t = l_{t−1} + (1 − a₀)·c_{t−1} + (a₀ + a₁)·ε_t
//
// with the complex smoothing parameter a₀ + i·a₁. The information component c lets the model
// move between level and trend behaviour without choosing between them. Parameters and the
// initial states are fitted by least squares of the one-step errors, inside the region where
// the discount matrix has its eigenvalues inside the unit circle (forecastability).
type CESFit struct {
	A0, A1     float64
	L0, C0     float64
	MSE        float64
	level, inf float64 // final l and c
}

// cesStable reports whether the discount matrix D = F − g·w′ has both eigenvalues inside the
// unit circle.
func cesStable(a0, a1 float64) bool {
	// D = [[1 − (a0 − a1), −(1 − a1)], [1 − (a0 + a1), 1 − a0]].
	d11, d12 := 1-(a0-a1), -(1 - a1)
	d21, d22 := 1-(a0+a1), 1-a0
	tr, det := d11+d22, d11*d22-d12*d21
	disc := cmplx.Sqrt(complex(tr*tr-4*det, 0))
	r1 := (complex(tr, 0) + disc) / 2
	r2 := (complex(tr, 0) - disc) / 2
	return cmplx.Abs(r1) < 1 && cmplx.Abs(r2) < 1
}

func cesFilter(x []float64, a0, a1, l, c float64) (sse, lEnd, cEnd float64) {
	for _, y := range x {
		e := y - l
		sse += e * e
		l, c = l-(1-a1)*c+(a0-a1)*e, l+(1-a0)*c+(a0+a1)*e
	}
	return sse, l, c
}

// FitCES fits CES to x by least squares with Nelder–Mead from a₀ = 1.3, a₁ = 1, l₀ = x₁,
// c₀ = x₁ (the information component starts at the level, as in the smooth package). It
// needs 5 points.
func FitCES(x []float64) (*CESFit, error) {
	return fitCES(x, nil)
}

// fitCES starts from prev's parameters and initial states when prev is not nil (a warm
// refit on a prefix of prev's data).
func fitCES(x []float64, prev *CESFit) (*CESFit, error) {
	if len(x) < 5 {
		return nil, fmt.Errorf("fit ces: %w: %d points, need 5", ErrTooShort, len(x))
	}
	_, sd := meanSD(x)
	scale := math.Abs(x[0]) + sd + 1e-8
	obj := func(p []float64) float64 {
		if !cesStable(p[0], p[1]) {
			return math.Inf(1)
		}
		sse, _, _ := cesFilter(x, p[0], p[1], p[2], p[3])
		return sse
	}
	start := []float64{1.3, 1, x[0], x[0]}
	steps := []float64{0.1, 0.1, 0.05 * scale, 0.05 * scale}
	tol, maxEval, rounds := 1e-8, 2000, 2
	if prev != nil {
		start = []float64{prev.A0, prev.A1, prev.L0, prev.C0}
		steps = []float64{0.02, 0.02, 0.01 * scale, 0.01 * scale}
		tol, maxEval, rounds = 1e-6, 400, 1
	}
	p, f, _, ok := nelderMead(obj, start, steps, tol, maxEval)
	if !ok {
		return nil, fmt.Errorf("fit ces: unstable at the start")
	}
	// A restart from the optimum guards against a stalled simplex.
	for r := 1; r < rounds; r++ {
		if p2, f2, _, ok2 := nelderMead(obj, p, steps, tol, maxEval); ok2 && f2 < f {
			p, f = p2, f2
		}
	}
	_, l, c := cesFilter(x, p[0], p[1], p[2], p[3])
	return &CESFit{A0: p[0], A1: p[1], L0: p[2], C0: p[3], MSE: f / float64(len(x)), level: l, inf: c}, nil
}

// Forecast returns h point forecasts: the state transition with future errors zero.
func (f *CESFit) Forecast(h int) []float64 {
	out := make([]float64, h)
	l, c := f.level, f.inf
	for i := range out {
		out[i] = l
		l, c = l-(1-f.A1)*c, l+(1-f.A0)*c
	}
	return out
}
