package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// A request whose client has gone (its context is cancelled) stops the work it asked for —
// ranking posted slices, scoring posted employees, root causes, the review page — and is
// answered and audited as canceled instead of running to the end.
func TestCancelledRequestsStop(t *testing.T) {
	ts := startServer(t, nil)
	var employees []map[string]any
	for i := range 3000 {
		employees = append(employees, map[string]any{"employee_id": "P" + itoa(i), "role": "sales", "team_id": "east-sales-01", "level": 3})
	}
	recs, _ := json.Marshal(map[string]any{"employees": employees})
	var leaves []map[string]any
	for i := range 2000 {
		leaves = append(leaves, map[string]any{"values": []string{"r" + itoa(i%40), "p" + itoa(i/40)}, "actual": 900 + i%7, "expected": 1000})
	}
	slices, _ := json.Marshal(map[string]any{"dims": []string{"region", "product"}, "kind": "additive", "leaves": leaves})
	cases := []struct {
		name, method, path string
		body               []byte
	}{
		{"posted employees", "POST", "/v1/recommendations", recs},
		{"posted slices", "POST", "/v1/rootcauses/slices", slices},
		{"root causes", "GET", "/v1/rootcauses?scope=region:East&period=2026Q2", nil},
		{"indicators", "GET", "/v1/indicators?role=sales", nil},
		{"posted actuals", "POST", "/v1/actuals", []byte(`{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":900000}]}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, c.method, c.path, bytes.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+ts.keys[acme+"/admin"])
			if c.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			ts.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != StatusClientClosedRequest || !strings.Contains(rec.Body.String(), `"code":"canceled"`) {
				t.Errorf("status %d %s, want 499 canceled", rec.Code, rec.Body.String())
			}
		})
	}
	// The same requests, not cancelled, are answered: nothing was left broken behind.
	for _, c := range cases {
		ctype := ""
		if c.body != nil {
			ctype = "application/json"
		}
		if r := ts.do(t, c.method, c.path, acme+"/admin", ctype, c.body); r.status != http.StatusOK {
			t.Errorf("%s after the cancelled one: status %d %s", c.name, r.status, r.body)
		}
	}
	ts.srv.flushRefusals(true) // canceled mutations are audited with the refusals, per minute
	page, err := ts.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Outcome: "canceled"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) == 0 {
		t.Error("no audit entry with outcome canceled")
	}
}
