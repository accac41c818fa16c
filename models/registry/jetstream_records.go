package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// PutRun stores or replaces a run record; Created is kept from the first Put.
func (s *JetStream) PutRun(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(s.runs, tenant, kindRun, id, data)
}

// CreateRun stores a new run record under base, or base-2, base-3, … (see (*Badger).CreateRun).
// Creating a key is atomic in JetStream, so two processes never get the same id.
func (s *JetStream) CreateRun(tenant, base string, data func(id string) (json.RawMessage, error)) (string, error) {
	if err := validNames("tenant", tenant, "run id", base); err != nil {
		return "", err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for n := 1; n <= maxRunSuffix; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		if err := validName("run id", id); err != nil {
			return "", fmt.Errorf("create run %s/%s: %w", tenant, base, err)
		}
		key := tok(tenant) + "." + tok(id)
		if _, err := s.get(ctx, s.runs, key); err == nil {
			continue
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return "", fmt.Errorf("create run %s/%s: %w", tenant, base, err)
		}
		b, err := data(id)
		if err != nil {
			return "", fmt.Errorf("create run %s/%s: %w", tenant, base, err)
		}
		if !json.Valid(b) {
			return "", fmt.Errorf("create run %s/%s: %w", tenant, base, invalidf("run %s/%s: data is not valid JSON", tenant, id))
		}
		now := s.now().UTC()
		_, err = s.putJSON(ctx, s.runs, key, Record{ID: id, Created: now, Updated: now, Data: b}, 0)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // another process took this id between the read and the create
		}
		if err != nil {
			return "", fmt.Errorf("create run %s/%s: %w", tenant, base, err)
		}
		return id, nil
	}
	return "", fmt.Errorf("create run %s/%s: %w", tenant, base, invalidf("run %s/%s: %d runs already have this id", tenant, base, maxRunSuffix))
}

// Run returns one run record, or ErrNotFound.
func (s *JetStream) Run(tenant, id string) (Record, error) {
	return s.getRecord(s.runs, tenant, kindRun, id)
}

// Runs returns a tenant's run records, newest first; limit ≤ 0 means all.
func (s *JetStream) Runs(tenant string, limit int) ([]Record, error) {
	return s.listRecords(s.runs, tenant, kindRun, limit)
}

// PutAlert stores or replaces an alert record.
func (s *JetStream) PutAlert(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(s.alerts, tenant, kindAlert, id, data)
}

// Alert returns one alert record, or ErrNotFound.
func (s *JetStream) Alert(tenant, id string) (Record, error) {
	return s.getRecord(s.alerts, tenant, kindAlert, id)
}

// Alerts returns a tenant's alert records, newest first; limit ≤ 0 means all.
func (s *JetStream) Alerts(tenant string, limit int) ([]Record, error) {
	return s.listRecords(s.alerts, tenant, kindAlert, limit)
}

// DeleteAlert removes an alert record; ErrNotFound if there is none.
func (s *JetStream) DeleteAlert(tenant, id string) error {
	return s.deleteRecord(s.alerts, tenant, kindAlert, id)
}

// PutSubscription stores or replaces a subscription record.
func (s *JetStream) PutSubscription(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(s.subs2, tenant, kindSub, id, data)
}

// Subscriptions returns a tenant's subscription records, newest first.
func (s *JetStream) Subscriptions(tenant string) ([]Record, error) {
	return s.listRecords(s.subs2, tenant, kindSub, 0)
}

// DeleteSubscription removes a subscription; ErrNotFound if there is none.
func (s *JetStream) DeleteSubscription(tenant, id string) error {
	return s.deleteRecord(s.subs2, tenant, kindSub, id)
}

// PutAlertState stores or replaces an alert state record.
func (s *JetStream) PutAlertState(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(s.states, tenant, kindAlertState, id, data)
}

// AlertStates returns a tenant's alert state records, newest first.
func (s *JetStream) AlertStates(tenant string) ([]Record, error) {
	return s.listRecords(s.states, tenant, kindAlertState, 0)
}

func (s *JetStream) deleteRecord(b jetstream.KeyValue, tenant, kind, id string) error {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := tok(tenant) + "." + tok(id)
	e, err := s.get(ctx, b, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		err = ErrNotFound
	}
	if err == nil {
		err = b.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	}
	if err != nil {
		return fmt.Errorf("delete %s %s/%s: %w", kind, tenant, id, err)
	}
	return nil
}

// retries bounds the compare-and-set loops that lost to a concurrent writer.
const retries = 100

func (s *JetStream) putRecord(b jetstream.KeyValue, tenant, kind, id string, data json.RawMessage) (Record, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Record{}, err
	}
	if !json.Valid(data) {
		return Record{}, invalidf("%s %s/%s: data is not valid JSON", kind, tenant, id)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := tok(tenant) + "." + tok(id)
	var err error
	for range retries {
		now := s.now().UTC()
		rec := Record{ID: id, Created: now, Updated: now, Data: data}
		var old Record
		var rev uint64
		rev, err = s.getJSON(ctx, b, key, &old)
		switch {
		case err == nil:
			rec.Created = old.Created
		case !errors.Is(err, ErrNotFound):
			return Record{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
		}
		if _, err = s.putJSON(ctx, b, key, rec, rev); err == nil {
			return rec, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			break
		}
	}
	return Record{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
}

func (s *JetStream) getRecord(b jetstream.KeyValue, tenant, kind, id string) (Record, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Record{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var rec Record
	if _, err := s.getJSON(ctx, b, tok(tenant)+"."+tok(id), &rec); err != nil {
		return Record{}, fmt.Errorf("%s %s/%s: %w", kind, tenant, id, err)
	}
	return rec, nil
}

func (s *JetStream) listRecords(b jetstream.KeyValue, tenant, kind string, limit int) ([]Record, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	es, err := s.entries(ctx, b, tok(tenant)+".*")
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
	}
	out := []Record{}
	for _, e := range es {
		var rec Record
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &rec); err != nil {
			return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
		}
		out = append(out, rec)
	}
	return newestFirst(out, limit), nil
}

// Audit appends an entry to the audit log; see (*Badger).Audit.
func (s *JetStream) Audit(e AuditEntry) (AuditEntry, error) {
	e, err := newAuditEntry(e, s.now)
	if err != nil {
		return AuditEntry{}, err
	}
	// The entry has a key of its own, so a write whose answer was lost (the server it went
	// through died; a stream leader moved) is tried again, in shorter attempts within the
	// timeout, and a retry that finds it written has succeeded. The audit entry of a change
	// that was made must not be lost to a NATS failover.
	// Attempts of a third of the timeout each, for up to twice the timeout in all: a
	// failover may take longer than one. An attempt that fails at once (no server answers
	// for the bucket while its stream elects a leader) waits before the next, so that the
	// attempts span the election instead of all failing within it.
	end := time.Now().Add(2 * s.timeout)
	wait := 100 * time.Millisecond
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout/3)
		_, err = s.putJSON(ctx, s.audit, auditKeyJS(e), e, 0)
		cancel()
		switch {
		case err == nil, i > 0 && errors.Is(err, jetstream.ErrKeyExists):
			return e, nil
		case errors.Is(err, jetstream.ErrKeyExists):
			return AuditEntry{}, fmt.Errorf("append audit entry: %w", err)
		}
		if time.Now().Add(wait).After(end) {
			return AuditEntry{}, fmt.Errorf("append audit entry (%d attempts): %w", i+1, err)
		}
		s.log.Warn("audit entry not written yet; trying again", "attempt", i+1, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// auditKeyJS orders entries by time: fixed-width Unix nanoseconds, then the id.
func auditKeyJS(e AuditEntry) string { return pad(max(e.Time.UnixNano(), 0), 20) + "." + e.ID }

// AuditLog returns a page of audit entries matching q, newest first. It reads the whole log
// and sorts it in memory (a JetStream bucket cannot be read backwards by key), which is
// fine for the thousands of entries a registry's mutations make; see docs/cluster.md.
func (s *JetStream) AuditLog(q AuditQuery) (AuditPage, error) {
	limit, err := q.limit()
	if err != nil {
		return AuditPage{}, err
	}
	var after []byte
	if q.Cursor != "" {
		c, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(c) < 22 || c[20] != '.' {
			return AuditPage{}, invalidf("audit cursor %q is not one this store returned", q.Cursor)
		}
		after = c
	}
	ctx, cancel := s.ctx()
	defer cancel()
	es, err := s.entries(ctx, s.audit, ">")
	if err != nil {
		return AuditPage{}, fmt.Errorf("read audit log: %w", err)
	}
	slices.SortFunc(es, func(a, b jetstream.KeyValueEntry) int { return strings.Compare(b.Key(), a.Key()) })
	var since, until string
	if !q.Since.IsZero() {
		since = pad(max(q.Since.UnixNano(), 0), 20)
	}
	if !q.Until.IsZero() {
		until = pad(max(q.Until.UnixNano(), 0), 20)
	}
	page := AuditPage{Entries: []AuditEntry{}}
	var lastKey string
	for _, en := range es {
		key := en.Key()
		if after != nil && bytes.Compare([]byte(key), after) >= 0 {
			continue
		}
		if until != "" && key >= until {
			continue
		}
		if since != "" && key < since {
			break
		}
		var e AuditEntry
		if err := s.decode(en.Bucket(), key, en.Value(), &e); err != nil {
			return AuditPage{}, fmt.Errorf("read audit log: %w", err)
		}
		if !q.matches(e) {
			continue
		}
		if len(page.Entries) == limit {
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(lastKey))
			break
		}
		page.Entries = append(page.Entries, e)
		lastKey = key
	}
	return page, nil
}

func apiKeyJS(hash string) string { return hash[:keyIDLen] + "." + hash }

// CreateKey makes a new API key that does not expire; see CreateKeyWith.
func (s *JetStream) CreateKey(tenant, role, label string) (string, APIKey, error) {
	return s.CreateKeyWith(tenant, role, label, KeyOptions{})
}

// CreateKeyWith makes a new API key and returns its secret; see (*Badger).CreateKeyWith.
func (s *JetStream) CreateKeyWith(tenant, role, label string, opt KeyOptions) (string, APIKey, error) {
	secret, k, err := newAPIKey(tenant, role, label, opt, s.now)
	if err != nil {
		return "", APIKey{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if _, _, err := s.findKey(ctx, k.ID); err == nil {
		return "", APIKey{}, fmt.Errorf("create key: key id %s already exists; try again", k.ID)
	} else if !errors.Is(err, ErrNotFound) {
		return "", APIKey{}, fmt.Errorf("create key: %w", err)
	}
	if _, err := s.putJSON(ctx, s.keys, apiKeyJS(k.Hash), k, 0); err != nil {
		return "", APIKey{}, fmt.Errorf("create key: %w", err)
	}
	return secret, k, nil
}

// findKey returns the key whose id is id, and its revision.
func (s *JetStream) findKey(ctx context.Context, id string) (APIKey, uint64, error) {
	es, err := s.entries(ctx, s.keys, id+".*")
	if err != nil {
		return APIKey{}, 0, err
	}
	if len(es) == 0 {
		return APIKey{}, 0, ErrNotFound
	}
	var k APIKey
	if err := s.decode(es[0].Bucket(), es[0].Key(), es[0].Value(), &k); err != nil {
		return APIKey{}, 0, err
	}
	return k, es[0].Revision(), nil
}

// Authenticate returns the key whose secret was presented; see (*Badger).Authenticate.
func (s *JetStream) Authenticate(secret string) (APIKey, error) {
	if len(secret) != secretLen || !strings.HasPrefix(secret, secretPrefix) {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	sum := sha256.Sum256([]byte(secret))
	hash := hex.EncodeToString(sum[:])
	ctx, cancel := s.ctx()
	defer cancel()
	var k APIKey
	rev, err := s.getJSON(ctx, s.keys, apiKeyJS(hash), &k)
	if err != nil {
		return APIKey{}, fmt.Errorf("api key: %w", err)
	}
	now := s.now().UTC()
	if err := checkKey(k, hash, now); err != nil {
		return keyOnRefusal(k, err), err
	}
	if k.LastUsed == nil || now.Sub(*k.LastUsed) >= s.touch {
		cur := k
		cur.LastUsed = &now
		// One attempt, of a read's length: a concurrent touch or revocation wins, and failing
		// to note the time of use (or an unanswered touch, a NATS server failing over) must
		// neither lock the caller out nor hold the request it authenticates.
		tctx, tcancel := context.WithTimeout(ctx, s.readAttempt())
		_, err := s.putJSON(tctx, s.keys, apiKeyJS(hash), cur, rev)
		tcancel()
		if err != nil {
			s.log.Debug("api key last-used not recorded", "key", k.ID, "err", err)
		}
		k.LastUsed = &now
	}
	return k, nil
}

// Keys lists the API keys of a tenant (all tenants if tenant is empty), oldest first.
func (s *JetStream) Keys(tenant string) ([]APIKey, error) {
	if tenant != "" {
		if err := validName("tenant", tenant); err != nil {
			return nil, err
		}
	}
	ctx, cancel := s.ctx()
	defer cancel()
	es, err := s.entries(ctx, s.keys, ">")
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out := []APIKey{}
	for _, e := range es {
		var k APIKey
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &k); err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		if tenant == "" || k.Tenant == tenant {
			out = append(out, k)
		}
	}
	sortKeys(out)
	return out, nil
}

// updateKey applies fn to the key id of tenant with compare-and-set, retrying a lost race.
func (s *JetStream) updateKey(tenant, id string, fn func(k *APIKey)) (APIKey, error) {
	if err := validName("tenant", tenant); err != nil {
		return APIKey{}, err
	}
	if len(id) != keyIDLen || !isHex(id) {
		return APIKey{}, invalidf("key id %q: want %d hex digits", id, keyIDLen)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var err error
	for range retries {
		var (
			k   APIKey
			rev uint64
		)
		if k, rev, err = s.findKey(ctx, strings.ToLower(id)); err != nil {
			return APIKey{}, err
		}
		if k.Tenant != tenant {
			return APIKey{}, ErrNotFound
		}
		fn(&k)
		if _, err = s.putJSON(ctx, s.keys, apiKeyJS(k.Hash), k, rev); err == nil {
			return k, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			break
		}
	}
	return APIKey{}, err
}

// RevokeKey revokes a key of a tenant; revoking twice keeps the first time.
func (s *JetStream) RevokeKey(tenant, id string) (APIKey, error) {
	now := s.now().UTC()
	k, err := s.updateKey(tenant, id, func(k *APIKey) {
		if k.Revoked == nil {
			k.Revoked = &now
		}
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke key %s of %s: %w", id, tenant, err)
	}
	return k, nil
}

// RotateKey replaces a key with a new one of the same role and label; see (*Badger).RotateKey.
func (s *JetStream) RotateKey(tenant, id string, grace time.Duration, expires time.Time) (string, APIKey, error) {
	find := func(id string) (APIKey, error) {
		ctx, cancel := s.ctx()
		defer cancel()
		k, _, err := s.findKey(ctx, id)
		return k, err
	}
	expire := func(id string, end time.Time) error {
		_, err := s.updateKey(tenant, id, func(k *APIKey) {
			if k.Expires == nil || end.Before(*k.Expires) {
				k.Expires = &end
			}
		})
		return err
	}
	return rotateKey(s, s.now, tenant, id, grace, expires, find, expire)
}
