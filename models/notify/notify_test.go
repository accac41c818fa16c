package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/smtptest"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/registry"
)

func TestMatches(t *testing.T) {
	a := &alert.Alert{Scope: "team:east-cs", Severity: alert.Warning, Notify: []string{"customer_service", "gm"}}
	for _, tt := range []struct {
		name string
		sub  Subscription
		want bool
	}{
		{"every alert", Subscription{}, true},
		{"by role", Subscription{Roles: []string{"customer_service"}}, true},
		{"another role", Subscription{Roles: []string{"finance"}}, false},
		{"by team", Subscription{Teams: []string{"east-cs"}}, true},
		{"by scope", Subscription{Scopes: []string{"team:east-cs"}}, true},
		{"another scope", Subscription{Scopes: []string{"company"}}, false},
		{"critical only", Subscription{MinSeverity: alert.Critical}, false},
	} {
		if got := tt.sub.Matches(a); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	ok := func() Subscription {
		return Subscription{Name: "on call", Webhook: &Webhook{URL: "https://hooks.example/x", Secret: "0123456789abcdef"}}
	}
	for _, tt := range []struct {
		name  string
		edit  func(*Subscription)
		field string
	}{
		{"ok", func(*Subscription) {}, ""},
		{"no name", func(s *Subscription) { s.Name = "" }, "name"},
		{"no channel", func(s *Subscription) { s.Webhook = nil }, "webhook"},
		{"ftp", func(s *Subscription) { s.Webhook.URL = "ftp://x/y" }, "webhook.url"},
		{"credentials in the URL", func(s *Subscription) { s.Webhook.URL = "https://u:p@x/y" }, "webhook.url"},
		{"short secret", func(s *Subscription) { s.Webhook.Secret = "short" }, "webhook.secret"},
		{"bad address", func(s *Subscription) { s.Email = &Email{To: []string{"not an address"}} }, "email.to[0]"},
		{"bad scope", func(s *Subscription) { s.Scopes = []string{"planet:mars"} }, "scopes[0]"},
		{"bad severity", func(s *Subscription) { s.MinSeverity = "fatal" }, "min_severity"},
	} {
		s := ok()
		tt.edit(&s)
		err := s.Validate()
		var fe *FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
			t.Errorf("%s: err %v, want field %s", tt.name, err, tt.field)
		}
	}
}

// The signature by hand: HMAC-SHA256 with key "key" of "1700000000.{}" is known; Verify takes
// it and refuses a changed body or timestamp.
func TestSign(t *testing.T) {
	// python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"1700000000.{}",hashlib.sha256).hexdigest())'
	const want = "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
	got := Sign("key", "1700000000", []byte("{}"))
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if !Verify("key", "1700000000", []byte("{}"), got) || Verify("key", "1700000001", []byte("{}"), got) || Verify("key", "1700000000", []byte("{ }"), got) {
		t.Error("Verify")
	}
}

func TestPolicyBacksOff(t *testing.T) {
	p := Policy{MaxAttempts: 4, Base: time.Second, Max: 3 * time.Second}
	now := time.Unix(0, 0)
	var got []time.Duration
	for n := 1; n <= 4; n++ {
		next := p.Next(n, now)
		if next.IsZero() {
			got = append(got, 0)
			continue
		}
		got = append(got, next.Sub(now))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
}

// memStore is an outbox in memory for the deliverer's tests.
type memStore struct {
	mu    sync.Mutex
	due   []registry.Delivery
	done  []registry.Delivery
	alert json.RawMessage
	subs  []Subscription
}

func (m *memStore) DueDeliveries(now time.Time, limit int) ([]registry.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []registry.Delivery
	for _, d := range m.due {
		if !d.NextAttempt.After(now) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) AttemptDelivery(tenant, id string, a registry.Attempt, next time.Time) (registry.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, d := range m.due {
		if d.ID == id {
			d.Attempts = append(d.Attempts, a)
			if !a.OK && !next.IsZero() {
				d.NextAttempt = next
				m.due[i] = d
				return d, nil
			}
			d.Status = registry.Delivered
			if !a.OK {
				d.Status = registry.Dead
			}
			m.due = append(m.due[:i], m.due[i+1:]...)
			m.done = append(m.done, d)
			return d, nil
		}
	}
	return registry.Delivery{}, registry.ErrNotFound
}

func (m *memStore) Alert(tenant, id string) (registry.Record, error) {
	return registry.Record{ID: id, Data: m.alert}, nil
}

func (m *memStore) Subscriptions(tenant string) ([]registry.Record, error) {
	var out []registry.Record
	for _, s := range m.subs {
		b, _ := json.Marshal(s)
		out = append(out, registry.Record{ID: s.ID, Data: b})
	}
	return out, nil
}

// A webhook that fails twice is retried with backoff and delivered once, signed; an e-mail
// goes through a local SMTP server written here, on loopback; a deleted subscription's
// delivery is dead at once.
func TestDeliverer(t *testing.T) {
	var mu sync.Mutex
	var got []Payload
	calls := 0
	const secret = "0123456789abcdef0123"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		body, _ := io.ReadAll(r.Body)
		if !Verify(secret, r.Header.Get(HeaderTimestamp), body, r.Header.Get(HeaderSignature)) {
			http.Error(w, "bad signature", 401)
			return
		}
		if calls <= 2 {
			http.Error(w, "busy", 503)
			return
		}
		var p Payload
		json.Unmarshal(body, &p)
		got = append(got, p)
	}))
	defer hook.Close()
	smtpAddr, mails := smtptest.Start(t)

	a := alert.Alert{ID: "a1", Key: "company|revenue|2026Q3", Scope: "company", Metric: "revenue", Severity: alert.Critical, Pace: 0.45, Threshold: 0.8,
		Actual: 1000, Expected: 2222, Target: 5000, Notify: []string{"gm", "sales"}, AsOf: time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)}
	a.Period, _ = datasets.ParseQuarter("2026Q3")
	ab, _ := json.Marshal(a)
	subs := []Subscription{{ID: "s1", Webhook: &Webhook{URL: hook.URL, Secret: secret}}, {ID: "s2", Email: &Email{To: []string{"gm@acme.test"}}}}
	dels := Deliveries([]alert.Alert{a}, subs)
	if len(dels) != 2 {
		t.Fatalf("%d deliveries, want 2", len(dels))
	}
	dels = append(dels, registry.Delivery{ID: "gone", AlertID: "a1", Data: json.RawMessage(`{"subscription":"s9","channel":"webhook"}`)})
	for i := range dels {
		dels[i].Tenant, dels[i].Status = "acme", registry.Pending
	}
	clock := time.Date(2026, 8, 21, 9, 0, 0, 0, time.UTC)
	st := &memStore{due: slices.Clone(dels), alert: ab, subs: subs}
	d := &Deliverer{Store: st, SMTP: &SMTP{Addr: smtpAddr, From: "alerts@growthlens.test"}, Policy: Policy{MaxAttempts: 5, Base: time.Minute, Max: time.Hour},
		Now: func() time.Time { return clock }}
	for round := 0; round < 4; round++ {
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(10 * time.Minute)
	}
	if len(got) != 1 || got[0].DeliveryID != dels[0].ID || got[0].Tenant != "acme" || calls != 3 {
		t.Errorf("webhook got %d payloads in %d calls, want one after two failures", len(got), calls)
	}
	status := map[string]string{}
	for _, dl := range st.done {
		status[dl.ID] = dl.Status
	}
	if status[dels[0].ID] != registry.Delivered || status[dels[1].ID] != registry.Delivered || status["gone"] != registry.Dead || len(st.due) != 0 {
		t.Errorf("statuses %v, %d still due", status, len(st.due))
	}
	m := <-mails
	if !strings.Contains(m, "Subject: [growthlens acme] critical: revenue of company at 45 % of its pace in 2026Q3") ||
		!strings.Contains(m, "To: gm@acme.test") || !strings.Contains(m, "POST /v1/alerts/a1/ack") {
		t.Errorf("mail:\n%s", m)
	}
}

// A server that stops while a webhook is being sent lets the send finish within the grace and
// records what the receiver answered; a send that outlasts the grace is cut short, is not an
// attempt, and stays due.
func TestFlushStoppingMidSend(t *testing.T) {
	const secret = "0123456789abcdef0123"
	for _, tc := range []struct {
		name     string
		answerIn time.Duration // how long the receiver takes after the stop
		attempts int           // attempts recorded
	}{
		{"answers within the grace", 50 * time.Millisecond, 1},
		{"outlasts the grace", 1500 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{})
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(arrived)
				select {
				case <-time.After(tc.answerIn):
				case <-r.Context().Done():
					return
				}
				http.Error(w, "busy", 503)
			}))
			defer hook.Close()
			a := alert.Alert{ID: "a1", Key: "company|revenue|2026Q3", Scope: "company", Metric: "revenue"}
			ab, _ := json.Marshal(a)
			subs := []Subscription{{ID: "s1", Webhook: &Webhook{URL: hook.URL, Secret: secret}}}
			dels := Deliveries([]alert.Alert{a}, subs)
			dels[0].Tenant, dels[0].Status = "acme", registry.Pending
			st := &memStore{due: dels, alert: ab, subs: subs}
			d := &Deliverer{Store: st, Grace: 500 * time.Millisecond, Policy: Policy{MaxAttempts: 5, Base: time.Minute, Max: time.Hour}}
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-arrived; cancel() }()
			if _, err := d.Flush(ctx); !errors.Is(err, context.Canceled) && tc.attempts == 0 {
				t.Errorf("Flush cut short: err %v, want context.Canceled", err)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.due) != 1 || len(st.due[0].Attempts) != tc.attempts {
				t.Fatalf("%d due, attempts %+v: want it due with %d attempts", len(st.due), st.due, tc.attempts)
			}
			if tc.attempts == 1 && (st.due[0].Attempts[0].OK || st.due[0].Attempts[0].Detail != "HTTP 503") {
				t.Errorf("attempt %+v, want the receiver's 503", st.due[0].Attempts[0])
			}
		})
	}
}
