package registry

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// openStore opens a store in a fresh temporary directory and closes it when the test ends.
func openStore(t *testing.T, opt Options) *Badger {
	t.Helper()
	return openAt(t, t.TempDir(), opt)
}

func openAt(t *testing.T, dir string, opt Options) *Badger {
	t.Helper()
	s, err := Open(dir, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fakeClock hands out strictly increasing times, one second apart, from a fixed start.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// artifactBytes returns n deterministic pseudo-random bytes for seed.
func artifactBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustPut(t *testing.T, s Store, tenant, name string, artifact []byte) int {
	t.Helper()
	v, err := s.Put(tenant, name, artifact, Metadata{DataHash: "d", CodeVersion: "test"})
	if err != nil {
		t.Fatalf("Put(%s, %s): %v", tenant, name, err)
	}
	return v
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

// corruptChunk is the test hook that damages a stored artifact behind the registry's back:
// it rewrites chunk i of a version with one byte flipped, through Badger, so that Badger's
// own checksums are valid and only the registry's SHA-256 can notice.
func corruptChunk(t *testing.T, s *Badger, tenant, name string, version, i int) {
	t.Helper()
	err := s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(chunkKey(tenant, name, version, i))
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		b[len(b)/2] ^= 0x01
		return txn.Set(chunkKey(tenant, name, version, i), b)
	})
	if err != nil {
		t.Fatalf("corrupt chunk: %v", err)
	}
}

// dropChunk deletes chunk i of a version behind the registry's back.
func dropChunk(t *testing.T, s *Badger, tenant, name string, version, i int) {
	t.Helper()
	err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(chunkKey(tenant, name, version, i)) })
	if err != nil {
		t.Fatalf("drop chunk: %v", err)
	}
}

func containsAny(haystack []byte, needles ...[]byte) bool {
	for _, n := range needles {
		if bytes.Contains(haystack, n) {
			return true
		}
	}
	return false
}
