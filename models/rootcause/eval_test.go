package rootcause

import (
	"context"
	"flag"
	"fmt"
	"testing"
)

// The synthetic evaluation. Seeds 1–200 of each regime were used while developing the method
// (the "dev" seeds); the default run and `make bench-rootcause` score held-out seeds starting at
// 3001, which were never looked at while tuning (every synthetic seed stays below 5000).
var (
	evalCases = flag.Int("rootcause.cases", 200, "synthetic cases per regime in TestSyntheticEvaluation")
	evalOpts  = Options{}
	evalFirst = flag.Uint64("rootcause.first-seed", 3001, "first seed of TestSyntheticEvaluation (1–200 are the dev seeds)")
)

type evalRow struct {
	rg             regime
	method, basel  Metrics
	nLeavesPerCase int
}

func runEval(t testing.TB, rg regime, first uint64, n int) evalRow {
	t.Helper()
	var ms, bs Scorer
	leaves := 0
	for i := 0; i < n; i++ {
		c := generate(rg, first+uint64(i))
		leaves += c.table.Len()
		res, err := Rank(context.Background(), c.table, evalOpts)
		if err != nil {
			t.Fatalf("%s seed %d: Rank: %v", rg, first+uint64(i), err)
		}
		ms.Add(c.truth, res.Claimed(), res.NoDominantCause)
		b, err := RankLargestChange(c.table, Options{})
		if err != nil {
			t.Fatalf("%s seed %d: baseline: %v", rg, first+uint64(i), err)
		}
		bs.Add(c.truth, b.Claimed(), b.NoDominantCause)
	}
	return evalRow{rg: rg, method: ms.Metrics(), basel: bs.Metrics(), nLeavesPerCase: leaves / max(n, 1)}
}

func formatRow(r evalRow) string {
	m, b := r.method, r.basel
	return fmt.Sprintf("%-8s cases=%d null=%d leaves/case=%d | recall@1 %.3f (base %.3f)  recall@3 %.3f (base %.3f)  MRR %.3f (base %.3f)  null-spec %.3f (base %.3f)  sensitivity %.3f (base %.3f)",
		r.rg, m.Cases, m.NullCases, r.nLeavesPerCase,
		m.Recall1, b.Recall1, m.Recall3, b.Recall3, m.MRR, b.MRR, m.NullSpecificity, b.NullSpecificity, m.Sensitivity, b.Sensitivity)
}

// TestSyntheticEvaluation scores Rank and the largest-change baseline on held-out synthetic
// cases and fails when the drilldown misses the targets (recall@3 ≥ 0.90, MRR ≥ 0.80,
// null specificity ≥ 0.90) or does not beat the baseline on recall@3 and MRR.
func TestSyntheticEvaluation(t *testing.T) {
	for _, rg := range []regime{regimeCube, regimeCompany, regimeRatio} {
		t.Run(string(rg), func(t *testing.T) {
			r := runEval(t, rg, *evalFirst, *evalCases)
			t.Log(formatRow(r))
			m, b := r.method, r.basel
			if m.Recall3 < 0.90 {
				t.Errorf("recall@3 = %.3f, want ≥ 0.90", m.Recall3)
			}
			if m.MRR < 0.80 {
				t.Errorf("MRR = %.3f, want ≥ 0.80", m.MRR)
			}
			if m.NullSpecificity < 0.90 {
				t.Errorf("null specificity = %.3f, want ≥ 0.90", m.NullSpecificity)
			}
			if m.Recall3 <= b.Recall3 || m.MRR <= b.MRR {
				t.Errorf("not above the baseline: recall@3 %.3f vs %.3f, MRR %.3f vs %.3f", m.Recall3, b.Recall3, m.MRR, b.MRR)
			}
		})
	}
}
