package registry

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Documents are a tenant's settings that are replaced as a whole and keep every version: the
// GM's goals (one document per period and metric) and the tenant's own KPI catalogue. Each
// Put makes the next version (1, 2, …) in one transaction, so two writers never share a
// number; the latest version is the document.
//
//	t/<tenant>/goal/<id>/<version>        a goal (id: period.metric)
//	t/<tenant>/catalogue/<id>/<version>   the tenant's catalogue (id: custom)
//	t/<tenant>/adjustment/<id>/<version>  a manager's adjusted forecast (id: quarter and scope)
//
// Like runs and alerts, the data are opaque JSON defined by the package that writes them.

const (
	kindGoal       = "goal"
	kindCatalogue  = "catalogue"
	kindAdjustment = "adjustment"
)

// CatalogueID is the id of a tenant's one custom catalogue document.
const CatalogueID = "custom"

// Document is one version of a document.
type Document struct {
	Record
	Version int `json:"version"`
}

func documentKey(tenant, kind, id string, v int) []byte {
	return []byte(tenantKey(tenant, kind) + id + "/" + pad(int64(v), versionDigits))
}

// PutGoal stores the next version of the goal id (its period and metric); data builds the
// document for the version it gets. It returns the stored document.
func (s *Badger) PutGoal(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindGoal, id, data)
}

// Goals returns every version of every goal of a tenant: by id, newest version first.
func (s *Badger) Goals(tenant string) ([]Document, error) { return s.documents(tenant, kindGoal, "") }

// Goal returns every version of one goal, newest first; ErrNotFound when it has none.
func (s *Badger) Goal(tenant, id string) ([]Document, error) {
	return goalVersions(tenant, id, s.documents)
}

// goalVersions is Goal over either store's document listing: the id checked, and
// ErrNotFound when the goal has no version.
func goalVersions(tenant, id string, documents func(tenant, kind, id string) ([]Document, error)) ([]Document, error) {
	if err := validName("goal id", id); err != nil {
		return nil, err
	}
	out, err := documents(tenant, kindGoal, id)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("goal %s/%s: %w", tenant, id, ErrNotFound)
	}
	return out, err
}

// PutCatalogue stores the next version of the tenant's custom catalogue.
func (s *Badger) PutCatalogue(tenant string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindCatalogue, CatalogueID, data)
}

// Catalogue returns every version of the tenant's custom catalogue, newest first (empty when
// the tenant has none).
func (s *Badger) Catalogue(tenant string) ([]Document, error) {
	return s.documents(tenant, kindCatalogue, CatalogueID)
}

// PutAdjustment stores the next version of a manager's forecast adjustment id (its quarter
// and scope, models/adjustment.ID); data builds the document for the version it gets. A
// withdrawn adjustment is a new version that says so: the store never forgets one.
func (s *Badger) PutAdjustment(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindAdjustment, id, data)
}

// Adjustments returns every version of every forecast adjustment of a tenant: by id, newest
// version first.
func (s *Badger) Adjustments(tenant string) ([]Document, error) {
	return s.documents(tenant, kindAdjustment, "")
}

func (s *Badger) putDocument(tenant, kind, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Document{}, err
	}
	var doc Document
	err := s.update(func(txn *badger.Txn) error {
		last := 0
		prefix := []byte(tenantKey(tenant, kind) + id + "/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true, PrefetchValues: false})
		it.Seek(prefixEnd(prefix))
		if it.Valid() {
			n, err := strconv.Atoi(string(it.Item().Key()[len(prefix):]))
			if err != nil {
				it.Close()
				return fmt.Errorf("%w: %s key %q", ErrCorrupt, kind, it.Item().Key())
			}
			last = n
		}
		it.Close()
		v := last + 1
		// Read the new key (absent) so that a concurrent Put of the same number conflicts:
		// Badger detects conflicts on keys read, and the iterator above reads no key.
		if _, err := txn.Get(documentKey(tenant, kind, id, v)); err == nil {
			return fmt.Errorf("%w: %s %s/%s v%d exists above the last version", ErrCorrupt, kind, tenant, id, v)
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		b, err := data(v)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			return invalidf("%s %s/%s: data is not valid JSON", kind, tenant, id)
		}
		now := s.now().UTC()
		doc = Document{Record: Record{ID: id, Created: now, Updated: now, Data: b}, Version: v}
		return setJSON(txn, documentKey(tenant, kind, id, v), doc)
	})
	if err != nil {
		return Document{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
	}
	return doc, nil
}

// documents lists the documents of a kind (of one id, or all when id is ""): by id, newest
// version first.
func (s *Badger) documents(tenant, kind, id string) ([]Document, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	prefix := tenantKey(tenant, kind)
	if id != "" {
		prefix += id + "/"
	}
	out := []Document{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var d Document
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &d) }); err != nil {
				return fmt.Errorf("%w: %s %s: %v", ErrCorrupt, kind, it.Item().Key(), err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
	}
	slices.SortStableFunc(out, func(a, b Document) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), cmp.Compare(b.Version, a.Version))
	})
	return out, nil
}
