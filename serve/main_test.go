package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

// The tests share one fixture, made once per test binary: the default synthetic company
// ("acme"), a smaller company of two other regions ("globex", uploaded through the API by the
// end-to-end test), and a store in which acme's models are trained and registered, with a
// second forecast version (v1 with every point forecast ×1.02, a stand-in for a retrained
// model) for promotion and hot-swap tests. Each test server runs on a copy of that store and
// of acme's data, so tests do not see each other's changes.
var fixture struct {
	once      sync.Once
	root      string
	acmeData  string
	globex    string
	store     string
	err       error
	runID     string
	forecast2 int
}

const (
	acme   = "acme"
	globex = "globex"
)

func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture.root = root
	code := m.Run()
	os.RemoveAll(root)
	os.Exit(code)
}

func buildFixture(t testing.TB) {
	t.Helper()
	fixture.once.Do(func() { fixture.err = makeFixture() })
	if fixture.err != nil {
		t.Fatalf("fixture: %v", fixture.err)
	}
}

func makeFixture() error {
	ctx := context.Background()
	fixture.acmeData = filepath.Join(fixture.root, "acme-data")
	if _, err := synth.Generate(ctx, fixture.acmeData, synth.DefaultConfig(), nil); err != nil {
		return err
	}
	g := synth.DefaultConfig()
	g.Seed, g.Employees, g.Years, g.Regions = 3, 40, 3, []string{"Harbour", "Hill"}
	fixture.globex = filepath.Join(fixture.root, "globex-data")
	if _, err := synth.Generate(ctx, fixture.globex, g, nil); err != nil {
		return err
	}
	fixture.store = filepath.Join(fixture.root, "store")
	st, err := registry.Open(fixture.store, registry.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := train.DefaultConfig(fixture.acmeData)
	cfg.Tenant, cfg.Seed, cfg.Promote = acme, 7, train.PromoteAlways
	rec, err := train.Run(ctx, st, cfg)
	if err != nil {
		return err
	}
	fixture.runID = rec.ID
	b, v, err := st.LoadAlias(acme, champion.Forecast, registry.Champion)
	if err != nil {
		return err
	}
	set, err := forecast.UnmarshalSet(b)
	if err != nil {
		return err
	}
	for i := range set.Scopes {
		if f := set.Scopes[i].Forecast; f != nil {
			for h := range f.Mean {
				f.Mean[h] *= 1.02
			}
		}
	}
	b2, err := set.MarshalBinary()
	if err != nil {
		return err
	}
	meta := v.Metadata
	meta.ArtifactSHA256, meta.Size, meta.Created = "", 0, time.Time{}
	meta.Labels = map[string]string{"test": "v1 with point forecasts x1.02"}
	fixture.forecast2, err = st.Put(acme, champion.Forecast, b2, meta)
	return err
}

// copyDir copies a directory tree (the fixture's closed store, or a dataset).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if d.Name() == "growthlens.lock" || strings.HasSuffix(d.Name(), ".sock") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testServer is a real server on a loopback port with its own copy of the fixture.
type testServer struct {
	srv      *Server
	base     string
	dataRoot string
	keys     map[string]string // "tenant/role" → secret
	keyIDs   map[string]string
	client   *http.Client
}

// testTrainer trains with package train, as `growthlens serve` wires it.
type testTrainer struct{}

func (testTrainer) Check(r TrainRun) error { return trainConfig(r).Validate() }

func (testTrainer) Train(ctx context.Context, st *registry.Store, r TrainRun) (string, json.RawMessage, error) {
	rec, err := train.Run(ctx, st, *trainConfig(r))
	if rec == nil {
		return "", nil, err
	}
	b, merr := json.Marshal(rec)
	return rec.ID, b, errors.Join(err, merr)
}

func trainConfig(r TrainRun) *train.Config {
	cfg := train.DefaultConfig(r.Params.Data)
	cfg.Tenant, cfg.Seed, cfg.Promote, cfg.Horizon, cfg.Levels = r.Tenant, r.Params.Seed, r.Params.Promote, r.Params.Horizon, r.Params.Levels
	cfg.Incentive, cfg.CodeVersion, cfg.By, cfg.Logger, cfg.Progress = r.Params.Incentive, r.CodeVersion, r.By, r.Logger, r.Progress
	cfg.RunID = r.Params.RunID
	return &cfg
}

// testScrapeToken is the scrape token of test servers; scrapeKey sends it with ts.do.
const (
	testScrapeToken = "test-scrape-token-0123456789"
	scrapeKey       = "raw:Bearer " + testScrapeToken
)

// startServer starts a server on 127.0.0.1:0 over a copy of the fixture, with rate limiting
// off unless edit turns it on, and API keys for every role of acme and globex.
func startServer(t *testing.T, edit func(*Config)) *testServer {
	t.Helper()
	buildFixture(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	copyDir(t, fixture.store, store)
	dataRoot := filepath.Join(dir, "tenants")
	copyDir(t, fixture.acmeData, filepath.Join(dataRoot, acme))
	cfg := DefaultConfig()
	cfg.Addr, cfg.Store, cfg.DataRoot, cfg.DefaultTenant = "127.0.0.1:0", store, dataRoot, acme
	cfg.RateLimit, cfg.ShutdownTimeout = 0, 10*time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.Trainer = testTrainer{}
	cfg.MetricsAddr, cfg.MetricsToken, cfg.MetricsKPITenants = "127.0.0.1:0", testScrapeToken, []string{"*"}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	ts := &testServer{srv: s, base: "http://" + s.Addr(), dataRoot: dataRoot, keys: map[string]string{}, keyIDs: map[string]string{},
		client: &http.Client{Timeout: 60 * time.Second}}
	if cfg.TLSCert != "" {
		ts.base, ts.client = "https://"+s.Addr(), tlsClient(t, cfg.TLSCert)
	}
	for _, tenant := range []string{acme, globex} {
		for _, role := range registry.Roles {
			secret, k, err := s.Store().CreateKey(tenant, role, "test")
			if err != nil {
				t.Fatal(err)
			}
			ts.keys[tenant+"/"+role], ts.keyIDs[tenant+"/"+role] = secret, k.ID
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := ts.do(t, "GET", "/readyz", "", "", nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 60 s: %d %s", r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ts
}

// testWriter sends log lines to the test log, so that a failing test shows the server's warnings.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, clip.String(string(r.body), 600))
}

// do sends a request. key is a "tenant/role" of ts.keys, a raw Authorization value starting
// with "raw:", or "" for none.
func (ts *testServer) do(t testing.TB, method, path, key, ctype string, body []byte) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(key, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(key, "raw:"))
	case key != "":
		secret, ok := ts.keys[key]
		if !ok {
			t.Fatalf("no test key %q", key)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, body: b, header: resp.Header}
}

func (ts *testServer) json(t testing.TB, method, path, key string, v any) response {
	t.Helper()
	var b []byte
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	ct := ""
	if b != nil {
		ct = "application/json"
	}
	return ts.do(t, method, path, key, ct, b)
}

// decode unmarshals a response body, failing the test when it is not JSON.
func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not the JSON expected: %v: %s", err, r)
	}
	return v
}

// checkError checks that r is an error response of the one shape: status want (or any 4xx
// when want is 0), a known code whose status is the response's, a message, nothing else.
func checkError(t testing.TB, r response, want int, code string) {
	t.Helper()
	if want != 0 && r.status != want || want == 0 && (r.status < 400 || r.status > 499) {
		t.Errorf("status %d, want %d: %s", r.status, want, r)
		return
	}
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error == nil {
		t.Errorf("not the error shape: %v: %s", err, r)
		return
	}
	if got := statusOf[body.Error.Code]; got != r.status {
		t.Errorf("code %q maps to %d, response has %d: %s", body.Error.Code, got, r.status, r)
	}
	if code != "" && body.Error.Code != code {
		t.Errorf("code %q, want %q: %s", body.Error.Code, code, r)
	}
	if strings.TrimSpace(body.Error.Message) == "" {
		t.Errorf("empty message: %s", r)
	}
	if r.header.Get("X-Request-ID") == "" {
		t.Errorf("no X-Request-ID: %s", r)
	}
}

// lastQuarter is the default company's last complete quarter.
func lastQuarter() string { return datasets.QuarterOf(synth.DefaultEnd.Start()).String() }
