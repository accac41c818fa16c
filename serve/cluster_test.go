package serve

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/growthlens/growthlens/internal/natstest"
	"github.com/growthlens/growthlens/models/registry"
)

// TestClusterReplicasServeEachOthersPromotions runs two servers on one JetStream store (the
// fixture store migrated into an embedded NATS server on loopback), promotes a forecast
// through the API of one and requires the other to serve it within a second, then rolls
// back through the second and requires the first to follow.
func TestClusterReplicasServeEachOthersPromotions(t *testing.T) {
	buildFixture(t)
	_, url := natstest.Start(t)
	migrateFixture(t, url)
	cluster := func(c *Config) { c.Cluster, c.ClusterPrefix = url, "fixture" }
	a := startServer(t, cluster)
	b := startServer(t, cluster)
	version := func(ts *testServer) int {
		t.Helper()
		r := ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/gm", "", nil)
		if r.status != 200 {
			t.Fatalf("forecast: %s", r)
		}
		var f forecastResponse
		if err := json.Unmarshal(r.body, &f); err != nil {
			t.Fatal(err)
		}
		return f.Model.Version
	}
	if va, vb := version(a), version(b); va != 1 || vb != 1 {
		t.Fatalf("before the promotion the replicas serve v%d and v%d, want v1", va, vb)
	}
	served := func(ts *testServer, want int) time.Duration {
		t.Helper()
		start := time.Now()
		for version(ts) != want {
			if time.Since(start) > time.Second {
				t.Fatalf("the other replica still serves v%d a second after the move to v%d", version(ts), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	r := a.json(t, "POST", "/v1/models/forecast/promote", acme+"/trainer", map[string]any{"version": fixture.forecast2, "reason": "cluster test"})
	if r.status != 200 {
		t.Fatalf("promote on replica a: %s", r)
	}
	t.Logf("replica b serves v%d %v after the promotion on a", fixture.forecast2, served(b, fixture.forecast2))
	r = b.json(t, "POST", "/v1/models/forecast/rollback", acme+"/trainer", map[string]any{"reason": "cluster test"})
	if r.status != 200 {
		t.Fatalf("rollback on replica b: %s", r)
	}
	t.Logf("replica a serves v1 %v after the rollback on b", served(a, 1))
	// Both moves are in the one audit log, whichever replica made them.
	page, err := a.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Action: "models.promote"})
	if err != nil || len(page.Entries) == 0 {
		t.Errorf("audit of the promotion: %d entries, %v", len(page.Entries), err)
	}
}

// migrateFixture copies the fixture store into the NATS server at url under prefix "fixture".
func migrateFixture(t *testing.T, url string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	copyDir(t, fixture.store, dir)
	src, err := registry.Open(dir, registry.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pr, pw := io.Pipe()
	go func() {
		_, err := src.Backup(pw, registry.BackupOptions{})
		pw.CloseWithError(err)
	}()
	if _, err := registry.RestoreJetStream(nc, pr, registry.RestoreOptions{}, registry.JetStreamOptions{Prefix: "fixture"}); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
}
