package incentive

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Reference: numpy 1.24.2, numpy.linalg.lstsq on the augmented system (rows of the ridge
// penalty on the offsets appended); command: cd models/incentive && /usr/bin/python3
// testdata/perf_reference.py (it also writes testdata/perf.csv).
func TestPerformanceModelMatchesNumPy(t *testing.T) {
	f, err := os.Open("testdata/perf.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var types []int
	var fits, deltas []float64
	for _, r := range recs[1:] {
		k, _ := strconv.Atoi(r[0])
		x, _ := strconv.ParseFloat(r[1], 64)
		d, _ := strconv.ParseFloat(r[2], 64)
		types, fits, deltas = append(types, k), append(fits, x), append(deltas, d)
	}
	m, err := fitPerformance(types, fits, deltas)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-10
	want := struct {
		intercept, slope float64
		offsets          []float64
	}{-0.15188880879843802, 0.38835203175897737, []float64{0.005571948961842044, -0.023342260546342863, 0.0145209669957415,
		-0.0026220086199564285, -0.006376451383750384, 0.01143489622033006, 0.000812908372136309}}
	if math.Abs(m.Intercept-want.intercept) > tol {
		t.Errorf("intercept = %.12f, want %.12f (numpy)", m.Intercept, want.intercept)
	}
	if math.Abs(m.Slope-want.slope) > tol {
		t.Errorf("slope = %.12f, want %.12f (numpy)", m.Slope, want.slope)
	}
	for k, w := range want.offsets {
		if math.Abs(m.Offset[k]-w) > tol {
			t.Errorf("offset[%d] = %.12f, want %.12f (numpy)", k, m.Offset[k], w)
		}
	}
	if m.Rows != len(deltas) {
		t.Errorf("rows = %d, want %d", m.Rows, len(deltas))
	}
	if got := m.Predict(2, 0.5); math.Abs(got-(want.intercept+0.5*want.slope+want.offsets[2])) > tol {
		t.Errorf("Predict(promotion, 0.5) = %v", got)
	}
}

func TestPerformanceModelErrors(t *testing.T) {
	tests := []struct {
		name   string
		types  []int
		fits   []float64
		deltas []float64
		want   string
	}{
		{"too few rows", []int{0, 1}, []float64{0.2, 0.9}, []float64{0, 0.1}, "at least 10"},
		{"fit never varies", make([]int, 12), fill(12, 0.7), fill(12, 0.1), "same estimated fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fitPerformance(tt.types, tt.fits, tt.deltas)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestCostModel(t *testing.T) {
	var samples [numTypes][]costSample
	// Cash bonuses are 5 % of very different salaries: a share of salary.
	for _, s := range []float64{40000, 60000, 90000, 150000} {
		samples[typeIndex("cash_bonus")] = append(samples[typeIndex("cash_bonus")], costSample{0.05 * s, s})
	}
	// Training costs about 2,000 whatever the salary: a flat amount.
	for i, s := range []float64{40000, 60000, 90000, 150000} {
		samples[typeIndex("training")] = append(samples[typeIndex("training")], costSample{1900 + 100*float64(i), s})
	}
	// Promotions raise salary by 10 %, counted for two years here.
	for _, s := range []float64{50000, 80000} {
		samples[typeIndex("promotion")] = append(samples[typeIndex("promotion")], costSample{0.1 * s, s})
	}
	cfg := DefaultConfig()
	cfg.Value.RaiseYears = 2
	cfg.Costs = map[string]Cost{"equity": {Fixed: 1000, SalaryShare: 0.1}}
	m := fitCosts(samples, &cfg)
	tests := []struct {
		typ    string
		salary float64
		want   float64
	}{
		{"cash_bonus", 100000, 5000},
		{"training", 100000, 2050}, // median of 1900, 2000, 2100, 2200
		{"training", 30000, 2050},
		{"promotion", 70000, 14000}, // 10 % × 2 years
		{"equity", 50000, 6000},     // the config's 1000 + 10 %
		{"recognition", 50000, 0},   // nothing recorded
		{"flexible_time", 50000, 0},
	}
	for _, tt := range tests {
		got := m.Cost(typeIndex(tt.typ), tt.salary)
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s at salary %v: cost %v, want %v", tt.typ, tt.salary, got, tt.want)
		}
	}
	if !strings.Contains(m.Basis[typeIndex("recognition")], "no value recorded") {
		t.Errorf("recognition basis %q, want it to say no value is recorded", m.Basis[typeIndex("recognition")])
	}
	if m.Basis[typeIndex("equity")] != "set in the config" {
		t.Errorf("equity basis %q", m.Basis[typeIndex("equity")])
	}
}
