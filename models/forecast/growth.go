package forecast

import "fmt"

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
	// Paths is the number of simulated paths the intervals are quantiles of.
	Paths int `json:"paths"`
	// Note says why rates have no intervals (the level model has no error scale), or is empty.
	Note string `json:"note,omitempty"`
}

// Growth turns a level forecast res of series s (the Result of Auto(s, …)) into growth rates
// with intervals.
//
// The point rates are ratios of the point forecasts (and of the last actuals where the base
// is observed). The intervals come from the same error model as the level intervals: Growth
// draws sample paths of the forecast from res.Uncertainty (a multivariate Student-t whose
// marginals are the level intervals, with errors that accumulate along the path; see
// Uncertainty.simulate) and takes the quantiles of each path's growth factors. Against an
// observed base (the first QoQ, YoY up to one year ahead) the interval is the level interval
// divided by the base; between two forecast periods it reflects their correlated errors. So
// a level forecast with a non-zero interval never gets a zero-width growth interval. Bases
// ≤ 0 give undefined rates; a level model without an error scale (a constant history) gives
// rates without intervals, and Note says why.
func Growth(s Series, res *Result) (*GrowthForecast, error) {
	if err := s.Validate(1); err != nil {
		return nil, err
	}
	if res == nil || len(res.Mean) == 0 {
		return nil, fmt.Errorf("growth: %w: empty forecast", ErrHorizon)
	}
	y, m, f := s.Values, s.Period, res.Mean
	n, h := len(y), len(f)
	levels := make([]float64, len(res.Intervals))
	for i, iv := range res.Intervals {
		levels[i] = iv.Level
	}
	g := &GrowthForecast{PoP: make([]Rate, h), YoY: make([]Rate, h)}
	u := res.Uncertainty
	var paths [][]float64
	if u.uncertain() && len(levels) > 0 {
		paths = u.simulate(f, simPaths, simSeed)
		g.Paths = len(paths)
	} else {
		g.Note = "no growth intervals: the level forecast has no error scale (its backtest saw no errors)"
	}
	// at returns time t of path p (actuals before n; the point forecast when p < 0).
	at := func(p, t int) float64 {
		switch {
		case t < n:
			return y[t]
		case p < 0:
			return f[t-n]
		}
		return paths[p][t-n]
	}
	num, den := make([]float64, len(paths)), make([]float64, len(paths))
	rate := func(t, base int) Rate {
		if base < 0 {
			return Rate{}
		}
		b, v := at(-1, base), at(-1, t)
		if !(b > 0) {
			return Rate{}
		}
		r := Rate{Defined: true, Mean: v/b - 1}
		if paths == nil {
			return r
		}
		for p := range paths {
			num[p], den[p] = at(p, t), at(p, base)
		}
		r.Intervals, _ = ratioIntervals(num, den, levels)
		return r
	}
	for i := range h {
		t := n + i
		g.PoP[i] = rate(t, t-1)
		g.YoY[i] = rate(t, t-m)
		if i < len(res.Periods) {
			g.PoP[i].Period, g.YoY[i].Period = res.Periods[i], res.Periods[i]
		}
	}
	return g, nil
}
