package serve

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve/review"
)

// browser is an HTTP client with a cookie jar that does not follow redirects, so a test sees
// each 303 and where it points.
type browser struct {
	t    *testing.T
	ts   *testServer
	c    *http.Client
	csrf string // the session's CSRF token, read from the last review page
}

func newBrowser(t *testing.T, ts *testServer) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ts: ts, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.ts.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := response{status: resp.StatusCode, body: rb, header: resp.Header}
	if m := csrfField.FindSubmatch(rb); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return r
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// signIn posts key ("tenant/role" of ts.keys) through the sign-in form, as a browser would.
func (b *browser) signIn(key string) response {
	b.t.Helper()
	r := b.do("GET", "/signin", nil)
	if r.status != 200 {
		b.t.Fatalf("GET /signin: %s", r)
	}
	secret := key
	if s, ok := b.ts.keys[key]; ok {
		secret = s
	}
	return b.do("POST", "/signin", url.Values{"key": {secret}, "csrf": {b.csrf}})
}

func location(r response) string { return r.header.Get("Location") }

// figures reads a page's data-k/data-v pairs.
func figures(t *testing.T, page []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range dataKV.FindAllSubmatch(page, -1) {
		k, v := html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))
		if old, ok := out[k]; ok && old != v {
			t.Fatalf("figure %s appears twice with %s and %s", k, old, v)
		}
		out[k] = v
	}
	if len(out) == 0 {
		t.Fatalf("no figures on the page")
	}
	return out
}

var dataKV = regexp.MustCompile(`data-k="([^"]*)" data-v="([^"]*)"`)

// same compares a page figure with an API number: both undefined (NaN on the page, null or
// absent in the API), or equal to 1e-12 relative (they come from the same computation; the
// tolerance only allows for formatting).
func same(t *testing.T, figs map[string]string, key string, api any) {
	t.Helper()
	s, ok := figs[key]
	if !ok {
		t.Errorf("page has no figure %s", key)
		return
	}
	got, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Errorf("figure %s = %q: %v", key, s, err)
		return
	}
	want := math.NaN()
	switch v := api.(type) {
	case float64:
		want = v
	case nil:
	case bool:
		if v {
			want = 1
		} else {
			want = 0
		}
	default:
		t.Fatalf("api value of %s is %T", key, api)
	}
	if math.IsNaN(want) || math.IsNaN(got) {
		if math.IsNaN(want) != math.IsNaN(got) {
			t.Errorf("%s: page %v, api %v", key, got, want)
		}
		return
	}
	if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: page %v, api %v", key, got, want)
	}
}

func sameBool(t *testing.T, figs map[string]string, key string, api any) {
	t.Helper()
	if got, want := figs[key], fmt.Sprint(api); got != want {
		t.Errorf("%s: page %q, api %q", key, got, want)
	}
}

type jsonObj = map[string]any

func obj(t *testing.T, v any, path ...string) jsonObj {
	t.Helper()
	for _, p := range path {
		m, ok := v.(jsonObj)
		if !ok {
			t.Fatalf("%v: not an object at %s", path, p)
		}
		v = m[p]
	}
	m, ok := v.(jsonObj)
	if !ok {
		t.Fatalf("%v: not an object", path)
	}
	return m
}

func list(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("not a list: %T", v)
	}
	return l
}

func apiJSON(t *testing.T, ts *testServer, method, path, key string, body any) jsonObj {
	t.Helper()
	r := ts.json(t, method, path, key, body)
	if r.status != 200 {
		t.Fatalf("%s %s: %s", method, path, r)
	}
	var m jsonObj
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReviewNeedsASessionOfAGMOrAdminOfTheTenant(t *testing.T) {
	ts := startServer(t, nil)

	t.Run("no session redirects to sign-in", func(t *testing.T) {
		b := newBrowser(t, ts)
		for _, method := range []string{"GET", "POST"} {
			r := b.do(method, "/review?quarter=2026Q3", url.Values{})
			if r.status != http.StatusSeeOther || !strings.HasPrefix(location(r), "/signin") {
				t.Errorf("%s /review without a session: %d to %q, want 303 to /signin", method, r.status, location(r))
			}
		}
		b.c.Jar.SetCookies(mustURL(t, ts.base), []*http.Cookie{{Name: sessionCookie, Value: "forged"}})
		if r := b.do("GET", "/review", nil); r.status != http.StatusSeeOther {
			t.Errorf("GET /review with a forged session: %d, want 303", r.status)
		}
	})

	cases := []struct {
		name   string
		key    string
		status int
	}{
		{"gm of the tenant", acme + "/gm", http.StatusSeeOther},
		{"admin of the tenant", acme + "/admin", http.StatusSeeOther},
		{"viewer", acme + "/viewer", http.StatusForbidden},
		{"hr system", acme + "/hr_system", http.StatusForbidden},
		{"trainer", acme + "/trainer", http.StatusForbidden},
		{"viewer of another tenant", globex + "/viewer", http.StatusForbidden},
		{"unknown key", "glk_" + strings.Repeat("0", 40), http.StatusUnauthorized},
		{"empty key", "", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBrowser(t, ts)
			r := b.signIn(c.key)
			if r.status != c.status {
				t.Fatalf("sign in: %d, want %d: %s", r.status, c.status, r)
			}
			if strings.Contains(location(r), ts.keys[c.key]) && ts.keys[c.key] != "" {
				t.Errorf("the key is in the redirect: %q", location(r))
			}
			page := b.do("GET", "/review", nil)
			if c.status != http.StatusSeeOther {
				if page.status != http.StatusSeeOther {
					t.Errorf("after a refused sign-in, GET /review: %d, want 303 to sign-in", page.status)
				}
				return
			}
			if location(r) == "" || !strings.HasPrefix(location(r), "/review") {
				t.Errorf("sign-in redirects to %q, want /review", location(r))
			}
			var sc *http.Cookie
			for _, ck := range b.c.Jar.Cookies(mustURL(t, ts.base)) {
				if ck.Name == sessionCookie {
					sc = ck
				}
			}
			if sc == nil {
				t.Fatal("no session cookie")
			}
			setCookie := strings.Join(r.header.Values("Set-Cookie"), "\n")
			for _, want := range []string{"HttpOnly", "SameSite=Strict", "Max-Age=28800"} {
				if !strings.Contains(setCookie, want) {
					t.Errorf("session cookie lacks %s: %s", want, setCookie)
				}
			}
			if strings.Contains(setCookie, "Secure") {
				t.Errorf("a Secure cookie over plain HTTP would never come back: %s", setCookie)
			}
			if page.status != 200 {
				t.Fatalf("GET /review: %s", page)
			}
			for _, id := range review.Sections {
				if !strings.Contains(string(page.body), `<section id="`+id+`"`) {
					t.Errorf("no section %s", id)
				}
			}
			if got := figures(t, page.body)["page.tenant"]; got != acme {
				t.Errorf("page of tenant %q, want %q", got, acme)
			}
			if ct := page.header.Get("Content-Security-Policy"); !strings.Contains(ct, "default-src 'none'") {
				t.Errorf("CSP %q", ct)
			}
			if r := b.do("GET", "/review?tenant="+globex, nil); r.status != http.StatusForbidden {
				t.Errorf("GET /review?tenant=%s with a session of %s: %d, want 403", globex, acme, r.status)
			}
		})
	}

	t.Run("sign-ins are audited", func(t *testing.T) {
		for _, c := range []struct{ key, outcome string }{{acme + "/gm", "ok"}, {acme + "/viewer", "denied"}} {
			page, err := ts.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Who: ts.keyIDs[c.key], Action: "review.signin"})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Entries) == 0 || page.Entries[0].Outcome != c.outcome || page.Entries[0].Role != strings.TrimPrefix(c.key, acme+"/") {
				t.Errorf("audit of %s's sign-in: %+v, want outcome %s", c.key, page.Entries, c.outcome)
			}
			for _, e := range page.Entries {
				if strings.Contains(e.Detail, ts.keys[c.key]) {
					t.Errorf("the audit log holds the key: %+v", e)
				}
			}
		}
	})

	t.Run("the cookie is Secure over TLS", func(t *testing.T) {
		tls := httptest.NewTLSServer(ts.srv.Handler())
		defer tls.Close()
		b := newBrowser(t, &testServer{base: tls.URL, keys: ts.keys})
		b.c.Transport = tls.Client().Transport
		r := b.signIn(acme + "/gm")
		setCookie := strings.Join(r.header.Values("Set-Cookie"), "\n")
		if r.status != http.StatusSeeOther || !strings.Contains(setCookie, sessionCookie+"=") || !strings.Contains(setCookie, "; Secure") {
			t.Errorf("sign-in over TLS: %d, Set-Cookie %q", r.status, setCookie)
		}
		if r := b.do("GET", "/review", nil); r.status != 200 {
			t.Errorf("review over TLS: %d", r.status)
		}
	})

	t.Run("gm of another tenant sees only their own", func(t *testing.T) {
		b := newBrowser(t, ts)
		if r := b.signIn(globex + "/gm"); r.status != http.StatusSeeOther {
			t.Fatalf("sign in: %s", r)
		}
		// globex has no models in this store: the page says so and shows nothing of acme's.
		r := b.do("GET", "/review", nil)
		if r.status != http.StatusServiceUnavailable || strings.Contains(string(r.body), "data-k") {
			t.Errorf("globex review: %s", r)
		}
		if r := b.do("GET", "/review?tenant="+acme, nil); r.status != http.StatusForbidden {
			t.Errorf("globex session asking for acme: %d, want 403", r.status)
		}
	})

	t.Run("forms need the session's token", func(t *testing.T) {
		b := newBrowser(t, ts)
		b.signIn(acme + "/gm")
		if r := b.do("GET", "/review", nil); r.status != 200 || b.csrf == "" {
			t.Fatalf("review: %d, csrf %q", r.status, b.csrf)
		}
		if r := b.do("POST", "/review", url.Values{"spend": {"5"}, "csrf": {"wrong"}}); r.status != http.StatusForbidden {
			t.Errorf("what-if with a wrong token: %d, want 403", r.status)
		}
		if r := b.do("POST", "/review", url.Values{"spend": {"-150"}, "csrf": {b.csrf}}); r.status != http.StatusBadRequest {
			t.Errorf("what-if with spend -150 %%: %d, want 400", r.status)
		}
		if r := b.do("GET", "/review?quarter=1999Q1", nil); r.status != http.StatusBadRequest {
			t.Errorf("quarter outside the data: %d, want 400", r.status)
		}
		nb := newBrowser(t, ts)
		nb.do("GET", "/signin", nil)
		if r := nb.do("POST", "/signin", url.Values{"key": {ts.keys[acme+"/gm"]}, "csrf": {"forged"}}); r.status != http.StatusForbidden {
			t.Errorf("sign-in with a forged form token: %d, want 403", r.status)
		}
	})

	t.Run("sign-out, expiry and revocation end the session", func(t *testing.T) {
		b := newBrowser(t, ts)
		b.signIn(acme + "/gm")
		b.do("GET", "/review", nil)
		if r := b.do("POST", "/signout", url.Values{"csrf": {b.csrf}}); r.status != http.StatusSeeOther || !strings.HasPrefix(location(r), "/signin") {
			t.Errorf("sign out: %d to %q", r.status, location(r))
		}
		if r := b.do("GET", "/review", nil); r.status != http.StatusSeeOther {
			t.Errorf("after sign-out: %d, want 303", r.status)
		}

		b = newBrowser(t, ts)
		b.signIn(acme + "/gm")
		rp := ts.srv.review
		rp.mu.Lock()
		rp.now = func() time.Time { return time.Now().Add(SessionTTL + time.Minute) }
		rp.mu.Unlock()
		r := b.do("GET", "/review", nil)
		rp.mu.Lock()
		rp.now = time.Now
		rp.mu.Unlock()
		if r.status != http.StatusSeeOther {
			t.Errorf("after the session expired: %d, want 303", r.status)
		}

		b = newBrowser(t, ts)
		b.signIn(acme + "/admin")
		if _, err := ts.srv.Store().RevokeKey(acme, ts.keyIDs[acme+"/admin"]); err != nil {
			t.Fatal(err)
		}
		if r := b.do("GET", "/review", nil); r.status != http.StatusSeeOther {
			t.Errorf("after the key was revoked: %d, want 303", r.status)
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestReviewNumbersEqualTheAPI reads every figure of the page back from its data attributes
// and compares it with the JSON endpoints' answer to the same question.
func TestReviewNumbersEqualTheAPI(t *testing.T) {
	ts := startServer(t, nil)
	b := newBrowser(t, ts)
	if r := b.signIn(acme + "/gm"); r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %s", r)
	}
	key := acme + "/gm"
	fc := apiJSON(t, ts, "GET", "/v1/forecast?scope=company", key, nil)

	quarter := lastQuarter()
	r := b.do("GET", "/review?quarter="+quarter, nil)
	if r.status != 200 {
		t.Fatalf("review: %s", r)
	}
	figs := figures(t, r.body)
	if figs["page.quarter"] != quarter || figs["page.assessed"] != quarter {
		t.Fatalf("page of %s assessing %s, want %s", figs["page.quarter"], figs["page.assessed"], quarter)
	}

	t.Run("forecast", func(t *testing.T) {
		next := list(t, fc["forecast"])
		if len(next) == 0 {
			t.Fatal("no forecast")
		}
		for _, p := range next {
			pt := obj(t, p)
			per := pt["period"].(string)
			same(t, figs, "forecast."+per+".revenue", pt["revenue"])
			for _, iv := range list(t, pt["intervals"]) {
				band := obj(t, iv)
				lvl := int(band["level"].(float64))
				same(t, figs, fmt.Sprintf("forecast.%s.lo%d", per, lvl), band["lower"])
				same(t, figs, fmt.Sprintf("forecast.%s.hi%d", per, lvl), band["upper"])
			}
			for _, g := range []string{"growth_qoq", "growth_yoy"} {
				var mean any
				if gv, ok := pt[g].(jsonObj); ok {
					mean = gv["mean"]
					if g == "growth_yoy" {
						for _, iv := range list(t, gv["intervals"]) {
							if band := obj(t, iv); band["level"] == 80.0 {
								same(t, figs, "forecast."+per+".growth_yoy_lo80", band["lower"])
								same(t, figs, "forecast."+per+".growth_yoy_hi80", band["upper"])
							}
						}
					}
				}
				same(t, figs, "forecast."+per+"."+g, mean)
			}
			same(t, figs, "forecast."+per+".target", pt["target"])
			same(t, figs, "forecast."+per+".hit_probability", pt["hit_probability"])
		}
		same(t, figs, "model.forecast.version", obj(t, fc, "model")["version"])
	})

	t.Run("actual against target", func(t *testing.T) {
		n := 0
		for _, h := range list(t, fc["history"]) {
			pt := obj(t, h)
			per := pt["period"].(string)
			if _, ok := figs["actual."+per+".revenue"]; !ok {
				continue
			}
			n++
			same(t, figs, "actual."+per+".revenue", pt["revenue"])
			same(t, figs, "actual."+per+".target", pt["target"])
			same(t, figs, "actual."+per+".completion", pt["completion"])
			if per == quarter {
				same(t, figs, "target.actual", pt["revenue"])
				same(t, figs, "target.completion", pt["completion"])
			}
		}
		if n != 8 {
			t.Errorf("%d recent quarters on the page, want 8", n)
		}
	})

	t.Run("accuracy", func(t *testing.T) {
		acc := obj(t, fc, "accuracy")
		same(t, figs, "accuracy.mape_1", acc["mape_1"])
		same(t, figs, "accuracy.mape", acc["mape"])
		same(t, figs, "accuracy.origins", acc["origins"])
		same(t, figs, "accuracy.smape", acc["smape"])
		same(t, figs, "accuracy.mase", acc["mase"])
		mape1 := acc["mape_1"].(float64)
		plain := fmt.Sprintf("off by %.1f %% on average", 100*mape1)
		if !strings.Contains(string(r.body), plain) {
			t.Errorf("the page does not say %q", plain)
		}
	})

	t.Run("causes against target", func(t *testing.T) {
		// The ranked causes are GET /v1/rootcauses' (models/diagnose) against the target, in
		// its order.
		rc := apiJSON(t, ts, "GET", "/v1/rootcauses?scope=company&period="+quarter, key, nil)
		if rc["expected_from"] != "target" {
			t.Errorf("rootcauses expected from %v, want target", rc["expected_from"])
		}
		for _, k := range []string{"actual", "expected", "gap", "explained", "explained_share"} {
			same(t, figs, "causes."+k, rc[k])
		}
		sameBool(t, figs, "causes.no_dominant_cause", rc["no_dominant_cause"])
		causes := list(t, rc["causes"])
		if len(causes) == 0 {
			t.Fatal("no causes")
		}
		for i, c := range causes {
			cj := obj(t, c)
			d := cj["driver"].(string)
			same(t, figs, "causes."+d+".rank", float64(i+1))
			same(t, figs, "causes."+d+".contribution", obj(t, cj, "contribution")["estimate"])
			same(t, figs, "causes."+d+".baseline", cj["baseline"])
			same(t, figs, "causes."+d+".actual", cj["actual"])
			sameBool(t, figs, "causes."+d+".significant", cj["significant"])
			if got := figs["causes."+d+".role"]; got != cj["role"] || got == "" {
				t.Errorf("role of %s: page %q, api %q", d, got, cj["role"])
			}
			if lag := cj["lag"].(float64); lag > 0 {
				same(t, figs, "causes."+d+".lag", lag)
			} else if v, ok := figs["causes."+d+".lag"]; ok {
				t.Errorf("page gives %s a lag of %s, the api none", d, v)
			}
		}
		if got := figuresWith(figs, "causes.", ".rank"); got != len(causes) {
			t.Errorf("%d causes on the page, %d from the api", got, len(causes))
		}
	})

	t.Run("growth by driver", func(t *testing.T) {
		// The waterfall is GET /v1/attribution's split of the change on the same quarter a
		// year before.
		base := figs["growth.base"]
		at := apiJSON(t, ts, "GET", "/v1/attribution?scope=company&period="+quarter+"&expected="+url.QueryEscape(base), key, nil)
		if at["expected_from"] != "given" {
			t.Errorf("attribution expected from %v, want given", at["expected_from"])
		}
		same(t, figs, "growth.base", at["expected"])
		same(t, figs, "growth.actual", at["actual"])
		same(t, figs, "growth.gap", at["gap"])
		steps := list(t, at["contributions"])
		if len(steps) == 0 {
			t.Fatal("no contributions")
		}
		for _, c := range steps {
			cj := obj(t, c)
			same(t, figs, "growth."+cj["driver"].(string)+".contribution", obj(t, cj, "contribution")["estimate"])
		}
		if got := figuresWith(figs, "growth.", ".contribution"); got != len(steps) {
			t.Errorf("%d drivers in the waterfall, %d from the api", got, len(steps))
		}
		same(t, figs, "growth.unexplained", obj(t, at, "unexplained")["estimate"])
		// The base is the same quarter a year before, as the forecast's history has it.
		pq := quarterMinus4(t, quarter)
		found := false
		for _, h := range list(t, fc["history"]) {
			if pt := obj(t, h); pt["period"] == pq {
				same(t, figs, "growth.base", pt["revenue"])
				found = true
			}
		}
		if !found {
			t.Errorf("no %s in the forecast's history", pq)
		}
	})

	t.Run("what-if", func(t *testing.T) {
		r := b.do("POST", "/review", url.Values{"csrf": {b.csrf}, "quarter": {quarter}, "spend": {"15"}, "response": {"-30"}})
		if r.status != 200 {
			t.Fatalf("what-if post: %s", r)
		}
		wf := figures(t, r.body)
		same(t, wf, "whatif.spend_percent", 15.0)
		same(t, wf, "whatif.response_percent", -30.0)
		wi := apiJSON(t, ts, "POST", "/v1/whatif", key, jsonObj{"scope": "company", "changes": []jsonObj{
			{"driver": review.SpendDriver, "percent": 15}, {"driver": review.ResponseDriver, "percent": -30}}})
		sp := obj(t, wi, "sustained_percent")
		same(t, wf, "whatif.sustained_percent", sp["estimate"])
		same(t, wf, "whatif.sustained_percent_lo", sp["lower"])
		same(t, wf, "whatif.sustained_percent_hi", sp["upper"])
		for _, c := range list(t, wi["changes"]) {
			cj := obj(t, c)
			d := cj["driver"].(string)
			same(t, wf, "whatif."+d+".from", cj["from"])
			same(t, wf, "whatif."+d+".to", cj["to"])
			same(t, wf, "whatif."+d+".sustained", obj(t, cj, "sustained")["estimate"])
		}
		pts := list(t, wi["forecast"])
		if len(pts) == 0 {
			t.Fatal("no what-if forecast")
		}
		for _, p := range pts {
			pt := obj(t, p)
			per := pt["period"].(string)
			same(t, wf, "whatif."+per+".base", pt["base"])
			same(t, wf, "whatif."+per+".scenario", pt["scenario"])
			same(t, wf, "whatif."+per+".change_percent", pt["change_percent"])
		}
		// The default scenario on a GET differs: the form's numbers were used.
		if figs["whatif.sustained_percent"] == wf["whatif.sustained_percent"] {
			t.Errorf("the posted scenario gave the default's result")
		}
	})

	t.Run("incentives by team", func(t *testing.T) {
		var teams []string
		for k := range figs {
			if team, ok := strings.CutSuffix(strings.TrimPrefix(k, "incentives."), ".employees"); ok && strings.HasPrefix(k, "incentives.") && team != "total" {
				teams = append(teams, team)
			}
		}
		slices.Sort(teams)
		if len(teams) < 2 {
			t.Fatalf("teams on the page: %v", teams)
		}
		total := 0.0
		for _, team := range teams {
			rec := apiJSON(t, ts, "POST", "/v1/recommendations", key, jsonObj{"team": team, "top": 1, "reasons": false})
			recs := list(t, rec["recommendations"])
			same(t, figs, "incentives."+team+".employees", float64(len(recs)))
			total += float64(len(recs))
			top := map[string]float64{}
			var risk, after, cost, value float64
			for _, x := range recs {
				rj := obj(t, x)
				risk += rj["attrition_risk"].(float64)
				opts := list(t, rj["options"])
				if len(opts) == 0 || obj(t, opts[0])["recommended"] != true {
					after += rj["attrition_risk"].(float64) // nothing recommended
					continue
				}
				o := obj(t, opts[0])
				top[o["type"].(string)]++
				after += o["attrition_risk"].(float64)
				cost += o["cost"].(float64)
				value += o["value"].(float64)
			}
			n := float64(len(recs))
			for typ, c := range top {
				same(t, figs, "incentives."+team+".top."+typ, c)
			}
			for k := range figs {
				if typ, ok := strings.CutPrefix(k, "incentives."+team+".top."); ok && top[typ] == 0 {
					t.Errorf("page counts %s for team %s; the API recommends it to no one first", typ, team)
				}
			}
			closeTo(t, figs, "incentives."+team+".mean_risk", risk/n)
			closeTo(t, figs, "incentives."+team+".mean_risk_after", after/n)
			closeTo(t, figs, "incentives."+team+".cost", cost)
			closeTo(t, figs, "incentives."+team+".value", value)
		}
		same(t, figs, "incentives.total.employees", total)
	})

	t.Run("turnover", func(t *testing.T) {
		at := apiJSON(t, ts, "GET", "/v1/attrition?scope=company", key, nil)
		l := obj(t, at["leavers"])
		same(t, figs, "turnover.expected", l["expected"])
		same(t, figs, "turnover.low", l["low"])
		same(t, figs, "turnover.high", l["high"])
		same(t, figs, "turnover.forecast.rate", l["turnover"])
		past := list(t, at["past"])
		if len(past) == 0 {
			t.Fatal("no past turnover")
		}
		for _, x := range past {
			y := obj(t, x)
			from := y["from"].(string)
			same(t, figs, "turnover."+from+".employees", y["employees"])
			same(t, figs, "turnover."+from+".left", y["left"])
			same(t, figs, "turnover."+from+".rate", y["rate"])
		}
	})

	t.Run("indicators", func(t *testing.T) {
		ind := apiJSON(t, ts, "GET", "/v1/indicators", key, nil)
		n := 0
		for _, r := range list(t, ind["roles"]) {
			role := obj(t, r)
			for _, x := range list(t, role["indicators"]) {
				ij := obj(t, x)
				n++
				k := "indicators." + role["role"].(string) + "." + ij["id"].(string)
				same(t, figs, k+".weight", ij["weight"])
				same(t, figs, k+".current", ij["current"])
				same(t, figs, k+".target", ij["target"])
			}
		}
		if n < 10 {
			t.Errorf("the API suggests %d indicators, want at least 10", n)
		}
		for k := range figs {
			if strings.HasPrefix(k, "indicators.") && strings.HasSuffix(k, ".weight") {
				n--
			}
		}
		if n != 0 {
			t.Errorf("the page and the API list different numbers of indicators (API minus page: %d)", n)
		}
	})
}

// closeTo compares a sum or mean the test recomputes from the API's numbers (the order of
// additions may differ from the page's, hence 1e-9).
func closeTo(t *testing.T, figs map[string]string, key string, want float64) {
	t.Helper()
	got, err := strconv.ParseFloat(figs[key], 64)
	if err != nil {
		t.Errorf("figure %s = %q", key, figs[key])
		return
	}
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: page %v, from the api %v", key, got, want)
	}
}

// figuresWith counts the page's figures whose key has the prefix and the suffix.
func figuresWith(figs map[string]string, prefix, suffix string) int {
	n := 0
	for k := range figs {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, suffix) {
			n++
		}
	}
	return n
}

func quarterMinus4(t *testing.T, q string) string {
	t.Helper()
	y, err := strconv.Atoi(q[:4])
	if err != nil || len(q) != 6 {
		t.Fatalf("quarter %q", q)
	}
	return strconv.Itoa(y-1) + q[4:]
}
