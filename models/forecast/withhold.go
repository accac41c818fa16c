package forecast

import "fmt"

// Publication statuses of a forecast (Verdict.Status).
const (
	// StatusOK: the forecast is shown with its intervals.
	StatusOK = "ok"
	// StatusUncertain: the forecast is shown, labelled uncertain, because its interval is
	// too wide to act on (Reason says how wide).
	StatusUncertain = "uncertain"
	// StatusWithheld: no figure is shown; Reason says why and Fix what data would allow one.
	StatusWithheld = "withheld"
)

// Verdict says whether a forecast may be shown, and if not, why and what would fix it.
type Verdict struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// MinPublish returns the fewest complete periods a published forecast needs: two seasonal
// cycles (8 quarters, 24 months), and never fewer than 8. Below it the rolling backtest that
// sizes the intervals rests on a handful of one-step errors from prefixes of 4–7 values, no
// member can see a seasonal pattern (the M4 test needs three cycles) and a year-on-year
// forecast compares two guesses; the validation behind Auto never scored a prefix shorter
// than 12 quarters.
func MinPublish(period int) int { return max(8, 2*period) }

// uncertainRatio is the width of the one-period-ahead 80 % interval, relative to the point
// forecast, above which a forecast is labelled uncertain: 1 means the interval spans as much
// as the forecast itself (for relative errors, its lower end reaches 0 at a half-width of 1).
const uncertainRatio = 1.0

// Assess applies the withholding rule to the forecast res of s (the Result of Auto(s, …));
// s.Start labels the periods it names (zero Start: counts only). In order:
//
//  1. fewer than MinPublish(s.Period) values: withheld — too little history to test the
//     forecast on its own past; Fix names how many more periods, back to which one, or when
//     enough will have passed;
//  2. a constant history: uncertain — the backtest measured no error, so a zero-width
//     interval shows no evidence, not certainty;
//  3. the first 80 % interval (or the narrowest interval asked) wider than uncertainRatio
//     times the point forecast, or a point forecast ≤ 0 for a positive history: uncertain;
//  4. otherwise ok.
func Assess(s Series, res *Result) Verdict {
	n, m := len(s.Values), s.Period
	unit := "periods"
	switch m {
	case 4:
		unit = "quarters"
	case 12:
		unit = "months"
	}
	label := func(k int) string {
		if s.Start == (PeriodIndex{}) {
			return ""
		}
		return s.Start.Add(k, m).String(m)
	}
	if need := MinPublish(m); n < need {
		v := Verdict{Status: StatusWithheld}
		v.Reason = fmt.Sprintf("only %d complete %s of history; a forecast is published from %d (two years), the least on which it can be tested against its own past", n, unit, need)
		if first, last := label(0), label(n-1); first != "" {
			v.Reason = fmt.Sprintf("only %d complete %s of history (%s to %s); a forecast is published from %d (two years), the least on which it can be tested against its own past", n, unit, first, last, need)
			v.Fix = fmt.Sprintf("import %d more %s of history (back to %s), or wait until %s is complete", need-n, unit, label(n-need), label(need-1))
		} else {
			v.Fix = fmt.Sprintf("import %d more %s of history", need-n, unit)
		}
		return v
	}
	if res == nil || len(res.Mean) == 0 {
		return Verdict{Status: StatusWithheld, Reason: "no forecast could be made", Fix: "check the history for gaps or non-numeric values"}
	}
	if isConstant(s.Values) {
		return Verdict{Status: StatusUncertain, Reason: "the history is constant, so testing the forecast on its own past measured no error: the interval shows no evidence, not certainty"}
	}
	iv, ok := narrowFirst(res.Intervals)
	f := res.Mean[0]
	if allPositive(s.Values) && !(f > 0) {
		return Verdict{Status: StatusUncertain, Reason: fmt.Sprintf("the point forecast for %s is %.0f although every past value was positive", firstLabel(res), f)}
	}
	if ok && f > 0 && (iv.Upper[0]-iv.Lower[0])/f > 2*uncertainRatio {
		return Verdict{
			Status: StatusUncertain,
			Reason: fmt.Sprintf("the %.0f %% interval for %s runs from %.0f to %.0f, wider than the forecast (%.0f) itself: the past errors were that large", iv.Level, firstLabel(res), iv.Lower[0], iv.Upper[0], f),
			Fix:    "a longer or steadier history, or the forecast of a larger scope (region or company)",
		}
	}
	return Verdict{Status: StatusOK}
}

// narrowFirst returns the 80 % interval, or the narrowest level asked when 80 is not.
func narrowFirst(ivs []Interval) (Interval, bool) {
	best := -1
	for i, iv := range ivs {
		if iv.Level == 80 {
			return iv, len(iv.Lower) > 0
		}
		if best < 0 || iv.Level < ivs[best].Level {
			best = i
		}
	}
	if best < 0 || len(ivs[best].Lower) == 0 {
		return Interval{}, false
	}
	return ivs[best], true
}

func firstLabel(res *Result) string {
	if len(res.Periods) > 0 {
		return res.Periods[0]
	}
	return "the next period"
}
