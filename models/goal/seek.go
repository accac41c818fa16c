package goal

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
)

// Range is a figure with its 80 % interval (company.Level) over the company model's
// posterior draws.
type Range struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// Change is one driver change of the plan.
type Change struct {
	Driver string `json:"driver"`
	// Role is the role the catalogue makes responsible for the driver.
	Role  string `json:"role"`
	Unit  string `json:"unit"`
	Scale string `json:"scale"`
	// From is the driver's current level (its last complete quarter, all regions together:
	// their sum for spend and headcount, their revenue-weighted mean for days and hours) and
	// To the level the plan asks for, both in Unit; Relative is To/From − 1.
	From     float64 `json:"from"`
	To       float64 `json:"to"`
	Relative float64 `json:"relative"`
	AsOf     string  `json:"as_of"`
	// Bound is the edge of the history's plausible range (see Cascade) and Bounds says what it
	// is in words; RangeUsed is the share of the move from From to Bound the plan uses.
	Bound     float64 `json:"bound"`
	Bounds    string  `json:"bounds"`
	RangeUsed float64 `json:"range_used"`
	// Contribution is the growth this change adds to the period, in points as a fraction
	// (0.05 is +5 pt); the changes' contributions add up to the plan's growth over the
	// baseline.
	Contribution Range `json:"contribution"`
	// Uncertain is true when the company model cannot tell whether the driver moves revenue
	// (company.Verdict); Sentence then says so, in the words every surface uses.
	Uncertain bool   `json:"uncertain"`
	Sentence  string `json:"sentence,omitempty"`
}

// Refusal says why a goal is out of reach and what would be needed.
type Refusal struct {
	Reason string `json:"reason"`
	// MaxGrowth is the period's growth with every driver at the edge of its plausible range;
	// Gap is the target less its estimate.
	MaxGrowth Range   `json:"max_growth"`
	Gap       float64 `json:"gap"`
	// Needed says, driver by driver, how far that driver alone would have to go (with the
	// others at their edge) to close the gap.
	Needed []Need `json:"needed"`
}

// Need is one driver's move that would close a refused goal's gap.
type Need struct {
	Driver string `json:"driver"`
	Unit   string `json:"unit"`
	// Possible is false when no level of the driver closes the gap (a time below zero).
	Possible bool    `json:"possible"`
	To       float64 `json:"to,omitempty"`
	Relative float64 `json:"relative,omitempty"`
	Text     string  `json:"text"`
}

// lever is a driver the plan may move.
type lever struct {
	spec    driver.Spec
	sign    int // +1: more of it raises revenue; −1: less of it does
	from    float64
	asOf    datasets.Period
	bound   float64 // the plausible level (Level) or relative rise (Log)
	bounds  string
	delta   float64 // the move to the bound on the model's scale (Δ level or Δ log)
	verdict company.Verdict
	growth  [][]float64 // growth draws [quarter after the change][draw] of the move to the bound
}

// change returns the driver.Change that moves the lever by the fraction t of its range.
func (l *lever) change(t float64) driver.Change {
	if l.spec.Scale == driver.Log {
		return driver.Change{Driver: l.spec.Column, Value: math.Expm1(t * l.delta), Relative: true}
	}
	return driver.Change{Driver: l.spec.Column, Value: t * l.delta}
}

// level returns the lever's level after moving by the fraction t of its range.
func (l *lever) level(t float64) float64 {
	if l.spec.Scale == driver.Log {
		return l.from * math.Exp(t*l.delta)
	}
	return l.from + t*l.delta
}

// levers reads the drivers the model can move: its current level (the what-if's starting
// point), the direction the catalogue knows, and the plausible range from the scope panel
// the model was fitted on. A driver without a known direction, a current level or any room
// to move is left out with a note.
func levers(m *company.Model, scopes *features.Panel) ([]*lever, []string, error) {
	var out []*lever
	var notes []string
	for _, e := range m.Effects() {
		col := e.Column
		pr, ok := m.Driver.Priors[col]
		if !ok || pr.Sign == 0 {
			notes = append(notes, fmt.Sprintf("%s is not a lever: the catalogue gives no direction in which it raises revenue", col))
			continue
		}
		// A what-if of no change reads the level the model's what-ifs start from.
		out0, err := m.Driver.WhatIf(driverScenario(col))
		if err != nil || len(out0.Changes) == 0 || !(out0.Changes[0].From > 0) {
			notes = append(notes, fmt.Sprintf("%s is not a lever: it has no known current level", col))
			continue
		}
		l := &lever{spec: e.Spec, sign: pr.Sign, from: out0.Changes[0].From, asOf: out0.Changes[0].AsOf}
		l.verdict, _ = m.Verdict(col)
		if !plausible(l, scopes) {
			notes = append(notes, fmt.Sprintf("%s is not a lever: %s", col, l.bounds))
			continue
		}
		g, _, err := m.Predict(driverScenarioOf(l))
		if err != nil {
			return nil, nil, fmt.Errorf("lever %s: %w", col, err)
		}
		l.growth = g
		out = append(out, l)
	}
	return out, notes, nil
}

// driverScenario is a what-if of no change to the driver: what it returns is the level the
// model's what-ifs start from.
func driverScenario(col string) driver.Scenario {
	return driver.Scenario{Changes: []driver.Change{{Driver: col}}}
}

// driverScenarioOf is the what-if of moving the lever all the way to its bound.
func driverScenarioOf(l *lever) driver.Scenario {
	return driver.Scenario{Changes: []driver.Change{l.change(1)}}
}

// plausible sets the lever's range from the history of the scopes (regions) the model was
// fitted on: for a duration, the best quarterly level any scope reached (a region has done
// it); for spend or headcount, the largest rise any scope made over four quarters. It
// reports false, with the reason in bounds, when the history leaves no room to move.
func plausible(l *lever, p *features.Panel) bool {
	col := l.spec.Column
	if p == nil || !p.Has(col) {
		l.bounds = "the panel has no history of it"
		return false
	}
	if l.spec.Scale == driver.Log {
		best := math.Inf(-l.sign)
		for _, s := range p.Scopes {
			x := p.Series(s, col)
			for t := 4; t < len(x); t++ {
				if !p.Complete[t] || !p.Complete[t-4] || !(x[t] > 0 && x[t-4] > 0) {
					continue
				}
				r := x[t]/x[t-4] - 1
				if l.sign > 0 && r > best || l.sign < 0 && r < best {
					best = r
				}
			}
		}
		if math.IsInf(best, 0) || l.sign*compareZero(best) <= 0 {
			l.bounds = "no region ever moved it the way that raises revenue over four quarters"
			return false
		}
		l.bound, l.delta = best, math.Log1p(best)
		what := "rise"
		if l.sign < 0 {
			what = "fall"
		}
		l.bounds = fmt.Sprintf("the largest %s any %s made over four quarters, %s", what, p.Level, signedPct(best))
		return true
	}
	best := math.Inf(-l.sign) // the search runs the other way: down from +∞ for a time
	for _, s := range p.Scopes {
		for t, v := range p.Series(s, col) {
			if !p.Complete[t] || math.IsNaN(v) || v < 0 {
				continue
			}
			if l.sign < 0 && v < best || l.sign > 0 && v > best {
				best = v
			}
		}
	}
	if math.IsInf(best, 0) || l.sign*compareZero(best-l.from) <= 0 {
		l.bounds = "it is already at the best level any region has reached"
		return false
	}
	l.bound, l.delta = best, best-l.from
	l.bounds = fmt.Sprintf("the best quarterly level any %s has reached, %s %s", p.Level, plain(best), l.spec.Unit)
	return true
}

func compareZero(x float64) int {
	switch {
	case x > 1e-12:
		return 1
	case x < -1e-12:
		return -1
	}
	return 0
}

// lift is the growth draws of the period for the levers moved by the fractions ts: the model
// is linear in the changes, so each lever's draws at its bound scale by its fraction.
//
// Changes are made at the start of the period and held. Quarter j of the period has its log
// revenue raised by C_j = Σ_{k≤j} G_k (G_k: the change in growth k quarters after the
// change; after the model's lags it stays at the sustained effect), so the period's growth
// at draw b is (1 + baseline) × Σ_j w_j exp(C_jb) − 1 with w_j the quarter's baseline share.
func lift(bl Baseline, ls []*lever, ts []float64) []float64 {
	if len(ls) == 0 {
		return nil
	}
	draws := len(ls[0].growth[0])
	out := make([]float64, draws)
	c := make([]float64, draws)
	for j, q := range bl.Quarters {
		for i, l := range ls {
			if j < len(l.growth) {
				for b, g := range l.growth[j] {
					c[b] += ts[i] * g
				}
			}
		}
		for b := range out {
			out[b] += q.Weight * math.Exp(c[b])
		}
	}
	for b := range out {
		out[b] = (1+bl.Growth)*out[b] - 1
	}
	return out
}

func mean(xs []float64) float64 { return stat.Mean(xs, nil) }

// summary is the mean of the draws with their 80 % interval.
func summary(xs []float64) Range {
	s := slices.Clone(xs)
	slices.Sort(s)
	lo, hi := (1-company.Level)/2, (1+company.Level)/2
	return Range{Estimate: stat.Mean(s, nil), Lower: stat.Quantile(lo, stat.LinInterp, s, nil), Upper: stat.Quantile(hi, stat.LinInterp, s, nil)}
}

// candidate is a set of levers (a bit mask over the levers) that reaches the target with
// the fraction t of each one's range.
type candidate struct {
	set       uint
	t         float64
	uncertain int
}

// seek finds the plan: of the sets of levers that reach the target at the model's estimate
// (the posterior mean) when each moves all the way to its bound, the one with the fewest
// drivers whose effect is uncertain, then the fewest drivers, then the smallest share of
// their ranges; each lever of it moves by the same share of its range, found by bisection,
// so the plan's estimate equals the target. ok is false when no set reaches it.
func seek(bl Baseline, ls []*lever, target float64) (chosen []*lever, t float64, ok bool) {
	n := len(ls)
	if n > 16 {
		n = 16 // 65,535 sets; catalogues have a handful of drivers
	}
	var cands []candidate
	for set := uint(1); set < 1<<n; set++ {
		var sub []*lever
		unc := 0
		for i := 0; i < n; i++ {
			if set&(1<<i) != 0 {
				sub = append(sub, ls[i])
				if ls[i].verdict.Uncertain {
					unc++
				}
			}
		}
		at := func(t float64) float64 { return mean(lift(bl, sub, fill(len(sub), t))) }
		if at(1) < target {
			continue
		}
		lo, hi := 0.0, 1.0
		for it := 0; it < 50 && hi-lo > 1e-9; it++ {
			mid := (lo + hi) / 2
			if at(mid) < target {
				lo = mid
			} else {
				hi = mid
			}
		}
		cands = append(cands, candidate{set: set, t: hi, uncertain: unc})
	}
	if len(cands) == 0 {
		return nil, 0, false
	}
	best := slices.MinFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.uncertain, b.uncertain), cmp.Compare(bits.OnesCount(a.set), bits.OnesCount(b.set)),
			cmp.Compare(a.t, b.t), cmp.Compare(a.set, b.set))
	})
	for i := 0; i < n; i++ {
		if best.set&(1<<i) != 0 {
			chosen = append(chosen, ls[i])
		}
	}
	return chosen, best.t, true
}

func fill(n int, t float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = t
	}
	return out
}

// needed says, for each lever, how far it alone would have to go beyond its bound (the
// others at theirs) for the estimate to reach the target.
func needed(bl Baseline, ls []*lever, target float64) []Need {
	var out []Need
	for i, l := range ls {
		ts := fill(len(ls), 1)
		at := func(s float64) float64 { ts[i] = s; return mean(lift(bl, ls, ts)) }
		const most = 1000.0
		nd := Need{Driver: l.spec.Column, Unit: l.spec.Unit}
		if at(most) < target {
			nd.Text = fmt.Sprintf("%s: no plausible amount would do it alone", company.Phrase(l.spec.Column, l.sign))
			out = append(out, nd)
			continue
		}
		lo, hi := 1.0, most
		for it := 0; it < 60 && hi-lo > 1e-6; it++ {
			mid := (lo + hi) / 2
			if at(mid) < target {
				lo = mid
			} else {
				hi = mid
			}
		}
		to := l.level(hi)
		if l.spec.Scale == driver.Level && to < 0 {
			nd.Text = fmt.Sprintf("%s: it would have to fall below zero (%s %s), which is impossible", l.spec.Column, plain(to), l.spec.Unit)
			out = append(out, nd)
			continue
		}
		nd.Possible, nd.To, nd.Relative = true, to, to/l.from-1
		nd.Text = fmt.Sprintf("%s from %s to %s %s (%s; %s)", l.spec.Column, plain(l.from), plain(to), l.spec.Unit, signedPct(nd.Relative), l.bounds)
		out = append(out, nd)
	}
	return out
}
