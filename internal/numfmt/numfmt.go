// Package numfmt formats numbers for people: at most four significant digits, digits grouped
// in thousands, never exponent notation, and a minus sign for negatives.
package numfmt

import (
	"math"
	"strconv"
	"strings"
)

// Plain formats x with at most four significant digits and no exponent: 0.000123 is
// "0.000123", 1234.5 is "1,235", 179602.8 is "179,600", −0.5 is "-0.5".
func Plain(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "–"
	case x == 0:
		return "0"
	}
	mag := int(math.Floor(math.Log10(math.Abs(x))))
	p := math.Pow(10, float64(3-mag))
	r := math.Round(x*p) / p
	if dec := 3 - mag; dec > 0 {
		s := strconv.FormatFloat(r, 'f', dec, 64)
		return strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return Group(r)
}

// Group formats x rounded to a whole number, digits grouped in thousands ("-1,234,000").
func Group(x float64) string {
	s := strconv.FormatFloat(math.Abs(math.Round(x)), 'f', 0, 64)
	var b strings.Builder
	if math.Round(x) < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Amount formats x in a unit: Plain(x) followed by the unit ("179,600 currency"); an
// undefined x is "–" alone.
func Amount(x float64, unit string) string {
	if unit == "" || bad(x) {
		return Plain(x)
	}
	return Plain(x) + " " + unit
}

// Money formats an amount of money: Plain(x) followed by the currency code when there is one
// ("179,600 CNY").
func Money(x float64, currency string) string { return Amount(x, currency) }

// Unit names a unit for a person: the catalogue's "currency" (and "currency per …") becomes
// the dataset's currency code when it has one.
func Unit(unit, currency string) string {
	if currency != "" && strings.HasPrefix(unit, "currency") {
		return currency + strings.TrimPrefix(unit, "currency")
	}
	return unit
}

// Spread says how far a move is from the usual in units of its usual variation, or in words
// when the usual variation is too small to divide by (|z| above 99: "far outside its usual
// variation").
func Spread(z float64) string {
	if math.IsNaN(z) || math.IsInf(z, 0) || math.Abs(z) > 99 {
		return "far outside its usual variation"
	}
	return strconv.FormatFloat(z, 'f', 1, 64) + "× its usual variation"
}

// The functions below format the figures every surface shows — the review page, the API's
// sentences and the CLI's tables — so that a person reads the same figure in each: a share as
// a percentage with one decimal, a change as a signed percentage or in percentage points, a
// level in its unit. Undefined values (NaN, ±Inf) are "–".

// Percent formats a fraction as a percentage with one decimal: 1.0171 is "101.7 %", 0.1234
// is "12.3 %".
func Percent(frac float64) string {
	if bad(frac) {
		return "–"
	}
	return fixed(100*frac, 1) + " %"
}

// SignedPercent formats a fraction as a signed percentage with one decimal at most and no
// more than four significant digits: 0.139 is "+13.9 %", -0.041 is "-4.1 %", 13.254 is
// "+1325 %"; a change that rounds to zero is "0.0 %", unsigned.
func SignedPercent(frac float64) string {
	if bad(frac) {
		return "–"
	}
	x := roundSig(100*frac, 4)
	dec := 1
	if x != 0 {
		dec = min(1, max(0, 3-int(math.Floor(math.Log10(math.Abs(x))))))
	}
	return signed(fixed(x, dec)) + " %"
}

// Points formats a change of a fraction (growth, or log revenue) in percentage points with
// one decimal: 0.067 is "+6.7 pt", -0.015 is "-1.5 pt"; a change that rounds to zero is
// "0.0 pt", unsigned.
func Points(x float64) string {
	if bad(x) {
		return "–"
	}
	return signed(fixed(100*x, 1)) + " pt"
}

// Level formats a level (a driver's, an indicator's current value or target) in its
// catalogue unit: a "share …" as a percentage (0.957 is "95.7 %"), money with the currency
// ("179,600 CNY", "364.3 CNY per lead"), anything else as Plain followed by the unit
// ("23.14 hours", "493 opportunities").
func Level(x float64, unit, currency string) string {
	switch {
	case bad(x):
		return "–"
	case strings.HasPrefix(unit, "share"):
		return Percent(x)
	case unit == "currency" || strings.HasPrefix(unit, "currency "):
		return Money(x, currency) + strings.TrimPrefix(unit, "currency")
	}
	return strings.TrimSpace(Plain(x) + " " + unit)
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// fixed formats x with dec decimals, without a sign on a value that rounds to zero.
func fixed(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		s = s[1:]
	}
	return s
}

// signed puts a plus before a positive number; zero ("0", "0.0") stays unsigned.
func signed(s string) string {
	if strings.HasPrefix(s, "-") || strings.Trim(s, "0.") == "" {
		return s
	}
	return "+" + s
}

// roundSig rounds x to n significant digits.
func roundSig(x float64, n int) float64 {
	if x == 0 || bad(x) {
		return x
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}
