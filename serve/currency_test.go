package serve

import (
	"encoding/json"
	"testing"
)

// TestAnswersNameTheCurrency: every answer with amounts of money names the dataset's
// currency at its top, as the forecast does — alerts, posted actuals, indicators,
// recommendations, allocations, what-if, root causes, attribution and adjustments.
func TestAnswersNameTheCurrency(t *testing.T) {
	ts := startServer(t, nil)
	sn := ts.srv.tenant(acme).live.Load()
	want := sn.currency()
	if want == "" {
		t.Fatal("fixture: the dataset names no currency")
	}
	var staff []string
	for id := range sn.incentive.cached {
		staff = append(staff, id)
		if len(staff) == 3 {
			break
		}
	}
	period := lastQuarter()
	for _, c := range []struct {
		method, path, key string
		body              any
	}{
		{"GET", "/v1/forecast?scope=company", "viewer", nil},
		{"GET", "/v1/forecast/adjustments", "viewer", nil},
		{"GET", "/v1/alerts", "viewer", nil},
		{"POST", "/v1/actuals", "hr_system", map[string]any{"as_of": "2026-08-20", "actuals": []map[string]any{{"scope": "company", "period": "2026Q3", "actual": 1000}}}},
		{"GET", "/v1/indicators?role=sales", "viewer", nil},
		{"POST", "/v1/recommendations", "hr_system", map[string]any{"employee_ids": staff}},
		{"POST", "/v1/allocations", "hr_system", map[string]any{"employee_ids": staff, "budget": 10000}},
		{"POST", "/v1/whatif", "viewer", map[string]any{"scope": "company", "changes": []map[string]any{{"driver": "marketing_spend", "percent": 10}}}},
		{"GET", "/v1/rootcauses?scope=company&period=" + period, "viewer", nil},
		{"GET", "/v1/attribution?scope=company&period=" + period, "viewer", nil},
	} {
		r := ts.json(t, c.method, c.path, acme+"/"+c.key, c.body)
		if r.status != 200 {
			t.Errorf("%s %s: %s", c.method, c.path, r)
			continue
		}
		var got struct {
			Currency *string `json:"currency"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil || got.Currency == nil || *got.Currency != want {
			t.Errorf("%s %s: currency %v (%v), want %s", c.method, c.path, got.Currency, err, want)
		}
	}
}
