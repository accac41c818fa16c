package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve"
	"github.com/growthlens/growthlens/train"
	"github.com/growthlens/growthlens/train/queue"
)

// workerOptions are the flags of growthlens worker.
type workerOptions struct {
	cluster, prefix, keyFile, id string
	replicas, concurrency        int
	maxAttempts                  int
	ackWait                      time.Duration
}

func newWorkerCmd(a *app) *cobra.Command {
	var o workerOptions
	cmd := &cobra.Command{
		Use:   "worker --cluster nats://…",
		Short: "Train the runs queued by the API replicas of a cluster",
		Long: `worker takes training runs from the job queue of a cluster store (NATS JetStream) and trains
them: POST /v1/training-runs on any replica started with serve --cluster queues the run, and
one worker trains it into the shared store. One tenant's runs are trained one after the other,
different tenants' runs in parallel (on other workers, or with --concurrency).

While a run trains, the worker heartbeats it every third of --heartbeat-timeout. A worker
that stops heartbeating (killed, its machine lost) has its run taken over by another worker
after --heartbeat-timeout; the run record lists every attempt, and the new attempt takes
over the versions the lost one registered, so each run registers one version per model and
promotes it at most once. A run whose record shows --max-attempts lost attempts fails.

Every worker reads the tenants' datasets at the paths the replicas name (DATA_ROOT/<tenant>):
give workers and replicas the same volume at the same path. SIGINT or SIGTERM stops taking
runs and hands the running ones back to the queue.`,
		Example: `  growthlens worker --cluster nats://nats-0:4222,nats://nats-1:4222,nats://nats-2:4222 --cluster-replicas 3`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.cluster == "" {
				return usageErr("--cluster is required (the NATS URL of the cluster store; env %s)", envCluster)
			}
			if o.concurrency < 1 || o.concurrency > 64 {
				return usageErr("--concurrency %d: want 1 to 64", o.concurrency)
			}
			if o.ackWait < time.Second || o.ackWait > time.Hour {
				return usageErr("--heartbeat-timeout %v: want 1s to 1h", o.ackWait)
			}
			if o.maxAttempts < 1 {
				return usageErr("--max-attempts %d: want at least 1", o.maxAttempts)
			}
			key, err := registry.LoadKey(registry.EnvEncryptionKey, o.keyFile)
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), a.log, o, key, nil)
		},
	}
	f := cmd.Flags()
	host, _ := os.Hostname()
	f.StringVar(&o.cluster, "cluster", os.Getenv(envCluster), "NATS URL of the cluster store, comma-separated for several servers (env "+envCluster+")")
	f.StringVar(&o.prefix, "cluster-prefix", os.Getenv(envClusterPrefix), "bucket prefix of the cluster store (default "+registry.DefaultJetStreamPrefix+"; env "+envClusterPrefix+")")
	f.IntVar(&o.replicas, "cluster-replicas", 1, "NATS servers holding the job stream when the worker creates it (3 in a cluster)")
	f.StringVar(&o.keyFile, "encryption-key-file", "", "file holding the store's encryption key in hex or base64 (or set "+registry.EnvEncryptionKey+")")
	f.StringVar(&o.id, "id", fmt.Sprintf("%s-%d", host, os.Getpid()), "the worker's name in run records and logs")
	f.IntVar(&o.concurrency, "concurrency", 1, "runs of different tenants trained at once (a run takes every core)")
	f.IntVar(&o.maxAttempts, "max-attempts", 3, "attempts a run gets before it fails")
	f.DurationVar(&o.ackWait, "heartbeat-timeout", queue.DefaultAckWait, "how long a run may go without its worker's heartbeat before another worker takes it over (the same on every worker)")
	return cmd
}

// runWorker serves jobs until ctx ends.
func runWorker(ctx context.Context, log *slog.Logger, o workerOptions, key []byte, hook func(step string, done, total int)) error {
	p, err := startWorker(log, o, key, hook)
	if err != nil {
		return err
	}
	defer p.close()
	log.Info("worker waiting for training runs", "worker", o.id, "cluster", o.cluster, "concurrency", o.concurrency, "heartbeat_timeout", o.ackWait)
	return p.w.Serve(ctx)
}

// workerProc is a worker's connections: the store's and the queue's.
type workerProc struct {
	store *registry.JetStream
	nc    *nats.Conn
	w     *queue.Worker
}

// startWorker connects a worker. hook, when not nil, is told each run's progress (tests
// use it to kill a worker at a chosen step).
func startWorker(log *slog.Logger, o workerOptions, key []byte, hook func(step string, done, total int)) (*workerProc, error) {
	store, err := registry.DialJetStream(o.cluster, registry.Options{EncryptionKey: key, Logger: log},
		registry.JetStreamOptions{Prefix: o.prefix, Replicas: o.replicas})
	if err != nil {
		return nil, err
	}
	q, nc, err := dialQueue(o.cluster, queue.Options{Prefix: o.prefix, Replicas: o.replicas, AckWait: o.ackWait})
	if err != nil {
		store.Close()
		return nil, err
	}
	log = log.With("worker", o.id)
	w := &queue.Worker{Queue: q, ID: o.id, Concurrency: o.concurrency, Logger: log,
		Run: trainJob(store, o.id, o.maxAttempts, log, hook)}
	return &workerProc{store: store, nc: nc, w: w}, nil
}

func (p *workerProc) close() {
	p.nc.Close()
	p.store.Close()
}

// dialQueue connects to NATS and opens the job queue on its own connection.
func dialQueue(url string, o queue.Options) (*queue.Queue, *nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name("growthlens queue"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	if o.Prefix == "" {
		o.Prefix = registry.DefaultJetStreamPrefix
	}
	q, err := queue.Open(nc, o)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return q, nc, nil
}

// trainJob is the worker's queue.RunFunc: package train on the shared store. A job is done
// (acknowledged) once its run record is final, succeeded or failed; otherwise it is handed
// back and tried again.
func trainJob(store registry.Store, worker string, maxAttempts int, log *slog.Logger, hook func(string, int, int)) queue.RunFunc {
	return func(ctx context.Context, j queue.Job, a queue.Attempt) error {
		cfg := train.Config{Data: j.Data, Tenant: j.Tenant, Seed: j.Seed, Promote: j.Promote, Horizon: j.Horizon, Levels: j.Levels,
			CodeVersion: codeVersion(), By: j.By, RunID: j.RunID, Worker: worker, MaxAttempts: maxAttempts,
			Logger: log.With("tenant", j.Tenant, "run", j.RunID), Progress: hook}
		t0 := time.Now()
		rec, err := train.Run(ctx, store, cfg)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if rec == nil {
			// The run cannot start here (its dataset directory is missing on this worker, a
			// setting out of range): fail it with the reason, as a server would.
			if merr := failRun(store, j, err); merr != nil {
				return merr
			}
			rec = &train.Record{ID: j.RunID, Status: "failed", Error: err.Error()}
		}
		r, rerr := store.Run(j.Tenant, j.RunID)
		if rerr != nil {
			return fmt.Errorf("read the run record back: %w", rerr)
		}
		var stored struct{ Status string }
		if json.Unmarshal(r.Data, &stored) != nil || (stored.Status != "succeeded" && stored.Status != "failed") {
			return fmt.Errorf("run %s ended %s but its record says %q: %v", j.RunID, rec.Status, stored.Status, err)
		}
		e := registry.AuditEntry{Who: j.By, Tenant: j.Tenant, Action: "train.finish", Target: j.RunID, Outcome: "ok",
			Detail: fmt.Sprintf("%s in %.1f s on worker %s, attempt %d", stored.Status, time.Since(t0).Seconds(), worker, len(rec.Attempts))}
		if stored.Status != "succeeded" {
			e.Outcome = stored.Status
			e.Detail += ": " + clip.String(rec.Error, 3000)
		}
		if _, aerr := store.Audit(e); aerr != nil {
			log.Warn("audit entry not written", "action", e.Action, "err", aerr)
		}
		return nil
	}
}

// failRun marks a queued run's record failed with the reason, keeping its other fields.
func failRun(store registry.Store, j queue.Job, reason error) error {
	m := map[string]any{}
	if r, err := store.Run(j.Tenant, j.RunID); err == nil {
		json.Unmarshal(r.Data, &m)
	} else if !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	m["id"], m["tenant"], m["status"], m["error"], m["finished"] = j.RunID, j.Tenant, "failed", reason.Error(), time.Now().UTC()
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = store.PutRun(j.Tenant, j.RunID, b)
	return err
}

// clusterQueue is the server's serve.Queue: package train/queue, which serve does not import.
type clusterQueue struct{ q *queue.Queue }

func (c clusterQueue) Enqueue(ctx context.Context, r serve.TrainRun) error {
	p := r.Params
	return c.q.Enqueue(ctx, queue.Job{Tenant: r.Tenant, RunID: p.RunID, By: r.By, CodeVersion: r.CodeVersion, Data: p.Data,
		Seed: p.Seed, Promote: p.Promote, Horizon: p.Horizon, Levels: p.Levels, Queued: time.Now().UTC()})
}

func (c clusterQueue) Alive(ctx context.Context, tenant, runID string) (bool, error) {
	return c.q.Alive(ctx, tenant, runID)
}
