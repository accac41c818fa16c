package registry

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// The outbox makes sure nothing raised is lost or delivered twice across restarts. Whoever
// raises alerts records them and the deliveries they need in one transaction (RecordAlerts);
// a deliverer takes the deliveries that are due (DueDeliveries), tries them, and records each
// attempt (AttemptDelivery): a success moves the delivery to the delivery log, a failure sets
// its next attempt, and the last allowed failure moves it to the log as dead (a dead letter,
// which RetryDelivery puts back). A delivery's id is chosen by the caller from what it
// delivers, so recording the same delivery again is a no-op, whether it is pending, delivered
// or dead. Subscriptions (who gets what) and alert states (acknowledged, muted) are opaque
// JSON records like runs and alerts; the package that writes them defines them.
//
//	t/<tenant>/outbox/<id>       a delivery not yet done
//	t/<tenant>/delivery/<id>     a delivery done: delivered, dead or cancelled
//	t/<tenant>/sub/<id>          a subscription
//	t/<tenant>/alertstate/<id>   an alert's state

const (
	kindOutbox     = "outbox"
	kindDelivery   = "delivery"
	kindSub        = "sub"
	kindAlertState = "alertstate"
)

// Delivery statuses.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Dead      = "dead"
	Cancelled = "cancelled"
)

// Delivery is one thing to deliver: its payload and where to (Data, opaque to the store),
// with its attempts.
type Delivery struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	// AlertID is what the delivery is about (CancelDeliveries finds it by it).
	AlertID string          `json:"alert_id"`
	Data    json.RawMessage `json:"data"`
	Status  string          `json:"status"`
	Created time.Time       `json:"created"`
	// NextAttempt is when a pending delivery is due; Done when it left the outbox.
	NextAttempt time.Time `json:"next_attempt"`
	Done        time.Time `json:"done,omitzero"`
	Attempts    []Attempt `json:"attempts"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	Time time.Time `json:"time"`
	OK   bool      `json:"ok"`
	// Detail says what came back: "HTTP 200", "HTTP 503", "dial tcp …: connection refused".
	Detail string `json:"detail"`
}

// AlertRecord is an alert as RecordAlerts stores it.
type AlertRecord struct {
	ID   string
	Data json.RawMessage
}

// RecordAlerts stores alerts (as PutAlert does) and queues the deliveries, due at once, in one
// transaction: either all of it is kept or none. A delivery whose id is already pending or
// done is left as it is. It returns how many deliveries it queued.
func (s *Badger) RecordAlerts(tenant string, alerts []AlertRecord, deliveries []Delivery) (int, error) {
	if err := checkAlerts(tenant, alerts, deliveries); err != nil {
		return 0, err
	}
	queued := 0
	err := s.update(func(txn *badger.Txn) error {
		queued = 0
		now := s.now().UTC()
		for _, a := range alerts {
			rec := Record{ID: a.ID, Created: now, Updated: now, Data: a.Data}
			var old Record
			switch err := getJSON(txn, recordKey(tenant, kindAlert, a.ID), &old); {
			case err == nil:
				rec.Created = old.Created
			case !errors.Is(err, ErrNotFound):
				return err
			}
			if err := setJSON(txn, recordKey(tenant, kindAlert, a.ID), rec); err != nil {
				return err
			}
		}
		for _, d := range deliveries {
			exists, err := hasKey(txn, recordKey(tenant, kindOutbox, d.ID))
			if err == nil && !exists {
				exists, err = hasKey(txn, recordKey(tenant, kindDelivery, d.ID))
			}
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			d.Tenant, d.Status, d.Created, d.NextAttempt, d.Attempts = tenant, Pending, now, now, []Attempt{}
			if err := setJSON(txn, recordKey(tenant, kindOutbox, d.ID), d); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record alerts of %s: %w", tenant, err)
	}
	return queued, nil
}

// checkAlerts validates the arguments of RecordAlerts.
func checkAlerts(tenant string, alerts []AlertRecord, deliveries []Delivery) error {
	if err := validName("tenant", tenant); err != nil {
		return err
	}
	for _, a := range alerts {
		if err := validName("alert id", a.ID); err != nil {
			return err
		}
		if !json.Valid(a.Data) {
			return invalidf("alert %s/%s: data is not valid JSON", tenant, a.ID)
		}
	}
	for _, d := range deliveries {
		if err := validNames("delivery id", d.ID, "alert id", d.AlertID); err != nil {
			return err
		}
		if !json.Valid(d.Data) {
			return invalidf("delivery %s/%s: data is not valid JSON", tenant, d.ID)
		}
	}
	return nil
}

// sortDue orders due deliveries the longest due first and keeps at most limit (≤ 0: all).
func sortDue(out []Delivery, limit int) []Delivery {
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Or(a.NextAttempt.Compare(b.NextAttempt), cmp.Compare(a.ID, b.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// newestDeliveries orders deliveries newest first and keeps at most limit (≤ 0: all); never nil.
func newestDeliveries(out []Delivery, limit int) []Delivery {
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []Delivery{}
	}
	return out
}

func hasKey(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return false, nil
	}
	return false, err
}

// DueDeliveries returns the pending deliveries of every tenant due at or before now, the
// longest due first, at most limit (≤ 0: all).
func (s *Badger) DueDeliveries(now time.Time, limit int) ([]Delivery, error) {
	tenants, err := s.Tenants()
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for _, t := range tenants {
		ds, err := s.outbox(t)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if !d.NextAttempt.After(now) {
				out = append(out, d)
			}
		}
	}
	return sortDue(out, limit), nil
}

func (s *Badger) outbox(tenant string) ([]Delivery, error) {
	return listJSON[Delivery](s, recordPrefix(tenant, kindOutbox))
}

// listJSON decodes every value under a prefix.
func listJSON[T any](s *Badger, prefix []byte) ([]T, error) {
	var out []T
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v T
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorrupt, it.Item().Key(), err)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// AttemptDelivery records an attempt of a pending delivery. A successful attempt moves it to
// the delivery log as delivered; a failed one sets its next attempt to next, or, when next is
// zero (no attempt left), moves it to the log as dead. It returns the delivery as it now is,
// and ErrNotFound when it is no longer pending (cancelled meanwhile).
func (s *Badger) AttemptDelivery(tenant, id string, a Attempt, next time.Time) (Delivery, error) {
	if err := validNames("tenant", tenant, "delivery id", id); err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err := s.update(func(txn *badger.Txn) error {
		if err := getJSON(txn, recordKey(tenant, kindOutbox, id), &d); err != nil {
			return err
		}
		d.Attempts = append(d.Attempts, a)
		if !a.OK && !next.IsZero() {
			d.NextAttempt = next
			return setJSON(txn, recordKey(tenant, kindOutbox, id), d)
		}
		d.Status, d.Done = Delivered, a.Time
		if !a.OK {
			d.Status = Dead
		}
		if err := txn.Delete(recordKey(tenant, kindOutbox, id)); err != nil {
			return err
		}
		return setJSON(txn, recordKey(tenant, kindDelivery, id), d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %s/%s: %w", tenant, id, err)
	}
	return d, nil
}

// RetryDelivery puts a dead delivery back in the outbox, due at once. ErrNotFound when there
// is no dead delivery of that id.
func (s *Badger) RetryDelivery(tenant, id string) (Delivery, error) {
	if err := validNames("tenant", tenant, "delivery id", id); err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err := s.update(func(txn *badger.Txn) error {
		if err := getJSON(txn, recordKey(tenant, kindDelivery, id), &d); err != nil {
			return err
		}
		if d.Status != Dead {
			return fmt.Errorf("%w: it is %s, not dead", ErrNotFound, d.Status)
		}
		d.Status, d.Done, d.NextAttempt = Pending, time.Time{}, s.now().UTC()
		if err := txn.Delete(recordKey(tenant, kindDelivery, id)); err != nil {
			return err
		}
		return setJSON(txn, recordKey(tenant, kindOutbox, id), d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("retry delivery %s/%s: %w", tenant, id, err)
	}
	return d, nil
}

// CancelDeliveries moves the pending deliveries about the alerts to the log as cancelled (an
// acknowledged alert stays quiet) and returns how many.
func (s *Badger) CancelDeliveries(tenant string, alertIDs []string) (int, error) {
	if err := validName("tenant", tenant); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(func(txn *badger.Txn) error {
		n = 0
		now := s.now().UTC()
		it := txn.NewIterator(badger.IteratorOptions{Prefix: recordPrefix(tenant, kindOutbox)})
		var cancel []Delivery
		for it.Rewind(); it.Valid(); it.Next() {
			var d Delivery
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &d) }); err != nil {
				it.Close()
				return fmt.Errorf("%w: %s: %v", ErrCorrupt, it.Item().Key(), err)
			}
			if slices.Contains(alertIDs, d.AlertID) {
				cancel = append(cancel, d)
			}
		}
		it.Close()
		for _, d := range cancel {
			d.Status, d.Done = Cancelled, now
			if err := txn.Delete(recordKey(tenant, kindOutbox, d.ID)); err != nil {
				return err
			}
			if err := setJSON(txn, recordKey(tenant, kindDelivery, d.ID), d); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("cancel deliveries of %s: %w", tenant, err)
	}
	return n, nil
}

// Deliveries lists a tenant's deliveries of a status (Pending, Delivered, Dead, Cancelled;
// "" for all), newest first, at most limit (≤ 0: all).
func (s *Badger) Deliveries(tenant, status string, limit int) ([]Delivery, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	var out []Delivery
	if status == "" || status == Pending {
		ds, err := s.outbox(tenant)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	if status != Pending {
		ds, err := listJSON[Delivery](s, recordPrefix(tenant, kindDelivery))
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if status == "" || d.Status == status {
				out = append(out, d)
			}
		}
	}
	return newestDeliveries(out, limit), nil
}

// PutSubscription stores or replaces a subscription record.
func (s *Badger) PutSubscription(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(tenant, kindSub, id, data)
}

// Subscriptions returns a tenant's subscription records, newest first.
func (s *Badger) Subscriptions(tenant string) ([]Record, error) {
	return s.listRecords(tenant, kindSub, 0)
}

// DeleteSubscription removes a subscription; ErrNotFound if there is none.
func (s *Badger) DeleteSubscription(tenant, id string) error {
	return s.deleteRecord(tenant, kindSub, id)
}

// PutAlertState stores or replaces an alert state record (acknowledged, muted).
func (s *Badger) PutAlertState(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(tenant, kindAlertState, id, data)
}

// AlertStates returns a tenant's alert state records, newest first.
func (s *Badger) AlertStates(tenant string) ([]Record, error) {
	return s.listRecords(tenant, kindAlertState, 0)
}

func (s *Badger) deleteRecord(tenant, kind, id string) error {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return err
	}
	err := s.update(func(txn *badger.Txn) error {
		key := recordKey(tenant, kind, id)
		if ok, err := hasKey(txn, key); err != nil {
			return err
		} else if !ok {
			return ErrNotFound
		}
		return txn.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("delete %s %s/%s: %w", kind, tenant, id, err)
	}
	return nil
}
