package serve

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsPrivate is defect 6: /metrics needed no key and listed every tenant's regions,
// teams and KPI completion and pace. Now the API listener serves it only with the scrape
// token, the metrics listener without one, and KPI series only for the tenants enabled.
func TestMetricsPrivate(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MetricsToken, c.MetricsKPITenants = "", nil })
	r := ts.do(t, "GET", "/metrics", "", "", nil)
	if r.status == 200 || strings.Contains(string(r.body), "growthlens_kpi_") {
		t.Errorf("GET /metrics without credentials: %d, KPI series shown: %v", r.status, strings.Contains(string(r.body), "growthlens_kpi_"))
	}
	checkError(t, r, 404, ENotFound)
	body := scrape(t, "http://"+ts.srv.MetricsAddr()+"/metrics")
	if !strings.Contains(body, "growthlens_http_requests_total") {
		t.Errorf("the metrics listener lacks the request counters")
	}
	if strings.Contains(body, "growthlens_kpi_") {
		t.Errorf("KPI series exported with no tenant enabled")
	}

	ts = startServer(t, func(c *Config) { c.MetricsAddr, c.MetricsKPITenants = "", []string{globex} })
	if ts.srv.MetricsAddr() != "" {
		t.Errorf("metrics listener open with MetricsAddr empty")
	}
	checkError(t, ts.do(t, "GET", "/metrics", "", "", nil), 401, EUnauthenticated)
	checkError(t, ts.do(t, "GET", "/metrics", "raw:Bearer not-the-scrape-token-at-all", "", nil), 401, EUnauthenticated)
	r = ts.do(t, "GET", "/metrics", scrapeKey, "", nil)
	if r.status != 200 {
		t.Fatalf("scrape with the token: %s", r)
	}
	for _, line := range strings.Split(string(r.body), "\n") {
		if strings.HasPrefix(line, "growthlens_kpi_") && strings.Contains(line, `tenant="acme"`) {
			t.Errorf("acme's KPI series exported though only globex is enabled: %s", line)
			break
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}
