package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/growthlens/growthlens/models/registry"
)

// bad is one malformed request and the status it must get (0: any 4xx).
type bad struct {
	name                string
	method, path, ctype string
	key                 string
	body                []byte
	want                int
}

// setPath returns a deep copy of v (decoded JSON) with the value at the dotted path replaced.
func setPath(v any, path string, val any) any {
	b, _ := json.Marshal(v)
	var c any
	json.Unmarshal(b, &c)
	parts := strings.Split(path, ".")
	cur := c
	for i, p := range parts {
		last := i == len(parts)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				node[p] = val
			} else {
				cur = node[p]
			}
		case []any:
			k, _ := strconv.Atoi(p)
			if last {
				node[k] = val
			} else {
				cur = node[k]
			}
		}
	}
	return c
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wrongTypes are values of the wrong JSON type for a field of each kind.
var wrongTypes = map[string][]any{
	"string": {1, true, []any{}, map[string]any{}},
	"number": {"1", true, []any{}, map[string]any{}},
	"int":    {1.5, "1", true, []any{1}},
	"uint":   {-1, 1.5, "1"},
	"bool":   {"true", 1, []any{}},
	"array":  {"x", 1, map[string]any{}},
}

// TestMalformedInput sends well over 500 bad requests — broken JSON, wrong types, unknown
// fields, huge bodies, out-of-range values, unknown ids, bad paths and queries, wrong content
// types, missing or bad authentication — and requires a 4xx in the one error shape for every
// one, never a 5xx; then the server must still answer correctly.
func TestMalformedInput(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxUploadBytes = 1 << 20 })
	s := ts.srv
	admin := acme + "/admin"
	sn := s.tenant(acme).live.Load()
	var someID string
	var staff []string
	for id := range sn.incentive.cached {
		someID = id
		staff = append(staff, id)
	}
	revoked, k, err := s.Store().CreateKey(acme, registry.RoleAdmin, "revoked")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store().RevokeKey(acme, k.ID); err != nil {
		t.Fatal(err)
	}

	var cases []bad
	add := func(c bad) { cases = append(cases, c) }

	// Authentication, on every /v1 route.
	for _, rt := range s.routes {
		if rt.perm == permPublic {
			continue
		}
		path := strings.NewReplacer(":name", "forecast", ":version", "1", ":table", "targets", ":id", "x").Replace(rt.path)
		for _, auth := range []string{"", "raw:Basic YWRtaW46YWRtaW4=", "raw:Bearer", "raw:Bearer glk_" + strings.Repeat("A", 43),
			"raw:Bearer not-a-key", "raw:Bearer " + revoked, "raw:Token " + ts.keys[admin], "raw:" + ts.keys[admin]} {
			add(bad{name: "auth " + rt.path, method: rt.method, path: path, key: auth, ctype: "application/json", body: []byte("{}"), want: 401})
		}
	}

	// Unknown routes and methods.
	for _, p := range []string{"/", "/v1", "/v1/", "/v1/nope", "/v2/forecast", "/v1/forecast/", "/v1/forecasts", "/v1/models/forecast/versions",
		"/v1/models/forecast/promote/now", "/v1/data/", "/v1/training-runs/a/b", "/V1/forecast", "/v1/../etc/passwd", "/metrics/x", "/v1/audit/1"} {
		add(bad{name: "route " + p, method: "GET", path: p, key: admin, want: 404})
	}
	for _, m := range []struct{ method, path string }{
		{"DELETE", "/v1/forecast"}, {"POST", "/v1/forecast"}, {"PUT", "/v1/models"}, {"PATCH", "/v1/models/forecast"},
		{"GET", "/v1/whatif"}, {"GET", "/v1/recommendations"}, {"DELETE", "/v1/training-runs/x"}, {"DELETE", "/v1/data/targets"},
		{"GET", "/v1/models/forecast/promote"}, {"POST", "/healthz"}, {"DELETE", "/v1/audit"}, {"PUT", "/v1/allocations"},
	} {
		add(bad{name: "method " + m.method + " " + m.path, method: m.method, path: m.path, key: admin, want: 405})
	}

	// Query parameters.
	for _, q := range []string{
		"scope=region", "scope=region:", "scope=planet:x", "scope=company:x", "scope=team:" + strings.Repeat("x", 300), "scope=region:Mars",
		"horizon=0", "horizon=-1", "horizon=5", "horizon=x", "horizon=1.5", "horizon=99999999999999999999", "bogus=1",
		"scope=company&scope=company", "horizon=1&horizon=2", "scope=%zz", "SCOPE=company", "scope=team:nope",
	} {
		add(bad{name: "forecast ?" + q, method: "GET", path: "/v1/forecast?" + q, key: admin})
	}
	for _, q := range []string{
		"", "period=2026Q5", "period=2026-13", "period=2026-9", "period=2026-00", "period=abc", "period=2026-10", "period=2021-01&against=forecast",
		"period=2026-08&against=forecast", "period=2026Q3&direction=sideways", "period=2026Q3&direction=down&direction=up", "period=1999Q1", "period=2040Q1", "period=2026Q3&kpi=profit",
		"period=2026Q3&against=budget", "period=2026Q3&expected=-1", "period=2026Q3&expected=0", "period=2026Q3&expected=abc",
		"period=2026Q3&expected=NaN", "period=2026Q3&expected=Inf", "period=2026Q3&expected=1e400", "period=2026Q3&expected=5&against=target",
		"period=2026Q3&scope=region:Mars", "period=2026Q3&scope=team:x", "period=2026Q3&scope=zone:1", "period=2026Q3&x=1",
	} {
		add(bad{name: "rootcauses ?" + q, method: "GET", path: "/v1/rootcauses?" + q, key: admin})
	}
	for _, q := range []string{
		"", "period=2026Q5", "period=2026-08", "period=abc", "period=1999Q1", "period=2040Q1", "period=2026Q3&kpi=profit",
		"period=2026Q3&against=budget", "period=2026Q3&expected=-1", "period=2026Q3&expected=0", "period=2026Q3&expected=abc",
		"period=2026Q3&expected=NaN", "period=2026Q3&expected=Inf", "period=2026Q3&expected=5&against=forecast",
		"period=2026Q3&direction=down", "period=2021Q1&against=forecast", "period=2026Q3&scope=region:Mars", "period=2026Q3&scope=team:x",
		"period=2026Q3&scope=zone:1", "period=2026Q3&period=2026Q2", "period=2026Q3&x=1",
	} {
		add(bad{name: "attribution ?" + q, method: "GET", path: "/v1/attribution?" + q, key: admin})
	}
	for _, p := range []string{
		"/v1/scopes?level=planet", "/v1/scopes?x=1", "/v1/drivers?scope=company", "/v1/alerts?limit=0", "/v1/alerts?limit=abc",
		"/v1/alerts?limit=100000", "/v1/models?limit=1", "/v1/models/forecast?history=-1", "/v1/models/forecast?history=abc",
		"/v1/audit?since=yesterday", "/v1/audit?until=2026-01-01", "/v1/audit?limit=0", "/v1/audit?limit=5000", "/v1/audit?outcome=good",
		"/v1/audit?cursor=garbage", "/v1/audit?cursor=" + strings.Repeat("a", 600), "/v1/audit?tenant=globex", "/v1/training-runs?limit=0",
		"/v1/training-runs?limit=x", "/v1/data?tenant=globex",
	} {
		add(bad{name: "query " + p, method: "GET", path: p, key: admin})
	}

	for _, q := range []string{
		"role=ceo", "role=SALES", "role=sales%00", "role=" + strings.Repeat("r", 500), "role=sales&role=gm", "scope=region:Mars", "scope=team:nope",
		"scope=planet:x", "scope=region:", "role=sales&scope=company:x", "roles=sales", "role=sales&period=2026Q3", "scope=%zz",
	} {
		add(bad{name: "indicators ?" + q, method: "GET", path: "/v1/indicators?" + q, key: admin})
	}

	// Path parameters.
	for _, p := range []string{
		"/v1/models/no-such-model", "/v1/models/bad%20name", "/v1/models/" + strings.Repeat("m", 100), "/v1/models/forecast/versions/abc",
		"/v1/models/forecast/versions/0", "/v1/models/forecast/versions/-3", "/v1/models/forecast/versions/999", "/v1/models/forecast/versions/v99",
		"/v1/models/no-such-model/versions/1", "/v1/training-runs/nope", "/v1/training-runs/job-x", "/v1/training-runs/%2e%2e",
		"/v1/training-runs/" + strings.Repeat("r", 200),
	} {
		add(bad{name: "path " + p, method: "GET", path: p, key: admin, want: 404})
	}

	// JSON bodies: broken, wrong types, unknown fields, out of range, unknown ids.
	type jsonRoute struct {
		path   string
		base   map[string]any
		fields map[string]string // dotted path → kind
	}
	routes := []jsonRoute{
		{"/v1/whatif", map[string]any{"scope": "company", "changes": []any{map[string]any{"driver": "marketing_spend", "percent": 10}}},
			map[string]string{"scope": "string", "changes": "array", "changes.0.driver": "string", "changes.0.percent": "number"}},
		{"/v1/rootcauses/slices", map[string]any{"dims": []any{"region"}, "kind": "additive", "top": 3, "leaves": []any{map[string]any{"values": []any{"East"}, "actual": 1, "expected": 2}}},
			map[string]string{"dims": "array", "kind": "string", "top": "int", "leaves": "array", "leaves.0.values": "array", "leaves.0.actual": "number"}},
		{"/v1/recommendations", map[string]any{"employee_ids": []any{someID}, "top": 2, "reasons": true, "as_of": "2026-09-30"},
			map[string]string{"employee_ids": "array", "top": "int", "reasons": "bool", "as_of": "string", "employee_ids.0": "string"}},
		{"/v1/allocations", map[string]any{"team": "x", "budget": 100, "cost_unit": 10},
			map[string]string{"team": "string", "budget": "number", "cost_unit": "number"}},
		{"/v1/training-runs", map[string]any{"seed": 1, "promote": "never", "horizon": 4, "levels": []any{80}},
			map[string]string{"seed": "uint", "promote": "string", "horizon": "int", "levels": "array"}},
		{"/v1/models/forecast/promote", map[string]any{"version": 1, "alias": "challenger", "reason": "r"},
			map[string]string{"version": "int", "alias": "string", "reason": "string"}},
		{"/v1/models/forecast/rollback", map[string]any{"alias": "challenger", "reason": "r"},
			map[string]string{"alias": "string", "reason": "string"}},
		{"/v1/actuals", map[string]any{"as_of": "2026-08-20", "actuals": []any{map[string]any{"scope": "company", "period": "2026Q3", "kpi": "revenue", "actual": 1, "target": 2}}},
			map[string]string{"as_of": "string", "actuals": "array", "actuals.0.scope": "string", "actuals.0.period": "string", "actuals.0.kpi": "string",
				"actuals.0.actual": "number", "actuals.0.target": "number"}},
	}
	broken := []string{"", "{", "}", "[", "[]", "nul", `{"a":}`, `{'a':1}`, `{"scope":"company",}`, `{} {}`, `{}x`, "\xff\xfe{}",
		strings.Repeat("[", 20000), `{"top":1e999}`, `"just a string"`, `42`}
	for _, r := range routes {
		for i, b := range broken {
			add(bad{name: fmt.Sprintf("broken %d %s", i, r.path), method: "POST", path: r.path, key: admin, ctype: "application/json", body: []byte(b)})
		}
		for field, kind := range r.fields {
			for _, v := range wrongTypes[kind] {
				add(bad{name: "type " + r.path + " " + field, method: "POST", path: r.path, key: admin, ctype: "application/json",
					body: mustJSON(setPath(r.base, field, v)), want: 400})
			}
		}
		for _, extra := range []string{"bogus", "Scope", "employee-ids", "tenant"} {
			add(bad{name: "unknown field " + r.path, method: "POST", path: r.path, key: admin, ctype: "application/json",
				body: mustJSON(setPath(r.base, extra, 1)), want: 400})
		}
		for _, ct := range []string{"", "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/jsonx", "json"} {
			add(bad{name: "content type " + ct + " " + r.path, method: "POST", path: r.path, key: admin, ctype: ct, body: mustJSON(r.base), want: 415})
		}
		huge := setPath(r.base, "padding", strings.Repeat("x", DefaultMaxBodyBytes+10))
		add(bad{name: "huge " + r.path, method: "POST", path: r.path, key: admin, ctype: "application/json", body: mustJSON(huge), want: 413})
	}
	nested := []struct{ path, body string }{
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":1,"oops":2}]}`},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","salry":1}]}`},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[{"values":["x"],"actual":1,"expected":1,"weight":2}]}`},
	}
	for _, n := range nested {
		add(bad{name: "nested unknown " + n.path, method: "POST", path: n.path, key: admin, ctype: "application/json", body: []byte(n.body), want: 400})
	}
	ranges := []struct {
		path, body string
		want       int
	}{
		{"/v1/whatif", `{"changes":[]}`, 400},
		{"/v1/whatif", `{}`, 400},
		{"/v1/whatif", `null`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":-100}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":-250}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":2000}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","amount":1e300}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend"}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":1,"amount":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"percent":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"win_rate","percent":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"revenue","percent":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"weather","percent":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"marketing_spend","percent":1},{"driver":"marketing_spend","percent":2}]}`, 400},
		{"/v1/whatif", `{"scope":"team:x","changes":[{"driver":"marketing_spend","percent":1}]}`, 400},
		{"/v1/whatif", `{"scope":"region:Mars","changes":[{"driver":"marketing_spend","percent":1}]}`, 404},
		{"/v1/whatif", `{"scope":"moon","changes":[{"driver":"marketing_spend","percent":1}]}`, 400},
		{"/v1/whatif", `{"changes":[{"driver":"supply_lead_days","amount":-1000}]}`, 400},
		{"/v1/whatif", `{"changes":` + strings.Repeat(`[`, 1) + strings.Repeat(`{"driver":"marketing_spend","percent":1},`, 16) + `{"driver":"x","percent":1}]}`, 400},
		{"/v1/recommendations", `{}`, 400},
		{"/v1/recommendations", `{"employee_ids":[]}`, 400},
		{"/v1/recommendations", `{"employee_ids":[""]}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + strings.Repeat("e", 65) + `"]}`, 400},
		{"/v1/recommendations", `{"employee_ids":["NOPE"]}`, 404},
		{"/v1/recommendations", `{"employee_ids":["NOPE"],"as_of":"2026-09-01"}`, 404},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"team":"x"}`, 400},
		{"/v1/recommendations", `{"team":"no-such-team"}`, 404},
		{"/v1/recommendations", `{"team":"no-such-team","as_of":"2026-09-01"}`, 404},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"top":0}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"top":8}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"top":-1}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"as_of":"2026-13-01"}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"as_of":"2030-01-01"}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"as_of":"yesterday"}`, 400},
		{"/v1/recommendations", `{"employee_ids":["` + someID + `"],"as_of":"0001-01-01"}`, 400},
		{"/v1/recommendations", `{"employees":[]}`, 400},
		{"/v1/recommendations", `{"employees":[{"role":"sales"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"boss"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","level":25}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","age":5}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","salary":-1}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","rewards_24m":{"holiday":1}}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","rewards_24m":{"training":-1}}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","last_incentive":"cash"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","as_of":"2040-01-01"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","as_of":"01/02/2026"}]}`, 400},
		{"/v1/recommendations", `{"employees":[{"employee_id":"a","role":"sales","perf_last":1e9}]}`, 400},
		{"/v1/allocations", `{"team":"x"}`, 400},
		{"/v1/allocations", `{"team":"x","budget":-1}`, 400},
		{"/v1/allocations", `{"team":"x","budget":1e13}`, 400},
		{"/v1/allocations", `{"employee_ids":["` + someID + `"],"budget":10,"cost_unit":0}`, 400},
		{"/v1/allocations", `{"employee_ids":["` + someID + `"],"budget":10,"cost_unit":1e10}`, 400},
		{"/v1/allocations", `{"employee_ids":` + string(mustJSON(staff)) + `,"budget":1e12,"cost_unit":0.01}`, 400},
		{"/v1/allocations", `{"team":"no-such-team","budget":10}`, 404},
		{"/v1/allocations", `{"budget":10}`, 400},
		{"/v1/rootcauses/slices", `{"dims":[],"kind":"additive","leaves":[{"values":[],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"multiplicative","leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[{"values":["x","y"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[{"values":["x"],"actual":-1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[{"values":["x"],"actual":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"ratio","leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"ratio","leaves":[{"values":["x"],"numerator":2,"denominator":0,"expected_numerator":1,"expected_denominator":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","leaves":[{"values":["x"],"actual":1,"expected":0}]}`, 422},
		{"/v1/rootcauses/slices", `{"dims":["a","a"],"kind":"additive","leaves":[{"values":["x","y"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","top":101,"leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","max_dims":4,"leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","alpha":0,"leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","alpha":1,"leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a"],"kind":"additive","min_effect":-1,"leaves":[{"values":["x"],"actual":1,"expected":1}]}`, 400},
		{"/v1/rootcauses/slices", `{"dims":["a","b","c","d","e","f","g","h","i"],"kind":"additive","leaves":[{"values":["1","2","3","4","5","6","7","8","9"],"actual":1,"expected":1}]}`, 400},
		{"/v1/training-runs", `{"promote":"sometimes"}`, 400},
		{"/v1/training-runs", `{"horizon":0}`, 400},
		{"/v1/training-runs", `{"horizon":13}`, 400},
		{"/v1/training-runs", `{"levels":[]}`, 400},
		{"/v1/training-runs", `{"levels":[0]}`, 400},
		{"/v1/training-runs", `{"levels":[100]}`, 400},
		{"/v1/training-runs", `{"levels":[50,60,70,80,90,95]}`, 400},
		{"/v1/models/forecast/promote", `{"reason":"r"}`, 400},
		{"/v1/models/forecast/promote", `{"version":0,"reason":"r"}`, 400},
		{"/v1/models/forecast/promote", `{"version":1}`, 400},
		{"/v1/models/forecast/promote", `{"version":1,"reason":"   "}`, 400},
		{"/v1/models/forecast/promote", `{"version":1,"reason":"` + strings.Repeat("r", 1025) + `"}`, 400},
		{"/v1/models/forecast/promote", `{"version":1,"alias":"bad alias!","reason":"r"}`, 400},
		{"/v1/models/forecast/promote", `{"version":99,"reason":"r"}`, 404},
		{"/v1/models/forecast/promote", `{"version":1,"reason":"already champion"}`, 409},
		{"/v1/models/nothing/promote", `{"version":1,"reason":"r"}`, 404},
		{"/v1/models/forecast/rollback", `{}`, 400},
		{"/v1/models/forecast/rollback", `{"alias":"nonexistent","reason":"r"}`, 404},
		{"/v1/models/forecast/rollback", `{"reason":"no earlier version"}`, 409},
		{"/v1/models/nothing/rollback", `{"reason":"r"}`, 404},
		{"/v1/actuals", `{}`, 400},
		{"/v1/actuals", `{"actuals":[{"scope":"company","period":"2026Q3","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20"}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[]}`, 400},
		{"/v1/actuals", `{"as_of":"20-08-2026","actuals":[{"scope":"company","period":"2026Q3","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-02-30","actuals":[{"scope":"company","period":"2026Q1","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3"}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":-1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1e16}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1,"target":0}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1,"target":-5}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q2","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026-07","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q5","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","kpi":"profit","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"moon","period":"2026Q3","actual":1}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"region:Mars","period":"2026Q3","actual":1}]}`, 404},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"team:nope","period":"2026Q3","actual":1}]}`, 404},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1},{"scope":"company","period":"2026Q3","actual":2}]}`, 400},
		{"/v1/actuals", `{"as_of":"2031-08-20","actuals":[{"scope":"company","period":"2031Q3","actual":1}]}`, 422},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1}],"threshold":0.5}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1,"note":"x"}]}`, 400},
		{"/v1/actuals", `{"as_of":"2026-08-20","actuals":{"scope":"company"}}`, 400},
	}
	for i, r := range ranges {
		add(bad{name: fmt.Sprintf("range %d %s", i, r.path), method: "POST", path: r.path, key: admin, ctype: "application/json", body: []byte(r.body), want: r.want})
	}
	var ids []string
	for i := 0; i <= DefaultMaxBatch; i++ {
		ids = append(ids, someID)
	}
	add(bad{name: "batch too large", method: "POST", path: "/v1/recommendations", key: admin, ctype: "application/json",
		body: mustJSON(map[string]any{"employee_ids": ids}), want: 413})
	var many []map[string]any
	for i := 0; i <= maxActuals; i++ {
		many = append(many, map[string]any{"scope": "company", "period": "2026Q3", "actual": i})
	}
	add(bad{name: "actuals too many", method: "POST", path: "/v1/actuals", key: admin, ctype: "application/json",
		body: mustJSON(map[string]any{"as_of": "2026-08-20", "actuals": many}), want: 413})
	for _, role := range []string{registry.RoleViewer, registry.RoleGM} {
		add(bad{name: "role " + role + " actuals", method: "POST", path: "/v1/actuals", key: acme + "/" + role, ctype: "application/json",
			body: []byte(`{"as_of":"2026-08-20","actuals":[{"scope":"company","period":"2026Q3","actual":1}]}`), want: 403})
	}
	add(bad{name: "allocation batch too large", method: "POST", path: "/v1/allocations", key: admin, ctype: "application/json",
		body: mustJSON(map[string]any{"employee_ids": ids, "budget": 1}), want: 413})

	// Uploads.
	utf16le := []byte{0xff, 0xfe}
	for _, r := range utf16.Encode([]rune("period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n")) {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	uploads := []struct {
		path, ctype, body string
		want              int
	}{
		{"/v1/data/nope", "text/csv", "a\n1\n", 404},
		{"/v1/data/..", "text/csv", "a\n1\n", 404},
		{"/v1/data/targets", "application/json", "{}", 415},
		{"/v1/data/targets", "", "x", 415},
		{"/v1/data/targets", "text/csv", "", 422},
		{"/v1/data/targets", "text/csv", "period,scope,scope_id,metric,target\n", 422},
		{"/v1/data/targets", "text/csv", "period,scope\n2026Q1,company\n", 422},
		{"/v1/data/targets", "text/csv", "period,scope,scope_id,metric,target\nbad,company,,revenue,1\n", 422},
		// One reject in two rows is over the 1 % limit: nothing is written.
		{"/v1/data/targets", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,planet,,revenue,1\n2026Q2,company,,revenue,1\n", 422},
		{"/v1/data/targets", "text/csv", "period,period,scope,metric,target\n", 422},
		{"/v1/data/targets", "text/csv", string(utf16le), 422},
		{"/v1/data/targets?strict=maybe", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n", 400},
		{"/v1/data/targets?strict=true", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n2026Q2,moon,,revenue,1\n", 422},
		{"/v1/data/targets?other=1", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n", 400},
		{"/v1/data/targets?dry_run=often", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n", 400},
		{"/v1/data/targets?max_reject_share=2", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n", 400},
		{"/v1/data/targets?max_reject_share=0", "text/csv", "period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n", 400},
		{"/v1/data/targets", "text/csv", "period,scope,scope_id,metric,target\n" + strings.Repeat("2026Q1,company,,revenue,1\n", 50000), 413},
		{"/v1/data/targets", "multipart/form-data", "--x\r\n", 400},
		{"/v1/data/targets", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhi\r\n--x--\r\n", 400},
		{"/v1/data/targets", "multipart/form-data; boundary=x", "garbage", 400},
	}
	for i, u := range uploads {
		for _, method := range []string{"PUT", "POST"} {
			add(bad{name: fmt.Sprintf("upload %d %s %s", i, method, u.path), method: method, path: u.path, key: admin, ctype: u.ctype, body: []byte(u.body), want: u.want})
		}
	}
	add(bad{name: "upload mode", method: "POST", path: "/v1/data/targets?mode=merge", key: admin, ctype: "text/csv", body: []byte("period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n"), want: 400})
	add(bad{name: "upload mode on PUT", method: "PUT", path: "/v1/data/targets?mode=upsert", key: admin, ctype: "text/csv", body: []byte("period,scope,scope_id,metric,target\n2026Q1,company,,revenue,1\n"), want: 400})

	// Roles and tenants on mutations: refused, and refused without a trace of the target.
	for _, role := range []string{registry.RoleViewer, registry.RoleGM} {
		add(bad{name: "role " + role + " upload", method: "PUT", path: "/v1/data/targets", key: acme + "/" + role, ctype: "text/csv", body: []byte("x"), want: 403})
		add(bad{name: "role " + role + " promote", method: "POST", path: "/v1/models/forecast/promote", key: acme + "/" + role, ctype: "application/json",
			body: []byte(`{"version":2,"reason":"r"}`), want: 403})
	}
	add(bad{name: "viewer recommendations", method: "POST", path: "/v1/recommendations", key: acme + "/viewer", ctype: "application/json",
		body: []byte(`{"employee_ids":["` + someID + `"]}`), want: 403})
	add(bad{name: "other tenant promote", method: "POST", path: "/v1/models/forecast/promote", key: globex + "/admin", ctype: "application/json",
		body: []byte(`{"version":2,"reason":"r"}`), want: 404})

	if len(cases) < 500 {
		t.Fatalf("only %d malformed requests; the acceptance asks for at least 500", len(cases))
	}
	fivexx := 0
	for _, c := range cases {
		r := ts.do(t, c.method, c.path, c.key, c.ctype, c.body)
		if r.status >= 500 {
			fivexx++
		}
		t.Run(c.name, func(t *testing.T) { checkError(t, r, c.want, "") })
	}
	if fivexx > 0 {
		t.Errorf("%d of %d malformed requests got a 5xx", fivexx, len(cases))
	}
	t.Logf("%d malformed requests, all 4xx in the error shape", len(cases))

	// The server still serves, and nothing changed.
	r := ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil)
	if r.status != 200 || decode[forecastResponse](t, r).Model.Version != 1 {
		t.Errorf("after the malformed requests: %s", r)
	}
	if r := ts.do(t, "GET", "/healthz", "", "", nil); r.status != 200 {
		t.Errorf("healthz after the malformed requests: %s", r)
	}
	if bytes.Contains(ts.do(t, "GET", "/metrics", scrapeKey, "", nil).body, []byte(`status="500"`)) {
		t.Errorf("the metrics record a 500")
	}
}
