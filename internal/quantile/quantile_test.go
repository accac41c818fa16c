package quantile

import (
	"math"
	"slices"
	"testing"
)

// The expected values are R's: quantile(c(3, 1, 4, 1, 5, 9, 2, 6), c(0, 0.1, 0.25, 0.5,
// 0.9, 1), type = 7) gives 1.00 1.00 1.75 3.50 6.90 9.00 (R 4.2.2), and median() 3.5;
// median(c(3, 1, 4)) is 3.
func TestAgainstR(t *testing.T) {
	xs := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	orig := slices.Clone(xs)
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.1, 1}, {0.25, 1.75}, {0.5, 3.5}, {0.9, 6.9}, {1, 9}} {
		if got := Of(xs, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Of(q=%g) = %g, want %g", c.q, got, c.want)
		}
	}
	if got := Median(xs); got != 3.5 {
		t.Errorf("Median = %g, want 3.5", got)
	}
	if got := Median([]float64{3, 1, 4}); got != 3 {
		t.Errorf("Median of three = %g, want 3", got)
	}
	if !slices.Equal(xs, orig) {
		t.Errorf("input modified: %v", xs)
	}
	sorted := slices.Sorted(slices.Values(xs))
	if got, want := Sorted(sorted, 0.9), Of(xs, 0.9); got != want {
		t.Errorf("Sorted %g, Of %g", got, want)
	}
}

func TestEmpty(t *testing.T) {
	for name, got := range map[string]float64{"Of": Of(nil, 0.5), "Sorted": Sorted(nil, 0.5), "Median": Median(nil), "SortedMedian": SortedMedian(nil)} {
		if !math.IsNaN(got) {
			t.Errorf("%s(empty) = %g, want NaN", name, got)
		}
	}
	if got := Of([]float64{7}, 0.3); got != 7 {
		t.Errorf("one value: %g, want 7", got)
	}
}

// The driver model's bootstrap intervals were pinned to NumPy before this package existed:
// np.quantile([3,1,4,1,5,9,2,6,5,3], [0, 0.025, 0.5, 0.975, 1]) (linear, R type 7).
func TestAgainstNumPy(t *testing.T) {
	want := []float64{1, 1, 3.5, 8.325, 9}
	for i, q := range []float64{0, 0.025, 0.5, 0.975, 1} {
		if got := Of([]float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}, q); math.Abs(got-want[i]) > 1e-12 {
			t.Errorf("quantile %g: got %g, want %g", q, got, want[i])
		}
	}
}
