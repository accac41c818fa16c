package registry

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// Run with: make bench-registry (or go test -run '^$' -bench . ./models/registry).

func BenchmarkPut(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		key  []byte
	}{
		{"10KB", 10 << 10, nil}, {"1MB", 1 << 20, nil}, {"32MB", 32 << 20, nil},
		{"1MB-encrypted", 1 << 20, key32}, {"32MB-encrypted", 32 << 20, key32},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchStore(b, bc.key)
			art := artifactBytes(1, bc.size)
			b.SetBytes(int64(bc.size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Put("acme", "forecast", art, Metadata{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkArtifact(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		key  []byte
	}{
		{"10KB", 10 << 10, nil}, {"1MB", 1 << 20, nil}, {"32MB", 32 << 20, nil},
		{"1MB-encrypted", 1 << 20, key32}, {"32MB-encrypted", 32 << 20, key32},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchStore(b, bc.key)
			v, err := s.Put("acme", "forecast", artifactBytes(1, bc.size), Metadata{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(bc.size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := s.Artifact("acme", "forecast", v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPromote(b *testing.B) {
	s := benchStore(b, nil)
	for i := 0; i < 2; i++ {
		if _, err := s.Put("acme", "forecast", []byte{byte(i)}, Metadata{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Promote("acme", "forecast", 1+i%2, Change{By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate measures the per-request cost of checking an API key (no write: the
// last-used time is fresh).
func BenchmarkAuthenticate(b *testing.B) {
	s := benchStore(b, nil)
	secret, _, err := s.CreateKey("acme", RoleHRSystem, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil { // the first use writes LastUsed
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Authenticate(secret); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStore(b *testing.B, key []byte) *Badger {
	b.Helper()
	s, err := Open(b.TempDir(), Options{EncryptionKey: key})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// rssEnv makes the test binary (see TestMain) open a store the way the mode says and print
// its memory use; BenchmarkOpenRSS runs it as a child so that each figure is a fresh process.
const rssEnv = "GROWTHLENS_REGISTRY_RSS"

// BenchmarkOpenRSS reports the memory of a fresh process that opens a small store (20
// versions of 1 MB across 2 models, aliases, 100 audit entries), lists it, loads the champion
// and reads the audit log: with this package's settings, plaintext and encrypted, beside
// Badger's DefaultOptions on the same directory, and the bare process for reference.
// "first-open" opens a copy of the store as its writer left it: Badger then reads through the
// value-log file that was being written, which shows as file-backed RSS once.
// peak-MiB is VmHWM, rss-MiB VmRSS after the work, anon-MiB its anonymous (heap) part.
func BenchmarkOpenRSS(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		name := []string{"forecast", "attrition"}[i%2]
		v, err := s.Put("acme", name, artifactBytes(uint64(i), 1<<20), Metadata{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Promote("acme", name, v, Change{By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		if _, err := s.Audit(AuditEntry{Who: "bench", Action: "x", Outcome: "ok"}); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	asWritten := b.TempDir()
	if err := os.CopyFS(asWritten+"/store", os.DirFS(dir)); err != nil {
		b.Fatal(err)
	}
	// The same content, encrypted: restore a backup of it under a key.
	encDir := b.TempDir() + "/enc"
	var buf bytes.Buffer
	src, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := src.Backup(&buf, BackupOptions{}); err != nil {
		b.Fatal(err)
	}
	src.Close()
	if _, err := Restore(encDir, &buf, RestoreOptions{StoreKey: key32}); err != nil {
		b.Fatal(err)
	}

	for _, mode := range []struct{ name, dir string }{
		{"no-store", dir}, {"registry", dir}, {"registry-encrypted", encDir},
		{"registry-first-open", asWritten + "/store"}, {"badger-defaults", dir},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var rss, peak, anon float64
			for i := 0; i < b.N; i++ {
				d := mode.dir
				if mode.name == "registry-first-open" {
					d = b.TempDir() + "/copy"
					if err := os.CopyFS(d, os.DirFS(mode.dir)); err != nil {
						b.Fatal(err)
					}
				}
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), rssEnv+"="+mode.name+","+d)
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				var r, p, a float64
				if _, err := fmt.Sscan(string(out), &r, &p, &a); err != nil {
					b.Fatalf("child printed %q: %v", out, err)
				}
				rss, peak, anon = rss+r, peak+p, anon+a
			}
			n := float64(b.N) * 1024
			b.ReportMetric(peak/n, "peak-MiB")
			b.ReportMetric(rss/n, "rss-MiB")
			b.ReportMetric(anon/n, "anon-MiB")
		})
	}
}

// rssChild opens the store as mode says, does the work of a CLI call, and prints VmRSS and
// VmHWM in KiB.
func rssChild(spec string) error {
	mode, dir, _ := strings.Cut(spec, ",")
	switch mode {
	case "no-store": // the test binary alone, for reference
	case "badger-defaults":
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			return err
		}
		defer db.Close()
		err = db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.DefaultIteratorOptions)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if _, err := it.Item().ValueCopy(nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	default:
		var key []byte // "registry", "registry-first-open"
		if mode == "registry-encrypted" {
			key = key32
		}
		s, err := Open(dir, Options{EncryptionKey: key})
		if err != nil {
			return err
		}
		defer s.Close()
		if _, err := s.Models("acme"); err != nil {
			return err
		}
		if _, _, err := s.LoadAlias("acme", "forecast", Champion); err != nil {
			return err
		}
		if _, err := s.AuditLog(AuditQuery{}); err != nil {
			return err
		}
	}
	st, err := procStatus()
	if err != nil {
		return err
	}
	fmt.Println(st["VmRSS:"], st["VmHWM:"], st["RssAnon:"])
	return nil
}

// procStatus returns the kB figures of /proc/self/status by field name ("VmRSS:", …).
func procStatus() (map[string]int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vals := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Fields(sc.Text())
		if len(parts) >= 2 {
			vals[parts[0]], _ = strconv.Atoi(parts[1])
		}
	}
	return vals, sc.Err()
}
