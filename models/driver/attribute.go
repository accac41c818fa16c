package driver

import (
	"fmt"
	"math"
	"slices"

	"github.com/growthlens/growthlens/datasets"
)

// Query asks Attribute to explain one period's revenue gap.
type Query struct {
	// Scope is a scope id of the model's panel, or "" for all scopes together.
	Scope  string          `json:"scope"`
	Period datasets.Period `json:"period"`
	// Expected is the revenue expected for the period, in currency: the target, or the
	// forecast made before the period. It must be positive.
	Expected float64 `json:"expected"`
	// From, when set, is the period the expectation was projected from: the forecast origin
	// (the period before Period for a one-step forecast), or the same quarter a year earlier
	// for a target set as last year plus a growth rate. The expectation then carries the
	// drivers as they stood in From, so each driver's baseline at lag l is its level in
	// From−l and its contribution is Σ_l β_l (x_{t−l} − x_{From−l}).
	From datasets.Period `json:"from,omitempty"`
	// Baseline optionally gives, by driver, one level (in the driver's unit) the expectation
	// assumed at every lag; it overrides From for that driver. Only for a single scope.
	Baseline map[string]float64 `json:"baseline,omitempty"`
	// BaselinePeriods is the window of the default baseline, used when neither From nor
	// Baseline says otherwise: the driver's mean over the BaselinePeriods complete periods
	// before Period (the mean of its logs for a Log driver), a steady level such as a plan
	// built on the last year assumes. Default: a year.
	BaselinePeriods int `json:"baseline_periods,omitempty"`
}

// Contribution is one driver's part of a revenue gap.
type Contribution struct {
	Spec
	// Actual[l] is the driver's level in the period l periods before the one explained
	// (l = 0..Lags), in its unit; for several scopes, their sum (Log) or revenue-weighted
	// mean (Level).
	Actual []float64 `json:"actual"`
	// Baseline is the level the expectation assumed for the period itself (lag 0), in the
	// driver's unit.
	Baseline float64 `json:"baseline"`
	// Change is Actual[0] − Baseline on the model's scale (log points for a Log driver).
	Change float64 `json:"change"`
	// Effect is the driver's sustained effect (as Model.Effects).
	Effect Interval `json:"effect"`
	// Contribution is Σ_l β_l (x_{t−l} − baseline), in log points of revenue: the part of the
	// gap this driver's departure from its baseline explains.
	Contribution Interval `json:"contribution"`
	// Share is Contribution.Estimate over the gap (negative when the driver pushed the other
	// way); 0 when the gap is zero.
	Share float64 `json:"share"`
}

// Attribution splits a period's revenue gap into driver contributions and a remainder.
type Attribution struct {
	Scope  string          `json:"scope"`
	Period datasets.Period `json:"period"`
	// Actual and Expected are the period's revenue and the revenue expected, in currency.
	Actual   float64 `json:"actual"`
	Expected float64 `json:"expected"`
	// Gap is log(Actual/Expected): the shortfall (negative) or excess in log points, which is
	// also the gap in growth when the expectation was set from the previous period's actual.
	Gap float64 `json:"gap"`
	// Contributions are ranked by the size of their estimate, largest first.
	Contributions []Contribution `json:"contributions"`
	// Explained is the sum of the contributions; Unexplained is Gap − Explained (noise,
	// drivers the model does not have, or an expectation that was off to begin with).
	Explained   Interval `json:"explained"`
	Unexplained Interval `json:"unexplained"`
	// ExplainedShare is Explained.Estimate / Gap; 0 when the gap is zero.
	ExplainedShare float64 `json:"explained_share"`
	// ResidualSD is the model's residual s.d. of growth: a gap within about twice it needs no
	// driver to explain it.
	ResidualSD float64  `json:"residual_sd"`
	Notes      []string `json:"notes,omitempty"`
}

// Attribute splits the gap between a period's actual revenue and the revenue expected for it
// into the contributions of the drivers plus an unexplained remainder, each with an interval
// at Model.Level from the bootstrap.
//
// The model says log revenue moves by Σ_l β_l x_{t−l} for each driver x (on its log or level
// scale), so a driver that stood at x instead of the baseline b the expectation assumed moved
// revenue by Σ_l β_l (x_{t−l} − b). The model is additive, so these are exactly the drivers'
// Shapley values: no interaction term is left to share out. For all scopes together, each
// scope's contributions are weighted by its share of the actual revenue (the log gap of a sum
// is, to first order, the revenue-weighted mean of the scopes' log gaps).
//
// A driver with no value in one of the periods needed is left out with a note. Attribute
// returns an error for an unknown scope, a period outside the panel, incomplete, without
// revenue or without Lags periods before it, a From that is not an earlier period with Lags
// periods before it, an expected revenue that is not positive, and a Baseline for several
// scopes.
func (m *Model) Attribute(q Query) (*Attribution, error) {
	f := m.data
	scopes, err := m.scopesFor(q.Scope)
	if err != nil {
		return nil, fmt.Errorf("attribute: %w", err)
	}
	if !(q.Expected > 0) || math.IsInf(q.Expected, 0) {
		return nil, fmt.Errorf("attribute: expected revenue %g: want a positive number", q.Expected)
	}
	if len(scopes) > 1 && len(q.Baseline) > 0 {
		return nil, fmt.Errorf("attribute: a baseline can be given for one scope only, not for all %d together", len(scopes))
	}
	t := f.periodIndex(q.Period)
	switch {
	case q.Period.Grain != f.grain:
		return nil, fmt.Errorf("attribute: period %s: the model is by %s", q.Period, f.grain)
	case t < 0:
		return nil, fmt.Errorf("attribute: period %s is outside the panel (%s to %s)", q.Period, f.periods[0], f.periods[len(f.periods)-1])
	case !f.complete[t]:
		return nil, fmt.Errorf("attribute: period %s is not complete in the data", q.Period)
	case t < m.Lags:
		return nil, fmt.Errorf("attribute: period %s has fewer than %d periods before it in the panel", q.Period, m.Lags)
	}
	from := -1
	if q.From != (datasets.Period{}) {
		if from = f.periodIndex(q.From); from < 0 || q.From.N >= q.Period.N {
			return nil, fmt.Errorf("attribute: from %s: want a period of the panel before %s", q.From, q.Period)
		}
		if from < m.Lags {
			return nil, fmt.Errorf("attribute: from %s has fewer than %d periods before it in the panel", q.From, m.Lags)
		}
	}
	window := q.BaselinePeriods
	if window == 0 {
		window = f.grain.PerYear()
	}
	if window < 1 {
		return nil, fmt.Errorf("attribute: baseline periods %d: want at least 1", window)
	}
	for name := range q.Baseline {
		if _, err := m.effectIndex(name); err != nil {
			return nil, fmt.Errorf("attribute: baseline: %w", err)
		}
	}
	rev := f.cols[revenueColumn]
	actual := 0.0
	for _, s := range scopes {
		if v := rev[s][t]; v > 0 {
			actual += v
		}
	}
	if !(actual > 0) {
		return nil, fmt.Errorf("attribute: scope %q has no revenue in %s", q.Scope, q.Period)
	}
	at := &Attribution{Scope: q.Scope, Period: q.Period, Actual: actual, Expected: q.Expected,
		Gap: math.Log(actual / q.Expected), ResidualSD: m.ResidualSD}
	L := m.Lags + 1
	// dev[j][s][l] is driver j's departure from its baseline in scope s, l periods back, on the
	// model's scale; weight[s] is the scope's share of the actual revenue.
	weight := make([]float64, len(scopes))
	for k, s := range scopes {
		weight[k] = math.Max(rev[s][t], 0) / actual
	}
	dev := make([][][]float64, len(m.Effects))
	for j, e := range m.Effects {
		c := Contribution{Spec: e.Spec, Effect: e.Sustained}
		ok := true
		dev[j] = make([][]float64, len(scopes))
		for k, s := range scopes {
			series := f.cols[e.Column][s]
			steady := baselineOf(series, f.complete, t, window, e.Scale)
			v, given := q.Baseline[e.Column]
			dev[j][k] = make([]float64, L)
			for l := 0; l < L; l++ {
				b := steady
				switch {
				case given:
					b = transformed(v, e.Scale)
				case from >= 0:
					b = transformed(series[from-l], e.Scale)
				}
				dev[j][k][l] = transformed(series[t-l], e.Scale) - b
				ok = ok && !math.IsNaN(dev[j][k][l]) && !math.IsInf(dev[j][k][l], 0)
			}
		}
		if !ok {
			at.Notes = append(at.Notes, fmt.Sprintf("driver %s left out: no value in %s or the periods before it that its lags or baseline need", e.Column, q.Period))
			dev[j] = nil
			continue
		}
		for l := 0; l < L; l++ {
			lv, _ := m.levelAt(scopes, e.Spec, t-l)
			c.Actual = append(c.Actual, lv)
		}
		c.Baseline, c.Change = m.baselineLevel(scopes, e.Spec, dev[j], weight, c.Actual[0])
		c.Contribution = m.interval(func(coef []float64) float64 { return contribution(coef, j, L, dev[j], weight) })
		c.Share = c.Contribution.Estimate / at.Gap
		at.Contributions = append(at.Contributions, c)
	}
	explained := func(coef []float64) float64 {
		v := 0.0
		for j := range m.Effects {
			if dev[j] != nil {
				v += contribution(coef, j, L, dev[j], weight)
			}
		}
		return v
	}
	at.Explained = m.interval(explained)
	at.Unexplained = m.interval(func(coef []float64) float64 { return at.Gap - explained(coef) })
	at.ExplainedShare = at.Explained.Estimate / at.Gap
	if at.Gap == 0 {
		at.ExplainedShare = 0
		for i := range at.Contributions {
			at.Contributions[i].Share = 0
		}
		at.Notes = append(at.Notes, "actual revenue equals the expected: there is no gap to share, shares are 0")
	}
	slices.SortStableFunc(at.Contributions, func(a, b Contribution) int {
		return -cmpFloat(math.Abs(a.Contribution.Estimate), math.Abs(b.Contribution.Estimate))
	})
	return at, nil
}

// contribution is driver j's revenue-weighted Σ_s w_s Σ_l β_jl dev_s,l.
func contribution(coef []float64, j, L int, dev [][]float64, weight []float64) float64 {
	v := 0.0
	for k, d := range dev {
		for l := 0; l < L; l++ {
			v += weight[k] * coef[j*L+l] * d[l]
		}
	}
	return v
}

// baselineOf is the mean, on the model's scale, of the driver over the window complete
// periods before t in which it is known; NaN when there are none.
func baselineOf(series []float64, complete []bool, t, window int, sc Scale) float64 {
	sum, n := 0.0, 0
	for k := t - 1; k >= max(0, t-window); k-- {
		if !complete[k] {
			continue
		}
		if v := transformed(series[k], sc); !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// levelAt is the driver's level in period t over the scopes (sum for Log, revenue-weighted
// mean for Level).
func (m *Model) levelAt(scopes []int, sp Spec, t int) (float64, bool) {
	f := m.data
	sum, wsum := 0.0, 0.0
	for _, s := range scopes {
		v := f.cols[sp.Column][s][t]
		if math.IsNaN(v) {
			return math.NaN(), false
		}
		w := 1.0
		if sp.Scale == Level && len(scopes) > 1 {
			w = math.Max(f.cols[revenueColumn][s][t], 0)
		}
		sum += w * v
		wsum += w
	}
	if wsum == 0 {
		return math.NaN(), false
	}
	if sp.Scale == Level {
		return sum / wsum, true
	}
	return sum, true
}

// baselineLevel turns the per-scope deviations back into a baseline level in the driver's unit
// and the period's change on the model's scale, for display: for one scope exactly, for
// several the revenue-weighted mean deviation applied to the aggregate level.
func (m *Model) baselineLevel(scopes []int, sp Spec, dev [][]float64, weight []float64, actual float64) (float64, float64) {
	change := 0.0
	for k := range scopes {
		change += weight[k] * dev[k][0]
	}
	if sp.Scale == Log {
		return actual * math.Exp(-change), change
	}
	return actual - change, change
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
