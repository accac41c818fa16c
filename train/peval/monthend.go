package peval

import (
	"fmt"
	"math"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/pipeline"
)

// MonthEndRow is one forecast date and window of the month-end backtest.
type MonthEndRow struct {
	AsOf     string  `json:"as_of"`
	Window   string  `json:"window"` // "month" or "quarter"
	Actual   float64 `json:"actual"`
	Pipeline float64 `json:"pipeline"`
	Open     float64 `json:"open"`
	// NotCreated is the pipeline forecast's part from deals not yet created.
	NotCreated float64 `json:"not_created"`
	Naive      float64 `json:"naive"`
}

// MonthEndScores are one window's accuracy over every forecast date.
type MonthEndScores struct {
	Forecasts     int     `json:"forecasts"`
	PipelineSMAPE float64 `json:"pipeline_smape"`
	NaiveSMAPE    float64 `json:"naive_smape"`
	PipelineMAPE  float64 `json:"pipeline_mape"`
	NaiveMAPE     float64 `json:"naive_mape"`
}

// MonthEndResult is the month-end backtest of a dataset.
type MonthEndResult struct {
	// AmountAtClose says the data carries a deal's value only once it is won (no open deal
	// has an amount), so open deals were valued at their product's mean won amount so far.
	AmountAtClose bool                      `json:"amount_at_close"`
	Scores        map[string]MonthEndScores `json:"scores"`
	Rows          []MonthEndRow             `json:"rows"`
	// Skipped says which month-ends could not be forecast and why.
	Skipped []string `json:"skipped,omitempty"`
}

// MonthEnds backtests the pipeline forecast of won revenue on a dataset with opportunities at
// every month-end of year (zero: every month-end in the data) whose window ended by the end of
// the data: the next month's and the next three months' won revenue, forecast from the deals
// as they stood at the month-end (pipeline.ForecastWindow), beside a naive forecast (the won
// revenue of the window of the same length just before).
func MonthEnds(ds *datasets.Dataset, year int) (*MonthEndResult, error) {
	sales, err := features.SalesOf(ds, time.Time{})
	if err != nil {
		return nil, err
	}
	if sales == nil || len(sales.Deals) == 0 {
		return nil, fmt.Errorf("the dataset has no opportunities")
	}
	deals := sales.Deals
	res := &MonthEndResult{AmountAtClose: true, Scores: map[string]MonthEndScores{}}
	var start time.Time
	for _, d := range deals {
		if d.Closed.IsZero() && d.Amount > 0 {
			res.AmountAtClose = false
		}
		if start.IsZero() || d.Created.Before(start) {
			start = d.Created
		}
	}
	won := func(a, b time.Time) float64 {
		s := 0.0
		for _, d := range deals {
			if d.Won && !d.Closed.Before(a) && d.Closed.Before(b) {
				s += d.Amount
			}
		}
		return s
	}
	type acc struct {
		ps, ns, pa, na float64
		n, m           int
	}
	accs := map[string]*acc{}
	for m := datasets.MonthOf(start).Add(1); !m.Start().After(sales.AsOf); m = m.Add(1) {
		T := m.Start() // the day after a month-end
		if year != 0 && T.AddDate(0, 0, -1).Year() != year {
			continue
		}
		for _, w := range []struct {
			name   string
			months int
		}{{"month", 1}, {"quarter", 3}} {
			end := T.AddDate(0, w.months, 0)
			if end.After(sales.AsOf) {
				continue
			}
			sp, err := pipeline.ForecastWindow(deals, T, end, res.AmountAtClose)
			if err != nil {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s next %s: %v", datasets.FormatDate(T.AddDate(0, 0, -1)), w.name, err))
				continue
			}
			row := MonthEndRow{AsOf: datasets.FormatDate(T.AddDate(0, 0, -1)), Window: w.name, Actual: won(T, end),
				Pipeline: sp.Total(), Open: sp.Open, NotCreated: sp.NotCreated, Naive: won(T.AddDate(0, -w.months, 0), T)}
			res.Rows = append(res.Rows, row)
			a := accs[w.name]
			if a == nil {
				a = &acc{}
				accs[w.name] = a
			}
			a.ps += forecast.SMAPE([]float64{row.Actual}, []float64{row.Pipeline})
			a.ns += forecast.SMAPE([]float64{row.Actual}, []float64{row.Naive})
			if row.Actual > 0 {
				a.pa += 100 * math.Abs(row.Actual-row.Pipeline) / row.Actual
				a.na += 100 * math.Abs(row.Actual-row.Naive) / row.Actual
				a.m++
			}
			a.n++
		}
	}
	for name, a := range accs {
		res.Scores[name] = MonthEndScores{Forecasts: a.n, PipelineSMAPE: ratio(a.ps, a.n), NaiveSMAPE: ratio(a.ns, a.n),
			PipelineMAPE: ratio(a.pa, a.m), NaiveMAPE: ratio(a.na, a.m)}
	}
	if len(res.Rows) == 0 {
		return nil, fmt.Errorf("no month-end could be forecast: %v", res.Skipped)
	}
	return res, nil
}
