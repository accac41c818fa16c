package rootcause

import (
	"cmp"
	"math"
	"slices"

	"github.com/growthlens/growthlens/internal/quantile"
)

// BaselineAbstain is the overall relative deviation |actual − expected| / expected below which
// RankLargestChange answers "no dominant cause".
const BaselineAbstain = 0.02

// RankLargestChange is the trivial baseline the drilldown is compared with: every slice of one
// to opt.MaxDims dimensions ranked by its absolute deviation |Σ actual − Σ expected| (for a ratio,
// of the numerator against expected rate × actual denominator), with no ripple model, no
// noise model and no parent/child collapsing. It answers "no dominant cause" only when the
// overall relative deviation is below BaselineAbstain. Every listed slice is marked
// significant unless it abstains.
func RankLargestChange(t *Table, opt Options) (*Result, error) {
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
	e.build(opt.MaxDims)
	// Reuse the slice sums: with a = 1 and g = 1 the ripple sums become Σ(v − f) and a count.
	dev := make([]float64, len(e.sA))
	for _, c := range e.cubs {
		for l, id := range c.ids {
			dev[c.first+int(id)] += v[l] - f[l]
		}
	}
	var sv, sf float64
	for l := range v {
		sv += v[l]
		sf += f[l]
	}
	res := &Result{Kind: t.kind, Candidates: len(dev) - 1}
	res.Actual, res.Expected, res.MixShare = e.totals()
	abstain := math.Abs(sv-sf) < BaselineAbstain*sf
	ids := make([]int, 0, len(dev)-1)
	for s := 1; s < len(dev); s++ {
		ids = append(ids, s)
	}
	slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(math.Abs(dev[b]), math.Abs(dev[a])) })
	for _, s := range ids[:min(opt.Top, len(ids))] {
		sl := e.describe(s)
		sl.Score = math.Abs(dev[s])
		sl.Significant = !abstain
		res.Slices = append(res.Slices, sl)
	}
	res.NoDominantCause = abstain
	return res, nil
}

// RankDriversLargestChange is the trivial baseline the driver ranking is compared with: the
// drivers ranked by the absolute relative change of their level in the explained period
// against the median of the Window periods before it (|x/median − 1|), with no effect, no
// history of usual moves and no parts. It answers "no dominant cause" only when the KPI's
// relative deviation |actual/expected − 1| is below BaselineAbstain; otherwise every driver is
// marked significant.
func RankDriversLargestChange(q DriverQuery, opt DriverOptions) (*DriverResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := q.validate()
	if err != nil {
		return nil, err
	}
	res := &DriverResult{KPI: q.KPI, Period: q.Period, Actual: q.Actual, Expected: q.Expected, Gap: math.Log(q.Actual / q.Expected)}
	abstain := math.Abs(q.Actual/q.Expected-1) < BaselineAbstain
	for _, d := range q.Drivers {
		var prev []float64
		for k := max(0, t-opt.Window); k < t; k++ {
			if q.Complete[k] && !math.IsNaN(d.Values[k]) {
				prev = append(prev, d.Values[k])
			}
		}
		x := d.Values[t]
		if len(prev) == 0 || math.IsNaN(x) {
			continue
		}
		base := quantile.Median(prev)
		c := DriverCause{Driver: d.Driver, Role: d.Role, Scale: d.Scale, Unit: d.Unit, Actual: x, Baseline: base, Effect: d.Effect, Significant: !abstain}
		if base != 0 {
			c.Move = x/base - 1
		}
		c.score = math.Abs(c.Move)
		res.Causes = append(res.Causes, c)
	}
	slices.SortStableFunc(res.Causes, func(a, b DriverCause) int { return cmp.Compare(b.score, a.score) })
	res.NoDominantCause = abstain || len(res.Causes) == 0
	if res.NoDominantCause {
		res.Reason = "the KPI is within 2 % of its expected value"
	}
	return res, nil
}
