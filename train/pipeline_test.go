package train

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/forecast"
)

// The published forecasts add up: the regions' means to the company's and each region's
// teams' to the region's, at every horizon; the company carries the pipeline split, its
// first quarter is the combination of the two forecasts, and its intervals hold it.
func TestForecastSetCoherentWithPipeline(t *testing.T) {
	ds, set, warns := defaultForecastSet(t)
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
	co, ok := set.Find(string(features.Company), "")
	if !ok || co.Forecast == nil {
		t.Fatal("no company forecast")
	}
	sales, err := features.SalesOf(ds, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	teams := map[string][]float64{}
	nReg := 0
	for _, sc := range set.Scopes {
		if sc.Forecast == nil {
			t.Errorf("%s %s: no forecast (%s)", sc.Level, sc.ID, sc.Error)
			continue
		}
		switch features.Level(sc.Level) {
		case features.Region:
			nReg++
		case features.Team:
			r := sales.TeamRegion[sc.ID]
			if teams[r] == nil {
				teams[r] = make([]float64, len(sc.Forecast.Mean))
			}
			for h, v := range sc.Forecast.Mean {
				teams[r][h] += v
			}
		}
	}
	if nReg < 2 {
		t.Fatalf("%d regions", nReg)
	}
	for h, v := range co.Forecast.Mean {
		sum := 0.0
		for _, sc := range set.Scopes {
			if sc.Level == string(features.Region) {
				sum += sc.Forecast.Mean[h]
			}
		}
		if math.Abs(sum-v) > 0.001*v {
			t.Errorf("h=%d: regions sum to %.0f, the company %.0f", h+1, sum, v)
		}
	}
	for _, sc := range set.Scopes {
		if sc.Level != string(features.Region) {
			continue
		}
		ts := teams[sc.ID]
		if ts == nil {
			t.Errorf("region %s has no teams", sc.ID)
			continue
		}
		for h, v := range sc.Forecast.Mean {
			if math.Abs(ts[h]-v) > 0.001*v {
				t.Errorf("region %s h=%d: teams sum to %.0f, the region %.0f", sc.ID, h+1, ts[h], v)
			}
		}
	}
	p := co.Pipeline
	if p == nil || len(p.Splits) != 2 {
		t.Fatalf("company pipeline part %+v, want two quarters", p)
	}
	if p.Splits[0].Period != co.Forecast.Periods[0] || !(p.Splits[0].Open > 0) || !(p.Splits[0].NotCreated > 0) {
		t.Errorf("first split %+v for %s", p.Splits[0], co.Forecast.Periods[0])
	}
	for h := range co.Forecast.Intervals[0].Lower {
		if iv := co.Forecast.Intervals[0]; !(iv.Lower[h] < co.Forecast.Mean[h] && co.Forecast.Mean[h] < iv.Upper[h]) {
			t.Errorf("h=%d: mean %.0f outside its 80 %% interval [%.0f, %.0f]", h+1, co.Forecast.Mean[h], iv.Lower[h], iv.Upper[h])
		}
	}
	if co.Growth == nil || co.Verdict == nil {
		t.Error("growth or verdict missing after the combination")
	}
}

// The default company's revenue rose in every Q4 of its history (5–17 % over Q3) without the
// M4 test finding seasonality in its 20 quarters; with the company's pooled seasonal shape
// the published 2026Q4 forecast rises over 2026Q3 too, and its regions get the same shape.
func TestDefaultCompanyForecastsQ4Rise(t *testing.T) {
	_, set, _ := defaultForecastSet(t)
	co, ok := set.Find(string(features.Company), "")
	if !ok || co.Forecast == nil {
		t.Fatal("no company forecast")
	}
	n := len(co.History)
	if co.Periods[n-1] != "2026Q3" || co.Forecast.Periods[0] != "2026Q4" {
		t.Fatalf("history ends %s, forecast starts %s: not the case the test is about", co.Periods[n-1], co.Forecast.Periods[0])
	}
	if forecast.IsSeasonal(co.History, 4) {
		t.Fatal("the M4 test finds the company seasonal by itself: the case does not test pooling")
	}
	prior := co.Forecast.Seasonal
	if prior == nil || !(prior.Index[3] > 1.02) {
		t.Fatalf("company seasonal shape %+v, want a Q4 factor above 1.02", prior)
	}
	rise := co.Forecast.Mean[0]/co.History[n-1] - 1
	t.Logf("2026Q4 %.0f, %+.1f %% over 2026Q3 (Q4 factor %.3f, shrinkage %.2f, p %.4f); 2027Q1 %.0f", co.Forecast.Mean[0], 100*rise, prior.Index[3], prior.Shrinkage, prior.P, co.Forecast.Mean[1])
	if !(rise > 0.01) {
		t.Errorf("2026Q4 forecast %+.1f %% over 2026Q3, want a rise", 100*rise)
	}
	for _, sc := range set.Scopes {
		if sc.Level == string(features.Region) && sc.Forecast != nil && !forecast.IsSeasonal(sc.History, 4) && sc.Forecast.Seasonal == nil {
			t.Errorf("region %s: no seasonal shape lent", sc.ID)
		}
	}
}

// defaultForecastSet loads the default company and makes the forecast set training would
// publish for it (four quarters, 80 and 95 % intervals), with its warnings.
func defaultForecastSet(t *testing.T) (*datasets.Dataset, *forecast.Set, []string) {
	t.Helper()
	ds, _, err := datasets.Load(company(t))
	if err != nil {
		t.Fatal(err)
	}
	set, warns, err := ForecastAsOf(context.Background(), ds, time.Time{}, forecast.Options{Horizon: 4, Levels: []float64{80, 95}})
	if err != nil {
		t.Fatal(err)
	}
	return ds, set, warns
}
