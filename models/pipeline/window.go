package pipeline

import (
	"fmt"
	"time"
)

// WindowSplit is the pipeline forecast of the revenue won in a window [asOf, end) that
// starts at the forecast date (ForecastWindow).
type WindowSplit struct {
	// Open is the expected revenue of the deals open at asOf, OpenDeals how many may close
	// won in the window.
	Open      float64
	OpenDeals int
	// NotCreated is the expected revenue of deals created in the window and won inside it.
	NotCreated float64
	// AmountAtClose says that open deals' amounts were estimated (the data carries a deal's
	// value only once it is won, as CRM exports such as Maven's do).
	AmountAtClose bool
}

// Total is Open + NotCreated.
func (w WindowSplit) Total() float64 { return w.Open + w.NotCreated }

// windowLookback is the span of creation whose daily rate forecasts the window's creation.
const windowLookback = 90 * 24 * time.Hour

// ForecastWindow forecasts the revenue won in [asOf, end) from the deals as they stood at
// asOf, reading nothing on or after it:
//
//   - open deals: Σ amount × Model.Within(0, end − asOf). With amountAtClose the amount of an
//     open deal is not known at asOf, and the mean won amount of its product before asOf (else
//     of every product) stands in for it;
//   - deals not yet created: the number created per day over the 90 days before asOf × the
//     window's days × the won value per created deal in up to conversionWindows earlier
//     windows of the same length (created in the window and won by its end) that lie inside
//     the history.
func ForecastWindow(deals []Deal, asOf, end time.Time, amountAtClose bool) (WindowSplit, error) {
	out := WindowSplit{AmountAtClose: amountAtClose}
	if !end.After(asOf) {
		return out, fmt.Errorf("pipeline: window ends %s, not after %s", end.Format(time.DateOnly), asOf.Format(time.DateOnly))
	}
	m, err := Fit(deals, asOf)
	if err != nil {
		return out, err
	}
	m.Competing()
	first := asOf
	wonSum, wonN := map[string]float64{}, map[string]int{}
	allSum, allN := 0.0, 0
	for _, d := range deals {
		if d.Created.Before(first) {
			first = d.Created
		}
		if d.Won && !d.Closed.IsZero() && d.Closed.Before(asOf) && d.Amount > 0 {
			wonSum[d.Product] += d.Amount
			wonN[d.Product]++
			allSum += d.Amount
			allN++
		}
	}
	amount := func(d Deal) float64 {
		if !amountAtClose {
			return d.Amount
		}
		if n := wonN[d.Product]; n > 0 {
			return wonSum[d.Product] / float64(n)
		}
		if allN > 0 {
			return allSum / float64(allN)
		}
		return 0
	}
	days := end.Sub(asOf).Hours() / 24
	for _, d := range deals {
		if p := m.Within(d, 0, days); p > 0 {
			if a := amount(d); a > 0 {
				out.Open += p * a
				out.OpenDeals++
			}
		}
	}
	L := end.Sub(asOf)
	if asOf.Sub(first) < windowLookback {
		return out, fmt.Errorf("pipeline: %.0f days of deals before %s, want at least 90", asOf.Sub(first).Hours()/24, asOf.Format(time.DateOnly))
	}
	recent := 0
	for _, d := range deals {
		if d.Created.Before(asOf) && !d.Created.Before(asOf.Add(-windowLookback)) {
			recent++
		}
	}
	won, created := 0.0, 0
	for i := 1; i <= conversionWindows; i++ {
		a, b := asOf.Add(-time.Duration(i)*L), asOf.Add(-time.Duration(i-1)*L)
		if a.Before(first) {
			break
		}
		for _, d := range deals {
			if d.Created.Before(a) || !d.Created.Before(b) {
				continue
			}
			created++
			if d.Won && !d.Closed.IsZero() && d.Closed.Before(b) {
				won += d.Amount
			}
		}
	}
	if created == 0 {
		return out, fmt.Errorf("pipeline: no earlier window of %.0f days inside the history before %s", days, asOf.Format(time.DateOnly))
	}
	out.NotCreated = won / float64(created) * float64(recent) / windowLookback.Hours() * L.Hours()
	return out, nil
}
