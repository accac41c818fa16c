package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/registry"
)

// TestHotSwapUnderLoad promotes forecast v2 and rolls it back again and again — through the
// API, and straight in the store as the CLI's admin channel and a finished training run do —
// while eight clients send forecast, recommendation and driver requests without pause.
// Every request must succeed, each forecast must be entirely one version's (its numbers
// match the version it names), and both versions must have been served.
func TestHotSwapUnderLoad(t *testing.T) {
	// The eight clients share one key: lift the per-key bound on people requests, which is
	// not what this test is about.
	ts := startServer(t, func(c *Config) { c.PeopleConcurrency = 64 })
	s := ts.srv
	sn := s.tenant(acme).live.Load()
	v1 := sn.forecast.scopes["company"].sc.Forecast.Mean[0]
	want := map[int]float64{1: v1, fixture.forecast2: v1 * 1.02}
	var id string
	for k := range sn.incentive.cached {
		id = k
		break
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	get := func(method, path string, body []byte) (int, []byte, error) {
		req, err := http.NewRequest(method, ts.base+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+ts.keys[acme+"/gm"])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	var (
		total, failed atomic.Int64
		seen          sync.Map // version → *atomic.Int64
		firstFail     atomic.Value
		stop          = make(chan struct{})
		wg            sync.WaitGroup
	)
	fail := func(msg string) {
		failed.Add(1)
		firstFail.CompareAndSwap(nil, msg)
	}
	recBody := []byte(`{"employee_ids":["` + id + `"]}`)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				total.Add(1)
				switch (w + i) % 3 {
				case 0:
					st, b, err := get("GET", "/v1/forecast?scope=company", nil)
					if err != nil || st != 200 {
						fail(fmt.Sprintf("forecast: %d %v %s", st, err, clip.String(string(b), 200)))
						continue
					}
					var f forecastResponse
					if err := json.Unmarshal(b, &f); err != nil {
						fail("forecast: " + err.Error())
						continue
					}
					exp, ok := want[f.Model.Version]
					if got := float64(f.Forecast[0].Revenue); !ok || math.Abs(got-exp) > 1e-9*exp {
						fail(fmt.Sprintf("forecast says v%d but its first quarter is %v, want %v", f.Model.Version, got, exp))
						continue
					}
					n, _ := seen.LoadOrStore(f.Model.Version, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				case 1:
					if st, b, err := get("POST", "/v1/recommendations", recBody); err != nil || st != 200 {
						fail(fmt.Sprintf("recommendation: %d %v %s", st, err, clip.String(string(b), 200)))
					}
				default:
					if st, b, err := get("GET", "/v1/drivers", nil); err != nil || st != 200 {
						fail(fmt.Sprintf("drivers: %d %v %s", st, err, clip.String(string(b), 200)))
					}
				}
			}
		}()
	}

	moves := 0
	for i := range 12 {
		time.Sleep(80 * time.Millisecond)
		if i%2 == 0 {
			r := ts.json(t, "POST", "/v1/models/forecast/promote", acme+"/trainer", map[string]any{"version": fixture.forecast2, "reason": "hot swap test"})
			if r.status != 200 {
				t.Fatalf("promote: %s", r)
			}
			r = ts.json(t, "POST", "/v1/models/forecast/rollback", acme+"/trainer", map[string]any{"reason": "hot swap test"})
			if r.status != 200 {
				t.Fatalf("rollback: %s", r)
			}
		} else {
			// As the CLI through the admin socket or a training run: a move in the store, picked
			// up from the store's notification.
			ch := registry.Change{By: "test", Role: registry.RoleTrainer, Reason: "hot swap test"}
			if _, err := s.Store().Promote(acme, champion.Forecast, fixture.forecast2, ch); err != nil {
				t.Fatal(err)
			}
			waitServed(t, s, fixture.forecast2)
			time.Sleep(80 * time.Millisecond)
			if _, err := s.Store().Rollback(acme, champion.Forecast, ch); err != nil {
				t.Fatal(err)
			}
			waitServed(t, s, 1)
		}
		moves += 2
	}
	time.Sleep(80 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during %d alias moves; the first: %v", n, total.Load(), moves, firstFail.Load())
	}
	count := func(v int) int64 {
		if n, ok := seen.Load(v); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	if count(1) == 0 || count(fixture.forecast2) == 0 {
		t.Errorf("forecasts served: %d from v1, %d from v%d; want both", count(1), count(fixture.forecast2), fixture.forecast2)
	}
	t.Logf("%d requests, 0 failed, during %d alias moves; forecasts from v1: %d, from v%d: %d", total.Load(), moves, count(1), fixture.forecast2, count(fixture.forecast2))
}

// waitServed waits until acme's forecast v is served.
func waitServed(t *testing.T, s *Server, v int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.tenant(acme).live.Load().champions.Version(champion.Forecast) != v {
		if time.Now().After(deadline) {
			t.Fatalf("forecast v%d not served after 10 s", v)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGracefulShutdown starts an upload whose body arrives slowly, shuts the server down
// while it is in flight, and checks that the upload still completes, that Shutdown waits for
// it, and that new connections are refused meanwhile.
func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, nil)
	pr, pw := io.Pipe()
	req, err := http.NewRequest("PUT", ts.base+"/v1/data/targets", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ts.keys[acme+"/trainer"])
	req.Header.Set("Content-Type", "text/csv")
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	targets, err := os.ReadFile(filepath.Join(fixture.acmeData, "targets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	half := len(targets) / 2
	if _, err := pw.Write(targets[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the handler is now reading the body
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shut <- ts.srv.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned while a request was in flight: %v", err)
	default:
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(ts.base, "http://"), time.Second); err == nil {
		c.Close()
		t.Errorf("a new connection was accepted during shutdown")
	}
	if _, err := pw.Write(targets[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-done
	if res.err != nil || res.status != 200 {
		t.Fatalf("the in-flight upload: %d %v %s", res.status, res.err, res.body)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := os.Stat(AdminSocketPath(ts.srv.cfg.Store)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin socket left behind: %v", err)
	}
	// The store is closed: another process (here: this one) can open it.
	st, err := registry.Open(ts.srv.cfg.Store, registry.Options{MustExist: true})
	if err != nil {
		t.Fatalf("store still held after shutdown: %v", err)
	}
	st.Close()
}

// TestRateLimit checks the per-key token bucket: a burst passes, the next request gets 429
// with Retry-After in the error shape, another key is not affected, and tokens come back.
func TestRateLimit(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 5, 3 })
	for i := range 3 {
		if r := ts.do(t, "GET", "/v1/models", acme+"/viewer", "", nil); r.status != 200 {
			t.Fatalf("request %d of the burst: %s", i+1, r)
		}
	}
	r := ts.do(t, "GET", "/v1/models", acme+"/viewer", "", nil)
	checkError(t, r, 429, ERateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if r := ts.do(t, "GET", "/v1/models", acme+"/gm", "", nil); r.status != 200 {
		t.Errorf("another key was limited too: %s", r)
	}
	time.Sleep(250 * time.Millisecond) // 5 per second: at least one token back
	if r := ts.do(t, "GET", "/v1/models", acme+"/viewer", "", nil); r.status != 200 {
		t.Errorf("no token back after 250 ms: %s", r)
	}
}

// TestAdminSocket drives the store of a running server through its admin socket, as the CLI
// does: every store method, registry errors that still match their sentinels, champion moves
// served at once, revocations effective at once, and a backup that restores.
func TestAdminSocket(t *testing.T) {
	ts := startServer(t, nil)
	store := ts.srv.cfg.Store
	st, err := os.Stat(AdminSocketPath(store))
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("admin socket mode %o, want 600", perm)
	}
	c, err := DialAdmin(store)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Addr != ts.srv.Addr() {
		t.Errorf("admin ping says %s, server is on %s", c.Addr, ts.srv.Addr())
	}
	ms, err := c.Models(acme)
	if err != nil || len(ms) != 3 {
		t.Fatalf("Models: %v %v", ms, err)
	}
	vs, err := c.Versions(acme, champion.Forecast)
	if err != nil || len(vs) != 2 {
		t.Fatalf("Versions: %d %v", len(vs), err)
	}
	if _, err := c.Version(acme, champion.Forecast, 99); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Version 99: %v, want ErrNotFound", err)
	}
	ch := registry.Change{By: "cli:test", Role: registry.RoleAdmin, Reason: "admin socket test"}
	if _, err := c.SetAlias(acme, champion.Forecast, registry.Champion, fixture.forecast2, ch); err != nil {
		t.Fatal(err)
	}
	if v := ts.srv.tenant(acme).live.Load().champions.Version(champion.Forecast); v != fixture.forecast2 {
		t.Errorf("after SetAlias through the socket the server serves v%d", v)
	}
	if _, err := c.SetAlias(acme, champion.Forecast, registry.Champion, fixture.forecast2, ch); !errors.Is(err, registry.ErrUnchanged) {
		t.Errorf("SetAlias twice: %v, want ErrUnchanged", err)
	}
	if err := c.Delete(acme, champion.Forecast, fixture.forecast2); !errors.Is(err, registry.ErrInUse) {
		t.Errorf("Delete of the champion: %v, want ErrInUse", err)
	}
	if _, err := c.RollbackAlias(acme, champion.Forecast, registry.Champion, ch); err != nil {
		t.Fatal(err)
	}
	if as, err := c.Aliases(acme, champion.Forecast); err != nil || len(as) != 1 || as[0].Version != 1 {
		t.Errorf("Aliases: %+v %v", as, err)
	}
	if h, err := c.History(acme, champion.Forecast, registry.Champion, 0); err != nil || len(h) != 3 {
		t.Errorf("History: %d events %v, want 3", len(h), err)
	}

	secret, k, err := c.CreateKey(globex, registry.RoleViewer, "socket")
	if err != nil {
		t.Fatal(err)
	}
	ts.keys["new"] = secret
	if r := ts.do(t, "GET", "/v1/models", "new", "", nil); r.status != 200 {
		t.Fatalf("a key made through the socket: %s", r)
	}
	if keys, err := c.Keys(globex); err != nil || len(keys) != len(registry.Roles)+1 {
		t.Errorf("Keys: %d %v", len(keys), err)
	}
	if _, err := c.RevokeKey(globex, k.ID); err != nil {
		t.Fatal(err)
	}
	checkError(t, ts.do(t, "GET", "/v1/models", "new", "", nil), 401, EUnauthenticated) // at once, despite the key cache
	if _, err := c.Audit(registry.AuditEntry{Who: "cli:test", Role: "admin", Tenant: acme, Action: "test.socket", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	page := decode[registry.AuditPage](t, ts.do(t, "GET", "/v1/audit?action=test.socket", acme+"/admin", "", nil))
	if len(page.Entries) != 1 {
		t.Errorf("audit entry through the socket not in the log: %+v", page.Entries)
	}
	if runs, err := c.Runs(acme, 0); err != nil || len(runs) != 1 {
		t.Errorf("Runs: %d %v", len(runs), err)
	}
	if _, err := c.Run(acme, fixture.runID); err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := c.Run(acme, "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Run nope: %v, want ErrNotFound", err)
	}

	var buf bytes.Buffer
	info, err := c.Backup(&buf, registry.BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes != int64(buf.Len()) || buf.Len() == 0 {
		t.Errorf("backup info says %d bytes, got %d", info.Bytes, buf.Len())
	}
	restored, err := registry.Restore(filepath.Join(t.TempDir(), "restored"), &buf, registry.RestoreOptions{})
	if err != nil {
		t.Fatalf("restore the backup made through the socket: %v", err)
	}
	if restored.Check.Versions != 4 {
		t.Errorf("restored %d versions, want 4", restored.Check.Versions)
	}
}
