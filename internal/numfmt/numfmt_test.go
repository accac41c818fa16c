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

func TestFigures(t *testing.T) {
	for _, tt := range []struct {
		name, got, want string
	}{
		{"percent", Percent(1.0171), "101.7 %"},
		{"percent of a negative zero", Percent(-0.00001), "0.0 %"},
		{"percent undefined", Percent(math.NaN()), "–"},
		{"signed percent", SignedPercent(0.139), "+13.9 %"},
		{"signed negative", SignedPercent(-0.041), "-4.1 %"},
		{"signed zero is unsigned", SignedPercent(-0.00001), "0.0 %"},
		{"signed large keeps four digits", SignedPercent(13.254), "+1325 %"},
		{"points", Points(0.067), "+6.7 pt"},
		{"points negative", Points(-0.015), "-1.5 pt"},
		{"points zero", Points(0.0004), "0.0 pt"},
		{"points negative zero", Points(-0.0004), "0.0 pt"},
		{"level share", Level(0.9573, "share of accounts", "CNY"), "95.7 %"},
		{"level money", Level(179602.8, "currency", "CNY"), "179,600 CNY"},
		{"level money per", Level(364.29, "currency per lead", "CNY"), "364.3 CNY per lead"},
		{"level money without a currency", Level(38430, "currency per employee", ""), "38,430 per employee"},
		{"level hours", Level(23.1449, "hours", "CNY"), "23.14 hours"},
		{"level bare", Level(0.7671, "", "CNY"), "0.7671"},
		{"money undefined has no currency", Money(math.NaN(), "EUR"), "–"},
		{"level undefined", Level(math.Inf(1), "days", ""), "–"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
