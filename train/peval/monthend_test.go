package peval

import (
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/shareddata"
)

// On the Maven CRM import (closes from March 2017, no amount on open deals) the month-end
// backtest forecasts every month-end from March 2017 on, skips January and February (no close
// yet) with the reason, and beats the naive forecast of the next quarter.
func TestMonthEndsMaven(t *testing.T) {
	dir := shareddata.Path(t, "crm-pipeline")
	m, err := datasets.ReadMapping("../../docs/examples/mappings/maven-crm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := datasets.Import(m, []string{dir}, datasets.ImportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	ds, _, err := datasets.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	res, err := MonthEnds(ds, 2017)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AmountAtClose {
		t.Error("Maven's open deals carry no amount, yet amounts were taken as known")
	}
	mo, q := res.Scores["month"], res.Scores["quarter"]
	if mo.Forecasts != 9 || q.Forecasts != 7 {
		t.Errorf("%d month and %d quarter forecasts, want March–November and March–September", mo.Forecasts, q.Forecasts)
	}
	if len(res.Skipped) != 4 || !strings.Contains(res.Skipped[0], "2017-01-31") || !strings.Contains(res.Skipped[0], "no deal closed") {
		t.Errorf("skipped %q, want January and February for want of closed deals", res.Skipped)
	}
	if !(q.PipelineSMAPE < q.NaiveSMAPE) {
		t.Errorf("next quarter: pipeline sMAPE %.1f, naive %.1f", q.PipelineSMAPE, q.NaiveSMAPE)
	}
	for _, r := range res.Rows {
		if !(r.Open > 0 && r.NotCreated > 0 && r.Actual > 0) {
			t.Errorf("%s %s: %+v", r.AsOf, r.Window, r)
		}
	}
}
