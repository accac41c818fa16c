package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/internal/natstest"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
	"github.com/growthlens/growthlens/train/queue"
)

// TestWorkerKilledDuringTraining queues one run and starts two workers on an embedded NATS
// server. The worker that takes the run is killed (its connections cut, then stopped: no
// acknowledgement, heartbeat or record write leaves it) right after it registered its first
// model. The other worker must take the run over and finish it: the record shows both
// attempts, each model has exactly one version, of this run, promoted once, and the job is
// acknowledged.
func TestWorkerKilledDuringTraining(t *testing.T) {
	_, url := natstest.Start(t)
	data := filepath.Join(t.TempDir(), "co")
	if _, _, err := runCLI(t, "generate", "--out", data, "--employees", "40", "--years", "3", "--regions", "North,South"); err != nil {
		t.Fatal(err)
	}
	store, err := registry.DialJetStream(url, registry.Options{}, registry.JetStreamOptions{Prefix: "wt"})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	o := workerOptions{cluster: url, prefix: "wt", concurrency: 1, maxAttempts: 3, ackWait: time.Second}
	q, nc, err := dialQueue(url, queue.Options{Prefix: "wt", AckWait: o.ackWait})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rec, _ := json.Marshal(map[string]any{"id": "r1", "tenant": "acme", "status": "queued", "started": time.Now().UTC()})
	if _, err := store.PutRun("acme", "r1", rec); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(context.Background(), queue.Job{Tenant: "acme", RunID: "r1", By: "test", Data: data, Promote: "auto", Horizon: 4, Levels: []float64{80, 95}}); err != nil {
		t.Fatal(err)
	}

	var (
		mu     sync.Mutex
		killed string
		kills  = map[string]func(){}
	)
	var wg sync.WaitGroup
	for _, id := range []string{"w1", "w2"} {
		wo := o
		wo.id = id
		ctx, cancel := context.WithCancel(context.Background())
		var p *workerProc
		hook := func(step string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if step == "register" && done == 1 && killed == "" {
				killed = id
				kills[id]()
			}
		}
		p, err = startWorker(slog.New(slog.DiscardHandler), wo, nil, hook)
		if err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		kills[id] = func() { once.Do(func() { p.close(); cancel() }) }
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.w.Serve(ctx)
		}()
		defer func() { mu.Lock(); k := kills[id]; mu.Unlock(); k() }()
	}

	var got train.Record
	deadline := time.Now().Add(90 * time.Second)
	for {
		r, err := store.Run("acme", "r1")
		if err == nil && json.Unmarshal(r.Data, &got) == nil && got.Status != "queued" && got.Status != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run not finished within 90 s: %+v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	k := killed
	mu.Unlock()
	if k == "" {
		t.Fatal("no worker was killed: the run never reached its second registration")
	}
	if got.Status != "succeeded" || len(got.Attempts) != 2 || got.Attempts[0].Worker != k || got.Attempts[0].Status != "lost" ||
		got.Attempts[1].Worker == k || got.Attempts[1].Status != "succeeded" {
		t.Fatalf("run %s (%s) with attempts %+v; want %s's attempt lost, then the other worker's succeeded", got.Status, got.Error, got.Attempts, k)
	}
	for _, m := range got.Models {
		vs, err := store.Versions("acme", m.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].RunID != "r1" {
			t.Errorf("%s: %d versions, want exactly one, of run r1", m.Name, len(vs))
		}
		if h, err := store.History("acme", m.Name, registry.Champion, 0); err != nil || len(h) != 1 {
			t.Errorf("%s: %d champion moves (%v), want one", m.Name, len(h), err)
		}
	}
	if n, err := q.Pending(context.Background()); err != nil || n != 0 {
		t.Errorf("jobs left in the stream: %d, %v; want 0", n, err)
	}
	page, err := store.AuditLog(registry.AuditQuery{Tenant: "acme", Action: "train.finish"})
	if err != nil || len(page.Entries) != 1 {
		t.Errorf("train.finish audit entries: %d, %v; want 1", len(page.Entries), err)
	}
	t.Logf("killed %s; attempts %+v", k, got.Attempts)
}
