package registry

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var backupKey = bytes.Repeat([]byte{0x5a}, 32)

// fillStore writes a little of everything, including an artifact of several chunks, and
// returns what a restored copy must contain.
func fillStore(t *testing.T, s Store) (big []byte, secret string) {
	t.Helper()
	big = artifactBytes(99, 2*ChunkSize+777)
	for i := 1; i <= 3; i++ {
		mustPut(t, s, "acme", "forecast", []byte(fmt.Sprint("forecast ", i)))
	}
	mustPut(t, s, "acme", "attrition", big)
	mustPut(t, s, "beta", "forecast", []byte("beta's model"))
	for v := 1; v <= 3; v++ {
		if _, err := s.Promote("acme", "forecast", v, Change{By: "t", Reason: fmt.Sprint("step ", v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Rollback("acme", "forecast", Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutRun("acme", "run-1", json.RawMessage(`{"status":"done"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Audit(AuditEntry{Who: "t", Action: "models.promote", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{`{"revenue":100}`, `{"revenue":120}`} {
		if _, err := s.PutAdjustment("acme", "2026Q4.region.East", func(int) (json.RawMessage, error) { return json.RawMessage(rev), nil }); err != nil {
			t.Fatal(err)
		}
	}
	// The outbox: one delivery pending, one delivered.
	dels := []Delivery{{ID: "d1", AlertID: "a1", Data: json.RawMessage(`{"to":"hook"}`)}, {ID: "d2", AlertID: "a1", Data: json.RawMessage(`{"to":"mail"}`)}}
	if _, err := s.RecordAlerts("acme", []AlertRecord{{ID: "a1", Data: json.RawMessage(`{"id":"a1"}`)}}, dels); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttemptDelivery("acme", "d2", Attempt{Time: time.Now().UTC(), OK: true, Detail: "sent"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.CreateKey("acme", RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	return big, secret
}

// checkRestored verifies that a restored store holds what fillStore wrote.
func checkRestored(t *testing.T, s Store, big []byte, secret string) {
	t.Helper()
	b, v, err := s.LoadAlias("acme", "forecast", Champion)
	if err != nil || v.Version != 2 || string(b) != "forecast 2" {
		t.Errorf("champion = v%d %q, %v; want v2", v.Version, b, err)
	}
	if got, _, err := s.Artifact("acme", "attrition", 1); err != nil || !bytes.Equal(got, big) {
		t.Errorf("multi-chunk artifact after restore: %v (equal %v)", err, bytes.Equal(got, big))
	}
	if h, _ := s.History("acme", "forecast", Champion, 0); len(h) != 4 {
		t.Errorf("history has %d entries, want 4", len(h))
	}
	if _, err := s.Run("acme", "run-1"); err != nil {
		t.Errorf("run: %v", err)
	}
	if adj, err := s.Adjustments("acme"); err != nil || len(adj) != 2 || adj[0].Version != 2 || adj[0].ID != "2026Q4.region.East" || string(adj[0].Data) != `{"revenue":120}` {
		t.Errorf("adjustments after restore: %v, %v", adj, err)
	}
	if p, _ := s.AuditLog(AuditQuery{}); len(p.Entries) != 1 {
		t.Errorf("audit entries = %d, want 1", len(p.Entries))
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Errorf("API key after restore: %v", err)
	}
	ds, err := s.Deliveries("acme", "", 0)
	got := map[string]string{}
	for _, d := range ds {
		got[d.ID] = d.Status
	}
	if err != nil || len(got) != 2 || got["d1"] != Pending || got["d2"] != Delivered {
		t.Errorf("deliveries after restore: %v, %v; want d1 pending, d2 delivered", got, err)
	}
	if due, err := s.DueDeliveries(time.Now().Add(time.Minute), 0); err != nil || len(due) != 1 || due[0].ID != "d1" {
		t.Errorf("due after restore: %+v, %v; want d1", due, err)
	}
	// Version numbering continues after the restored counter, never reusing a number.
	if v := mustPut(t, s, "acme", "forecast", []byte("after restore")); v != 4 {
		t.Errorf("next version after restore = %d, want 4", v)
	}
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	tests := []struct {
		name                  string
		srcKey, bkKey, dstKey []byte
		restoreBackupKey      []byte
		wantEncrypted         bool
		wantSource            string
	}{
		{"plaintext store, plaintext backup", nil, nil, nil, nil, false, "none"},
		{"encrypted store, backup under the store key", key32, nil, key32, nil, true, "store"},
		{"encrypted store, explicit backup key, restored under a new store key", key32, backupKey, key16, backupKey, true, "backup"},
		{"plaintext store, explicit backup key, restored encrypted", nil, backupKey, key32, backupKey, true, "backup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := openStore(t, Options{EncryptionKey: tt.srcKey})
			big, secret := fillStore(t, src)
			var buf bytes.Buffer
			info, err := src.Backup(&buf, BackupOptions{Key: tt.bkKey})
			if err != nil {
				t.Fatal(err)
			}
			if info.Bytes != int64(buf.Len()) || info.Encrypted != tt.wantEncrypted || info.KeySource != tt.wantSource {
				t.Errorf("BackupInfo = %+v (file %d bytes), want encrypted %v, source %s", info, buf.Len(), tt.wantEncrypted, tt.wantSource)
			}
			// An encrypted backup must not carry the artifact in the clear.
			if found := bytes.Contains(buf.Bytes(), big[:64]); found == tt.wantEncrypted {
				t.Errorf("artifact bytes in the clear in the backup: %v", found)
			}

			dst := filepath.Join(t.TempDir(), "restored")
			rinfo, err := Restore(dst, bytes.NewReader(buf.Bytes()), RestoreOptions{StoreKey: tt.dstKey, BackupKey: tt.restoreBackupKey})
			if err != nil {
				t.Fatal(err)
			}
			if rinfo.Encrypted != tt.wantEncrypted || rinfo.Check.Versions != 5 || rinfo.Check.Aliases != 1 || len(rinfo.Check.Problems) != 0 {
				t.Errorf("RestoreInfo = %+v", rinfo)
			}
			s := openAt(t, dst, Options{EncryptionKey: tt.dstKey, MustExist: true})
			checkRestored(t, s, big, secret)
		})
	}
}

// backupOf returns a backup of a filled store with the given keys.
func backupOf(t *testing.T, storeKey []byte) []byte {
	t.Helper()
	s := openStore(t, Options{EncryptionKey: storeKey})
	fillStore(t, s)
	var buf bytes.Buffer
	if _, err := s.Backup(&buf, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frameOffsets lists where each frame of a backup starts.
func frameOffsets(t *testing.T, b []byte, encrypted bool) []int {
	t.Helper()
	var offs []int
	for off := backupHeaderLen; off < len(b); {
		offs = append(offs, off)
		n := int(binary.BigEndian.Uint32(b[off:]))
		off += 5 + n
		if !encrypted {
			off += 32
		}
	}
	return offs
}

func TestRestoreRejectsDamagedBackups(t *testing.T) {
	for _, mode := range []struct {
		name string
		key  []byte
	}{{"encrypted", key32}, {"plaintext", nil}} {
		b := backupOf(t, mode.key)
		offs := frameOffsets(t, b, mode.key != nil)
		if len(offs) < 3 {
			t.Fatalf("%s backup has %d frames; the test needs at least 3", mode.name, len(offs))
		}
		last := offs[len(offs)-1]
		flip := func(i int) func([]byte) []byte {
			return func(b []byte) []byte { b[i] ^= 0x04; return b }
		}
		tests := []struct {
			name  string
			edit  func([]byte) []byte
			want  error
			extra string
		}{
			{"flipped byte in the header salt", flip(30), nil, ""},
			{"flipped byte in the first frame", flip(offs[0] + 5 + 100), ErrCorrupt, "frame 0"},
			{"flipped byte in a middle frame", flip(offs[1] + 5 + 1000), ErrCorrupt, "frame 1"},
			{"flipped byte at the very end", flip(len(b) - 1), ErrCorrupt, ""},
			{"last-frame flag set early", func(b []byte) []byte { b[offs[0]+4] = flagLast; return b }, ErrCorrupt, ""},
			{"frames swapped", func(b []byte) []byte {
				out := append([]byte{}, b[:offs[0]]...)
				out = append(out, b[offs[1]:offs[2]]...)
				out = append(out, b[offs[0]:offs[1]]...)
				return append(out, b[offs[2]:]...)
			}, ErrCorrupt, ""},
			{"huge frame length", func(b []byte) []byte { binary.BigEndian.PutUint32(b[offs[1]:], 1<<31); return b }, ErrCorrupt, "bad length"},
			{"garbage after the end", func(b []byte) []byte { return append(b, 0) }, ErrCorrupt, "after its last frame"},
			{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, ErrCorrupt, "not a growthlens backup"},
			{"truncated inside the header", func(b []byte) []byte { return b[:40] }, ErrCorrupt, "truncated"},
			{"truncated after the header", func(b []byte) []byte { return b[:backupHeaderLen] }, ErrCorrupt, "truncated"},
			{"truncated inside a frame", func(b []byte) []byte { return b[:offs[1]+300] }, ErrCorrupt, "truncated"},
			{"truncated at a frame boundary", func(b []byte) []byte { return b[:last] }, ErrCorrupt, "truncated"},
			{"last byte missing", func(b []byte) []byte { return b[:len(b)-1] }, ErrCorrupt, "truncated"},
			{"empty file", func(b []byte) []byte { return nil }, ErrCorrupt, "truncated"},
		}
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				damaged := tt.edit(append([]byte{}, b...))
				parent := t.TempDir()
				dst := filepath.Join(parent, "restored")
				_, err := Restore(dst, bytes.NewReader(damaged), RestoreOptions{StoreKey: mode.key})
				if err == nil {
					t.Fatal("a damaged backup was restored")
				}
				var ke *KeyError
				switch {
				case tt.want == nil: // a damaged header reads as a wrong key (encrypted) or a bad checksum
					if !errors.As(err, &ke) && !errors.Is(err, ErrCorrupt) {
						t.Errorf("err = %v, want *KeyError or ErrCorrupt", err)
					}
				case !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.extra):
					t.Errorf("err = %v, want %v mentioning %q", err, tt.want, tt.extra)
				}
				// Nothing was committed: no store, and no temporary directory left behind.
				entries, _ := os.ReadDir(parent)
				if len(entries) != 0 {
					t.Errorf("a failed restore left %v", entries)
				}
			})
		}
	}
}

func TestRestoreKeys(t *testing.T) {
	enc := backupOf(t, key32)
	s := openStore(t, Options{})
	fillStore(t, s)
	var withBackupKey bytes.Buffer
	if _, err := s.Backup(&withBackupKey, BackupOptions{Key: backupKey}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		backup  []byte
		opt     RestoreOptions
		problem KeyProblem
		hint    string
	}{
		{"store-key backup without a key", enc, RestoreOptions{}, KeyMissing, EnvEncryptionKey},
		{"store-key backup with another key", enc, RestoreOptions{StoreKey: key32b}, KeyWrong, EnvEncryptionKey},
		{"backup-key backup without it", withBackupKey.Bytes(), RestoreOptions{StoreKey: key32}, KeyWrong, EnvBackupKey},
		{"backup-key backup with no key at all", withBackupKey.Bytes(), RestoreOptions{}, KeyMissing, EnvBackupKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Restore(filepath.Join(t.TempDir(), "r"), bytes.NewReader(tt.backup), tt.opt)
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Problem != tt.problem || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("err = %v, want *KeyError problem %d with a hint naming %s", err, tt.problem, tt.hint)
			}
		})
	}
	if _, err := s.Backup(&bytes.Buffer{}, BackupOptions{Key: []byte("short")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("backup with a 5-byte key: err = %v, want ErrInvalid", err)
	}
}

func TestRestoreTargets(t *testing.T) {
	b := backupOf(t, nil)
	t.Run("empty directory", func(t *testing.T) {
		dst := t.TempDir()
		if _, err := Restore(dst, bytes.NewReader(b), RestoreOptions{}); err != nil {
			t.Fatal(err)
		}
		openAt(t, dst, Options{MustExist: true})
	})
	t.Run("existing store is refused without force", func(t *testing.T) {
		dst := t.TempDir()
		old := openAt(t, dst, Options{})
		mustPut(t, old, "acme", "keepme", []byte("old"))
		old.Close()
		_, err := Restore(dst, bytes.NewReader(b), RestoreOptions{})
		wantErr(t, err, ErrNotEmpty)
		s := openAt(t, dst, Options{})
		if _, _, err := s.Artifact("acme", "keepme", 1); err != nil {
			t.Errorf("the refused restore changed the old store: %v", err)
		}
	})
	t.Run("open store is refused even with force", func(t *testing.T) {
		dst := t.TempDir()
		openAt(t, dst, Options{}) // held open
		_, err := Restore(dst, bytes.NewReader(b), RestoreOptions{Force: true})
		var inUse *InUseError
		if !errors.As(err, &inUse) {
			t.Errorf("err = %v, want *InUseError", err)
		}
	})
	t.Run("force keeps the old store aside", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "store")
		old := openAt(t, dst, Options{})
		mustPut(t, old, "acme", "keepme", []byte("old"))
		old.Close()
		info, err := Restore(dst, bytes.NewReader(b), RestoreOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if info.Replaced == "" {
			t.Fatal("no Replaced path")
		}
		s := openAt(t, dst, Options{})
		if _, err := s.Version("acme", "keepme", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("restored store still has the old model: %v", err)
		}
		prev := openAt(t, info.Replaced, Options{})
		if _, _, err := prev.Artifact("acme", "keepme", 1); err != nil {
			t.Errorf("old store at %s: %v", info.Replaced, err)
		}
	})
	t.Run("a failed forced restore leaves the old store in place", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "store")
		old := openAt(t, dst, Options{})
		mustPut(t, old, "acme", "keepme", []byte("old"))
		old.Close()
		_, err := Restore(dst, bytes.NewReader(b[:len(b)-10]), RestoreOptions{Force: true})
		wantErr(t, err, ErrCorrupt)
		entries, _ := os.ReadDir(filepath.Dir(dst))
		if len(entries) != 1 {
			t.Errorf("parent holds %d entries after a failed restore, want only the old store", len(entries))
		}
		s := openAt(t, dst, Options{})
		if _, _, err := s.Artifact("acme", "keepme", 1); err != nil {
			t.Errorf("old store after a failed restore: %v", err)
		}
	})
	t.Run("force does not replace a directory that is not a store", func(t *testing.T) {
		dst := t.TempDir()
		if err := os.WriteFile(filepath.Join(dst, "thesis.tex"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Restore(dst, bytes.NewReader(b), RestoreOptions{Force: true})
		if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "not a growthlens store") {
			t.Errorf("err = %v, want ErrNotEmpty: not a growthlens store", err)
		}
		entries, _ := os.ReadDir(dst)
		if len(entries) != 1 || entries[0].Name() != "thesis.tex" {
			t.Errorf("directory now holds %v", entries)
		}
	})
	t.Run("a file in the way", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(dst, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Restore(dst, bytes.NewReader(b), RestoreOptions{Force: true}); err == nil {
			t.Error("restored over a regular file")
		}
		if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
			t.Error("the file was removed")
		}
	})
}
