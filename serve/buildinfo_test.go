package serve

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/internal/buildinfo"
)

// TestBuildInfo: /healthz and the growthlens_build_info metric say which code the server runs,
// the same version growthlens version prints and run records keep.
func TestBuildInfo(t *testing.T) {
	want := buildinfo.Read()
	ts := startServer(t, nil)
	r := ts.do(t, "GET", "/healthz", "", "", nil)
	var got struct {
		Status string `json:"status"`
		buildinfo.Info
	}
	if r.status != 200 || json.Unmarshal(r.body, &got) != nil {
		t.Fatalf("GET /healthz: %s", r)
	}
	if got.Status != "ok" || got.Info != want || got.Version == "" {
		t.Errorf("GET /healthz = %s; want status ok and %+v", r.body, want)
	}
	body := scrape(t, "http://"+ts.srv.MetricsAddr()+"/metrics")
	line := fmt.Sprintf(`growthlens_build_info{goversion=%q,revision=%q,version=%q} 1`, want.Go, want.Revision, want.Version)
	if !strings.Contains(body, line) {
		t.Errorf("the metrics lack %s", line)
	}
}
