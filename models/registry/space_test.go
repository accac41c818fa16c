package registry

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFullDiskRefusesWrites is defect 4: on a small tmpfs the server died of SIGBUS when
// Badger wrote into a memory-mapped file the disk had no room for. The store now refuses a
// write with ErrNoSpace while less than Options.MinFreeBytes is free, and keeps serving reads.
// It mounts a tmpfs, so it runs as root only (CI runs as root; elsewhere it is skipped, and
// TestQuotaRefusesWrites covers the same guard through a quota).
func TestFullDiskRefusesWrites(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	s, err := Open(filepath.Join(dir, "store"), Options{})
	if err != nil {
		// The guard may refuse even the new store's first write: that is a clean outcome too.
		if errors.Is(err, ErrNoSpace) {
			return
		}
		t.Fatal(err)
	}
	defer s.Close()
	art := artifactBytes(5, 3*ChunkSize)
	var putErr error
	stored := 0
	for i := range 60 { // 60 × 3 MiB is about twice the disk
		if _, putErr = s.Put("acme", "forecast", art, Metadata{Kind: "test", Seed: int64(i)}); putErr != nil {
			break
		}
		stored++
	}
	if !errors.Is(putErr, ErrNoSpace) {
		t.Fatalf("writing 180 MiB to a 96 MiB disk: err = %v, want ErrNoSpace", putErr)
	}
	if stored == 0 {
		t.Errorf("no write succeeded on an empty 96 MiB disk")
	}
	t.Logf("%d artifacts of 3 MiB stored before the guard refused: %v", stored, putErr)
	if _, err := s.Versions("acme", "forecast"); err != nil && !errors.Is(err, ErrNotFound) {
		t.Errorf("reads after the disk filled: %v", err)
	}
	if _, err := s.Audit(AuditEntry{Who: "t", Action: "a", Outcome: "ok"}); !errors.Is(err, ErrNoSpace) {
		t.Errorf("audit on a full disk: %v, want ErrNoSpace", err)
	}
}

// TestQuotaRefusesWrites is the same guard through Options.MaxBytes (what make test-hostile
// uses for its full disk): writes stop with ErrNoSpace before the quota, reads go on, and the
// store takes writes again once it has room.
func TestQuotaRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{MaxBytes: 96 << 20})
	if err != nil {
		t.Fatal(err)
	}
	art := artifactBytes(6, 3*ChunkSize)
	stored := 0
	var putErr error
	for i := range 60 {
		if _, putErr = s.Put("acme", "forecast", art, Metadata{Kind: "test", Seed: int64(i)}); putErr != nil {
			break
		}
		stored++
	}
	if !errors.Is(putErr, ErrNoSpace) || stored == 0 {
		t.Fatalf("after %d artifacts: err = %v, want ErrNoSpace after at least one", stored, putErr)
	}
	if used := usedBytes(dir); used > 96<<20 {
		t.Errorf("store uses %d MiB, over its 96 MiB quota", used>>20)
	}
	vs, err := s.Versions("acme", "forecast")
	if err != nil || len(vs) != stored {
		t.Errorf("reads under a full quota: %d versions, %v; want %d", len(vs), err, stored)
	}
	if _, _, err := s.Artifact("acme", "forecast", 1); err != nil {
		t.Errorf("artifact read under a full quota: %v", err)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put("acme", "forecast", art, Metadata{Kind: "test", Seed: 99}); err != nil {
		t.Errorf("write without the quota: %v", err)
	}
}
