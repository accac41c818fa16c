package rootcause

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/internal/quantile"
	"github.com/growthlens/growthlens/internal/surprise"
)

// Options tunes Rank. The zero value gives the defaults.
type Options struct {
	// MaxDims is the most dimensions a slice may combine (default 3, at most the table's).
	MaxDims int
	// Top is how many slices to return (default 5).
	Top int
	// Alpha is the family-wise false-alarm rate of the significance test behind
	// NoDominantCause (default 0.05).
	Alpha float64
	// MinEffect is the least size of a dominant slice's change, in units of the typical leaf's
	// noise standard deviation (default 1).
	MinEffect float64
}

// DefaultOptions returns the defaults Rank uses for zero fields.
func DefaultOptions() Options {
	return Options{MaxDims: 3, Top: 5, Alpha: 0.01, MinEffect: 1}
}

func (o Options) withDefaults(nDims int) (Options, error) {
	d := DefaultOptions()
	if o.MaxDims == 0 {
		o.MaxDims = d.MaxDims
	}
	if o.Top == 0 {
		o.Top = d.Top
	}
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.MinEffect == 0 {
		o.MinEffect = d.MinEffect
	}
	switch {
	case o.MaxDims < 0:
		return o, fmt.Errorf("max dims %d: want at least 1", o.MaxDims)
	case o.Top < 0:
		return o, fmt.Errorf("top %d: want at least 1", o.Top)
	case o.MinEffect < 0:
		return o, fmt.Errorf("min effect %g: want at least 0", o.MinEffect)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return o, fmt.Errorf("alpha %g: want 0 < alpha < 1", o.Alpha)
	}
	o.MaxDims = min(o.MaxDims, nDims)
	return o, nil
}

// Pair is one dimension=value condition of a slice.
type Pair struct {
	Dim   string `json:"dim"`
	Value string `json:"value"`
}

// Slice is one ranked explanation.
type Slice struct {
	// Pairs are the slice's conditions in the table's dimension order.
	Pairs []Pair
	// Score is the slice's evidence when it was chosen: its χ²₁ ripple statistic, after the
	// effect of the slices chosen before it, minus its level's Bonferroni threshold. Positive
	// means the evidence passes the test (Significant also asks for materiality).
	Score float64
	// Z is the standardized deviation behind Score (signed, noise s.d. units).
	Z float64
	// Share is the slice's share of the total deviation: (actual − expected inside the slice)
	// / (actual − expected overall) for an additive KPI, Adtributor's derived-measure
	// explanatory power for a ratio. Shares of overlapping slices overlap; a negative share
	// means the slice moved against the total.
	Share float64
	// Surprise is the Jensen–Shannon surprise (nats) between the slice's expected and actual
	// share of the total (summed over numerator and denominator for a ratio).
	Surprise float64
	// Change is the fitted relative change of the slice's leaves (ripple factor − 1): −0.3
	// means the slice fell 30 % below expectation, or its rate did for a ratio.
	Change float64
	// Actual and Expected are the slice's totals (additive) or rates (ratio).
	Actual, Expected float64
	// Significant is true when Score > 0 and the slice is material: its fitted shift on the
	// deviation-score scale is at least Options.MinEffect times the median leaf's noise s.d.
	Significant bool
}

// String formats the slice as "dim=value & dim=value".
func (s Slice) String() string {
	parts := make([]string, len(s.Pairs))
	for i, p := range s.Pairs {
		parts[i] = p.Dim + "=" + p.Value
	}
	return strings.Join(parts, " & ")
}

// Map returns the slice's conditions as dimension → value.
func (s Slice) Map() map[string]string {
	m := make(map[string]string, len(s.Pairs))
	for _, p := range s.Pairs {
		m[p.Dim] = p.Value
	}
	return m
}

// Result is what Rank found.
type Result struct {
	Kind Kind
	// Slices are ranked best first: significant slices by Score, then the closest
	// non-significant candidates.
	Slices []Slice
	// NoDominantCause is true when no slice is significant (see the package doc).
	NoDominantCause bool
	// Actual and Expected are the overall totals (additive) or ratios (ratio).
	Actual, Expected float64
	// GlobalChange is the fitted relative change shared by every leaf when a uniform shift of
	// the whole population was found significant before (or instead of) any slice; else 0.
	GlobalChange float64
	// MixShare is, for a ratio KPI, the share of the overall ratio's deviation that comes from
	// volume moving between leaves with different expected rates rather than from any rate
	// changing; 0 for an additive KPI.
	MixShare float64
	// Noise is the fitted leaf noise model.
	Noise Noise
	// Candidates is the number of slices scored.
	Candidates int
}

// cuboid is one combination of dimensions; its slices have global ids first..first+count−1.
type cuboid struct {
	dims  []int
	ids   []int32 // leaf -> local slice id
	first int
	count int
	// leaf is, per local slice id, one leaf inside it (to recover the slice's values).
	leaf []int32
}

type engine struct {
	t    *Table
	v, f []float64
	// y is each leaf's deviation score 2(v−f)/(v+f), m the model's fitted score and w the
	// leaf's weight (inverse variance up to the dispersion); see scoreLeaves.
	y, m, w []float64
	noise   Noise
	tau     float64 // median leaf noise s.d. on the score scale
	// counts is true for sparse counts (see Table.sparseCounts): count noise, its dispersion
	// measured on slices rather than leaves.
	counts bool

	cubs  []*cuboid
	sA    []float64 // Σ (v−a)·a/g per slice
	sB    []float64 // Σ a²/g per slice
	sCub  []int32
	level []int     // level -> first slice id (len levels+1)
	picks []bool    // slice already chosen
	thr   []float64 // per level: Bonferroni χ²₁ threshold
}

// Rank finds the slices of t that best explain the gap between actual and expected. It returns
// an error wrapping ErrNoLeaves for an empty table, and an error when every expected value (or
// expected denominator) is zero, and ctx's error when ctx ends first (checked between the
// enumeration's stages and before each pick).
func Rank(ctx context.Context, t *Table, opt Options) (*Result, error) {
	if t == nil || t.Len() == 0 {
		return nil, ErrNoLeaves
	}
	opt, err := opt.withDefaults(len(t.dims))
	if err != nil {
		return nil, err
	}
	v, f, err := t.leaves()
	if err != nil {
		return nil, err
	}
	e := &engine{t: t, v: v, f: f}
	e.counts = t.sparseCounts(v, f)
	if e.counts {
		e.noise = Noise{Power: 1}
	} else {
		e.noise = Noise{Power: estimatePower(v, f)}
	}
	for _, stage := range []func(){e.scoreLeaves, func() { e.build(opt.MaxDims) }, e.aggregate, func() { e.thresholds(opt.Alpha) }} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stage()
	}
	if e.counts {
		e.countDispersion()
	}

	res := &Result{Kind: t.kind, Noise: e.noise, Candidates: len(e.sA) - 1}
	res.Actual, res.Expected, res.MixShare = e.totals()

	for len(res.Slices) < opt.Top {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		best, score, z := e.best()
		if best < 0 {
			break
		}
		shift := e.sA[best] / e.sB[best]
		factor := ratioOfScore(shift)
		e.picks[best] = true
		if best == 0 {
			// The whole population moved together: a shift, not a slice. It is only eligible as
			// the first pick — once a slice is chosen, what remains is explained by slices, and a
			// late global shift would just average the remaining causes and push compensating
			// slices the other way.
			if len(res.Slices) > 0 || score <= 0 || e.counts {
				continue
			}
			res.GlobalChange = factor - 1
			e.shift(best, shift)
			continue
		}
		s := e.describe(best)
		s.Score, s.Z, s.Change = score, z, factor-1
		s.Significant = score > 0 && math.Abs(shift) >= opt.MinEffect*e.tau
		res.Slices = append(res.Slices, s)
		e.shift(best, shift)
	}
	res.NoDominantCause = true
	for _, s := range res.Slices {
		if s.Significant {
			res.NoDominantCause = false
		}
	}
	slices.SortStableFunc(res.Slices, func(x, y Slice) int {
		if x.Significant != y.Significant {
			if x.Significant {
				return -1
			}
			return 1
		}
		return cmp.Compare(y.Score, x.Score)
	})
	return res, nil
}

// build enumerates the cuboids of 1..maxDims dimensions (plus the whole population as level 0)
// and codes every leaf's slice in each. A cuboid's slice ids extend those of its prefix cuboid,
// key = prefixID·card + code, held in a dense table when small enough and a map otherwise.
func (e *engine) build(maxDims int) {
	n := e.t.Len()
	nd := len(e.t.dims)
	root := &cuboid{ids: make([]int32, n), count: 1, leaf: []int32{0}}
	e.cubs = []*cuboid{root}
	e.level = []int{0}
	byKey := map[string]*cuboid{"": root}
	key := func(dims []int) string { return fmt.Sprint(dims) }
	var combos [][]int
	var rec func(start int, cur []int, k int)
	rec = func(start int, cur []int, k int) {
		if len(cur) == k {
			combos = append(combos, slices.Clone(cur))
			return
		}
		for d := start; d < nd; d++ {
			rec(d+1, append(cur, d), k)
		}
	}
	next := 1
	for k := 1; k <= maxDims; k++ {
		e.level = append(e.level, next)
		combos = combos[:0]
		rec(0, nil, k)
		for _, dims := range combos {
			prefix := byKey[key(dims[:k-1])]
			if k == 1 {
				prefix = root
			}
			last := dims[k-1]
			card := int64(len(e.t.values[last]))
			codes := e.t.codes[last]
			c := &cuboid{dims: dims, ids: make([]int32, n), first: next}
			space := int64(prefix.count) * card
			if space <= int64(4*n)+1024 {
				dense := make([]int32, space)
				for i := range dense {
					dense[i] = -1
				}
				for l := 0; l < n; l++ {
					k := int64(prefix.ids[l])*card + int64(codes[l])
					id := dense[k]
					if id < 0 {
						id = int32(c.count)
						dense[k] = id
						c.count++
						c.leaf = append(c.leaf, int32(l))
					}
					c.ids[l] = id
				}
			} else {
				sparse := make(map[int64]int32)
				for l := 0; l < n; l++ {
					k := int64(prefix.ids[l])*card + int64(codes[l])
					id, ok := sparse[k]
					if !ok {
						id = int32(c.count)
						sparse[k] = id
						c.count++
						c.leaf = append(c.leaf, int32(l))
					}
					c.ids[l] = id
				}
			}
			next += c.count
			byKey[key(dims)] = c
			e.cubs = append(e.cubs, c)
		}
	}
	e.level = append(e.level, next)
	e.sA = make([]float64, next)
	e.sB = make([]float64, next)
	e.sCub = make([]int32, next)
	e.picks = make([]bool, next)
	for ci, c := range e.cubs {
		for s := 0; s < c.count; s++ {
			e.sCub[c.first+s] = int32(ci)
		}
	}
}

// aggregate sums the per-leaf ripple terms into every slice.
func (e *engine) aggregate() {
	n := len(e.v)
	ta := make([]float64, n)
	for l := 0; l < n; l++ {
		ta[l] = e.w[l] * (e.y[l] - e.m[l])
	}
	tb := e.w
	for _, c := range e.cubs {
		A := e.sA[c.first : c.first+c.count]
		B := e.sB[c.first : c.first+c.count]
		for l, id := range c.ids {
			A[id] += ta[l]
			B[id] += tb[l]
		}
	}
}

// thresholds sets each level's Bonferroni χ²₁ threshold: the family-wise rate alpha is split
// evenly over the levels (the population shift counts as level 0) and within a level over its
// slices that have any expected volume.
func (e *engine) thresholds(alpha float64) {
	levels := len(e.level) - 1
	e.thr = make([]float64, levels)
	for k := 0; k < levels; k++ {
		m := 0
		for s := e.level[k]; s < e.level[k+1]; s++ {
			if e.sB[s] > 0 {
				m++
			}
		}
		m = max(m, 1)
		q := alpha / float64(levels) / float64(m)
		z := math.Sqrt2 * math.Erfcinv(q) // two-sided: P(|Z| > z) = q
		e.thr[k] = z * z
	}
}

// best returns the unpicked slice with the highest score (χ²₁ gain over the dispersion minus
// its level's threshold), its score and signed z; ties go to fewer dimensions, then lower id.
func (e *engine) best() (int, float64, float64) {
	best, bestScore, bestZ := -1, math.Inf(-1), 0.0
	s2 := e.noise.Dispersion
	for k := 0; k < len(e.level)-1; k++ {
		thr := e.thr[k]
		for s := e.level[k]; s < e.level[k+1]; s++ {
			b := e.sB[s]
			if b <= 0 || e.picks[s] {
				continue
			}
			a := e.sA[s]
			score := a*a/(b*s2) - thr
			if score > bestScore {
				best, bestScore = s, score
				bestZ = a / math.Sqrt(b*s2)
			}
		}
	}
	return best, bestScore, bestZ
}

// shift adds a chosen slice's fitted score shift to its leaves' model scores and updates the
// sums of every slice those leaves belong to (the weights, and so the B sums, do not change).
func (e *engine) shift(s int, delta float64) {
	c := e.cubs[e.sCub[s]]
	local := int32(s - c.first)
	for l, id := range c.ids {
		if id != local || e.w[l] == 0 {
			continue
		}
		e.m[l] += delta
		dA := -e.w[l] * delta
		for _, cc := range e.cubs {
			e.sA[cc.first+int(cc.ids[l])] += dA
		}
	}
}

// describe fills a slice's conditions, totals, share and surprise from the raw leaf values.
func (e *engine) describe(s int) Slice {
	c := e.cubs[e.sCub[s]]
	local := int32(s - c.first)
	rep := c.leaf[local]
	out := Slice{Pairs: make([]Pair, len(c.dims))}
	for i, d := range c.dims {
		out.Pairs[i] = Pair{Dim: e.t.dims[d], Value: e.t.values[d][e.t.codes[d][rep]]}
	}
	t := e.t
	var x [4]float64 // additive: actual, expected; ratio: num, den, expNum, expDen
	for l, id := range c.ids {
		if id != local {
			continue
		}
		if t.kind == Additive {
			x[0] += t.actual[l]
			x[1] += t.expected[l]
		} else {
			x[0] += t.actual[l]
			x[1] += t.aDen[l]
			x[2] += t.expNum[l]
			x[3] += t.expDen[l]
		}
	}
	tot := e.rawTotals()
	if t.kind == Additive {
		out.Actual, out.Expected = x[0], x[1]
		if d := tot[0] - tot[1]; d != 0 {
			out.Share = (x[0] - x[1]) / d
		}
		out.Surprise = surprise.JS(safeDiv(x[1], tot[1]), safeDiv(x[0], tot[0]))
		return out
	}
	out.Actual, out.Expected = safeDiv(x[0], x[1]), safeDiv(x[2], x[3])
	N, D, EN, ED := tot[0], tot[1], tot[2], tot[3]
	dN, dD := x[0]-x[2], x[1]-x[3]
	if total := N/D - EN/ED; total != 0 && ED+dD != 0 {
		// Adtributor's derived measure: the overall ratio if only this slice took its actuals.
		out.Share = (dN*ED - dD*EN) / (ED * (ED + dD)) / total
	}
	out.Surprise = surprise.JS(safeDiv(x[2], EN), safeDiv(x[0], N)) + surprise.JS(safeDiv(x[3], ED), safeDiv(x[1], D))
	return out
}

// rawTotals returns the overall sums: actual and expected (additive) or numerator,
// denominator, expected numerator and expected denominator (ratio).
func (e *engine) rawTotals() [4]float64 {
	var x [4]float64
	t := e.t
	for l := range t.actual {
		x[0] += t.actual[l]
		if t.kind == Additive {
			x[1] += t.expected[l]
		} else {
			x[1] += t.aDen[l]
			x[2] += t.expNum[l]
			x[3] += t.expDen[l]
		}
	}
	return x
}

// totals returns the overall actual and expected (totals or ratios) and, for a ratio, the
// mix share: with F = Σ expected-rate·actual-denominator, the ratio moves by
// (N − F)/D from rates and by F/D − EN/ED from mix.
func (e *engine) totals() (actual, expected, mixShare float64) {
	x := e.rawTotals()
	if e.t.kind == Additive {
		return x[0], x[1], 0
	}
	actual, expected = x[0]/x[1], x[2]/x[3]
	var fSum float64
	for _, y := range e.f {
		fSum += y
	}
	if d := actual - expected; d != 0 {
		mixShare = (fSum/x[1] - expected) / d
	}
	return actual, expected, mixShare
}

// scoreLeaves sets each leaf's deviation score y = 2(v−f)/(v+f) ∈ [−2, 2] (Squeeze's
// deviation score, sign flipped so a shortfall is negative), its model score m = 0 and its
// weight w = m̄^(2−Power) with m̄ = (v+f)/2: by the delta method Var(y) ≈ Var(v−f)/m̄² =
// Dispersion·m̄^(Power−2). A ripple factor r maps to the score 2(r−1)/(r+1) for every leaf of
// the slice, and the bounded score keeps a few leaves with extreme factors from outweighing
// the many with moderate ones; the symmetric level m̄ keeps a leaf that dropped to zero (or grew
// from zero) from claiming the precision of its larger side. Leaves with v = f = 0 carry no
// information (w = 0). The dispersion comes from w·y² over informative leaves (see
// trimmedDispersion), with a vanishing floor when most leaves match exactly so that every real
// deviation is significant.
func (e *engine) scoreLeaves() {
	n := len(e.v)
	e.y = make([]float64, n)
	e.m = make([]float64, n)
	e.w = make([]float64, n)
	var r2 []float64
	for l := 0; l < n; l++ {
		v, f := e.v[l], e.f[l]
		if v+f == 0 {
			continue
		}
		e.y[l] = 2 * (v - f) / (v + f)
		x := (v + f) / 2
		switch e.noise.Power {
		case 2:
			e.w[l] = 1
		case 1:
			e.w[l] = x
		default:
			e.w[l] = math.Pow(x, 2-e.noise.Power)
		}
		r2 = append(r2, e.w[l]*e.y[l]*e.y[l])
	}
	e.noise.Dispersion = 1
	var sds []float64
	for _, w := range e.w {
		if w > 0 {
			sds = append(sds, 1/math.Sqrt(w))
		}
	}
	defer func() {
		e.tau = 0 // no leaf with weight: nothing to scale a move by
		if len(sds) > 0 {
			e.tau = math.Sqrt(e.noise.Dispersion) * quantile.Median(sds)
		}
	}()
	if len(r2) > 0 {
		e.noise.Dispersion = trimmedDispersion(r2)
	}
	if e.noise.Dispersion == 0 {
		// Most leaves match exactly: any deviation is real. Keep the arithmetic finite.
		e.noise.Dispersion = 1e-12
	}
}

// ratioOfScore inverts the deviation score: the factor r with 2(r−1)/(r+1) = d.
func ratioOfScore(d float64) float64 {
	d = math.Max(-2, math.Min(2-1e-9, d))
	return (2 + d) / (2 - d)
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// trimmedDispersion estimates the variance scale from squared standardized residuals r2: the
// mean of the lowest 80 % over the same truncated mean of a χ²₁ variable (0.437725). Trimming the
// top fifth keeps a minority of anomalous leaves out; averaging the rest, rather than taking
// the median, lets noise with heavier tails than the normal widen the scale, which guards the
// tests of slices with few leaves against false alarms.
func trimmedDispersion(r2 []float64) float64 {
	s := slices.Clone(r2)
	slices.Sort(s)
	k := max(1, int(0.8*float64(len(s))))
	var sum float64
	for _, x := range s[:k] {
		sum += x
	}
	return sum / float64(k) / truncChi2Mean
}

// truncChi2Mean is E[Z² | Z² ≤ q] for Z standard normal and q the χ²₁ 80 % quantile (1.6424):
// ((2Φ(c)−1) − 2c·φ(c)) / 0.8 with c = 1.28155.
const truncChi2Mean = 0.437725
