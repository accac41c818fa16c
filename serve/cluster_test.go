package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/growthlens/growthlens/internal/natstest"
	"github.com/growthlens/growthlens/models/registry"
)

// TestClusterReplicasServeEachOthersPromotions runs two servers on one JetStream store (the
// fixture store migrated into an embedded NATS server on loopback), promotes a forecast
// through the API of one and requires the other to serve it within a second, then rolls
// back through the second and requires the first to follow.
func TestClusterReplicasServeEachOthersPromotions(t *testing.T) {
	buildFixture(t)
	_, url := natstest.Start(t)
	migrateFixture(t, url)
	cluster := func(c *Config) { c.Cluster, c.ClusterPrefix = url, "fixture" }
	a := startServer(t, cluster)
	b := startServer(t, cluster)
	version := func(ts *testServer) int {
		t.Helper()
		r := ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/gm", "", nil)
		if r.status != 200 {
			t.Fatalf("forecast: %s", r)
		}
		var f forecastResponse
		if err := json.Unmarshal(r.body, &f); err != nil {
			t.Fatal(err)
		}
		return f.Model.Version
	}
	if va, vb := version(a), version(b); va != 1 || vb != 1 {
		t.Fatalf("before the promotion the replicas serve v%d and v%d, want v1", va, vb)
	}
	served := func(ts *testServer, want int) time.Duration {
		t.Helper()
		start := time.Now()
		for version(ts) != want {
			if time.Since(start) > time.Second {
				t.Fatalf("the other replica still serves v%d a second after the move to v%d", version(ts), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	r := a.json(t, "POST", "/v1/models/forecast/promote", acme+"/trainer", map[string]any{"version": fixture.forecast2, "reason": "cluster test"})
	if r.status != 200 {
		t.Fatalf("promote on replica a: %s", r)
	}
	t.Logf("replica b serves v%d %v after the promotion on a", fixture.forecast2, served(b, fixture.forecast2))
	r = b.json(t, "POST", "/v1/models/forecast/rollback", acme+"/trainer", map[string]any{"reason": "cluster test"})
	if r.status != 200 {
		t.Fatalf("rollback on replica b: %s", r)
	}
	t.Logf("replica a serves v1 %v after the rollback on b", served(a, 1))
	// Both moves are in the one audit log, whichever replica made them.
	page, err := a.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Action: "models.promote"})
	if err != nil || len(page.Entries) == 0 {
		t.Errorf("audit of the promotion: %d entries, %v", len(page.Entries), err)
	}
}

// migrateFixture copies the fixture store into the NATS server at url under prefix "fixture".
func migrateFixture(t *testing.T, url string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	copyDir(t, fixture.store, dir)
	src, err := registry.Open(dir, registry.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pr, pw := io.Pipe()
	go func() {
		_, err := src.Backup(pw, registry.BackupOptions{})
		pw.CloseWithError(err)
	}()
	if _, err := registry.RestoreJetStream(nc, pr, registry.RestoreOptions{}, registry.JetStreamOptions{Prefix: "fixture"}); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
}

// fakeQueue is a Queue that keeps what it is given; fail makes Enqueue fail, and alive
// answers Alive.
type fakeQueue struct {
	mu    sync.Mutex
	runs  []TrainRun
	fail  bool
	alive map[string]bool
}

func (q *fakeQueue) Enqueue(_ context.Context, r TrainRun) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail {
		return errors.New("no NATS")
	}
	q.runs = append(q.runs, r)
	return nil
}

func (q *fakeQueue) Alive(_ context.Context, _, id string) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.alive[id], nil
}

// TestTrainingRunsGoToTheQueue: with a Queue (cluster mode) POST /v1/training-runs stores
// the run "queued" and hands it to the queue instead of training, any number of a tenant's
// runs may be queued, GET reads the record, and a run the queue refuses is answered 503 and
// its record marked failed.
func TestTrainingRunsGoToTheQueue(t *testing.T) {
	q := &fakeQueue{}
	ts := startServer(t, func(c *Config) { c.Queue = q })
	var ids []string
	for range 2 {
		r := ts.json(t, "POST", "/v1/training-runs", acme+"/trainer", map[string]any{"seed": 4, "promote": "never"})
		if r.status != 202 {
			t.Fatalf("queue a run: %s", r)
		}
		j := decode[Job](t, r)
		if j.Status != jobQueued || j.ID == "" || j.Params.Data != "" {
			t.Fatalf("job %+v, want queued with an id and no data path", j)
		}
		ids = append(ids, j.ID)
	}
	q.mu.Lock()
	if len(q.runs) != 2 || q.runs[0].Params.RunID != ids[0] || q.runs[0].Params.Seed != 4 || q.runs[0].Params.Promote != "never" ||
		q.runs[0].Params.Data != filepath.Join(ts.dataRoot, acme) || q.runs[0].Tenant != acme {
		t.Errorf("queued %+v, want both runs with their ids, settings and the tenant's data directory", q.runs)
	}
	q.mu.Unlock()
	got := decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+ids[1], acme+"/trainer", "", nil))
	if got.Status != jobQueued || got.ID != ids[1] {
		t.Errorf("GET a queued run: %+v", got)
	}

	q.mu.Lock()
	q.fail = true
	q.mu.Unlock()
	r := ts.json(t, "POST", "/v1/training-runs", acme+"/trainer", map[string]any{"seed": 5})
	if r.status != 503 {
		t.Fatalf("queue down: %s, want 503", r)
	}
	runs, err := ts.srv.Store().Runs(acme, 0)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, run := range runs {
		var rec struct{ Status, Error string }
		json.Unmarshal(run.Data, &rec)
		if rec.Status == jobFailed && strings.Contains(rec.Error, "queue") {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed run records naming the queue, want 1", failed)
	}
}

// TestClusterReplicaMarksOnlyDeadRunsInterrupted: a cluster replica starting on a store
// marks a stale queued or running record interrupted only when the queue says no worker has
// it, and never a record younger than staleGrace.
func TestClusterReplicaMarksOnlyDeadRunsInterrupted(t *testing.T) {
	old := time.Now().Add(-2 * staleGrace).UTC()
	recs := map[string]map[string]any{
		"dead":    {"status": jobRunning, "started": old},
		"working": {"status": jobRunning, "started": old},
		"waiting": {"status": jobQueued, "started": old},
		"fresh":   {"status": jobQueued, "started": time.Now().UTC()},
	}
	q := &fakeQueue{alive: map[string]bool{"working": true, "waiting": true}}
	ts := startServer(t, func(c *Config) {
		st, err := registry.Open(c.Store, registry.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for id, m := range recs {
			m["id"] = id
			b, _ := json.Marshal(m)
			if _, err := st.PutRun(acme, id, b); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		c.Queue = q
	})
	want := map[string]string{"dead": jobInterrupted, "working": jobRunning, "waiting": jobQueued, "fresh": jobQueued}
	for id, status := range want {
		r, err := ts.srv.Store().Run(acme, id)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct{ Status string }
		json.Unmarshal(r.Data, &rec)
		if rec.Status != status {
			t.Errorf("run %s: %s, want %s", id, rec.Status, status)
		}
	}
}

// TestStoreDeadlineIsUnavailable: a store request that ran out of time while the client
// still waits, or that NATS did not answer, is answered 503 (try again), not 499 (which says
// the client went away) or 500; a request whose client went away is still 499.
func TestStoreDeadlineIsUnavailable(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		name       string
		clientGone bool
		want       int
		err        error
	}{
		{"store deadline", false, 503, fmt.Errorf("lock model: %w", context.DeadlineExceeded)},
		{"client gone", true, StatusClientClosedRequest, fmt.Errorf("lock model: %w", context.DeadlineExceeded)},
		{"NATS stream without a leader", false, 503, fmt.Errorf("roll back: %w", jetstream.ErrNoStreamResponse)},
		{"NATS timeout", false, 503, fmt.Errorf("roll back: %w", nats.ErrTimeout)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.clientGone {
				cancel()
			}
			c.Request = httptest.NewRequest("POST", "/v1/models/forecast/promote", nil).WithContext(ctx)
			s.fail(c, &call{id: "r1"}, tc.err)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
}
