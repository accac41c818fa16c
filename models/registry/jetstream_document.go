package registry

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

func documentKeyJS(tenant, kind, id string, v int) string {
	return kind + "." + tok(tenant) + "." + tok(id) + "." + pad(int64(v), versionDigits)
}

// PutGoal stores the next version of a goal; see (*Badger).PutGoal.
func (s *JetStream) PutGoal(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindGoal, id, data)
}

// Goals returns every version of every goal of a tenant: by id, newest version first.
func (s *JetStream) Goals(tenant string) ([]Document, error) {
	return s.documents(tenant, kindGoal, "", anyServer)
}

// Goal returns every version of one goal, newest first; ErrNotFound when it has none.
func (s *JetStream) Goal(tenant, id string) ([]Document, error) {
	return goalVersions(tenant, id, func(tenant, kind, id string) ([]Document, error) {
		return s.documents(tenant, kind, id, anyServer)
	})
}

// PutCatalogue stores the next version of the tenant's custom catalogue.
func (s *JetStream) PutCatalogue(tenant string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindCatalogue, CatalogueID, data)
}

// Catalogue returns every version of the tenant's custom catalogue, newest first.
func (s *JetStream) Catalogue(tenant string) ([]Document, error) {
	return s.documents(tenant, kindCatalogue, CatalogueID, anyServer)
}

// PutAdjustment stores the next version of a forecast adjustment; see (*Badger).PutAdjustment.
func (s *JetStream) PutAdjustment(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	return s.putDocument(tenant, kindAdjustment, id, data)
}

// Adjustments returns every version of every forecast adjustment of a tenant: by id, newest
// version first.
func (s *JetStream) Adjustments(tenant string) ([]Document, error) {
	return s.documents(tenant, kindAdjustment, "", anyServer)
}

// putDocument creates the next version's key; creating a key is atomic, so two writers
// never share a number (the loser reads again and takes the next).
func (s *JetStream) putDocument(tenant, kind, id string, data func(version int) (json.RawMessage, error)) (Document, error) {
	if err := validNames("tenant", tenant, kind+" id", id); err != nil {
		return Document{}, err
	}
	for range retries {
		have, err := s.documents(tenant, kind, id, fromLeader)
		if err != nil {
			return Document{}, err
		}
		v := 1
		if len(have) > 0 {
			v = have[0].Version + 1
		}
		b, err := data(v)
		if err != nil {
			return Document{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
		}
		if !json.Valid(b) {
			return Document{}, invalidf("%s %s/%s: data is not valid JSON", kind, tenant, id)
		}
		now := s.now().UTC()
		doc := Document{Record: Record{ID: id, Created: now, Updated: now, Data: b}, Version: v}
		ctx, cancel := s.ctx()
		_, err = s.putJSON(ctx, s.docs, documentKeyJS(tenant, kind, id, v), doc, 0)
		cancel()
		if err == nil {
			return doc, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return Document{}, fmt.Errorf("put %s %s/%s: %w", kind, tenant, id, err)
		}
	}
	return Document{}, fmt.Errorf("put %s %s/%s: lost the race for a version number %d times", kind, tenant, id, retries)
}

// documents lists the versions of a kind's documents from where (entriesFrom): the reads of
// goals, catalogues and adjustments ask any server (one forecast request reads its tenant's
// adjustments); the next version's number is read from the leader.
func (s *JetStream) documents(tenant, kind, id string, where bool) ([]Document, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	filter := kind + "." + tok(tenant) + ".*.*"
	if id != "" {
		filter = kind + "." + tok(tenant) + "." + tok(id) + ".*"
	}
	ctx, cancel := s.ctx()
	defer cancel()
	es, err := s.entriesFrom(ctx, s.docs, filter, where)
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
	}
	out := []Document{}
	for _, e := range es {
		var d Document
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &d); err != nil {
			return nil, fmt.Errorf("list %ss of %s: %w", kind, tenant, err)
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Document) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), cmp.Compare(b.Version, a.Version))
	})
	return out, nil
}
