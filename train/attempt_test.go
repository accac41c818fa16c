package train

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// queuedRun stores the record a server makes when it queues a run.
func queuedRun(t *testing.T, store registry.Store, tenant, id string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "tenant": tenant, "status": "queued"})
	if _, err := store.PutRun(tenant, id, b); err != nil {
		t.Fatal(err)
	}
}

func readRecord(t *testing.T, store registry.Store, tenant, id string) Record {
	t.Helper()
	r, err := store.Run(tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestKilledAttemptRegistersOnce stops a worker's attempt right after it registered its first
// model (as a worker killed there would stop), then runs the next attempt on another worker.
// The second attempt forecasts another horizon, so its forecast artifact differs from the
// first's (as artifacts may on another machine or code version): it must still take over the version the first attempt
// registered instead of adding one, promote each model once, and the record must show both
// attempts.
func TestKilledAttemptRegistersOnce(t *testing.T) {
	store := openStore(t, t.TempDir())
	data := salesOnly(t)
	queuedRun(t, store, "acme", "r1")

	ctx, kill := context.WithCancel(context.Background())
	cfg := DefaultConfig(data)
	cfg.Tenant, cfg.RunID, cfg.Worker, cfg.MaxAttempts = "acme", "r1", "worker-a", 3
	cfg.Progress = func(step string, done, total int) {
		if step == "register" && done == 1 {
			kill()
		}
	}
	if _, err := Run(ctx, store, cfg); err == nil {
		t.Fatal("the killed attempt reported success")
	}
	rec := readRecord(t, store, "acme", "r1")
	if rec.Status != "running" || len(rec.Attempts) != 1 || rec.Attempts[0].Worker != "worker-a" {
		t.Fatalf("after the kill: status %q, attempts %+v; want running with worker-a's attempt", rec.Status, rec.Attempts)
	}
	first, err := store.Versions("acme", "forecast")
	if err != nil || len(first) != 1 {
		t.Fatalf("forecast versions after the kill: %d, %v; want the one registered before it", len(first), err)
	}

	cfg = DefaultConfig(data)
	cfg.Tenant, cfg.RunID, cfg.Worker, cfg.MaxAttempts, cfg.Horizon = "acme", "r1", "worker-b", 3, 6
	got, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "succeeded" {
		t.Fatalf("second attempt: %s %s", got.Status, got.Error)
	}
	rec = readRecord(t, store, "acme", "r1")
	if len(rec.Attempts) != 2 || rec.Attempts[0].Status != "lost" || rec.Attempts[1].Status != "succeeded" ||
		rec.Attempts[1].Worker != "worker-b" || rec.Attempts[1].N != 2 {
		t.Errorf("attempts %+v, want worker-a lost, then worker-b succeeded", rec.Attempts)
	}
	for _, m := range rec.Models {
		vs, err := store.Versions("acme", m.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].RunID != "r1" {
			t.Errorf("%s: %d versions, want exactly one, of run r1", m.Name, len(vs))
		}
		h, err := store.History("acme", m.Name, registry.Champion, 0)
		if err != nil || len(h) != 1 {
			t.Errorf("%s: %d champion moves (%v), want one", m.Name, len(h), err)
		}
	}
	if m := rec.Models[0]; m.Version != first[0].Version || !m.Reused {
		t.Errorf("forecast: second attempt used v%d (reused %v), want the first attempt's v%d", m.Version, m.Reused, first[0].Version)
	}

	// A third delivery of the finished run (its acknowledgement lost) changes nothing.
	cfg.Worker = "worker-c"
	again, err := Run(context.Background(), store, cfg)
	if err != nil || again.Status != "succeeded" || len(again.Attempts) != 2 {
		t.Errorf("delivery after the run finished: %v, status %q, %d attempts; want the stored record", err, again.Status, len(again.Attempts))
	}
}

// TestRetryDoesNotPromoteTwice: an attempt that promoted its versions and died before it
// wrote its record, after which someone rolled the champion back, must not be promoted again
// by the next attempt.
func TestRetryDoesNotPromoteTwice(t *testing.T) {
	store := openStore(t, t.TempDir())
	data := salesOnly(t)
	cfg := DefaultConfig(data)
	cfg.Tenant = "acme"
	if _, err := Run(context.Background(), store, cfg); err != nil { // v1 champions
		t.Fatal(err)
	}
	queuedRun(t, store, "acme", "r2")
	cfg.RunID, cfg.Worker, cfg.Horizon, cfg.Promote = "r2", "worker-a", 6, PromoteAlways
	done, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The worker died before its final record: put back the record it wrote at the start.
	done.Status, done.Attempts[0].Status, done.Models = "running", "running", nil
	b, _ := json.Marshal(done)
	if _, err := store.PutRun("acme", "r2", b); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Rollback("acme", "forecast", registry.Change{By: "alice", Reason: "v2 looks wrong"}); err != nil {
		t.Fatal(err)
	}
	cfg.Worker = "worker-b"
	rec, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.Alias("acme", "forecast", registry.Champion)
	if err != nil || a.Version != 1 {
		t.Fatalf("forecast champion v%d (%v) after the retry, want v1 where alice rolled it back", a.Version, err)
	}
	if m := rec.Models[0]; m.Promoted || !strings.Contains(m.Decision, "not promoted again") {
		t.Errorf("forecast decision %q (promoted %v), want not promoted again", m.Decision, m.Promoted)
	}
	if vs, _ := store.Versions("acme", "forecast"); len(vs) != 2 {
		t.Errorf("%d forecast versions, want 2 (v1 and run r2's)", len(vs))
	}
}
