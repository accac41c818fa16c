package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/shareddata"
	"github.com/growthlens/growthlens/models/forecast"
)

// shortScopes forecasts every company, region and team scope of ds as training does.
func shortScopes(t *testing.T, ds *datasets.Dataset) []forecast.Scope {
	t.Helper()
	set, _, err := ForecastAsOf(context.Background(), ds, time.Time{}, forecast.Options{Horizon: 4, Levels: []float64{80, 95}})
	if err != nil {
		t.Fatal(err)
	}
	return set.Scopes
}

// checkShortHistory asserts what a GM must see for a history of a partial first quarter and
// three complete ones: the partial quarter left out and said, every forecast withheld with a
// reason and a fix, and no zero-width growth interval anywhere.
func checkShortHistory(t *testing.T, scopes []forecast.Scope, partial, firstComplete string) {
	t.Helper()
	for _, sc := range scopes {
		name := sc.Level + ":" + sc.ID
		if len(sc.Periods) > 0 && sc.Periods[0] != firstComplete {
			t.Errorf("%s: history starts %s, want %s (the partial %s left out)", name, sc.Periods[0], firstComplete, partial)
		}
		if len(sc.Excluded) == 0 || !strings.HasPrefix(sc.Excluded[0], partial+" left out") || !strings.Contains(sc.Excluded[0], "partial") {
			t.Errorf("%s: excluded %q, want %s said to be partial", name, sc.Excluded, partial)
		}
		if sc.Verdict == nil || sc.Verdict.Status != forecast.StatusWithheld || sc.Verdict.Reason == "" || sc.Verdict.Fix == "" {
			t.Errorf("%s: verdict %+v, want withheld with a reason and a fix", name, sc.Verdict)
		}
		if sc.Growth == nil {
			continue
		}
		for h := range sc.Growth.PoP {
			for _, r := range []forecast.Rate{sc.Growth.PoP[h], sc.Growth.YoY[h]} {
				for _, iv := range r.Intervals {
					if !(iv.Upper > iv.Lower) {
						t.Errorf("%s h=%d: zero-width growth interval %+v around %v", name, h+1, iv, r.Mean)
					}
				}
			}
		}
	}
}

// writeMavenLike writes into dir a small hand-made export shaped like the Maven CRM data:
// won deals close every day from 1 March 2017 to the end of the year in two regions.
func writeMavenLike(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\n")
	start := time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 306 {
		c := start.AddDate(0, 0, i)
		for k, reg := range []string{"East", "West"} {
			fmt.Fprintf(&b, "O%d-%d,,E%d,%s-1,Core,%s,won,%s,%s,%d\n", i, k, k, strings.ToLower(reg), reg,
				datasets.FormatDate(c.AddDate(0, 0, -40)), datasets.FormatDate(c), 1000+((i*7+k*13)%50)*40)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "opportunities.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A small hand-made export shaped like the Maven CRM data.
func TestShortExportWithheld(t *testing.T) {
	dir := t.TempDir()
	writeMavenLike(t, dir)
	ds, _, err := datasets.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkShortHistory(t, shortScopes(t, ds), "2017Q1", "2017Q2")
}

// The Maven CRM import (4 quarters of 2017, closes from 1 March) once gave 2018Q1 2.80 M
// with 80 % [0, 10.0 M] beside YoY +147 % [147 %, 147 %] and QoQ 0 [0, 0].
func TestMavenForecastWithheld(t *testing.T) {
	dir := shareddata.Path(t, "crm-pipeline")
	m, err := datasets.ReadMapping("../docs/examples/mappings/maven-crm.yaml")
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
	scopes := shortScopes(t, ds)
	if len(scopes) < 4 {
		t.Fatalf("%d scopes, want the company, 3 regions and the teams", len(scopes))
	}
	checkShortHistory(t, scopes, "2017Q1", "2017Q2")
}
