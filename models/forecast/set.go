package forecast

import (
	"encoding/json"
	"fmt"
	"math"
)

// SetKind names the artifact format of a Set in the model registry.
const SetKind = "forecast.set/v1"

// Set is the forecasts of every scope of a company made in one training run: what the
// registry stores as the "forecast" model and what the API serves. Each scope keeps its
// history so that growth against the last actuals and the fan chart can be shown without the
// data.
type Set struct {
	// Grain is "quarter" or "month"; Period is 4 or 12.
	Grain  string `json:"grain"`
	Period int    `json:"period"`
	// AsOf is the first day after the data (YYYY-MM-DD).
	AsOf    string    `json:"as_of"`
	Horizon int       `json:"horizon"`
	Levels  []float64 `json:"levels"`
	// Options are the Auto options every scope was forecast with (members by name).
	Members []string `json:"members"`
	Combine Combiner `json:"combine"`
	Origins int      `json:"origins"`
	Scopes  []Scope  `json:"scopes"`
}

// Scope is one scope's history, forecast and growth.
type Scope struct {
	// Level is company, region or team; ID is the region or team ("" for the company).
	Level string `json:"level"`
	ID    string `json:"id"`
	// Periods label History; Start is the first period.
	Periods []string  `json:"periods"`
	History []float64 `json:"history"`
	// Forecast is Auto's result (point forecasts, calibrated intervals, backtest).
	Forecast *Result         `json:"forecast,omitempty"`
	Growth   *GrowthForecast `json:"growth,omitempty"`
	// Verdict is the withholding rule's answer (Assess): whether Forecast may be shown, and
	// if not, why and what data would fix it. Absent in sets made before the rule.
	Verdict *Verdict `json:"verdict,omitempty"`
	// Excluded says which periods of the data were left out of History and why (a partial
	// first or last period).
	Excluded []string `json:"excluded,omitempty"`
	// Error says why a scope could not be forecast (too short, all zero…), or is empty.
	Error string `json:"error,omitempty"`
}

// Find returns the scope with the given level and id.
func (s *Set) Find(level, id string) (*Scope, bool) {
	for i := range s.Scopes {
		if s.Scopes[i].Level == level && s.Scopes[i].ID == id {
			return &s.Scopes[i], true
		}
	}
	return nil, false
}

// BacktestMAPE is the mean absolute percentage error (a fraction) of the scope's backtest
// forecasts one step ahead (h1) and over every horizon (all), against the actuals > 0 of
// History; NaN when there are none (no forecast, or no positive actual in the backtest).
// The training run records it, and the API and the review page state it beside the forecast.
func (s *Scope) BacktestMAPE() (h1, all float64) {
	h1, all = math.NaN(), math.NaN()
	if s.Forecast == nil {
		return h1, all
	}
	bt := s.Forecast.Backtest
	var s1, sa float64
	var n1, na int
	for k, o := range bt.Origins {
		for h, f := range bt.Forecasts[k] {
			t := o + h
			if t >= len(s.History) || s.History[t] <= 0 {
				continue
			}
			e := math.Abs(s.History[t]-f) / s.History[t]
			sa += e
			na++
			if h == 0 {
				s1 += e
				n1++
			}
		}
	}
	if n1 > 0 {
		h1 = s1 / float64(n1)
	}
	if na > 0 {
		all = sa / float64(na)
	}
	return h1, all
}

// MarshalBinary encodes the set as JSON (deterministic: struct fields in order, no maps).
func (s *Set) MarshalBinary() ([]byte, error) { return json.Marshal(s) }

// UnmarshalSet decodes a set written by MarshalBinary.
func UnmarshalSet(b []byte) (*Set, error) {
	var s Set
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("forecast set: %w", err)
	}
	if s.Period < 1 || s.Horizon < 1 {
		return nil, fmt.Errorf("forecast set: period %d, horizon %d: not a forecast set", s.Period, s.Horizon)
	}
	return &s, nil
}
