package serve

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
)

// TestIndicatorsRolesAndData asks for suggested indicators per role: a role the catalogue
// lacks is a 400 naming the field, a role the tenant's data cannot measure is a 422 naming
// the missing tables, an unknown scope a 404, a tenant without data a 503.
func TestIndicatorsRolesAndData(t *testing.T) {
	ts := startServer(t, nil)
	// initech has only the CRM's opportunities and the targets: no tickets, no purchase orders.
	dir := filepath.Join(ts.dataRoot, "initech")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"opportunities.csv", "targets.csv"} {
		b, err := os.ReadFile(filepath.Join(fixture.acmeData, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secret, _, err := ts.srv.Store().CreateKey("initech", registry.RoleViewer, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts.keys["initech/viewer"] = secret

	for _, tc := range []struct {
		name, key, query string
		status           int
		code, field      string
		msg              string
	}{
		{"sales on full data", acme + "/viewer", "role=sales", 200, "", "", ""},
		{"procurement in a region", acme + "/gm", "role=procurement&scope=region:West", 200, "", "", ""},
		{"unknown role", acme + "/viewer", "role=ceo", 400, EInvalid, "role", "customer_service"},
		{"unknown scope", acme + "/viewer", "role=sales&scope=region:Mars", 404, ENotFound, "scope", "region:Mars"},
		{"customer service without tickets", "initech/viewer", "role=customer_service", 422, EInvalidData, "role", "tickets"},
		{"procurement without purchase orders", "initech/viewer", "role=procurement", 422, EInvalidData, "role", "purchase_orders"},
		{"sales from opportunities alone", "initech/viewer", "role=sales", 200, "", "", ""},
		{"every role: the unmeasurable say why", "initech/viewer", "", 200, "", "", ""},
		{"a tenant without data", globex + "/viewer", "role=sales", 503, EUnavailable, "", "no dataset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, "GET", "/v1/indicators?"+tc.query, tc.key, "", nil)
			if tc.status != 200 {
				checkError(t, r, tc.status, tc.code)
				e := decode[errorBody](t, r).Error
				if e.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
					t.Errorf("error %+v, want field %q and a message naming %q", e, tc.field, tc.msg)
				}
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r)
			}
			ans := decode[indicatorsResponse](t, r)
			for _, role := range ans.Roles {
				if role.NoData != "" {
					if len(role.Indicators) != 0 {
						t.Errorf("%s: no data (%s) but %d indicators", role.Role, role.NoData, len(role.Indicators))
					}
					continue
				}
				sum := 0
				for _, x := range role.Indicators {
					sum += x.Weight
				}
				if sum != 100 || len(role.Indicators) < 1 || len(role.Indicators) > 5 {
					t.Errorf("%s: %d indicators weighing %d in all, want up to 5 summing to 100", role.Role, len(role.Indicators), sum)
				}
			}
			if tc.query == "" {
				noData := 0
				for _, role := range ans.Roles {
					if role.NoData != "" {
						noData++
					}
				}
				if len(ans.Roles) != 8 || noData == 0 {
					t.Errorf("every role of initech: %d roles, %d without data; want 8 with some unmeasurable", len(ans.Roles), noData)
				}
			}
		})
	}
}

// TestActualsPaceAndAlerts posts period-to-date actuals: on pace nothing fires and the pace
// gauge says so; just above 80 % of the pro-rated target nothing fires, just below a warning
// fires and is stored; the same again is suppressed; a worse pace on a later day escalates to
// a critical alert.
func TestActualsPaceAndAlerts(t *testing.T) {
	ts := startServer(t, nil)
	key := acme + "/hr_system"
	post := func(t *testing.T, asOf string, actual float64) actualsResponse {
		t.Helper()
		r := ts.json(t, "POST", "/v1/actuals", key, map[string]any{"as_of": asOf, "actuals": []map[string]any{
			{"scope": "region:North", "period": "2026Q3", "actual": actual}}})
		if r.status != 200 {
			t.Fatalf("post actuals: %s", r)
		}
		return decode[actualsResponse](t, r)
	}
	probe := post(t, "2026-08-10", 1e9) // far ahead of pace: learns the expected share
	p := probe.Progress[0]
	if len(probe.Alerts) != 0 || !p.Judged || p.TargetFrom != "data" || !(p.ExpectedShare > 0.1 && p.ExpectedShare < 0.9) {
		t.Fatalf("probe: %+v, %d alerts", p, len(probe.Alerts))
	}
	expected := float64(p.Target) * float64(p.ExpectedShare)
	if got := gaugeValue(t, ts, `growthlens_kpi_pace_ratio{grain="quarter",metric="revenue",period="2026Q3",scope="region:North",tenant="acme"}`); math.Abs(got-1e9/expected) > 1e-6*got {
		t.Errorf("pace gauge %g, want %g", got, 1e9/expected)
	}

	steps := []struct {
		name         string
		asOf         string
		pace         float64
		raised, supp int
		severity     string
	}{
		{"just above 80 %", "2026-08-10", 0.81, 0, 0, ""},
		{"just below 80 %", "2026-08-10", 0.79, 1, 0, alert.Warning},
		{"the same again", "2026-08-10", 0.79, 0, 1, ""},
		{"no worse a day later", "2026-08-11", 0.75, 0, 1, ""},
	}
	for _, st := range steps {
		share := float64(p.ExpectedShare)
		if st.asOf != "2026-08-10" {
			share = float64(post(t, st.asOf, 1e9).Progress[0].ExpectedShare)
		}
		ans := post(t, st.asOf, st.pace*float64(p.Target)*share)
		if got := float64(ans.Progress[0].Pace); math.Abs(got-st.pace) > 1e-9 {
			t.Errorf("%s: pace %g, want %g", st.name, got, st.pace)
		}
		if len(ans.Alerts) != st.raised || len(ans.Suppressed) != st.supp {
			t.Errorf("%s: %d raised, %d suppressed; want %d, %d", st.name, len(ans.Alerts), len(ans.Suppressed), st.raised, st.supp)
			continue
		}
		if st.raised == 1 {
			a := ans.Alerts[0]
			if a.Severity != st.severity || a.Scope != "region:North" || a.Threshold != 0.8 || len(a.Notify) < 2 || a.Causes == nil {
				t.Errorf("%s: alert %+v", st.name, a)
			}
		}
	}
	// Escalation a week later: critical, raised although the key was alerted within the cooldown.
	share := float64(post(t, "2026-08-17", 1e9).Progress[0].ExpectedShare)
	crit := post(t, "2026-08-17", 0.3*float64(p.Target)*share)
	if len(crit.Alerts) != 1 || crit.Alerts[0].Severity != alert.Critical {
		t.Errorf("escalation: %+v", crit.Alerts)
	}
	stored := decode[struct {
		Alerts []alertJSON `json:"alerts"`
	}](t, ts.do(t, "GET", "/v1/alerts", acme+"/viewer", "", nil))
	if len(stored.Alerts) != 2 {
		t.Errorf("%d alerts stored, want the warning and the critical one", len(stored.Alerts))
	}
	audit := decode[registry.AuditPage](t, ts.do(t, "GET", "/v1/audit?action=actuals.post&limit=100", acme+"/admin", "", nil))
	if len(audit.Entries) < 6 || audit.Entries[0].Outcome != "ok" || !strings.Contains(audit.Entries[0].Target, "2026-08-17") {
		t.Errorf("audit of actuals.post: %d entries, newest %+v", len(audit.Entries), audit.Entries)
	}
}

// gaugeValue reads one series from /metrics.
func gaugeValue(t *testing.T, ts *testServer, series string) float64 {
	t.Helper()
	body := string(ts.do(t, "GET", "/metrics", scrapeKey, "", nil).body)
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
	}
	t.Fatalf("/metrics has no %s", series)
	return 0
}

// TestAlertRulesFile checks the example Prometheus rules: every rule is complete, every
// metric it reads is one the server exports, and the KPI rules fire below 0.8.
func TestAlertRulesFile(t *testing.T) {
	b, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	m := newMetrics([]string{"*"})
	m.setPace("t", "company", "quarter", "2026Q3", 1)
	m.completion.WithLabelValues("t", "company", "revenue", "2026Q2").Set(1)
	m.observe("/v1/forecast", "GET", 500, 0.001)
	m.alerts.WithLabelValues("t", "warning").Inc()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, mf := range mfs {
		exported[mf.GetName()] = true
	}
	name := regexp.MustCompile(`growthlens_[a-z_]+`)
	below80 := map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("group %s: incomplete rule %+v", g.Name, r)
			}
			for _, n := range name.FindAllString(r.Expr, -1) {
				if !exported[n] {
					t.Errorf("%s reads %s, which the server does not export", r.Alert, n)
				}
				if strings.HasSuffix(strings.TrimSpace(r.Expr), "< 0.8") {
					below80[n] = true
				}
			}
		}
	}
	for _, n := range []string{"growthlens_kpi_pace_ratio", "growthlens_kpi_completion_ratio"} {
		if !below80[n] {
			t.Errorf("no rule fires on %s < 0.8", n)
		}
	}
}

// TestDiagnosisFollowsPromotion promotes another company model for a tenant whose data did not
// change: root causes and indicators must answer from the new champion, as what-if and
// attribution do, not from the model the first request found.
func TestDiagnosisFollowsPromotion(t *testing.T) {
	ts := startServer(t, nil)
	period := lastQuarter()
	rcPath := "/v1/rootcauses?scope=company&period=" + period
	effects := func() map[string]float64 {
		t.Helper()
		r := ts.do(t, "GET", rcPath, acme+"/viewer", "", nil)
		if r.status != 200 {
			t.Fatalf("rootcauses: %s", r)
		}
		out := map[string]float64{}
		for _, c := range decode[rootCauseResponse](t, r).Causes {
			out[c.Driver] = float64(c.Effect.Estimate)
		}
		ind := ts.do(t, "GET", "/v1/indicators", acme+"/viewer", "", nil)
		if ind.status != 200 {
			t.Fatalf("indicators: %s", ind)
		}
		for _, role := range decode[indicatorsResponse](t, ind).Roles {
			for _, in := range role.Indicators {
				if in.Kind == "driver" && in.Effect != nil {
					out["indicator "+in.Formula] = float64(in.Effect.Estimate)
				}
			}
		}
		return out
	}
	before := effects()
	if len(before) < 2 {
		t.Fatalf("no driver among the causes of %s: %v", period, before)
	}

	// A second model of the same data, with every catalogue prior five times larger and
	// tight: its effects differ from the champion's by far more than rounding.
	ds, _, err := datasets.Load(filepath.Join(ts.dataRoot, acme))
	if err != nil {
		t.Fatal(err)
	}
	co, err := diagnose.New(ds, diagnose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qp, err := co.Panel(datasets.Quarter, features.Region)
	if err != nil {
		t.Fatal(err)
	}
	cat := indicators.Default()
	for _, ind := range cat.Drivers() {
		ind.Prior *= 5
	}
	m, err := company.Fit(context.Background(), qp, nil, company.Options{Catalogue: cat, PriorScale: 0.05, Draws: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	st := ts.srv.Store()
	_, cur, err := st.LoadAlias(acme, champion.Driver, registry.Champion)
	if err != nil {
		t.Fatal(err)
	}
	meta := cur.Metadata
	meta.ArtifactSHA256, meta.Size, meta.Created = "", 0, time.Time{}
	meta.Labels = map[string]string{"test": "priors x5, tight"}
	v2, err := st.Put(acme, champion.Driver, b, meta)
	if err != nil {
		t.Fatal(err)
	}
	want := m.RootcauseEffects(nil)
	changed := 0
	for col, est := range before {
		if e, ok := want[col]; ok && math.Abs(e.Estimate-est) > 0.05*math.Abs(est)+1e-6 {
			changed++
		}
	}
	if changed == 0 {
		t.Fatalf("the second model's effects %v are the champion's %v: the test cannot tell them apart", want, before)
	}

	r := ts.json(t, "POST", "/v1/models/driver/promote", acme+"/trainer", map[string]any{"version": v2, "reason": "diagnosis follows the champion"})
	if r.status != 200 {
		t.Fatalf("promote: %s", r)
	}
	deadline := time.Now().Add(30 * time.Second)
	for ts.srv.tenant(acme).live.Load().champions.Version(champion.Driver) != v2 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not load the promoted driver model within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	after := effects()
	if _, ok := after["indicator marketing_spend"]; !ok {
		t.Fatalf("the indicators quote no marketing effect: %v", after)
	}
	for key, got := range after {
		e, ok := want[strings.TrimPrefix(key, "indicator ")]
		if !ok {
			continue
		}
		if math.Abs(got-e.Estimate) > 1e-3*math.Abs(e.Estimate)+1e-9 {
			t.Errorf("%s: effect %.5g after the promotion, want the new champion's %.5g (before: %.5g)", key, got, e.Estimate, before[key])
		}
	}
}

// TestAmountsCarryCurrency checks that the answers holding revenue name the currency of the
// tenant's data (its dataset.json, CNY for the generated company), and follow a new setting.
func TestAmountsCarryCurrency(t *testing.T) {
	ts := startServer(t, nil)
	period := lastQuarter()
	paths := []string{"/v1/forecast?scope=company", "/v1/attribution?scope=company&period=" + period,
		"/v1/rootcauses?scope=company&period=" + period}
	check := func(want string) {
		t.Helper()
		for _, p := range paths {
			r := ts.do(t, "GET", p, acme+"/viewer", "", nil)
			if r.status != 200 {
				t.Fatalf("%s: %s", p, r)
			}
			if got := decode[struct {
				Currency string `json:"currency"`
			}](t, r).Currency; got != want {
				t.Errorf("%s: currency %q, want %q", p, got, want)
			}
		}
		r := ts.json(t, "POST", "/v1/whatif", acme+"/viewer", map[string]any{"changes": []map[string]any{{"driver": "marketing_spend", "percent": 10}}})
		if r.status != 200 {
			t.Fatalf("whatif: %s", r)
		}
		if got := decode[struct {
			Currency string `json:"currency"`
		}](t, r).Currency; got != want {
			t.Errorf("/v1/whatif: currency %q, want %q", got, want)
		}
	}
	check(synth.DefaultCurrency)
	dir := filepath.Join(ts.dataRoot, acme)
	if err := datasets.WriteSettings(dir, datasets.Settings{Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	ts.srv.reload(ts.srv.tenant(acme))
	check("EUR")
}
