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

// leaf4 is leaf for four rows at once. The four walks are independent, so the processor
// overlaps their memory loads; on boosted trees this scores about 1.5 times as many rows per
// second as walking one row at a time.
func (f *forest) leaf4(root int32, r0, r1, r2, r3 []float64) (int32, int32, int32, int32) {
	nodes := f.Nodes
	a, b, c, d := root, root, root, root
	for {
		na, nb, nc, nd := &nodes[a], &nodes[b], &nodes[c], &nodes[d]
		if na.Feat < 0 && nb.Feat < 0 && nc.Feat < 0 && nd.Feat < 0 {
			return na.Left, nb.Left, nc.Left, nd.Left
		}
		if na.Feat >= 0 {
			a = na.Left + step(r0[na.Feat] >= na.Thr)
		}
		if nb.Feat >= 0 {
			b = nb.Left + step(r1[nb.Feat] >= nb.Thr)
		}
		if nc.Feat >= 0 {
			c = nc.Left + step(r2[nc.Feat] >= nc.Thr)
		}
		if nd.Feat >= 0 {
			d = nd.Left + step(r3[nd.Feat] >= nd.Thr)
		}
	}
}

func step(right bool) int32 {
	if right {
		return 1
	}
	return 0
}

// probs writes class probabilities for the n rows of x (row-major, p columns) into out (n×K).
// Rows are scored four at a time (see leaf4), each row's trees summed in the same order as
// one at a time, so the result does not depend on the grouping. out doubles as the
// accumulator: scoring allocates nothing.
func (f *forest) probs(x []float64, n, p int, out []float64) {
	k := f.K
	out = out[:n*k]
	row := func(i int) []float64 { return x[i*p : i*p+p] }
	n4 := n - n%4
	switch {
	case !f.Boost:
		for j := range out {
			out[j] = 0
		}
		add := func(i int, v int32) {
			o := out[i*k : i*k+k]
			for j, val := range f.Values[v : v+int32(k)] {
				o[j] += val
			}
		}
		for i := 0; i < n4; i += 4 {
			for _, r := range f.Roots {
				a, b, c, d := f.leaf4(r, row(i), row(i+1), row(i+2), row(i+3))
				add(i, a)
				add(i+1, b)
				add(i+2, c)
				add(i+3, d)
			}
		}
		for i := n4; i < n; i++ {
			for _, r := range f.Roots {
				add(i, f.leaf(r, row(i)))
			}
		}
		s := 1 / float64(len(f.Roots))
		for j := range out {
			out[j] *= s
		}
	case k == 2:
		vals, base := f.Values, f.Base[0]
		for i := 0; i < n4; i += 4 {
			z0, z1, z2, z3 := base, base, base, base
			for _, r := range f.Roots {
				a, b, c, d := f.leaf4(r, row(i), row(i+1), row(i+2), row(i+3))
				z0 += vals[a]
				z1 += vals[b]
				z2 += vals[c]
				z3 += vals[d]
			}
			out[2*i+1], out[2*i+3], out[2*i+5], out[2*i+7] = z0, z1, z2, z3
		}
		for i := n4; i < n; i++ {
			z := base
			for _, r := range f.Roots {
				z += vals[f.leaf(r, row(i))]
			}
			out[2*i+1] = z
		}
		for i := 0; i < n; i++ {
			q := Sigmoid(out[2*i+1])
			out[2*i], out[2*i+1] = 1-q, q
		}
	default:
		for i := 0; i < n; i++ {
			copy(out[i*k:i*k+k], f.Base)
		}
		for i := 0; i < n4; i += 4 {
			for t, r := range f.Roots {
				c := int(f.Class[t])
				l0, l1, l2, l3 := f.leaf4(r, row(i), row(i+1), row(i+2), row(i+3))
				out[i*k+c] += f.Values[l0]
				out[(i+1)*k+c] += f.Values[l1]
				out[(i+2)*k+c] += f.Values[l2]
				out[(i+3)*k+c] += f.Values[l3]
			}
		}
		for i := n4; i < n; i++ {
			for t, r := range f.Roots {
				out[i*k+int(f.Class[t])] += f.Values[f.leaf(r, row(i))]
			}
		}
		for i := 0; i < n; i++ {
			softmaxInPlace(out[i*k : i*k+k])
		}
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
