package serve

import (
	"encoding/json"
	"math"
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

// A forecast quarter with a target answers the probability of reaching it, consistent with
// the intervals, and, with a pipeline split, what the open deals must bring.
func TestForecastTargetOutlook(t *testing.T) {
	s := forecast.Series{Values: []float64{100, 104, 108, 125, 110, 114, 118, 137, 121, 125, 130, 150}, Period: 4, Start: forecast.PeriodIndex{Year: 2023, Sub: 1}}
	res, err := forecast.Auto(s, forecast.Options{Horizon: 2, Levels: []float64{80, 95}})
	if err != nil {
		t.Fatal(err)
	}
	v := forecast.Assess(s, res)
	split := forecast.Split{Period: res.Periods[0], Closed: 20, Open: 50, OpenDeals: 7, OpenAmount: 120, NotCreated: 60}
	sc := forecast.Scope{Level: "company", Periods: make([]string, 12), History: s.Values, Forecast: res, Verdict: &v,
		Pipeline: &forecast.Pipeline{AsOf: "2026-01-01", Splits: []forecast.Split{split}, Univariate: res.Mean[:1], Weights: []float64{0.5}}}
	set := &forecast.Set{Grain: "quarter", Period: 4, Horizon: 2, Levels: []float64{80, 95}, Scopes: []forecast.Scope{sc}}
	lo80, hi80 := res.Intervals[0].Lower, res.Intervals[0].Upper
	for _, c := range []struct {
		name    string
		targets [2]float64
		check   func(p0, p1 float64) bool
	}{
		{"below the 80 % intervals", [2]float64{lo80[0] * 0.99, lo80[1] * 0.99}, func(p0, p1 float64) bool { return p0 >= 0.9 && p1 >= 0.9 }},
		{"at the means", [2]float64{res.Mean[0], res.Mean[1]}, func(p0, p1 float64) bool { return math.Abs(p0-0.5) < 1e-6 && math.Abs(p1-0.5) < 1e-6 }},
		{"above the 80 % intervals", [2]float64{hi80[0] * 1.01, hi80[1] * 1.01}, func(p0, p1 float64) bool { return p0 <= 0.1 && p1 <= 0.1 }},
	} {
		data := &tenantData{targets: map[targetKey]float64{
			{res.Periods[0], "company", "revenue"}: c.targets[0], {res.Periods[1], "company", "revenue"}: c.targets[1],
		}}
		fm, err := buildForecast(registry.Version{Version: 1}, set, data)
		if err != nil {
			t.Fatal(err)
		}
		var co forecastResponse
		if err := json.Unmarshal(fm.scopes["company"].bodies[1], &co); err != nil {
			t.Fatal(err)
		}
		f0, f1 := co.Forecast[0], co.Forecast[1]
		if f0.HitProbability == nil || f1.HitProbability == nil || !c.check(float64(*f0.HitProbability), float64(*f1.HitProbability)) {
			t.Errorf("targets %s: hit probabilities %v, %v", c.name, f0.HitProbability, f1.HitProbability)
			continue
		}
		pl := f0.Pipeline
		if pl == nil || f1.Pipeline != nil || pl.Total != 130 || pl.NeededFromOpen == nil || float64(*pl.NeededFromOpen) != math.Max(0, c.targets[0]-80) {
			t.Errorf("targets %s: pipeline %+v, %+v; want the split on the first quarter with target − 80 needed", c.name, pl, f1.Pipeline)
		}
	}
}
