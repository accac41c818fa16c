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

// Amount formats x in a unit: Plain(x) followed by the unit ("179,600 currency").
func Amount(x float64, unit string) string {
	if unit == "" {
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
