package slicebench

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// rankSqueeze follows Squeeze (Li et al. ISSRE 2019), written from the paper: (1) leaves whose
// |deviation score| passes a robust noise threshold are abnormal; (2) abnormal leaves are
// clustered by the density of their deviation scores (the generalized ripple effect: a root
// cause moves its leaves by one factor, so they share a score); (3) for each cluster, layer by
// layer, each cuboid's elements are sorted by the share of their leaves in the cluster
// (descended score), the prefix set with the best generalized potential score (GPS) is the
// cuboid's answer, and the first layer whose best GPS reaches 0.9 (or the best overall)
// gives the cluster's elements, preferring succinct answers. Clusters are ranked by the size of
// their deviation.
func rankSqueeze(c *Case, top int) ([]map[string]string, error) {
	k := newCube(c, c.MaxDims)
	n := c.Len()
	dev := make([]float64, n)
	for l := range dev {
		dev[l] = devScore(k.v[l], k.f[l])
	}
	// (1) noise threshold: 3 robust s.d. of the scores of non-empty leaves, at least 0.02.
	var nz []float64
	for l := range dev {
		if k.v[l]+k.f[l] > 0 {
			nz = append(nz, dev[l])
		}
	}
	if len(nz) == 0 {
		return nil, nil
	}
	med := stat.Quantile(0.5, stat.Empirical, sorted(nz), nil)
	abs := make([]float64, len(nz))
	for i, x := range nz {
		abs[i] = math.Abs(x - med)
	}
	thr := math.Max(0.02, 3*1.4826*stat.Quantile(0.5, stat.Empirical, sorted(abs), nil))
	var anom []int
	for l := range dev {
		if k.v[l]+k.f[l] > 0 && math.Abs(dev[l]-med) > thr {
			anom = append(anom, l)
		}
	}
	if len(anom) == 0 {
		return nil, nil
	}
	// (2) density clustering on a 400-bin histogram of [-2, 2] smoothed with a Gaussian kernel;
	// clusters are split at local minima.
	const bins = 400
	hist := make([]float64, bins)
	bin := func(x float64) int { return min(bins-1, max(0, int((x+2)/4*bins))) }
	for _, l := range anom {
		hist[bin(dev[l])]++
	}
	smooth := make([]float64, bins)
	for i := range smooth {
		for j := max(0, i-8); j <= min(bins-1, i+8); j++ {
			d := float64(i-j) / 3
			smooth[i] += hist[j] * math.Exp(-d*d/2)
		}
	}
	label := make([]int, bins)
	cl := 0
	for i := 1; i < bins; i++ {
		if i+1 < bins && smooth[i] < smooth[i-1] && smooth[i] <= smooth[i+1] {
			cl++
		}
		label[i] = cl
	}
	clusters := map[int][]int{}
	for _, l := range anom {
		clusters[label[bin(dev[l])]] = append(clusters[label[bin(dev[l])]], l)
	}
	isAnom := make([]bool, n)
	for _, l := range anom {
		isAnom[l] = true
	}
	type answer struct {
		elems []scored
		size  float64
	}
	var answers []answer
	for _, leaves := range clusters {
		inCl := make([]bool, n)
		var size float64
		for _, l := range leaves {
			inCl[l] = true
			size += math.Abs(k.v[l] - k.f[l])
		}
		// Leaves considered: the cluster and the normal leaves.
		use := make([]float64, n)
		var normErr float64
		for l := range use {
			if inCl[l] || !isAnom[l] {
				use[l] = 1
				normErr += math.Abs(k.v[l] - k.f[l])
			}
		}
		inClF := make([]float64, n)
		for _, l := range leaves {
			inClF[l] = 1
		}
		var best []scored
		bestScore := math.Inf(-1)
		for layer := 1; layer <= c.MaxDims; layer++ {
			layerBest, layerScore := []scored(nil), math.Inf(-1)
			for ci, cb := range k.cubs {
				if len(cb.dims) != layer {
					continue
				}
				hit := k.sums(ci, inClF, nil)
				tot := k.sums(ci, use, nil)
				var cand []scored
				for id := range hit {
					if hit[id] > 0 {
						cand = append(cand, scored{ci, int32(id), hit[id] / tot[id]})
					}
				}
				slices.SortFunc(cand, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
				cand = cand[:min(len(cand), 10)]
				for i, gps := range k.gpsPrefixes(ci, cand, use, normErr) {
					p := i + 1
					// succinctness: a small penalty per element and per dimension
					score := gps - 0.02*float64(p*layer)
					if score > layerScore {
						layerScore, layerBest = score, slices.Clone(cand[:p])
					}
				}
			}
			if layerScore > bestScore {
				bestScore, best = layerScore, layerBest
			}
			if layerScore >= 0.9 {
				break
			}
		}
		if len(best) > 0 {
			answers = append(answers, answer{best, size})
		}
	}
	slices.SortStableFunc(answers, func(a, b answer) int { return cmp.Compare(b.size, a.size) })
	groups := make([][]scored, len(answers))
	for i, a := range answers {
		groups[i] = a.elems
	}
	return k.flatten(groups, top), nil
}

// gpsPrefixes returns Squeeze's generalized potential score of each prefix set cand[:p] of
// elements of cuboid ci, over the leaves with use[l] = 1: 1 − (|v − a| in the set + |v − f|
// outside) / (|v − f| in the set + |v − f| outside), a being the ripple-effect expectation
// f·(Σv/Σf of the set); totalErr is Σ|v − f| over the used leaves.
func (k *cube) gpsPrefixes(ci int, cand []scored, use []float64, totalErr float64) []float64 {
	rank := make(map[int32]int, len(cand))
	for i, s := range cand {
		rank[s.id] = i
	}
	byRank := make([][]int, len(cand))
	for l, id := range k.cubs[ci].ids {
		if i, ok := rank[id]; ok && use[l] > 0 {
			byRank[i] = append(byRank[i], l)
		}
	}
	out := make([]float64, len(cand))
	var sv, sf, errIn float64
	for p := range cand {
		for _, l := range byRank[p] {
			sv += k.v[l]
			sf += k.f[l]
			errIn += math.Abs(k.v[l] - k.f[l])
		}
		if sf == 0 || totalErr == 0 {
			continue
		}
		r := sv / sf
		var ripIn float64
		for q := 0; q <= p; q++ {
			for _, l := range byRank[q] {
				ripIn += math.Abs(k.v[l] - r*k.f[l])
			}
		}
		out[p] = 1 - (ripIn+totalErr-errIn)/totalErr
	}
	return out
}

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}
