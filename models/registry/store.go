package registry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/growthlens/growthlens/internal/atomicfile"
)

// Files growthlens keeps in a store directory beside Badger's own.
const (
	markerName = "growthlens-store.json" // format and key check; written before Badger's files
	lockName   = "growthlens.lock"       // flock held while open; holds the owner's pid
	formatName = "growthlens-store"
	formatVer  = 1
)

// Badger settings. Badger's defaults are sized for a database server (64 MiB memtables × 5,
// a 256 MiB block cache, 1 GiB value-log files); a registry holds a few hundred keys and a few
// large values, so these keep an open store near the RSS measured in the package doc.
const (
	memTableSize   = 8 << 20  // largest write batch is 15 % of this: 1.2 MiB of keys and small values
	numMemtables   = 2        // one being written, one being flushed
	valueThreshold = 64 << 10 // values at least this large (artifact chunks, big run records) go to the value log
	vlogFileSize   = 16 << 20 // files are mapped at twice this size; a larger Put just extends the file
	blockCacheSize = 8 << 20  // only with encryption, which needs a cache to hold decrypted blocks
	indexCacheSize = 4 << 20  // only with encryption, which needs a cache to hold decrypted table indexes
	numCompactors  = 2        // the least Badger accepts apart from none
	retryLimit     = 100      // attempts of a transaction that lost a write conflict
)

// DefaultMinFreeBytes is the free space a write needs by default: two memtables and one
// value-log file as mapped, and a margin.
const DefaultMinFreeBytes = 2*memTableSize + 2*vlogFileSize + 16<<20

// Options configure Open. The zero value opens (or creates) a plaintext store.
type Options struct {
	// EncryptionKey turns on encryption at rest (AES-128, -192 or -256 for a 16-, 24- or
	// 32-byte key). A store created with a key can only be opened with the same key, and a
	// plaintext store only without one. See ParseKey and LoadKey.
	EncryptionKey []byte
	// MustExist makes Open fail with ErrNoStore instead of creating a new store.
	MustExist bool
	// Logger receives Badger's warnings and errors (its info lines at debug level). Nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock for created, moved and audit times; nil means time.Now.
	Now func() time.Time
	// MinFreeBytes is the room a write needs: while less is free on the store's disk (or left
	// of MaxBytes), writes fail with ErrNoSpace instead of starting. Badger writes through
	// memory-mapped files (memtables, value-log files mapped at twice vlogFileSize), and a
	// page it writes on a full disk kills the process with SIGBUS; this reserve keeps room for
	// the files one write can start. Zero means DefaultMinFreeBytes; negative turns it off.
	MinFreeBytes int64
	// MaxBytes, when positive, is a quota on the disk space of the store directory: writes
	// fail with ErrNoSpace while less than MinFreeBytes of it is left.
	MaxBytes int64
	// KeyTouchInterval is how stale an API key's LastUsed may get before Authenticate writes it
	// again: every write is a synced disk write, so a busy key is not written per request.
	// Zero means one minute.
	KeyTouchInterval time.Duration
}

// Store is an open growthlens store: model versions, aliases, training runs, alerts, the
// audit log and API keys of every tenant, in one Badger directory. It is safe for concurrent
// use by many goroutines of the one process that opened it.
type Store struct {
	dir        string
	db         *badger.DB
	lock       *os.File
	log        *slog.Logger
	now        func() time.Time
	encrypted  bool
	key        []byte // the store key, from which backup keys are derived by default
	touchEvery time.Duration
	minFree    int64
	maxBytes   atomic.Int64

	gen     atomic.Uint64
	mu      sync.Mutex // guards subs, nextSub, closed
	subs    map[int]chan AliasEvent
	nextSub int
	closed  bool
}

// marker is the small plaintext file that names the format and records whether the store is
// encrypted, so that a key problem gets a precise message before Badger is asked to open.
type marker struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Created   time.Time `json:"created"`
	Encrypted bool      `json:"encrypted"`
	// KeyCheck is the first 16 bytes of HMAC-SHA256(key, "growthlens store key check v1"):
	// enough to tell a wrong key from the right one, useless for finding the key.
	KeyCheck string `json:"key_check,omitempty"`
}

func keyCheck(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("growthlens store key check v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Open opens the store in dir, creating it (mode 0700) unless opt.MustExist is set.
//
// Open fails with *InUseError when another process (or another Open in this process) has the
// store open, with *KeyError when the key does not fit the store (missing, unexpected or
// wrong), with ErrNoStore when MustExist is set and there is no store, and with ErrInvalid for
// a key of the wrong length or a non-empty directory that is not a growthlens store. It never
// panics on bad input.
func Open(dir string, opt Options) (*Store, error) {
	if dir == "" {
		return nil, invalidf("store directory is empty")
	}
	if err := checkKeyLen(opt.EncryptionKey); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if opt.MustExist {
			return nil, fmt.Errorf("%w at %s", ErrNoStore, dir)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create store: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	} else if _, err := os.Stat(filepath.Join(dir, markerName)); opt.MustExist && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoStore, dir) // and leave no lock file behind
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s, err := openLocked(dir, lock, opt)
	if err != nil {
		unlockDir(lock)
		return nil, err
	}
	return s, nil
}

func openLocked(dir string, lock *os.File, opt Options) (*Store, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	m, err := readMarker(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if opt.MustExist {
			return nil, fmt.Errorf("%w at %s", ErrNoStore, dir)
		}
		if err := initMarker(dir, opt.EncryptionKey, now()); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := m.check(dir, opt.EncryptionKey); err != nil {
			return nil, err
		}
	}

	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := removeEmptyMemtables(dir, log); err != nil {
		return nil, err
	}
	db, err := badger.Open(badgerOptions(dir, opt.EncryptionKey, log))
	if err != nil {
		if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
			// The marker agreed with the key, so it was edited or copied from another store.
			return nil, &KeyError{Dir: "store " + dir, Problem: KeyWrong, Hint: "the key does not match Badger's key registry"}
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	minFree := opt.MinFreeBytes
	if minFree == 0 {
		minFree = DefaultMinFreeBytes
	}
	touch := opt.KeyTouchInterval
	if touch <= 0 {
		touch = time.Minute
	}
	s := &Store{
		dir:        dir,
		db:         db,
		lock:       lock,
		log:        log,
		now:        now,
		encrypted:  len(opt.EncryptionKey) > 0,
		key:        append([]byte(nil), opt.EncryptionKey...),
		touchEvery: touch,
		minFree:    minFree,
		subs:       map[int]chan AliasEvent{},
	}
	s.maxBytes.Store(opt.MaxBytes)
	return s, nil
}

func badgerOptions(dir string, key []byte, log *slog.Logger) badger.Options {
	o := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log}).
		WithSyncWrites(true).
		WithNumVersionsToKeep(1).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(vlogFileSize).
		WithNumCompactors(numCompactors).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		WithVerifyValueChecksum(true).
		WithChecksumVerificationMode(options.OnTableRead).
		WithMetricsEnabled(false).
		WithDetectConflicts(true)
	if len(key) > 0 {
		// Badger panics when encryption is on and either cache is zero: at Open for the block
		// cache, at the first table flush for the index cache.
		o = o.WithEncryptionKey(key).WithBlockCacheSize(blockCacheSize).WithIndexCacheSize(indexCacheSize)
	}
	return o
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Encrypted reports whether the store is encrypted at rest.
func (s *Store) Encrypted() bool { return s.encrypted }

// Close closes the store, its subscriptions and its lock. It is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.mu.Unlock()
	err := s.db.Close()
	unlockDir(s.lock)
	if err != nil {
		return fmt.Errorf("close store %s: %w", s.dir, err)
	}
	return nil
}

// update runs fn in a read-write transaction, retrying when it lost a write conflict to a
// concurrent transaction (Badger's optimistic concurrency: the loser sees ErrConflict and
// nothing of it was written).
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	if err := s.CheckSpace(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.db.Update(fn)
		if !errors.Is(err, badger.ErrConflict) || attempt == retryLimit {
			return err
		}
		// Jitter so that writers that collided do not collide again in lockstep.
		time.Sleep(time.Duration(rand.IntN(attempt*500)+100) * time.Microsecond)
	}
}

func readMarker(dir string) (marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return marker{}, err
		}
		return marker{}, fmt.Errorf("read store marker: %w", err)
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil || m.Format != formatName {
		return marker{}, fmt.Errorf("%w: %s is not a growthlens store marker", ErrInvalid, filepath.Join(dir, markerName))
	}
	if m.Version > formatVer {
		return marker{}, fmt.Errorf("%w: store %s has format version %d; this growthlens reads up to %d", ErrInvalid, dir, m.Version, formatVer)
	}
	return m, nil
}

func (m marker) check(dir string, key []byte) error {
	switch {
	case m.Encrypted && len(key) == 0:
		return &KeyError{Dir: "store " + dir, Problem: KeyMissing, Hint: "set " + EnvEncryptionKey + " or pass --encryption-key-file"}
	case !m.Encrypted && len(key) > 0:
		return &KeyError{Dir: "store " + dir, Problem: KeyUnexpected, Hint: "unset " + EnvEncryptionKey + " and --encryption-key-file; to encrypt a plaintext store, back it up and restore it with a key"}
	case m.Encrypted && !hmac.Equal([]byte(m.KeyCheck), []byte(keyCheck(key))):
		return &KeyError{Dir: "store " + dir, Problem: KeyWrong, Hint: "the key differs from the one the store was created with"}
	}
	return nil
}

// initMarker writes the marker of a new store. It refuses a directory that holds anything but
// the lock file, so that pointing --store at a wrong directory cannot scatter Badger files in it.
func initMarker(dir string, key []byte, now time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	for _, e := range entries {
		if e.Name() != lockName {
			return fmt.Errorf("%w: %s is not empty and is not a growthlens store (no %s)", ErrInvalid, dir, markerName)
		}
	}
	m := marker{Format: formatName, Version: formatVer, Created: now.UTC(), Encrypted: len(key) > 0}
	if m.Encrypted {
		m.KeyCheck = keyCheck(key)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, markerName), 0o600, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// badgerLogger sends Badger's log lines to slog. Badger narrates compactions and replays at
// info level; those go to debug so that a CLI run stays quiet.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.emit(slog.LevelError, f, a) }
func (l badgerLogger) Warningf(f string, a ...any) { l.emit(slog.LevelWarn, f, a) }
func (l badgerLogger) Infof(f string, a ...any)    { l.emit(slog.LevelDebug, f, a) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.emit(slog.LevelDebug, f, a) }

func (l badgerLogger) emit(level slog.Level, f string, a []any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

// removeEmptyMemtables deletes memtable write-ahead logs (*.mem) of length zero. Badger creates
// such a file and then sizes it; a process killed between the two leaves an empty file that
// Badger v4.9.6 refuses on the next Open ("while opening fid: N err: Create a new file"). An
// empty log holds no records, so removing it loses nothing, and the store opens.
func removeEmptyMemtables(dir string, log *slog.Logger) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	for _, name := range names {
		fi, err := os.Stat(name)
		if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("open store: remove empty memtable log: %w", err)
		}
		log.Warn("removed an empty memtable log left by an interrupted open", "file", filepath.Base(name))
	}
	return nil
}

// CheckSpace returns ErrNoSpace, saying how much is left, when a write should not start: less
// than Options.MinFreeBytes free on the store's disk or left of its quota (Options.MaxBytes).
// Every write checks it first; callers may check before starting long work that will write.
func (s *Store) CheckSpace() error {
	if s.minFree < 0 {
		return nil
	}
	if free, ok := freeBytes(s.dir); ok && free < s.minFree {
		return fmt.Errorf("%w: %d MiB free on the disk of %s, a write needs %d MiB; free some space", ErrNoSpace, free>>20, s.dir, s.minFree>>20)
	}
	if quota := s.maxBytes.Load(); quota > 0 {
		if left := quota - usedBytes(s.dir); left < s.minFree {
			return fmt.Errorf("%w: %d MiB of the store's %d MiB quota left, a write needs %d MiB; raise the quota or free space", ErrNoSpace, max(left, 0)>>20, quota>>20, s.minFree>>20)
		}
	}
	return nil
}

// SetQuota changes the quota of an open store (Options.MaxBytes); 0 removes it.
func (s *Store) SetQuota(maxBytes int64) { s.maxBytes.Store(maxBytes) }
