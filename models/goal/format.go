package goal

import (
	"math"
	"strconv"

	"github.com/growthlens/growthlens/internal/numfmt"
)

// plain formats a figure for a person to read (numfmt.Plain: four significant digits at
// most, grouped, no exponent).
func plain(x float64) string { return numfmt.Plain(x) }

// Percent formats a fraction as a signed percentage (numfmt.SignedPercent: "+30.0 %",
// "-7.7 %"): how the plan's texts, the CLI and the review page say growth.
func Percent(x float64) string { return numfmt.SignedPercent(x) }

// Points formats a fraction as signed percentage points (numfmt.Points: "+5.2 pt").
func Points(x float64) string { return numfmt.Points(x) }

func signedPct(x float64) string { return Percent(x) }
func points(x float64) string    { return Points(x) }

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
