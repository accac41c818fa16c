package serve

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/internal/smtptest"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/notify"
	"github.com/growthlens/growthlens/models/registry"
)

// receiver is a webhook endpoint for the tests: it checks every request's signature, fails
// the first fails requests with a 503, and keeps what it accepted.
type receiver struct {
	srv    *httptest.Server
	secret string

	mu       sync.Mutex
	fails    int
	calls    int
	bad      int
	accepted []notify.Payload
	first    chan struct{} // closed at the first request
}

func newReceiver(t *testing.T, secret string, fails int) *receiver {
	rc := &receiver{secret: secret, fails: fails, first: make(chan struct{})}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.calls++
		if rc.calls == 1 {
			close(rc.first)
		}
		if !notify.Verify(rc.secret, r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)) {
			rc.bad++
			http.Error(w, "bad signature", 401)
			return
		}
		if rc.calls <= rc.fails {
			http.Error(w, "busy", 503)
			return
		}
		var p notify.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.DeliveryID != r.Header.Get(notify.HeaderDelivery) {
			rc.bad++
			http.Error(w, "bad payload", 400)
			return
		}
		rc.accepted = append(rc.accepted, p)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// alertIDs counts the accepted deliveries by alert id.
func (rc *receiver) alertIDs(t *testing.T) map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for _, p := range rc.accepted {
		var a alert.Alert
		if err := json.Unmarshal(p.Alert, &a); err != nil {
			t.Fatal(err)
		}
		out[a.ID]++
	}
	return out
}

// restart starts a server on the store and data of one that was shut down, with the same keys.
func restart(t *testing.T, old *testServer, edit func(*Config)) *testServer {
	t.Helper()
	cfg := old.srv.cfg
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testServer{srv: s, base: "http://" + s.Addr(), dataRoot: old.dataRoot, keys: old.keys, keyIDs: old.keyIDs, client: old.client}
}

// The acceptance: a webhook receiver gets each alert exactly once with a valid signature,
// also after it fails twice with the server restarted in between; an acknowledged alert stays
// quiet (while an alert not acknowledged is raised again after the cooldown).
func TestWebhookExactlyOnceAcrossRestart(t *testing.T) {
	const secret = "webhook-secret-0123456789"
	rc := newReceiver(t, secret, 2)
	fast := func(c *Config) {
		c.Delivery = notify.Policy{MaxAttempts: 8, Base: 700 * time.Millisecond, Max: 700 * time.Millisecond}
		c.DeliveryPoll = 50 * time.Millisecond
	}
	ts := startServer(t, fast)
	sub := map[string]any{"name": "GM on call", "roles": []string{"gm"}, "webhook": map[string]any{"url": rc.srv.URL, "secret": secret}}
	if r := ts.json(t, "POST", "/v1/subscriptions", acme+"/gm", sub); r.status != 201 {
		t.Fatalf("subscribe: %s", r)
	}
	subs := decode[struct {
		Subscriptions []map[string]any `json:"subscriptions"`
	}](t, ts.do(t, "GET", "/v1/subscriptions", acme+"/admin", "", nil)).Subscriptions
	if len(subs) != 1 || strings.Contains(string(ts.do(t, "GET", "/v1/subscriptions", acme+"/admin", "", nil).body), secret) {
		t.Fatalf("subscriptions %v: want one, without its secret", subs)
	}

	sn := ts.srv.tenant(acme).live.Load()
	tq := sn.data.targets[targetKey{"2026Q3", "company", "revenue"}]
	post := func(ts *testServer, asOf string, scopes ...string) []alert.Alert {
		t.Helper()
		var actuals []map[string]any
		for _, sc := range scopes {
			actuals = append(actuals, map[string]any{"scope": sc, "period": "2026Q3", "actual": 0.05 * tq, "target": tq})
		}
		r := ts.json(t, "POST", "/v1/actuals", acme+"/hr_system", map[string]any{"as_of": asOf, "actuals": actuals})
		if r.status != 200 {
			t.Fatalf("actuals: %s", r)
		}
		return decode[actualsResponse](t, r).Alerts
	}
	raised := post(ts, "2026-08-20", "company")
	if len(raised) != 1 {
		t.Fatalf("%d alerts raised, want 1", len(raised))
	}
	id := raised[0].ID

	// The first attempt fails; the server stops before the next and another starts on the
	// same store.
	select {
	case <-rc.first:
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery attempt in 20 s")
	}
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	ts = restart(t, ts, fast)
	deadline := time.Now().Add(30 * time.Second)
	for len(rc.alertIDs(t)) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Raising the same alert again after the restart queues nothing twice.
	if again := post(ts, "2026-08-20", "company"); len(again) != 0 {
		t.Errorf("the same alert raised again: %d", len(again))
	}
	time.Sleep(1500 * time.Millisecond) // two more backoff periods: a duplicate would have come
	rc.mu.Lock()
	calls, bad := rc.calls, rc.bad
	rc.mu.Unlock()
	if got := rc.alertIDs(t); got[id] != 1 || len(got) != 1 || calls != 3 || bad != 0 {
		t.Fatalf("receiver accepted %v in %d calls (%d with a bad signature), want alert %s once after two failures", got, calls, bad, id)
	}
	dels := decode[struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}](t, ts.do(t, "GET", "/v1/deliveries", acme+"/gm", "", nil)).Deliveries
	if len(dels) != 1 || dels[0].Status != registry.Delivered || len(dels[0].Attempts) != 3 || dels[0].Attempts[0].OK || !dels[0].Attempts[2].OK {
		t.Errorf("delivery log %+v, want one delivery, two failed attempts and a good one", dels)
	}

	// Acknowledged: ten days later the company is still behind (past the 7-day cooldown it
	// would be raised again), but it stays quiet; East, not acknowledged, is raised.
	r := ts.json(t, "POST", "/v1/alerts/"+id+"/ack", acme+"/gm", map[string]any{"note": "we know: the big deal slipped"})
	if r.status != 200 {
		t.Fatalf("ack: %s", r)
	}
	later := post(ts, "2026-08-30", "company", "region:East")
	if len(later) != 1 || later[0].Scope != "region:East" {
		t.Errorf("after the ack, raised %+v, want only region:East", later)
	}
	open := decode[struct {
		Alerts []alertJSON `json:"alerts"`
	}](t, ts.do(t, "GET", "/v1/alerts?open=true", acme+"/viewer", "", nil)).Alerts
	for _, a := range open {
		if a.ID == id {
			t.Errorf("the acknowledged alert is listed as open")
		}
	}
	time.Sleep(time.Second)
	if got := rc.alertIDs(t); got[id] != 1 {
		t.Errorf("the acknowledged alert was delivered %d times, want once", got[id])
	}
	page, err := ts.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Action: "alerts.ack"})
	if err != nil || len(page.Entries) != 1 {
		t.Errorf("audit of the ack: %v %v", page.Entries, err)
	}
	checkError(t, ts.json(t, "POST", "/v1/alerts/nope/ack", acme+"/gm", map[string]any{}), 404, ENotFound)
	checkError(t, ts.json(t, "POST", "/v1/alerts/"+id+"/ack", acme+"/viewer", map[string]any{}), 403, EPermission)
}

// E-mail goes through the operator's SMTP server (a test server on loopback); a muted scope
// stays quiet; a webhook that never answers becomes a dead letter that can be retried; the
// role KPI check raises alerts about teams' indicators, not only revenue.
func TestEmailMuteDeadLettersAndKPIAlerts(t *testing.T) {
	smtpAddr, mails := smtptest.Start(t)
	ts := startServer(t, func(c *Config) {
		c.SMTP = &notify.SMTP{Addr: smtpAddr, From: "alerts@growthlens.test"}
		c.Delivery = notify.Policy{MaxAttempts: 1, Base: time.Millisecond, Max: time.Millisecond}
		c.DeliveryPoll = 50 * time.Millisecond
	})
	for _, sub := range []map[string]any{
		{"name": "GM by mail", "roles": []string{"gm"}, "email": map[string]any{"to": []string{"gm@acme.test"}}},
		{"name": "a dead endpoint", "scopes": []string{"region:East"}, "webhook": map[string]any{"url": "http://127.0.0.1:1/hook"}},
	} {
		if r := ts.json(t, "POST", "/v1/subscriptions", acme+"/admin", sub); r.status != 201 {
			t.Fatalf("subscribe: %s", r)
		}
	}
	checkError(t, ts.json(t, "POST", "/v1/subscriptions", acme+"/admin", map[string]any{"name": "x", "webhook": map[string]any{"url": "ftp://x"}}), 400, EInvalid)

	sn := ts.srv.tenant(acme).live.Load()
	tq := sn.data.targets[targetKey{"2026Q3", "company", "revenue"}]
	r := ts.json(t, "POST", "/v1/actuals", acme+"/hr_system", map[string]any{"as_of": "2026-08-20", "actuals": []map[string]any{
		{"scope": "company", "period": "2026Q3", "actual": 0.05 * tq, "target": tq},
		{"scope": "region:East", "period": "2026Q3", "actual": 0.05 * tq, "target": tq}}})
	raised := decode[actualsResponse](t, r).Alerts
	if len(raised) != 2 {
		t.Fatalf("%d alerts, want 2: %s", len(raised), r)
	}
	var m string
	for i := 0; i < 2; i++ { // both alerts notify the GM
		select {
		case m = <-mails:
		case <-time.After(20 * time.Second):
			t.Fatal("no e-mail in 20 s")
		}
		if !strings.Contains(m, "To: gm@acme.test") || !strings.Contains(m, "Subject: [growthlens acme] critical: revenue of ") {
			t.Errorf("mail:\n%s", m)
		}
	}

	// The dead endpoint's delivery is a dead letter after its one attempt; retried, it is
	// pending again.
	var dead []deliveryJSON
	for deadline := time.Now().Add(20 * time.Second); len(dead) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		dead = decode[struct {
			Deliveries []deliveryJSON `json:"deliveries"`
		}](t, ts.do(t, "GET", "/v1/deliveries?status=dead", acme+"/gm", "", nil)).Deliveries
	}
	if len(dead) != 1 || dead[0].Target.Channel != notify.ChannelWebhook || len(dead[0].Attempts) != 1 {
		t.Fatalf("dead letters %+v", dead)
	}
	if r := ts.json(t, "POST", "/v1/deliveries/"+dead[0].ID+"/retry", acme+"/gm", map[string]any{}); r.status != 200 {
		t.Errorf("retry: %s", r)
	}

	// Muted East: its alert ten days later stays quiet.
	var east string
	for _, a := range raised {
		if a.Scope == "region:East" {
			east = a.ID
		}
	}
	if r := ts.json(t, "POST", "/v1/alerts/"+east+"/mute", acme+"/gm", map[string]any{"days": 30}); r.status != 200 {
		t.Fatalf("mute: %s", r)
	}
	later := decode[actualsResponse](t, ts.json(t, "POST", "/v1/actuals", acme+"/hr_system", map[string]any{"as_of": "2026-08-30", "actuals": []map[string]any{
		{"scope": "region:East", "period": "2026Q3", "actual": 0.05 * tq, "target": tq}}}))
	if len(later.Alerts) != 0 || len(later.Suppressed) != 1 {
		t.Errorf("a muted scope: raised %d, suppressed %d; want it suppressed", len(later.Alerts), len(later.Suppressed))
	}

	// Role KPIs: with a 2026 goal, the teams whose indicators lag their targets are alerted,
	// their role told.
	if r := ts.json(t, "POST", "/v1/goals", acme+"/gm", map[string]any{"period": "2026", "target": 0.3}); r.status != 201 {
		t.Fatalf("goal: %s", r)
	}
	r = ts.json(t, "POST", "/v1/alerts/check", acme+"/hr_system", map[string]any{})
	var check struct {
		Period string        `json:"period"`
		Alerts []alert.Alert `json:"alerts"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &check) != nil {
		t.Fatalf("check: %s", r)
	}
	if check.Period != "2026" || len(check.Alerts) == 0 {
		t.Fatalf("check of %s raised %d alerts, want some", check.Period, len(check.Alerts))
	}
	for _, a := range check.Alerts {
		if !strings.HasPrefix(a.Scope, "team:") || a.Metric == "revenue" && a.Scope == "company" || !(a.Pace < 0.8) || len(a.Notify) == 0 {
			t.Errorf("KPI alert %+v", a)
		}
	}
	if again := decode[struct {
		Alerts []alert.Alert `json:"alerts"`
	}](t, ts.json(t, "POST", "/v1/alerts/check", acme+"/hr_system", map[string]any{})); len(again.Alerts) != 0 {
		t.Errorf("the same check again raised %d alerts, want them deduplicated", len(again.Alerts))
	}
}
