package incentive

import "testing"

// TestFourFifths checks the ratio: lowest band rate over the highest, bands under
// MinBandEmployees left out, nil when no counted band selects.
func TestFourFifths(t *testing.T) {
	cases := []struct {
		name      string
		employees []int
		rates     []float64
		want      float64 // -1: nil
	}{
		{"all bands", []int{20, 40, 30, 10}, []float64{0.5, 0.4, 0.25, 0.3}, 0.5},
		{"a small band left out", []int{20, 40, 30, 9}, []float64{0.5, 0.4, 0.45, 0}, 0.8},
		{"one band never selected", []int{20, 40, 30, 10}, []float64{0.5, 0, 0.45, 0.1}, 0},
		{"nobody selected", []int{20, 40, 30, 10}, []float64{0, 0, 0, 0}, -1},
		{"selected only in a small band", []int{20, 40, 30, 5}, []float64{0, 0, 0, 0.6}, -1},
	}
	for _, c := range cases {
		got := fourFifths(c.employees, c.rates)
		switch {
		case c.want < 0 && got != nil:
			t.Errorf("%s: %v, want none", c.name, *got)
		case c.want >= 0 && (got == nil || *got != c.want):
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
