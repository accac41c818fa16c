package slicebench

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/growthlens/growthlens/models/rootcause"
)

func TestGenerateDeterministic(t *testing.T) {
	for _, b := range Benches() {
		if b.Leaves() > 50000 {
			continue
		}
		t.Run(b.Name, func(t *testing.T) {
			x, y := Generate(b.Spec, 7), Generate(b.Spec, 7)
			if !reflect.DeepEqual(x, y) {
				t.Fatal("the same seed gave two different cases")
			}
			if b.Incident != nil {
				if x.Len() > b.Leaves() || x.Len() < b.Leaves()/10 {
					t.Errorf("%d rows, want between a tenth of the cube's %d leaves and all", x.Len(), b.Leaves())
				}
			} else if x.Len() != b.Leaves() {
				t.Errorf("%d leaves, want the full cube's %d", x.Len(), b.Leaves())
			}
			if len(x.Truth) == 0 {
				t.Errorf("no true element")
			}
			if z := Generate(b.Spec, 8); reflect.DeepEqual(x.Truth, z.Truth) && reflect.DeepEqual(x.Actual, z.Actual) && reflect.DeepEqual(x.Num, z.Num) {
				t.Errorf("seeds 7 and 8 gave the same case")
			}
		})
	}
}

// TestTruthMoves checks that every true element moved (its rate, for a ratio) by more than the
// bench's noise allows for a normal element of its size, and that the elements of a case are
// disjoint.
func TestTruthMoves(t *testing.T) {
	for _, name := range []string{"S", "L", "B0", "D"} {
		bs, err := Select(name)
		if err != nil {
			t.Fatal(err)
		}
		b := bs[0]
		for seed := uint64(1); seed <= 5; seed++ {
			c := Generate(b.Spec, seed)
			tb, err := c.Table()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range c.Truth {
				ch, ok, err := tb.SliceChange(e)
				if err != nil || !ok {
					t.Fatalf("%s seed %d: slice %v: ok %v, err %v", name, seed, e, ok, err)
				}
				if math.Abs(ch) < 0.15 {
					t.Errorf("%s seed %d: true element %v changed %+.3f, want at least 15 %%", name, seed, e, ch)
				}
			}
		}
	}
}

func TestScore(t *testing.T) {
	a := map[string]string{"a": "a1"}
	b := map[string]string{"b": "b2", "a": "a1"}
	x := map[string]string{"c": "c3"}
	tests := []struct {
		name            string
		truth, ranked   []map[string]string
		r1, r3, r5, mrr float64
	}{
		{"first", []map[string]string{a}, []map[string]string{a, x}, 1, 1, 1, 1},
		{"second", []map[string]string{a}, []map[string]string{x, a}, 0, 1, 1, 0.5},
		{"two of two", []map[string]string{a, b}, []map[string]string{x, b, a}, 0, 1, 1, 0.5},
		{"listed twice", []map[string]string{a, b}, []map[string]string{a, a, x}, 1, 0.5, 0.5, 1},
		{"missed", []map[string]string{a}, []map[string]string{x}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r1, r3, r5, rr := score(tt.truth, tt.ranked)
			if r1 != tt.r1 || r3 != tt.r3 || r5 != tt.r5 || rr != tt.mrr {
				t.Errorf("got %v %v %v %v, want %v %v %v %v", r1, r3, r5, rr, tt.r1, tt.r3, tt.r5, tt.mrr)
			}
		})
	}
}

// TestMethodsFindAnObviousCause runs every method on a case whose single cause is large (60 %) over
// 2 % noise; each must rank it first.
func TestMethodsFindAnObviousCause(t *testing.T) {
	for _, ratio := range []bool{false, true} {
		s := Spec{Name: "obvious", Dims: []int{4, 5, 3}, Ratio: ratio, Weibull: [2]float64{2, 2},
			Noise: [2]float64{0.02, 0.02}, Severity: [2]float64{0.6, 0.6}, Anomalies: [2]int{1, 1},
			Elements: [2]int{1, 1}, Levels: [2]int{1, 1}, MaxDims: 2}
		c := Generate(s, 3)
		for _, m := range Methods() {
			got, err := m.Rank(c, 5)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			if len(got) == 0 || rootcause.SliceKey(got[0]) != rootcause.SliceKey(c.Truth[0]) {
				t.Errorf("ratio %v, %s: ranked %v first, want %v", ratio, m.Name, got, c.Truth[0])
			}
		}
	}
}

func TestSelect(t *testing.T) {
	v, err := Select("validation")
	if err != nil {
		t.Fatal(err)
	}
	te, _ := Select("test")
	if len(v)+len(te) != len(Benches()) {
		t.Errorf("validation %d + test %d benches, want all %d", len(v), len(te), len(Benches()))
	}
	for _, b := range te {
		if b.Role.FirstSeed() >= 5000 || b.Name == "" {
			t.Errorf("test bench %+v", b)
		}
	}
	if _, err := Select("S,nope"); err == nil {
		t.Error("Select accepted an unknown bench")
	}
}

func TestRun(t *testing.T) {
	bs, _ := Select("B1")
	rows, err := Run(context.Background(), Config{Benches: bs, Cases: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(Methods()) {
		t.Fatalf("%d rows, want one per method (%d)", len(rows), len(Methods()))
	}
	for _, r := range rows {
		if r.Cases != 2 || r.Errors != 0 || r.Seeds != "4000-4001" {
			t.Errorf("row %+v", r)
		}
	}
}

// TestIncidentShape checks what the failure-ratio incidents are for: sparse counts (most rows
// without a failure), a wide first dimension, 1–3 causes 1–3 deep that each hold rows and
// moved their failure rate, and both rises and falls of the rate across cases.
func TestIncidentShape(t *testing.T) {
	bs, err := Select("FV4")
	if err != nil {
		t.Fatal(err)
	}
	b := bs[0]
	rises, falls := 0, 0
	for seed := uint64(1); seed <= 30; seed++ {
		c := Generate(b.Spec, seed)
		zero := 0
		for l := range c.Num {
			if c.Num[l] != math.Trunc(c.Num[l]) || c.Den[l] < 1 || c.Num[l] > c.Den[l] {
				t.Fatalf("seed %d row %d: %g failures of %g events", seed, l, c.Num[l], c.Den[l])
			}
			if c.Num[l] == 0 {
				zero++
			}
		}
		if zero < c.Len()/2 {
			t.Errorf("seed %d: %d of %d rows without a failure, want most", seed, zero, c.Len())
		}
		if n := len(c.Truth); n < 1 || n > 3 {
			t.Errorf("seed %d: %d causes, want 1–3", seed, n)
		}
		tb, err := c.Table()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.Truth {
			if len(e) < 1 || len(e) > 3 {
				t.Errorf("seed %d: cause %v, want 1–3 dimensions", seed, e)
			}
			ch, ok, err := tb.SliceChange(e)
			if err != nil || !ok {
				t.Errorf("seed %d: cause %v holds no row (ok %v, err %v)", seed, e, ok, err)
				continue
			}
			switch {
			case ch > 0.2:
				rises++
			case ch < -0.2:
				falls++
			}
		}
	}
	if rises == 0 || falls == 0 {
		t.Errorf("%d causes rose and %d fell over 30 cases, want both", rises, falls)
	}
}
