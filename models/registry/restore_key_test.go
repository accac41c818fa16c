package registry

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// TestRestoreEncryptedNeedsStoreKey is defect 10: restoring an encrypted backup with only the
// backup key silently made a plaintext store. It is now a *KeyError unless the caller asks for
// a plaintext store (RestoreOptions.Plaintext).
func TestRestoreEncryptedNeedsStoreKey(t *testing.T) {
	src := openStore(t, Options{EncryptionKey: key32})
	fillStore(t, src)
	var buf bytes.Buffer
	if _, err := src.Backup(&buf, BackupOptions{Key: backupKey}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "restored")
	_, err := Restore(dst, bytes.NewReader(buf.Bytes()), RestoreOptions{BackupKey: backupKey})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Problem != KeyMissing {
		t.Fatalf("restore of an encrypted backup without a store key: err = %v, want a *KeyError (missing)", err)
	}
	if _, err := readMarker(dst); err == nil {
		t.Errorf("a refused restore left a store at %s", dst)
	}
	info, err := Restore(dst, bytes.NewReader(buf.Bytes()), RestoreOptions{BackupKey: backupKey, Plaintext: true})
	if err != nil || !info.Encrypted {
		t.Fatalf("restore asked to be plaintext: %+v, %v", info, err)
	}
	openAt(t, dst, Options{MustExist: true})
}
