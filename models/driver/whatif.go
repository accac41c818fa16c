package driver

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/datasets"
)

// Change is the change of one driver in a what-if scenario.
type Change struct {
	Driver string `json:"driver"`
	// Value is the change: a fraction of the driver's current level when Relative (+0.15 is
	// +15 %, −0.5 is −50 %), else an amount in the driver's unit (−2 days, +5 employees,
	// +10000 currency).
	Value    float64 `json:"value"`
	Relative bool    `json:"relative"`
}

// String formats the change as ParseChange reads it.
func (c Change) String() string {
	if c.Relative {
		return fmt.Sprintf("%s=%+g%%", c.Driver, 100*c.Value)
	}
	return fmt.Sprintf("%s=%+g", c.Driver, c.Value)
}

// ParseChange reads "driver=+15%" (a relative change) or "driver=-2" (an amount in the
// driver's unit).
func ParseChange(s string) (Change, error) {
	name, val, ok := strings.Cut(s, "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if !ok || name == "" || val == "" {
		return Change{}, fmt.Errorf("change %q: want driver=+15%% or driver=-2", s)
	}
	c := Change{Driver: name}
	if rest, pct := strings.CutSuffix(val, "%"); pct {
		c.Relative, val = true, strings.TrimSpace(rest)
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Change{}, fmt.Errorf("change %q: %q is not a number", s, val)
	}
	if c.Relative {
		v /= 100
	}
	c.Value = v
	return c, nil
}

// Scenario is a set of driver changes for one scope, all made at once and then held.
type Scenario struct {
	// Scope is a scope id of the model's panel (a region, a team), or "" for all of them
	// together (the company, when the panel is by region).
	Scope   string   `json:"scope"`
	Changes []Change `json:"changes"`
}

// Applied is one change of a scenario as the model applies it.
type Applied struct {
	Spec
	Change Change `json:"change"`
	// From is the driver's current level: its value in the scope's last complete period in
	// which it is known (for all scopes together, their sum for Log drivers and their
	// revenue-weighted mean for Level drivers); To is the level after the change. Both in the
	// driver's unit.
	From float64         `json:"from"`
	To   float64         `json:"to"`
	AsOf datasets.Period `json:"as_of"`
	// Delta is the change on the model's scale: Δ log for Log drivers, Δ level for Level.
	Delta float64 `json:"delta"`
	// Sustained is this change's share of Outcome.Sustained.
	Sustained Interval `json:"sustained"`
}

// Outcome is what a scenario does to growth, with intervals at Model.Level from the bootstrap.
type Outcome struct {
	Scope   string    `json:"scope"`
	Changes []Applied `json:"changes"`
	// Growth[k] is the change in period-on-period growth (Δ log revenue, so 0.01 is about one
	// point) k periods after the changes, k = 0..Lags; afterwards growth is back to its path.
	Growth []Interval `json:"growth"`
	// Sustained is the change in log revenue once every lag has passed: the sum of Growth. It
	// is also the change in year-on-year growth over the first whole year after the changes.
	Sustained Interval `json:"sustained"`
	// SustainedPercent is Sustained as a revenue change, exp(Sustained) − 1.
	SustainedPercent Interval `json:"sustained_percent"`
	// Draws are Sustained at every replicate of the model (its posterior draws for a Bayesian
	// fit), in the model's replicate order: every answer computed from the same model shares
	// them, so a caller can combine answers draw by draw.
	Draws []float64 `json:"-"`
	// GrowthDraws[k] are Growth[k] at every replicate.
	GrowthDraws [][]float64 `json:"-"`
}

// WhatIf predicts the change in growth that the scenario's driver changes cause, against the
// path growth would have taken without them. The model is additive in the drivers' changes, so
// each change's part is exact and the parts add up to the whole.
//
// A relative change of a Level driver (first response −50 %) is converted through the scope's
// current level; an amount on a Log driver (+10000 of spend) likewise. WhatIf returns an error
// for an unknown scope, a driver the model does not have (the message says whether it was
// dropped, is a mediator or is unknown), a driver listed twice, a change that would make a
// level negative (or a Log driver zero), and a driver with no known current level when one is
// needed.
func (m *Model) WhatIf(sc Scenario) (*Outcome, error) {
	if len(sc.Changes) == 0 {
		return nil, fmt.Errorf("what-if: no changes")
	}
	scopes, err := m.scopesFor(sc.Scope)
	if err != nil {
		return nil, fmt.Errorf("what-if: %w", err)
	}
	L := m.Lags + 1
	delta := make([]float64, len(m.Effects))
	out := &Outcome{Scope: sc.Scope}
	seen := map[string]bool{}
	for _, c := range sc.Changes {
		j, err := m.effectIndex(c.Driver)
		if err != nil {
			return nil, fmt.Errorf("what-if: %w", err)
		}
		if seen[c.Driver] {
			return nil, fmt.Errorf("what-if: driver %s changed twice", c.Driver)
		}
		seen[c.Driver] = true
		e := m.Effects[j]
		ap := Applied{Spec: e.Spec, Change: c}
		needLevel := c.Relative == (e.Scale == Level) // relative level change or absolute log change
		from, asOf, ok := m.currentLevel(scopes, e.Spec)
		if ok {
			ap.From, ap.AsOf = from, asOf
		} else if needLevel {
			return nil, fmt.Errorf("what-if: driver %s has no known level in scope %q to apply %s to", c.Driver, sc.Scope, c)
		}
		switch {
		case e.Scale == Level && c.Relative:
			ap.Delta = from * c.Value
		case e.Scale == Level:
			ap.Delta = c.Value
		case c.Relative:
			if c.Value <= -1 {
				return nil, fmt.Errorf("what-if: %s would take %s to zero or below", c, c.Driver)
			}
			ap.Delta = math.Log1p(c.Value)
		default:
			if from+c.Value <= 0 {
				return nil, fmt.Errorf("what-if: %s would take %s from %g to zero or below", c, c.Driver, from)
			}
			ap.Delta = math.Log((from + c.Value) / from)
		}
		if ok {
			if e.Scale == Level {
				ap.To = from + ap.Delta
				if ap.To < 0 {
					return nil, fmt.Errorf("what-if: %s would take %s from %g to %g", c, c.Driver, from, ap.To)
				}
			} else {
				ap.To = from * math.Exp(ap.Delta)
			}
		}
		delta[j] = ap.Delta
		ap.Sustained = m.interval(func(coef []float64) float64 {
			v := 0.0
			for l := 0; l < L; l++ {
				v += coef[j*L+l]
			}
			return v * ap.Delta
		})
		out.Changes = append(out.Changes, ap)
	}
	for k := 0; k < L; k++ {
		out.Growth = append(out.Growth, m.interval(func(coef []float64) float64 {
			v := 0.0
			for j, d := range delta {
				v += coef[j*L+k] * d
			}
			return v
		}))
	}
	out.Sustained = m.interval(func(coef []float64) float64 {
		v := 0.0
		for j, d := range delta {
			for l := 0; l < L; l++ {
				v += coef[j*L+l] * d
			}
		}
		return v
	})
	for k := 0; k < L; k++ {
		out.GrowthDraws = append(out.GrowthDraws, m.Sample(func(coef []float64) float64 {
			v := 0.0
			for j, d := range delta {
				v += coef[j*L+k] * d
			}
			return v
		}))
	}
	out.Draws = make([]float64, len(m.draws))
	for _, g := range out.GrowthDraws {
		for b, v := range g {
			out.Draws[b] += v
		}
	}
	s := out.Sustained
	out.SustainedPercent = Interval{Estimate: math.Expm1(s.Estimate), Lower: math.Expm1(s.Lower), Upper: math.Expm1(s.Upper)}
	return out, nil
}

// effectIndex finds a driver among the model's effects, or says why it is not there.
func (m *Model) effectIndex(driver string) (int, error) {
	for j, e := range m.Effects {
		if e.Column == driver {
			return j, nil
		}
	}
	for _, n := range m.Notes {
		if strings.HasPrefix(n, "driver "+driver+" dropped") {
			return 0, fmt.Errorf("%s is not in the model (%s)", driver, strings.TrimPrefix(n, "driver "+driver+" "))
		}
	}
	names := make([]string, len(m.Effects))
	for j, e := range m.Effects {
		names[j] = e.Column
	}
	if why, ok := Mediators[driver]; ok {
		if why == "it is the outcome" {
			return 0, fmt.Errorf("%s is the outcome, not a driver: the model's drivers are %s", driver, strings.Join(names, ", "))
		}
		return 0, fmt.Errorf("%s is a mediator, not a driver (%s): change the drivers instead (%s)", driver, why, strings.Join(names, ", "))
	}
	return 0, fmt.Errorf("unknown driver %q: the model's drivers are %s", driver, strings.Join(names, ", "))
}

// scopesFor returns the frame indices of a scope, or of every scope for "".
func (m *Model) scopesFor(scope string) ([]int, error) {
	f := m.data
	if scope == "" {
		all := make([]int, len(f.scopes))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	if i := f.scopeIndex(scope); i >= 0 {
		return []int{i}, nil
	}
	shown := f.scopes
	if len(shown) > 12 {
		shown = append(append([]string(nil), shown[:12]...), "…")
	}
	return nil, fmt.Errorf("unknown %s %q: the panel has %s", f.level, scope, strings.Join(shown, ", "))
}

// currentLevel returns the driver's level in the last complete period in which it is known
// in every one of the scopes: the scope's value, or for several scopes their sum (Log drivers:
// spend and headcount add up) or revenue-weighted mean (Level drivers: durations average).
func (m *Model) currentLevel(scopes []int, sp Spec) (float64, datasets.Period, bool) {
	f := m.data
	col := f.cols[sp.Column]
	rev := f.cols[revenueColumn]
	for t := len(f.periods) - 1; t >= 0; t-- {
		if !f.complete[t] {
			continue
		}
		sum, wsum, ok := 0.0, 0.0, true
		for _, s := range scopes {
			v := col[s][t]
			if math.IsNaN(v) {
				ok = false
				break
			}
			w := 1.0
			if sp.Scale == Level && len(scopes) > 1 {
				w = rev[s][t]
				if !(w > 0) {
					w = 0
				}
			}
			sum += w * v
			wsum += w
		}
		if !ok || wsum == 0 {
			continue
		}
		if sp.Scale == Level {
			return sum / wsum, f.periods[t], true
		}
		return sum, f.periods[t], true
	}
	return 0, datasets.Period{}, false
}

// ScenarioQuarter is one forecast quarter without and with a what-if.
type ScenarioQuarter struct {
	Period string `json:"period"`
	// Base is the forecast, Scenario the forecast moved by the scenario's cumulated growth
	// change, ChangePercent the move in percent.
	Base          float64 `json:"base"`
	Scenario      float64 `json:"scenario"`
	ChangePercent float64 `json:"change_percent"`
}

// Forecast moves a forecast (periods and means, a forecast.Result's) by the scenario: each
// quarter h by the growth changes of the quarters up to h, held after the last (Growth's
// estimates, in log points). It is the forecast with and without the scenario that the API,
// the review page and the CLI show.
func (o *Outcome) Forecast(periods []string, mean []float64) []ScenarioQuarter {
	out := make([]ScenarioQuarter, len(mean))
	cum := 0.0
	for h := range mean {
		if h < len(o.Growth) {
			cum += o.Growth[h].Estimate
		}
		out[h] = ScenarioQuarter{Base: mean[h], Scenario: mean[h] * math.Exp(cum), ChangePercent: 100 * (math.Exp(cum) - 1)}
		if h < len(periods) {
			out[h].Period = periods[h]
		}
	}
	return out
}
