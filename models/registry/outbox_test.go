package registry

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// The outbox: alerts and their deliveries are recorded together; recording them again queues
// nothing twice; attempts move a delivery to the log as delivered or, out of attempts, dead;
// a dead letter can be retried; an acknowledged alert's deliveries are cancelled; pending
// deliveries survive closing and reopening the store (Badger; on JetStream that is the
// servers' business).
func TestOutbox(t *testing.T) { eachBackend(t, testOutbox) }

func testOutbox(t *testing.T, b backend) {
	s := b.open(t, Options{})
	alerts := []AlertRecord{{ID: "a1", Data: json.RawMessage(`{"id":"a1"}`)}, {ID: "a2", Data: json.RawMessage(`{"id":"a2"}`)}}
	dels := []Delivery{{ID: "d1", AlertID: "a1", Data: json.RawMessage(`{"to":"hook"}`)}, {ID: "d2", AlertID: "a2", Data: json.RawMessage(`{"to":"hook"}`)},
		{ID: "d3", AlertID: "a2", Data: json.RawMessage(`{"to":"mail"}`)}}
	if n, err := s.RecordAlerts("acme", alerts, dels); err != nil || n != 3 {
		t.Fatalf("record: %d %v, want 3 queued", n, err)
	}
	if n, err := s.RecordAlerts("acme", alerts, dels); err != nil || n != 0 {
		t.Fatalf("record again: %d %v, want nothing queued", n, err)
	}
	if recs, _ := s.Alerts("acme", 0); len(recs) != 2 {
		t.Errorf("%d alert records, want 2", len(recs))
	}
	if _, err := s.RecordAlerts("acme", nil, []Delivery{{ID: "bad/id", AlertID: "a1", Data: json.RawMessage(`{}`)}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad id: %v", err)
	}
	if bs, ok := s.(*Badger); ok {
		dir := bs.Dir()
		bs.Close()
		s = openAt(t, dir, Options{})
	}
	now := time.Now()
	due, err := s.DueDeliveries(now.Add(time.Second), 0)
	if err != nil || len(due) != 3 {
		t.Fatalf("due after reopening: %d %v, want 3", len(due), err)
	}
	// d1 fails, then succeeds.
	if d, err := s.AttemptDelivery("acme", "d1", Attempt{Time: now, Detail: "HTTP 500"}, now.Add(time.Hour)); err != nil || d.Status != Pending || len(d.Attempts) != 1 {
		t.Fatalf("failed attempt: %+v %v", d, err)
	}
	if due, _ := s.DueDeliveries(now.Add(time.Second), 0); len(due) != 2 {
		t.Errorf("d1 is due in an hour: %d due now, want 2", len(due))
	}
	if d, err := s.AttemptDelivery("acme", "d1", Attempt{Time: now, OK: true, Detail: "HTTP 200"}, time.Time{}); err != nil || d.Status != Delivered || len(d.Attempts) != 2 {
		t.Fatalf("delivered: %+v %v", d, err)
	}
	if _, err := s.AttemptDelivery("acme", "d1", Attempt{Time: now, OK: true}, time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a delivered delivery attempted again: %v, want ErrNotFound", err)
	}
	if n, _ := s.RecordAlerts("acme", nil, dels[:1]); n != 0 {
		t.Error("a delivered delivery was queued again")
	}
	// d2 runs out of attempts: a dead letter, retried.
	if d, err := s.AttemptDelivery("acme", "d2", Attempt{Time: now, Detail: "connection refused"}, time.Time{}); err != nil || d.Status != Dead {
		t.Fatalf("dead: %+v %v", d, err)
	}
	if dead, _ := s.Deliveries("acme", Dead, 0); len(dead) != 1 || dead[0].ID != "d2" {
		t.Errorf("dead letters %+v", dead)
	}
	if d, err := s.RetryDelivery("acme", "d2"); err != nil || d.Status != Pending {
		t.Errorf("retry: %+v %v", d, err)
	}
	if _, err := s.RetryDelivery("acme", "d1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("retrying a delivered one: %v", err)
	}
	// a2 acknowledged: its deliveries (d2, d3) are cancelled.
	if n, err := s.CancelDeliveries("acme", []string{"a2"}); err != nil || n != 2 {
		t.Errorf("cancel: %d %v, want 2", n, err)
	}
	if pending, _ := s.Deliveries("acme", Pending, 0); len(pending) != 0 {
		t.Errorf("pending after cancelling %+v", pending)
	}
	all, _ := s.Deliveries("acme", "", 0)
	statuses := map[string]string{}
	for _, d := range all {
		statuses[d.ID] = d.Status
	}
	if statuses["d1"] != Delivered || statuses["d2"] != Cancelled || statuses["d3"] != Cancelled {
		t.Errorf("statuses %v", statuses)
	}
	if other, _ := s.Deliveries("beta", "", 0); len(other) != 0 {
		t.Errorf("another tenant sees %v", other)
	}
}

// TestOutboxClaims: two processes sharing a JetStream store never both get a due delivery;
// the one that attempted it lets go, and a failed attempt makes it due again for either.
func TestOutboxClaims(t *testing.T) {
	a := openJetStream(t, Options{})
	nc := natsConn(t)
	b, err := OpenJetStream(nc, Options{}, JetStreamOptions{Prefix: a.prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dels := []Delivery{{ID: "d1", AlertID: "a1", Data: json.RawMessage(`{}`)}, {ID: "d2", AlertID: "a1", Data: json.RawMessage(`{}`)}}
	if n, err := a.RecordAlerts("acme", nil, dels); err != nil || n != 2 {
		t.Fatalf("record: %d %v", n, err)
	}
	if n, err := b.RecordAlerts("acme", nil, dels); err != nil || n != 0 {
		t.Fatalf("the same deliveries recorded by the other process: %d %v, want none queued", n, err)
	}
	now := time.Now()
	gotA, err := a.DueDeliveries(now, 1)
	if err != nil || len(gotA) != 1 {
		t.Fatalf("a: %d due, %v; want 1 (the limit)", len(gotA), err)
	}
	gotB, err := b.DueDeliveries(now, 0)
	if err != nil || len(gotB) != 1 || gotB[0].ID == gotA[0].ID {
		t.Fatalf("b: %+v, %v; want only the delivery a did not claim", gotB, err)
	}
	if again, _ := a.DueDeliveries(now, 0); len(again) != 1 || again[0].ID != gotA[0].ID {
		t.Errorf("a asked again: %+v, want its own claim back and not b's", again)
	}
	// a's attempt fails; the retry is due at once: b may take it now.
	if _, err := a.AttemptDelivery("acme", gotA[0].ID, Attempt{Time: now, Detail: "HTTP 503"}, now); err != nil {
		t.Fatal(err)
	}
	got, err := b.DueDeliveries(now.Add(time.Second), 0)
	if err != nil || len(got) != 2 {
		t.Errorf("b after a's failed attempt: %d due, %v; want both", len(got), err)
	}
}
