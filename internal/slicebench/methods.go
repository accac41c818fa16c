package slicebench

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/growthlens/growthlens/internal/surprise"
	"github.com/growthlens/growthlens/models/rootcause"
)

// Method ranks the root-cause elements of a case, best first, at most top of them.
type Method struct {
	Name string
	Doc  string
	Rank func(c *Case, top int) ([]map[string]string, error)
}

// Methods returns every method the harness compares, the shipped one first.
func Methods() []Method {
	return []Method{
		{"current", "rootcause.Rank, the shipped method behind `rootcause slices` and /v1/rootcauses/slices", rankShipped},
		{"naive", "every element by |excess numerator| (rootcause.RankLargestChange)", rankNaive},
		{"adtributor", "Adtributor (Bhagwan et al. 2014): per dimension, elements by surprise while EP > 0.1 until 0.67 of the change; derived-measure EP for a ratio", rankAdtributor},
		{"squeeze", "Squeeze (Li et al. 2019): deviation-score clusters, top-down search by the generalized potential score", rankSqueeze},
		{"riskloc", "RiskLoc (Kalander 2022): 2-way partition, weighted risk score, layer by layer", rankRiskLoc},
		{"shapley", "Shapley attribution of the ratio's change to each element (element against the rest); the excess for an additive KPI", rankShapley},
	}
}

func options(c *Case, top int) rootcause.Options {
	return rootcause.Options{MaxDims: c.MaxDims, Top: top}
}

func maps(res *rootcause.Result) []map[string]string {
	out := make([]map[string]string, len(res.Slices))
	for i, s := range res.Slices {
		out[i] = s.Map()
	}
	return out
}

func rankShipped(c *Case, top int) ([]map[string]string, error) {
	t, err := c.Table()
	if err != nil {
		return nil, err
	}
	res, err := rootcause.Rank(context.Background(), t, options(c, top))
	if err != nil {
		return nil, err
	}
	return maps(res), nil
}

func rankNaive(c *Case, top int) ([]map[string]string, error) {
	t, err := c.Table()
	if err != nil {
		return nil, err
	}
	res, err := rootcause.RankLargestChange(t, options(c, top))
	if err != nil {
		return nil, err
	}
	return maps(res), nil
}

type scored struct {
	ci    int
	id    int32
	score float64
}

func topOf(k *cube, xs []scored, top int) []map[string]string {
	slices.SortStableFunc(xs, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	var out []map[string]string
	for _, x := range xs[:min(top, len(xs))] {
		out = append(out, k.elem(x.ci, x.id))
	}
	return out
}

// rankShapley scores each element by its Shapley value in the two-player game "this element
// against the rest" for the overall ratio: ½[(R(element actual, rest expected) − R_expected) +
// (R_actual − R(element expected, rest actual))]. For an additive KPI that is the element's
// excess, and the ranking is the naive one.
func rankShapley(c *Case, top int) ([]map[string]string, error) {
	k := newCube(c, c.MaxDims)
	var xs []scored
	if !c.Ratio {
		d := make([]float64, c.Len())
		for l := range d {
			d[l] = k.v[l] - k.f[l]
		}
		for ci := range k.cubs {
			for id, s := range k.sums(ci, d, nil) {
				xs = append(xs, scored{ci, int32(id), math.Abs(s)})
			}
		}
		return topOf(k, xs, top), nil
	}
	tot := func(x []float64) float64 {
		var s float64
		for _, y := range x {
			s += y
		}
		return s
	}
	N, D, EN, ED := tot(c.Num), tot(c.Den), tot(c.ExpNum), tot(c.ExpDen)
	rExp, rAct := EN/ED, N/D
	for ci := range k.cubs {
		n, d, en, ed := k.sums(ci, c.Num, nil), k.sums(ci, c.Den, nil), k.sums(ci, c.ExpNum, nil), k.sums(ci, c.ExpDen, nil)
		for id := range n {
			r1 := safe(EN-en[id]+n[id], ED-ed[id]+d[id])
			r2 := safe(N-n[id]+en[id], D-d[id]+ed[id])
			phi := ((r1 - rExp) + (rAct - r2)) / 2
			xs = append(xs, scored{ci, int32(id), math.Abs(phi)})
		}
	}
	return topOf(k, xs, top), nil
}

func safe(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// rankAdtributor is Adtributor with its published thresholds (T_EP 0.1, T_EEP 0.67): per
// dimension, elements by decreasing surprise are added to a candidate set while their
// explanatory power exceeds T_EP, until the set explains T_EEP of the change; sets are ranked
// by total surprise. For a ratio, EP is the derived-measure EP and surprise sums over the
// numerator and the denominator. It only names one-dimensional elements.
func rankAdtributor(c *Case, top int) ([]map[string]string, error) {
	const tEP, tEEP = 0.1, 0.67
	k := newCube(c, 1)
	var num, den, enum, eden []float64
	if c.Ratio {
		num, den, enum, eden = c.Num, c.Den, c.ExpNum, c.ExpDen
	} else {
		num, enum = c.Actual, c.Expected
	}
	tot := func(x []float64) float64 {
		var s float64
		for _, y := range x {
			s += y
		}
		return s
	}
	A, F := tot(num), tot(enum)
	var AD, FD float64
	if c.Ratio {
		AD, FD = tot(den), tot(eden)
	}
	type set struct {
		elems    []scored
		surprise float64
	}
	var sets []set
	for ci := range k.cubs {
		a, f := k.sums(ci, num, nil), k.sums(ci, enum, nil)
		var ad, fd []float64
		if c.Ratio {
			ad, fd = k.sums(ci, den, nil), k.sums(ci, eden, nil)
		}
		type el struct {
			id       int32
			ep, surp float64
		}
		els := make([]el, len(a))
		var epSum float64
		for id := range a {
			e := el{id: int32(id)}
			if c.Ratio {
				// derived EP: change of the overall ratio if only this element took its actuals
				dN, dD := a[id]-f[id], ad[id]-fd[id]
				e.ep = (dN*FD - dD*F) / (FD * (FD + dD))
				e.surp = surprise.JS(safe(f[id], F), safe(a[id], A)) + surprise.JS(safe(fd[id], FD), safe(ad[id], AD))
			} else {
				e.ep = safe(a[id]-f[id], A-F)
				e.surp = surprise.JS(safe(f[id], F), safe(a[id], A))
			}
			epSum += e.ep
			els[id] = e
		}
		if c.Ratio && epSum != 0 {
			for i := range els {
				els[i].ep /= epSum
			}
		}
		slices.SortFunc(els, func(x, y el) int { return cmp.Compare(y.surp, x.surp) })
		var s set
		var cum float64
		for _, e := range els {
			if e.ep > tEP {
				s.elems = append(s.elems, scored{ci, e.id, e.surp})
				s.surprise += e.surp
				cum += e.ep
				if cum > tEEP {
					sets = append(sets, s)
					break
				}
			}
		}
	}
	slices.SortStableFunc(sets, func(x, y set) int { return cmp.Compare(y.surprise, x.surprise) })
	groups := make([][]scored, len(sets))
	for i, s := range sets {
		groups[i] = s.elems
	}
	return k.flatten(groups, top), nil
}

// flatten lists the elements of ranked groups in order, each once, at most top of them.
func (k *cube) flatten(groups [][]scored, top int) []map[string]string {
	var out []map[string]string
	seen := map[[2]int]bool{}
	for _, g := range groups {
		for _, e := range g {
			key := [2]int{e.ci, int(e.id)}
			if len(out) < top && !seen[key] {
				seen[key] = true
				out = append(out, k.elem(e.ci, e.id))
			}
		}
	}
	return out
}
