package registry

import (
	"bytes"
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

var (
	key32  = bytes.Repeat([]byte{0x42}, 32)
	key32b = bytes.Repeat([]byte{0x17}, 32)
	key16  = bytes.Repeat([]byte{0x99}, 16)
)

func TestReopenKeepsData(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  []byte
	}{{"plaintext", nil}, {"AES-128", key16}, {"AES-256", key32}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{EncryptionKey: tt.key})
			if err != nil {
				t.Fatal(err)
			}
			v := mustPut(t, s, "acme", "forecast", []byte("model"))
			if _, err := s.Promote("acme", "forecast", v, Change{By: "test"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			s = openAt(t, dir, Options{EncryptionKey: tt.key, MustExist: true})
			if s.Encrypted() != (tt.key != nil) {
				t.Errorf("Encrypted() = %v", s.Encrypted())
			}
			got, rec, err := s.LoadAlias("acme", "forecast", Champion)
			if err != nil || string(got) != "model" || rec.Version != v {
				t.Errorf("after reopen: %q v%d %v", got, rec.Version, err)
			}
		})
	}
}

func TestOpenTwiceIsInUse(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, Options{})
	_, err := Open(dir, Options{})
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("second Open err = %v, want *InUseError", err)
	}
	want := fmt.Sprintf("store %s is in use by another growthlens process (pid %d)", dir, os.Getpid())
	if inUse.PID != os.Getpid() || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q (pid %d), want it to contain %q", err, inUse.PID, want)
	}
}

func TestOpenRefusesOtherDirectories(t *testing.T) {
	t.Run("non-empty directory that is not a store", func(t *testing.T) {
		dir := t.TempDir()
		notes := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(notes, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not a growthlens store") {
			t.Errorf("err = %v, want ErrInvalid saying it is not a growthlens store", err)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "notes.txt" && e.Name() != lockName {
				t.Errorf("Open left %s in a foreign directory", e.Name())
			}
		}
	})
	t.Run("MustExist on a missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nothing")
		_, err := Open(dir, Options{MustExist: true})
		wantErr(t, err, ErrNoStore)
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("MustExist created %s", dir)
		}
	})
	t.Run("MustExist on an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Open(dir, Options{MustExist: true})
		wantErr(t, err, ErrNoStore)
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("MustExist left %d files in an empty directory", len(entries))
		}
	})
	t.Run("empty path", func(t *testing.T) {
		_, err := Open("", Options{})
		wantErr(t, err, ErrInvalid)
	})
}

// openNoPanic calls Open and turns a panic into a test failure: a bad key must be an error.
func openNoPanic(t *testing.T, dir string, opt Options) (s *Badger, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Open panicked: %v", r)
		}
	}()
	return Open(dir, opt)
}

func TestWrongKey(t *testing.T) {
	tests := []struct {
		name        string
		createKey   []byte
		openKey     []byte
		problem     KeyProblem
		wantMessage string
	}{
		{"wrong key on an encrypted store", key32, key32b, KeyWrong, "wrong encryption key"},
		{"no key on an encrypted store", key32, nil, KeyMissing, "is encrypted and no encryption key was given (set GROWTHLENS_ENCRYPTION_KEY"},
		{"key on a plaintext store", nil, key32, KeyUnexpected, "is not encrypted but an encryption key was given"},
		{"AES-128 key on an AES-256 store", key32, key16, KeyWrong, "wrong encryption key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{EncryptionKey: tt.createKey})
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, s, "acme", "forecast", []byte("model"))
			s.Close()

			_, err = openNoPanic(t, dir, Options{EncryptionKey: tt.openKey})
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Problem != tt.problem {
				t.Fatalf("err = %v, want *KeyError with problem %d", err, tt.problem)
			}
			if !strings.Contains(err.Error(), tt.wantMessage) || !strings.Contains(err.Error(), dir) {
				t.Errorf("message %q does not name the store and say %q", err, tt.wantMessage)
			}
			// The failed open must release the lock and leave the store usable with the right key.
			s = openAt(t, dir, Options{EncryptionKey: tt.createKey})
			if _, _, err := s.Artifact("acme", "forecast", 1); err != nil {
				t.Errorf("right key after a failed open: %v", err)
			}
		})
	}
}

// TestWrongKeyBehindAForgedMarker checks the second line of defence: when the marker file
// agrees with the key given (it was edited or copied from another store), Badger's own key
// check must still fail cleanly, never panic.
func TestWrongKeyBehindAForgedMarker(t *testing.T) {
	tests := []struct {
		name      string
		createKey []byte
		openKey   []byte
	}{
		{"encrypted store, marker says plaintext, no key", key32, nil},
		{"plaintext store, marker says encrypted with the given key", nil, key32},
		{"encrypted store, marker rewritten for another key", key32, key32b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{EncryptionKey: tt.createKey})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			m := marker{Format: formatName, Version: formatVer, Encrypted: tt.openKey != nil}
			if tt.openKey != nil {
				m.KeyCheck = keyCheck(tt.openKey)
			}
			b, _ := json.Marshal(m)
			if err := os.WriteFile(filepath.Join(dir, markerName), b, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = openNoPanic(t, dir, Options{EncryptionKey: tt.openKey})
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v, want *KeyError", err)
			}
		})
	}
}

func TestBadKeyLength(t *testing.T) {
	for _, n := range []int{1, 15, 17, 31, 33, 64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			_, err := openNoPanic(t, dir, Options{EncryptionKey: make([]byte, n)})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "want 16, 24 or 32") {
				t.Errorf("err = %v, want ErrInvalid about the key length", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected key left %d files", len(entries))
			}
		})
	}
}

// TestEncryptedAtRest writes a recognizable text into an artifact, a run record, an audit
// entry and alias reasons, and looks for it in every file of the store directory. The
// plaintext store is the control: there the text must be found, or the test proves nothing.
func TestEncryptedAtRest(t *testing.T) {
	canary := []byte("CANARY-7f3a-employee-salary-table")
	big := bytes.Repeat(append(canary, ' '), 30000) // ~1 MB: value log
	for _, tt := range []struct {
		name      string
		key       []byte
		wantFound bool
	}{{"plaintext", nil, true}, {"encrypted", key32, false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{EncryptionKey: tt.key})
			if err != nil {
				t.Fatal(err)
			}
			v := mustPut(t, s, "acme", "forecast", big)
			mustPut(t, s, "acme", "small", canary) // small: LSM tree and memtable log
			if _, err := s.Promote("acme", "forecast", v, Change{By: "test", Reason: string(canary)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PutRun("acme", "run-1", json.RawMessage(`{"note":"`+string(canary)+`"}`)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Audit(AuditEntry{Who: "t", Action: "a", Outcome: "ok", Detail: string(canary)}); err != nil {
				t.Fatal(err)
			}
			found := grepDir(t, dir, canary)
			// Close flushes memtables to tables; look again at what is left on disk.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			found = append(found, grepDir(t, dir, canary)...)
			if (len(found) > 0) != tt.wantFound {
				t.Errorf("canary found in %v; want found = %v", found, tt.wantFound)
			}
		})
	}
}

func grepDir(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	// The store may be removing or replacing files while they are read (a NATS server
	// deletes a dropped bucket's files in the background and writes its index through a
	// temporary file): a file that vanished between the listing and the read is passed
	// over, and the walk is done again, until one walk has read every file it listed.
	for try := 0; ; try++ {
		var found []string
		vanished := 0
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				vanished++
				return nil
			}
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				vanished++
				return nil
			}
			if err != nil {
				return err
			}
			if bytes.Contains(b, needle) {
				found = append(found, filepath.Base(path))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if vanished == 0 {
			return found
		}
		if try == 20 {
			t.Fatalf("grep %s: files kept vanishing while they were read (%d in the last walk)", dir, vanished)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
