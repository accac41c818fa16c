package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Attempt is what a worker knows about the delivery of a job it runs.
type Attempt struct {
	// Worker is the worker's id.
	Worker string
	// Delivery is JetStream's delivery count of the message: 1 the first time, more after a
	// worker died with it or handed it back because its tenant was busy.
	Delivery uint64
}

// RunFunc runs one job. ctx ends when the worker stops or loses the tenant's lease (another
// worker has taken the run over): the function must then return soon and write nothing
// more. It returns nil when the job is done — whether the run succeeded or failed, which its
// record says — and an error when it should be tried again (the job is handed back).
type RunFunc func(ctx context.Context, j Job, a Attempt) error

// Worker takes jobs from the queue and runs them.
type Worker struct {
	Queue *Queue
	// ID names the worker in leases, logs and run records (host name and pid by default).
	ID string
	// Concurrency is how many jobs (of different tenants) the worker runs at once; zero
	// means one. Training takes every core, so one per machine is the usual setting.
	Concurrency int
	Run         RunFunc
	Logger      *slog.Logger
}

// consumerName is the one durable consumer every worker pulls from.
const consumerName = "workers"

// Serve takes jobs until ctx ends, then waits for the jobs it runs to stop (their contexts
// end with ctx; their messages are handed back so another worker takes them at once).
func (w *Worker) Serve(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := w.Queue
	cctx, cancel := q.ctx(ctx)
	cons, err := q.stream.CreateOrUpdateConsumer(cctx, jetstream.ConsumerConfig{
		Durable: consumerName, Description: "growthlens workers",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: q.ackWait,
		MaxDeliver: -1, MaxAckPending: 10000,
	})
	cancel()
	if err != nil {
		return fmt.Errorf("job consumer: %w", err)
	}
	slots := make(chan struct{}, max(w.Concurrency, 1))
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		msg, err := fetch(ctx, cons)
		if err != nil || msg == nil {
			<-slots
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				log.Warn("fetch a job", "err", err)
				sleep(ctx, time.Second) // NATS is failing over or unreachable: the client reconnects
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			w.handle(ctx, msg, log)
		}()
	}
}

// fetch waits up to a few seconds for one job; nil when none came.
func fetch(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(3*time.Second))
	if err != nil {
		return nil, err
	}
	for m := range batch.Messages() {
		return m, nil
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil {
		return nil, err
	}
	return nil, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// handle runs one message's job under its tenant's lease, heartbeating both.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg, log *slog.Logger) {
	q := w.Queue
	var j Job
	if err := json.Unmarshal(msg.Data(), &j); err != nil || j.Tenant == "" || j.RunID == "" {
		log.Error("unreadable job: dropped", "subject", msg.Subject(), "err", err)
		msg.Term()
		return
	}
	var delivery uint64 = 1
	if md, err := msg.Metadata(); err == nil {
		delivery = md.NumDelivered
	}
	log = log.With("tenant", j.Tenant, "run", j.RunID, "delivery", delivery)
	l := Lease{Worker: w.ID, RunID: j.RunID, Attempt: int(delivery), Expires: time.Now().Add(q.ackWait)}
	rev, err := q.acquire(ctx, j.Tenant, l)
	if errors.Is(err, errBusy) {
		// Another of the tenant's runs is going: hand this one back for later.
		log.Debug("tenant busy: job handed back")
		msg.NakWithDelay(q.ackWait / 3)
		return
	}
	if err != nil {
		log.Warn("take the tenant's lease", "err", err)
		msg.NakWithDelay(time.Second)
		return
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	lost := make(chan struct{})
	beats := sync.WaitGroup{}
	beats.Add(1)
	go func() {
		defer beats.Done()
		tick := time.NewTicker(max(q.ackWait/3, 50*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			if err := msg.InProgress(); err != nil {
				log.Warn("job heartbeat", "err", err)
			}
			l.Expires = time.Now().Add(q.ackWait)
			nrev, err := q.renew(runCtx, j.Tenant, l, rev)
			switch {
			case err == nil:
				rev = nrev
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound):
				// Someone took the lease over: this worker was presumed dead. Stop
				// before writing anything more; the other worker owns the run now.
				log.Error("lost the tenant's lease: stopping the run", "err", err)
				close(lost)
				stop()
				return
			default:
				// NATS unreachable for a moment: keep running while the lease lasts.
				log.Warn("renew the tenant's lease", "err", err)
				if time.Now().After(l.Expires.Add(-q.ackWait / 3)) {
					close(lost)
					stop()
					return
				}
			}
		}
	}()
	log.Info("job started")
	t0 := time.Now()
	err = w.Run(runCtx, j, Attempt{Worker: w.ID, Delivery: delivery})
	stop()
	beats.Wait()
	select {
	case <-lost:
		return // the message belongs to the other worker now; the lease too
	default:
	}
	switch {
	case ctx.Err() != nil:
		// The worker is stopping: another may take the job at once.
		log.Warn("job handed back: the worker is stopping")
		msg.Nak()
	case err != nil:
		// It could not finish its record (NATS failing over, say): try again in a moment,
		// here or elsewhere, not in a tight loop.
		log.Warn("job handed back", "err", err)
		msg.NakWithDelay(max(q.ackWait/3, time.Second))
	default:
		actx, cancel := q.ctx(context.Background())
		if aerr := msg.DoubleAck(actx); aerr != nil {
			log.Warn("acknowledge the job (it may run again; its run registers nothing twice)", "err", aerr)
		}
		cancel()
		log.Info("job done", "seconds", time.Since(t0).Seconds())
	}
	if err := q.release(j.Tenant, rev); err != nil {
		log.Warn("release the tenant's lease; it runs out by itself", "err", err)
	}
}
