package serve

import (
	"bytes"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// benchServer is a server over a copy of the fixture, driven through its handler without a
// listener: what a request costs inside the process (make bench-serve measures it over
// loopback beside a bare Gin handler).
func benchServer(b *testing.B) (*Server, string, []string) {
	b.Helper()
	buildFixture(b)
	dir := b.TempDir()
	copyDir(b, fixture.store, filepath.Join(dir, "store"))
	copyDir(b, fixture.acmeData, filepath.Join(dir, "tenants", acme))
	cfg := DefaultConfig()
	cfg.Store, cfg.DataRoot, cfg.DefaultTenant, cfg.RateLimit, cfg.AdminSocket = filepath.Join(dir, "store"), filepath.Join(dir, "tenants"), acme, 0, false
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	secret, _, err := s.Store().CreateKey(acme, registry.RoleHRSystem, "bench")
	if err != nil {
		b.Fatal(err)
	}
	s.loadAll()
	sn := s.tenant(acme).live.Load()
	var ids []string
	for id := range sn.incentive.cached {
		ids = append(ids, id)
	}
	return s, secret, ids
}

func BenchmarkForecastHandler(b *testing.B) {
	s, secret, _ := benchServer(b)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/v1/forecast?scope=company", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

func BenchmarkRecommendOneHandler(b *testing.B) {
	s, secret, ids := benchServer(b)
	h := s.Handler()
	body := []byte(`{"employee_ids":["` + ids[0] + `"]}`)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/v1/recommendations", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
