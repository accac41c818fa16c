// Package queue carries training runs from API replicas to training workers over a NATS
// JetStream work-queue stream, for growthlens's cluster mode (docs/cluster.md).
//
// A replica that accepts POST /v1/training-runs stores the run record ("queued") and
// Enqueues a Job. Workers (growthlens worker) Fetch jobs, one at a time per free slot. Before
// a worker starts a job it takes its tenant's lease, a key in the "<prefix>-jobleases" bucket
// taken with compare-and-set, so that one tenant's runs never run at the same time while
// different tenants' runs do; a job whose tenant is busy is handed back (Nak with a delay).
// While the job runs the worker renews the lease and tells JetStream the message is still
// in progress every AckWait/3. On completion it acknowledges the message, which removes it
// from the stream. A worker that dies stops both: JetStream delivers the job again after
// AckWait, and the lease runs out after AckWait, so another worker takes the run over; the
// delivery count tells it which attempt it is.
//
// The package moves jobs; it does not train, and it does not know what a run record is:
// package train records attempts and makes a repeated attempt register each model once.
// It must not be imported by package serve (which takes an interface the cmd wiring fills).
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configure Open. The zero value is the default of every field.
type Options struct {
	// Prefix names the stream "<Prefix>-jobs" (subjects "<Prefix>.jobs.<tenant>.<run>") and
	// the lease bucket "<Prefix>-jobleases"; the store's bucket prefix. Empty: "growthlens".
	Prefix string
	// Replicas is how many NATS servers hold the stream and the bucket (3 in a cluster).
	Replicas int
	// AckWait is how long a running job may go without a heartbeat before JetStream gives it
	// to another worker, and how long a tenant's lease lasts without renewal. Every process
	// of a deployment must use the same value. Zero means 30 seconds.
	AckWait time.Duration
	// Timeout bounds one request to NATS. Zero means 10 seconds.
	Timeout time.Duration
	// Memory keeps the stream and bucket in server memory (tests only).
	Memory bool
}

// DefaultAckWait is Options.AckWait when it is zero.
const DefaultAckWait = 30 * time.Second

// Job is one queued training run: what the replica that accepted it knew. The message holds
// no data and no secret: the run's parameters and the dataset directory it names, which the
// replicas and workers share (docs/cluster.md).
type Job struct {
	Tenant      string    `json:"tenant"`
	RunID       string    `json:"run_id"`
	By          string    `json:"by"`
	CodeVersion string    `json:"code_version,omitempty"`
	Data        string    `json:"data"`
	Seed        uint64    `json:"seed"`
	Promote     string    `json:"promote"`
	Horizon     int       `json:"horizon"`
	Levels      []float64 `json:"levels"`
	Queued      time.Time `json:"queued"`
}

// Queue is the job stream and the tenants' leases on one NATS connection. It is safe for
// concurrent use.
type Queue struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	leases  jetstream.KeyValue
	prefix  string
	ackWait time.Duration
	timeout time.Duration
}

// Open creates (or updates) the stream and the lease bucket and returns the queue.
func Open(nc *nats.Conn, o Options) (*Queue, error) {
	if o.Prefix == "" {
		o.Prefix = "growthlens"
	}
	if strings.ContainsAny(o.Prefix, ".*> ") {
		return nil, fmt.Errorf("queue prefix %q: use letters, digits, '_' and '-'", o.Prefix)
	}
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	q := &Queue{js: js, prefix: o.Prefix, ackWait: o.AckWait, timeout: o.Timeout}
	// What exists is opened as it is: a process started with another replica count must
	// not change the deployment's.
	q.stream, err = js.Stream(ctx, o.Prefix+"-jobs")
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		q.stream, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: o.Prefix + "-jobs", Description: "growthlens training jobs",
			Subjects: []string{o.Prefix + ".jobs.>"}, Retention: jetstream.WorkQueuePolicy,
			Storage: storage, Replicas: max(o.Replicas, 1), Duplicates: 10 * time.Minute,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			q.stream, err = js.Stream(ctx, o.Prefix+"-jobs")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("job stream: %w", err)
	}
	q.leases, err = js.KeyValue(ctx, o.Prefix+"-jobleases")
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		q.leases, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: o.Prefix + "-jobleases", Description: "growthlens: the worker running each tenant's job",
			History: 1, Storage: storage, Replicas: max(o.Replicas, 1),
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			q.leases, err = js.KeyValue(ctx, o.Prefix+"-jobleases")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("job lease bucket: %w", err)
	}
	return q, nil
}

// AckWait is the heartbeat deadline of a running job.
func (q *Queue) AckWait() time.Duration { return q.ackWait }

// tok encodes a name as one subject or key token (names may hold '.', never '=').
func tok(name string) string { return strings.ReplaceAll(name, ".", "=") }

func (q *Queue) subject(tenant, run string) string {
	return q.prefix + ".jobs." + tok(tenant) + "." + tok(run)
}

func (q *Queue) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, q.timeout)
}

// Enqueue puts j on the stream. It returns once JetStream has stored it (on a majority of
// the stream's servers). Enqueuing the same run twice within ten minutes stores it once.
func (q *Queue) Enqueue(ctx context.Context, j Job) error {
	if j.Tenant == "" || j.RunID == "" {
		return errors.New("enqueue: a job needs a tenant and a run id")
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	if _, err := q.js.Publish(ctx, q.subject(j.Tenant, j.RunID), b, jetstream.WithMsgID(j.Tenant+"/"+j.RunID)); err != nil {
		return fmt.Errorf("enqueue run %s: %w", j.RunID, err)
	}
	return nil
}

// Lease is a tenant's lease as stored: the worker running one of its jobs.
type Lease struct {
	Worker  string    `json:"worker"`
	RunID   string    `json:"run_id"`
	Attempt int       `json:"attempt"` // the job's delivery count
	Expires time.Time `json:"expires"`
}

// Alive reports whether a run is still in the queue's hands: its job waits in the stream
// (not yet acknowledged, whether or not a worker has it), or a worker holds a lease for it
// that has not run out. A run record "queued" or "running" for which Alive is false belongs
// to a process that stopped before it finished the record.
func (q *Queue) Alive(ctx context.Context, tenant, run string) (bool, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	_, err := q.stream.GetLastMsgForSubject(ctx, q.subject(tenant, run))
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, jetstream.ErrMsgNotFound):
		return false, fmt.Errorf("job of run %s: %w", run, err)
	}
	l, _, err := q.lease(ctx, tenant)
	if err != nil {
		return false, err
	}
	return l != nil && l.RunID == run && time.Now().Before(l.Expires), nil
}

// Pending is the number of jobs in the stream: waiting, and held by workers.
func (q *Queue) Pending(ctx context.Context) (uint64, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// lease reads a tenant's lease (nil when there is none) and its revision.
func (q *Queue) lease(ctx context.Context, tenant string) (*Lease, uint64, error) {
	e, err := q.leases.Get(ctx, tok(tenant))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("lease of tenant %s: %w", tenant, err)
	}
	var l Lease
	if err := json.Unmarshal(e.Value(), &l); err != nil {
		return &Lease{}, e.Revision(), nil // unreadable: treat as expired
	}
	return &l, e.Revision(), nil
}

// errBusy says another worker holds the tenant's lease.
var errBusy = errors.New("tenant busy")

// acquire takes the tenant's lease for l, or takes over one that ran out. It returns
// errBusy when a live lease is held by someone else.
func (q *Queue) acquire(ctx context.Context, tenant string, l Lease) (uint64, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	b, _ := json.Marshal(l)
	rev, err := q.leases.Create(ctx, tok(tenant), b)
	if err == nil {
		return rev, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("lease of tenant %s: %w", tenant, err)
	}
	held, hrev, err := q.lease(ctx, tenant)
	if err != nil {
		return 0, err
	}
	if held != nil && time.Now().Before(held.Expires) {
		return 0, errBusy
	}
	if held == nil { // deleted between Create and Get
		rev, err = q.leases.Create(ctx, tok(tenant), b)
	} else {
		rev, err = q.leases.Update(ctx, tok(tenant), b, hrev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errBusy
	}
	if err != nil {
		return 0, fmt.Errorf("lease of tenant %s: %w", tenant, err)
	}
	return rev, nil
}

// renew extends a lease held at rev; it fails when another worker took it over.
func (q *Queue) renew(ctx context.Context, tenant string, l Lease, rev uint64) (uint64, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	b, _ := json.Marshal(l)
	return q.leases.Update(ctx, tok(tenant), b, rev)
}

// release gives a lease back (when it is still the one at rev).
func (q *Queue) release(tenant string, rev uint64) error {
	ctx, cancel := q.ctx(context.Background())
	defer cancel()
	return q.leases.Delete(ctx, tok(tenant), jetstream.LastRevision(rev))
}
