package forecast

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Calibration constants, chosen on rolling-origin validation of the M3 quarterly training
// parts only (see the README): the variance of the h-step error grows as h^calPower, and the
// t quantiles are widened by calInflation for the errors a backtest cannot see (a later
// regime, the model-form choice made on all data).
const (
	calPower     = 1.0
	calInflation = 1.0
)

// horizonError is one backtest forecast and what happened.
type horizonError struct {
	h    int
	y, f float64
}

// Uncertainty is the calibrated error model behind the intervals. The error at horizon h —
// log(y/ŷ) when LogSpace, y − ŷ otherwise — is modelled as Scale·g(h)·Inflation·T, where
// g(h) = min(h, Cap)^(Power/2) (no cap when Cap is 0) and T is Student-t with DF degrees of
// freedom. Scale is estimated from the backtest errors, each divided by g(h); DF is the number
// of backtest origins, so that intervals resting on few origins are wider.
type Uncertainty struct {
	LogSpace  bool    `json:"log_space"`
	Scale     float64 `json:"scale"`
	Power     float64 `json:"power"`
	Cap       int     `json:"cap,omitempty"`
	DF        float64 `json:"df"`
	Inflation float64 `json:"inflation"`
}

// calibrate fits the level error model to backtest errors. With no errors the scale is 0.
func calibrate(errs []horizonError, logSpace bool, origins int) Uncertainty {
	return Uncertainty{LogSpace: logSpace, Power: calPower, DF: float64(max(origins, 1)), Inflation: calInflation}.fit(errs)
}

// fit estimates Scale from errors under u's shape and space.
func (u Uncertainty) fit(errs []horizonError) Uncertainty {
	s, k := 0.0, 0
	for _, e := range errs {
		d := e.y - e.f
		if u.LogSpace {
			d = math.Log(e.y / e.f)
		}
		g := u.shape(e.h)
		s += d * d / (g * g)
		k++
	}
	u.Scale = 0
	if k > 0 {
		u.Scale = math.Sqrt(s / float64(k))
	}
	return u
}

// shape returns g(h), the error scale at horizon h relative to Scale.
func (u Uncertainty) shape(h int) float64 {
	if u.Cap > 0 {
		h = min(h, u.Cap)
	}
	return math.Pow(float64(h), u.Power/2)
}

// quantile returns the standardised error quantile at (1+level/100)/2.
func (u Uncertainty) quantile(level float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: u.DF}.Quantile(0.5+level/200) * u.Inflation
}

// halfWidth returns the error quantile q·Scale·g(h) for horizon h (1-based).
func (u Uncertainty) halfWidth(h int, q float64) float64 {
	return q * u.Scale * u.shape(h)
}

// intervals puts the calibrated intervals around forecasts f.
func (u Uncertainty) intervals(f []float64, levels []float64) []Interval {
	out := make([]Interval, len(levels))
	for i, l := range levels {
		iv := Interval{Level: l, Lower: make([]float64, len(f)), Upper: make([]float64, len(f))}
		q := 0.0
		if u.Scale > 0 {
			q = u.quantile(l)
		}
		for j, v := range f {
			w := u.halfWidth(j+1, q)
			if u.LogSpace {
				iv.Lower[j], iv.Upper[j] = v*math.Exp(-w), v*math.Exp(w)
			} else {
				iv.Lower[j], iv.Upper[j] = v-w, v+w
			}
		}
		out[i] = iv
	}
	return out
}
