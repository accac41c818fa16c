package rootcause

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sparseFailures builds a failure-ratio table of sparse counts: 3 dimensions (40, 6, 4), each
// leaf's traffic Poisson with a heavy-tailed mean of about 60 events a period, a 2 % failure
// rate, the expected counts the mean of four earlier periods. The leaves of cause (nil for
// none), given as dimension index → value index, fail at factor times their rate.
func sparseFailures(seed uint64, cause map[int]int, factor float64) *Table {
	r := rand.New(rand.NewPCG(seed, 15))
	cards := []int{40, 6, 4}
	names := []string{"province", "isp", "device"}
	t, _ := NewTable(names)
	dv := make([]string, len(cards))
	for _, leaf := range allLeaves(cards) {
		lambda := 60 * math.Exp(1.2*r.NormFloat64()-0.72)
		rate := 0.02
		var en, ed float64
		for range 4 {
			d := poisson(r, lambda)
			en += binomial(r, d, rate) / 4
			ed += d / 4
		}
		in := cause != nil
		for d, v := range cause {
			in = in && leaf[d] == v
		}
		if in {
			rate *= factor
		}
		d := poisson(r, lambda)
		if d == 0 {
			continue
		}
		for i, x := range leaf {
			dv[i] = fmt.Sprintf("%s%d", names[i][:1], x)
		}
		mustAdd(t.AddRatio(dv, binomial(r, d, rate), d, en, ed))
	}
	return t
}

// TestRankSparseCounts checks the sparse-count path: most leaves of a failure ratio hold no
// failure, so a leaf-level noise model reads every empty leaf as a deep fall; the planted
// cause must come first, and no overall fall may be claimed.
func TestRankSparseCounts(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		tb := sparseFailures(seed, map[int]int{0: 7, 1: 2}, 8)
		v, f, err := tb.leaves()
		if err != nil {
			t.Fatal(err)
		}
		if !tb.sparseCounts(v, f) {
			t.Fatalf("seed %d: sparse failure counts not recognised as sparse counts", seed)
		}
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Slices) == 0 || res.Slices[0].String() != "province=p7 & isp=i2" {
			t.Errorf("seed %d: ranked %v first, want province=p7 & isp=i2", seed, res.Slices)
		}
		if !res.Slices[0].Significant {
			t.Errorf("seed %d: the planted cause (rate ×8) is not significant", seed)
		}
		if res.GlobalChange != 0 {
			t.Errorf("seed %d: claimed an overall change of %+.3f", seed, res.GlobalChange)
		}
		if res.Noise.Power != 1 {
			t.Errorf("seed %d: noise power %g, want 1 for counts", seed, res.Noise.Power)
		}
	}
}

// TestRankSparseCountsNull checks that sparse counts without a cause claim nothing in most
// cubes.
func TestRankSparseCountsNull(t *testing.T) {
	claimed := 0
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := Rank(context.Background(), sparseFailures(100+seed, nil, 1), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.NoDominantCause {
			claimed++
		}
	}
	if claimed > 2 {
		t.Errorf("claimed a cause in %d of 10 cubes without one", claimed)
	}
}

func TestSparseCountsNotForContinuousValues(t *testing.T) {
	tb, _ := NewTable([]string{"region"})
	for i := range 50 {
		mustAdd(tb.AddRatio([]string{fmt.Sprint("r", i)}, 0.5, 3, 0.25, 3))
		mustAdd(tb.AddRatio([]string{fmt.Sprint("s", i)}, 0, 2, 1, 2))
	}
	v, f, _ := tb.leaves()
	if tb.sparseCounts(v, f) {
		t.Error("fractional numerators taken for counts")
	}
	big, _ := NewTable([]string{"region"})
	for i := range 50 {
		mustAdd(big.AddAdditive([]string{fmt.Sprint("r", i)}, 120, 110))
	}
	v, f, _ = big.leaves()
	if big.sparseCounts(v, f) {
		t.Error("whole numbers around 115 taken for sparse counts")
	}
}
