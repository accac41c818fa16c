package forecast

import (
	"math"
	"testing"
)

// The CES recursion, one step by hand: a₀ = 1.2, a₁ = 0.9, l₀ = 10, c₀ = 8, y₁ = 12:
// ε = 2, l₁ = 10 − 0.1·8 + 0.3·2 = 9.8, c₁ = 10 − 0.2·8 + 2.1·2 = 12.6.
func TestCESRecursionByHand(t *testing.T) {
	sse, l, c := cesFilter([]float64{12}, 1.2, 0.9, 10, 8)
	if math.Abs(sse-4) > 1e-12 || math.Abs(l-9.8) > 1e-12 || math.Abs(c-12.6) > 1e-12 {
		t.Errorf("sse, l, c = %v, %v, %v; want 4, 9.8, 12.6", sse, l, c)
	}
	f := (&CESFit{A0: 1.2, A1: 0.9, level: 9.8, inf: 12.6}).Forecast(2)
	// ŷ₁ = l = 9.8; next l = 9.8 − 0.1·12.6 = 8.54.
	if math.Abs(f[0]-9.8) > 1e-12 || math.Abs(f[1]-8.54) > 1e-12 {
		t.Errorf("forecasts %v, want [9.8 8.54]", f)
	}
}

func TestCESStability(t *testing.T) {
	tests := []struct {
		a0, a1 float64
		want   bool
	}{
		{1.3, 1, true},    // the usual start
		{1.0, 1.0, false}, // D = [[1, 0], [−1, 0]]: eigenvalues 1 and 0, not strictly inside
		{3, 1, false},
		{1.3, 3, false},
	}
	for _, tt := range tests {
		if got := cesStable(tt.a0, tt.a1); got != tt.want {
			t.Errorf("cesStable(%v, %v) = %v, want %v", tt.a0, tt.a1, got, tt.want)
		}
	}
}

func TestFitCES(t *testing.T) {
	y := make([]float64, 30)
	for i := range y {
		y[i] = 100 + 2*float64(i) + 3*math.Sin(1.9*float64(i))
	}
	fit, err := FitCES(y)
	if err != nil {
		t.Fatal(err)
	}
	if !cesStable(fit.A0, fit.A1) {
		t.Errorf("fitted a0 %v a1 %v outside the stable region", fit.A0, fit.A1)
	}
	// The fit must explain most of the variance of a trending series.
	_, sd := meanSD(y)
	if fit.MSE > 0.2*sd*sd {
		t.Errorf("one-step MSE %v vs variance %v: CES did not fit the trend", fit.MSE, sd*sd)
	}
	// And keep climbing with it.
	f := fit.Forecast(4)
	if !(f[3] > y[len(y)-1]-5) {
		t.Errorf("forecasts %v fall away from the last value %v", f, y[len(y)-1])
	}
	if _, err := FitCES(y[:4]); err == nil {
		t.Error("FitCES on 4 points: want ErrTooShort")
	}
}
