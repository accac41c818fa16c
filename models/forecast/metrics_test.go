package forecast

import (
	"math"
	"testing"
)

func TestMetrics(t *testing.T) {
	insample := []float64{10, 12, 14, 16, 11, 13, 15, 17} // seasonal diffs (m=4): 1,1,1,1
	y := []float64{12, 14}
	f := []float64{11, 16}
	lo := []float64{11.5, 13}
	hi := []float64{13, 15}
	// sMAPE = 100·(|12−11|/23 + |14−16|/30) = 100·(0.0434783 + 0.0666667).
	if got, want := SMAPE(y, f), 100*(1.0/23+2.0/30); math.Abs(got-want) > 1e-12 {
		t.Errorf("SMAPE = %v, want %v", got, want)
	}
	if got := SMAPE([]float64{0}, []float64{0}); got != 0 {
		t.Errorf("SMAPE(0,0) = %v, want 0", got)
	}
	if got := MASEScale(insample, 4); got != 1 {
		t.Errorf("MASEScale = %v, want 1", got)
	}
	if got := MASEScale([]float64{1, 3, 2}, 4); got != 1.5 { // falls back to m = 1
		t.Errorf("MASEScale short = %v, want 1.5", got)
	}
	if got := MASE(insample, y, f, 4); got != 1.5 {
		t.Errorf("MASE = %v, want 1.5", got)
	}
	// MSIS at 80 % (α = 0.2): widths 1.5 and 2; y=12 inside; y=14 inside. Then a miss:
	if got := MSIS(insample, y, lo, hi, 80, 4); math.Abs(got-1.75) > 1e-12 {
		t.Errorf("MSIS = %v, want 1.75", got)
	}
	// y=10 below lo=11.5 by 1.5: penalty 2/0.2·1.5 = 15, plus width 1.5.
	if got := MSIS(insample, []float64{10}, lo[:1], hi[:1], 80, 4); math.Abs(got-16.5) > 1e-12 {
		t.Errorf("MSIS miss = %v, want 16.5", got)
	}
	if got := Coverage([]float64{12, 16}, lo, hi); got != 0.5 {
		t.Errorf("Coverage = %v, want 0.5", got)
	}
	if got := OWA(9, 1.1, 10, 1.2); math.Abs(got-(0.9+1.1/1.2)/2) > 1e-12 {
		t.Errorf("OWA = %v", got)
	}
}
