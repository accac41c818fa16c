package forecast

import (
	"strings"
	"testing"
)

func TestAssess(t *testing.T) {
	start := PeriodIndex{Year: 2017, Sub: 2}
	steady := quarterly(12)
	noisy := []float64{100, 10, 250, 5, 180, 30, 260, 2, 150, 40, 300, 8}
	tests := []struct {
		name   string
		y      []float64
		status string
		want   []string // substrings of Reason and Fix
	}{
		{"three quarters", []float64{2.41e6, 2.55e6, 2.80e6}, StatusWithheld, []string{"only 3 complete quarters", "2017Q2 to 2017Q4", "import 5 more quarters", "back to 2016Q1", "wait until 2019Q1"}},
		{"seven quarters", steady[:7], StatusWithheld, []string{"only 7 complete quarters", "import 1 more"}},
		{"constant", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5}, StatusUncertain, []string{"constant"}},
		{"erratic", noisy, StatusUncertain, []string{"80 % interval", "wider than the forecast"}},
		{"steady", steady, StatusOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Series{Values: tt.y, Period: 4, Start: start}
			res, err := Auto(s, Options{Horizon: 4})
			if err != nil {
				t.Fatal(err)
			}
			v := Assess(s, res)
			if v.Status != tt.status {
				t.Fatalf("status %q (%s), want %q", v.Status, v.Reason, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(v.Reason+" | "+v.Fix, w) {
					t.Errorf("verdict %+v lacks %q", v, w)
				}
			}
			if v.Status == StatusWithheld && v.Fix == "" {
				t.Errorf("withheld without a fix: %+v", v)
			}
		})
	}
}

// ARIMA is left out below three seasonal cycles (its seasonal search could repeat one odd
// quarter for ever) and combined again from three.
func TestARIMAMinimumHistory(t *testing.T) {
	y := quarterly(12)
	for _, n := range []int{9, 11, 12} {
		res, err := Auto(Series{Values: y[:n], Period: 4}, Options{Horizon: 4})
		if err != nil {
			t.Fatal(err)
		}
		has := false
		for _, mf := range res.Members {
			has = has || mf.Name == "arima"
		}
		if want := n >= 12; has != want {
			t.Errorf("n=%d: arima among the members %v, want %v (%s)", n, has, want, res.Method)
		}
	}
}
