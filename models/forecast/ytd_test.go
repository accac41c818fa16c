package forecast

import (
	"math"
	"testing"
)

func TestYearToDate(t *testing.T) {
	sc := &Scope{Periods: []string{"2017Q2", "2017Q3", "2017Q4", "2018Q1"}, History: []float64{3086111, 2982255, 2802496}}
	tests := []struct {
		name                  string
		targets               map[string]float64
		wantTarget, wantCompl float64
	}{
		// The Maven CRM import has no targets: the year's target is unknown, not 0.
		{"no targets", nil, math.NaN(), math.NaN()},
		{"some quarters", map[string]float64{"2017Q4": 3e6}, math.NaN(), math.NaN()},
		{"every quarter", map[string]float64{"2017Q2": 3e6, "2017Q3": 3e6, "2017Q4": 3e6}, 9e6, 8870862.0 / 9e6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, ok := sc.YearToDate("2017Q4", func(q string) float64 {
				if x, ok := tt.targets[q]; ok {
					return x
				}
				return math.NaN()
			})
			if !ok || y.Quarters != 3 || y.Actual != 8870862 || y.Year != "2017" {
				t.Fatalf("got %+v, %v; want 3 quarters of 2017, 8870862", y, ok)
			}
			if !same(y.Target, tt.wantTarget) || !same(y.Completion, tt.wantCompl) {
				t.Errorf("target %v, completion %v; want %v, %v", y.Target, y.Completion, tt.wantTarget, tt.wantCompl)
			}
		})
	}
	if _, ok := sc.YearToDate("2018Q1", func(string) float64 { return 1 }); ok {
		t.Error("a quarter without actuals: ok, want not")
	}
}

func same(a, b float64) bool {
	return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b))
}
