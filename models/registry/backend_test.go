package registry

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/growthlens/growthlens/internal/natstest"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The contract tests (models, aliases, runs and alerts, audit, API keys) run against every
// back end: each calls eachBackend and opens its stores with the opener it is given.

// opener opens a fresh, empty store of one back end, closed and removed when the test ends.
type opener func(t *testing.T, opt Options) Store

type backend struct {
	name string
	open opener
	// dir is where the back end keeps its bytes on disk, for tests that look for leaks.
	dir func(s Store) string
}

var backends = []backend{
	{"badger", func(t *testing.T, opt Options) Store { return openStore(t, opt) }, func(s Store) string { return s.(*Badger).Dir() }},
	{"jetstream", func(t *testing.T, opt Options) Store { return openJetStream(t, opt) }, func(Store) string { return sharedNATS.dir }},
}

func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// sharedNATS is one JetStream server on loopback for the whole package test run (started on
// first use, stopped by TestMain): each store gets buckets of its own prefix.
var sharedNATS struct {
	once sync.Once
	srv  *server.Server
	dir  string
	err  error
	n    atomic.Int64
}

func natsURL(t *testing.T) string {
	t.Helper()
	sharedNATS.once.Do(func() {
		if sharedNATS.dir, sharedNATS.err = natstest.TempDir(); sharedNATS.err != nil {
			return
		}
		sharedNATS.srv, sharedNATS.err = natstest.Run(natstest.Options{Dir: sharedNATS.dir})
	})
	if sharedNATS.err != nil {
		t.Fatalf("embedded NATS server: %v", sharedNATS.err)
	}
	return sharedNATS.srv.ClientURL()
}

func stopSharedNATS() {
	if sharedNATS.srv != nil {
		sharedNATS.srv.Shutdown()
		sharedNATS.srv.WaitForShutdown()
	}
	if sharedNATS.dir != "" {
		os.RemoveAll(sharedNATS.dir)
	}
}

// openJetStream opens a JetStream store under a prefix no other test uses, and deletes its
// buckets when the test ends.
func openJetStream(t *testing.T, opt Options) *JetStream {
	t.Helper()
	jo := JetStreamOptions{Prefix: fmt.Sprintf("t%d", sharedNATS.n.Add(1)), Timeout: 20 * time.Second}
	nc := natsConn(t)
	s, err := OpenJetStream(nc, opt, jo)
	if err != nil {
		t.Fatalf("OpenJetStream: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		dropBuckets(t, nc, jo.Prefix)
	})
	return s
}

func natsConn(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(natsURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func dropBuckets(t *testing.T, nc *nats.Conn, prefix string) {
	js, err := jetstream.New(nc)
	if err != nil {
		t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, b := range []string{"versions", "aliases", "runs", "alerts", "keys", "audit", "meta", "documents", "subscriptions", "alertstates", "outbox"} {
		js.DeleteKeyValue(ctx, prefix+"-"+b)
	}
	js.DeleteObjectStore(ctx, prefix+"-artifacts")
}
