package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/registry"
)

// A data root the server encrypted (its tables sealed with the store's key) is read by the
// data commands when the key is given, and refused, naming the key, when it is not.
func TestCommandsReadSealedData(t *testing.T) {
	plain := whatifData(t)
	want, _, err := runCLI(t, "features", "--data", plain)
	if err != nil {
		t.Fatal(err)
	}

	// Seal a copy's files through a link to it, so that this process's keyring knows the
	// link's path only and the real path reads as a process without the key would.
	dir := filepath.Join(t.TempDir(), "sealed")
	if err := os.CopyFS(dir, os.DirFS(plain)); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := datasets.Seal(link, key); err != nil {
		t.Fatal(err)
	}
	if n, err := datasets.SealFiles(link); err != nil || n == 0 {
		t.Fatalf("sealed %d files: %v", n, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "employees.csv"))
	if err != nil || strings.Contains(string(b), "employee_id") {
		t.Fatalf("employees.csv is not sealed (%v)", err)
	}

	t.Setenv(registry.EnvEncryptionKey, "")
	_, _, err = runCLI(t, "features", "--data", dir)
	var se *datasets.SealedError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), registry.EnvEncryptionKey) {
		t.Fatalf("without the key: %v, want a SealedError naming %s", err, registry.EnvEncryptionKey)
	}

	t.Setenv(registry.EnvEncryptionKey, hex.EncodeToString(key))
	got, _, err := runCLI(t, "features", "--data", dir)
	if err != nil {
		t.Fatalf("with the key: %v", err)
	}
	if got != want {
		t.Errorf("the sealed copy's features differ from the plaintext's")
	}
}
