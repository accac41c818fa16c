package classify

import (
	"math"
	"sort"
)

// node is one node of a compiled tree. An internal node sends a row to its left child Left
// when x[Feat] < Thr and to its right child, always Left+1, otherwise (so the walk needs no
// branch); a leaf has Feat = −1 and Left indexes its values. 16 bytes.
type node struct {
	Thr  float64
	Feat int32
	Left int32
}

// forest is the compact, serialisable form of every tree model here: golearn's CART trees,
// their bagged forests and the boosted trees. Scoring walks flat arrays, which is what makes
// batch prediction fast.
//
// Vote forests (Boost false) average the leaf class distributions (K values per leaf) over
// trees. Boosted forests (Boost true) add each tree's single leaf value to the margin of the
// tree's class (Class[t]; a two-class model keeps one margin for class 1) starting from Base,
// then apply σ or softmax.
type forest struct {
	K      int
	Boost  bool
	Nodes  []node
	Roots  []int32
	Class  []int32
	Values []float64
	Base   []float64
}

// leaf returns the index in Values of the leaf that row reaches from root.
func (f *forest) leaf(root int32, row []float64) int32 {
	nodes := f.Nodes
	i := root
	for {
		nd := &nodes[i]
		if nd.Feat < 0 {
			return nd.Left
		}
		var right int32
		if row[nd.Feat] >= nd.Thr {
			right = 1
		}
		i = nd.Left + right
	}
}

// probs writes class probabilities for the n rows of x (row-major, p columns) into out (n×K).
func (f *forest) probs(x []float64, n, p int, out []float64) {
	k := f.K
	for i := 0; i < n; i++ {
		row := x[i*p : i*p+p]
		o := out[i*k : i*k+k]
		if !f.Boost {
			for j := range o {
				o[j] = 0
			}
			for _, r := range f.Roots {
				v := f.Values[f.leaf(r, row):]
				for j := range o {
					o[j] += v[j]
				}
			}
			s := 1 / float64(len(f.Roots))
			for j := range o {
				o[j] *= s
			}
			continue
		}
		if k == 2 {
			z := f.Base[0]
			for _, r := range f.Roots {
				z += f.Values[f.leaf(r, row)]
			}
			q := sigmoid(z)
			o[0], o[1] = 1-q, q
			continue
		}
		copy(o, f.Base)
		for t, r := range f.Roots {
			o[f.Class[t]] += f.Values[f.leaf(r, row)]
		}
		softmaxInPlace(o)
	}
}

// binning maps each feature's values to small integer bins for histogram-based tree growth.
// Edges[j] are the thresholds of feature j in ascending order; a value's bin is the number of
// edges ≤ it, so "bin ≤ b" is the same test as "x < Edges[j][b]".
type binning struct {
	Edges [][]float64
}

// fitBinning places at most maxBins−1 edges per feature at midpoints between distinct values,
// chosen at quantiles of the training values when there are more distinct values than bins.
func fitBinning(x []float64, n, p, maxBins int) *binning {
	b := &binning{Edges: make([][]float64, p)}
	col := make([]float64, n)
	for j := 0; j < p; j++ {
		for i := 0; i < n; i++ {
			col[i] = x[i*p+j]
		}
		sort.Float64s(col)
		var distinct []float64
		for i, v := range col {
			if i == 0 || v != col[i-1] {
				distinct = append(distinct, v)
			}
		}
		var edges []float64
		if len(distinct) <= maxBins {
			for i := 1; i < len(distinct); i++ {
				edges = append(edges, (distinct[i-1]+distinct[i])/2)
			}
		} else {
			for q := 1; q < maxBins; q++ {
				v := col[q*n/maxBins]
				// The edge sits just below v's first occurrence, between it and the previous
				// distinct value, so equal values never straddle an edge.
				k := sort.SearchFloat64s(distinct, v)
				if k == 0 {
					continue
				}
				e := (distinct[k-1] + distinct[k]) / 2
				if len(edges) == 0 || e > edges[len(edges)-1] {
					edges = append(edges, e)
				}
			}
		}
		b.Edges[j] = edges
	}
	return b
}

// apply returns the bin of every cell, row-major like x.
func (b *binning) apply(x []float64, n, p int) []uint8 {
	out := make([]uint8, n*p)
	for j := 0; j < p; j++ {
		e := b.Edges[j]
		for i := 0; i < n; i++ {
			v := x[i*p+j]
			// Number of edges ≤ v.
			out[i*p+j] = uint8(sort.Search(len(e), func(k int) bool { return e[k] > v }))
		}
	}
	return out
}

// threshold converts "bin ≤ b goes left" on feature j into a raw threshold.
func (b *binning) threshold(j, bin int) float64 {
	e := b.Edges[j]
	if bin < len(e) {
		return e[bin]
	}
	return math.Inf(1)
}
