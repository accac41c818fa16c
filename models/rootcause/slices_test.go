package rootcause

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// companyTable builds region × product × channel leaves (4 × 4 × 3) with 3 % multiplicative
// noise; shock returns the factor applied to a leaf's actual.
func companyTable(t *testing.T, seed uint64, shock func(region, product, channel string) float64) *Table {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	tb, err := NewTable([]string{"region", "product", "channel"})
	if err != nil {
		t.Fatal(err)
	}
	for _, reg := range []string{"East", "West", "North", "South"} {
		for _, p := range []string{"GTX", "GTXPro", "MG", "Zeta"} {
			for _, c := range []string{"direct", "partner", "online"} {
				f := 100 * math.Exp(0.4*r.NormFloat64())
				v := f * (1 + 0.03*r.NormFloat64()) * shock(reg, p, c)
				if err := tb.AddAdditive([]string{reg, p, c}, v, f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return tb
}

func claimedKeys(res *Result) []string {
	var out []string
	for _, m := range res.Claimed() {
		out = append(out, SliceKey(m))
	}
	return out
}

// TestRankParentChild pins the collapsing of parent/child duplicates both ways, and that a
// child is listed beside its parent when it carries extra deviation of its own.
func TestRankParentChild(t *testing.T) {
	tests := []struct {
		name  string
		shock func(reg, p, c string) float64
		want  []string // claimed slices, in order
	}{
		{"parent explains it", func(reg, p, c string) float64 {
			if reg == "East" {
				return 0.7
			}
			return 1
		}, []string{"region=East"}},
		{"child explains it", func(reg, p, c string) float64 {
			if reg == "East" && p == "GTX" {
				return 0.5
			}
			return 1
		}, []string{"product=GTX&region=East"}},
		{"grandchild explains it", func(reg, p, c string) float64 {
			if reg == "West" && p == "MG" && c == "online" {
				return 0.3
			}
			return 1
		}, []string{"channel=online&product=MG&region=West"}},
		{"parent and a worse child", func(reg, p, c string) float64 {
			switch {
			case reg == "East" && p == "GTX":
				return 0.4
			case reg == "East":
				return 0.8
			}
			return 1
		}, []string{"product=GTX&region=East", "region=East"}},
		{"two siblings", func(reg, p, c string) float64 {
			if p == "Zeta" && (reg == "North" || reg == "South") {
				return 0.6
			}
			return 1
		}, []string{"product=Zeta&region=North", "product=Zeta&region=South"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Rank(context.Background(), companyTable(t, 1, tt.shock), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := claimedKeys(res)
			if fmt.Sprint(sortedIfSiblings(got, tt.name)) != fmt.Sprint(tt.want) {
				for _, s := range res.Slices {
					t.Logf("  %s score=%.1f change=%.3f share=%.3f significant=%v", s, s.Score, s.Change, s.Share, s.Significant)
				}
				t.Fatalf("claimed %v, want %v", got, tt.want)
			}
			if res.NoDominantCause {
				t.Errorf("NoDominantCause = true, want false")
			}
		})
	}
}

// sortedIfSiblings orders two equally strong sibling causes, whose order is a coin toss.
func sortedIfSiblings(keys []string, name string) []string {
	if name == "two siblings" && len(keys) == 2 && keys[0] > keys[1] {
		return []string{keys[1], keys[0]}
	}
	return keys
}

// TestRankNoDominantCause pins the null answers: pure noise, a uniform shift of everything, and
// a deviation so small that only its size makes it significant.
func TestRankNoDominantCause(t *testing.T) {
	tests := []struct {
		name       string
		shock      func(reg, p, c string) float64
		wantGlobal float64 // expected GlobalChange, ±0.02
	}{
		{"noise only", func(reg, p, c string) float64 { return 1 }, 0},
		{"uniform shift", func(reg, p, c string) float64 { return 0.9 }, -0.1},
		{"immaterial region drift", func(reg, p, c string) float64 {
			if reg == "South" {
				return 0.985 // half the leaf noise
			}
			return 1
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				res, err := Rank(context.Background(), companyTable(t, seed, tt.shock), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !res.NoDominantCause {
					t.Errorf("seed %d: NoDominantCause = false, claimed %v", seed, claimedKeys(res))
				}
				if len(res.Claimed()) != 0 {
					t.Errorf("seed %d: Claimed() = %v, want none", seed, claimedKeys(res))
				}
				if math.Abs(res.GlobalChange-tt.wantGlobal) > 0.02 {
					t.Errorf("seed %d: GlobalChange = %.3f, want %.3f ± 0.02", seed, res.GlobalChange, tt.wantGlobal)
				}
			}
		})
	}
}

// TestRankNumbers pins share, surprise, change and totals on a noise-free table small enough
// to check by hand. Reference values from /usr/bin/python3:
//
//	def js(p,q): m=(p+q)/2; return (p*log(p/m) + q*log(q/m))/2
//	js(100/400, 50/350)                     -> 0.007398562022215678
//	N,D,EN,ED = 53,220,60,200; dN,dD = -10,20
//	(dN*ED-dD*EN)/(ED*(ED+dD))/(N/D-EN/ED)  -> 1.2307692307692308
//	js(30/60, 20/53) + js(100/200, 120/220) -> 0.004794153867761679
func TestRankNumbers(t *testing.T) {
	const tol = 1e-9
	t.Run("additive", func(t *testing.T) {
		tb := mustTable(t, []string{"region", "product"},
			[][]string{{"East", "GTX"}, {"East", "MG"}, {"West", "GTX"}, {"West", "MG"}},
			[]float64{50, 100, 100, 100}, []float64{100, 100, 100, 100})
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		top := res.Slices[0]
		checks := []struct {
			name      string
			got, want float64
		}{
			{"share", top.Share, 1},
			{"surprise", top.Surprise, 0.007398562022215678},
			{"change", top.Change, -0.5},
			{"actual", top.Actual, 50},
			{"expected", top.Expected, 100},
			{"total actual", res.Actual, 350},
			{"total expected", res.Expected, 400},
		}
		if got := top.String(); got != "region=East & product=GTX" {
			t.Fatalf("top slice %q, want region=East & product=GTX", got)
		}
		for _, c := range checks {
			if math.Abs(c.got-c.want) > tol {
				t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
			}
		}
		if res.NoDominantCause || !top.Significant {
			t.Errorf("NoDominantCause = %v, top significant = %v; want a significant cause", res.NoDominantCause, top.Significant)
		}
	})
	t.Run("ratio", func(t *testing.T) {
		tb, _ := NewTable([]string{"region"})
		for _, l := range []struct {
			r               string
			n, d, en, edVal float64
		}{{"East", 20, 120, 30, 100}, {"West", 33, 100, 30, 100}} {
			if err := tb.AddRatio([]string{l.r}, l.n, l.d, l.en, l.edVal); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var east *Slice
		for i := range res.Slices {
			if res.Slices[i].String() == "region=East" {
				east = &res.Slices[i]
			}
		}
		if east == nil {
			t.Fatalf("region=East not listed: %+v", res.Slices)
		}
		checks := []struct {
			name      string
			got, want float64
		}{
			{"share", east.Share, 1.2307692307692308},
			{"surprise", east.Surprise, 0.004794153867761679},
			{"actual rate", east.Actual, 20.0 / 120},
			{"expected rate", east.Expected, 0.3},
			{"overall actual", res.Actual, 53.0 / 220},
			{"overall expected", res.Expected, 0.3},
		}
		for _, c := range checks {
			if math.Abs(c.got-c.want) > tol {
				t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
			}
		}
	})
}

// TestRankRatio checks that a ratio KPI names the slice whose rate fell, and that a pure
// volume shift between leaves with different rates is mix, not a cause.
func TestRankRatio(t *testing.T) {
	t.Run("win rate falls", func(t *testing.T) {
		tb, err := readFixture(t, "west_online_winrate.csv", Columns{Dims: []string{"region", "product", "channel"},
			Numerator: "won", Denominator: "leads", ExpectedNumerator: "won_plan", ExpectedDenominator: "leads_plan"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := claimedKeys(res)
		if len(got) == 0 || got[0] != "channel=online&region=West" {
			t.Fatalf("claimed %v, want channel=online&region=West first", got)
		}
		if c := res.Slices[0].Change; c > -0.3 || c < -0.7 {
			t.Errorf("change %.3f, want about -0.5 (the rate was halved)", c)
		}
	})
	t.Run("mix shift only", func(t *testing.T) {
		tb, _ := NewTable([]string{"region"})
		// Rates 0.2 and 0.4 exactly as planned; East's volume doubled.
		mustAdd(tb.AddRatio([]string{"East"}, 40, 200, 20, 100))
		mustAdd(tb.AddRatio([]string{"West"}, 40, 100, 40, 100))
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.NoDominantCause {
			t.Errorf("NoDominantCause = false, claimed %v", claimedKeys(res))
		}
		if math.Abs(res.MixShare-1) > 1e-12 {
			t.Errorf("MixShare = %.12g, want 1", res.MixShare)
		}
	})
	t.Run("zero expected denominator takes the overall rate", func(t *testing.T) {
		tb, _ := NewTable([]string{"region"})
		mustAdd(tb.AddRatio([]string{"East"}, 30, 100, 30, 100))
		mustAdd(tb.AddRatio([]string{"West"}, 30, 100, 30, 100))
		mustAdd(tb.AddRatio([]string{"New"}, 6, 20, 0, 0)) // a new region without a plan, at the plan's 30 %
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.NoDominantCause {
			t.Errorf("NoDominantCause = false, claimed %v; the new region runs at the overall rate", claimedKeys(res))
		}
	})
}

// TestRankFixture runs the committed additive fixture end to end.
func TestRankFixture(t *testing.T) {
	tb, err := readFixture(t, "east_gtx.csv", Columns{Dims: []string{"region", "product", "channel"}, Actual: "revenue", Expected: "target"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Rank(context.Background(), tb, Options{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := claimedKeys(res); len(got) != 1 || got[0] != "product=GTX&region=East" {
		t.Fatalf("claimed %v, want [product=GTX&region=East]", got)
	}
	if n := len(res.Slices); n != 3 {
		t.Errorf("listed %d slices, want Top = 3", n)
	}
	if s := res.Slices[0].Share; s < 0.8 {
		t.Errorf("share %.3f, want most of the gap (≥ 0.8)", s)
	}
}

// TestRankDeterministic guards against map-order dependence.
func TestRankDeterministic(t *testing.T) {
	tb := generate(regimeCube, 3).table
	first, err := Rank(context.Background(), tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, _ := Rank(context.Background(), tb, Options{})
		if fmt.Sprint(again.Slices) != fmt.Sprint(first.Slices) {
			t.Fatalf("run %d differs:\n%v\nvs\n%v", i, again.Slices, first.Slices)
		}
	}
}

// TestBaselineRanksByAbsoluteChange pins what the baseline is: the biggest absolute gap first,
// parents included, no collapsing.
func TestBaselineRanksByAbsoluteChange(t *testing.T) {
	tb := mustTable(t, []string{"region", "product"},
		[][]string{{"East", "GTX"}, {"East", "MG"}, {"West", "GTX"}, {"West", "MG"}},
		[]float64{50, 90, 100, 100}, []float64{100, 100, 100, 100})
	res, err := RankLargestChange(tb, Options{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Slices {
		got = append(got, SliceKey(s.Map()))
	}
	// East: −60; then product=GTX and East&GTX tie at −50 (stable order: level 1 first).
	want := []string{"region=East", "product=GTX", "product=GTX&region=East"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("baseline ranked %v, want %v", got, want)
	}
}

// TestRankEdgeValues pins the documented behaviour of zero expected values and exact data.
func TestRankEdgeValues(t *testing.T) {
	t.Run("new product from zero", func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 5))
		tb, _ := NewTable([]string{"region", "product"})
		for _, reg := range []string{"East", "West", "North", "South"} {
			for _, p := range []string{"GTX", "MG", "Zeta", "New"} {
				f := 100 * math.Exp(0.3*r.NormFloat64())
				v := f * (1 + 0.03*r.NormFloat64())
				if p == "New" {
					f, v = 0, 40+10*r.Float64()
				}
				mustAdd(tb.AddAdditive([]string{reg, p}, v, f))
			}
		}
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := claimedKeys(res); len(got) != 1 || got[0] != "product=New" {
			t.Fatalf("claimed %v, want [product=New]", got)
		}
	})
	t.Run("exact match", func(t *testing.T) {
		tb := mustTable(t, []string{"region"}, [][]string{{"East"}, {"West"}, {"North"}}, []float64{5, 7, 0}, []float64{5, 7, 0})
		res, err := Rank(context.Background(), tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.NoDominantCause {
			t.Fatalf("NoDominantCause = false on exact data, claimed %v", claimedKeys(res))
		}
	})
	t.Run("four-dimension slices on request", func(t *testing.T) {
		c := generate(regimeCube, 11)
		dims := c.table.Dims()
		if len(dims) < 4 {
			t.Skipf("seed gives %d dimensions", len(dims))
		}
		res3, _ := Rank(context.Background(), c.table, Options{})
		res4, err := Rank(context.Background(), c.table, Options{MaxDims: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res4.Candidates <= res3.Candidates {
			t.Errorf("candidates with MaxDims 4 = %d, want more than with 3 (%d)", res4.Candidates, res3.Candidates)
		}
	})
}

func TestRankStopsWhenCancelled(t *testing.T) {
	tb := mustTable(t, []string{"region", "product"},
		[][]string{{"East", "GTX"}, {"East", "MG"}, {"West", "GTX"}, {"West", "MG"}},
		[]float64{50, 100, 100, 100}, []float64{100, 100, 100, 100})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := Rank(ctx, tb, Options{}); !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("Rank with a cancelled context = %v, %v; want no result and context.Canceled", res, err)
	}
}
