package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// Training runs started through the server (the API or the CLI's admin channel) run one at a
// time in the background, at most one queued or running per tenant. A job is polled by its
// id; when it finishes, the tenant's snapshot is reloaded before the job says so, so a
// client that sees "succeeded" is already served the promoted models.

// Job states.
const (
	jobQueued    = "queued"
	jobRunning   = "running"
	jobSucceeded = "succeeded"
	jobFailed    = "failed"
	jobCanceled  = "canceled"
)

// Trainer runs the training runs the server starts. The server does not import the training
// pipeline: `growthlens serve` passes one backed by package train (the wiring is in cmd), and
// without one (Config.Trainer nil) training through the server answers EUnavailable.
type Trainer interface {
	// Check reports the first setting of r out of range, naming it, before r is queued.
	Check(r TrainRun) error
	// Train runs r on store to the end, or until ctx is cancelled, and returns the run's
	// record as the registry stores it (JSON) and its id. A run that fails after its record
	// was created returns the record with the error.
	Train(ctx context.Context, store registry.Store, r TrainRun) (id string, record json.RawMessage, err error)
}

// Queue hands training runs to the workers of a cluster (Config.Queue). The cmd wiring
// fills it with package train/queue, which serve does not import.
type Queue interface {
	// Enqueue hands r to the workers; r.Params.RunID names its record, already stored
	// "queued". It returns once the job is stored durably.
	Enqueue(ctx context.Context, r TrainRun) error
	// Alive reports whether a queued or running run is still in the workers' hands (its job
	// waits or a worker heartbeats it), so that a record no worker will finish can be told
	// from one a worker is finishing.
	Alive(ctx context.Context, tenant, runID string) (bool, error)
}

// TrainRun is one training run the server asks its Trainer for.
type TrainRun struct {
	Tenant string
	// By names who started the run (an API key id, "cli").
	By string
	// CodeVersion is the server's Config.CodeVersion, recorded with every model.
	CodeVersion string
	Params      TrainParams
	Logger      *slog.Logger
	// Progress is told each step's progress.
	Progress func(step string, done, total int)
}

// The promotion policies of a training run (those of `growthlens train --promote`).
var promotePolicies = []string{"auto", "always", "never"}

// Job is a training run started through the server, as GET /v1/training-runs/{id} shows it.
type Job struct {
	ID       string       `json:"id"`
	Tenant   string       `json:"tenant"`
	Status   string       `json:"status"`
	By       string       `json:"by"`
	Created  time.Time    `json:"created"`
	Started  *time.Time   `json:"started,omitempty"`
	Finished *time.Time   `json:"finished,omitempty"`
	Params   TrainParams  `json:"params"`
	Progress *JobProgress `json:"progress,omitempty"`
	RunID    string       `json:"run_id,omitempty"`
	// Run is the run's record, as GET /v1/training-runs lists it under runs.
	Run   json.RawMessage `json:"run,omitempty"`
	Error string          `json:"error,omitempty"`
}

// JobProgress is the latest progress report of a running job.
type JobProgress struct {
	Step  string `json:"step"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// TrainParams are the options of a training run that a client may set.
type TrainParams struct {
	Seed    uint64    `json:"seed"`
	Promote string    `json:"promote"`
	Horizon int       `json:"horizon"`
	Levels  []float64 `json:"levels"`
	// Data is the dataset directory; only the admin channel may name one (API runs train on
	// the tenant's data directory).
	Data string `json:"data,omitempty"`
	// Incentive is an incentive config (admin channel only; nil: the default rules).
	Incentive *incentive.Config `json:"incentive,omitempty"`
	// RunID is the run record the server made when it queued the run (the job's id); the
	// trainer stores the run under it.
	RunID string `json:"-"`
}

type job struct {
	mu     sync.Mutex
	j      Job
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
}

func (jb *job) snapshot() Job {
	jb.mu.Lock()
	defer jb.mu.Unlock()
	j := jb.j
	if j.Progress != nil {
		p := *j.Progress
		j.Progress = &p
	}
	return j
}

type jobs struct {
	mu     sync.Mutex
	byID   map[string]*job
	order  []string
	active map[string]*job // tenant → its queued or running job
	slot   chan struct{}   // one training at a time: it takes every core
}

// keptJobs bounds the finished jobs kept in memory; their runs stay in the store.
const keptJobs = 200

func newJobs() *jobs {
	return &jobs{byID: map[string]*job{}, active: map[string]*job{}, slot: make(chan struct{}, 1)}
}

// startTraining queues a training run for a tenant and returns its job. It returns
// EConflict when the tenant already has one queued or running.
func (s *Server) startTraining(tenantName, by string, p TrainParams) (*job, error) {
	if s.closing.Load() {
		return nil, errorf(EUnavailable, "", "the server is shutting down")
	}
	if s.cfg.Trainer == nil {
		return nil, errorf(EUnavailable, "", "this server was started without a trainer: train with growthlens train")
	}
	// A run on a full disk would fit its models and then fail to store them.
	if err := s.store.CheckSpace(); err != nil {
		return nil, err
	}
	run := TrainRun{Tenant: tenantName, By: by, CodeVersion: s.cfg.CodeVersion, Params: p, Logger: s.log.With("tenant", tenantName)}
	if err := s.cfg.Trainer.Check(run); err != nil {
		return nil, invalid("body", "%s", err.Error())
	}
	if s.cfg.Queue != nil {
		return s.enqueueTraining(run)
	}
	ctx, cancel := context.WithCancel(s.trainCtx)
	created := time.Now().UTC()
	jb := &job{done: make(chan struct{}), ctx: ctx, cancel: cancel, j: Job{
		Tenant: tenantName, Status: jobQueued, By: by, Created: created, Params: p,
	}}
	s.jobs.mu.Lock()
	if cur := s.jobs.active[tenantName]; cur != nil {
		s.jobs.mu.Unlock()
		cancel()
		return nil, errorf(EConflict, "", "training run %s is already %s for this tenant; poll it, then start another", cur.j.ID, cur.snapshot().Status)
	}
	// The job's id is its run record's, stored now as "queued": the id a client holds
	// survives a restart (GET /v1/training-runs/{id} reads the record), and a run queued or
	// running when the process died is marked interrupted at the next start.
	id, err := s.store.CreateRun(tenantName, newRunID(created), func(id string) (json.RawMessage, error) {
		return json.Marshal(map[string]any{"id": id, "tenant": tenantName, "status": jobQueued, "started": created, "by": by,
			"seed": p.Seed, "promote": p.Promote})
	})
	if err != nil {
		s.jobs.mu.Unlock()
		cancel()
		return nil, err
	}
	jb.j.ID, jb.j.Params.RunID, run.Params.RunID = id, id, id
	s.jobs.active[tenantName] = jb
	s.jobs.byID[jb.j.ID] = jb
	s.jobs.order = append(s.jobs.order, jb.j.ID)
	s.jobs.trim()
	s.jobs.mu.Unlock()

	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.runJob(jb, run)
	}()
	return jb, nil
}

// newRunID is the id of a run record made now.
func newRunID(created time.Time) string {
	var rnd [4]byte
	rand.Read(rnd[:])
	return created.Format("20060102T150405Z") + "-" + hex.EncodeToString(rnd[:])
}

// enqueueTraining stores a run's record "queued" and hands the run to the cluster's
// workers. The returned job is a snapshot: its progress is read from the record (GET
// /v1/training-runs/{id} on any replica). Several runs of one tenant may be queued; the
// workers run them one after the other. A run the queue did not take is marked failed and
// the request answered 503.
func (s *Server) enqueueTraining(run TrainRun) (*job, error) {
	created := time.Now().UTC()
	p := run.Params
	id, err := s.store.CreateRun(run.Tenant, newRunID(created), func(id string) (json.RawMessage, error) {
		return json.Marshal(map[string]any{"id": id, "tenant": run.Tenant, "status": jobQueued, "started": created, "by": run.By,
			"seed": p.Seed, "promote": p.Promote})
	})
	if err != nil {
		return nil, err
	}
	run.Params.RunID = id
	ctx, cancel := context.WithTimeout(s.trainCtx, 30*time.Second)
	defer cancel()
	if err := s.cfg.Queue.Enqueue(ctx, run); err != nil {
		s.log.Error("queue a training run", "tenant", run.Tenant, "run", id, "err", err)
		s.endRun(run.Tenant, id, jobFailed, "the job queue did not take the run: "+clip.String(err.Error(), 500))
		return nil, errorf(EUnavailable, "", "the training queue is unavailable; try again in a moment")
	}
	run.Params.Data = ""
	jb := &job{done: make(chan struct{}), j: Job{ID: id, Tenant: run.Tenant, Status: jobQueued, By: run.By, Created: created, Params: run.Params, RunID: id}}
	close(jb.done)
	return jb, nil
}

// trim forgets the oldest finished jobs beyond keptJobs. Callers hold mu.
func (js *jobs) trim() {
	for len(js.order) > keptJobs {
		id := js.order[0]
		if jb := js.byID[id]; jb != nil && js.active[jb.j.Tenant] == jb {
			return
		}
		delete(js.byID, id)
		js.order = js.order[1:]
	}
}

func (s *Server) runJob(jb *job, run TrainRun) {
	defer close(jb.done)
	defer jb.cancel()
	finish := func(status, runID string, rec json.RawMessage, err error) {
		now := time.Now().UTC()
		jb.mu.Lock()
		jb.j.Status, jb.j.Finished, jb.j.Run, jb.j.RunID = status, &now, rec, runID

		if err != nil {
			jb.j.Error = err.Error()
		}
		j := jb.j
		jb.mu.Unlock()
		s.jobs.mu.Lock()
		if s.jobs.active[j.Tenant] == jb {
			delete(s.jobs.active, j.Tenant)
		}
		s.jobs.mu.Unlock()
		secs := 0.0
		if j.Started != nil {
			secs = now.Sub(*j.Started).Seconds()
		}
		s.metrics.trainRuns.WithLabelValues(j.Tenant, status).Inc()
		if j.Started != nil {
			s.metrics.trainSecs.WithLabelValues(j.Tenant, status).Observe(secs)
		}
		e := registry.AuditEntry{Who: j.By, Role: "", Tenant: j.Tenant, Action: "train.finish", Target: j.ID, Outcome: "ok",
			Detail: fmt.Sprintf("%s in %.1f s", status, secs)}
		if runID != "" {
			e.Detail += ", run " + runID
		}
		if status != jobSucceeded {
			e.Outcome = status
			if err != nil {
				e.Detail += ": " + clip.String(err.Error(), 3000)
			}
		}
		if _, aerr := s.store.Audit(e); aerr != nil {
			s.log.Warn("audit entry not written", "action", e.Action, "err", aerr)
		}
		s.log.Info("training finished", "job", j.ID, "tenant", j.Tenant, "status", status, "seconds", secs)
	}

	select {
	case s.jobs.slot <- struct{}{}:
	case <-jb.ctx.Done():
		s.endRun(run.Tenant, run.Params.RunID, jobCanceled, "canceled before the run started")
		finish(jobCanceled, run.Params.RunID, nil, errors.New("canceled before the run started"))
		return
	}
	defer func() { <-s.jobs.slot }()
	now := time.Now().UTC()
	jb.mu.Lock()
	jb.j.Status, jb.j.Started = jobRunning, &now
	jb.mu.Unlock()
	run.Progress = func(step string, done, total int) {
		jb.mu.Lock()
		jb.j.Progress = &JobProgress{Step: step, Done: done, Total: total}
		jb.mu.Unlock()
	}
	id, rec, err := s.cfg.Trainer.Train(jb.ctx, s.store, run)
	switch {
	case err != nil && jb.ctx.Err() != nil:
		finish(jobCanceled, id, rec, err)
	case err != nil:
		finish(jobFailed, id, rec, err)
	default:
		// Swap the new champions in before anyone is told the run succeeded.
		t, _ := s.tenants.get(run.Tenant)
		if rerr := s.reload(t); rerr != nil {
			s.log.Error("reload after training", "tenant", run.Tenant, "err", rerr)
		}
		finish(jobSucceeded, id, rec, nil)
	}
}

// findJob returns a tenant's job by id.
func (s *Server) findJob(tenantName, id string) (*job, bool) {
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	jb, ok := s.jobs.byID[id]
	if !ok || jb.j.Tenant != tenantName {
		return nil, false
	}
	return jb, true
}

type trainRequest struct {
	Seed    *uint64   `json:"seed"`
	Promote string    `json:"promote"`
	Horizon *int      `json:"horizon"`
	Levels  []float64 `json:"levels"`
}

func (s *Server) postTrainingRun(c *gin.Context, rq *call) error {
	var req trainRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	p := TrainParams{Seed: seed.Default, Promote: promotePolicies[0], Horizon: 4, Levels: []float64{80, 95}}
	if req.Seed != nil {
		p.Seed = *req.Seed
	}
	if req.Promote != "" {
		if !slices.Contains(promotePolicies, req.Promote) {
			return invalid("promote", "%q: want auto, always or never", clip.String(req.Promote, 32))
		}
		p.Promote = req.Promote
	}
	if req.Horizon != nil {
		if *req.Horizon < 1 || *req.Horizon > 12 {
			return invalid("horizon", "%d: want 1 to 12 quarters", *req.Horizon)
		}
		p.Horizon = *req.Horizon
	}
	if req.Levels != nil {
		if len(req.Levels) == 0 || len(req.Levels) > 5 {
			return invalid("levels", "give 1 to 5 interval levels")
		}
		for i, l := range req.Levels {
			if !(l > 0 && l < 100) || math.IsNaN(l) {
				return invalid("levels["+itoa(i)+"]", "%g: want a level in percent between 0 and 100", l)
			}
		}
		p.Levels = req.Levels
	}
	dir := s.cfg.dataDir(rq.key.Tenant)
	if dir == "" {
		return errorf(EUnavailable, "", "the server has no data root: start it with --data-root")
	}
	if _, err := os.Stat(dir); err != nil || dataSignature(dir) == "" {
		return errorf(EConflict, "", "this tenant has no data yet: upload its tables with PUT /v1/data/{table} first")
	}
	p.Data = dir
	jb, err := s.startTraining(rq.key.Tenant, rq.key.ID, p)
	if err != nil {
		return err
	}
	j := jb.snapshot()
	j.Params.Data = ""
	rq.target = j.ID
	rq.detail = fmt.Sprintf("seed %d, promote %s", p.Seed, p.Promote)
	c.Header("Location", "/v1/training-runs/"+j.ID)
	return writeJSON(c, 202, j)
}

func (s *Server) getTrainingRun(c *gin.Context, rq *call) error {
	id := c.Param("id")
	if jb, ok := s.findJob(rq.key.Tenant, id); ok {
		j := jb.snapshot()
		j.Params.Data, j.Run = "", publicRun(j.Run)
		return writeJSON(c, 200, j)
	}
	if !validTenant(id) { // run ids follow the registry's name rule
		return errorf(ENotFound, "id", "no training run %q in this tenant", clip.String(id, 64))
	}
	r, err := s.store.Run(rq.key.Tenant, id)
	if errors.Is(err, registry.ErrNotFound) {
		return errorf(ENotFound, "id", "no training run %q in this tenant", clip.String(id, 64))
	}
	if err != nil {
		return err
	}
	// The fields of the run record (train.Record) a job shows.
	var rec struct {
		ID, Tenant, Status, Promote, Error string
		Started, Finished                  time.Time
		Seed                               uint64
	}
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return fmt.Errorf("run %s: %w", id, err)
	}
	return writeJSON(c, 200, Job{ID: rec.ID, Tenant: rec.Tenant, Status: rec.Status, Created: rec.Started, Started: &rec.Started,
		Finished: &rec.Finished, RunID: rec.ID, Run: publicRun(r.Data), Error: rec.Error,
		Params: TrainParams{Seed: rec.Seed, Promote: rec.Promote}})
}

func (s *Server) listTrainingRuns(c *gin.Context, rq *call) error {
	limit, err := queryInt(rq.query, "limit", 20, 1, 1000)
	if err != nil {
		return err
	}
	s.jobs.mu.Lock()
	var mine []*job
	for i := len(s.jobs.order) - 1; i >= 0; i-- {
		if jb := s.jobs.byID[s.jobs.order[i]]; jb != nil && jb.j.Tenant == rq.key.Tenant {
			mine = append(mine, jb)
		}
	}
	s.jobs.mu.Unlock()
	jobsOut := []Job{}
	for _, jb := range mine[:min(limit, len(mine))] {
		j := jb.snapshot()
		j.Params.Data, j.Run = "", nil
		jobsOut = append(jobsOut, j)
	}
	recs, err := s.store.Runs(rq.key.Tenant, limit)
	if err != nil {
		return err
	}
	runs := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		runs[i] = publicRun(r.Data)
	}
	return writeJSON(c, 200, map[string]any{"jobs": jobsOut, "runs": runs})
}

// waitJob waits for a job to finish or ctx to end.
func waitJob(ctx context.Context, jb *job) error {
	select {
	case <-jb.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publicRun is a run record as API clients see it: without the server's dataset directory
// ("data"), which says nothing to a client and tells an attacker where the tables are.
func publicRun(rec json.RawMessage) json.RawMessage {
	if len(rec) == 0 {
		return rec
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec, &m); err != nil {
		return rec
	}
	if _, ok := m["data"]; !ok {
		return rec
	}
	delete(m, "data")
	b, err := json.Marshal(m)
	if err != nil {
		return rec
	}
	return b
}

// endRun marks a run record that no trainer finished with a final status and the reason
// (queued or running records of a run that was canceled before it started, or whose process
// died). Fields it does not know are kept.
func (s *Server) endRun(tenant, id, status, reason string) {
	r, err := s.store.Run(tenant, id)
	if err != nil {
		s.log.Warn("mark run", "tenant", tenant, "run", id, "status", status, "err", err)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(r.Data, &m); err != nil {
		s.log.Warn("mark run", "tenant", tenant, "run", id, "err", err)
		return
	}
	m["status"], m["error"], m["finished"] = status, reason, time.Now().UTC()
	b, err := json.Marshal(m)
	if err == nil {
		_, err = s.store.PutRun(tenant, id, b)
	}
	if err != nil {
		s.log.Warn("mark run", "tenant", tenant, "run", id, "status", status, "err", err)
	}
}

// jobInterrupted is the status of a run whose process stopped while it was queued or running.
const jobInterrupted = "interrupted"

// staleGrace is how old a queued or running record must be before a cluster replica may
// mark it interrupted: a replica stores the record a moment before it queues the job.
const staleGrace = time.Minute

// markInterrupted marks every queued or running run record of every tenant interrupted. It
// runs before the server serves. On a Badger store the store is this process's alone, so no
// such run is going. In a cluster (Config.Queue) a record is marked only when the queue says
// no worker has it or will take it (Queue.Alive: no job waits for it and no worker
// heartbeats it) and it is older than staleGrace.
func (s *Server) markInterrupted() {
	tenants, err := s.store.Tenants()
	if err != nil {
		s.log.Warn("find interrupted runs", "err", err)
		return
	}
	for _, t := range tenants {
		runs, err := s.store.Runs(t, 0)
		if err != nil {
			s.log.Warn("find interrupted runs", "tenant", t, "err", err)
			continue
		}
		for _, r := range runs {
			var rec struct {
				Status  string
				Started time.Time
			}
			if json.Unmarshal(r.Data, &rec) != nil || (rec.Status != jobQueued && rec.Status != jobRunning) {
				continue
			}
			if s.cfg.Queue != nil {
				if time.Since(rec.Started) < staleGrace {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				alive, err := s.cfg.Queue.Alive(ctx, t, r.ID)
				cancel()
				if err != nil {
					s.log.Warn("find interrupted runs", "tenant", t, "run", r.ID, "err", err)
					continue
				}
				if alive {
					continue
				}
			}
			s.endRun(t, r.ID, jobInterrupted, "the process stopped while the run was "+rec.Status+"; start it again")
			s.log.Warn("training run interrupted by a stop of the server", "tenant", t, "run", r.ID)
		}
	}
}
