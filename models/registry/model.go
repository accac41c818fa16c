package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// ChunkSize is the size of the pieces an artifact is stored in. Each piece is one value in
// Badger's value log; the pieces of a version are written in the same transaction as its
// record, so a version is either complete or absent.
const ChunkSize = 1 << 20

// Metadata describes how a model version was made. Put fills ArtifactSHA256, Size and (when
// zero) Created; the rest is the training pipeline's to set.
type Metadata struct {
	// Kind names the format of the artifact, so a loader knows how to read it
	// (e.g. "forecast.combination/v1").
	Kind string `json:"kind,omitempty"`
	// DataHash identifies the training data (e.g. SHA-256 of the canonical tables).
	DataHash string `json:"data_hash,omitempty"`
	// FeatureSpec is the feature specification the model was fitted on (any JSON).
	FeatureSpec json.RawMessage `json:"feature_spec,omitempty"`
	// Metrics are the backtest scores (e.g. "mase", "smape", "coverage_80"). Values must be finite.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Backtest is the backtest summary (any JSON).
	Backtest    json.RawMessage   `json:"backtest,omitempty"`
	Created     time.Time         `json:"created"`
	CodeVersion string            `json:"code_version,omitempty"`
	Seed        int64             `json:"seed"`
	RunID       string            `json:"run_id,omitempty"` // the training run that produced it
	Labels      map[string]string `json:"labels,omitempty"`
	// ArtifactSHA256 is the hex SHA-256 of the artifact. If the caller sets it, Put checks it.
	ArtifactSHA256 string `json:"artifact_sha256"`
	// Size is the artifact's length in bytes. If the caller sets it, Put checks it.
	Size int64 `json:"size"`
}

// Version is one immutable model version: its number and metadata. The artifact itself is
// read with Artifact or LoadAlias.
type Version struct {
	Tenant  string `json:"tenant"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Metadata
	Chunks int `json:"chunks"`
}

// Model summarizes one model name of a tenant.
type Model struct {
	Name     string         `json:"name"`
	Versions int            `json:"versions"` // how many versions are stored
	Latest   int            `json:"latest"`   // newest stored version
	Aliases  map[string]int `json:"aliases"`  // alias → version
}

// Put stores a new immutable version of model name for tenant and returns its number. Numbers
// start at 1 and grow by one per Put; they are assigned inside the writing transaction, so
// concurrent Puts never get the same number, and a number is never reused after a delete.
//
// The artifact is stored in ChunkSize pieces together with the record in one transaction: a
// crash leaves either the whole version or nothing. Put does not keep artifact after it
// returns. It returns ErrInvalid for a bad name, an empty artifact, metadata whose
// ArtifactSHA256 or Size contradict the bytes, non-finite metrics or malformed JSON fields.
func (s *Badger) Put(tenant, name string, artifact []byte, meta Metadata) (int, error) {
	rec, err := newVersion(tenant, name, artifact, meta, s.now)
	if err != nil {
		return 0, err
	}
	err = s.update(func(txn *badger.Txn) error {
		last, err := readSeq(txn, tenant, name)
		if err != nil {
			return err
		}
		if last >= maxVersion {
			return invalidf("model %s/%s has used every version number", tenant, name)
		}
		rec.Version = last + 1
		if err := writeSeq(txn, tenant, name, rec.Version); err != nil {
			return err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := txn.Set(versionKey(tenant, name, rec.Version), b); err != nil {
			return err
		}
		for i := 0; i < rec.Chunks; i++ {
			end := min((i+1)*ChunkSize, len(artifact))
			if err := txn.Set(chunkKey(tenant, name, rec.Version, i), artifact[i*ChunkSize:end]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("put model %s/%s: %w", tenant, name, err)
	}
	return rec.Version, nil
}

// newVersion checks a Put's arguments and returns the version record without its number.
func newVersion(tenant, name string, artifact []byte, meta Metadata, now func() time.Time) (Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return Version{}, err
	}
	if len(artifact) == 0 {
		return Version{}, invalidf("model %s/%s: empty artifact", tenant, name)
	}
	if err := meta.validate(); err != nil {
		return Version{}, fmt.Errorf("model %s/%s: %w", tenant, name, err)
	}
	sum := sha256.Sum256(artifact)
	hexSum := hex.EncodeToString(sum[:])
	if meta.ArtifactSHA256 != "" && !strings.EqualFold(meta.ArtifactSHA256, hexSum) {
		return Version{}, invalidf("model %s/%s: metadata says artifact sha256 %s, the bytes hash to %s", tenant, name, meta.ArtifactSHA256, hexSum)
	}
	if meta.Size != 0 && meta.Size != int64(len(artifact)) {
		return Version{}, invalidf("model %s/%s: metadata says size %d, the artifact is %d bytes", tenant, name, meta.Size, len(artifact))
	}
	meta.ArtifactSHA256, meta.Size = hexSum, int64(len(artifact))
	if meta.Created.IsZero() {
		meta.Created = now()
	}
	meta.Created = meta.Created.UTC()
	return Version{Tenant: tenant, Name: name, Metadata: meta, Chunks: (len(artifact) + ChunkSize - 1) / ChunkSize}, nil
}

func (m *Metadata) validate() error {
	for k, v := range m.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalidf("metric %q is %v; leave out a metric that has no finite value", k, v)
		}
	}
	if len(m.FeatureSpec) > 0 && !json.Valid(m.FeatureSpec) {
		return invalidf("feature spec is not valid JSON")
	}
	if len(m.Backtest) > 0 && !json.Valid(m.Backtest) {
		return invalidf("backtest summary is not valid JSON")
	}
	return nil
}

// readSeq returns the last version number handed out for the model (0 for none). Every
// transaction that changes a model reads and writes this key, so Badger's conflict detection
// orders them: a promotion and a delete of the same version cannot both succeed.
func readSeq(txn *badger.Txn, tenant, name string) (int, error) {
	item, err := txn.Get(seqKey(tenant, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("%w: version counter of %s/%s is %d bytes", ErrCorrupt, tenant, name, len(b))
		}
		n = int(binary.BigEndian.Uint64(b))
		return nil
	})
	return n, err
}

func writeSeq(txn *badger.Txn, tenant, name string, n int) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return txn.Set(seqKey(tenant, name), b[:])
}

// touchModel reads and rewrites the model's counter so that this transaction conflicts with
// any concurrent one that changes the same model (see readSeq).
func touchModel(txn *badger.Txn, tenant, name string) error {
	n, err := readSeq(txn, tenant, name)
	if err != nil {
		return err
	}
	return writeSeq(txn, tenant, name, n)
}

// Version returns the record of one version, or ErrNotFound.
func (s *Badger) Version(tenant, name string, version int) (Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return Version{}, err
	}
	var v Version
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = getVersion(txn, tenant, name, version)
		return err
	})
	if err != nil {
		return Version{}, fmt.Errorf("model %s/%s: %w", tenant, name, err)
	}
	return v, nil
}

func getVersion(txn *badger.Txn, tenant, name string, version int) (Version, error) {
	if version < 1 || version > maxVersion {
		return Version{}, fmt.Errorf("version %d: %w", version, ErrNotFound)
	}
	var v Version
	if err := getJSON(txn, versionKey(tenant, name, version), &v); err != nil {
		return Version{}, fmt.Errorf("version %d: %w", version, err)
	}
	return v, nil
}

// Versions returns every stored version of a model, newest first (an empty slice for an
// unknown model).
func (s *Badger) Versions(tenant, name string) ([]Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, err
	}
	out := []Version{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := versionPrefix(tenant, name)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(prefixEnd(prefix)); it.ValidForPrefix(prefix); it.Next() {
			var v Version
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
				return fmt.Errorf("%w: version record %s: %v", ErrCorrupt, it.Item().Key(), err)
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list versions of %s/%s: %w", tenant, name, err)
	}
	return out, nil
}

// Models lists the models of a tenant, sorted by name.
func (s *Badger) Models(tenant string) ([]Model, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	out := []Model{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := modelPrefix(tenant)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			rest := string(it.Item().Key()[len(prefix):]) // <name>/<version>
			name, _, ok := strings.Cut(rest, "/")
			if !ok {
				return fmt.Errorf("%w: model key %q", ErrCorrupt, it.Item().Key())
			}
			v, err := parseVersion(it.Item().Key())
			if err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].Name != name {
				out = append(out, Model{Name: name, Aliases: map[string]int{}})
			}
			m := &out[len(out)-1]
			m.Versions++
			m.Latest = max(m.Latest, v)
		}
		for i := range out {
			as, err := listAliases(txn, tenant, out[i].Name)
			if err != nil {
				return err
			}
			for _, a := range as {
				out[i].Aliases[a.Alias] = a.Version
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list models of %s: %w", tenant, err)
	}
	return out, nil
}

// Tenants lists every tenant that has anything in the store, sorted.
func (s *Badger) Tenants() ([]string, error) {
	out := []string{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := []byte(tenantPrefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			rest := it.Item().Key()[len(prefix):]
			i := bytes.IndexByte(rest, '/')
			if i < 0 {
				return fmt.Errorf("%w: key %q", ErrCorrupt, it.Item().Key())
			}
			tenant := string(rest[:i])
			out = append(out, tenant)
			it.Seek(prefixEnd([]byte(tenantPrefix + tenant + "/")))
		}
		return nil
	})
	return out, err
}

// Artifact returns a version's artifact and record. The bytes are checked against the
// SHA-256 recorded at Put: a mismatch, a missing piece or a damaged value-log entry is
// ErrCorrupt, never a silently different model.
func (s *Badger) Artifact(tenant, name string, version int) ([]byte, Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, Version{}, err
	}
	var (
		data []byte
		v    Version
	)
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if v, err = getVersion(txn, tenant, name, version); err != nil {
			return fmt.Errorf("model %s/%s: %w", tenant, name, err)
		}
		data, err = readArtifact(txn, v)
		return err
	})
	if err != nil {
		return nil, Version{}, err
	}
	return data, v, nil
}

func readArtifact(txn *badger.Txn, v Version) ([]byte, error) {
	what := fmt.Sprintf("artifact of %s/%s version %d", v.Tenant, v.Name, v.Version)
	if v.Size < 0 || v.Chunks != int((v.Size+ChunkSize-1)/ChunkSize) {
		return nil, fmt.Errorf("%w: %s: record says %d bytes in %d chunks", ErrCorrupt, what, v.Size, v.Chunks)
	}
	data := make([]byte, 0, v.Size)
	for i := 0; i < v.Chunks; i++ {
		item, err := txn.Get(chunkKey(v.Tenant, v.Name, v.Version, i))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil, fmt.Errorf("%w: %s: chunk %d of %d is missing", ErrCorrupt, what, i+1, v.Chunks)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := item.Value(func(b []byte) error {
			data = append(data, b...)
			return nil
		}); err != nil {
			// Badger flattens its errors to text; a value-log CRC failure reads "checksum mismatch".
			if strings.Contains(err.Error(), "checksum mismatch") {
				return nil, fmt.Errorf("%w: %s: chunk %d: %v", ErrCorrupt, what, i+1, err)
			}
			return nil, fmt.Errorf("%s: chunk %d: %w", what, i+1, err)
		}
	}
	return data, verifyArtifact(data, v, what)
}

// verifyArtifact is ErrCorrupt unless data has the size and SHA-256 v records.
func verifyArtifact(data []byte, v Version, what string) error {
	if int64(len(data)) != v.Size {
		return fmt.Errorf("%w: %s: read %d bytes, the record says %d", ErrCorrupt, what, len(data), v.Size)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != v.ArtifactSHA256 {
		return fmt.Errorf("%w: %s fails its SHA-256 check (recorded %.12s…, read %.12s…)", ErrCorrupt, what, v.ArtifactSHA256, got)
	}
	return nil
}

// Delete removes a version and its artifact. It returns ErrInUse when an alias points at the
// version (move the alias first) and ErrNotFound when there is no such version. The number is
// not reused. The artifact's space in the value log is not reclaimed in place (see the
// package doc, "Space"); a backup and restore rebuilds the store from live data only.
func (s *Badger) Delete(tenant, name string, version int) error {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return err
	}
	err := s.update(func(txn *badger.Txn) error {
		if err := touchModel(txn, tenant, name); err != nil {
			return err
		}
		v, err := getVersion(txn, tenant, name, version)
		if err != nil {
			return err
		}
		aliases, err := listAliases(txn, tenant, name)
		if err != nil {
			return err
		}
		var holders []string
		for _, a := range aliases {
			if a.Version == version {
				holders = append(holders, a.Alias)
			}
		}
		if len(holders) > 0 {
			return fmt.Errorf("%w: it is %s; move the alias first", ErrInUse, strings.Join(holders, ", "))
		}
		if err := txn.Delete(versionKey(tenant, name, version)); err != nil {
			return err
		}
		for i := 0; i < v.Chunks; i++ {
			if err := txn.Delete(chunkKey(tenant, name, version, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s/%s v%d: %w", tenant, name, version, err)
	}
	return nil
}

// getJSON reads key into v; a missing key is ErrNotFound, undecodable JSON ErrCorrupt.
func getJSON(txn *badger.Txn, key []byte, v any) error {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%w: record %s: %v", ErrCorrupt, key, err)
		}
		return nil
	})
}

func setJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}
