package serve

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/registry"
)

// TestForecastAdjustments sets, replaces, lists and withdraws a GM's adjusted figure through
// the API: each refused input names its field, the audit log keeps who changed what from what
// to what and why, GET /v1/forecast shows the figure beside the model's, another tenant sees
// none of it, and once a quarter's actuals are in the forecast's history its adjusted figure
// is scored beside the model's.
func TestForecastAdjustments(t *testing.T) {
	ts := startServer(t, nil)
	sn := ts.srv.tenant(acme).live.Load()
	co := sn.forecast.scopes["company"].sc
	fq := co.Forecast.Periods[0]
	past := co.Periods[len(co.Periods)-1]
	beyond := co.Forecast.Periods[len(co.Forecast.Periods)-1]
	beyond = beyond[:5] + "4"
	if beyond <= co.Forecast.Periods[len(co.Forecast.Periods)-1] {
		beyond = "2099Q1"
	}
	put := func(key, scope, quarter string, body any) response {
		t.Helper()
		return ts.json(t, "PUT", "/v1/forecast/adjustments/"+scope+"/"+quarter, key, body)
	}
	ok := map[string]any{"revenue": 1_000_000, "note": "a large renewal moved into the quarter"}
	for name, tc := range map[string]struct {
		scope, quarter string
		body           any
		status         int
		field          string
	}{
		"unknown scope":     {"region:Mars", fq, ok, 404, "scope"},
		"malformed scope":   {"planet:x", fq, ok, 400, "scope"},
		"malformed quarter": {"company", "2026-10", ok, 400, "quarter"},
		"past quarter":      {"company", past, ok, 400, "quarter"},
		"beyond":            {"company", beyond, ok, 400, "quarter"},
		"negative":          {"company", fq, map[string]any{"revenue": -5, "note": "x"}, 400, "revenue"},
		"no figure":         {"company", fq, map[string]any{"note": "x"}, 400, "revenue"},
		"NaN":               {"company", fq, map[string]any{"revenue": "NaN", "note": "x"}, 400, "revenue"},
		"no note":           {"company", fq, map[string]any{"revenue": 5}, 400, "note"},
		"long note":         {"company", fq, map[string]any{"revenue": 5, "note": strings.Repeat("n", adjustment.MaxNote+1)}, 400, "note"},
		"unknown field":     {"company", fq, map[string]any{"revenue": 5, "note": "x", "amount": 3}, 400, "amount"},
	} {
		t.Run(name, func(t *testing.T) {
			r := put(acme+"/gm", tc.scope, tc.quarter, tc.body)
			checkError(t, r, tc.status, "")
			if f := decode[errorBody](t, r).Error; f == nil || f.Field != tc.field {
				t.Errorf("field %+v, want %s", f, tc.field)
			}
		})
	}
	checkError(t, put(acme+"/viewer", "company", fq, ok), 403, EPermission)

	first := decode[struct {
		Currency   string        `json:"currency"`
		Adjustment adjustedJSON  `json:"adjustment"`
		Previous   *adjustedJSON `json:"previous"`
	}](t, put(acme+"/gm", "company", fq, ok))
	if first.Adjustment.Revenue != 1_000_000 || first.Adjustment.Version != 1 || first.Previous != nil ||
		float64(first.Adjustment.ModelRevenue) != co.Forecast.Mean[0] || first.Adjustment.ModelVersion != sn.forecast.version.Version {
		t.Fatalf("first put: %+v", first)
	}
	second := decode[struct {
		Adjustment adjustedJSON  `json:"adjustment"`
		Previous   *adjustedJSON `json:"previous"`
	}](t, put(acme+"/admin", "company", strings.ToLower(fq), map[string]any{"revenue": 1_200_000, "note": "  and a second one  "}))
	if second.Adjustment.Version != 2 || second.Adjustment.Note != "and a second one" || second.Previous == nil || second.Previous.Revenue != 1_000_000 {
		t.Fatalf("second put: %+v", second)
	}

	audit := decode[registry.AuditPage](t, ts.do(t, "GET", "/v1/audit?action=forecast.adjust&outcome=ok", acme+"/admin", "", nil))
	if len(audit.Entries) != 2 {
		t.Fatalf("audit: %d entries, want 2: %+v", len(audit.Entries), audit.Entries)
	}
	newest := audit.Entries[0]
	if newest.Who != ts.keyIDs[acme+"/admin"] || newest.Outcome != "ok" || !strings.Contains(newest.Detail, "1,200,000") ||
		!strings.Contains(newest.Detail, "was 1,000,000") || !strings.Contains(newest.Detail, "and a second one") {
		t.Errorf("audit entry %+v: want who, the new and old figures and the note", newest)
	}

	fc := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil))
	if a := fc.Forecast[0].Adjusted; a == nil || a.Revenue != 1_200_000 || float64(fc.Forecast[0].Revenue) != co.Forecast.Mean[0] {
		t.Errorf("forecast %s: adjusted %+v beside the model's %v", fq, a, fc.Forecast[0].Revenue)
	}
	if fc.Forecast[1].Adjusted != nil || fc.Accuracy.Adjustments != nil {
		t.Errorf("an unadjusted quarter shows an adjustment, or a future one is scored: %+v %+v", fc.Forecast[1].Adjusted, fc.Accuracy.Adjustments)
	}
	if r := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=region:East", acme+"/viewer", "", nil)); r.Forecast[0].Adjusted != nil {
		t.Errorf("the company's adjustment shows on region:East")
	}
	list := decode[struct {
		Adjustments []adjustedJSON `json:"adjustments"`
	}](t, ts.do(t, "GET", "/v1/forecast/adjustments", acme+"/viewer", "", nil))
	if len(list.Adjustments) != 1 || list.Adjustments[0].Version != 2 {
		t.Errorf("list: %+v", list.Adjustments)
	}
	if g := decode[struct {
		Adjustments []adjustedJSON `json:"adjustments"`
	}](t, ts.do(t, "GET", "/v1/forecast/adjustments", globex+"/admin", "", nil)); len(g.Adjustments) != 0 {
		t.Errorf("globex sees acme's adjustments: %+v", g.Adjustments)
	}

	// A quarter now in the history, adjusted while it was ahead: scored against its actual.
	actual := co.History[len(co.History)-1]
	stored := adjustment.Adjustment{Scope: "company", Quarter: past, Revenue: 1.05 * actual, ModelRevenue: 0.9 * actual, ModelVersion: 1,
		Note: "set before the quarter", SetBy: "test", Role: "gm", SetAt: time.Now().UTC()}
	if _, err := ts.srv.Store().PutAdjustment(acme, adjustment.ID("company", past), func(v int) (json.RawMessage, error) {
		stored.Version = v
		return json.Marshal(stored)
	}); err != nil {
		t.Fatal(err)
	}
	fc = decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil))
	acc := fc.Accuracy.Adjustments
	if acc == nil || acc.Quarters != 1 || len(acc.Outcomes) != 1 {
		t.Fatalf("accuracy of adjustments: %+v", acc)
	}
	o := acc.Outcomes[0]
	if o.Period != past || float64(o.Actual) != actual || math.Abs(float64(o.AdjustedError)-0.05) > 1e-9 || math.Abs(float64(o.ModelError)+0.1) > 1e-9 ||
		acc.AdjustedNearer != 1 || !strings.Contains(acc.Summary, "off by 5 %") || !strings.Contains(acc.Summary, "model's by 10 %") {
		t.Errorf("outcome %+v, summary %q", o, acc.Summary)
	}

	del := ts.do(t, "DELETE", "/v1/forecast/adjustments/company/"+fq, acme+"/gm", "", nil)
	if del.status != 200 {
		t.Fatalf("delete: %s", del)
	}
	checkError(t, ts.do(t, "DELETE", "/v1/forecast/adjustments/company/"+fq, acme+"/gm", "", nil), 404, ENotFound)
	fc = decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil))
	if fc.Forecast[0].Adjusted != nil {
		t.Errorf("a withdrawn adjustment still shows: %+v", fc.Forecast[0].Adjusted)
	}
	hist := decode[struct {
		Adjustments []adjustedJSON `json:"adjustments"`
	}](t, ts.do(t, "GET", "/v1/forecast/adjustments?history=true&scope=company", acme+"/viewer", "", nil))
	if len(hist.Adjustments) != 4 || !hist.Adjustments[1].Withdrawn {
		t.Errorf("history: %+v", hist.Adjustments)
	}
}

// TestReviewShowsAdjustments: a stored adjustment shows on the review page beside the
// model's figure, with the same numbers as GET /v1/forecast, and its score once the quarter's
// actuals are in, in both languages.
func TestReviewShowsAdjustments(t *testing.T) {
	ts := startServer(t, nil)
	sn := ts.srv.tenant(acme).live.Load()
	co := sn.forecast.scopes["company"].sc
	fq, past := co.Forecast.Periods[0], co.Periods[len(co.Periods)-1]
	if r := ts.json(t, "PUT", "/v1/forecast/adjustments/company/"+fq, acme+"/gm", map[string]any{"revenue": 3_333_333, "note": "大单提前签约"}); r.status != 200 {
		t.Fatalf("put: %s", r)
	}
	actual := co.History[len(co.History)-1]
	stored := adjustment.Adjustment{Scope: "company", Quarter: past, Revenue: 0.97 * actual, ModelRevenue: 1.08 * actual, ModelVersion: 1,
		Note: "旧的调整", SetBy: "test", Role: "gm", SetAt: time.Now().UTC()}
	if _, err := ts.srv.Store().PutAdjustment(acme, adjustment.ID("company", past), func(v int) (json.RawMessage, error) {
		stored.Version = v
		return json.Marshal(stored)
	}); err != nil {
		t.Fatal(err)
	}
	fc := apiJSON(t, ts, "GET", "/v1/forecast?scope=company", acme+"/gm", nil)
	first := obj(t, list(t, fc["forecast"])[0])
	acc := obj(t, fc, "accuracy", "adjustments")
	outcome := obj(t, list(t, acc["outcomes"])[0])

	b := newBrowser(t, ts)
	if r := b.signIn(acme + "/gm"); r.status != 303 {
		t.Fatalf("sign in: %s", r)
	}
	for _, lang := range []string{"en", "zh"} {
		r := b.do("GET", "/review?lang="+lang, nil)
		if r.status != 200 {
			t.Fatalf("review %s: %s", lang, r)
		}
		figs := figures(t, r.body)
		same(t, figs, "forecast."+fq+".adjusted", obj(t, first, "adjusted")["revenue"])
		same(t, figs, "forecast."+fq+".revenue", first["revenue"])
		same(t, figs, "adjustment.company."+fq+".revenue", 3_333_333.0)
		same(t, figs, "adjustment.company."+fq+".model_revenue", first["revenue"])
		for _, k := range []string{"actual", "model", "adjusted", "model_error", "adjusted_error"} {
			same(t, figs, "accuracy.adjustment.company."+past+"."+k, outcome[k])
		}
		same(t, figs, "accuracy.adjustments.model_mape", acc["model_mape"])
		same(t, figs, "accuracy.adjustments.adjusted_mape", acc["adjusted_mape"])
		page := string(r.body)
		want := map[string][]string{"en": {"Manager&#39;s figure", "大单提前签约", "adjustment and their actuals: 1. The adjusted figure was off by"}, "zh": {"管理层调整值", "大单提前签约", "在 1 个有管理层调整的季度中"}}[lang]
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
	}
}
