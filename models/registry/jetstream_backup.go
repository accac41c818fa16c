package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A JetStream store backs up to, and restores from, the format of (*Badger).Backup: the
// record stream holds the keys of the Badger layout (package doc, "Keys"), so a backup of
// either store restores into either, which is how `growthlens migrate` copies a store both
// ways. Version numbers, alias stacks and history, run and alert records, audit entries and
// API key hashes are copied as they are.

// record is one key and value of the record stream; artifact pieces are read when written.
type record struct {
	key string
	val []byte
	obj *Version // for the artifact pieces of this version
}

// Backup writes the whole store in the backup format, encrypted as (*Badger).Backup would.
// It is not one snapshot: a write that lands while the backup runs may be in it or not; a
// version is written whole or not at all (the record is read before its artifact).
func (s *JetStream) Backup(w io.Writer, opt BackupOptions) (BackupInfo, error) {
	key, source, err := opt.keyFor(s.key)
	if err != nil {
		return BackupInfo{}, err
	}
	recs, err := s.records()
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	cw := &countWriter{w: w}
	bw, err := newBackupWriter(cw, key, source, s.now())
	if err != nil {
		return BackupInfo{}, err
	}
	if err := s.writeRecords(bw, recs); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := bw.Close(); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	return BackupInfo{Bytes: cw.n, Encrypted: source != sourceNone, KeySource: sourceName(source)}, nil
}

// records lists every record of the store under its Badger key, sorted by key.
func (s *JetStream) records() ([]record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*s.timeout)
	defer cancel()
	var out []record
	aliasSeq := map[string]int64{} // newest committed move of each alias
	add := func(key string, v any) error {
		b, err := json.Marshal(v)
		out = append(out, record{key: key, val: b})
		return err
	}
	type source struct {
		b      jetstream.KeyValue
		filter string
		each   func(e jetstream.KeyValueEntry) error
	}
	sources := []source{
		{s.versions, "v.>", func(e jetstream.KeyValueEntry) error {
			var v Version
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &v); err != nil {
				return err
			}
			if err := add(string(versionKey(v.Tenant, v.Name, v.Version)), v); err != nil {
				return err
			}
			out = append(out, record{key: string(chunkPrefix(v.Tenant, v.Name, v.Version)), obj: &v})
			return nil
		}},
		{s.versions, "s.>", func(e jetstream.KeyValueEntry) error {
			t, ok := tokens(e.Key(), 3)
			n, err := parseSeq(e.Value())
			if !ok || err != nil {
				return fmt.Errorf("%w: counter %s", ErrCorrupt, e.Key())
			}
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(n))
			out = append(out, record{key: string(seqKey(t[1], t[2])), val: b[:]})
			return nil
		}},
		{s.aliases, "a.>", func(e jetstream.KeyValueEntry) error {
			var a aliasRecord
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &a); err != nil {
				return err
			}
			aliasSeq[a.Event.Tenant+"/"+a.Event.Model+"/"+a.Alias.Alias] = a.Seq
			return add(string(aliasKey(a.Event.Tenant, a.Event.Model, a.Alias.Alias)), a.Alias)
		}},
		{s.aliases, "h.>", func(e jetstream.KeyValueEntry) error {
			var ev AliasEvent
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &ev); err != nil {
				return err
			}
			if ev.Seq > aliasSeq[ev.Tenant+"/"+ev.Model+"/"+ev.Alias] {
				return nil // left by a move that did not commit (see SetAlias)
			}
			return add(string(historyKey(ev.Tenant, ev.Model, ev.Alias, ev.Seq)), ev)
		}},
		{s.runs, ">", s.recordOf(kindRun, add)},
		{s.alerts, ">", s.recordOf(kindAlert, add)},
		{s.subs2, ">", s.recordOf(kindSub, add)},
		{s.states, ">", s.recordOf(kindAlertState, add)},
		{s.outbox, "d.>", func(e jetstream.KeyValueEntry) error {
			t, ok := tokens(e.Key(), 3)
			if !ok {
				return fmt.Errorf("%w: delivery key %s", ErrCorrupt, e.Key())
			}
			var d Delivery
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &d); err != nil {
				return err
			}
			kind := kindDelivery // Badger keeps pending deliveries apart, in the outbox
			if d.Status == Pending {
				kind = kindOutbox
			}
			return add(string(recordKey(t[1], kind, d.ID)), d)
		}},
		{s.docs, ">", func(e jetstream.KeyValueEntry) error {
			t, ok := tokens(e.Key(), 4)
			if !ok {
				return fmt.Errorf("%w: document key %s", ErrCorrupt, e.Key())
			}
			var d Document
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &d); err != nil {
				return err
			}
			return add(string(documentKey(t[1], t[0], d.ID, d.Version)), d)
		}},
		{s.keys, ">", func(e jetstream.KeyValueEntry) error {
			var k APIKey
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &k); err != nil {
				return err
			}
			return add(apiKeyPrefix+k.Hash, k)
		}},
		{s.audit, ">", func(e jetstream.KeyValueEntry) error {
			var a AuditEntry
			if err := s.decode(e.Bucket(), e.Key(), e.Value(), &a); err != nil {
				return err
			}
			return add(auditPrefix+a.Time.Format(auditTimeLayout)+"/"+a.ID, a)
		}},
	}
	for _, src := range sources {
		es, err := s.entries(ctx, src.b, src.filter)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if err := src.each(e); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out, func(a, b record) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

func (s *JetStream) recordOf(kind string, add func(string, any) error) func(e jetstream.KeyValueEntry) error {
	return func(e jetstream.KeyValueEntry) error {
		t, ok := tokens(e.Key(), 2)
		if !ok {
			return fmt.Errorf("%w: %s key %s", ErrCorrupt, kind, e.Key())
		}
		var r Record
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &r); err != nil {
			return err
		}
		return add(string(recordKey(t[0], kind, r.ID)), r)
	}
}

// writeRecords writes recs as the record stream, reading each artifact as its turn comes
// and cutting it into the ChunkSize pieces of the Badger layout.
func (s *JetStream) writeRecords(w io.Writer, recs []record) error {
	rw := &recordWriter{w: w}
	for _, r := range recs {
		if r.obj == nil {
			if err := rw.put([]byte(r.key), r.val); err != nil {
				return err
			}
			continue
		}
		ctx, cancel := s.ctx()
		data, err := s.artifact(ctx, *r.obj)
		cancel()
		if err != nil {
			return err
		}
		for i := 0; i < r.obj.Chunks; i++ {
			end := min((i+1)*ChunkSize, len(data))
			if err := rw.put(chunkKey(r.obj.Tenant, r.obj.Name, r.obj.Version, i), data[i*ChunkSize:end]); err != nil {
				return err
			}
		}
	}
	return rw.end()
}

// RestoreJetStream loads a backup (of either store) into an empty JetStream store reached
// through nc, then checks the result. opt.StoreKey becomes the new store's key (and opens a
// backup made with a store key); opt.Force is refused, since a NATS store is not replaced in
// place: delete its buckets first (`nats kv del`, `nats obj del`). It returns ErrNotEmpty when
// the target holds a store.
func RestoreJetStream(nc *nats.Conn, r io.Reader, opt RestoreOptions, jo JetStreamOptions) (RestoreInfo, error) {
	if opt.Force {
		return RestoreInfo{}, invalidf("restore into NATS does not replace a store (--force); delete its buckets first")
	}
	if err := checkKeyLen(opt.StoreKey); err != nil {
		return RestoreInfo{}, err
	}
	br, hdr, err := newBackupReader(r, opt.BackupKey, opt.StoreKey)
	if err != nil {
		return RestoreInfo{}, err
	}
	if hdr.mode == modeGCM && len(opt.StoreKey) == 0 && !opt.Plaintext {
		return RestoreInfo{}, &KeyError{Dir: "backup", Problem: KeyUnexpected, Hint: "the backup is encrypted: give the store a key (" + EnvEncryptionKey + "), or allow a plaintext store explicitly"}
	}
	if _, err := OpenJetStream(nc, Options{MustExist: true, EncryptionKey: opt.StoreKey}, jo); err == nil || !errors.Is(err, ErrNoStore) {
		if err == nil {
			err = ErrNotEmpty
		}
		return RestoreInfo{}, fmt.Errorf("restore into NATS (prefix %s): %w", cmp.Or(jo.Prefix, DefaultJetStreamPrefix), err)
	}
	s, err := OpenJetStream(nc, Options{EncryptionKey: opt.StoreKey, Logger: opt.Logger}, jo)
	if err != nil {
		return RestoreInfo{}, err
	}
	defer s.Close()
	if err := s.loadRecords(br); err != nil {
		if br.err != nil {
			return RestoreInfo{}, br.err
		}
		return RestoreInfo{}, err
	}
	rep, err := s.Check()
	if err != nil {
		return RestoreInfo{}, fmt.Errorf("restore: check: %w", err)
	}
	if len(rep.Problems) > 0 {
		return RestoreInfo{}, fmt.Errorf("%w: restored store fails its check: %s", ErrCorrupt, rep.Problems[0])
	}
	return RestoreInfo{Dir: "nats:" + s.prefix, Encrypted: hdr.mode == modeGCM, Created: hdr.created, Check: rep}, nil
}

// loadRecords writes the record stream into the (empty) store. The artifact pieces of a
// version arrive one after another, in order, and are joined into one object.
func (s *JetStream) loadRecords(br io.Reader) error {
	var (
		pending   bytes.Buffer
		pendingTo string // object name of the pieces in pending
	)
	flush := func() error {
		if pendingTo == "" {
			return nil
		}
		ctx, cancel := s.ctx()
		defer cancel()
		sealed, err := s.seal("artifact/"+pendingTo, pending.Bytes())
		if err == nil {
			_, err = s.objects.PutBytes(ctx, pendingTo, sealed)
		}
		pending.Reset()
		pendingTo = ""
		return err
	}
	err := readRecords(br, func(key, val []byte) error {
		k := string(key)
		if obj, ok := chunkObject(k); ok {
			if obj != pendingTo {
				if err := flush(); err != nil {
					return fmt.Errorf("restore: %w", err)
				}
				pendingTo = obj
			}
			pending.Write(val)
			return nil
		}
		if err := s.loadRecord(k, val); err != nil {
			return fmt.Errorf("restore: %s: %w", k, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// chunkObject returns the object name of an artifact piece's key
// (t/<tenant>/artifact/<name>/<version>/<i>).
func chunkObject(key string) (string, bool) {
	p := strings.Split(key, "/")
	if len(p) != 6 || p[0] != "t" || p[2] != "artifact" {
		return "", false
	}
	v, err := strconv.Atoi(p[4])
	if err != nil {
		return "", false
	}
	return objectName(p[1], p[3], v), true
}

// loadRecord writes one record of the Badger layout into its bucket.
func (s *JetStream) loadRecord(key string, val []byte) error {
	ctx, cancel := s.ctx()
	defer cancel()
	p := strings.Split(key, "/")
	put := func(b jetstream.KeyValue, k string, raw []byte) error {
		sealed, err := s.seal(b.Bucket()+"/"+k, raw)
		if err == nil {
			_, err = b.Put(ctx, k, sealed)
		}
		return err
	}
	switch {
	case p[0] == "audit" && len(p) == 3:
		var e AuditEntry
		if err := json.Unmarshal(val, &e); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return put(s.audit, auditKeyJS(e), val)
	case p[0] == "key" && len(p) == 2 && len(p[1]) == 64:
		return put(s.keys, apiKeyJS(p[1]), val)
	case p[0] == "t" && len(p) >= 4:
		tenant := p[1]
		switch {
		case p[2] == "model" && len(p) == 5:
			v, err := strconv.Atoi(p[4])
			if err != nil {
				break
			}
			return put(s.versions, versionKeyJS(tenant, p[3], v), val)
		case p[2] == "seq" && len(p) == 4 && len(val) == 8:
			_, err := s.versions.Put(ctx, seqKeyJS(tenant, p[3]), []byte(strconv.FormatUint(binary.BigEndian.Uint64(val), 10)))
			return err
		case p[2] == "alias" && len(p) == 5:
			var a Alias
			if err := json.Unmarshal(val, &a); err != nil {
				return fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			// The event that set the alias is its newest history entry; the watch needs it.
			ev := AliasEvent{Seq: a.Seq, Tenant: tenant, Model: p[3], Alias: a.Alias, Action: "set", To: a.Version, Change: a.Change, Time: a.Moved}
			var h AliasEvent
			if _, err := s.getJSON(ctx, s.aliases, historyKeyJS(tenant, p[3], a.Alias, a.Seq), &h); err == nil {
				ev = h
			}
			b, err := json.Marshal(aliasRecord{Alias: a, Event: ev})
			if err != nil {
				return err
			}
			return put(s.aliases, aliasKeyJS(tenant, p[3], p[4]), b)
		case p[2] == "aliaslog" && len(p) == 6:
			seq, err := strconv.ParseInt(p[5], 10, 64)
			if err != nil {
				break
			}
			return put(s.aliases, historyKeyJS(tenant, p[3], p[4], seq), val)
		case len(p) == 4 && (p[2] == kindRun || p[2] == kindAlert || p[2] == kindSub || p[2] == kindAlertState):
			b := map[string]jetstream.KeyValue{kindRun: s.runs, kindAlert: s.alerts, kindSub: s.subs2, kindAlertState: s.states}[p[2]]
			return put(b, tok(tenant)+"."+tok(p[3]), val)
		case len(p) == 5 && (p[2] == kindGoal || p[2] == kindCatalogue || p[2] == kindAdjustment):
			v, err := strconv.Atoi(p[4])
			if err != nil {
				break
			}
			return put(s.docs, documentKeyJS(tenant, p[2], p[3], v), val)
		case len(p) == 4 && (p[2] == kindOutbox || p[2] == kindDelivery):
			return put(s.outbox, deliveryKeyJS(tenant, p[3]), val)
		}
	}
	return fmt.Errorf("%w: unknown key %.60q", ErrCorrupt, key)
}

// Check verifies what the registry promises (see (*Badger).Check), reading every version's
// artifact; it also reports artifacts left without a version by a Put that did not finish.
func (s *JetStream) Check() (CheckReport, error) {
	rep := CheckReport{Problems: []string{}}
	tenants, err := s.Tenants()
	if err != nil {
		return rep, err
	}
	rep.Tenants = len(tenants)
	ctx, cancel := context.WithTimeout(context.Background(), 10*s.timeout)
	defer cancel()
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	known := map[string]bool{}
	for _, tenant := range tenants {
		vs, err := s.versionList(ctx, "v."+tok(tenant)+".*.*")
		if err != nil {
			return rep, err
		}
		byModel := map[string]map[int]bool{}
		for _, v := range vs {
			if byModel[v.Name] == nil {
				byModel[v.Name] = map[int]bool{}
			}
			byModel[v.Name][v.Version] = true
			known[objectName(tenant, v.Name, v.Version)] = true
			rep.Versions++
			if _, err := s.artifact(ctx, v); err != nil {
				problem("%v", err)
			} else {
				rep.Bytes += v.Size
			}
		}
		rep.Models += len(byModel)
		for name, set := range byModel {
			last, _, err := s.readSeq(ctx, tenant, name)
			if err != nil {
				return rep, err
			}
			for v := range set {
				if v > last {
					problem("%s/%s: version %d is above the counter %d", tenant, name, v, last)
				}
			}
		}
		as, err := s.aliasList(ctx, "a."+tok(tenant)+".*.*")
		if err != nil {
			return rep, err
		}
		for _, a := range as {
			rep.Aliases++
			name, alias := a.Event.Model, a.Alias.Alias
			if !byModel[name][a.Version] {
				problem("%s/%s: alias %s points at missing version %d", tenant, name, alias, a.Version)
			}
			if len(a.Stack) == 0 || a.Stack[len(a.Stack)-1] != a.Version {
				problem("%s/%s: alias %s: rollback stack %v does not end at version %d", tenant, name, alias, a.Stack, a.Version)
			}
			hist, err := s.history(ctx, tenant, name, alias)
			if err != nil {
				return rep, err
			}
			if len(hist) == 0 || hist[0].Seq != a.Seq || hist[0].To != a.Version {
				problem("%s/%s: alias %s (seq %d, version %d): its newest history entry is not the move that set it", tenant, name, alias, a.Seq, a.Version)
			}
		}
	}
	objs, err := s.objects.List(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoObjectsFound) {
		return rep, err
	}
	for _, o := range objs {
		if !known[o.Name] {
			problem("artifact %s has no version record (a Put that did not finish)", o.Name)
		}
	}
	slices.Sort(rep.Problems)
	return rep, nil
}
