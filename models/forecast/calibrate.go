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
// log(y/ŷ) when LogSpace, y − ŷ otherwise — is modelled as Scale·h^(Power/2)·Inflation·T,
// T Student-t with DF degrees of freedom. Scale is estimated from the backtest errors, each
// divided by h^(Power/2); DF is the number of backtest origins, so that intervals from few
// origins are wider.
type Uncertainty struct {
	LogSpace  bool    `json:"log_space"`
	Scale     float64 `json:"scale"`
	Power     float64 `json:"power"`
	DF        float64 `json:"df"`
	Inflation float64 `json:"inflation"`
}

// calibrate fits the error model to backtest errors. With no errors the scale is 0.
func calibrate(errs []horizonError, logSpace bool, origins int) Uncertainty {
	u := Uncertainty{LogSpace: logSpace, Power: calPower, DF: float64(max(origins, 1)), Inflation: calInflation}
	s, k := 0.0, 0
	for _, e := range errs {
		d := e.y - e.f
		if logSpace {
			d = math.Log(e.y / e.f)
		}
		s += d * d / math.Pow(float64(e.h), u.Power)
		k++
	}
	if k > 0 {
		u.Scale = math.Sqrt(s / float64(k))
	}
	return u
}

// halfWidth returns the error quantile at (1+level/100)/2 for horizon h (1-based).
func (u Uncertainty) halfWidth(h int, level float64) float64 {
	if u.Scale == 0 {
		return 0
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: u.DF}.Quantile(0.5 + level/200)
	return q * u.Inflation * u.Scale * math.Pow(float64(h), u.Power/2)
}

// intervals puts the calibrated intervals around forecasts f.
func (u Uncertainty) intervals(f []float64, levels []float64) []Interval {
	out := make([]Interval, len(levels))
	for i, l := range levels {
		iv := Interval{Level: l, Lower: make([]float64, len(f)), Upper: make([]float64, len(f))}
		for j, v := range f {
			w := u.halfWidth(j+1, l)
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
