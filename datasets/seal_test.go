package datasets

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func sealedDir(t *testing.T, key []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := Seal(dir, key); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeSealed writes b to dir/name through the writer a sealed directory gets.
func writeSealed(t *testing.T, path string, b []byte) {
	t.Helper()
	f, w, err := createFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, path string) ([]byte, error) {
	t.Helper()
	f, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err == nil && int64(len(b)) != f.Size() {
		t.Errorf("%s: Size() = %d, read %d bytes", path, f.Size(), len(b))
	}
	return b, err
}

func TestSealRoundTrip(t *testing.T) {
	dir := sealedDir(t, testKey(1))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, sealChunk - 1, sealChunk, sealChunk + 1, 2 * sealChunk, 3*sealChunk + 17} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(rng.IntN(256))
		}
		path := filepath.Join(dir, "t.csv")
		writeSealed(t, path, want)
		raw, _ := os.ReadFile(path)
		if !bytes.HasPrefix(raw, []byte(sealMagic)) {
			t.Fatalf("%d bytes: file is not sealed", n)
		}
		got, err := readAll(t, path)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d bytes: read back %d bytes that differ", n, len(got))
		}
	}
}

// A sealed file changed on disk fails to read: a flipped byte, a cut (also at a chunk
// boundary, which would otherwise read as a shorter table), an appended chunk.
func TestSealDetectsChanges(t *testing.T) {
	dir := sealedDir(t, testKey(2))
	path := filepath.Join(dir, "t.csv")
	plain := bytes.Repeat([]byte("E1,sales,t1\n"), 2*sealChunk/12+5) // three chunks
	writeSealed(t, path, plain)
	raw, _ := os.ReadFile(path)
	full := sealChunk + tagLen
	for name, b := range map[string][]byte{
		"flipped byte":       func() []byte { c := bytes.Clone(raw); c[hdrLen+full+5] ^= 1; return c }(),
		"flipped salt":       func() []byte { c := bytes.Clone(raw); c[len(sealMagic)] ^= 1; return c }(),
		"cut mid-chunk":      raw[:len(raw)-7],
		"cut at a chunk end": raw[:hdrLen+2*full],
		"header only":        raw[:hdrLen],
		"chunk appended":     append(bytes.Clone(raw), raw[hdrLen:hdrLen+full]...),
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".csv")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, p)
			var se *SealedError
			if !errors.As(err, &se) || se.NoKey {
				t.Errorf("read %d bytes, err %v; want a *SealedError for a changed file", len(got), err)
			}
		})
	}
}

func TestSealKeys(t *testing.T) {
	dir := sealedDir(t, testKey(3))
	path := filepath.Join(dir, "employees.csv")
	writeSealed(t, path, []byte(employeesHeader+"E1,sales,t1,East,2,2020-01-01,,50000,,1990\n"))

	// Another directory with another key, given the same file: it does not open.
	other := sealedDir(t, testKey(4))
	raw, _ := os.ReadFile(path)
	os.WriteFile(filepath.Join(other, "employees.csv"), raw, 0o600)
	_, err := readAll(t, filepath.Join(other, "employees.csv"))
	var se *SealedError
	if !errors.As(err, &se) || se.NoKey {
		t.Errorf("other key: err %v, want a *SealedError (wrong key)", err)
	}
	// No key at all: a clear error naming the key, not garbage rows.
	bare := t.TempDir()
	os.WriteFile(filepath.Join(bare, "employees.csv"), raw, 0o600)
	if _, _, err := Load(bare, WithTables("employees")); !errors.As(err, &se) || !se.NoKey || !strings.Contains(err.Error(), "GROWTHLENS_ENCRYPTION_KEY") {
		t.Errorf("no key: Load err %v, want a *SealedError asking for the key", err)
	}
	// A subdirectory of a sealed directory is sealed too (the data root's tenants).
	if !Sealed(filepath.Join(dir, "acme", "employees.csv")) {
		t.Error("a tenant directory under a sealed root is not sealed")
	}
}

// TestPushSealed is the data-at-rest half of defect 10 of issue 14: with a key, the table an
// upload writes, its rejects and the temporary files hold no employee id in plaintext, and the
// table reads back through Load; a plaintext table written before the key is still read,
// merged into a sealed one, and SealFiles encrypts the ones left.
func TestPushSealed(t *testing.T) {
	dir := t.TempDir()
	writeTable(t, dir, "employees", employeesHeader+"E-OLD-1,sales,t1,East,2,2020-01-01,,50000,,1990\n")
	writeTable(t, dir, "teams", "team_id,name,function,region\nt1,Team One,sales,East\n")
	if err := Seal(dir, testKey(5)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir, WithTables("employees")); err != nil {
		t.Fatalf("a plaintext table under a key is no longer read: %v", err)
	}
	res := push(t, dir, employeesHeader+"E-SECRET-4711,sales,t1,East,2,2020-01-01,,50000,,1990\nE-BAD-9,Pilot,t1,East,1,2024-01-01,,40000,,1999\n",
		PushOptions{MergeOptions: MergeOptions{MaxRejectShare: 1}})
	if !res.Merge.Written || res.RejectsFile == "" {
		t.Fatalf("merge = %+v, rejects %q; want it written with a rejects file", *res.Merge, res.RejectsFile)
	}
	for _, id := range []string{"E-SECRET-4711", "E-OLD-1", "E-BAD-9"} {
		for _, name := range []string{"employees.csv", "employees.rejects.csv"} {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte(id)) {
				t.Errorf("%s holds %s in plaintext", name, id)
			}
		}
	}
	ds, _, err := Load(dir, WithTables("employees"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Employees) != 2 || ds.Employees[0].EmployeeID != "E-OLD-1" || ds.Employees[1].EmployeeID != "E-SECRET-4711" {
		t.Errorf("read back %+v", ds.Employees)
	}
	if rej, err := readAll(t, filepath.Join(dir, "employees.rejects.csv")); err != nil || !bytes.Contains(rej, []byte("E-BAD-9")) {
		t.Errorf("rejects file: %v, %q", err, rej)
	}

	// teams.csv was never rewritten: SealFiles encrypts it, once, keeping its mode.
	n, err := SealFiles(dir)
	if err != nil || n != 1 {
		t.Fatalf("SealFiles = %d, %v; want 1 file (teams.csv)", n, err)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "teams.csv")); bytes.Contains(raw, []byte("Team One")) {
		t.Error("teams.csv still plaintext after SealFiles")
	}
	if st, _ := os.Stat(filepath.Join(dir, "teams.csv")); st.Mode().Perm() != 0o644 {
		t.Errorf("teams.csv mode %04o after SealFiles, want its old 0644", st.Mode().Perm())
	}
	if n, err := SealFiles(dir); err != nil || n != 0 {
		t.Errorf("SealFiles again = %d, %v; want 0", n, err)
	}
	ds, _, err = Load(dir, WithTables("teams"))
	if err != nil || len(ds.Teams) != 1 || ds.Teams[0].Name != "Team One" {
		t.Errorf("teams after SealFiles: %v %+v", err, ds)
	}
	// No plaintext temporary file is left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left %s", e.Name())
		}
	}
}
