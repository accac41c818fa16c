package classify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Reference: scikit-learn 1.2.1 IsotonicRegression(out_of_bounds="clip") fitted on (s, t) and
// evaluated at q; command: cd models/classify && /usr/bin/python3 testdata/sklearn_reference.py
func TestIsotonicMatchesScikitLearn(t *testing.T) {
	s := []float64{0.1, 0.2, 0.2, 0.3, 0.35, 0.5, 0.55, 0.6, 0.7, 0.9}
	tt := []bool{false, true, false, false, true, false, true, true, false, true}
	// Away from the end pools, whose fitted 0 and 1 are clipped here on purpose (see
	// TestIsotonicNeverReturnsZeroOrOne).
	q := []float64{0.2, 0.25, 0.32, 0.5, 0.52, 0.65}
	want := []float64{0.3333333333, 0.3333333333, 0.4, 0.5, 0.5666666667, 0.6666666667}
	xs, ys := fitIsotonic(s, tt)
	for i, v := range q {
		if got := interpolate(xs, ys, v); math.Abs(got-want[i]) > 1e-9 {
			t.Errorf("isotonic(%v) = %.10f, want %.10f", v, got, want[i])
		}
	}
}

func TestIsotonicNeverReturnsZeroOrOne(t *testing.T) {
	s := []float64{0.1, 0.2, 0.8, 0.9}
	tt := []bool{false, false, true, true}
	xs, ys := fitIsotonic(s, tt)
	lo, hi := interpolate(xs, ys, 0), interpolate(xs, ys, 1)
	if lo <= 0 || hi >= 1 {
		t.Errorf("isotonic ends = %v, %v; want strictly inside (0, 1)", lo, hi)
	}
}

func TestPlattRecoversTheGeneratingMap(t *testing.T) {
	// Scores whose true calibration is P(y=1|s) = σ(2·logit(s) − 1).
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	s := make([]float64, n)
	tt := make([]bool, n)
	for i := range s {
		s[i] = 0.02 + 0.96*rng.Float64()
		tt[i] = rng.Float64() < Sigmoid(2*logit(s[i])-1)
	}
	a, b := fitPlatt(s, tt)
	if math.Abs(a-2) > 0.1 || math.Abs(b+1) > 0.1 {
		t.Errorf("platt a, b = %.3f, %.3f; want about 2, −1", a, b)
	}
}

func TestCalibratorMultiClassRowsSumToOne(t *testing.T) {
	p := []float64{0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.5, 0.4, 0.1}
	y := []int{0, 1, 2, 1}
	for _, method := range calibMethods {
		c := fitCalibrator(method, p, y, 3)
		q := append([]float64(nil), p...)
		c.apply(q, 4, 3)
		for i := 0; i < 4; i++ {
			if s := q[3*i] + q[3*i+1] + q[3*i+2]; math.Abs(s-1) > 1e-12 {
				t.Errorf("%s: row %d sums to %v", method, i, s)
			}
		}
	}
}
