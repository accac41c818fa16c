package serve

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/registry"
)

// The regression tests of issue 14 (hardening) that need a running server. Each names the
// defect it guards.

// TestSlowBodyRefusedAtOnce is defect 5: an unauthenticated POST announcing 100,000 bytes and
// sending one got no answer while the server drained the body under its 5-minute read
// timeout. The refusal must come at once and the connection must be closed, not drained.
func TestSlowBodyRefusedAtOnce(t *testing.T) {
	ts := startServer(t, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST /v1/actuals HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	// A liveness bound, not a timing figure: before the fix nothing came for 5 minutes.
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response to a refused slow body: %v", err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if b, err := br.ReadByte(); err == nil || isTimeout(err) {
		t.Logf("read %q", b)
		t.Errorf("connection still open after the refusal (read: %v); want it closed", err)
	}
}

// TestJSONStrictness is defect 14: {"SEED":1} was read as seed, a key given twice was
// accepted (the last one won) and a null body started a training run.
func TestJSONStrictness(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.Trainer = nil })
	for name, tc := range map[string]struct{ body, field string }{
		"other case":    {`{"SEED":1}`, "SEED"},
		"duplicate key": {`{"seed":1,"seed":2}`, "seed"},
		"nested dup":    {`{"levels":[80],"levels":[95]}`, "levels"},
		"null body":     {`null`, "body"},
		"array body":    {`[]`, "body"},
	} {
		t.Run(name, func(t *testing.T) {
			r := ts.do(t, "POST", "/v1/training-runs", acme+"/trainer", "application/json", []byte(tc.body))
			checkError(t, r, 400, EInvalid)
			if !strings.Contains(string(r.body), `"field":"`+tc.field+`"`) {
				t.Errorf("error does not name field %s: %s", tc.field, r)
			}
		})
	}
	// Exact keys still reach the handler (which refuses for want of a trainer).
	r := ts.do(t, "POST", "/v1/training-runs", acme+"/trainer", "application/json", []byte(`{"seed":1}`))
	checkError(t, r, 503, EUnavailable)
	// Duplicate keys inside a nested object are refused too.
	r = ts.do(t, "POST", "/v1/recommendations", acme+"/gm", "application/json", []byte(`{"employees":[{"employee_id":"x","employee_id":"y"}]}`))
	checkError(t, r, 400, EInvalid)
}

// TestTrainingRunHidesDataPath is defect 12: a training run's record carried the server's
// dataset directory to API clients.
func TestTrainingRunHidesDataPath(t *testing.T) {
	ts := startServer(t, nil)
	for _, path := range []string{"/v1/training-runs/" + fixture.runID, "/v1/training-runs"} {
		r := ts.do(t, "GET", path, acme+"/trainer", "", nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %s", path, r)
		}
		if strings.Contains(string(r.body), fixture.acmeData) || strings.Contains(string(r.body), fixture.root) {
			t.Errorf("GET %s shows the server's data path %s: %s", path, fixture.acmeData, r)
		}
	}
}

// TestDiskFullServe is defect 4 at the API: with the store's quota spent, writes answer 507
// with a clear error, reads are served, and a training run is refused before it starts.
func TestDiskFullServe(t *testing.T) {
	ts := startServer(t, nil)
	ts.srv.Store().SetQuota(1) // nothing left
	body := []byte(`{"as_of":"2026-08-20","actuals":[{"scope":"region:West","period":"2026-08","actual":1000,"target":400000}]}`)
	r := ts.do(t, "POST", "/v1/actuals", acme+"/hr_system", "application/json", body)
	checkError(t, r, http.StatusInsufficientStorage, EStorage)
	if !strings.Contains(string(r.body), "disk is full") {
		t.Errorf("507 without a clear message: %s", r)
	}
	checkError(t, ts.json(t, "POST", "/v1/training-runs", acme+"/trainer", map[string]any{}), http.StatusInsufficientStorage, EStorage)
	if r := ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil); r.status != 200 {
		t.Errorf("read on a full disk: %s", r)
	}
	ts.srv.Store().SetQuota(0)
	if r := ts.do(t, "POST", "/v1/actuals", acme+"/hr_system", "application/json", body); r.status != 200 {
		t.Errorf("write once there is room again: %s", r)
	}
}

// TestDataRootEncrypted is the data-at-rest part of defect 10: with an encrypted store the
// tenants' employee tables were plaintext CSV under the data root. Now the tables already there
// are encrypted at start, an upload is written encrypted, and the server reads both back.
func TestDataRootEncrypted(t *testing.T) {
	buildFixture(t)
	key := bytes.Repeat([]byte{7}, 32)
	encrypted := encryptedStoreCopy(t, key)
	ts := startServer(t, func(c *Config) { c.Store, c.EncryptionKey = encrypted, key })
	acmeEmployees, err := os.ReadFile(filepath.Join(fixture.acmeData, "employees.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A known employee id of the generated company: the second line's first field.
	known := strings.SplitN(strings.SplitN(string(acmeEmployees), "\n", 3)[1], ",", 2)[0]
	header := strings.SplitN(string(acmeEmployees), "\n", 2)[0]
	upload := header + "\n" + strings.Replace(strings.SplitN(string(acmeEmployees), "\n", 3)[1], known, "E-SECRET-4711", 1) + "\n"
	if r := ts.do(t, "POST", "/v1/data/employees", acme+"/hr_system", "text/csv", []byte(upload)); r.status != 200 {
		t.Fatalf("upload: %s", r)
	}
	dir := filepath.Join(ts.dataRoot, acme)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	csvs := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		csvs++
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{known, "E-SECRET-4711"} {
			if bytes.Contains(raw, []byte(id)) {
				t.Errorf("%s holds employee id %s in plaintext", e.Name(), id)
			}
		}
	}
	if csvs < 5 {
		t.Fatalf("%d CSV files in the data root; the fixture has more", csvs)
	}
	// The server reads the encrypted tables: the upload merged into the old table, and the
	// tenant's dataset loads.
	ds, _, err := datasets.Load(dir, datasets.WithTables("employees"))
	if err != nil {
		t.Fatal(err)
	}
	if n, want := len(ds.Employees), strings.Count(string(acmeEmployees), "\n"); n != want {
		t.Errorf("%d employees after the upsert, want %d (%d before, plus one)", n, want, want-1)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := ts.do(t, "GET", "/v1/data", acme+"/hr_system", "", nil)
		if r.status == 200 && strings.Contains(string(r.body), `"loaded":true`) {
			break
		}
		if r.status != 200 || strings.Contains(string(r.body), `"problem"`) || time.Now().After(deadline) {
			t.Fatalf("the server does not load the encrypted dataset: %s", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// encryptedStoreCopy restores a backup of the fixture's (plaintext) store into a new store
// encrypted with key.
func encryptedStoreCopy(t *testing.T, key []byte) string {
	t.Helper()
	plain := filepath.Join(t.TempDir(), "plain")
	copyDir(t, fixture.store, plain)
	st, err := registry.Open(plain, registry.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := st.Backup(&b, registry.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "encrypted")
	if _, err := registry.Restore(dir, &b, registry.RestoreOptions{StoreKey: key}); err != nil {
		t.Fatal(err)
	}
	return dir
}
