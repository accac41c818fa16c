package classify

import (
	"math"
	"math/rand/v2"
)

// BoostOptions are the hyperparameters of the gradient-boosted trees.
type BoostOptions struct {
	Depth        int     // maximum tree depth (≥ 1)
	LearningRate float64 // shrinkage applied to every leaf value
	Rounds       []int   // boosting rounds at which to return a model (ascending); one fit yields all
	MinLeaf      int     // minimum rows in a leaf
	Lambda       float64 // L2 penalty on leaf values
	Subsample    float64 // fraction of rows drawn without replacement for each round
	MaxBins      int     // histogram bins per feature (≤ 256)
}

// fitBoost fits gradient-boosted regression trees to the log-loss gradient (Friedman's
// gradient boosting with second-order leaf values, as in XGBoost): each round fits one tree per
// class margin (one margin for two classes) to the gradients g = p − y with hessians
// h = p(1 − p), choosing splits that maximise
//
//	G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)
//
// over histogram bins, and sets each leaf to −η·G/(H+λ). Rows are subsampled per round with a
// generator seeded by seed, so the fit is deterministic. It returns one model per entry of
// o.Rounds, sharing the trees of the longest.
func fitBoost(x []float64, n, p int, y []int, k int, o BoostOptions, seed uint64) []*forest {
	bins := fitBinning(x, n, p, o.MaxBins)
	xb := bins.apply(x, n, p)
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	margins := 1
	if k > 2 {
		margins = k
	}
	f := &forest{K: k, Boost: true, Base: make([]float64, margins)}
	counts := make([]float64, k)
	for _, c := range y {
		counts[c]++
	}
	if k == 2 {
		q := math.Min(math.Max(counts[1]/float64(n), 1e-6), 1-1e-6)
		f.Base[0] = math.Log(q / (1 - q))
	} else {
		for j := range f.Base {
			f.Base[j] = math.Log(math.Max(counts[j], 0.5) / float64(n))
		}
	}
	z := make([]float64, n*margins)
	for i := 0; i < n; i++ {
		copy(z[i*margins:], f.Base)
	}
	g := make([]float64, n)
	h := make([]float64, n)
	prob := make([]float64, k)
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	gr := newGrower(xb, n, p, bins, g, h, o)
	maxRounds := o.Rounds[len(o.Rounds)-1]
	var out []*forest
	next := 0
	valueStarts := []int{}
	for round := 1; round <= maxRounds; round++ {
		rows := all
		if o.Subsample < 1 {
			m := int(math.Max(1, math.Round(o.Subsample*float64(n))))
			perm := rng.Perm(n)[:m]
			rows = make([]int32, m)
			for i, r := range perm {
				rows[i] = int32(r)
			}
		}
		for c := 0; c < margins; c++ {
			for _, r := range rows {
				i := int(r)
				var q, t float64
				if k == 2 {
					q = Sigmoid(z[i])
					t = float64(y[i])
				} else {
					copy(prob, z[i*k:i*k+k])
					softmaxInPlace(prob)
					q = prob[c]
					if y[i] == c {
						t = 1
					}
				}
				g[i] = q - t
				h[i] = math.Max(q*(1-q), 1e-6)
			}
			valueStarts = append(valueStarts, len(f.Values))
			root := gr.grow(f, append([]int32(nil), rows...))
			f.Roots = append(f.Roots, root)
			f.Class = append(f.Class, int32(c))
			// Update every row's margin, not only the subsample's.
			for i := 0; i < n; i++ {
				z[i*margins+c] += f.Values[f.leaf(root, x[i*p:i*p+p])]
			}
		}
		if round == o.Rounds[next] {
			out = append(out, f.truncated(len(f.Roots), valueStarts))
			next++
		}
	}
	return out
}

// truncated returns a copy holding the first m trees only.
func (f *forest) truncated(m int, valueStarts []int) *forest {
	t := &forest{K: f.K, Boost: f.Boost, Base: append([]float64(nil), f.Base...)}
	t.Roots = append([]int32(nil), f.Roots[:m]...)
	t.Class = append([]int32(nil), f.Class[:m]...)
	nodes, values := len(f.Nodes), len(f.Values)
	if m < len(f.Roots) {
		nodes, values = int(f.Roots[m]), valueStarts[m]
	}
	t.Nodes = append([]node(nil), f.Nodes[:nodes]...)
	t.Values = append([]float64(nil), f.Values[:values]...)
	return t
}

// grower grows one regression tree on binned features from gradients and hessians.
//
// Two-bin features (one-hot labels, indicators) are kept sparse: for each row only those in
// bin 1 are listed, and a histogram's bin 0 is the node total minus bin 1. On one-hot-heavy
// data this skips most of the histogram work.
type grower struct {
	xb     []uint8
	p      int
	bins   *binning
	g, h   []float64
	o      BoostOptions
	dense  []int32     // features with more than two bins
	binary []int32     // features with two bins
	ones   [][]int32   // per row, the binary features in bin 1
	off    []int       // first histogram slot of each feature
	free   [][]float64 // histogram buffers for reuse
}

func newGrower(xb []uint8, n, p int, bins *binning, g, h []float64, o BoostOptions) *grower {
	gr := &grower{xb: xb, p: p, bins: bins, g: g, h: h, o: o, off: make([]int, p+1), ones: make([][]int32, n)}
	for j := 0; j < p; j++ {
		gr.off[j+1] = gr.off[j] + len(bins.Edges[j]) + 1
		if len(bins.Edges[j]) == 1 {
			gr.binary = append(gr.binary, int32(j))
		} else {
			gr.dense = append(gr.dense, int32(j))
		}
	}
	for i := 0; i < n; i++ {
		for _, j := range gr.binary {
			if xb[i*p+int(j)] == 1 {
				gr.ones[i] = append(gr.ones[i], j)
			}
		}
	}
	return gr
}

// grow appends a tree fitted on rows to f and returns its root index.
func (gr *grower) grow(f *forest, rows []int32) int32 {
	root := int32(len(f.Nodes))
	f.Nodes = append(f.Nodes, node{})
	hist := gr.getHist()
	gr.fill(hist, rows)
	gr.split(f, root, rows, hist, 0)
	return root
}

// getHist returns a zeroed histogram buffer (per feature, per bin: Σg, Σh, count).
func (gr *grower) getHist() []float64 {
	if n := len(gr.free); n > 0 {
		h := gr.free[n-1]
		gr.free = gr.free[:n-1]
		for j := range h {
			h[j] = 0
		}
		return h
	}
	return make([]float64, gr.off[gr.p]*3)
}

func (gr *grower) putHist(h []float64) { gr.free = append(gr.free, h) }

// fill sets hist (zeroed) to the histogram of rows.
func (gr *grower) fill(hist []float64, rows []int32) {
	p, off := gr.p, gr.off
	var G, H float64
	for _, r := range rows {
		xr := gr.xb[int(r)*p : int(r)*p+p]
		gv, hv := gr.g[r], gr.h[r]
		G += gv
		H += hv
		for _, j := range gr.dense {
			o := (off[j] + int(xr[j])) * 3
			hist[o] += gv
			hist[o+1] += hv
			hist[o+2]++
		}
		for _, j := range gr.ones[r] {
			o := (off[j] + 1) * 3
			hist[o] += gv
			hist[o+1] += hv
			hist[o+2]++
		}
	}
	c := float64(len(rows))
	for _, j := range gr.binary {
		o := off[j] * 3
		hist[o] = G - hist[o+3]
		hist[o+1] = H - hist[o+4]
		hist[o+2] = c - hist[o+5]
	}
}

// split turns node at into a leaf or a split of rows, whose histogram is hist. It owns hist
// and returns it to the pool.
func (gr *grower) split(f *forest, at int32, rows []int32, hist []float64, depth int) {
	var G, H float64
	for _, r := range rows {
		G += gr.g[r]
		H += gr.h[r]
	}
	lambda := gr.o.Lambda
	minLeaf := gr.o.MinLeaf
	bestGain, bestFeat, bestBin := 1e-9, -1, 0
	if depth < gr.o.Depth && len(rows) >= 2*minLeaf {
		parent := G * G / (H + lambda)
		for j := 0; j < gr.p; j++ {
			var gl, hl, cl float64
			last := len(gr.bins.Edges[j])
			for b := 0; b < last; b++ {
				o := (gr.off[j] + b) * 3
				gl += hist[o]
				hl += hist[o+1]
				cl += hist[o+2]
				cr := float64(len(rows)) - cl
				if cl < float64(minLeaf) {
					continue
				}
				if cr < float64(minLeaf) {
					break
				}
				gain := gl*gl/(hl+lambda) + (G-gl)*(G-gl)/(H-hl+lambda) - parent
				if gain > bestGain {
					bestGain, bestFeat, bestBin = gain, j, b
				}
			}
		}
	}
	if bestFeat < 0 {
		gr.putHist(hist)
		f.Nodes[at] = node{Feat: -1, Left: int32(len(f.Values))}
		f.Values = append(f.Values, -gr.o.LearningRate*G/(H+lambda))
		return
	}
	p := gr.p
	// Partition rows in place: bin ≤ bestBin to the left.
	lo := 0
	for i, r := range rows {
		if int(gr.xb[int(r)*p+bestFeat]) <= bestBin {
			rows[lo], rows[i] = rows[i], rows[lo]
			lo++
		}
	}
	left := int32(len(f.Nodes))
	f.Nodes = append(f.Nodes, node{}, node{})
	f.Nodes[at] = node{Feat: int32(bestFeat), Left: left, Thr: gr.bins.threshold(bestFeat, bestBin)}
	lrows, rrows := rows[:lo], rows[lo:]
	// Histogram subtraction: scan only the smaller child; the larger one's histogram is the
	// parent's minus the smaller's.
	small := gr.getHist()
	if len(lrows) <= len(rrows) {
		gr.fill(small, lrows)
	} else {
		gr.fill(small, rrows)
	}
	for j := range hist {
		hist[j] -= small[j]
	}
	lh, rh := small, hist
	if len(lrows) > len(rrows) {
		lh, rh = hist, small
	}
	gr.split(f, left, lrows, lh, depth+1)
	gr.split(f, left+1, rrows, rh, depth+1)
}
