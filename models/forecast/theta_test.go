package forecast

import (
	"math"
	"testing"
)

// The dynamic trend line of DOTM must equal the least-squares line refitted to y_1..y_t.
func TestThetaDynamicLineIsLeastSquares(t *testing.T) {
	y := []float64{5, 7, 6, 9, 12, 11, 15, 14, 18}
	for n := 2; n <= len(y); n++ {
		_, _, a, b := thetaFilter(y[:n], y[0], 0.5, 2, true, 0, 0)
		wantA, wantB := lineFit(y[:n], 1)
		if math.Abs(a-wantA) > 1e-9 || math.Abs(b-wantB) > 1e-9 {
			t.Errorf("n=%d: A, B = %.9f, %.9f, want %.9f, %.9f", n, a, b, wantA, wantB)
		}
	}
}

// A straight line is forecast exactly by every Theta variant: the SES-with-drift form carries
// the slope into the future.
func TestThetaVariantsExtendALine(t *testing.T) {
	y := make([]float64, 20)
	for i := range y {
		y[i] = 50 + 2.5*float64(i)
	}
	for _, dynamic := range []bool{false, true} {
		fit, err := FitTheta(y, dynamic)
		if err != nil {
			t.Fatal(err)
		}
		for h, got := range fit.Forecast(4) {
			want := 50 + 2.5*float64(20+h)
			if math.Abs(got-want) > 0.05 {
				t.Errorf("dynamic=%v h=%d: forecast %.4f, want %.4f", dynamic, h+1, got, want)
			}
		}
	}
}

func TestFitThetaBounds(t *testing.T) {
	y := []float64{10, 12, 11, 13, 15, 14, 16, 18, 17, 19, 21, 20}
	fit, err := FitTheta(y, true)
	if err != nil {
		t.Fatal(err)
	}
	if fit.Alpha < thetaAlphaLo || fit.Alpha > thetaAlphaHi || fit.Theta < thetaThetaLo {
		t.Errorf("alpha %.4f theta %.4f outside [%.2f, %.2f] × [%.0f, ∞)", fit.Alpha, fit.Theta, thetaAlphaLo, thetaAlphaHi, thetaThetaLo)
	}
	if _, err := FitTheta(y[:2], true); err == nil {
		t.Error("FitTheta on 2 points: want ErrTooShort")
	}
}
