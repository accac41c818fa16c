package apidocs

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// assets holds the fetched renderer (see assets/README.txt) or only the README.
//
//go:embed assets
var assets embed.FS

// Renderer is the renderer's bundle in assets/, present when `make docs-assets` ran before
// the build.
const Renderer = "redoc.standalone.js"

// Content-Security-Policy of each page. The plain page runs no script; Redoc's runs its
// bundle from this origin, styles itself inline, fetches /openapi.json and starts its search
// worker from a blob.
const (
	plainCSP    = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	rendererCSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; worker-src blob:; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// Pages is the reference page, rendered once, and the assets it may load.
type Pages struct {
	page     []byte
	csp      string
	renderer bool
}

// New renders the page of doc. specURL is where the server serves doc as JSON and assetsURL
// the path under which it serves Asset (both absolute paths, e.g. "/openapi.json" and
// "/docs/assets/"). The renderer is used when its bundle was embedded and withRenderer is
// true; tests pass false to see the plain page a fresh clone serves.
func New(doc *openapi3.T, specURL, assetsURL string, withRenderer bool) (*Pages, error) {
	ref, err := reference(doc, specURL)
	if err != nil {
		return nil, err
	}
	_, statErr := fs.Stat(assets, "assets/"+Renderer)
	p := &Pages{renderer: withRenderer && statErr == nil, csp: plainCSP}
	if p.renderer {
		p.csp = rendererCSP
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, pageData{Title: doc.Info.Title, Reference: ref, Renderer: p.renderer,
		SpecURL: specURL, Script: assetsURL + Renderer}); err != nil {
		return nil, err
	}
	p.page = b.Bytes()
	return p, nil
}

// Renderer says whether the page is the renderer's (true) or the plain reference.
func (p *Pages) Renderer() bool { return p.renderer }

// Page returns the page's HTML and the Content-Security-Policy to send with it.
func (p *Pages) Page() (html []byte, csp string) { return p.page, p.csp }

// Asset returns an embedded asset by its base name with its content type; ok is false for a
// name that is not one (the README included: it is not served).
func (p *Pages) Asset(name string) (body []byte, contentType string, ok bool) {
	if !p.renderer || name != path.Base(name) || name == "README.txt" {
		return nil, "", false
	}
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		return nil, "", false
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" || strings.HasSuffix(name, ".txt") {
		ct = "text/plain; charset=utf-8"
	}
	return b, ct, true
}

type pageData struct {
	Title     string
	Reference template.HTML
	Renderer  bool
	SpecURL   string
	Script    string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} reference</title>
<style>
.ref{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;line-height:1.45;color:#1d2329}
.ref h1{font-size:1.6rem}.ref h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccd}
.ref h3{font-size:1rem;margin:1.5rem 0 .3rem}.ref code,.ref .path{font-family:ui-monospace,monospace}
.ref .method{display:inline-block;min-width:4.5rem;font-weight:bold}.ref .roles{color:#555;font-size:.9rem}
.ref table{border-collapse:collapse;margin:.4rem 0;font-size:.92rem}.ref td,.ref th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
.ref nav ul{columns:2}body{margin:0}
</style>
</head>
<body>
{{if .Renderer}}<redoc spec-url="{{.SpecURL}}">{{.Reference}}</redoc>
<script src="{{.Script}}"></script>{{else}}{{.Reference}}{{end}}
</body>
</html>
`))

var referenceTemplate = template.Must(template.New("reference").Parse(`<div class="ref"><h1>{{.Title}} <small>version {{.Version}}</small></h1>
<p>The machine-readable document: <a href="{{.SpecURL}}">{{.SpecURL}}</a> (OpenAPI {{.OpenAPI}}).</p>
{{range .Intro}}<p class="desc">{{.}}</p>
{{end}}<nav><ul>{{range .Groups}}<li><a href="#tag-{{.Name}}">{{.Name}}</a></li>{{end}}</ul></nav>
{{range .Groups}}<h2 id="tag-{{.Name}}">{{.Name}}</h2>
{{range .Ops}}<h3 id="{{.ID}}"><span class="method">{{.Method}}</span> <span class="path">{{.Path}}</span></h3>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}{{if .Roles}}<p class="roles">Roles: {{.Roles}}</p>{{end}}
{{range .Description}}<p class="desc">{{.}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td class="desc">{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{if .Body}}<p>Request body: {{.Body}}</p>{{end}}
<table><tr><th>status</th><th>response</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td class="desc">{{.Description}}</td></tr>
{{end}}</table>
{{end}}{{end}}</div>`))

type referenceData struct {
	Title, Version, OpenAPI, SpecURL string
	Intro                            []template.HTML
	Groups                           []group
}

type group struct {
	Name string
	Ops  []operation
}

type operation struct {
	ID, Method, Path, Summary, Roles, Body string
	Description                            []template.HTML
	Params                                 []param
	Responses                              []response
}

type param struct {
	Name, In, Type, Description string
	Required                    bool
}

type response struct{ Status, Description string }

// reference renders the plain reference: the document's introduction, then its operations
// grouped by their first tag in the document's tag order, each group in path order.
func reference(doc *openapi3.T, specURL string) (template.HTML, error) {
	if doc == nil || doc.Info == nil || doc.Paths == nil {
		return "", fmt.Errorf("apidocs: the OpenAPI document has no info or paths")
	}
	d := referenceData{Title: doc.Info.Title, Version: doc.Info.Version, OpenAPI: doc.OpenAPI,
		SpecURL: specURL, Intro: paragraphs(doc.Info.Description)}
	at := map[string]int{}
	addGroup := func(name string) int {
		if i, ok := at[name]; ok {
			return i
		}
		at[name] = len(d.Groups)
		d.Groups = append(d.Groups, group{Name: name})
		return at[name]
	}
	for _, t := range doc.Tags {
		addGroup(t.Name)
	}
	paths := doc.Paths.Map()
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		ops := paths[p].Operations()
		for _, m := range slices.Sorted(maps.Keys(ops)) {
			op := ops[m]
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := addGroup(tag)
			d.Groups[g].Ops = append(d.Groups[g].Ops, describe(m, p, paths[p].Parameters, op))
		}
	}
	d.Groups = slices.DeleteFunc(d.Groups, func(g group) bool { return len(g.Ops) == 0 })
	var b bytes.Buffer
	if err := referenceTemplate.Execute(&b, d); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // html/template escaped every value above
}

// describe is one operation's entry. Its parameters are the path's own (shared by its
// operations) followed by the operation's, an operation's parameter replacing the path's of
// the same name and location, as OpenAPI says.
func describe(method, p string, shared openapi3.Parameters, op *openapi3.Operation) operation {
	o := operation{ID: strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(p),
		Method: method, Path: p, Summary: op.Summary, Description: paragraphs(op.Description)}
	if roles, ok := op.Extensions["x-roles"].([]any); ok {
		var rs []string
		for _, r := range roles {
			rs = append(rs, fmt.Sprint(r))
		}
		o.Roles = strings.Join(rs, ", ")
	}
	add := func(pr *openapi3.Parameter) {
		o.Params = append(o.Params, param{Name: pr.Name, In: pr.In, Required: pr.Required,
			Type: schemaType(pr.Schema), Description: pr.Description})
	}
	for _, pr := range shared {
		if pr.Value != nil && op.Parameters.GetByInAndName(pr.Value.In, pr.Value.Name) == nil {
			add(pr.Value)
		}
	}
	for _, pr := range op.Parameters {
		if pr.Value != nil {
			add(pr.Value)
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		var cts []string
		for _, ct := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			cts = append(cts, ct)
		}
		o.Body = strings.Join(cts, " or ")
		if rb.Value.Required {
			o.Body += " (required)"
		}
		if rb.Value.Description != "" {
			o.Body += ": " + rb.Value.Description
		}
	}
	if op.Responses != nil {
		rm := op.Responses.Map()
		for _, st := range slices.Sorted(maps.Keys(rm)) {
			desc := ""
			if r := rm[st]; r != nil && r.Value != nil && r.Value.Description != nil {
				desc = *r.Value.Description
			}
			o.Responses = append(o.Responses, response{Status: st, Description: desc})
		}
	}
	return o
}

// schemaType is a parameter's type as a person reads it: "integer", "string (a, b, c)",
// "array of number".
func schemaType(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil || s.Value.Type == nil {
		return ""
	}
	v := s.Value
	t := strings.Join(*v.Type, " or ")
	if v.Type.Is("array") && v.Items != nil {
		t += " of " + schemaType(v.Items)
	}
	if len(v.Enum) > 0 {
		var es []string
		for _, e := range v.Enum {
			es = append(es, fmt.Sprint(e))
		}
		t += " (" + strings.Join(es, ", ") + ")"
	}
	return t
}

// paragraphs splits a description at its blank lines and renders each as HTML: the text
// escaped, its line breaks joined, and the two bits of Markdown the document uses, `code`
// and **strong**, as their elements (inserted around text already escaped).
func paragraphs(s string) []template.HTML {
	var out []template.HTML
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			h := template.HTMLEscapeString(p)
			h = codeSpan.ReplaceAllString(h, "<code>$1</code>")
			h = strongSpan.ReplaceAllString(h, "<strong>$1</strong>")
			out = append(out, template.HTML(h))
		}
	}
	return out
}

var (
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	strongSpan = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)
