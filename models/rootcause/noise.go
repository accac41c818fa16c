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
