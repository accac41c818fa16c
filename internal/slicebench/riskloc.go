package slicebench

import (
	"cmp"
	"math"
	"slices"
)

// rankRiskLoc follows RiskLoc (Kalander 2022) with its published defaults (risk threshold
// 0.5, proportional EP threshold 0.02, 5 extreme values set aside for the cutoff), without its
// element pruning (a speed-up): leaves are split at a cutoff of the deviation score into an
// abnormal and a normal partition, weighted by their distance from the cutoff; layer by
// layer, in each cuboid the element with the highest explanatory power whose risk score
// (weighted abnormal share − the ripple-adjusted relative deviation left) reaches 0.5 is a
// candidate, the layer's best by EP is taken, its leaves are removed, and the search repeats
// while the abnormal partition still holds 2 % of its EP.
func rankRiskLoc(c *Case, top int) ([]map[string]string, error) {
	k := newCube(c, c.MaxDims)
	n := c.Len()
	dev := make([]float64, n)
	for l := range dev {
		dev[l] = devScore(k.v[l], k.f[l])
	}
	// Cutoff: of the sixth-smallest and sixth-largest distinct deviations, the one nearer 0,
	// negated.
	uniq := slices.Clone(dev)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	const nRemove = 5
	minVal := uniq[min(nRemove, len(uniq)-1)]
	maxVal := uniq[max(len(uniq)-1-nRemove, 0)]
	t := -minVal
	if math.Abs(maxVal) < math.Abs(minVal) {
		t = -maxVal
	}
	right := t >= 0
	part := make([]float64, n)
	w := make([]float64, n)
	for l := range dev {
		if (right && dev[l] > t) || (!right && dev[l] < t) {
			part[l] = 1
			w[l] = math.Min(1, math.Abs(dev[l]))
		} else if k.v[l] != 0 || k.f[l] != 0 {
			w[l] = math.Min(1, math.Abs(t-dev[l]))
		}
	}
	ep := explanatoryPower(c, k)
	var epAnom float64
	for l := range ep {
		epAnom += ep[l] * part[l]
	}
	if epAnom < 0 {
		for l := range ep {
			ep[l] = -ep[l]
		}
		epAnom = -epAnom
	}
	thr := epAnom * 0.02
	wAnom, wNorm := make([]float64, n), make([]float64, n)
	for l := range w {
		wAnom[l] = w[l] * part[l]
		wNorm[l] = w[l] * (1 - part[l])
	}
	alive := make([]bool, n)
	for l := range alive {
		alive[l] = true
	}
	var out []map[string]string
	for len(out) < top {
		var sum float64
		for l := range ep {
			if alive[l] {
				sum += ep[l] * part[l]
			}
		}
		if sum < thr {
			break
		}
		bestCi, bestID, found := -1, int32(-1), false
		for layer := 1; layer <= c.MaxDims && !found; layer++ {
			bestEP := thr
			for ci, cb := range k.cubs {
				if len(cb.dims) != layer {
					continue
				}
				eps := k.sums(ci, ep, alive)
				parts := k.sums(ci, part, alive)
				ha, hn := k.sums(ci, wAnom, alive), k.sums(ci, wNorm, alive)
				var cand []int32
				for id := range eps {
					if parts[id] > 0 && eps[id] > bestEP {
						cand = append(cand, int32(id))
					}
				}
				slices.SortFunc(cand, func(a, b int32) int { return cmp.Compare(eps[b], eps[a]) })
				for _, id := range cand {
					high := ha[id] / (ha[id] + hn[id] + 1)
					low := lowRisk(k, ci, id, dev, alive)
					if high-low >= 0.5 {
						bestCi, bestID, bestEP, found = ci, id, eps[id], true
						break
					}
				}
			}
		}
		if !found {
			break
		}
		out = append(out, k.elem(bestCi, bestID))
		for l, id := range k.cubs[bestCi].ids {
			if id == bestID {
				alive[l] = false
			}
		}
	}
	return out, nil
}

// lowRisk is RiskLoc's low-risk score of an element: the mean |deviation| of its leaves from
// the ripple-effect expectation (expected × the element's actual/expected) over their mean
// |deviation| from the plain expectation, over leaves with both values non-zero.
func lowRisk(k *cube, ci int, id int32, dev []float64, alive []bool) float64 {
	var sv, sf float64
	var leaves []int
	for l, x := range k.cubs[ci].ids {
		if x == id && alive[l] && k.v[l] != 0 && k.f[l] != 0 {
			sv += k.v[l]
			sf += k.f[l]
			leaves = append(leaves, l)
		}
	}
	if len(leaves) == 0 || sf == 0 {
		return 0
	}
	var w1, w2 float64
	for _, l := range leaves {
		a := k.f[l] * sv / sf
		w1 += math.Abs(2 * (a - k.v[l]) / (a + k.v[l]))
		w2 += math.Abs(dev[l])
	}
	if w2 == 0 {
		return 0
	}
	return w1 / w2
}

// explanatoryPower returns each leaf's explanatory power: its share of the total change for
// an additive KPI, the derived-measure EP (normalized to sum 1) for a ratio.
func explanatoryPower(c *Case, k *cube) []float64 {
	n := c.Len()
	ep := make([]float64, n)
	if !c.Ratio {
		var A, F float64
		for l := 0; l < n; l++ {
			A += k.v[l]
			F += k.f[l]
		}
		for l := range ep {
			ep[l] = safe(k.v[l]-k.f[l], A-F)
		}
		return ep
	}
	var FA, FB float64
	for l := 0; l < n; l++ {
		FA += c.ExpNum[l]
		FB += c.ExpDen[l]
	}
	var sum float64
	for l := range ep {
		d := FB * (FB + c.Den[l] - c.ExpDen[l])
		ep[l] = safe((c.Num[l]-c.ExpNum[l])*FB-(c.Den[l]-c.ExpDen[l])*FA, d)
		sum += ep[l]
	}
	if sum != 0 {
		for l := range ep {
			ep[l] /= sum
		}
	}
	return ep
}
