package serve

import (
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// TestRefusalsAggregated is defects 3 and 9: one viewer key wrote an audit entry for every
// refused request (13,301 in 20 s), while failed authentication on mutating routes wrote
// none. Refusals are now one entry per key, action and outcome per minute with a count, and
// failed authentication is among them.
func TestRefusalsAggregated(t *testing.T) {
	ts := startServer(t, nil)
	body := []byte(`{"as_of":"2026-08-20","actuals":[{"scope":"region:West","period":"2026-08","actual":1000,"target":400000}]}`)
	for range 30 {
		r := ts.do(t, "POST", "/v1/actuals", acme+"/viewer", "application/json", body)
		checkError(t, r, 403, EPermission)
	}
	for range 20 {
		r := ts.do(t, "POST", "/v1/actuals", "", "application/json", body)
		checkError(t, r, 401, EUnauthenticated)
		r = ts.do(t, "POST", "/v1/actuals", "raw:Bearer glk_notakey", "application/json", body)
		checkError(t, r, 401, EUnauthenticated)
	}
	flushRefusals(ts)
	st := ts.srv.Store()
	page, err := st.AuditLog(registry.AuditQuery{Action: "actuals.post", Who: ts.keyIDs[acme+"/viewer"]})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].Count != 30 || page.Entries[0].Outcome != "denied" {
		t.Errorf("30 refused requests of one key gave %d entries: %+v; want one with count 30", len(page.Entries), page.Entries)
	}
	page, err = st.AuditLog(registry.AuditQuery{Action: "actuals.post", Outcome: "unauthenticated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].Count != 40 || page.Entries[0].Who != unauthenticatedWho {
		t.Errorf("40 failed authentications gave %d entries: %+v; want one with count 40", len(page.Entries), page.Entries)
	}

	// Accepted mutations keep one entry each.
	for range 3 {
		if r := ts.do(t, "POST", "/v1/actuals", acme+"/hr_system", "application/json", body); r.status != 200 {
			t.Fatalf("post actuals: %s", r)
		}
	}
	page, err = st.AuditLog(registry.AuditQuery{Action: "actuals.post", Who: ts.keyIDs[acme+"/hr_system"]})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 3 {
		t.Errorf("3 accepted posts gave %d entries, want 3", len(page.Entries))
	}
}

// flushRefusals writes the aggregated refusals now, as the server does each minute.
func flushRefusals(ts *testServer) { ts.srv.flushRefusals(true) }

// TestRefusedKeyAuditedUnderTenant is the rest of defect 9 of issue 14: a failed
// authentication was audited with no tenant, so a tenant's admin never saw that a revoked key
// of theirs was still in use. A revoked (or expired) key names its tenant: its attempts are
// in that tenant's audit log under the key's id, aggregated like other refusals, and the
// client's answer is the same 401 as for an unknown key. An unknown secret names no tenant.
func TestRefusedKeyAuditedUnderTenant(t *testing.T) {
	ts := startServer(t, nil)
	st := ts.srv.Store()
	secret, k, err := st.CreateKey(acme, "hr_system", "to revoke")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeKey(acme, k.ID); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"as_of":"2026-08-20","actuals":[{"scope":"region:West","period":"2026-08","actual":1000,"target":400000}]}`)
	for range 5 {
		r := ts.do(t, "POST", "/v1/actuals", "raw:Bearer "+secret, "application/json", body)
		checkError(t, r, 401, EUnauthenticated)
		if !strings.Contains(string(r.body), `"message":"invalid API key"`) {
			t.Errorf("a revoked key's answer differs from an unknown key's: %s", r)
		}
	}
	flushRefusals(ts)
	page, err := st.AuditLog(registry.AuditQuery{Tenant: acme, Action: "actuals.post", Outcome: "unauthenticated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].Count != 5 || page.Entries[0].Who != k.ID || page.Entries[0].Role != "hr_system" ||
		!strings.Contains(page.Entries[0].Detail, "revoked") {
		t.Errorf("5 attempts with a revoked key of %s gave %+v; want one entry of count 5 under key %s, role hr_system, saying it is revoked", acme, page.Entries, k.ID)
	}
	// The tenant's admin sees it through the API too.
	r := ts.do(t, "GET", "/v1/audit?outcome=unauthenticated", acme+"/admin", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), k.ID) {
		t.Errorf("GET /v1/audit of %s does not show the revoked key's attempts: %s", acme, r)
	}
	// Another tenant does not.
	if r := ts.do(t, "GET", "/v1/audit?outcome=unauthenticated", globex+"/admin", "", nil); strings.Contains(string(r.body), k.ID) {
		t.Errorf("%s's audit shows %s's key: %s", globex, acme, r)
	}
}
