package rootcause

import (
	"cmp"
	"math"
	"slices"

	"github.com/growthlens/growthlens/internal/quantile"
)

// Noise is the fitted leaf noise model: Var(v − f) = Dispersion·m^Power, with m = (v+f)/2 the
// leaf's mean level. Power 1 is count-like noise (Poisson, binomial), Power 2 a multiplicative
// forecast error. On the deviation-score scale the drilldown works on, a leaf's variance is
// Dispersion·m^(Power−2).
type Noise struct {
	Power      float64 `json:"power"`
	Dispersion float64 `json:"dispersion"`
}

const (
	// defaultPower is used when the leaves are too few, or too exact, to estimate the power;
	// halfway between count noise and multiplicative error.
	defaultPower = 1.5
	// minBinLeaves is the fewest leaves per bin when estimating the power, so a bin's median
	// absolute deviation is stable.
	minBinLeaves = 30
)

// estimatePower fits the power of the noise model to leaves with actual v and expected f: the
// slope of log median |v−f| against log median f over quantile bins of f (a robust
// mean–variance plot; medians keep a minority of anomalous leaves from steering it), doubled
// and clamped to [1, 2]. It returns defaultPower when there are fewer than three bins of
// minBinLeaves leaves with a non-zero median deviation.
func estimatePower(v, f []float64) float64 {
	var pos []int
	for i, x := range f {
		if x > 0 {
			pos = append(pos, i)
		}
	}
	nb := min(20, len(pos)/minBinLeaves)
	if nb < 3 {
		return defaultPower
	}
	slices.SortFunc(pos, func(a, b int) int { return cmp.Compare(f[a], f[b]) })
	var xs, ys []float64
	fs := make([]float64, 0, len(pos)/nb+1)
	es := make([]float64, 0, len(pos)/nb+1)
	for b := 0; b < nb; b++ {
		lo, hi := b*len(pos)/nb, (b+1)*len(pos)/nb
		fs, es = fs[:0], es[:0]
		for _, i := range pos[lo:hi] {
			fs = append(fs, f[i])
			es = append(es, math.Abs(v[i]-f[i]))
		}
		mf, me := quantile.Median(fs), quantile.Median(es) // NaN for an empty bin: left out below
		if mf > 0 && me > 0 {
			xs = append(xs, math.Log(mf))
			ys = append(ys, math.Log(me))
		}
	}
	if len(xs) < 3 {
		return defaultPower
	}
	slope, ok := olsSlope(xs, ys)
	if !ok {
		return defaultPower
	}
	return math.Max(1, math.Min(2, 2*slope))
}

func olsSlope(xs, ys []float64) (float64, bool) {
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

// sparseLevel is the median leaf level (v+f)/2 below which whole-number data count as sparse
// counts.
const sparseLevel = 5

// sparseCounts reports whether the leaves are sparse counts: every actual value (for a ratio,
// every actual numerator and denominator) a whole number, and the median level (v+f)/2 of the
// leaves with any value below sparseLevel. Most such leaves hold a handful of events or none:
// a leaf with no event against an expected 0.3 has |v−f| = f, so the robust mean–variance plot
// of estimatePower sees |v−f| grow like f and reads multiplicative noise (power 2) where the
// noise is Poisson (power 1), and a median or trimmed mean of leaf residuals measures the zeros,
// not the spread. Rank then takes power 1 and measures the dispersion on slices
// (countDispersion).
func (t *Table) sparseCounts(v, f []float64) bool {
	whole := func(xs []float64) bool {
		for _, x := range xs {
			if x != math.Trunc(x) {
				return false
			}
		}
		return true
	}
	if !whole(t.actual) || t.kind == Ratio && !whole(t.aDen) {
		return false
	}
	var m []float64
	for l := range v {
		if v[l]+f[l] > 0 {
			m = append(m, (v[l]+f[l])/2)
		}
	}
	return len(m) > 0 && quantile.Median(m) < sparseLevel
}

// minSliceLevel is the least level Σ(v+f)/2 of a slice used by countDispersion: below it a
// count is too small for its squared residual to measure the spread.
const minSliceLevel = 10

// countDispersion sets the dispersion of sparse counts from slices of one and two dimensions
// whose level is at least minSliceLevel: the median of their squared standardized residuals
// (A − B·δ)²/B, with δ the whole population's shift so that a common drift does not count as
// noise, over the median of χ²₁ (0.454936). Slices aggregate enough events for the normal
// approximation the tests use, and carry the overdispersion (rates wandering between periods,
// noise in the expected values) that the tests of slices meet. A large cause spills into most
// slices of the other dimensions (each holds some of its leaves), so the median is taken again
// after the dispersionPicks best slices have been fitted and removed, twice; the model is then
// reset. With fewer than 10 such slices it falls back to the mean over leaves. The materiality
// scale tau is the noise s.d. of the leaf at the median of the events (half of them in smaller
// leaves), not of the median leaf, which holds none.
func (e *engine) countDispersion() {
	e.noise.Dispersion = e.sliceDispersion()
	sA, m := slices.Clone(e.sA), slices.Clone(e.m)
	for range 2 {
		for range dispersionPicks {
			best, _, _ := e.best()
			if best < 0 {
				break
			}
			e.picks[best] = true
			e.shift(best, e.sA[best]/e.sB[best])
		}
		e.noise.Dispersion = e.sliceDispersion()
		copy(e.sA, sA)
		copy(e.m, m)
		clear(e.picks)
	}
	// The leaf at the median event: weights are levels under power 1.
	idx := make([]int, 0, len(e.w))
	var total float64
	for l, w := range e.w {
		if w > 0 {
			idx = append(idx, l)
			total += w
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(e.w[a], e.w[b]) })
	var acc float64
	level := 1.0
	for _, l := range idx {
		if acc += e.w[l]; acc >= total/2 {
			level = e.w[l]
			break
		}
	}
	e.tau = math.Sqrt(e.noise.Dispersion / level)
}

// dispersionPicks is how many best slices countDispersion sets aside before measuring again.
const dispersionPicks = 3

func (e *engine) sliceDispersion() float64 {
	delta := e.sA[0] / e.sB[0]
	var r []float64
	for k := 1; k < min(3, len(e.level)-1); k++ {
		for s := e.level[k]; s < e.level[k+1]; s++ {
			if b := e.sB[s]; b >= minSliceLevel {
				d := e.sA[s] - b*delta
				r = append(r, d*d/b)
			}
		}
	}
	if len(r) >= 10 {
		return math.Max(quantile.Median(r)/chi2Median, 1e-12)
	}
	var sr, sw float64
	for l := range e.w {
		if e.w[l] > 0 {
			d := e.y[l] - e.m[l] - delta
			sr += e.w[l] * d * d
			sw++
		}
	}
	return math.Max(sr/max(sw, 1), 1e-12)
}

// chi2Median is the median of a χ²₁ variable.
const chi2Median = 0.454936
