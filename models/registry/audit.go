package registry

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/growthlens/growthlens/internal/clip"
)

// auditTimeLayout is fixed-width UTC, so that byte order of audit keys is time order.
const auditTimeLayout = "2006-01-02T15:04:05.000000000Z"

// Audit query limits.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// AuditEntry is one line of the append-only audit log: who did what to which target, in
// which tenant, and how it ended.
type AuditEntry struct {
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	Who       string    `json:"who"`              // API key id, "cli:<user>", …
	Role      string    `json:"role"`             // the role they acted in
	Tenant    string    `json:"tenant,omitempty"` // empty for actions outside any tenant
	Action    string    `json:"action"`           // e.g. "models.promote", "keys.create"
	Target    string    `json:"target,omitempty"` // e.g. "forecast@3", an API key id
	Outcome   string    `json:"outcome"`          // "ok", "denied", "error", …
	RequestID string    `json:"request_id,omitempty"`
	Detail    string    `json:"detail,omitempty"` // reason or error message; never secrets
	// Count is how many like attempts the entry stands for: refused requests are written as
	// one entry per key, action and outcome per minute (Time is the first of them). 0 or 1
	// mean one.
	Count int `json:"count,omitempty"`
}

// AuditQuery selects audit entries. Empty fields match anything; Since and Until bound the
// time to [Since, Until).
type AuditQuery struct {
	Tenant, Who, Action, Outcome string
	Since, Until                 time.Time
	// Limit is the page size: 0 means DefaultAuditLimit, at most MaxAuditLimit.
	Limit int
	// Cursor continues after the last entry of a previous page (AuditPage.Next).
	Cursor string
}

// AuditPage is one page of audit entries, newest first. Next is empty on the last page.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	Next    string       `json:"next,omitempty"`
}

// MaxAuditDetail bounds an audit entry's Detail in bytes. Audit cuts a longer one rather than
// refuse the entry, so that the outcome of a mutation is always recorded.
const MaxAuditDetail = 4096

// ClipDetail returns s cut to at most MaxAuditDetail bytes at a UTF-8 boundary, ending in "…"
// when it was cut.
func ClipDetail(s string) string { return clip.Within(s, MaxAuditDetail) }

// Audit appends an entry to the audit log and returns it with its ID and Time (now, unless
// set). The store never writes audit entries by itself: the server and the CLI append one
// for every mutation they perform or refuse. Who, Action and Outcome are required; the other
// text fields are bounded (256 bytes) so the log cannot be flooded through them, and Detail
// is cut to MaxAuditDetail bytes (ClipDetail).
func (s *Store) Audit(e AuditEntry) (AuditEntry, error) {
	e.Detail = ClipDetail(e.Detail)
	for _, f := range []struct {
		name, v  string
		required bool
		max      int
	}{
		{"who", e.Who, true, 256}, {"action", e.Action, true, 256}, {"outcome", e.Outcome, true, 256},
		{"role", e.Role, false, 256}, {"tenant", e.Tenant, false, 256}, {"target", e.Target, false, 256},
		{"request id", e.RequestID, false, 256},
	} {
		if f.required && f.v == "" {
			return AuditEntry{}, invalidf("audit entry: %s is required", f.name)
		}
		if len(f.v) > f.max {
			return AuditEntry{}, invalidf("audit entry: %s is longer than %d bytes", f.name, f.max)
		}
	}
	if e.Count < 0 {
		return AuditEntry{}, invalidf("audit entry: count %d is negative", e.Count)
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Time = e.Time.UTC()
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return AuditEntry{}, err
	}
	e.ID = hex.EncodeToString(id[:])
	key := []byte(auditPrefix + e.Time.Format(auditTimeLayout) + "/" + e.ID)
	err := s.update(func(txn *badger.Txn) error { return setJSON(txn, key, e) })
	if err != nil {
		return AuditEntry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return e, nil
}

// AuditLog returns a page of audit entries matching q, newest first. A cursor that is not one
// the store handed out is ErrInvalid.
func (s *Store) AuditLog(q AuditQuery) (AuditPage, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultAuditLimit
	case limit < 0 || limit > MaxAuditLimit:
		return AuditPage{}, invalidf("audit limit %d: want 1 to %d", limit, MaxAuditLimit)
	}
	prefix := []byte(auditPrefix)
	start := prefixEnd(prefix)
	skip := []byte(nil)
	if q.Cursor != "" {
		c, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !bytes.HasPrefix(c, prefix) {
			return AuditPage{}, invalidf("audit cursor %q is not one this store returned", q.Cursor)
		}
		start, skip = c, c
	}
	if !q.Until.IsZero() {
		if u := []byte(auditPrefix + q.Until.UTC().Format(auditTimeLayout)); bytes.Compare(u, start) < 0 {
			start = u
		}
	}
	var since []byte
	if !q.Since.IsZero() {
		since = []byte(auditPrefix + q.Since.UTC().Format(auditTimeLayout))
	}

	page := AuditPage{Entries: []AuditEntry{}}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		var lastKey []byte
		for it.Seek(start); it.Valid(); it.Next() {
			key := it.Item().Key()
			if skip != nil && bytes.Equal(key, skip) {
				continue
			}
			if since != nil && bytes.Compare(key, since) < 0 {
				break
			}
			var e AuditEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return fmt.Errorf("%w: audit entry %s: %v", ErrCorrupt, key, err)
			}
			if !q.matches(e) {
				continue
			}
			if len(page.Entries) == limit {
				page.Next = base64.RawURLEncoding.EncodeToString(lastKey)
				break
			}
			page.Entries = append(page.Entries, e)
			lastKey = it.Item().KeyCopy(nil)
		}
		return nil
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("read audit log: %w", err)
	}
	return page, nil
}

func (q AuditQuery) matches(e AuditEntry) bool {
	return (q.Tenant == "" || q.Tenant == e.Tenant) && (q.Who == "" || q.Who == e.Who) &&
		(q.Action == "" || q.Action == e.Action) && (q.Outcome == "" || q.Outcome == e.Outcome)
}
