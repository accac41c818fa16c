package main

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/internal/natstest"
	"github.com/growthlens/growthlens/models/registry"
)

// TestMigrateCommand moves an encrypted store into an embedded NATS server and back with
// the CLI, promotes on the cluster store with `models promote --cluster`, and checks that the
// copy back holds the promotion, the versions with their numbers and the migration's audit
// entries.
func TestMigrateCommand(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	t.Setenv(registry.EnvEncryptionKey, hex.EncodeToString(key))
	dir := seedStore(t, key)
	_, url := natstest.Start(t)

	out, _, err := runCLI(t, "migrate", "--from-badger", dir, "--to", url)
	if err != nil || !strings.Contains(out, "3 versions") {
		t.Fatalf("migrate to NATS: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, "migrate", "--from-badger", dir, "--to", url); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second migrate into the same buckets: err = %v, want a refusal", err)
	}
	if out, _, err := runCLI(t, "models", "promote", "forecast", "2", "--reason", "on the cluster", "--cluster", url, "--tenant", "acme"); err != nil {
		t.Fatalf("models promote --cluster: %v\n%s", err, out)
	}
	// backup and restore work on a cluster store too: a copy under another bucket prefix.
	file := filepath.Join(t.TempDir(), "cluster.glbk")
	if out, _, err := runCLI(t, "backup", "--cluster", url, "--out", file); err != nil {
		t.Fatalf("backup --cluster: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, "restore", "--cluster", url, "--cluster-prefix", "copy", "--in", file); err != nil || !strings.Contains(out, "3 versions") {
		t.Fatalf("restore --cluster: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, "models", "show", "forecast", "--cluster", url, "--cluster-prefix", "copy", "--tenant", "acme", "--json"); err != nil || !strings.Contains(out, `"champion"`) {
		t.Errorf("models show on the restored copy: %v\n%s", err, out)
	}
	back := filepath.Join(t.TempDir(), "back")
	if out, _, err := runCLI(t, "migrate", "--from", url, "--to-badger", back); err != nil {
		t.Fatalf("migrate back: %v\n%s", err, out)
	}
	s, err := registry.Open(back, registry.Options{EncryptionKey: key, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if a, err := s.Alias("acme", "forecast", registry.Champion); err != nil || a.Version != 2 {
		t.Errorf("champion after the round trip = %+v, %v; want v2", a, err)
	}
	if vs, err := s.Versions("acme", "forecast"); err != nil || len(vs) != 3 || vs[0].Version != 3 {
		t.Errorf("versions after the round trip: %d, %v", len(vs), err)
	}
	page, err := s.AuditLog(registry.AuditQuery{Action: "store.migrate"})
	if err != nil || len(page.Entries) != 2 {
		t.Errorf("store.migrate audit entries = %d, %v; want one per migration", len(page.Entries), err)
	}
}
