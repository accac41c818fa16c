package forecast

import (
	"math"
	"strings"
	"testing"
)

func TestRecordMetrics(t *testing.T) {
	// A withheld forecast (the Maven CRM import: 3 complete quarters) has no backtest: the
	// review page printed "sMAPE – %, MASE – (M4 definitions), method ." under "No backtest".
	none := Record{SMAPE: math.NaN(), MASE: math.NaN(), MAPE1: math.NaN(), MAPE: math.NaN()}
	if got := none.Metrics(); got != "" {
		t.Errorf("no backtest: Metrics() = %q, want \"\"", got)
	}
	r := Record{Origins: 8, Horizon: 4, MAPE1: 0.051, MAPE: 0.058, Method: "auto", Points: 32, SMAPE: 5.234, MASE: 0.58161}
	if got := r.Metrics(); !strings.HasPrefix(got, "sMAPE 5.23") || !strings.Contains(got, "method auto.") {
		t.Errorf("Metrics() = %q, want sMAPE 5.23 … method auto.", got)
	}
}
