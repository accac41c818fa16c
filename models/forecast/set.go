package forecast

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
	// Pipeline is the pipeline-aware part of the forecast (package pipeline), or nil when
	// the data holds no deals or the scope has no univariate forecast.
	Pipeline *Pipeline `json:"pipeline,omitempty"`
}

// Pipeline is how a scope's first quarters were forecast from its deals: where each
// quarter's revenue comes from, the weight of that forecast beside the univariate one, and
// its rolling-origin backtest. Amounts are in the revenue's currency.
type Pipeline struct {
	// AsOf is the date the deals were read as of (the first day after the data).
	AsOf   string  `json:"as_of"`
	Splits []Split `json:"splits"`
	// Univariate is the univariate forecast of the same quarters; Weights the weight of the
	// pipeline forecast (Split.Total) in the combination per horizon, chosen by rolling-origin
	// validation over the company's scopes; Combined the combination (before reconciliation).
	Univariate []float64 `json:"univariate"`
	Weights    []float64 `json:"weights"`
	Combined   []float64 `json:"combined"`
	// Near is the combination's relative error scale per horizon (root mean square of its
	// backtest errors), PipelineNear the pipeline forecast's own; 0 where too few errors.
	Near         []float64 `json:"near"`
	PipelineNear []float64 `json:"pipeline_near"`
	// NearErrors is the fewest backtest errors behind a positive Near scale (one per
	// origin: the quarters they forecast do not overlap), the Student-t degrees of freedom
	// of the combination's intervals; 0 without any.
	NearErrors int `json:"near_errors,omitempty"`
	// Backtest holds the forecasts made from earlier dates, newest first.
	Backtest []PipelineOrigin `json:"backtest"`
}

// Split is where one quarter's forecast revenue comes from.
type Split struct {
	Period string `json:"period"`
	// Closed is revenue already won in the quarter before AsOf.
	Closed float64 `json:"closed"`
	// Open is the expected revenue of the deals open at AsOf; OpenDeals of them may close
	// won in the quarter, worth OpenAmount if all did.
	Open       float64 `json:"open"`
	OpenDeals  int     `json:"open_deals"`
	OpenAmount float64 `json:"open_amount"`
	// NotCreated is the expected revenue of deals not yet created at AsOf.
	NotCreated float64 `json:"not_created"`
}

// Total is the pipeline forecast of the quarter: closed + open + not yet created.
func (s Split) Total() float64 { return s.Closed + s.Open + s.NotCreated }

// PipelineOrigin is one backtest origin: what each forecast said of the quarters after it
// and what happened, for the horizons whose actual is known.
type PipelineOrigin struct {
	AsOf       string    `json:"as_of"`
	Periods    []string  `json:"periods"`
	Actual     []float64 `json:"actual"`
	Univariate []float64 `json:"univariate"`
	Pipeline   []float64 `json:"pipeline"`
	Combined   []float64 `json:"combined"`
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

// Actual returns the scope's revenue in period (a label of Periods) and whether it has a
// positive one there: the base of a year-on-year comparison.
func (s *Scope) Actual(period string) (float64, bool) {
	t := slices.Index(s.Periods, period)
	if t < 0 || t >= len(s.History) || !(s.History[t] > 0) {
		return 0, false
	}
	return s.History[t], true
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

// TargetOutlook is a forecast quarter against its revenue target.
type TargetOutlook struct {
	Period string  `json:"period"`
	Target float64 `json:"target"`
	// Probability is P(revenue ≥ target) under the forecast's error model.
	Probability float64 `json:"probability"`
	// NeededFromOpen is what the deals open at the forecast date must bring for the target
	// to be met, given what is already closed in the quarter and what deals not yet created
	// are expected to bring (0 when those cover it); HasPipeline is false when the scope has
	// no pipeline forecast of the quarter (then NeededFromOpen, Open and OpenAmount are 0).
	HasPipeline    bool    `json:"has_pipeline"`
	NeededFromOpen float64 `json:"needed_from_open"`
	Open           float64 `json:"open"`
	OpenAmount     float64 `json:"open_amount"`
	OpenDeals      int     `json:"open_deals"`
}

// Outlook returns the scope's forecast quarter h (1-based) against target (> 0).
func (s *Scope) Outlook(h int, target float64) (TargetOutlook, error) {
	if s.Forecast == nil || h < 1 || h > len(s.Forecast.Mean) {
		return TargetOutlook{}, fmt.Errorf("%w: no forecast %d quarters ahead", ErrHorizon, h)
	}
	if !(target > 0) || math.IsInf(target, 0) {
		return TargetOutlook{}, fmt.Errorf("target %v: want a positive revenue", target)
	}
	res := s.Forecast
	o := TargetOutlook{Target: target, Probability: res.Uncertainty.ProbAbove(h, res.Mean[h-1], target)}
	if h <= len(res.Periods) {
		o.Period = res.Periods[h-1]
	}
	if p := s.Pipeline; p != nil && h <= len(p.Splits) {
		sp := p.Splits[h-1]
		o.HasPipeline = true
		o.NeededFromOpen = math.Max(0, target-sp.Closed-sp.NotCreated)
		o.Open, o.OpenAmount, o.OpenDeals = sp.Open, sp.OpenAmount, sp.OpenDeals
	}
	return o, nil
}
