package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadKeyRefusesReadableFile is defect 10: a key file that others could read was
// accepted silently.
func TestLoadKeyRefusesReadableFile(t *testing.T) {
	t.Setenv(EnvEncryptionKey, "")
	dir := t.TempDir()
	key := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o644, false}, {0o640, false}, {0o604, false}} {
		path := filepath.Join(dir, "key-"+tc.mode.String())
		if err := os.WriteFile(path, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKey(EnvEncryptionKey, path)
		if tc.ok && err != nil {
			t.Errorf("mode %v: %v", tc.mode, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "chmod 600")) {
			t.Errorf("mode %v: err = %v, want a refusal saying chmod 600", tc.mode, err)
		}
	}
}
