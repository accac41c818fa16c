package registry

import (
	"cmp"
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamOptions configure OpenJetStream beside the Options every store takes.
type JetStreamOptions struct {
	// Prefix names the buckets (<Prefix>-versions, <Prefix>-aliases, …): two deployments may
	// share a NATS cluster under different prefixes. Empty means "growthlens".
	Prefix string
	// Replicas is how many NATS servers hold each bucket: 3 in a cluster, 1 on a single
	// server. Zero means 1. It applies when a bucket is created.
	Replicas int
	// Timeout bounds one request to NATS. Zero means 10 seconds.
	Timeout time.Duration
	// Memory keeps the buckets in server memory instead of files (tests only: nothing
	// survives a server restart).
	Memory bool
}

// DefaultJetStreamPrefix is the bucket prefix when JetStreamOptions.Prefix is empty.
const DefaultJetStreamPrefix = "growthlens"

// JetStream is the cluster Store: the same registry in NATS JetStream key-value buckets and
// an object store, so that several API replicas and training workers on different machines
// share it (see the package doc, "JetStream").
type JetStream struct {
	nc       *nats.Conn
	ownConn  bool
	js       jetstream.JetStream
	prefix   string
	timeout  time.Duration
	log      *slog.Logger
	now      func() time.Time
	aead     cipher.AEAD // nil for a plaintext store
	key      []byte
	touch    time.Duration
	versions jetstream.KeyValue // v.<t>.<m>.<ver> records, s.<t>.<m> counters, l.<t>.<m> locks
	aliases  jetstream.KeyValue // a.<t>.<m>.<alias> aliases, h.<t>.<m>.<alias>.<seq> history
	runs     jetstream.KeyValue // <t>.<id>
	alerts   jetstream.KeyValue // <t>.<id>
	keys     jetstream.KeyValue // <key id>.<sha256 of secret>
	audit    jetstream.KeyValue // <unix nanos>.<id>
	docs     jetstream.KeyValue // <kind>.<t>.<id>.<version>: goals and catalogues
	subs2    jetstream.KeyValue // <t>.<id>: alert subscriptions
	states   jetstream.KeyValue // <t>.<id>: alert states
	outbox   jetstream.KeyValue // d.<t>.<id> deliveries, c.<t>.<id> claims (jetstream_outbox.go)
	owner    string             // this process's name in delivery claims
	meta     jetstream.KeyValue // "store": the marker
	objects  jetstream.ObjectStore

	subs    *subscribers
	stop    context.CancelFunc
	watchWG sync.WaitGroup
}

var _ Store = (*JetStream)(nil)

// DialJetStream connects to the NATS servers at url (comma-separated, nats://host:port) and
// opens the store there; Close closes the connection.
func DialJetStream(url string, opt Options, jo JetStreamOptions) (*JetStream, error) {
	nc, err := nats.Connect(url,
		nats.Name("growthlens"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	s, err := OpenJetStream(nc, opt, jo)
	if err != nil {
		nc.Close()
		return nil, err
	}
	s.ownConn = true
	return s, nil
}

// OpenJetStream opens (or, unless opt.MustExist, creates) the store in the JetStream domain
// nc reaches. Options.EncryptionKey turns on encryption at the application layer: every
// value and artifact is sealed with AES-256-GCM before it is sent, and the key never
// leaves this process; bucket keys (tenant, model and alias names, run ids) stay readable to
// whoever administers NATS. Errors are those of Open: *KeyError when the key does not fit,
// ErrNoStore when MustExist is set and there is none. MinFreeBytes and MaxBytes do not apply
// (JetStream enforces its own limits).
func OpenJetStream(nc *nats.Conn, opt Options, jo JetStreamOptions) (*JetStream, error) {
	if err := checkKeyLen(opt.EncryptionKey); err != nil {
		return nil, err
	}
	prefix := jo.Prefix
	if prefix == "" {
		prefix = DefaultJetStreamPrefix
	}
	if err := validName("bucket prefix", prefix); err != nil || strings.Contains(prefix, ".") {
		return nil, invalidf("bucket prefix %q: use letters, digits, '_' and '-'", prefix)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	s := &JetStream{
		nc: nc, js: js, prefix: prefix, timeout: jo.Timeout,
		log: opt.Logger, now: opt.Now, touch: opt.KeyTouchInterval,
		key: append([]byte(nil), opt.EncryptionKey...),
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.touch <= 0 {
		s.touch = time.Minute
	}
	s.subs = newSubscribers(s.log, true)
	var owner [8]byte
	rand.Read(owner[:])
	s.owner = hex.EncodeToString(owner[:])
	if len(opt.EncryptionKey) > 0 {
		sub, err := hkdf.Key(sha256.New, opt.EncryptionKey, nil, "growthlens jetstream values v1", 32)
		if err != nil {
			return nil, err
		}
		if s.aead, err = newGCM(sub); err != nil {
			return nil, err
		}
	}
	if err := s.openBuckets(opt, jo); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if err := s.watchAliases(ctx); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// where names the store in errors.
func (s *JetStream) where() string { return "NATS store " + s.prefix }

func (s *JetStream) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// openBuckets checks the marker (creating the store when there is none and MustExist is
// not set) and opens every bucket.
func (s *JetStream) openBuckets(opt Options, jo JetStreamOptions) error {
	ctx, cancel := s.ctx()
	defer cancel()
	storage := jetstream.FileStorage
	if jo.Memory {
		storage = jetstream.MemoryStorage
	}
	replicas := max(jo.Replicas, 1)
	// A bucket that exists is opened as it is: a process started with another replica count
	// (a CLI command, which has no --cluster-replicas) must not change the store's.
	kv := func(name string) (jetstream.KeyValue, error) {
		b, err := s.js.KeyValue(ctx, s.prefix+"-"+name)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			b, err = s.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket: s.prefix + "-" + name, History: 1, Replicas: replicas, Storage: storage,
				Description: "growthlens registry: " + name,
			})
			if errors.Is(err, jetstream.ErrBucketExists) { // created meanwhile by another process
				b, err = s.js.KeyValue(ctx, s.prefix+"-"+name)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: bucket %s: %w", s.where(), name, err)
		}
		return b, nil
	}
	var m marker
	meta, err := s.js.KeyValue(ctx, s.prefix+"-meta")
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
	case err != nil:
		return fmt.Errorf("%s: %w", s.where(), err)
	default:
		e, err := meta.Get(ctx, "store")
		if err == nil {
			if err := json.Unmarshal(e.Value(), &m); err != nil || m.Format != formatName {
				return fmt.Errorf("%w: %s has no readable marker", ErrCorrupt, s.where())
			}
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("%s: %w", s.where(), err)
		}
	}
	if m.Format == "" {
		if opt.MustExist {
			return fmt.Errorf("%s: %w", s.where(), ErrNoStore)
		}
		m = marker{Format: formatName, Version: formatVer, Created: s.now().UTC(), Encrypted: len(s.key) > 0}
		if m.Encrypted {
			m.KeyCheck = keyCheck(s.key)
		}
	}
	if err := m.check("on NATS with bucket prefix "+s.prefix, s.key); err != nil {
		return err
	}
	if s.versions, err = kv("versions"); err != nil {
		return err
	}
	if s.aliases, err = kv("aliases"); err != nil {
		return err
	}
	if s.runs, err = kv("runs"); err != nil {
		return err
	}
	if s.alerts, err = kv("alerts"); err != nil {
		return err
	}
	if s.keys, err = kv("keys"); err != nil {
		return err
	}
	if s.audit, err = kv("audit"); err != nil {
		return err
	}
	if s.subs2, err = kv("subscriptions"); err != nil {
		return err
	}
	if s.states, err = kv("alertstates"); err != nil {
		return err
	}
	if s.outbox, err = kv("outbox"); err != nil {
		return err
	}
	if s.docs, err = kv("documents"); err != nil {
		return err
	}
	if s.meta, err = kv("meta"); err != nil {
		return err
	}
	s.objects, err = s.js.ObjectStore(ctx, s.prefix+"-artifacts")
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		s.objects, err = s.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: s.prefix + "-artifacts", Replicas: replicas, Storage: storage,
			Description: "growthlens registry: model artifacts",
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			s.objects, err = s.js.ObjectStore(ctx, s.prefix+"-artifacts")
		}
	}
	if err != nil {
		return fmt.Errorf("%s: object store: %w", s.where(), err)
	}
	b, _ := json.Marshal(m)
	if _, err := s.meta.Create(ctx, "store", b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("%s: write marker: %w", s.where(), err)
	}
	return nil
}

// Encrypted reports whether values are sealed before they are sent to NATS.
func (s *JetStream) Encrypted() bool { return s.aead != nil }

// CheckSpace returns nil: JetStream enforces the limits of its streams and answers a write
// it has no room for with an error.
func (s *JetStream) CheckSpace() error { return nil }

// Close ends the subscriptions and the alias watch, and closes the NATS connection when the
// store opened it (DialJetStream). It is safe to call twice.
func (s *JetStream) Close() error {
	if !s.subs.close() {
		return nil
	}
	s.stop()
	s.watchWG.Wait()
	if s.ownConn {
		s.nc.Close()
	}
	return nil
}

// tok encodes a name as one token of a bucket key: names may hold '.', NATS's token
// separator, and never '=', which the key alphabet allows.
func tok(name string) string { return strings.ReplaceAll(name, ".", "=") }

func untok(t string) string { return strings.ReplaceAll(t, "=", ".") }

// seal encrypts v for the bucket key it is stored under (the key is the additional data, so
// a value moved to another key does not open); a plaintext store returns v.
func (s *JetStream) seal(where string, v []byte) ([]byte, error) {
	if s.aead == nil {
		return v, nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(v)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, v, []byte(where)), nil
}

func (s *JetStream) open(where string, v []byte) ([]byte, error) {
	if s.aead == nil {
		return v, nil
	}
	n := s.aead.NonceSize()
	if len(v) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %s: sealed value of %d bytes", ErrCorrupt, where, len(v))
	}
	b, err := s.aead.Open(nil, v[:n], v[n:], []byte(where))
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not open with the store key", ErrCorrupt, where)
	}
	return b, nil
}

// getJSON reads key of bucket b into v: a missing key is ErrNotFound, a value that does not
// open or decode ErrCorrupt. It returns the entry's revision for a compare-and-set.
func (s *JetStream) getJSON(ctx context.Context, b jetstream.KeyValue, key string, v any) (uint64, error) {
	e, err := s.get(ctx, b, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return e.Revision(), s.decode(b.Bucket(), key, e.Value(), v)
}

func (s *JetStream) decode(bucket, key string, raw []byte, v any) error {
	where := bucket + "/" + key
	b, err := s.open(where, raw)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: record %s: %v", ErrCorrupt, where, err)
	}
	return nil
}

func (s *JetStream) encode(b jetstream.KeyValue, key string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.seal(b.Bucket()+"/"+key, raw)
}

// putJSON writes v under key: rev 0 creates it (ErrKeyExists if it is there), another rev
// replaces exactly that revision (jetstream.ErrKeyExists names a lost race too).
func (s *JetStream) putJSON(ctx context.Context, b jetstream.KeyValue, key string, v any, rev uint64) (uint64, error) {
	val, err := s.encode(b, key, v)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		return b.Create(ctx, key, val)
	}
	return b.Update(ctx, key, val, rev)
}

// A read is tried again, in attempts within the caller's deadline, when its answer does not
// come: a request that went through a NATS server as it died (or to a stream's consumer on
// it) is never answered, and would otherwise hold the caller for the whole store timeout
// while every other server could answer it at once. Reads are idempotent, so trying again
// is safe; writes are not tried again here (a write whose answer was lost may have been
// made: the caller decides, as Audit does with its own key).

// readAttempt is how long one attempt of a read may go without an answer (a key) or without
// progress (a listing) before it is abandoned and tried again: a quarter of the store
// timeout, so that a read has at least three attempts. A KV read takes about a millisecond
// on a healthy cluster.
func (s *JetStream) readAttempt() time.Duration { return max(s.timeout/4, 100*time.Millisecond) }

// errStalled is a listing that received nothing for readAttempt.
var errStalled = errors.New("no answer from the NATS servers")

// retryRead runs read until it succeeds, fails for a reason other than an unanswered or
// unavailable request, or ctx ends. Each attempt gets a context that ends after
// readAttempt, or when ctx does.
func (s *JetStream) retryRead(ctx context.Context, what string, read func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.readAttempt())
		err := read(actx)
		timedOut := actx.Err() != nil
		cancel()
		if err == nil || ctx.Err() != nil || !(timedOut || errors.Is(err, errStalled) || Unavailable(err)) {
			return err
		}
		s.log.Debug("read not answered; trying again", "read", what, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// get reads one key of bucket b (jetstream.ErrKeyNotFound when it is missing), trying again
// when the read is not answered.
func (s *JetStream) get(ctx context.Context, b jetstream.KeyValue, key string) (jetstream.KeyValueEntry, error) {
	var e jetstream.KeyValueEntry
	err := s.retryRead(ctx, b.Bucket()+"/"+key, func(ctx context.Context) error {
		var err error
		e, err = b.Get(ctx, key)
		return err
	})
	return e, err
}

// entries returns the current (not deleted) entries of bucket b whose keys match filter, in
// the order JetStream holds them, read from the stream's leader: entriesFrom(…, fromLeader).
func (s *JetStream) entries(ctx context.Context, b jetstream.KeyValue, filter string) ([]jetstream.KeyValueEntry, error) {
	return s.entriesFrom(ctx, b, filter, fromLeader)
}

// Where entriesFrom reads a listing from.
//
// anyServer: any server holding the bucket answers (listDirect), and may be a few
// milliseconds behind the stream's leader, as a Get may: only for reads that decide nothing
// the store writes next (a tenant's adjustments on every forecast request).
//
// fromLeader: through a watch, whose consumer the stream's leader serves: for a listing that
// feeds a write (the next version number, a compare-and-set revision, the version a retried
// run registered).
const (
	anyServer  = true
	fromLeader = false
)

// entriesFrom is entries read from where (anyServer falls back to a watch when listDirect
// cannot answer). A listing through a watch (an ordered consumer, which lives on one NATS
// server) that receives nothing for readAttempt is abandoned and started again, so a
// listing whose consumer died with its server does not wait for the whole timeout, while
// a long listing that keeps receiving is never cut short.
func (s *JetStream) entriesFrom(ctx context.Context, b jetstream.KeyValue, filter string, where bool) ([]jetstream.KeyValueEntry, error) {
	var out []jetstream.KeyValueEntry
	err := s.retryRead(ctx, "list "+b.Bucket()+" "+filter, func(context.Context) error {
		if where == anyServer {
			var ok bool
			var err error
			if out, ok, err = s.listDirect(ctx, b, filter); err != nil || ok {
				return err
			}
		}
		var err error
		out, err = s.list(ctx, b, filter)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s %s: %w", b.Bucket(), filter, err)
	}
	return out, nil
}

// listDirect is one attempt of entriesFrom(…, anyServer): a direct get of the last value of every matching
// key ("multi_last"): any server holding the bucket answers it, as it answers a Get, with
// no consumer to create (a consumer's creation goes through the cluster's meta leader, so a
// listing through a watch costs every replica a replicated round trip, and dies with the
// server its consumer lives on). It returns ok false, and no error, when the servers cannot
// answer a listing this way (more than 1,024 keys or more bytes than one answer holds, a
// bucket without direct gets): the caller then lists through a watch. Like a Get, it may be
// answered by a server a few milliseconds behind the stream's leader.
func (s *JetStream) listDirect(ctx context.Context, b jetstream.KeyValue, filter string) ([]jetstream.KeyValueEntry, bool, error) {
	bucket := b.Bucket()
	prefix := "$KV." + bucket + "."
	req, err := json.Marshal(struct {
		MultiLast []string `json:"multi_last"`
	}{[]string{prefix + filter}})
	if err != nil {
		return nil, false, err
	}
	sub, err := s.nc.SubscribeSync(s.nc.NewInbox())
	if err != nil {
		return nil, false, err
	}
	defer sub.Unsubscribe()
	if err := s.nc.PublishRequest("$JS.API.DIRECT.GET.KV_"+bucket, sub.Subject, req); err != nil {
		return nil, false, err
	}
	var out []jetstream.KeyValueEntry
	for {
		mctx, cancel := context.WithTimeout(ctx, s.readAttempt())
		m, err := sub.NextMsgWithContext(mctx)
		stalled := mctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case stalled:
			return nil, false, errStalled
		case err != nil:
			return nil, false, err
		}
		switch m.Header.Get("Status") {
		case "":
		case "204": // the end of the answer; keys left out when it ran out of room
			if np := m.Header.Get("Nats-Num-Pending"); np != "" && np != "0" {
				return nil, false, nil
			}
			slices.SortFunc(out, func(a, b jetstream.KeyValueEntry) int { return cmp.Compare(a.Revision(), b.Revision()) })
			return out, true, nil
		case "404": // no key matches
			return []jetstream.KeyValueEntry{}, true, nil
		default: // 413 too many keys, 503 no direct get on this bucket, …
			return nil, false, nil
		}
		if op := m.Header.Get("KV-Operation"); op != "" { // a deleted or purged key
			continue
		}
		subj := m.Header.Get("Nats-Subject")
		seq, err := strconv.ParseUint(m.Header.Get("Nats-Sequence"), 10, 64)
		if !strings.HasPrefix(subj, prefix) || err != nil {
			return nil, false, fmt.Errorf("direct get of %s: an answer without subject or sequence", bucket)
		}
		created, _ := time.Parse(time.RFC3339Nano, m.Header.Get("Nats-Time-Stamp"))
		out = append(out, kvEntry{bucket: bucket, key: subj[len(prefix):], value: m.Data, rev: seq, created: created})
	}
}

// kvEntry is one key's value read by listDirect.
type kvEntry struct {
	bucket, key string
	value       []byte
	rev         uint64
	created     time.Time
}

func (e kvEntry) Bucket() string                  { return e.bucket }
func (e kvEntry) Key() string                     { return e.key }
func (e kvEntry) Value() []byte                   { return e.value }
func (e kvEntry) Revision() uint64                { return e.rev }
func (e kvEntry) Created() time.Time              { return e.created }
func (e kvEntry) Delta() uint64                   { return 0 }
func (e kvEntry) Operation() jetstream.KeyValueOp { return jetstream.KeyValuePut }

// list is one attempt of entries through a watch. The watch lives as long as ctx (its
// subscription ends with the context it was made with, so it must not be made within one
// attempt's context: a listing longer than readAttempt would end half read, every time it
// was tried again). Its creation, and every wait for the next entry, may take readAttempt:
// then the attempt is abandoned as stalled.
func (s *JetStream) list(ctx context.Context, b jetstream.KeyValue, filter string) ([]jetstream.KeyValueEntry, error) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	stall := time.AfterFunc(s.readAttempt(), stop)
	defer stall.Stop()
	stalled := func(err error) error {
		if ctx.Err() == nil && wctx.Err() != nil {
			return errStalled
		}
		return err
	}
	w, err := b.Watch(wctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, stalled(err)
	}
	defer w.Stop()
	var out []jetstream.KeyValueEntry
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, stalled(errors.New("watch ended"))
			}
			if e == nil {
				return out, nil
			}
			out = append(out, e)
			stall.Reset(s.readAttempt())
		case <-wctx.Done():
			return nil, stalled(ctx.Err())
		}
	}
}

// lockLease is how long a model lock holds when its holder stops without releasing it (a
// killed process): the next writer of that model waits at most this long.
const lockLease = 15 * time.Second

type lease struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

// withModel runs fn while holding the model's lock, so that the changes of one model are
// serialized across every process that shares the store, as Badger's transactions
// serialize them within one: a Put and a Put never share a number, a promotion and a delete
// of the same version never both succeed. The lock is a key created with compare-and-set; a
// holder that died is replaced when its lease has run out (wall-clock time, so machines'
// clocks must agree to within a fraction of lockLease).
func (s *JetStream) withModel(tenant, name string, fn func(ctx context.Context) error) error {
	ctx, cancel := s.ctx()
	defer cancel()
	key := "l." + tok(tenant) + "." + tok(name)
	var id [8]byte
	rand.Read(id[:])
	l := lease{Owner: hex.EncodeToString(id[:])}
	var rev uint64
	wait := time.Millisecond
	for {
		l.Expires = time.Now().Add(lockLease)
		b, _ := json.Marshal(l)
		var err error
		rev, err = s.versions.Create(ctx, key, b)
		if err == nil {
			break
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("lock model %s/%s: %w", tenant, name, err)
		}
		e, err := s.get(ctx, s.versions, key)
		if err == nil {
			var held lease
			if json.Unmarshal(e.Value(), &held) != nil || time.Now().After(held.Expires) {
				if rev, err = s.versions.Update(ctx, key, b, e.Revision()); err == nil {
					s.log.Warn("took over an expired model lock", "tenant", tenant, "model", name, "holder", held.Owner)
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock model %s/%s: another writer holds it: %w", tenant, name, ctx.Err())
		case <-time.After(wait + time.Duration(randUint(uint64(wait)))):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
	defer func() {
		rctx, rcancel := s.ctx()
		defer rcancel()
		if err := s.versions.Delete(rctx, key, jetstream.LastRevision(rev)); err != nil {
			s.log.Warn("model lock not released; it expires by itself", "tenant", tenant, "model", name, "err", err)
		}
	}()
	return fn(ctx)
}

func randUint(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	var b [8]byte
	rand.Read(b[:])
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v % n
}

// Subscribe returns a channel that receives every alias move committed by any process that
// shares the store — the JetStream store watches the alias bucket — and a function that
// ends the subscription. Moves made through this Store are sent when they commit, the others
// when the watch delivers them (within milliseconds); each move is sent once. Sends never
// block: see (*Badger).Subscribe for the rules about a full buffer.
func (s *JetStream) Subscribe(buffer int) (<-chan AliasEvent, func()) {
	return s.subs.subscribe(buffer)
}

// Generation counts the alias moves this Store has seen since it was opened: its own and,
// through the watch, those of every other process.
func (s *JetStream) Generation() uint64 { return s.subs.gen.Load() }

func (s *JetStream) notify(ev AliasEvent) { s.subs.notify(ev) }

// watchAliases follows the alias bucket from now on and notifies subscribers of every move.
// The client library re-creates the watch's consumer after a server or connection failure.
func (s *JetStream) watchAliases(ctx context.Context) error {
	w, err := s.aliases.Watch(ctx, "a.>", jetstream.UpdatesOnly(), jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("%s: watch aliases: %w", s.where(), err)
	}
	s.watchWG.Add(1)
	go func() {
		defer s.watchWG.Done()
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					continue
				}
				var rec aliasRecord
				if err := s.decode(e.Bucket(), e.Key(), e.Value(), &rec); err != nil {
					s.log.Warn("alias watch: unreadable alias", "key", e.Key(), "err", err)
					continue
				}
				s.notify(rec.Event)
			}
		}
	}()
	return nil
}

// aliasRecord is an alias as the JetStream store keeps it: with the event that set it, so a
// watcher learns the whole move from one entry.
type aliasRecord struct {
	Alias
	Event AliasEvent `json:"event"`
}

func versionKeyJS(tenant, name string, v int) string {
	return "v." + tok(tenant) + "." + tok(name) + "." + pad(int64(v), versionDigits)
}

func seqKeyJS(tenant, name string) string { return "s." + tok(tenant) + "." + tok(name) }

func aliasKeyJS(tenant, name, alias string) string {
	return "a." + tok(tenant) + "." + tok(name) + "." + tok(alias)
}

func historyKeyJS(tenant, name, alias string, seq int64) string {
	return "h." + tok(tenant) + "." + tok(name) + "." + tok(alias) + "." + pad(seq, seqDigits)
}

func objectName(tenant, name string, v int) string {
	return tenant + "/" + name + "/" + pad(int64(v), versionDigits)
}

// tokens splits a bucket key into its n tokens, decoded; ok is false for another shape.
func tokens(key string, n int) ([]string, bool) {
	parts := strings.Split(key, ".")
	if len(parts) != n {
		return nil, false
	}
	for i := range parts {
		parts[i] = untok(parts[i])
	}
	return parts, true
}

func parseSeq(b []byte) (int, error) {
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: version counter %q", ErrCorrupt, b)
	}
	return n, nil
}

// readAll reads an object's bytes; a missing object is ErrNotFound.
func (s *JetStream) readObject(ctx context.Context, name string) ([]byte, error) {
	r, err := s.objects.Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, jetstream.ErrDigestMismatch) {
			return nil, fmt.Errorf("%w: object %s fails its digest: %v", ErrCorrupt, name, err)
		}
		return nil, err
	}
	return b, nil
}

// Unavailable reports whether err says the NATS servers did not answer (a server failing
// over, a stream electing a leader, the connection reconnecting) rather than anything about
// the request: trying again in a moment may succeed. The HTTP API answers such errors 503.
func Unavailable(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionReconnecting) ||
		errors.Is(err, nats.ErrDisconnected) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrNoHeartbeat)
}
