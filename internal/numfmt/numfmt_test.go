package numfmt

import (
	"math"
	"testing"
)

func TestPlain(t *testing.T) {
	for _, tt := range []struct {
		x    float64
		want string
	}{
		{0, "0"}, {0.000123456, "0.0001235"}, {1234.5, "1,235"}, {179602.8, "179,600"}, {-0.5, "-0.5"},
		{3662862.6663134047, "3,663,000"}, {14030, "14,030"}, {12.5, "12.5"}, {-45757.5, "-45,760"}, {math.NaN(), "–"},
	} {
		if got := Plain(tt.x); got != tt.want {
			t.Errorf("Plain(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
	if got := Spread(-45757.5); got != "far outside its usual variation" {
		t.Errorf("Spread of a near-zero spread: %q", got)
	}
	if got := Spread(-1.34); got != "-1.3× its usual variation" {
		t.Errorf("Spread(-1.34) = %q", got)
	}
}
