package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/notify"
	"github.com/growthlens/growthlens/models/registry"
)

// call is one request of the end-to-end test: the route template it exercises (as in the
// route table), a concrete path, a body, and the status an allowed role of the right tenant
// gets.
type apiCall struct {
	route, method, path string
	ctype               string
	body                []byte
	want                int
}

func jsonCall(route, method, path string, v any, want int) apiCall {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return apiCall{route: route, method: method, path: path, ctype: "application/json", body: b, want: want}
}

func getCall(route, path string, want int) apiCall {
	return apiCall{route: route, method: "GET", path: path, want: want}
}

// specChecker validates requests and responses against the OpenAPI document.
type specChecker struct {
	doc *openapi3.T
	mu  sync.Mutex
	hit map[string]bool // "METHOD route" validated with a 2xx response
}

func newSpecChecker(t testing.TB) *specChecker {
	t.Helper()
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	return &specChecker{doc: doc, hit: map[string]bool{}}
}

var ginParam = regexp.MustCompile(`:([a-z_]+)`)

// openAPIPath turns a Gin path (/v1/models/:name) into an OpenAPI one (/v1/models/{name}).
func openAPIPath(gin string) string { return ginParam.ReplaceAllString(gin, "{$1}") }

// check validates a call's request (when validRequest) and its response against the
// document, at the route the call names.
func (sc *specChecker) check(t testing.TB, c apiCall, r response, validRequest bool) {
	t.Helper()
	p := openAPIPath(c.route)
	item := sc.doc.Paths.Value(p)
	if item == nil {
		t.Errorf("%s %s: path %s is not in the OpenAPI document", c.method, c.path, p)
		return
	}
	op := item.GetOperation(c.method)
	if op == nil {
		t.Errorf("%s %s: the document has no %s for %s", c.method, c.path, c.method, p)
		return
	}
	req, err := http.NewRequest(c.method, "http://server"+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	params := map[string]string{}
	tmpl, got := strings.Split(c.route, "/"), strings.Split(strings.SplitN(c.path, "?", 2)[0], "/")
	for i, seg := range tmpl {
		if strings.HasPrefix(seg, ":") && i < len(got) {
			params[seg[1:]] = got[i]
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
		Route:   &routers.Route{Spec: sc.doc, Path: p, PathItem: item, Method: c.method, Operation: op},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	ctx := context.Background()
	if validRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request the server accepted does not match the document: %v", c.method, c.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader(r.body)), Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: false}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the response (%d) does not match the document: %v\n%s", c.method, c.path, r.status, err, clip.String(string(r.body), 400))
	}
	if r.status < 300 {
		sc.mu.Lock()
		sc.hit[c.method+" "+c.route] = true
		sc.mu.Unlock()
	}
}

// run sends a call with a key, checks the status and the document, and returns the response.
func (ts *testServer) run(t testing.TB, sc *specChecker, c apiCall, key string, want int) response {
	t.Helper()
	r := ts.do(t, c.method, c.path, key, c.ctype, c.body)
	if r.status != want {
		t.Errorf("%s %s as %s: status %d, want %d: %s", c.method, c.path, key, r.status, want, r)
	}
	if r.status >= 400 {
		checkError(t, r, r.status, "")
	}
	sc.check(t, c, r, r.status < 300)
	return r
}

func routeOf(t testing.TB, s *Server, method, path string) route {
	t.Helper()
	for _, rt := range s.routes {
		if rt.method == method && rt.path == path {
			return rt
		}
	}
	t.Fatalf("no route %s %s", method, path)
	return route{}
}

func hashDir(t testing.TB, dir string) string {
	t.Helper()
	h := sha256.New()
	for _, tb := range datasets.Tables {
		b, err := os.ReadFile(filepath.Join(dir, tb.Name+".csv"))
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s %d\n", tb.Name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestEndToEnd starts the real server on :0 with a temp store holding acme's trained models,
// and exercises every endpoint: with every role of the right tenant (allowed roles get the
// answer, the others 403), with no key (401), and with the other tenant's key, which must
// never see acme's models, data, runs or audit entries. Then globex uploads its own tables
// and trains through the API, and each tenant sees only its own forecast. Every request the
// server accepts and every response is validated against the OpenAPI document, and every
// route of the document must have been answered with a 2xx at least once.
func TestEndToEnd(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		// One attempt per delivery, so that the dead endpoint below makes a dead letter at once.
		c.Delivery = notify.Policy{MaxAttempts: 1, Base: time.Millisecond, Max: time.Millisecond}
		c.DeliveryPoll = 20 * time.Millisecond
	})
	sc := newSpecChecker(t)
	s := ts.srv

	sn := s.tenant(acme).live.Load()
	team := ""
	for _, name := range sn.forecast.order {
		if strings.HasPrefix(name, "team:") {
			team = strings.TrimPrefix(name, "team:")
			break
		}
	}
	var staff []string
	for id := range sn.incentive.cached {
		staff = append(staff, id)
	}
	slices.Sort(staff)
	if team == "" || len(staff) < 10 {
		t.Fatalf("fixture: team %q, %d employees on staff", team, len(staff))
	}
	someTeam := sn.incentive.cached[staff[0]].rec.TeamID
	period := lastQuarter()
	nextQuarter := sn.forecast.scopes["company"].sc.Forecast.Periods[0]
	leaves := map[string]any{"dims": []string{"region", "product"}, "kind": "additive", "leaves": plantedLeaves()}
	record := map[string]any{"employee_id": "NEW-1", "role": "sales", "team_id": someTeam, "region": "East", "level": 3, "tenure_years": 1.5,
		"age": 29, "salary": 80000, "perf_last": 3.5, "promotion_wait_months": 18, "months_since_reward": 7, "rewards_24m": map[string]float64{"training": 1},
		"last_incentive": "training"}
	targets, err := os.ReadFile(filepath.Join(fixture.acmeData, "targets.csv"))
	if err != nil {
		t.Fatal(err)
	}

	reads := []apiCall{
		getCall("/v1/scopes", "/v1/scopes", 200),
		getCall("/v1/scopes", "/v1/scopes?level=region", 200),
		getCall("/v1/forecast", "/v1/forecast?scope=company", 200),
		getCall("/v1/forecast", "/v1/forecast?scope=region:East&horizon=2", 200),
		getCall("/v1/forecast", "/v1/forecast?scope=team:"+team, 200),
		getCall("/v1/drivers", "/v1/drivers", 200),
		jsonCall("/v1/whatif", "POST", "/v1/whatif", map[string]any{"scope": "company", "changes": []map[string]any{{"driver": "marketing_spend", "percent": 10}, {"driver": "supply_lead_days", "amount": -2}}}, 200),
		jsonCall("/v1/whatif", "POST", "/v1/whatif", map[string]any{"scope": "region:East", "changes": []map[string]any{{"driver": "first_response_hours", "percent": -50}}}, 200),
		getCall("/v1/rootcauses", "/v1/rootcauses?scope=company&period="+period, 200),
		getCall("/v1/rootcauses", "/v1/rootcauses?scope=region:East&period="+period+"&against=forecast", 200),
		getCall("/v1/rootcauses", "/v1/rootcauses?scope=region:West&period="+period+"&expected=1000000", 200),
		jsonCall("/v1/rootcauses/slices", "POST", "/v1/rootcauses/slices", leaves, 200),
		getCall("/v1/alerts", "/v1/alerts", 200),
		getCall("/v1/models", "/v1/models", 200),
		getCall("/v1/models/:name", "/v1/models/forecast?history=5", 200),
		getCall("/v1/models/:name/versions/:version", fmt.Sprintf("/v1/models/forecast/versions/%d", fixture.forecast2), 200),
		getCall("/v1/rootcauses", "/v1/rootcauses?scope=region:East&period=2026-08&direction=down", 200),
		getCall("/v1/indicators", "/v1/indicators?role=sales", 200),
		getCall("/v1/indicators", "/v1/indicators?role=customer_service&scope=region:East", 200),
		getCall("/v1/indicators", "/v1/indicators", 200),
		getCall("/v1/attribution", "/v1/attribution?scope=company&period="+period, 200),
		getCall("/v1/attribution", "/v1/attribution?scope=region:East&period="+period+"&against=forecast", 200),
		getCall("/v1/attribution", "/v1/attribution?scope=region:West&period="+period+"&expected=1000000", 200),
	}
	// Period-to-date actuals well behind the targets' pace: the company and East in the
	// quarter, West in the month against a given target.
	tq := sn.data.targets[targetKey{"2026Q3", "company", "revenue"}]
	te := sn.data.targets[targetKey{"2026Q3", "region:East", "revenue"}]
	if !(tq > 0 && te > 0) {
		t.Fatalf("fixture: 2026Q3 targets %g (company) %g (East)", tq, te)
	}
	actualsBody := map[string]any{"as_of": "2026-08-20", "actuals": []map[string]any{
		{"scope": "company", "period": "2026Q3", "actual": 0.1 * tq},
		{"scope": "region:East", "period": "2026Q3", "kpi": "revenue", "actual": 0.1 * te},
		{"scope": "region:West", "period": "2026-08", "actual": 1000, "target": 400000},
	}}
	actuals := []apiCall{jsonCall("/v1/actuals", "POST", "/v1/actuals", actualsBody, 200)}
	people := []apiCall{
		jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"employee_ids": []string{staff[0]}}, 200),
		jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"employee_ids": staff[:10], "top": 2, "reasons": false}, 200),
		jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"team": someTeam, "top": 7}, 200),
		jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"employee_ids": staff[:3], "as_of": "2026-09-15"}, 200),
		jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"employees": []any{record}}, 200),
		getCall("/v1/employees/:id/features", "/v1/employees/"+staff[0]+"/features", 200),
		getCall("/v1/attrition", "/v1/attrition?scope=company", 200),
		getCall("/v1/attrition", "/v1/attrition?employee_id="+staff[0], 200),
		jsonCall("/v1/allocations", "POST", "/v1/allocations", map[string]any{"team": someTeam, "budget": 20000}, 200),
		jsonCall("/v1/allocations", "POST", "/v1/allocations", map[string]any{"employee_ids": staff, "budget": 0, "cost_unit": 5}, 200),
	}
	dataCalls := []apiCall{
		getCall("/v1/data", "/v1/data", 200),
		{route: "/v1/data/:table", method: "PUT", path: "/v1/data/targets", ctype: "text/csv", body: targets, want: 200},
		{route: "/v1/data/:table", method: "POST", path: "/v1/data/targets?mode=upsert&dry_run=true", ctype: "text/csv", body: targets, want: 200},
		{route: "/v1/data/:table", method: "POST", path: "/v1/data/targets", ctype: "text/csv", body: targets, want: 200},
	}
	trainer := []apiCall{
		getCall("/v1/training-runs", "/v1/training-runs?limit=5", 200),
		getCall("/v1/training-runs/:id", "/v1/training-runs/"+fixture.runID, 200),
	}
	admin := []apiCall{getCall("/v1/audit", "/v1/audit?limit=50", 200)}
	goals := []apiCall{
		jsonCall("/v1/goals", "POST", "/v1/goals", map[string]any{"period": "2027", "target": 0.3}, 201),
		jsonCall("/v1/goals", "POST", "/v1/goals", map[string]any{"period": "2026", "target": 0.3}, 201),
		getCall("/v1/scorecards", "/v1/scorecards?period=2026&team="+someTeam, 200),
		getCall("/v1/scorecards", "/v1/scorecards?period=2026&employee_id="+staff[0], 200),
		jsonCall("/v1/catalogue", "PUT", "/v1/catalogue", map[string]any{"roles": []map[string]any{{"role": "janitor", "name": "Janitor",
			"indicators": []map[string]any{{"id": "staff_stability", "name": "Staff stability", "formula": "1 - employee_attrition", "direction": "up", "unit": "share of staff"}}}}}, 200),
		getCall("/v1/catalogue", "/v1/catalogue", 200),
		getCall("/v1/goals", "/v1/goals?history=true", 200),
		getCall("/v1/cascade", "/v1/cascade?period=2027", 200),
		getCall("/v1/cascade", "/v1/cascade?period=2027Q1&target=2", 200),
		jsonCall("/v1/forecast/adjustments/:scope/:quarter", "PUT", "/v1/forecast/adjustments/region:East/"+nextQuarter,
			map[string]any{"revenue": 1_250_000, "note": "two renewals signed early"}, 200),
		getCall("/v1/forecast/adjustments", "/v1/forecast/adjustments?history=true", 200),
		getCall("/v1/forecast", "/v1/forecast?scope=region:East", 200),
	}

	// Every role of acme on every read, people, data, audit and goal call.
	for _, group := range [][]apiCall{reads, people, actuals, dataCalls, trainer, admin, goals} {
		for _, c := range group {
			rt := routeOf(t, s, c.method, c.route)
			for _, role := range registry.Roles {
				key := acme + "/" + role
				if allowed(role, rt.perm) {
					ts.run(t, sc, c, key, c.want)
				} else {
					r := ts.run(t, sc, c, key, 403)
					checkError(t, r, 403, EPermission)
				}
			}
			checkError(t, ts.run(t, sc, c, "", 401), 401, EUnauthenticated)
		}
	}

	// The answers say what they should.
	fc := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil))
	if fc.Model.Version != 1 || len(fc.Forecast) != 4 || len(fc.Forecast[0].Intervals) != 2 || fc.Accuracy.Origins == 0 || fc.Accuracy.Summary == "" {
		t.Errorf("company forecast: version %d, %d quarters, intervals %v, accuracy %+v", fc.Model.Version, len(fc.Forecast), fc.Forecast[0].Intervals, fc.Accuracy)
	}
	for _, p := range fc.Forecast {
		lo80, hi80, lo95, hi95 := p.Intervals[0].Lower, p.Intervals[0].Upper, p.Intervals[1].Lower, p.Intervals[1].Upper
		if !(lo95 <= lo80 && lo80 <= p.Revenue && p.Revenue <= hi80 && hi80 <= hi95) {
			t.Errorf("%s: intervals not nested around the forecast: 95 [%v, %v] 80 [%v, %v] mean %v", p.Period, lo95, hi95, lo80, hi80, p.Revenue)
		}
		// The probability of hitting the target agrees with the intervals: a target below the
		// 80 % interval is hit with p ≥ 0.9, one above it with p ≤ 0.1.
		// (The generated data has targets up to its last quarter only: TestForecastTargetOutlook
		// covers forecast quarters with a target.)
		if (p.Target == nil) != (p.HitProbability == nil) {
			t.Errorf("%s: target %v, hit probability %v: want both or neither", p.Period, p.Target, p.HitProbability)
		} else if p.Target != nil {
			if tg, hp := *p.Target, *p.HitProbability; hp < 0 || hp > 1 || (tg <= lo80 && hp < 0.9-1e-9) || (tg >= hi80 && hp > 0.1+1e-9) {
				t.Errorf("%s: target %v with 80 %% interval [%v, %v] is hit with probability %v", p.Period, tg, lo80, hi80, hp)
			}
		}
	}
	// The first two quarters carry the pipeline split; it adds up.
	for h, p := range fc.Forecast {
		pl := p.Pipeline
		if (pl != nil) != (h < 2) {
			t.Errorf("%s: pipeline split %+v, want one for the first two quarters only", p.Period, pl)
			continue
		}
		if pl == nil {
			continue
		}
		if d := math.Abs(float64(pl.Closed + pl.Open + pl.NotCreated - pl.Total)); d > 1e-6*float64(pl.Total) || !(pl.Open > 0 && pl.NotCreated > 0 && pl.Open <= pl.OpenAmount) {
			t.Errorf("%s: split %+v does not add up", p.Period, *pl)
		}
		if (pl.NeededFromOpen == nil) != (p.Target == nil) || (p.Target != nil && float64(*pl.NeededFromOpen) != math.Max(0, float64(*p.Target-pl.Closed-pl.NotCreated))) {
			t.Errorf("%s: needed from open deals %v, want target − closed − not created", p.Period, pl.NeededFromOpen)
		}
	}
	// Reconciled: the regions' forecasts add up to the company's at every horizon (0.1 %).
	regions := decode[struct {
		Scopes []scopeJSON `json:"scopes"`
	}](t, ts.do(t, "GET", "/v1/scopes?level=region", acme+"/viewer", "", nil))
	if len(regions.Scopes) < 2 {
		t.Fatalf("%d regions, want several", len(regions.Scopes))
	}
	sums := make([]float64, len(fc.Forecast))
	for _, r := range regions.Scopes {
		rf := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope="+r.Scope+"&horizon=4", acme+"/viewer", "", nil))
		for h, p := range rf.Forecast {
			sums[h] += float64(p.Revenue)
		}
	}
	for h, p := range fc.Forecast {
		if co := float64(p.Revenue); math.Abs(sums[h]-co) > 0.001*co {
			t.Errorf("%s: regions sum to %.0f, the company is %.0f (%.3f %% apart)", p.Period, sums[h], co, 100*(sums[h]/co-1))
		}
	}
	slicesResp := decode[struct {
		Slices []sliceJSON `json:"slices"`
	}](t, ts.json(t, "POST", "/v1/rootcauses/slices", acme+"/viewer", leaves))
	if len(slicesResp.Slices) == 0 || slicesResp.Slices[0].Label != "region=East & product=Pro" || !slicesResp.Slices[0].Significant {
		t.Errorf("drilldown did not put the planted slice region=East & product=Pro first: %+v", slicesResp.Slices)
	}
	recs := decode[struct {
		Count           int `json:"count"`
		Recommendations []struct {
			EmployeeID string `json:"employee_id"`
			Options    []struct {
				Type    string   `json:"type"`
				Reasons []string `json:"reasons"`
			} `json:"options"`
		} `json:"recommendations"`
	}](t, ts.json(t, "POST", "/v1/recommendations", acme+"/hr_system", map[string]any{"employee_ids": staff[:10], "top": 2}))
	if recs.Count != 10 || len(recs.Recommendations) != 10 {
		t.Fatalf("batch of 10: count %d, %d recommendations", recs.Count, len(recs.Recommendations))
	}
	for i, r := range recs.Recommendations {
		if r.EmployeeID != staff[i] || len(r.Options) > 2 || len(r.Options) > 0 && len(r.Options[0].Reasons) == 0 {
			t.Errorf("recommendation %d: %+v (want %s, at most 2 options with reasons)", i, r, staff[i])
		}
	}

	// Root causes are diagnose's answer on the tenant's data with the champion company model
	// (the one what-if and attribution use).
	cm, _ := ts.srv.tenant(acme).live.Load().champions.Company()
	if cm == nil {
		t.Fatal("acme has no champion company model")
	}
	co, err := diagnose.Open(fixture.acmeData, diagnose.Options{Replicates: diagnoseReplicates, Seed: diagnoseSeed, Model: cm})
	if err != nil {
		t.Fatal(err)
	}
	wantRC, err := co.Drivers(context.Background(), diagnose.DriverRequest{Scope: diagnose.Scope{Level: "region", ID: "East"}, Period: datasets.Period{Grain: datasets.Month, N: 2026*12 + 7}, Direction: -1})
	if err != nil {
		t.Fatal(err)
	}
	gotRC := decode[rootCauseResponse](t, ts.do(t, "GET", "/v1/rootcauses?scope=region:East&period=2026-08&direction=down", acme+"/viewer", "", nil))
	if len(gotRC.Causes) != len(wantRC.Causes) || gotRC.NoDominantCause != wantRC.NoDominantCause || gotRC.ExpectedFrom != "target" || gotRC.Direction != -1 {
		t.Errorf("root causes of East 2026-08: %d causes, no dominant cause %v, from %s; diagnose gives %d causes, %v",
			len(gotRC.Causes), gotRC.NoDominantCause, gotRC.ExpectedFrom, len(wantRC.Causes), wantRC.NoDominantCause)
	} else {
		for i, c := range gotRC.Causes {
			w := wantRC.Causes[i]
			if c.Driver != w.Driver || c.Role != w.Role || c.Significant != w.Significant || math.Abs(float64(c.Contribution.Estimate)-w.Contribution.Estimate) > 1e-9 {
				t.Errorf("cause %d: %s (%s) significant %v contribution %v; diagnose: %s (%s) %v %v", i, c.Driver, c.Role, c.Significant,
					c.Contribution.Estimate, w.Driver, w.Role, w.Significant, w.Contribution.Estimate)
			}
			if c.Role == "" {
				t.Errorf("cause %s has no responsible role", c.Driver)
			}
		}
	}
	// The attribution is the driver model's, and its parts add up to the gap.
	pq, err := datasets.ParseQuarter(period)
	if err != nil {
		t.Fatal(err)
	}
	wantAt, err := sn.driver.m.Attribute(driver.Query{Period: pq, Expected: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	gotAt := decode[attributionResponse](t, ts.do(t, "GET", "/v1/attribution?scope=company&period="+period+"&expected=1000000", acme+"/viewer", "", nil))
	sum := float64(gotAt.Unexplained.Estimate)
	for _, c := range gotAt.Contributions {
		sum += float64(c.Contribution.Estimate)
		if c.Role == "" {
			t.Errorf("attribution of %s has no responsible role", c.Driver)
		}
	}
	if gotAt.ExpectedFrom != "given" || gotAt.Expected != 1e6 || len(gotAt.Contributions) != len(wantAt.Contributions) || len(gotAt.Contributions) == 0 ||
		math.Abs(sum-float64(gotAt.Gap)) > 1e-9 || math.Abs(float64(gotAt.Gap)-wantAt.Gap) > 1e-12 {
		t.Errorf("attribution of %s against 1e6: from %s, expected %v, %d contributions (model: %d), parts sum to %v, gap %v (model: %v)",
			period, gotAt.ExpectedFrom, gotAt.Expected, len(gotAt.Contributions), len(wantAt.Contributions), sum, gotAt.Gap, wantAt.Gap)
	} else {
		for i, c := range gotAt.Contributions {
			if w := wantAt.Contributions[i]; c.Driver != w.Column || float64(c.Contribution.Estimate) != w.Contribution.Estimate {
				t.Errorf("contribution %d: %s %v; the model: %s %v", i, c.Driver, c.Contribution.Estimate, w.Column, w.Contribution.Estimate)
			}
		}
	}
	if gotT := decode[attributionResponse](t, ts.do(t, "GET", "/v1/attribution?scope=company&period="+period, acme+"/viewer", "", nil)); gotT.ExpectedFrom != "target" ||
		float64(gotT.Expected) != sn.data.targets[targetKey{period, "company", "revenue"}] {
		t.Errorf("attribution against the target: from %s, expected %v, target %v", gotT.ExpectedFrom, gotT.Expected, sn.data.targets[targetKey{period, "company", "revenue"}])
	}
	ind := decode[indicatorsResponse](t, ts.do(t, "GET", "/v1/indicators?role=customer_service&scope=region:East", acme+"/viewer", "", nil))
	if len(ind.Roles) != 1 || ind.Roles[0].Role != "customer_service" || len(ind.Roles[0].Indicators) < 3 || ind.Scope != "region:East" {
		t.Errorf("indicators of customer service in East: %+v", ind)
	} else {
		sum := 0
		for _, x := range ind.Roles[0].Indicators {
			sum += x.Weight
		}
		if sum != 100 {
			t.Errorf("customer service's weights sum to %d, want 100", sum)
		}
	}

	// The actuals raised alerts once (the first allowed role's post); the later posts were
	// deduplicated. Every alert has its causes linked and tells the GM and sales.
	stored := decode[struct {
		Alerts []struct {
			ID    string      `json:"id"`
			Alert alert.Alert `json:"alert"`
		} `json:"alerts"`
	}](t, ts.do(t, "GET", "/v1/alerts", acme+"/viewer", "", nil))
	scopes := map[string]bool{}
	for _, a := range stored.Alerts {
		scopes[a.Alert.Scope+" "+a.Alert.Period.String()] = true
		if a.ID != a.Alert.ID || a.Alert.Severity != alert.Critical || !(a.Alert.Pace < 0.6) || !slices.Contains(a.Alert.Notify, "gm") || a.Alert.Causes == nil {
			t.Errorf("stored alert %s: %+v", a.ID, a.Alert)
		}
	}
	if len(stored.Alerts) != 3 || !scopes["company 2026Q3"] || !scopes["region:East 2026Q3"] || !scopes["region:West 2026-08"] {
		t.Errorf("stored alerts after the posts: %v, want company and East in 2026Q3 and West in 2026-08", scopes)
	}
	again := decode[actualsResponse](t, ts.json(t, "POST", "/v1/actuals", acme+"/hr_system", actualsBody))
	if len(again.Alerts) != 0 || len(again.Suppressed) != 3 || len(again.Progress) != 3 || !again.Progress[0].Alert {
		t.Errorf("the same actuals again: %d raised, %d suppressed, progress %+v; want 0, 3", len(again.Alerts), len(again.Suppressed), again.Progress)
	}

	// Promote and roll back, with the right role (the new champion is served at once) and
	// the wrong ones.
	promote := jsonCall("/v1/models/:name/promote", "POST", "/v1/models/forecast/promote", map[string]any{"version": fixture.forecast2, "reason": "e2e: the retrained forecast"}, 200)
	rollback := jsonCall("/v1/models/:name/rollback", "POST", "/v1/models/forecast/rollback", map[string]any{"reason": "e2e: back to v1"}, 200)
	for _, c := range []apiCall{promote, rollback} {
		for _, role := range []string{registry.RoleViewer, registry.RoleGM, registry.RoleHRSystem} {
			checkError(t, ts.run(t, sc, c, acme+"/"+role, 403), 403, EPermission)
		}
		checkError(t, ts.run(t, sc, c, "", 401), 401, EUnauthenticated)
	}
	move := decode[struct {
		Serving int `json:"serving"`
	}](t, ts.run(t, sc, promote, acme+"/trainer", 200))
	if move.Serving != fixture.forecast2 {
		t.Errorf("after promote the server serves v%d, want v%d", move.Serving, fixture.forecast2)
	}
	if v := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil)).Model.Version; v != fixture.forecast2 {
		t.Errorf("forecast after promote from v%d, want v%d", v, fixture.forecast2)
	}
	checkError(t, ts.run(t, sc, promote, acme+"/admin", 409), 409, EConflict) // already there: admin is admitted, the move refused
	ts.run(t, sc, rollback, acme+"/admin", 200)
	if v := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil)).Model.Version; v != 1 {
		t.Errorf("forecast after rollback from v%d, want v1", v)
	}

	// The other tenant sees nothing of acme's: no models to answer with, no model, version,
	// run, table or audit entry of acme's, and a promotion of acme's model finds nothing.
	acmeDataHash := hashDir(t, filepath.Join(ts.dataRoot, acme))
	for _, c := range append(reads[:12:12], reads[16:]...) { // the calls answered from acme's models or data
		if c.route == "/v1/rootcauses/slices" || c.route == "/v1/alerts" {
			continue
		}
		checkError(t, ts.run(t, sc, c, globex+"/admin", 503), 503, EUnavailable)
	}
	checkError(t, ts.run(t, sc, actuals[0], globex+"/admin", 503), 503, EUnavailable)
	if ga := decode[struct {
		Alerts []any `json:"alerts"`
	}](t, ts.run(t, sc, reads[12], globex+"/viewer", 200)); len(ga.Alerts) != 0 {
		t.Errorf("globex sees acme's alerts: %v", ga.Alerts)
	}
	for _, c := range people {
		checkError(t, ts.run(t, sc, c, globex+"/gm", 503), 503, EUnavailable)
	}
	if ms := decode[struct {
		Models []any `json:"models"`
	}](t, ts.run(t, sc, reads[13], globex+"/viewer", 200)); len(ms.Models) != 0 {
		t.Errorf("globex lists acme's models: %v", ms.Models)
	}
	for _, c := range []apiCall{reads[14], reads[15]} {
		checkError(t, ts.run(t, sc, c, globex+"/viewer", 404), 404, ENotFound)
	}
	for _, c := range []apiCall{promote, rollback} {
		checkError(t, ts.run(t, sc, c, globex+"/admin", 404), 404, ENotFound)
	}
	checkError(t, ts.run(t, sc, trainer[1], globex+"/trainer", 404), 404, ENotFound)
	runs := decode[struct {
		Jobs []Job            `json:"jobs"`
		Runs []map[string]any `json:"runs"`
	}](t, ts.run(t, sc, trainer[0], globex+"/trainer", 200))
	if len(runs.Jobs)+len(runs.Runs) != 0 {
		t.Errorf("globex sees acme's training runs: %+v", runs)
	}
	if d := decode[struct {
		Tables []tableFile `json:"tables"`
	}](t, ts.run(t, sc, dataCalls[0], globex+"/hr_system", 200)); len(d.Tables) != 0 {
		t.Errorf("globex sees tables it never uploaded: %+v", d.Tables)
	}
	audit := decode[registry.AuditPage](t, ts.run(t, sc, admin[0], globex+"/admin", 200))
	for _, e := range audit.Entries {
		if e.Tenant != globex {
			t.Errorf("globex's audit log shows an entry of %q: %+v", e.Tenant, e)
		}
	}

	// acme's audit log has the promotion with who, outcome and request id, and the refused
	// attempts.
	acmeAudit := decode[registry.AuditPage](t, ts.do(t, "GET", "/v1/audit?action=models.promote&limit=100", acme+"/admin", "", nil))
	var ok, denied, rejected int
	for _, e := range acmeAudit.Entries {
		switch {
		case e.Outcome == "ok" && e.Who == ts.keyIDs[acme+"/trainer"] && e.Role == registry.RoleTrainer && e.RequestID != "" && strings.Contains(e.Target, "forecast@"):
			ok++
		case e.Outcome == "denied":
			denied++
		case e.Outcome == "rejected" && e.Who == ts.keyIDs[acme+"/admin"]:
			rejected++
		}
	}
	if ok != 1 || denied != 3 || rejected != 1 {
		t.Errorf("acme's audit of models.promote: %d ok by the trainer, %d denied, %d rejected; want 1, 3, 1:\n%+v", ok, denied, rejected, acmeAudit.Entries)
	}

	// globex uploads its tables (one as a multipart form) and trains through the API.
	for i, tb := range datasets.Tables {
		b, err := os.ReadFile(filepath.Join(fixture.globex, tb.Name+".csv"))
		if err != nil {
			continue
		}
		c := apiCall{route: "/v1/data/:table", method: "PUT", path: "/v1/data/" + tb.Name, ctype: "text/csv", body: b, want: 200}
		if i%3 == 0 {
			c.method = "POST" // an upsert into a table globex does not have yet
		}
		if i%2 == 1 {
			c.body, c.ctype = multipartFile(t, tb.Name+".csv", b)
		}
		ts.run(t, sc, c, globex+"/hr_system", 200)
	}
	if got := hashDir(t, filepath.Join(ts.dataRoot, acme)); got != acmeDataHash {
		t.Errorf("globex's uploads changed acme's data")
	}
	start := jsonCall("/v1/training-runs", "POST", "/v1/training-runs", map[string]any{"seed": 3}, 202)
	for _, role := range []string{registry.RoleViewer, registry.RoleGM, registry.RoleHRSystem} {
		checkError(t, ts.run(t, sc, start, globex+"/"+role, 403), 403, EPermission)
	}
	job := decode[Job](t, ts.run(t, sc, start, globex+"/trainer", 202))
	checkError(t, ts.run(t, sc, start, globex+"/admin", 409), 409, EConflict) // one run at a time
	status := apiCall{route: "/v1/training-runs/:id", method: "GET", path: "/v1/training-runs/" + job.ID}
	checkError(t, ts.run(t, sc, status, acme+"/admin", 404), 404, ENotFound) // acme cannot see globex's job
	deadline := time.Now().Add(3 * time.Minute)
	for job.Status == jobQueued || job.Status == jobRunning {
		if time.Now().After(deadline) {
			t.Fatalf("globex's training did not finish: %+v", job)
		}
		time.Sleep(100 * time.Millisecond)
		job = decode[Job](t, ts.run(t, sc, status, globex+"/trainer", 200))
	}
	if job.Status != jobSucceeded || job.Run == nil || job.RunID == "" {
		t.Fatalf("globex's training: %+v", job)
	}
	ts.run(t, sc, getCall("/v1/training-runs/:id", "/v1/training-runs/"+job.RunID, 200), globex+"/trainer", 200)
	gf := decode[forecastResponse](t, ts.run(t, sc, getCall("/v1/forecast", "/v1/forecast?scope=region:Harbour", 200), globex+"/viewer", 200))
	if gf.Model.RunID != job.RunID {
		t.Errorf("globex's forecast comes from run %s, want %s", gf.Model.RunID, job.RunID)
	}
	checkError(t, ts.run(t, sc, getCall("/v1/forecast", "/v1/forecast?scope=region:Harbour", 404), acme+"/viewer", 404), 404, ENotFound)
	checkError(t, ts.run(t, sc, getCall("/v1/forecast", "/v1/forecast?scope=region:East", 404), globex+"/viewer", 404), 404, ENotFound)
	if v := decode[forecastResponse](t, ts.do(t, "GET", "/v1/forecast?scope=company", acme+"/viewer", "", nil)).Model; v.RunID != fixture.runID {
		t.Errorf("acme's forecast changed with globex's training: %+v", v)
	}
	// An employee id only acme has is unknown to globex.
	gsn := s.tenant(globex).live.Load()
	acmeOnly := ""
	for _, id := range staff {
		if _, err := gsn.incentive.rec.Recommend(context.Background(), []string{id}, incentive.Options{}); errors.Is(err, incentive.ErrUnknownEmployee) {
			acmeOnly = id
			break
		}
	}
	if acmeOnly == "" {
		t.Fatal("fixture: no acme employee id that globex lacks")
	}
	checkError(t, ts.run(t, sc, jsonCall("/v1/recommendations", "POST", "/v1/recommendations", map[string]any{"employee_ids": []string{acmeOnly}}, 404), globex+"/gm", 404), 404, ENotFound)

	// The public routes.
	for _, c := range []apiCall{getCall("/healthz", "/healthz", 200), getCall("/readyz", "/readyz", 200), getCall("/openapi.json", "/openapi.json", 200)} {
		ts.run(t, sc, c, "", 200)
	}
	m := ts.run(t, sc, getCall("/metrics", "/metrics", 200), scrapeKey, 200)
	for _, want := range []string{
		`growthlens_http_requests_total{method="GET",route="/v1/forecast",status="200"}`,
		`growthlens_http_request_duration_seconds_bucket{method="POST",route="/v1/recommendations",status="200"`,
		`growthlens_model_version{model="forecast",tenant="acme"} 1`,
		`growthlens_model_version{model="incentive",tenant="globex"} 1`,
		`growthlens_predictions_total{kind="recommendation",model="incentive",tenant="acme"}`,
		`growthlens_training_runs_total{status="succeeded",tenant="globex"} 1`,
		`growthlens_training_duration_seconds_count{status="succeeded",tenant="globex"} 1`,
		`growthlens_kpi_completion_ratio{metric="revenue",period="` + period + `",scope="company",tenant="acme"}`,
		`growthlens_uploads_total{outcome="ok",table="opportunities",tenant="globex"} 1`,
		`growthlens_kpi_pace_ratio{grain="quarter",metric="revenue",period="2026Q3",scope="region:East",tenant="acme"}`,
		`growthlens_kpi_pace_ratio{grain="month",metric="revenue",period="2026-08",scope="region:West",tenant="acme"}`,
		`growthlens_alerts_raised_total{severity="critical",tenant="acme"} 3`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Alert delivery: subscriptions, the delivery log, acknowledging and muting an alert, the
	// role KPI check (a 2026 goal was set above), a dead letter retried, a subscription deleted.
	if r := ts.json(t, "POST", "/v1/subscriptions", acme+"/admin", map[string]any{"name": "refuses", "roles": []string{"gm"},
		"webhook": map[string]any{"url": "http://127.0.0.1:1/hook"}}); r.status != 201 {
		t.Fatalf("subscribe: %s", r)
	}
	if r := ts.json(t, "POST", "/v1/actuals", acme+"/hr_system", map[string]any{"as_of": "2026-08-21", "actuals": []map[string]any{
		{"scope": "region:West", "period": "2026Q3", "actual": 0.01 * tq, "target": tq}}}); r.status != 200 {
		t.Fatalf("actuals: %s", r)
	}
	alertRecs, err := s.Store().Alerts(acme, 1)
	if err != nil || len(alertRecs) == 0 {
		t.Fatalf("no alert raised: %v", err)
	}
	alertID := alertRecs[0].ID
	alerting := []apiCall{
		jsonCall("/v1/subscriptions", "POST", "/v1/subscriptions", map[string]any{"name": "sales leads", "teams": []string{someTeam}, "min_severity": "critical",
			"webhook": map[string]any{"url": "https://hooks.example.com/growthlens", "secret": "0123456789abcdef"}}, 201),
		getCall("/v1/subscriptions", "/v1/subscriptions", 200),
		getCall("/v1/deliveries", "/v1/deliveries?limit=10", 200),
		getCall("/v1/alerts", "/v1/alerts?open=true", 200),
		jsonCall("/v1/alerts/:id/mute", "POST", "/v1/alerts/"+alertID+"/mute", map[string]any{"days": 3, "note": "known"}, 200),
		jsonCall("/v1/alerts/:id/ack", "POST", "/v1/alerts/"+alertID+"/ack", map[string]any{"note": "on it"}, 200),
		jsonCall("/v1/alerts/check", "POST", "/v1/alerts/check", map[string]any{"period": "2026"}, 200),
	}
	for _, c := range alerting {
		rt := routeOf(t, s, c.method, c.route)
		for _, role := range registry.Roles {
			if allowed(role, rt.perm) {
				ts.run(t, sc, c, acme+"/"+role, c.want)
			} else {
				checkError(t, ts.run(t, sc, c, acme+"/"+role, 403), 403, EPermission)
			}
		}
		checkError(t, ts.run(t, sc, c, "", 401), 401, EUnauthenticated)
	}
	var dead []deliveryJSON
	for deadline := time.Now().Add(20 * time.Second); len(dead) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		dead = decode[struct {
			Deliveries []deliveryJSON `json:"deliveries"`
		}](t, ts.do(t, "GET", "/v1/deliveries?status=dead", acme+"/admin", "", nil)).Deliveries
	}
	if len(dead) == 0 {
		t.Fatal("no dead letter from the refusing endpoint")
	}
	ts.run(t, sc, jsonCall("/v1/deliveries/:id/retry", "POST", "/v1/deliveries/"+dead[0].ID+"/retry", map[string]any{}, 200), acme+"/gm", 200)
	subsNow := decode[struct {
		Subscriptions []subscriptionJSON `json:"subscriptions"`
	}](t, ts.do(t, "GET", "/v1/subscriptions", acme+"/admin", "", nil)).Subscriptions
	ts.run(t, sc, apiCall{route: "/v1/subscriptions/:id", method: "DELETE", path: "/v1/subscriptions/" + subsNow[0].ID, want: 200}, acme+"/admin", 200)
	checkError(t, ts.run(t, sc, apiCall{route: "/v1/subscriptions/:id", method: "DELETE", path: "/v1/subscriptions/" + subsNow[0].ID, want: 404}, acme+"/admin", 404), 404, ENotFound)

	adj := apiCall{route: "/v1/forecast/adjustments/:scope/:quarter", method: "DELETE", path: "/v1/forecast/adjustments/region:East/" + nextQuarter}
	ts.run(t, sc, adj, acme+"/gm", 200)
	checkError(t, ts.run(t, sc, adj, acme+"/gm", 404), 404, ENotFound)

	// Every operation of the document was answered with a 2xx.
	for _, rt := range s.routes {
		if !sc.hit[rt.method+" "+rt.path] {
			t.Errorf("%s %s was never exercised with a 2xx answer", rt.method, rt.path)
		}
	}
}

// plantedLeaves is a region × product table where East × Pro fell 40 % short and every other
// leaf is within a percent or two of its expectation.
func plantedLeaves() []map[string]any {
	var out []map[string]any
	i := 0
	for _, r := range []string{"East", "North", "South", "West"} {
		for _, p := range []string{"Core", "Pro", "Suite", "Cloud", "Enterprise"} {
			i++
			exp := 1000.0 + float64(37*i%11)*50
			act := exp * (1 + float64(i%5-2)/100)
			if r == "East" && p == "Pro" {
				act = exp * 0.6
			}
			out = append(out, map[string]any{"values": []string{r, p}, "actual": act, "expected": exp})
		}
	}
	return out
}

func multipartFile(t testing.TB, name string, b []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("note", "uploaded by the test")
	f, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}
