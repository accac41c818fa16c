package rootcause

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// benchTable builds a 100,000-leaf table: five dimensions of 10 values, Weibull(0.7) sizes,
// 10 % multiplicative noise, and one cause (b=b3 & d=d7 down 40 %).
func benchTable(tb testing.TB) *Table {
	return benchTableOf(tb, []int{10, 10, 10, 10, 10})
}

// benchTableOf builds benchTable's cube with the given cardinalities (at least four dimensions
// of at least 7 values).
func benchTableOf(tb testing.TB, cards []int) *Table {
	tb.Helper()
	r := rand.New(rand.NewPCG(42, 42))
	names, vals := cubeDims(cards)
	t, err := NewTable(names)
	if err != nil {
		tb.Fatal(err)
	}
	dv := make([]string, len(cards))
	for _, l := range allLeaves(cards) {
		for d, x := range l {
			dv[d] = vals[d][x]
		}
		f := 100 * weibull(r, 0.7)
		v := math.Max(0, f*(1+0.1*r.NormFloat64()))
		if l[1] == 2 && l[3] == 6 {
			v *= 0.6
		}
		if err := t.AddAdditive(dv, v, f); err != nil {
			tb.Fatal(err)
		}
	}
	return t
}

// BenchmarkRank100k times Rank on 100,000 leaves (slices of up to three of five dimensions:
// 25 cuboids, 11,110 candidate slices).
func BenchmarkRank100k(b *testing.B) {
	t := benchTable(b)
	b.ResetTimer()
	for b.Loop() {
		res, err := Rank(context.Background(), t, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := SliceKey(res.Slices[0].Map()); got != "b=b3&d=d7" {
			b.Fatalf("top slice %s, want b=b3&d=d7", got)
		}
	}
}

// BenchmarkRank1M times Rank on 1,000,000 leaves (five dimensions, one of 100 values) asking
// for 20 slices: the bound is 10 s and 1 GiB (run with -cpu 1 -benchmem).
func BenchmarkRank1M(b *testing.B) {
	t := benchTableOf(b, []int{10, 10, 10, 10, 100})
	b.ResetTimer()
	for b.Loop() {
		res, err := Rank(context.Background(), t, Options{Top: 20})
		if err != nil {
			b.Fatal(err)
		}
		if got := SliceKey(res.Slices[0].Map()); got != "b=b3&d=d7" {
			b.Fatalf("top slice %s, want b=b3&d=d7", got)
		}
	}
}

// BenchmarkLargestChange100k times the baseline on the same table.
func BenchmarkLargestChange100k(b *testing.B) {
	t := benchTable(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := RankLargestChange(t, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
