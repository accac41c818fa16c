package forecast

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned for input the package cannot forecast. They are wrapped with detail; test
// with errors.Is.
var (
	ErrTooShort  = errors.New("series too short")
	ErrNonFinite = errors.New("series has a NaN or infinite value")
	ErrPeriod    = errors.New("invalid seasonal period")
	ErrHorizon   = errors.New("invalid horizon")
	ErrLevel     = errors.New("invalid interval level")
	ErrGap       = errors.New("gap or disorder in periods")
	ErrMethod    = errors.New("unknown method")
)

// PeriodIndex names one period of a calendar with Period sub-periods a year: Year 2024, Sub 3
// is the third quarter when Period is 4, or March when Period is 12. Sub counts from 1.
type PeriodIndex struct {
	Year int `json:"year"`
	Sub  int `json:"sub"`
}

// Add returns the period k steps later (k may be negative) in a calendar of period sub-periods.
func (p PeriodIndex) Add(k, period int) PeriodIndex {
	i := p.Year*period + (p.Sub - 1) + k
	y := floorDiv(i, period)
	return PeriodIndex{Year: y, Sub: i - y*period + 1}
}

// String formats quarters as 2024Q3, months as 2024-03 and other calendars as 2024/3.
func (p PeriodIndex) String(period int) string {
	switch period {
	case 4:
		return fmt.Sprintf("%dQ%d", p.Year, p.Sub)
	case 12:
		return fmt.Sprintf("%d-%02d", p.Year, p.Sub)
	default:
		return fmt.Sprintf("%d/%d", p.Year, p.Sub)
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Series is a run of consecutive, equally spaced observations. Period is the number of
// observations per seasonal cycle: 4 for quarterly data, 12 for monthly, 1 for data without a
// seasonal calendar. Start is the period of Values[0]; it only labels output and aligns
// year-on-year growth, and may be left zero.
type Series struct {
	Values []float64
	Period int
	Start  PeriodIndex
}

// Validate reports whether s can be forecast: at least minLen values, all finite, Period ≥ 1.
func (s Series) Validate(minLen int) error {
	if s.Period < 1 {
		return fmt.Errorf("%w: %d (want 1 for none, 4 for quarterly, 12 for monthly)", ErrPeriod, s.Period)
	}
	if len(s.Values) < minLen {
		return fmt.Errorf("%w: %d points, need at least %d", ErrTooShort, len(s.Values), minLen)
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: value %v at index %d", ErrNonFinite, v, i)
		}
	}
	return nil
}

// FromPeriods builds a Series from observations labelled with their periods. The periods must
// be strictly consecutive in the given order; a missing, repeated or out-of-order period is
// reported as ErrGap naming the two periods around it, because silently closing a gap would
// shift every seasonal index after it.
func FromPeriods(periods []PeriodIndex, values []float64, period int) (Series, error) {
	if period < 1 {
		return Series{}, fmt.Errorf("%w: %d", ErrPeriod, period)
	}
	if len(periods) != len(values) {
		return Series{}, fmt.Errorf("from periods: %d periods but %d values", len(periods), len(values))
	}
	for i, p := range periods {
		if p.Sub < 1 || p.Sub > period {
			return Series{}, fmt.Errorf("%w: sub-period %d of %s outside 1..%d", ErrGap, p.Sub, p.String(period), period)
		}
		if i > 0 && periods[i-1].Add(1, period) != p {
			return Series{}, fmt.Errorf("%w: %s follows %s (want %s)", ErrGap, p.String(period),
				periods[i-1].String(period), periods[i-1].Add(1, period).String(period))
		}
	}
	s := Series{Values: append([]float64(nil), values...), Period: period}
	if len(periods) > 0 {
		s.Start = periods[0]
	}
	return s, nil
}

// isConstant reports whether all values are equal (R forecast's is.constant).
func isConstant(y []float64) bool {
	for _, v := range y[1:] {
		if v != y[0] {
			return false
		}
	}
	return true
}

// allPositive reports whether every value is > 0, the condition for multiplicative forms.
func allPositive(y []float64) bool {
	for _, v := range y {
		if !(v > 0) {
			return false
		}
	}
	return true
}
