package serve

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/features"
)

// TestOpenAPIMatchesRoutes loads the document with kin-openapi and validates it, then checks
// it against the code both ways: every route of the server is an operation of the document
// with the roles the permission table gives it (x-roles) and the query parameters the route
// accepts, and every operation of the document is a route of the server. Then it asks the
// running server for every operation of the document and requires that the route exists
// there (no 404 "no route" and no 405), and that a route the document lacks does not.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, nil)
	s := ts.srv

	inCode := map[string]route{}
	for _, rt := range s.routes {
		inCode[rt.method+" "+openAPIPath(rt.path)] = rt
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			inDoc[key] = true
			rt, ok := inCode[key]
			if !ok {
				t.Errorf("the document has %s, the server has no such route", key)
				continue
			}
			raw, ok := op.Extensions["x-roles"]
			if !ok {
				t.Errorf("%s: no x-roles", key)
				continue
			}
			var roles []string
			b, _ := json.Marshal(raw)
			if err := json.Unmarshal(b, &roles); err != nil {
				t.Errorf("%s: x-roles: %v", key, err)
			}
			want := rolesWith(rt.perm)
			if rt.perm == permPublic {
				want = nil
			}
			if !slices.Equal(roles, want) && !(len(roles) == 0 && len(want) == 0) {
				t.Errorf("%s: x-roles %v, the permission table allows %v", key, roles, want)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (rt.perm == permPublic) {
				t.Errorf("%s: the document says public=%v, the route needs permission %q", key, public, rt.perm)
			}
			var query []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == "query" {
					query = append(query, p.Value.Name)
				}
			}
			slices.Sort(query)
			code := slices.Clone(rt.query)
			slices.Sort(code)
			if !slices.Equal(query, code) {
				t.Errorf("%s: query parameters %v in the document, %v in the route", key, query, code)
			}
			if (rt.body != bodyNone) != (op.RequestBody != nil) {
				t.Errorf("%s: request body in the document %v, in the route %v", key, op.RequestBody != nil, rt.body != bodyNone)
			}
		}
	}
	for key := range inCode {
		if !inDoc[key] {
			t.Errorf("the server has %s, the document does not", key)
		}
	}

	// Against the running server.
	for key := range inDoc {
		method, path, _ := strings.Cut(key, " ")
		concrete := strings.NewReplacer("{name}", "forecast", "{version}", "1", "{table}", "targets", "{id}", fixture.runID).Replace(path)
		r := ts.do(t, method, concrete, acme+"/admin", "application/json", []byte("{}"))
		if r.status == 405 || r.status == 404 && strings.Contains(string(r.body), `"field":"path"`) {
			t.Errorf("%s: the running server has no such route: %s", key, r)
		}
	}
	if r := ts.do(t, "GET", "/v1/undocumented", acme+"/admin", "", nil); r.status != 404 {
		t.Errorf("a path the document lacks: %s", r)
	}
}

// TestErrorCodes checks the one table from code to status and that internal errors never
// carry their cause to the client.
func TestErrorCodes(t *testing.T) {
	for code, status := range statusOf {
		if status < 400 || status > 599 {
			t.Errorf("%s maps to %d", code, status)
		}
		e := &Error{Code: code, Message: "m"}
		if e.Status() != status {
			t.Errorf("%s: Status %d, want %d", code, e.Status(), status)
		}
	}
	internal := asError(errorf(EInternal, "", "open /secret/path: permission denied"), "rid-1")
	if strings.Contains(internal.Message, "secret") || !strings.Contains(internal.Message, "rid-1") || internal.Status() != 500 {
		t.Errorf("internal error shown as %+v", internal)
	}
	plain := asError(errFake("badger: value log truncated at /var/store/000001.vlog"), "rid-2")
	if plain.Code != EInternal || strings.Contains(plain.Message, "badger") {
		t.Errorf("an unknown error shown as %+v", plain)
	}
	unknown := asError(&Error{Code: "made_up", Message: "x"}, "rid-3")
	if unknown.Code != EInternal {
		t.Errorf("an unknown code passed through: %+v", unknown)
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

// TestOpenAPIEmployeeRecord checks that the document's EmployeeRecord is the employee feature
// schema (features.EmployeeFields): the same fields, ranges, and each field's meaning when
// unknown; and that the Go type encodes to exactly those fields.
func TestOpenAPIEmployeeRecord(t *testing.T) {
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	sch := doc.Components.Schemas["EmployeeRecord"].Value
	var names []string
	for _, f := range features.EmployeeFields {
		names = append(names, f.Name)
		p, ok := sch.Properties[f.Name]
		if !ok {
			t.Errorf("EmployeeRecord lacks %s", f.Name)
			continue
		}
		v := p.Value
		if f.Unknown != "" && !strings.Contains(v.Description, f.Unknown) {
			t.Errorf("%s: description %q does not say what unknown means (%q)", f.Name, v.Description, f.Unknown)
		}
		if f.Required != slices.Contains(sch.Required, f.Name) {
			t.Errorf("%s: required %v in the schema, %v in the document", f.Name, f.Required, !f.Required)
		}
		switch f.Kind {
		case "number":
			if v.Min == nil || v.Max == nil || *v.Min != f.Min || *v.Max != f.Max {
				t.Errorf("%s: range %v–%v in the document, [%g, %g] in the schema", f.Name, v.Min, v.Max, f.Min, f.Max)
			}
		case "counts":
			ap := v.AdditionalProperties.Schema
			if ap == nil || ap.Value.Min == nil || *ap.Value.Min != f.Min || *ap.Value.Max != f.Max {
				t.Errorf("%s: counts range differs from [%g, %g]", f.Name, f.Min, f.Max)
			}
		}
	}
	for name := range sch.Properties {
		if !slices.Contains(names, name) {
			t.Errorf("the document's EmployeeRecord has %s, the schema does not", name)
		}
	}
	// Every field of the Go type is in the schema.
	one := 1.0
	rec := features.EmployeeRecord{EmployeeID: "x", Role: "sales", TeamID: "t", Region: "r", AsOf: "2026-01-01", PromotedOn: "2025-01-01", LastIncentive: "training",
		Rewards24m: map[string]float64{}, ChosenBefore: map[string]float64{}, PastDelta: map[string]float64{}}
	for _, p := range []**float64{&rec.Level, &rec.TenureYears, &rec.Age, &rec.Salary, &rec.SalaryRatio, &rec.PerfLast, &rec.PerfTrend, &rec.KPILast,
		&rec.PerfMean, &rec.KPIMean, &rec.PromotionWaitMonths, &rec.MonthsSinceReward, &rec.ReimbursementDays, &rec.LastIncentiveFit} {
		*p = &one
	}
	b, _ := json.Marshal(rec)
	var m map[string]any
	json.Unmarshal(b, &m)
	for k := range m {
		if !slices.Contains(names, k) {
			t.Errorf("features.EmployeeRecord encodes %s, which the schema does not list", k)
		}
	}
	if len(m) != len(names) {
		t.Errorf("features.EmployeeRecord encodes %d fields, the schema lists %d", len(m), len(names))
	}
}
