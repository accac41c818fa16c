package forecast

import (
	"math"
	"strings"
)

// YearToDate is a scope's revenue from the start of a year through one of its quarters,
// against those quarters' targets: the review page's, the API's and the CLI's "year to date".
type YearToDate struct {
	// Through is the last quarter counted, Year its year and Quarters how many were counted.
	Through  string
	Year     string
	Quarters int
	// Actual is the sum over the quarters; Target is the sum of their targets, NaN unless
	// every quarter counted has one (a sum over some of them is no year's target: an import
	// without targets showed "8,871,000 USD / 0 USD").
	Actual, Target float64
	// Completion is Actual / Target; NaN unless every quarter counted has a target.
	Completion float64
}

// YearToDate sums the scope's quarterly History from the start of through's year through
// through, with target giving each quarter's target (≤ 0 or NaN for none). ok is false when
// through is not a quarter (YYYYQn) of History.
func (s *Scope) YearToDate(through string, target func(period string) float64) (y YearToDate, ok bool) {
	i := -1
	for t, p := range s.Periods {
		if p == through && t < len(s.History) {
			i = t
		}
	}
	year, _, isQuarter := strings.Cut(through, "Q")
	if i < 0 || !isQuarter || len(year) != 4 {
		return y, false
	}
	y = YearToDate{Through: through, Year: year, Completion: math.NaN()}
	all := true
	for t := 0; t <= i; t++ {
		if !strings.HasPrefix(s.Periods[t], year+"Q") {
			continue
		}
		y.Quarters++
		y.Actual += s.History[t]
		if tg := target(s.Periods[t]); tg > 0 {
			y.Target += tg
		} else {
			all = false
		}
	}
	if !all || y.Target <= 0 {
		y.Target = math.NaN()
		return y, true
	}
	y.Completion = y.Actual / y.Target
	return y, true
}
