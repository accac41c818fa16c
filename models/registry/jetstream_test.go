package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamReplicasSeeEachOthersMoves is what a second API replica relies on: a
// promotion through one store reaches the Subscribe channel of another store on the same
// buckets (another connection, as another process would have) within a second.
func TestJetStreamReplicasSeeEachOthersMoves(t *testing.T) {
	a := openJetStream(t, Options{})
	b, err := OpenJetStream(natsConn(t), Options{}, JetStreamOptions{Prefix: a.prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	events, stop := b.Subscribe(8)
	defer stop()
	g0 := b.Generation()
	mustPut(t, a, "acme", "forecast", []byte("one"))
	v2 := mustPut(t, a, "acme", "forecast", []byte("two"))
	if _, err := a.Promote("acme", "forecast", 1, Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Promote("acme", "forecast", v2, Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	// The other store hears the moves in order and the last one within a second. A move
	// superseded before it was delivered may be skipped: the bucket keeps one value per key,
	// so a watcher learns where an alias is, not every place it has been on the way.
	start := time.Now()
	var last AliasEvent
	for last.To != v2 {
		select {
		case ev := <-events:
			if ev.Tenant != "acme" || ev.Model != "forecast" || ev.Alias != Champion || (ev.To != 1 && ev.To != v2) || ev.Seq <= last.Seq {
				t.Errorf("event = %+v after %+v, want the move to v1 or v%d, in order", ev, last, v2)
			}
			last = ev
			t.Logf("move to v%d seen %v after the first promotion", ev.To, time.Since(start))
		case <-time.After(time.Second):
			t.Fatalf("the other store saw no move to v%d within 1 s (last seen %+v)", v2, last)
		}
	}
	if g := b.Generation() - g0; g < 1 || g > 2 {
		t.Errorf("the other store's generation moved by %d, want 1 or 2", g)
	}
	got, v, err := b.LoadAlias("acme", "forecast", Champion)
	if err != nil || v.Version != v2 || string(got) != "two" {
		t.Errorf("the other store loads v%d %q, %v; want v%d", v.Version, got, err, v2)
	}
	// Writers on both stores share one numbering: the model lock serializes them.
	if n := mustPut(t, b, "acme", "forecast", []byte("three")); n != v2+1 {
		t.Errorf("Put through the other store got v%d, want v%d", n, v2+1)
	}
}

// TestJetStreamEncryption: with a key, neither artifacts nor records reach the NATS server
// in plaintext, and a missing or wrong key is a *KeyError, as for Badger.
func TestJetStreamEncryption(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s := openJetStream(t, Options{EncryptionKey: key})
	if !s.Encrypted() {
		t.Error("Encrypted() = false with a key")
	}
	marker := []byte("plaintext-marker-8f3a1c")
	mustPut(t, s, "acme", "forecast", append([]byte(nil), marker...))
	if _, err := s.PutRun("acme", "run-1", []byte(fmt.Sprintf(`{"note":%q}`, marker))); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.Artifact("acme", "forecast", 1); err != nil || !bytes.Equal(got, marker) {
		t.Fatalf("Artifact = %q, %v", got, err)
	}
	if found := grepDir(t, sharedNATS.dir, marker); len(found) > 0 {
		t.Errorf("plaintext reached the NATS server's files: %v", found)
	}
	for _, tt := range []struct {
		name string
		key  []byte
		want KeyProblem
	}{{"no key", nil, KeyMissing}, {"wrong key", bytes.Repeat([]byte{8}, 32), KeyWrong}} {
		_, err := OpenJetStream(natsConn(t), Options{EncryptionKey: tt.key}, JetStreamOptions{Prefix: s.prefix})
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Problem != tt.want {
			t.Errorf("%s: err = %v, want a KeyError %d", tt.name, err, tt.want)
		}
	}
	plain := openJetStream(t, Options{})
	_, err := OpenJetStream(natsConn(t), Options{EncryptionKey: key}, JetStreamOptions{Prefix: plain.prefix})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Problem != KeyUnexpected {
		t.Errorf("key for a plaintext store: err = %v, want KeyUnexpected", err)
	}
	if _, err := OpenJetStream(natsConn(t), Options{MustExist: true}, JetStreamOptions{Prefix: "nothing-here"}); !errors.Is(err, ErrNoStore) {
		t.Errorf("MustExist on no store: err = %v, want ErrNoStore", err)
	}
}

// TestMigrateBothWays copies a store Badger → JetStream → Badger through the backup stream
// (what `growthlens migrate` does), encrypted all the way, and checks each copy holds
// everything: versions and their numbering, aliases with history, runs, audit, API keys.
func TestMigrateBothWays(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	src := openStore(t, Options{EncryptionKey: key})
	big, secret := fillStore(t, src)

	pipe := func(from Store, to func(io.Reader) error) {
		t.Helper()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			_, err := from.Backup(pw, BackupOptions{})
			pw.CloseWithError(err)
			done <- err
		}()
		if err := to(pr); err != nil {
			pr.CloseWithError(err)
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	prefix := fmt.Sprintf("t%d", sharedNATS.n.Add(1))
	nc := natsConn(t)
	jo := JetStreamOptions{Prefix: prefix}
	t.Cleanup(func() { dropBuckets(t, nc, prefix) })
	pipe(src, func(r io.Reader) error {
		_, err := RestoreJetStream(nc, r, RestoreOptions{StoreKey: key}, jo)
		return err
	})
	js, err := OpenJetStream(nc, Options{EncryptionKey: key, MustExist: true}, jo)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Close()
	if rep, err := js.Check(); err != nil || len(rep.Problems) > 0 || rep.Versions != 5 {
		t.Fatalf("Check of the NATS copy: %+v, %v", rep, err)
	}
	// A second restore into the same prefix is refused, not merged.
	pipe(src, func(r io.Reader) error {
		_, err := RestoreJetStream(nc, r, RestoreOptions{StoreKey: key}, jo)
		if !errors.Is(err, ErrNotEmpty) {
			t.Errorf("restore into a store: err = %v, want ErrNotEmpty", err)
		}
		io.Copy(io.Discard, r)
		return nil
	})

	dir := filepath.Join(t.TempDir(), "back")
	pipe(js, func(r io.Reader) error {
		_, err := Restore(dir, r, RestoreOptions{StoreKey: key})
		return err
	})
	back := openAt(t, dir, Options{EncryptionKey: key})
	checkRestored(t, back, big, secret)
	checkRestored(t, js, big, secret)
}

// TestJetStreamKeepsItsReplicas: a process that opens an existing store with another
// replica count (a CLI command has none to give) must leave the buckets as they are. On
// one server a bucket of 3 replicas cannot exist, so an open that tried to change them
// would fail.
func TestJetStreamKeepsItsReplicas(t *testing.T) {
	first := openJetStream(t, Options{})
	nc := natsConn(t)
	again, err := OpenJetStream(nc, Options{MustExist: true}, JetStreamOptions{Prefix: first.prefix, Replicas: 3})
	if err != nil {
		t.Fatalf("reopen with 3 replicas asked: %v", err)
	}
	defer again.Close()
	st, err := again.versions.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Replicas; r != 1 {
		t.Errorf("versions bucket has %d replicas after the reopen, want its 1", r)
	}
}

// TestJetStreamRetriesUnansweredReads: a read whose request is never answered (it went
// through a NATS server as it died) is tried again after readAttempt instead of holding the
// caller for the whole timeout, while a read that fails for its own reason is not tried
// again, and a read that is never answered fails when the timeout ends.
func TestJetStreamRetriesUnansweredReads(t *testing.T) {
	s := &JetStream{timeout: 2 * time.Second, log: slog.New(slog.DiscardHandler)}
	for _, tt := range []struct {
		name      string
		fail      func(ctx context.Context, attempt int) error
		wantErr   error
		wantTries int
	}{
		{"first attempt unanswered", func(ctx context.Context, n int) error {
			if n == 1 {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}, nil, 2},
		{"no responders, then an answer", func(ctx context.Context, n int) error {
			if n < 3 {
				return nats.ErrNoResponders
			}
			return nil
		}, nil, 3},
		{"listing stalled", func(ctx context.Context, n int) error {
			if n == 1 {
				return errStalled
			}
			return nil
		}, nil, 2},
		{"not found is an answer", func(ctx context.Context, n int) error {
			return jetstream.ErrKeyNotFound
		}, jetstream.ErrKeyNotFound, 1},
		{"never answered", func(ctx context.Context, n int) error {
			<-ctx.Done()
			return ctx.Err()
		}, context.DeadlineExceeded, -2}, // at least two attempts
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := s.ctx()
			defer cancel()
			end, _ := ctx.Deadline()
			tries := 0
			err := s.retryRead(ctx, "test", func(actx context.Context) error {
				tries++
				// Each attempt ends well before the caller's deadline, so that an
				// unanswered one leaves time for another.
				if d, ok := actx.Deadline(); !ok || (tries == 1 && !d.Before(end.Add(-s.timeout/2))) {
					t.Errorf("attempt %d has deadline %v (%v), want one a quarter of the timeout away", tries, d, ok)
				}
				return tt.fail(actx, tries)
			})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantTries > 0 && tries != tt.wantTries || tt.wantTries < 0 && tries < -tt.wantTries {
				t.Errorf("%d attempts, want %d", tries, tt.wantTries)
			}
		})
	}
}

// TestJetStreamListings: a listing any server may answer is a direct get of the keys' last
// values when they fit in one answer, and goes through a watch when they do not (more than
// 1,024 keys); both leave deleted keys out and agree with the leader's listing.
func TestJetStreamListings(t *testing.T) {
	s := openJetStream(t, Options{})
	put := func(tenant string, n int) {
		t.Helper()
		for i := range n {
			if _, err := s.PutAlert(tenant, fmt.Sprintf("a%04d", i), json.RawMessage(`{"n":1}`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteAlert(tenant, "a0001"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		tenant string
		n      int
		direct bool
	}{{"small", 3, true}, {"big", 1030, false}} {
		put(tt.tenant, tt.n)
		ctx, cancel := s.ctx()
		_, ok, err := s.listDirect(ctx, s.alerts, tt.tenant+".*")
		if err != nil || ok != tt.direct {
			t.Errorf("%s: listDirect answered %v, %v; want %v", tt.tenant, ok, err, tt.direct)
		}
		es, err := s.entriesFrom(ctx, s.alerts, tt.tenant+".*", anyServer)
		cancel()
		if err != nil || len(es) != tt.n-1 {
			t.Errorf("%s: entriesFrom(anyServer) listed %d, %v; want %d", tt.tenant, len(es), err, tt.n-1)
		}
		got, err := s.Alerts(tt.tenant, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.n-1 {
			t.Errorf("%s: %d alerts listed, want %d", tt.tenant, len(got), tt.n-1)
		}
		for _, r := range got {
			if r.ID == "a0001" {
				t.Errorf("%s: the deleted alert is listed", tt.tenant)
			}
		}
	}
}

// TestJetStreamAuditRidesOutALeaderlessBucket: while the audit bucket has no stream to
// answer for it (as while a failed-over stream elects its leader, when a write fails at
// once), Audit keeps trying, spread over time, and the entry is written once the bucket is
// back; it does not spend its attempts in the first milliseconds and give up.
func TestJetStreamAuditRidesOutALeaderlessBucket(t *testing.T) {
	s := openJetStream(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := s.audit.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config
	if err := s.js.DeleteStream(ctx, cfg.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.audit.Put(ctx, "probe", []byte("x")); err == nil {
		t.Fatal("a write to the deleted audit bucket succeeded: the test would not test anything")
	}
	done := make(chan error, 1)
	var got AuditEntry
	go func() {
		var err error
		got, err = s.Audit(AuditEntry{Who: "k", Role: "admin", Tenant: "acme", Action: "models.promote", Target: "forecast", Outcome: "ok", RequestID: "r-1"})
		done <- err
	}()
	// Audit is trying meanwhile. A write with no stream to answer fails after about 0.5 s
	// (nats.go tries a publish that no one answers twice, 250 ms apart): six attempts back
	// to back, as Audit made before, gave up after 3 s, shorter than an election under load.
	time.Sleep(4 * time.Second)
	if _, err := s.js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Audit: %v", err)
	}
	page, err := s.AuditLog(AuditQuery{Tenant: "acme"})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].ID != got.ID {
		t.Errorf("audit log = %+v, %v; want the one entry %s", page.Entries, err, got.ID)
	}
}

// TestJetStreamLongListing: a listing that takes longer than readAttempt, while entries
// keep arriving, is read to its end rather than cut short and started again until the
// timeout ends (a watch's subscription ends with the context it was made with).
func TestJetStreamLongListing(t *testing.T) {
	s := openJetStream(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// More keys than a watch buffers (256), handed on 2 ms apart: about a second in all,
	// ten times readAttempt.
	const n = 400
	for i := range n {
		if _, err := s.alerts.Put(ctx, fmt.Sprintf("long.a%04d", i), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	s.timeout = 400 * time.Millisecond
	lctx, lcancel := context.WithTimeout(ctx, 10*time.Second)
	defer lcancel()
	start := time.Now()
	es, err := s.entries(lctx, slowBucket{s.alerts, 2 * time.Millisecond}, "long.*")
	if err != nil || len(es) != n {
		t.Fatalf("listed %d entries, %v after %v; want %d (readAttempt %v)", len(es), err, time.Since(start), n, s.readAttempt())
	}
	if d := time.Since(start); d < 2*s.readAttempt() {
		t.Fatalf("the listing took %v: it does not test a listing longer than readAttempt (%v)", d, s.readAttempt())
	}
}

// slowBucket is a bucket whose watches hand on each entry gap after the last, as a watch
// over a large bucket on a busy server does.
type slowBucket struct {
	jetstream.KeyValue
	gap time.Duration
}

func (b slowBucket) Watch(ctx context.Context, keys string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	w, err := b.KeyValue.Watch(ctx, keys, opts...)
	if err != nil {
		return nil, err
	}
	sw := &slowWatcher{KeyWatcher: w, out: make(chan jetstream.KeyValueEntry), done: make(chan struct{})}
	go func() {
		defer close(sw.out)
		for e := range w.Updates() {
			time.Sleep(b.gap)
			select {
			case sw.out <- e:
			case <-sw.done:
				return
			}
		}
	}()
	return sw, nil
}

type slowWatcher struct {
	jetstream.KeyWatcher
	out  chan jetstream.KeyValueEntry
	done chan struct{}
}

func (w *slowWatcher) Updates() <-chan jetstream.KeyValueEntry { return w.out }
func (w *slowWatcher) Stop() error {
	close(w.done)
	return w.KeyWatcher.Stop()
}
