package apidocs

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestPlainReference: the page a fresh clone serves lists every operation of the document
// with its roles, parameters and responses, runs no script and loads nothing.
func TestPlainReference(t *testing.T) {
	doc := loadDoc(t)
	p, err := New(doc, "/openapi.json", "/docs/assets/", false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Renderer() {
		t.Error("Renderer() with withRenderer false: want the plain page")
	}
	body, csp := p.Page()
	page := string(body)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			want := `<span class="method">` + method + `</span> <span class="path">` + path + `</span>`
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s %s", method, path)
			}
			if op.Summary != "" && !strings.Contains(page, templateEscape(op.Summary)) {
				t.Errorf("the page lacks the summary of %s %s: %q", method, path, op.Summary)
			}
		}
	}
	if n < 40 {
		t.Errorf("the document has %d operations; want the whole API", n)
	}
	for _, want := range []string{"Roles: admin", "<th>parameter</th>", "<code>scope</code>", `href="/openapi.json"`, "growthlens API",
		"<strong>Authentication.</strong>", "<code>/v1</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(csp, "script-src") {
		t.Errorf("the plain page runs a script (csp %q)", csp)
	}
	if m := regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the page loads from another origin: %s", m)
	}
	if _, _, ok := p.Asset(Renderer); ok {
		t.Error("the plain page serves the renderer's bundle")
	}
}

// TestEveryParameterListed: each operation's section lists every parameter it takes, the
// ones its path declares for all its operations (the adjustments' {scope} and {quarter})
// included.
func TestEveryParameterListed(t *testing.T) {
	doc := loadDoc(t)
	p, err := New(doc, "/openapi.json", "/docs/assets/", false)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := p.Page()
	page := string(body)
	shared := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			head := `<span class="method">` + method + `</span> <span class="path">` + path + `</span>`
			i := strings.Index(page, head)
			if i < 0 {
				t.Errorf("the page lacks %s %s", method, path)
				continue
			}
			section := page[i+len(head):]
			if j := strings.Index(section, "<h3 "); j >= 0 {
				section = section[:j]
			}
			for _, pr := range slices.Concat(item.Parameters, op.Parameters) {
				if pr.Value == nil {
					continue
				}
				if slices.Contains(item.Parameters, pr) {
					shared++
				}
				if !strings.Contains(section, "<code>"+pr.Value.Name+"</code>") {
					t.Errorf("%s %s: parameter %s (%s) not listed", method, path, pr.Value.Name, pr.Value.In)
				}
			}
		}
	}
	if shared == 0 {
		t.Error("no path-level parameter in the document: the test checks nothing of them")
	}
}

// TestRendererPage: with the renderer's bundle embedded (after make docs-assets) the page is
// Redoc reading /openapi.json from this origin, with the plain reference inside for a
// browser without scripts; without it (a fresh clone) asking for the renderer gives the plain
// page. Either way the README and paths outside the folder are not served.
func TestRendererPage(t *testing.T) {
	doc := loadDoc(t)
	p, err := New(doc, "/openapi.json", "/docs/assets/", true)
	if err != nil {
		t.Fatal(err)
	}
	_, statErr := fs.Stat(assets, "assets/"+Renderer)
	if fetched := statErr == nil; p.Renderer() != fetched {
		t.Fatalf("Renderer() = %v with the bundle fetched %v", p.Renderer(), fetched)
	}
	body, csp := p.Page()
	page := string(body)
	if p.Renderer() {
		for _, want := range []string{`<redoc spec-url="/openapi.json">`, `<script src="/docs/assets/redoc.standalone.js"></script>`, "<th>parameter</th>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the renderer's page lacks %q", want)
			}
		}
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
			t.Errorf("renderer CSP %q: want scripts from this origin only", csp)
		}
		b, ct, ok := p.Asset(Renderer)
		if !ok || len(b) < 100000 || !strings.Contains(ct, "javascript") {
			t.Errorf("Asset(%s) = %d bytes, %q, %v; want the bundle as JavaScript", Renderer, len(b), ct, ok)
		}
	} else {
		t.Log("assets/" + Renderer + " absent (make docs-assets not run): the plain page stands in")
		if strings.Contains(page, "<script") {
			t.Error("without the bundle the page still loads a script")
		}
	}
	for _, name := range []string{"README.txt", "../apidocs.go", "assets/README.txt", ""} {
		if _, _, ok := p.Asset(name); ok {
			t.Errorf("Asset(%q) served; want only the renderer's files", name)
		}
	}
}

// TestDescriptionsEscaped: a description's text is escaped before its Markdown becomes
// elements, so the document cannot put markup on the page.
func TestDescriptionsEscaped(t *testing.T) {
	doc := &openapi3.T{OpenAPI: "3.0.3", Info: &openapi3.Info{Title: "t", Version: "1",
		Description: "<script>alert(1)</script> `a<b` and **\"c\"**\nnext line"}, Paths: openapi3.NewPaths()}
	p, err := New(doc, "/openapi.json", "/docs/assets/", false)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := p.Page()
	page := string(body)
	if strings.Contains(page, "<script>alert") {
		t.Error("a description's <script> reached the page unescaped")
	}
	if want := "&lt;script&gt;alert(1)&lt;/script&gt; <code>a&lt;b</code> and <strong>&#34;c&#34;</strong> next line"; !strings.Contains(page, want) {
		t.Errorf("the description renders as\n%s\nwant it to hold %s", page, want)
	}
}

// templateEscape is how html/template writes s in element text.
func templateEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
