package surprise

import (
	"math"
	"testing"
)

func TestJS(t *testing.T) {
	tests := []struct {
		name       string
		p, q, want float64
	}{
		{"same share", 0.3, 0.3, 0},
		{"vanished", 0.2, 0, 0.1 * math.Ln2},
		{"appeared", 0, 0.4, 0.2 * math.Ln2},
		// ½[0.1·ln(0.2/0.3) + 0.5·ln(1/0.6)], by hand
		{"grew", 0.1, 0.5, 0.5 * (0.1*math.Log(0.2/0.6) + 0.5*math.Log(1/0.6))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JS(tt.p, tt.q); math.Abs(got-tt.want) > 1e-15 {
				t.Errorf("JS(%v, %v) = %v, want %v", tt.p, tt.q, got, tt.want)
			}
		})
	}
}
