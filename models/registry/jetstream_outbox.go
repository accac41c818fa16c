package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream outbox keeps the promise of the Badger one (outbox.go) across any number of
// processes sharing the store, with one key per delivery in the "<prefix>-outbox" bucket,
// d.<tenant>.<id>, whose status moves pending → delivered, dead or cancelled by
// compare-and-set (Badger keeps the pending ones apart; a backup shows the Badger layout).
//
// Every API replica runs a deliverer. So that two replicas do not send the same delivery, a
// replica claims a due delivery before it returns it from DueDeliveries: a key
// c.<tenant>.<id> naming the process, taken with compare-and-set and good for
// deliveryClaim. Another process skips a claimed delivery until the claim runs out (its
// holder died mid-send: the delivery is sent again, at least once as before); the holder
// itself may get it again. AttemptDelivery drops the claim.
//
// There is no transaction across keys: RecordAlerts queues the deliveries before it stores
// the alerts, so that a crash between the two leaves deliveries of alerts that a new check
// raises again (their ids are the same, so nothing is queued twice), never a stored alert
// whose deliveries were lost.

// deliveryClaim is how long a process may take to send a delivery it claimed.
const deliveryClaim = 2 * time.Minute

func deliveryKeyJS(tenant, id string) string { return "d." + tok(tenant) + "." + tok(id) }

func claimKeyJS(tenant, id string) string { return "c." + tok(tenant) + "." + tok(id) }

// RecordAlerts stores alerts and queues their deliveries, due at once; see
// (*Badger).RecordAlerts and the order above.
func (s *JetStream) RecordAlerts(tenant string, alerts []AlertRecord, deliveries []Delivery) (int, error) {
	if err := checkAlerts(tenant, alerts, deliveries); err != nil {
		return 0, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	now := s.now().UTC()
	queued := 0
	for _, d := range deliveries {
		d.Tenant, d.Status, d.Created, d.NextAttempt, d.Attempts, d.Done = tenant, Pending, now, now, []Attempt{}, time.Time{}
		_, err := s.putJSON(ctx, s.outbox, deliveryKeyJS(tenant, d.ID), d, 0)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // pending or done already
		}
		if err != nil {
			return queued, fmt.Errorf("record alerts of %s: delivery %s: %w", tenant, d.ID, err)
		}
		queued++
	}
	for _, a := range alerts {
		if _, err := s.putRecord(s.alerts, tenant, kindAlert, a.ID, a.Data); err != nil {
			return queued, fmt.Errorf("record alerts of %s: %w", tenant, err)
		}
	}
	return queued, nil
}

// deliveryList decodes the deliveries under filter.
func (s *JetStream) deliveryList(ctx context.Context, filter string) ([]Delivery, error) {
	es, err := s.entries(ctx, s.outbox, filter)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(es))
	for _, e := range es {
		var d Delivery
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DueDeliveries returns the pending deliveries of every tenant due at or before now, the
// longest due first, at most limit (≤ 0: all), and claims them for this process: another
// process sharing the store does not get them until they are attempted or the claim runs out.
func (s *JetStream) DueDeliveries(now time.Time, limit int) ([]Delivery, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	all, err := s.deliveryList(ctx, "d.>")
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	var due []Delivery
	for _, d := range all {
		if d.Status == Pending && !d.NextAttempt.After(now) {
			due = append(due, d)
		}
	}
	due = sortDue(due, 0)
	var out []Delivery
	for _, d := range due {
		if limit > 0 && len(out) == limit {
			break
		}
		ok, err := s.claim(ctx, d.Tenant, d.ID)
		if err != nil {
			return out, fmt.Errorf("claim delivery %s/%s: %w", d.Tenant, d.ID, err)
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// claim takes (or renews) this process's claim on a delivery; false when another process
// holds a claim that has not run out.
func (s *JetStream) claim(ctx context.Context, tenant, id string) (bool, error) {
	key := claimKeyJS(tenant, id)
	for range retries {
		var held lease
		rev, err := s.getJSON(ctx, s.outbox, key, &held)
		switch {
		case errors.Is(err, ErrNotFound):
			rev = 0
		case err != nil:
			return false, err
		case held.Owner != s.owner && time.Now().Before(held.Expires):
			return false, nil
		}
		_, err = s.putJSON(ctx, s.outbox, key, lease{Owner: s.owner, Expires: time.Now().Add(deliveryClaim)}, rev)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, err
		}
	}
	return false, nil
}

// changeDelivery applies fn to a delivery by compare-and-set. fn returns an error to leave
// it as it is.
func (s *JetStream) changeDelivery(tenant, id string, fn func(d *Delivery) error) (Delivery, error) {
	if err := validNames("tenant", tenant, "delivery id", id); err != nil {
		return Delivery{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := deliveryKeyJS(tenant, id)
	var err error
	for range retries {
		var d Delivery
		var rev uint64
		if rev, err = s.getJSON(ctx, s.outbox, key, &d); err != nil {
			return Delivery{}, err
		}
		if err = fn(&d); err != nil {
			return Delivery{}, err
		}
		if _, err = s.putJSON(ctx, s.outbox, key, d, rev); err == nil {
			return d, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			break
		}
	}
	return Delivery{}, err
}

// AttemptDelivery records an attempt of a pending delivery and drops this process's claim;
// see (*Badger).AttemptDelivery.
func (s *JetStream) AttemptDelivery(tenant, id string, a Attempt, next time.Time) (Delivery, error) {
	d, err := s.changeDelivery(tenant, id, func(d *Delivery) error {
		if d.Status != Pending {
			return ErrNotFound
		}
		d.Attempts = append(d.Attempts, a)
		if !a.OK && !next.IsZero() {
			d.NextAttempt = next
			return nil
		}
		d.Status, d.Done = Delivered, a.Time
		if !a.OK {
			d.Status = Dead
		}
		return nil
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %s/%s: %w", tenant, id, err)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.outbox.Delete(ctx, claimKeyJS(tenant, id)); err != nil {
		s.log.Warn("delivery claim not dropped; it runs out by itself", "tenant", tenant, "delivery", id, "err", err)
	}
	return d, nil
}

// RetryDelivery puts a dead delivery back in the outbox, due at once; see
// (*Badger).RetryDelivery.
func (s *JetStream) RetryDelivery(tenant, id string) (Delivery, error) {
	d, err := s.changeDelivery(tenant, id, func(d *Delivery) error {
		if d.Status != Dead {
			return fmt.Errorf("%w: it is %s, not dead", ErrNotFound, d.Status)
		}
		d.Status, d.Done, d.NextAttempt = Pending, time.Time{}, s.now().UTC()
		return nil
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("retry delivery %s/%s: %w", tenant, id, err)
	}
	return d, nil
}

// CancelDeliveries marks the pending deliveries about the alerts cancelled and returns how
// many; see (*Badger).CancelDeliveries.
func (s *JetStream) CancelDeliveries(tenant string, alertIDs []string) (int, error) {
	if err := validName("tenant", tenant); err != nil {
		return 0, err
	}
	ctx, cancel := s.ctx()
	ds, err := s.deliveryList(ctx, "d."+tok(tenant)+".*")
	cancel()
	if err != nil {
		return 0, fmt.Errorf("cancel deliveries of %s: %w", tenant, err)
	}
	n := 0
	for _, d := range ds {
		if d.Status != Pending || !slices.Contains(alertIDs, d.AlertID) {
			continue
		}
		_, err := s.changeDelivery(tenant, d.ID, func(d *Delivery) error {
			if d.Status != Pending {
				return ErrNotFound // attempted meanwhile
			}
			d.Status, d.Done = Cancelled, s.now().UTC()
			return nil
		})
		switch {
		case err == nil:
			n++
		case !errors.Is(err, ErrNotFound):
			return n, fmt.Errorf("cancel deliveries of %s: %w", tenant, err)
		}
	}
	return n, nil
}

// Deliveries lists a tenant's deliveries of a status ("" for all), newest first, at most
// limit (≤ 0: all).
func (s *JetStream) Deliveries(tenant, status string, limit int) ([]Delivery, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	ds, err := s.deliveryList(ctx, "d."+tok(tenant)+".*")
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", tenant, err)
	}
	var out []Delivery
	for _, d := range ds {
		if status == "" || d.Status == status {
			out = append(out, d)
		}
	}
	return newestDeliveries(out, limit), nil
}
