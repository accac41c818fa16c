package serve

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/growthlens/growthlens/models/registry"
)

// TestStaleRunsInterrupted is defect 8: after kill -9 a run record said "running" for good.
// A server marks the queued and running records it finds at start "interrupted": only one
// process holds the store, so no run of another is still going.
func TestStaleRunsInterrupted(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		st, err := registry.Open(c.Store, registry.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for id, status := range map[string]string{"killed-run": "running", "killed-queued": "queued"} {
			b, _ := json.Marshal(map[string]any{"id": id, "tenant": acme, "status": status, "started": time.Now().UTC()})
			if _, err := st.PutRun(acme, id, b); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, id := range []string{"killed-run", "killed-queued"} {
		j := decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+id, acme+"/trainer", "", nil))
		if j.Status != "interrupted" || j.Error == "" {
			t.Errorf("run %s after a restart: status %q, error %q; want interrupted with a reason", id, j.Status, j.Error)
		}
	}
	j := decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+fixture.runID, acme+"/trainer", "", nil))
	if j.Status != "succeeded" {
		t.Errorf("a finished run became %q", j.Status)
	}
}

// TestJobIDSurvivesRestart is defect 8's second half: a client's job id was 404 after a
// restart. The job id is now the run id, stored when the job is queued.
func TestJobIDSurvivesRestart(t *testing.T) {
	ts := startServer(t, nil)
	r := ts.json(t, "POST", "/v1/training-runs", acme+"/trainer", map[string]any{"seed": 7, "promote": "never"})
	if r.status != 202 {
		t.Fatalf("start training: %s", r)
	}
	id := decode[Job](t, r).ID
	deadline := time.Now().Add(3 * time.Minute)
	for {
		j := decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+id, acme+"/trainer", "", nil))
		if FinishedJob(j) {
			if j.Status != "succeeded" || j.RunID != id {
				t.Fatalf("job %s: status %s, run id %q; want succeeded under its own id", id, j.Status, j.RunID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not finished after 3 minutes", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cfg := ts.srv.cfg
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ts.base, ts.srv = "http://"+s2.Addr(), s2
	j := decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+id, acme+"/trainer", "", nil))
	if j.Status != "succeeded" {
		t.Errorf("job %s after a restart: %+v", id, j)
	}
}

// blockingTrainer ignores its context until released: a training stage that does not check
// for cancellation.
type blockingTrainer struct{ started, release chan struct{} }

func (blockingTrainer) Check(TrainRun) error { return nil }

func (b blockingTrainer) Train(ctx context.Context, st *registry.Store, r TrainRun) (string, json.RawMessage, error) {
	close(b.started)
	<-b.release
	return "", nil, ctx.Err()
}

// TestShutdownBoundedDuringTraining is defect 7: SIGTERM waited for a training stage to end
// (18.8 s with --shutdown-timeout 2s). Shutdown now returns within its context even when a
// stage ignores cancellation, leaving the store to be recovered at the next open.
func TestShutdownBoundedDuringTraining(t *testing.T) {
	bt := blockingTrainer{started: make(chan struct{}), release: make(chan struct{})}
	ts := startServer(t, func(c *Config) { c.Trainer = bt; c.ShutdownTimeout = time.Second })
	if r := ts.json(t, "POST", "/v1/training-runs", acme+"/trainer", map[string]any{}); r.status != 202 {
		t.Fatalf("start training: %s", r)
	}
	<-bt.started
	done := make(chan error, 1)
	go func() { done <- ts.srv.Close() }()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("Shutdown with a training stage still running returned no error; want one saying so")
		}
	case <-time.After(30 * time.Second): // a hang detector: the drain timeout is 1 s
		t.Fatal("Shutdown did not return while a training stage ignored cancellation")
	}
	// Let the stage end, then close what the process would have left to the OS, so that the
	// test's cleanup finds a closed server.
	close(bt.release)
	ts.srv.bg.Wait()
	if err := ts.srv.store.Close(); err != nil {
		t.Error(err)
	}
	ts.srv.shutErr = nil
}
