package serve

import (
	"encoding/json"
	"testing"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
)

// A withheld scope answers with its status, reason, fix and excluded periods and no figures;
// an ok scope with its forecast.
func TestForecastWithheldAnswer(t *testing.T) {
	short := forecast.Series{Values: []float64{2.41e6, 2.55e6, 2.80e6}, Period: 4, Start: forecast.PeriodIndex{Year: 2017, Sub: 2}}
	long := forecast.Series{Values: []float64{10, 11, 12, 11, 12, 13, 14, 13, 14, 15, 16, 15}, Period: 4, Start: forecast.PeriodIndex{Year: 2015, Sub: 1}}
	set := &forecast.Set{Grain: "quarter", Period: 4, Horizon: 2, Levels: []float64{80, 95}}
	for _, c := range []struct {
		level, id string
		s         forecast.Series
	}{{"company", "", short}, {"region", "East", long}} {
		res, err := forecast.Auto(c.s, forecast.Options{Horizon: 2})
		if err != nil {
			t.Fatal(err)
		}
		v := forecast.Assess(c.s, res)
		set.Scopes = append(set.Scopes, forecast.Scope{Level: c.level, ID: c.id, Periods: make([]string, len(c.s.Values)), History: c.s.Values,
			Forecast: res, Verdict: &v, Excluded: []string{"2017Q1 left out: partial"}})
	}
	fm, err := buildForecast(registry.Version{Version: 1}, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	var co, east forecastResponse
	if err := json.Unmarshal(fm.scopes["company"].bodies[1], &co); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fm.scopes["region:East"].bodies[1], &east); err != nil {
		t.Fatal(err)
	}
	if co.Status != forecast.StatusWithheld || len(co.Forecast) != 0 || co.Reason == "" || co.Fix == "" || len(co.Excluded) != 1 {
		t.Errorf("company: status %q, %d forecast points, reason %q, fix %q, excluded %q; want withheld, none, both said", co.Status, len(co.Forecast), co.Reason, co.Fix, co.Excluded)
	}
	if east.Status != forecast.StatusOK || len(east.Forecast) != 2 {
		t.Errorf("region: status %q with %d points, want ok with 2", east.Status, len(east.Forecast))
	}
}
