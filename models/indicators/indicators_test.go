package indicators

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
)

func TestDefaultCatalogue(t *testing.T) {
	c := Default()
	// The article's weights.
	want := map[string]map[string]float64{
		"gm":               {"sales_growth_attainment": 40, "team_collaboration_efficiency": 30, "strategic_goal_completion": 30},
		"customer_service": {"response_time": 30, "customer_retention": 40, "sales_support_satisfaction": 30},
		"finance":          {"reimbursement_time": 30, "sales_cost_ratio": 40, "capital_turnover": 30},
		"sales":            {"need_feedback_timeliness": 20, "teamwork": 10},
	}
	for role, ws := range want {
		r, ok := c.Role(role)
		if !ok {
			t.Fatalf("role %s missing", role)
		}
		for id, w := range ws {
			found := false
			for _, ind := range r.Indicators {
				if ind.ID == id {
					found = true
					if ind.Weight != w {
						t.Errorf("%s %s weight %g, want %g", role, id, ind.Weight, w)
					}
				}
			}
			if !found {
				t.Errorf("%s: no indicator %s", role, id)
			}
		}
	}
	for _, role := range []string{"gm", "customer_service", "finance", "sales", "procurement", "admin", "marketing", "hr"} {
		if _, ok := c.Role(role); !ok {
			t.Errorf("role %s missing", role)
		}
	}
	drivers := map[string]string{}
	for _, d := range c.Drivers() {
		drivers[d.Formula] = c.RoleOf(d.Formula)
	}
	wantDrivers := map[string]string{"marketing_spend": "gm", "sales_headcount": "hr", "reimbursement_days": "finance",
		"supply_lead_days": "procurement", "first_response_hours": "customer_service"}
	if len(drivers) != len(wantDrivers) {
		t.Errorf("drivers %v, want %v", drivers, wantDrivers)
	}
	for d, r := range wantDrivers {
		if drivers[d] != r {
			t.Errorf("driver %s role %q, want %q", d, drivers[d], r)
		}
	}
}

func TestParseRejectsBadCatalogues(t *testing.T) {
	base := `roles:
  - role: x
    name: X
    name_zh: 某
    indicators:
      - id: a
        name: A
        name_zh: 甲
        formula: %s
        direction: %s
        kind: %s
        scale: level
        unit: days
        step: 1
        weight: %s
        prior: %s
        acts: immediate
`
	fill := func(formula, dir, kind, weight, prior string) string {
		r := strings.NewReplacer("%s", "\x00")
		s := r.Replace(base)
		for _, v := range []string{formula, dir, kind, weight, prior} {
			s = strings.Replace(s, "\x00", v, 1)
		}
		return s
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"ok", fill("supply_lead_days", "down", "driver", "30", "-0.02"), ""},
		{"not yaml", "roles: [", "catalogue"},
		{"direction", fill("x", "sideways", "indicator", "30", "0"), "direction"},
		{"kind", fill("x", "up", "guess", "30", "0"), "kind"},
		{"formula", fill("a +", "up", "indicator", "30", "0"), "formula"},
		{"driver expression", fill("a / b", "down", "driver", "30", "-0.02"), "one column"},
		{"driver prior sign", fill("supply_lead_days", "down", "driver", "30", "0.02"), "prior"},
		{"weight", fill("x", "up", "indicator", "130", "0"), "weight"},
		{"no roles", "roles: []", "no roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestExpressions(t *testing.T) {
	cols := map[string]float64{"dso": 73, "defect_rate": 0.01, "a": 2, "b": 3, "zero": 0}
	get := func(c string) float64 {
		if v, ok := cols[c]; ok {
			return v
		}
		return math.NaN()
	}
	tests := []struct {
		src  string
		want float64
	}{
		{"365 / dso", 5},
		{"1 - defect_rate", 0.99},
		{"(a + b) * 2", 10},
		{"a + b * 2", 8},
		{"-a + b", 1},
		{"a - b - 1", -2},
		{"a / zero", math.NaN()},
		{"missing * 2", math.NaN()},
	}
	for _, tt := range tests {
		e, err := parseExpr(tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		got := e.eval(get)
		if math.IsNaN(tt.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%q = %g, want %g", tt.src, got, tt.want)
		}
	}
	for _, bad := range []string{"", "a +", "(a", "a $ b", "a b", "1..2", ")"} {
		if _, err := parseExpr(bad); err == nil {
			t.Errorf("%q parsed; want an error", bad)
		}
	}
}

func TestLargestRemainder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := 1 + r.IntN(6)
		shares := make([]float64, n)
		for j := range shares {
			shares[j] = r.ExpFloat64()
			if r.IntN(5) == 0 {
				shares[j] = 0
			}
		}
		total := 1 + r.IntN(40)
		got := LargestRemainder(shares, total)
		sum := 0
		for j, u := range got {
			sum += u
			if u < 0 {
				t.Fatalf("negative part %v", got)
			}
			// Each part is its quota rounded down or up.
			s := 0.0
			for _, x := range shares {
				s += x
			}
			if s > 0 {
				q := shares[j] / s * float64(total)
				if float64(u) < math.Floor(q) || float64(u) > math.Floor(q)+1 {
					t.Fatalf("shares %v total %d: part %d = %d, quota %g", shares, total, j, u, q)
				}
			}
		}
		if sum != total {
			t.Fatalf("shares %v total %d: parts %v sum to %d", shares, total, got, sum)
		}
	}
	if got := LargestRemainder([]float64{0.4, 0.3, 0.3}, 20); got[0] != 8 || got[1] != 6 || got[2] != 6 {
		t.Errorf("40/30/30 over 20 units = %v, want [8 6 6]", got)
	}
}

// readPanel reads testdata/panel.csv (scope, t, revenue, x) into a quarterly panel.
func readPanel(t *testing.T) *features.Panel {
	t.Helper()
	f, err := os.Open("testdata/panel.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	q0, _ := datasets.ParseQuarter("2022Q1")
	vals := map[string]map[string][]float64{"revenue": {}, "x": {}}
	var scopes []string
	n := 0
	for _, r := range recs[1:] {
		s := r[0]
		if vals["x"][s] == nil {
			scopes = append(scopes, s)
		}
		rev, _ := strconv.ParseFloat(r[2], 64)
		x, _ := strconv.ParseFloat(r[3], 64)
		vals["revenue"][s] = append(vals["revenue"][s], rev)
		vals["x"][s] = append(vals["x"][s], x)
		n = max(n, len(vals["x"][s]))
	}
	ps := make([]datasets.Period, n)
	done := make([]bool, n)
	for i := range ps {
		ps[i], done[i] = q0.Add(i), true
	}
	p, err := features.NewPanel(datasets.Quarter, features.Region, ps, done, scopes)
	if err != nil {
		t.Fatal(err)
	}
	for col, byScope := range vals {
		for s, xs := range byScope {
			if err := p.SetSeries(col, s, xs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// The reference is statsmodels 0.13 WLS with scope and season dummies
// (testdata/panel.csv was written by the NumPy script in testdata/README.md):
//
//	d = pd.read_csv("panel.csv").sort_values(["scope","t"])
//	d["y"] = d.groupby("scope").revenue.transform(lambda r: np.log(r).diff())
//	d["x0"] = d.groupby("scope").x.diff(); d["x1"] = d.groupby("scope").x0.shift(1)
//	d["season"] = d.t % 4; d["w"] = d.groupby("scope").revenue.transform("mean")
//	e = d.dropna(); e = e[e.t >= 2]
//	m = smf.wls("y ~ x0 + x1 + C(scope) + C(season)", data=e, weights=e.w).fit()
//	m.params.x0 + m.params.x1   # 0.029990900669550718 (48 rows)
func TestPanelRegressionMatchesStatsmodels(t *testing.T) {
	p := readPanel(t)
	ind := &Indicator{ID: "x", Formula: "x", Scale: "level", Kind: Plain, expr: column("x")}
	e, ok := newEstimator(p, Options{Replicates: 200, Seed: 1}).effect(ind)
	if !ok {
		t.Fatal("no estimate")
	}
	if math.Abs(e.Estimate-0.029990900669550718) > 1e-9 {
		t.Errorf("estimate %.15g, want 0.029990900669550718 (statsmodels)", e.Estimate)
	}
	if !(e.Lower < e.Estimate && e.Estimate < e.Upper) || e.Lower > 0.03 || e.Upper < 0.03 {
		t.Errorf("interval [%g, %g] does not hold the estimate %g and the true 0.03", e.Lower, e.Upper, e.Estimate)
	}
}

var (
	companyOnce  sync.Once
	companyDir   string
	companyErr   error
	companyPanel [2]*features.Panel
)

// testCompany generates the default synthetic company once and builds its quarterly region
// and company panels.
func testCompany(t *testing.T) (dir string, region, company *features.Panel) {
	t.Helper()
	companyOnce.Do(func() {
		companyDir, companyErr = os.MkdirTemp("", "indicators-test-")
		if companyErr != nil {
			return
		}
		dir := filepath.Join(companyDir, "c")
		if _, companyErr = synth.Generate(context.Background(), dir, synth.DefaultConfig(), nil); companyErr != nil {
			return
		}
		ds, _, err := datasets.Load(dir)
		if err != nil {
			companyErr = err
			return
		}
		for i, l := range []features.Level{features.Region, features.Company} {
			if companyPanel[i], companyErr = features.Build(ds, features.Options{Grain: datasets.Quarter, Level: l}); companyErr != nil {
				return
			}
		}
	})
	if companyErr != nil {
		t.Fatal(companyErr)
	}
	return filepath.Join(companyDir, "c"), companyPanel[0], companyPanel[1]
}

func TestMain(m *testing.M) {
	code := m.Run()
	if companyDir != "" {
		os.RemoveAll(companyDir)
	}
	os.Exit(code)
}

func TestSuggestWeightsTargetsAndRationales(t *testing.T) {
	_, region, company := testCompany(t)
	roles, err := Suggest(nil, Input{Panel: region, ScopePanel: company}, Options{Replicates: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != len(Default().Roles) {
		t.Fatalf("%d roles, want %d", len(roles), len(Default().Roles))
	}
	spanned := 0
	defer func() {
		if spanned == 0 {
			t.Error("no suggestion with a gain whose interval spans zero: the check above checked nothing")
		}
	}()
	for _, r := range roles {
		if r.NoData != "" {
			t.Errorf("%s: no data (%s); the default company measures every role", r.Role, r.NoData)
			continue
		}
		if n := len(r.Indicators); n < 3 || n > 5 {
			t.Errorf("%s: %d indicators, want 3 to 5", r.Role, n)
		}
		sum := 0
		for _, s := range r.Indicators {
			sum += s.Weight
			if s.Weight <= 0 || s.Weight%5 != 0 {
				t.Errorf("%s %s: weight %d, want a positive multiple of 5", r.Role, s.ID, s.Weight)
			}
			if s.Direction == "up" && s.Target < s.Current || s.Direction == "down" && s.Target > s.Current {
				t.Errorf("%s %s (%s): target %g is worse than the current %g", r.Role, s.ID, s.Direction, s.Target, s.Current)
			}
			if s.Rationale == "" || s.Kind != Outcome && s.Effect != nil && !strings.Contains(s.Rationale, "→ growth") {
				t.Errorf("%s %s: rationale %q, want the effect size", r.Role, s.ID, s.Rationale)
			}
			// A gain whose interval reaches below zero says the data cannot be sure of it.
			if g := s.GrowthPerStep; g != nil && s.Effect != nil && !s.Effect.Uncertain {
				gain := (&Indicator{Direction: s.Direction}).Sign()*s.Effect.Estimate > 0
				spans := g.Lower < 0 && g.Upper > 0
				if says := strings.Contains(s.Rationale, "cannot tell for sure"); says != (gain && spans) {
					t.Errorf("%s %s: rationale %q for [%g, %g]: says uncertain %v, want %v", r.Role, s.ID, s.Rationale, g.Lower, g.Upper, says, gain && spans)
				}
				if gain && spans {
					spanned++
				}
			}
		}
		if sum != 100 {
			t.Errorf("%s: weights sum to %d, want 100", r.Role, sum)
		}
	}
}

// The role logic in isolation: a data-sharp effect earns weight over the article's prior, a
// vague one leaves the prior, the wrong sign loses weight.
func TestWeighBlendsPriorAndData(t *testing.T) {
	priors := map[string]float64{"a": 0.5, "b": 0.5}
	sharp := &Effect{Estimate: -0.03, Lower: -0.035, Upper: -0.025}
	vague := &Effect{Estimate: -0.03, Lower: -0.5, Upper: 0.44}
	cands := []Suggested{
		{ID: "a", Effect: sharp, Standardized: 0.09},
		{ID: "b", Effect: sharp, Standardized: 0.01},
	}
	weigh(cands, priors)
	if cands[0].Importance < 0.85 {
		t.Errorf("sharp, large effect: importance %.2f, want about 0.9", cands[0].Importance)
	}
	cands = []Suggested{{ID: "a", Effect: vague, Standardized: 0.09}, {ID: "b", Effect: vague, Standardized: 0.01}}
	weigh(cands, priors)
	if math.Abs(cands[0].Importance-0.5) > 0.1 {
		t.Errorf("vague effects: importance %.2f, want near the prior 0.5", cands[0].Importance)
	}
	cands = []Suggested{{ID: "a", Effect: sharp, Standardized: 0}, {ID: "b", Effect: sharp, Standardized: 0.05}}
	weigh(cands, priors)
	if cands[0].Importance > 0.05 {
		t.Errorf("wrong-signed sharp effect: importance %.2f, want near 0", cands[0].Importance)
	}
}

func TestTargetNeverWorseThanCurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1000; i++ {
		ind := &Indicator{Direction: []string{"up", "down"}[r.IntN(2)]}
		recent := make([]float64, 2+r.IntN(8))
		for j := range recent {
			recent[j] = r.NormFloat64()
		}
		cur := recent[0]
		got, basis := target(ind, cur, recent, 0.75, "quarter")
		if ind.Direction == "up" && got < cur || ind.Direction == "down" && got > cur {
			t.Fatalf("%s: target %g worse than current %g (recent %v)", ind.Direction, got, cur, recent)
		}
		lo, hi := recent[0], recent[0]
		for _, x := range recent {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		if got < lo || got > hi {
			t.Fatalf("target %g outside the range reached [%g, %g]", got, lo, hi)
		}
		if basis == "" {
			t.Fatal("no basis")
		}
		if !slices.Contains(recent, got) {
			t.Fatalf("target %g is not a value of the recent periods %v", got, recent)
		}
	}
}

// The default target is the second-best of the last eight quarters, a value the scope had:
// 8 quarters of 480 to 520 new opportunities give 515, not the interpolated 514.75 that the
// review page once showed as "514.8 opportunities".
func TestTargetIsAQuarterTheScopeHad(t *testing.T) {
	recent := []float64{493, 480, 520, 505, 515, 490, 500, 510}
	up := &Indicator{Direction: "up"}
	if got, basis := target(up, 493, recent, 0.75, "quarter"); got != 515 || basis != "the second-best of the last 8 quarters" {
		t.Errorf("up: %g (%s), want 515 (the second-best of the last 8 quarters)", got, basis)
	}
	down := &Indicator{Direction: "down"}
	if got, basis := target(down, 520, recent, 0.75, "quarter"); got != 490 || basis != "the second-best of the last 8 quarters" {
		t.Errorf("down: %g (%s), want 490", got, basis)
	}
	if got, basis := target(up, 520, recent, 0.75, "quarter"); got != 520 || !strings.Contains(basis, "already as good as the second-best") {
		t.Errorf("already best: %g (%s)", got, basis)
	}
	if got, _ := target(up, 480, recent, 1, "month"); got != 520 {
		t.Errorf("quantile 1: %g, want the best, 520", got)
	}
}

func TestSuggestRoleWithoutData(t *testing.T) {
	dir, _, _ := testCompany(t)
	// The company without purchase orders: procurement has nothing to be measured on.
	bare := filepath.Join(t.TempDir(), "bare")
	if err := os.MkdirAll(bare, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "purchase_orders.csv" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, _, err := datasets.Load(bare)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Region})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Company})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Suggest(nil, Input{Panel: rp, ScopePanel: cp}, Options{Role: "procurement", Replicates: 100})
	if !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "purchase_orders") {
		t.Errorf("procurement without purchase orders: error %v, want ErrNoData naming purchase_orders", err)
	}
	roles, err := Suggest(nil, Input{Panel: rp, ScopePanel: cp}, Options{Replicates: 100})
	if err != nil {
		t.Fatalf("every role: %v", err)
	}
	for _, r := range roles {
		if (r.NoData != "") != (r.Role == "procurement") {
			t.Errorf("%s: no data %q", r.Role, r.NoData)
		}
	}
	for _, bad := range []Options{{Role: "janitor"}, {Replicates: 10}, {TargetQuantile: 0.2}} {
		if _, err := Suggest(nil, Input{Panel: rp, ScopePanel: cp}, bad); err == nil {
			t.Errorf("options %+v: want an error", bad)
		}
	}
	if _, err := Suggest(nil, Input{Panel: rp, ScopePanel: cp, Scope: "Atlantis"}, Options{}); err == nil {
		t.Error("unknown scope: want an error")
	}
}

// A tenant adds a janitor role and an indicator for customer service; the merged catalogue
// has both beside the built-in ones, and a bad definition names its field.
func TestCustomCatalogue(t *testing.T) {
	good := `
roles:
  - role: janitor
    name: Janitor
    indicators:
      - id: staff_stability
        name: Staff stability
        formula: 1 - employee_attrition
        direction: up
        unit: share of staff
        weight: 60
  - role: customer_service
    indicators:
      - id: escalation_free_resolution
        name: Quick resolution
        formula: resolution_hours / 24
        direction: down
        unit: days
`
	extra, err := ParseCustom([]byte(good), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := Extend(Default(), extra)
	if err != nil {
		t.Fatal(err)
	}
	j, ok := cat.Role("janitor")
	if !ok || len(j.Indicators) != 1 || j.Indicators[0].Step != 0.01 || j.Indicators[0].Kind != Plain || j.NameZh != "Janitor" {
		t.Errorf("janitor role %+v", j)
	}
	cs, _ := cat.Role("customer_service")
	if n := len(cs.Indicators); n != 5 || cs.Indicators[4].ID != "escalation_free_resolution" {
		t.Errorf("customer service has %d indicators, want the four built-in and the added one", n)
	}
	if base, _ := Default().Role("customer_service"); len(base.Indicators) != 4 {
		t.Error("Extend changed the built-in catalogue")
	}
	if !IsCustom(extra, "janitor", "") || !IsCustom(extra, "customer_service", "escalation_free_resolution") || IsCustom(extra, "customer_service", "response_time") {
		t.Error("IsCustom")
	}
	if _, err := ParseCustom([]byte(`{"roles":[{"role":"janitor","name":"Janitor","indicators":[{"id":"x","name":"X","formula":"headcount","direction":"up","unit":"employees"}]}]}`), nil); err != nil {
		t.Errorf("JSON: %v", err)
	}

	for _, tt := range []struct {
		name, yaml, field string
	}{
		{"not yaml", "roles: [", "body"},
		{"unknown field", "roles: [{role: janitor, name: J, colour: red, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x}]}]", "body"},
		{"no roles", "roles: []", "roles"},
		{"bad role name", "roles: [{role: Janitor, name: J, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x}]}]", "roles[0].role"},
		{"typo of a built-in role", "roles: [{role: salse, name: S, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x}]}]", "roles[0].role"},
		{"new role without name", "roles: [{role: janitor, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x}]}]", "roles[0].name"},
		{"unknown column", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: sweeps / headcount, direction: up, unit: x}]}]", "roles[0].indicators[0].formula"},
		{"bad formula", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: 'headcount +', direction: up, unit: x}]}]", "roles[0].indicators[0].formula"},
		{"no formula", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, direction: up, unit: x}]}]", "roles[0].indicators[0].formula"},
		{"bad direction", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: headcount, direction: more, unit: x}]}]", "roles[0].indicators[0].direction"},
		{"no unit", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: headcount, direction: up}]}]", "roles[0].indicators[0].unit"},
		{"a driver", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x, kind: driver}]}]", "roles[0].indicators[0].kind"},
		{"clashing id", "roles: [{role: sales, indicators: [{id: revenue, name: A, formula: revenue, direction: up, unit: x}]}]", "roles[0].indicators[0].id"},
		{"weights over 100", "roles: [{role: sales, indicators: [{id: extra, name: A, formula: leads, direction: up, unit: x, weight: 20}]}]", "roles[0].indicators"},
		{"role twice", "roles: [{role: janitor, name: J, indicators: [{id: a, name: A, formula: headcount, direction: up, unit: x}]}, {role: janitor, name: J, indicators: [{id: b, name: B, formula: headcount, direction: up, unit: x}]}]", "roles[1].role"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCustom([]byte(tt.yaml), nil)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("err %v, want a FieldError for %s", err, tt.field)
			}
		})
	}
}
