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

// Record is a training run or an alert: an opaque JSON document defined by the package that
// writes it (train for runs, the alerting code for alerts), with the times the store keeps.
type Record struct {
	ID      string          `json:"id"`
	Created time.Time       `json:"created"` // first Put of this id
	Updated time.Time       `json:"updated"` // latest Put
	Data    json.RawMessage `json:"data"`
}

const (
	kindRun   = "run"
	kindAlert = "alert"
)

// PutRun stores or replaces the run record id of a tenant (a run is written when it starts and
// again as it progresses). Created is kept from the first Put.
func (s *Badger) PutRun(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(tenant, kindRun, id, data)
}

// CreateRun stores a new run record under the first of base, base-2, base-3, … that no run of
// the tenant has yet, and returns that id; data builds the record for the id it gets. Run ids
// name a start time to the second and the data, so two runs on the same data within a second
// would otherwise share one and the later would replace the earlier.
func (s *Badger) CreateRun(tenant, base string, data func(id string) (json.RawMessage, error)) (string, error) {
	if err := validNames("tenant", tenant, "run id", base); err != nil {
		return "", err
	}
	var id string
	err := s.update(func(txn *badger.Txn) error {
		for n := 1; n <= maxRunSuffix; n++ {
			id = base
			if n > 1 {
				id = fmt.Sprintf("%s-%d", base, n)
			}
			if err := validName("run id", id); err != nil {
				return err
			}
			if _, err := txn.Get(recordKey(tenant, kindRun, id)); errors.Is(err, badger.ErrKeyNotFound) {
				b, err := data(id)
				if err != nil {
					return err
				}
				if !json.Valid(b) {
					return invalidf("run %s/%s: data is not valid JSON", tenant, id)
				}
				now := s.now().UTC()
				return setJSON(txn, recordKey(tenant, kindRun, id), Record{ID: id, Created: now, Updated: now, Data: b})
			} else if err != nil {
				return err
			}
		}
		return invalidf("run %s/%s: %d runs already have this id", tenant, base, maxRunSuffix)
	})
	if err != nil {
		return "", fmt.Errorf("create run %s/%s: %w", tenant, base, err)
	}
	return id, nil
}

// maxRunSuffix bounds CreateRun's search: a thousand runs of one tenant on the same data in
// one second is a loop gone wrong, not a workload.
const maxRunSuffix = 1000

// Run returns one run record, or ErrNotFound.
func (s *Badger) Run(tenant, id string) (Record, error) { return s.getRecord(tenant, kindRun, id) }

// Runs returns a tenant's run records, newest (by Created) first; limit ≤ 0 means all.
func (s *Badger) Runs(tenant string, limit int) ([]Record, error) {
	return s.listRecords(tenant, kindRun, limit)
}

// PutAlert stores or replaces the alert record id of a tenant.
func (s *Badger) PutAlert(tenant, id string, data json.RawMessage) (Record, error) {
	return s.putRecord(tenant, kindAlert, id, data)
}

// Alert returns one alert record, or ErrNotFound.
func (s *Badger) Alert(tenant, id string) (Record, error) { return s.getRecord(tenant, kindAlert, id) }

// Alerts returns a tenant's alert records, newest (by Created) first; limit ≤ 0 means all.
func (s *Badger) Alerts(tenant string, limit int) ([]Record, error) {
	return s.listRecords(tenant, kindAlert, limit)
}

// DeleteAlert removes an alert record (when it is resolved); ErrNotFound if there is none.
func (s *Badger) DeleteAlert(tenant, id string) error {
	if err := validNames("tenant", tenant, "alert id", id); err != nil {
		return err
	}
	err := s.update(func(txn *badger.Txn) error {
		key := recordKey(tenant, kindAlert, id)
		if _, err := txn.Get(key); errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		return txn.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("delete alert %s/%s: %w", tenant, id, err)
	}
	return nil
}

func (s *Badger) putRecord(tenant, kind, id string, data json.RawMessage) (Record, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Record{}, err
	}
	if !json.Valid(data) {
		return Record{}, invalidf("%s %s/%s: data is not valid JSON", kind, tenant, id)
	}
	var rec Record
	err := s.update(func(txn *badger.Txn) error {
		now := s.now().UTC()
		rec = Record{ID: id, Created: now, Updated: now, Data: data}
		var old Record
		err := getJSON(txn, recordKey(tenant, kind, id), &old)
		switch {
		case err == nil:
			rec.Created = old.Created
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return setJSON(txn, recordKey(tenant, kind, id), rec)
	})
	if err != nil {
		return Record{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
	}
	return rec, nil
}

func (s *Badger) getRecord(tenant, kind, id string) (Record, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Record{}, err
	}
	var rec Record
	err := s.db.View(func(txn *badger.Txn) error {
		return getJSON(txn, recordKey(tenant, kind, id), &rec)
	})
	if err != nil {
		return Record{}, fmt.Errorf("%s %s/%s: %w", kind, tenant, id, err)
	}
	return rec, nil
}

// listRecords reads every record of the kind and sorts them in memory: ids are chosen by the
// writer and need not sort by time, and a tenant has hundreds of runs, not millions.
func (s *Badger) listRecords(tenant, kind string, limit int) ([]Record, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	out := []Record{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := recordPrefix(tenant, kind)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec Record
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &rec) }); err != nil {
				return fmt.Errorf("%w: %s record %s: %v", ErrCorrupt, kind, it.Item().Key(), err)
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
	}
	return newestFirst(out, limit), nil
}

// newestFirst sorts records newest (by Created) first and keeps limit of them (all if ≤ 0).
func newestFirst(out []Record, limit int) []Record {
	slices.SortFunc(out, func(a, b Record) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
