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

// lagLayout says which lagged driver changes a growth row is regressed on.
type lagLayout struct {
	// L is the number of lag columns per driver.
	L int
	// src is the frame the drivers are read from.
	src *frame
	// need reports whether the driver periods row (s, t) of the growth frame needs are in src
	// and complete.
	need func(s, t int) bool
	// changes writes the driver's L lagged changes for row (s, t) into out, on the model's
	// scale; NaN where a value is unknown.
	changes func(sp Spec, s, t int, out []float64)
}

// delta returns a driver's change from period u−k to period u of scope s of f on the model's
// scale.
func (f *frame) delta(sp Spec, s, u, k int) float64 {
	v := f.cols[sp.Column][s]
	return transformed(v[u], sp.Scale) - transformed(v[u-k], sp.Scale)
}

// periodLayout regresses growth in period t on the driver changes into periods t, …, t−lags of
// the same frame.
func periodLayout(f *frame, lags int) lagLayout {
	return lagLayout{
		L: lags + 1, src: f,
		need: func(s, t int) bool {
			if t-lags-1 < 0 {
				return false
			}
			for k := t - lags - 1; k <= t; k++ {
				if !f.complete[k] {
					return false
				}
			}
			return true
		},
		changes: func(sp Spec, s, t int, out []float64) {
			for l := range out {
				out[l] = f.delta(sp, s, t-l, 1)
			}
		},
	}
}

// mixedLayout regresses quarterly growth (frame q) on monthly driver levels (frame m):
// column j of a driver is its change over the three months ending j months before the
// quarter's last month, x_{u−j} − x_{u−j−3}, j = 0..3(lags+1)−1. If log revenue of quarter t
// is Σ_j c_j x_{u−j} (each month's level weighted by how much of the quarter's revenue it
// moves), its growth is exactly Σ_j c_j (x_{u−j} − x_{u−j−3}); see the package documentation.
func mixedLayout(q, m *frame, lags int) lagLayout {
	L := 3 * (lags + 1)
	scope := make([]int, len(q.scopes))
	for s, id := range q.scopes {
		scope[s] = m.scopeIndex(id)
	}
	// month returns the index into m of the last month of quarter t, or -1.
	month := func(t int) int {
		if len(m.periods) == 0 {
			return -1
		}
		u := 3*q.periods[t].N + 2 - m.periods[0].N
		if u < 0 || u >= len(m.periods) {
			return -1
		}
		return u
	}
	return lagLayout{
		L: L, src: m,
		need: func(s, t int) bool {
			u := month(t)
			if scope[s] < 0 || u < 0 || u-L-2 < 0 {
				return false
			}
			for k := u - L - 2; k <= u; k++ {
				if !m.complete[k] {
					return false
				}
			}
			return true
		},
		changes: func(sp Spec, s, t int, out []float64) {
			u := month(t)
			for j := range out {
				out[j] = m.delta(sp, scope[s], u-j, 3)
			}
		},
	}
}

// design builds the regression sample of a frame's growth on its own lagged driver changes
// (periodLayout).
func design(f *frame, specs []Spec, lags int, weighting string, basis [][]float64) (*sample, []Spec, []string, error) {
	return designWith(f, periodLayout(f, lags), specs, weighting, basis)
}

// designWith builds the regression sample in the given lag basis: growth Δ log revenue of
// scope s in period t of f against the driver changes the layout gives for that row. A row
// needs complete periods t−1 and t, positive revenue in both, the driver periods the layout
// needs, and every kept driver's changes. A driver missing in more than half of the rows that
// have growth is dropped (with a note) rather than throwing those rows away for every other
// driver.
func designWith(f *frame, lay lagLayout, specs []Spec, weighting string, basis [][]float64) (*sample, []Spec, []string, error) {
	var notes []string
	rev, ok := f.cols[revenueColumn]
	if !ok {
		return nil, nil, nil, dataError{fmt.Errorf("panel has no %s column", revenueColumn)}
	}
	L := lay.L
	type cand struct{ s, t int }
	var cands []cand
	for s := range f.scopes {
		for t := 1; t < len(f.periods); t++ {
			if rev[s][t] > 0 && rev[s][t-1] > 0 && f.complete[t] && f.complete[t-1] && lay.need(s, t) {
				cands = append(cands, cand{s, t})
			}
		}
	}
	buf := make([]float64, L)
	rowOK := func(sp Spec, c cand) bool {
		lay.changes(sp, c.s, c.t, buf)
		for _, d := range buf {
			if math.IsNaN(d) || math.IsInf(d, 0) {
				return false
			}
		}
		return true
	}
	var kept []Spec
	for _, sp := range specs {
		if _, ok := lay.src.cols[sp.Column]; !ok {
			notes = append(notes, fmt.Sprintf("driver %s dropped: not in the data (the table it is measured from is absent)", sp.Column))
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
		return nil, nil, notes, dataError{fmt.Errorf("no driver is usable: %v", notes)}
	}
	perYear := f.grain.PerYear()
	smp := &sample{p: len(kept) * L}
	dropped := 0
	for _, c := range cands {
		x := make([]float64, smp.p)
		ok := true
		for j, sp := range kept {
			if ok = rowOK(sp, c); !ok {
				break
			}
			for k := 0; k < L; k++ {
				for l := 0; l < L; l++ {
					x[j*L+k] += buf[l] * basis[l][k]
				}
			}
		}
		if !ok {
			dropped++
			continue
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
