package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/growthlens/growthlens/internal/natstest"
)

// worker starts a worker with its own NATS connection; kill closes the connection first
// (no acknowledgement, no heartbeat, no lease renewal can leave it: as after kill -9) and
// then ends the worker.
func startWorker(t *testing.T, url, id string, concurrency int, run RunFunc) (kill func()) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Open(nc, Options{Prefix: "qt", AckWait: 600 * time.Millisecond, Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &Worker{Queue: q, ID: id, Concurrency: concurrency, Run: run}
	go func() {
		defer close(done)
		if err := w.Serve(ctx); err != nil {
			t.Errorf("worker %s: %v", id, err)
		}
	}()
	var once sync.Once
	kill = func() {
		once.Do(func() {
			nc.Close()
			cancel()
			<-done
		})
	}
	t.Cleanup(kill)
	return kill
}

func openQueue(t *testing.T, url string) *Queue {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	q, err := Open(nc, Options{Prefix: "qt", AckWait: 600 * time.Millisecond, Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKilledWorkersJobRunsOnAnother kills the worker running a job (its connection cut, as
// by kill -9) and requires the job to be delivered again to the other worker, which
// acknowledges it, and the run to be reported alive throughout and gone afterwards.
func TestKilledWorkersJobRunsOnAnother(t *testing.T) {
	_, url := natstest.Start(t)
	q := openQueue(t, url)
	startedA := make(chan Attempt, 1)
	killA := startWorker(t, url, "a", 1, func(ctx context.Context, j Job, a Attempt) error {
		startedA <- a
		<-ctx.Done()
		return ctx.Err()
	})
	if err := q.Enqueue(context.Background(), Job{Tenant: "acme", RunID: "r1", Data: "/d"}); err != nil {
		t.Fatal(err)
	}
	var a1 Attempt
	select {
	case a1 = <-startedA:
	case <-time.After(10 * time.Second):
		t.Fatal("worker a did not start the job")
	}
	if a1.Delivery != 1 || a1.Worker != "a" {
		t.Errorf("first attempt %+v, want delivery 1 on worker a", a1)
	}
	var mu sync.Mutex
	var onB []Attempt
	startWorker(t, url, "b", 1, func(ctx context.Context, j Job, a Attempt) error {
		mu.Lock()
		defer mu.Unlock()
		if j.RunID != "r1" || j.Tenant != "acme" || j.Data != "/d" {
			t.Errorf("job %+v on b, want run r1 of acme", j)
		}
		onB = append(onB, a)
		return nil
	})
	// b must not get the job while a heartbeats.
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	if len(onB) != 0 {
		t.Fatalf("worker b ran the job while a was alive: %+v", onB)
	}
	mu.Unlock()
	if alive, err := q.Alive(context.Background(), "acme", "r1"); err != nil || !alive {
		t.Fatalf("Alive while a runs the job = %v, %v; want true", alive, err)
	}
	killA()
	waitFor(t, "the job running on worker b", 15*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(onB) > 0
	})
	mu.Lock()
	if len(onB) != 1 || onB[0].Delivery < 2 || onB[0].Worker != "b" {
		t.Errorf("attempts on b %+v, want one with delivery >= 2", onB)
	}
	mu.Unlock()
	waitFor(t, "the job acknowledged", 5*time.Second, func() bool {
		n, err := q.Pending(context.Background())
		return err == nil && n == 0
	})
	// The worker acknowledges the job, then gives its lease back: Alive stays true for that
	// moment (it failed 1 run of many when checked right after the acknowledgement).
	waitFor(t, "Alive false after the job was acknowledged and its lease released", 5*time.Second, func() bool {
		alive, err := q.Alive(context.Background(), "acme", "r1")
		return err == nil && !alive
	})
}

// TestTenantRunsSerializedTenantsParallel queues three runs for each of two tenants on two
// workers of two slots each: no two runs of one tenant may overlap, and a run of one tenant
// must be able to run while the other tenant's does (its first run waits for that).
func TestTenantRunsSerializedTenantsParallel(t *testing.T) {
	_, url := natstest.Start(t)
	q := openQueue(t, url)
	var mu sync.Mutex
	running := map[string]int{}
	most := map[string]int{}
	done := map[string]int{}
	bothRan := make(chan struct{})
	var bothOnce sync.Once
	run := func(ctx context.Context, j Job, a Attempt) error {
		mu.Lock()
		running[j.Tenant]++
		most[j.Tenant] = max(most[j.Tenant], running[j.Tenant])
		if running["t1"] > 0 && running["t2"] > 0 {
			bothOnce.Do(func() { close(bothRan) })
		}
		mu.Unlock()
		if j.RunID == "t1-0" { // the first run of t1 ends only once t2 runs beside it
			select {
			case <-bothRan:
			case <-time.After(20 * time.Second):
				t.Error("no run of t2 started while t1's first run was going")
			}
		}
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		running[j.Tenant]--
		done[j.Tenant]++
		mu.Unlock()
		return nil
	}
	for i := range 3 {
		for _, tn := range []string{"t1", "t2"} {
			if err := q.Enqueue(context.Background(), Job{Tenant: tn, RunID: fmt.Sprintf("%s-%d", tn, i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	startWorker(t, url, "a", 2, run)
	startWorker(t, url, "b", 2, run)
	waitFor(t, "all six runs", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return done["t1"] == 3 && done["t2"] == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if most["t1"] != 1 || most["t2"] != 1 {
		t.Errorf("most runs of one tenant at once: t1 %d, t2 %d; want 1", most["t1"], most["t2"])
	}
}

// TestEnqueueTwiceStoresOnce: a replica that retries an enqueue (its first answer lost)
// must not make a second job.
func TestEnqueueTwiceStoresOnce(t *testing.T) {
	_, url := natstest.Start(t)
	q := openQueue(t, url)
	for range 2 {
		if err := q.Enqueue(context.Background(), Job{Tenant: "acme", RunID: "r1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.Pending(context.Background()); err != nil || n != 1 {
		t.Errorf("jobs pending = %d, %v; want 1", n, err)
	}
	if err := q.Enqueue(context.Background(), Job{Tenant: "acme"}); err == nil {
		t.Error("a job without a run id was queued")
	}
}

// TestOpenKeepsTheStreamAsItIs: opening the queue with another replica count than it was
// created with (a replica started without --cluster-replicas) must not change it; on one
// server 3 replicas cannot exist, so a change would fail.
func TestOpenKeepsTheStreamAsItIs(t *testing.T) {
	_, url := natstest.Start(t)
	openQueue(t, url)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	q, err := Open(nc, Options{Prefix: "qt", Replicas: 3, Memory: true})
	if err != nil {
		t.Fatalf("open with 3 replicas asked: %v", err)
	}
	if r := q.stream.CachedInfo().Config.Replicas; r != 1 {
		t.Errorf("job stream has %d replicas, want its 1", r)
	}
}
