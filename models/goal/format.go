package goal

import (
	"math"
	"strconv"
	"strings"
)

// plain formats a figure for a person to read: four significant digits at most, no exponent,
// thousands separated by commas (179,600; 23.14; 0.0123).
func plain(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	if x == 0 {
		return "0"
	}
	mag := int(math.Floor(math.Log10(math.Abs(x))))
	dec := max(0, 3-mag)
	scale := math.Pow(10, float64(mag-3))
	if mag >= 3 {
		x = math.Round(x/scale) * scale
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 {
		b.WriteString("−")
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// signedPct formats a fraction as a signed percentage with one decimal ("+30 %", "+7.7 %").
func signedPct(x float64) string {
	return signed(100*x) + " %"
}

// points formats a fraction as signed percentage points ("+5.2 pt").
func points(x float64) string { return signed(100*x) + " pt" }

func signed(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	switch {
	case s == "0":
		return "0"
	case x < 0:
		return "−" + s
	}
	return "+" + s
}

// Figure is a number that may be unknown (NaN: the data have no value): JSON writes it as
// null, and a finite one without an exponent.
type Figure float64

// MarshalJSON writes null for NaN or ±Inf.
func (f Figure) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, x, 'f', -1, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (f *Figure) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Figure(math.NaN())
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	*f = Figure(x)
	return err
}
