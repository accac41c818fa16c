package forecast

import (
	"fmt"
	"math"
)

// Rate is a growth rate forecast for one period, as a fraction (0.05 is +5 %).
type Rate struct {
	Period string `json:"period,omitempty"`
	// Defined is false when the base value is zero or negative, where a growth rate means
	// nothing; Mean and Intervals are then zero and empty.
	Defined   bool           `json:"defined"`
	Mean      float64        `json:"mean"`
	Intervals []RateInterval `json:"intervals,omitempty"`
}

// RateInterval is a prediction interval for a growth rate.
type RateInterval struct {
	Level float64 `json:"level"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// GrowthForecast holds period-on-period and year-on-year growth forecasts for every horizon.
type GrowthForecast struct {
	// PoP[h−1] is the growth of period n+h over period n+h−1 (quarter on quarter for
	// quarterly data); the first compares the first forecast with the last actual.
	PoP []Rate `json:"pop"`
	// YoY[h−1] is the growth of period n+h over period n+h−Period, an actual value while
	// h ≤ Period and a forecast after.
	YoY []Rate `json:"yoy"`
	// PoPUncertainty and YoYUncertainty are the calibrated error models of the growth
	// factors (1 + rate) behind the intervals.
	PoPUncertainty Uncertainty `json:"pop_uncertainty"`
	YoYUncertainty Uncertainty `json:"yoy_uncertainty"`
}

// Growth turns a level forecast res of series s (the Result of Auto(s, …)) into growth rates
// with intervals.
//
// The point rates are ratios of the point forecasts (and of the last actuals where the base
// is observed). The intervals are not propagated from the level intervals, which would need
// the correlation of errors across horizons; they are calibrated the same way as the level
// intervals, directly from the growth errors of the rolling-origin backtest stored in
// res.Backtest: for every origin and horizon, the error of the log growth factor,
// (g_actual − g_forecast)/(1 + g_forecast), the relative error of the growth factor. Period-on-period errors are modelled with a scale constant
// in h (the difference of two neighbouring level errors), year-on-year errors with the level
// model's growth capped at one year (a level error against an observed base up to h = Period,
// the difference of two errors a year apart after). Bases ≤ 0 give undefined rates; when any
// backtest ratio is ≤ 0 the errors are taken on the growth factor itself rather than relative
// to it.
func Growth(s Series, res *Result) (*GrowthForecast, error) {
	if err := s.Validate(1); err != nil {
		return nil, err
	}
	if res == nil || len(res.Mean) == 0 {
		return nil, fmt.Errorf("growth: %w: empty forecast", ErrHorizon)
	}
	y, m, f := s.Values, s.Period, res.Mean
	n, h := len(y), len(f)
	// value returns the actual or forecast at 0-based time t (t < n actual, else forecast).
	value := func(t int) float64 {
		if t < n {
			return y[t]
		}
		return f[t-n]
	}
	popBase := func(t int) float64 { return value(t - 1) }
	yoyBase := func(t int) float64 {
		if t-m < 0 {
			return math.NaN()
		}
		return value(t - m)
	}

	// Backtest growth errors.
	var popErrs, yoyErrs []horizonError
	popRel, yoyRel := true, true
	for k, o := range res.Backtest.Origins {
		fc := res.Backtest.Forecasts[k]
		at := func(t int) float64 { // as seen from origin o
			if t < o {
				return y[t]
			}
			return fc[t-o]
		}
		for i := range fc {
			t := o + i
			if t >= n {
				break
			}
			if b, bf := y[t-1], at(t-1); b > 0 && bf > 0 {
				e := horizonError{h: i + 1, y: y[t] / b, f: fc[i] / bf}
				popRel = popRel && e.y > 0 && e.f > 0
				popErrs = append(popErrs, e)
			}
			if t-m >= 0 {
				if b, bf := y[t-m], at(t-m); b > 0 && bf > 0 {
					e := horizonError{h: i + 1, y: y[t] / b, f: fc[i] / bf}
					yoyRel = yoyRel && e.y > 0 && e.f > 0
					yoyErrs = append(yoyErrs, e)
				}
			}
		}
	}
	df := calDF(len(res.Backtest.Origins))
	g := &GrowthForecast{
		PoPUncertainty: Uncertainty{Relative: popRel, Power: 0, DF: df, Inflation: calInflation}.fit(popErrs),
		YoYUncertainty: Uncertainty{Relative: yoyRel, Power: calPower, Cap: m, DF: df, Inflation: calInflation}.fit(yoyErrs),
	}
	levels := make([]float64, len(res.Intervals))
	for i, iv := range res.Intervals {
		levels[i] = iv.Level
	}
	g.PoP = rates(n, h, value, popBase, g.PoPUncertainty, levels)
	g.YoY = rates(n, h, value, yoyBase, g.YoYUncertainty, levels)
	for i := range g.PoP {
		if i < len(res.Periods) {
			g.PoP[i].Period, g.YoY[i].Period = res.Periods[i], res.Periods[i]
		}
	}
	return g, nil
}

// rates computes the growth of value(t) over base(t) for the forecast periods t = n..n+h−1,
// with intervals from u around the growth factor.
func rates(n, h int, value, base func(int) float64, u Uncertainty, levels []float64) []Rate {
	out := make([]Rate, h)
	for i := range out {
		t := n + i
		b, v := base(t), value(t)
		if !(b > 0) || (u.Relative && !(v > 0)) {
			continue
		}
		r := Rate{Defined: true, Mean: v/b - 1}
		factor := v / b
		for _, l := range levels {
			w := 0.0
			if u.Scale > 0 {
				w = u.halfWidth(i+1, u.quantile(l))
			}
			lo, hi := factor-w, factor+w
			if u.Relative {
				lo, hi = math.Max(0, factor*(1-w)), factor*(1+w)
			}
			r.Intervals = append(r.Intervals, RateInterval{Level: l, Lower: lo - 1, Upper: hi - 1})
		}
		out[i] = r
	}
	return out
}
