package driver

import (
	"fmt"
	"math"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

const revenueColumn = "revenue"

// frame is what the model reads from a panel: periods, completeness, scopes and the columns
// it needs, copied so that the model does not hold the panel. Values are [scope][period].
type frame struct {
	grain    datasets.Grain
	level    string
	periods  []datasets.Period
	complete []bool
	scopes   []string
	cols     map[string][][]float64
}

// frameOf copies the revenue column and the named columns that the panel has.
func frameOf(p *features.Panel, columns []string) *frame {
	f := &frame{
		grain: p.Grain, level: string(p.Level), periods: append([]datasets.Period(nil), p.Periods...),
		complete: append([]bool(nil), p.Complete...), scopes: append([]string(nil), p.Scopes...),
		cols: map[string][][]float64{},
	}
	for _, c := range append([]string{revenueColumn}, columns...) {
		if !p.Has(c) {
			continue
		}
		v := make([][]float64, len(p.Scopes))
		for s, scope := range p.Scopes {
			v[s] = append([]float64(nil), p.Series(scope, c)...)
		}
		f.cols[c] = v
	}
	return f
}

func (f *frame) scopeIndex(scope string) int {
	for i, s := range f.scopes {
		if s == scope {
			return i
		}
	}
	return -1
}

func (f *frame) periodIndex(p datasets.Period) int {
	if len(f.periods) == 0 || p.Grain != f.grain {
		return -1
	}
	t := p.N - f.periods[0].N
	if t < 0 || t >= len(f.periods) {
		return -1
	}
	return t
}

// transformed returns the driver on the model's scale: log for Log drivers (NaN where the
// value is not positive), the value itself for Level drivers.
func transformed(v float64, sc Scale) float64 {
	if sc == Log {
		if !(v > 0) {
			return math.NaN()
		}
		return math.Log(v)
	}
	return v
}

// sample is a design: one row per scope and period with a growth observation and every
// driver's lagged changes. Columns of x are driver-major: driver j has columns
// j*(lags+1)+k, k = 0..lags, holding its lagged changes expressed in a basis H
// (x_k = Σ_l Δx_{t−l} H[l][k]): the identity, or lagBasis, where k = 0 is their sum direction
// and k ≥ 1 the contrasts between lags.
type sample struct {
	y      []float64
	x      [][]float64
	w      []float64 // observation weights, mean 1 over the rows of the full design
	scope  []int
	season []int
	period []int // index into frame.periods of the growth observation
	p      int
}

func (s *sample) n() int { return len(s.y) }

// gather returns the rows idx (repeats allowed) as a new sample sharing row slices.
func (s *sample) gather(idx []int) *sample {
	out := &sample{p: s.p, y: make([]float64, len(idx)), x: make([][]float64, len(idx)), w: make([]float64, len(idx)),
		scope: make([]int, len(idx)), season: make([]int, len(idx)), period: make([]int, len(idx))}
	for k, i := range idx {
		out.y[k], out.x[k], out.w[k] = s.y[i], s.x[i], s.w[i]
		out.scope[k], out.season[k], out.period[k] = s.scope[i], s.season[i], s.period[i]
	}
	return out
}

// design builds the regression sample from a frame in the given lag basis: growth Δ log revenue of scope s in period
// t against Δ driver of periods t−l, l = 0..lags. A row needs complete periods t−lags−1..t,
// positive revenue in t−1 and t, and every kept driver's changes. A driver missing in more
// than half of the rows that have growth is dropped (with a note) rather than throwing those
// rows away for every other driver.
func design(f *frame, specs []Spec, lags int, weighting string, basis [][]float64) (*sample, []Spec, []string, error) {
	var notes []string
	rev, ok := f.cols[revenueColumn]
	if !ok {
		return nil, nil, nil, fmt.Errorf("panel has no %s column", revenueColumn)
	}
	type cand struct{ s, t int }
	var cands []cand
	for s := range f.scopes {
		for t := lags + 1; t < len(f.periods); t++ {
			okRow := rev[s][t] > 0 && rev[s][t-1] > 0
			for k := t - lags - 1; k <= t && okRow; k++ {
				okRow = f.complete[k]
			}
			if okRow {
				cands = append(cands, cand{s, t})
			}
		}
	}
	// delta returns the driver's change into period t of scope s on the model's scale.
	delta := func(sp Spec, s, t int) float64 {
		v := f.cols[sp.Column][s]
		return transformed(v[t], sp.Scale) - transformed(v[t-1], sp.Scale)
	}
	rowOK := func(sp Spec, c cand) bool {
		for l := 0; l <= lags; l++ {
			if d := delta(sp, c.s, c.t-l); math.IsNaN(d) || math.IsInf(d, 0) {
				return false
			}
		}
		return true
	}
	var kept []Spec
	for _, sp := range specs {
		if _, ok := f.cols[sp.Column]; !ok {
			notes = append(notes, fmt.Sprintf("driver %s dropped: not in the panel", sp.Column))
			continue
		}
		if why, ok := Mediators[sp.Column]; ok {
			notes = append(notes, fmt.Sprintf("driver %s is a mediator (%s): its coefficient takes over part of the effects of the drivers behind it", sp.Column, why))
		}
		n := 0
		for _, c := range cands {
			if rowOK(sp, c) {
				n++
			}
		}
		if len(cands) > 0 && 2*n < len(cands) {
			notes = append(notes, fmt.Sprintf("driver %s dropped: its changes are missing in %d of %d scope-periods", sp.Column, len(cands)-n, len(cands)))
			continue
		}
		kept = append(kept, sp)
	}
	if len(kept) == 0 {
		return nil, nil, notes, fmt.Errorf("no driver is usable: %v", notes)
	}
	perYear := f.grain.PerYear()
	smp := &sample{p: len(kept) * (lags + 1)}
	dropped := 0
	for _, c := range cands {
		ok := true
		for _, sp := range kept {
			ok = ok && rowOK(sp, c)
		}
		if !ok {
			dropped++
			continue
		}
		x := make([]float64, smp.p)
		for j, sp := range kept {
			for k := 0; k <= lags; k++ {
				for l := 0; l <= lags; l++ {
					x[j*(lags+1)+k] += delta(sp, c.s, c.t-l) * basis[l][k]
				}
			}
		}
		smp.y = append(smp.y, math.Log(rev[c.s][c.t])-math.Log(rev[c.s][c.t-1]))
		smp.x = append(smp.x, x)
		smp.scope = append(smp.scope, c.s)
		smp.season = append(smp.season, f.periods[c.t].N%perYear)
		smp.period = append(smp.period, c.t)
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d scope-periods left out: a driver's value is missing or not positive where its log is taken", dropped))
	}
	smp.w = rowWeights(f, smp, weighting)
	return smp, kept, notes, nil
}

// rowWeights weights each row by its scope's mean revenue over its rows, normalized to mean 1.
// The growth of a small scope is mostly sampling noise (its variance falls roughly with the
// number of deals, so with revenue), and the company's growth is the revenue-weighted growth of
// its scopes; both point to revenue weights. "equal" gives every row weight 1.
func rowWeights(f *frame, s *sample, weighting string) []float64 {
	w := make([]float64, s.n())
	if weighting == WeightEqual {
		for i := range w {
			w[i] = 1
		}
		return w
	}
	rev := f.cols[revenueColumn]
	sum, cnt := make([]float64, len(f.scopes)), make([]float64, len(f.scopes))
	for i := range s.y {
		sum[s.scope[i]] += rev[s.scope[i]][s.period[i]]
		cnt[s.scope[i]]++
	}
	total := 0.0
	for i := range w {
		w[i] = sum[s.scope[i]] / cnt[s.scope[i]]
		total += w[i]
	}
	for i := range w {
		w[i] *= float64(len(w)) / total
	}
	return w
}

// lagBasis returns an orthonormal basis H of R^m (H[l][k]: lag l, direction k). Direction 0 is
// (1, …, 1)/√m, so the coefficient θ₀ of a driver's first column is its sustained effect (the
// sum of its lag coefficients) over √m; directions 1..m−1 are Helmert contrasts, which sum to
// zero and describe only how the effect is spread over the lags. The lag coefficients are
// β = Hθ. When the changes are stationary the sum and contrast columns are uncorrelated, so
// shrinking the contrasts does not bias the sustained effect.
func lagBasis(m int) [][]float64 {
	h := make([][]float64, m)
	for l := range h {
		h[l] = make([]float64, m)
		h[l][0] = 1 / math.Sqrt(float64(m))
	}
	for k := 1; k < m; k++ {
		norm := math.Sqrt(float64(k * (k + 1)))
		for l := 0; l < k; l++ {
			h[l][k] = 1 / norm
		}
		h[k][k] = -float64(k) / norm
	}
	return h
}

// identityBasis is the m×m identity: columns are the lagged changes themselves.
func identityBasis(m int) [][]float64 {
	h := make([][]float64, m)
	for l := range h {
		h[l] = make([]float64, m)
		h[l][l] = 1
	}
	return h
}
