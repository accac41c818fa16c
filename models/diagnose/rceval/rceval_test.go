package rceval

import (
	"context"
	"math"
	"slices"
	"testing"
)

// References from SciPy 1.10:
//
//	spearmanr([0.05,0.01,0.045,0.02,0.015],[0.06,0.009,0.046,0.028,0.032]).correlation  # 0.9
//	spearmanr([1,2,2,3,5],[2,1,3,3,4]).correlation                                      # 0.7631578947368421
func TestSpearmanMatchesSciPy(t *testing.T) {
	cases := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{0.05, 0.01, 0.045, 0.02, 0.015}, []float64{0.06, 0.009, 0.046, 0.028, 0.032}, 0.9},
		{[]float64{1, 2, 2, 3, 5}, []float64{2, 1, 3, 3, 4}, 0.7631578947368421},
		{[]float64{1, 1, 1}, []float64{1, 2, 3}, 0},
	}
	for _, c := range cases {
		if got := spearman(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("spearman(%v, %v) = %.16g, want %.16g", c.a, c.b, got, c.want)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
		err  bool
	}{
		{"1-5", []uint64{1, 2, 3, 4, 5}, false},
		{"7", []uint64{7}, false},
		{"3,1-2, 3", []uint64{1, 2, 3}, false},
		{"5-1", nil, true},
		{"a", nil, true},
		{"", nil, true},
		{"1-999999", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseSeeds(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("ParseSeeds(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got := seedsString([]uint64{1, 2, 3, 5, 7, 8}); got != "1-3,5,7-8" {
		t.Errorf("seedsString = %q, want 1-3,5,7-8", got)
	}
}

// One shocked and one shock-free default-size company: the report has every metric and the
// case counts the protocol implies.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two companies")
	}
	rep, err := Run(context.Background(), Config{Seeds: []uint64{4, 5}, Employees: 100, Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Companies != 2 || rep.DriverNullCases != 32 || rep.SliceNullCases != 8 || rep.DriverCases < 1 || rep.SliceCases < 1 {
		t.Errorf("companies %d, driver cases %d (+%d null), slice cases %d (+%d null); want 2 companies, 32 and 8 null cases",
			rep.Companies, rep.DriverCases, rep.DriverNullCases, rep.SliceCases, rep.SliceNullCases)
	}
	for name, v := range map[string]float64{"driver_top1": rep.Method.DriverTop1, "null_specificity": rep.Method.NullSpecificity,
		"slice_mrr": rep.Method.SliceMRR, "indicator_spearman": rep.Method.IndicatorSpearman} {
		if math.IsNaN(v) || v < -1 || v > 1 {
			t.Errorf("%s = %g, want a number in [-1, 1]", name, v)
		}
	}
	if rep.Seeds != "4-5" {
		t.Errorf("seeds %q", rep.Seeds)
	}
	if _, err := Run(context.Background(), Config{Seeds: []uint64{1}, Employees: 5}); err == nil {
		t.Error("5 employees: want the generator's error")
	}
}
