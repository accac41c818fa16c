package forecast

import (
	"fmt"
	"math"

	"github.com/growthlens/growthlens/internal/numfmt"
)

// Record is how far a scope's forecast was off on its own past (its rolling-origin backtest):
// the figures the API, the review page and the CLI state beside the forecast.
type Record struct {
	// Origins is the number of backtest origins, Horizon the forecast's number of periods.
	Origins, Horizon int
	// MAPE1 and MAPE are BacktestMAPE's (fractions; NaN without a backtest).
	MAPE1, MAPE float64
	// Method, Points, SMAPE (in percent) and MASE are the backtest's accuracy of the chosen
	// method (its first Accuracy row); SMAPE and MASE are NaN without one.
	Method      string
	Points      int
	SMAPE, MASE float64
}

// Record returns the scope's backtest record (Origins 0 and NaN errors without a forecast).
func (s *Scope) Record() Record {
	r := Record{SMAPE: math.NaN(), MASE: math.NaN()}
	r.MAPE1, r.MAPE = s.BacktestMAPE()
	if s.Forecast == nil {
		return r
	}
	res := s.Forecast
	r.Origins, r.Horizon = len(res.Backtest.Origins), len(res.Mean)
	if len(res.Backtest.Accuracy) > 0 {
		c := res.Backtest.Accuracy[0]
		r.Method, r.Points, r.SMAPE, r.MASE = c.Method, c.Points, c.SMAPE, c.MASE
	}
	return r
}

// HasBacktest is whether there is a backtest to report.
func (r Record) HasBacktest() bool { return r.Origins > 0 && !math.IsNaN(r.MAPE1) }

// Summary says the record in one English sentence, the one every surface prints: "Our
// forecasts for the last 8 quarters were off by 5.8 % on average, one quarter ahead (5.1 %
// over every horizon up to 4 quarters)." Figures are numfmt's.
func (r Record) Summary() string {
	if !r.HasBacktest() {
		return "No backtest: the history is too short to test the forecast on its own past."
	}
	return fmt.Sprintf("Our forecasts for the last %d quarters were off by %s on average, one quarter ahead (%s over every horizon up to %d quarters).",
		r.Origins, numfmt.Percent(r.MAPE1), numfmt.Percent(r.MAPE), r.Horizon)
}

// Metrics says the chosen method's backtest accuracy in M4's terms: "sMAPE 5.23 %, MASE
// 0.5816 (M4 definitions), method auto."; "" without a backtest (Summary says so), where it
// read "sMAPE – %, MASE – (M4 definitions), method ." on a withheld forecast.
func (r Record) Metrics() string {
	if !r.HasBacktest() || r.Method == "" || math.IsNaN(r.SMAPE) {
		return ""
	}
	return fmt.Sprintf("sMAPE %s %%, MASE %s (M4 definitions), method %s.", numfmt.Plain(r.SMAPE), numfmt.Plain(r.MASE), r.Method)
}
