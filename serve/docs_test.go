package serve

import (
	"strings"
	"testing"
)

// TestDocsPage: GET /docs serves the API reference without a key, from this origin only,
// listing every route of the route table (the plain page here; apidocs' tests cover the
// renderer's), and /docs/assets/ serves nothing but the renderer's files.
func TestDocsPage(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.PlainDocs = true })
	r := ts.do(t, "GET", "/docs", "", "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %s (Content-Type %q), want an HTML page", r, r.header.Get("Content-Type"))
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("GET /docs CSP %q: want nothing loaded and no script", csp)
	}
	page := string(r.body)
	for _, rt := range ts.srv.routes {
		path := rt.path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				path = strings.Replace(path, seg, "{"+seg[1:]+"}", 1)
			}
		}
		if want := `<span class="method">` + rt.method + `</span> <span class="path">` + path + `</span>`; !strings.Contains(page, want) {
			t.Errorf("GET /docs lacks %s %s", rt.method, path)
		}
	}
	for _, p := range []string{"/docs/assets/README.txt", "/docs/assets/redoc.standalone.js", "/docs/assets/..%2fapidocs.go"} {
		if r := ts.do(t, "GET", p, "", "", nil); r.status != 404 || !strings.Contains(string(r.body), `"code":"not_found"`) {
			t.Errorf("GET %s on the plain page: %s, want 404 in the API's error shape", p, r)
		}
	}
}
