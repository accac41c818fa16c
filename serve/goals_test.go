package serve

import (
	"math"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/registry"
)

// Goals are set by a gm or admin key, versioned and audited; a bad field is a 400 naming it;
// the cascade reaches the goal through the champion company model, shows people's targets
// only to keys with the people permission, and refuses +200 % with the reason.
func TestGoalsAndCascade(t *testing.T) {
	ts := startServer(t, nil)

	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no target", map[string]any{"period": "2027"}, "target"},
		{"bad period", map[string]any{"period": "next year", "target": 0.3}, "period"},
		{"percent, not a fraction", map[string]any{"period": "2027", "target": 30}, "target"},
		{"unknown metric", map[string]any{"period": "2027", "metric": "profit", "target": 0.3}, "metric"},
		{"unknown field", map[string]any{"period": "2027", "target": 0.3, "owner": "me"}, "owner"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.json(t, "POST", "/v1/goals", acme+"/gm", tt.body)
			checkError(t, r, 400, EInvalid)
			if e := decode[errorBody](t, r); e.Error.Field != tt.field {
				t.Errorf("field %q, want %q: %s", e.Error.Field, tt.field, r)
			}
		})
	}
	checkError(t, ts.json(t, "POST", "/v1/goals", acme+"/viewer", map[string]any{"period": "2027", "target": 0.3}), 403, EPermission)
	checkError(t, ts.do(t, "GET", "/v1/cascade?period=2027", acme+"/gm", "", nil), 404, ENotFound)

	for i, target := range []float64{0.25, 0.30} {
		r := ts.json(t, "POST", "/v1/goals", acme+"/gm", map[string]any{"period": "2027", "target": target, "note": "the article's +30 %"})
		if r.status != 201 {
			t.Fatalf("set goal: %s", r)
		}
		g := decode[struct{ Goal goal.Goal }](t, r).Goal
		if g.Version != i+1 || g.Target != target || g.SetBy != ts.keyIDs[acme+"/gm"] || g.Role != "gm" {
			t.Errorf("goal %+v, want version %d target %v set by the gm key", g, i+1, target)
		}
	}
	cur := decode[struct{ Goals []goal.Goal }](t, ts.do(t, "GET", "/v1/goals", acme+"/viewer", "", nil)).Goals
	if len(cur) != 1 || cur[0].Version != 2 || cur[0].Target != 0.3 {
		t.Errorf("current goals %+v, want version 2 of 2027 at 0.3", cur)
	}
	all := decode[struct{ Goals []goal.Goal }](t, ts.do(t, "GET", "/v1/goals?history=true&period=2027", acme+"/viewer", "", nil)).Goals
	if len(all) != 2 || all[0].Version != 2 || all[1].Version != 1 {
		t.Errorf("history %+v, want versions 2 then 1", all)
	}
	if other := decode[struct{ Goals []goal.Goal }](t, ts.do(t, "GET", "/v1/goals", globex+"/viewer", "", nil)).Goals; len(other) != 0 {
		t.Errorf("globex sees acme's goals: %+v", other)
	}
	page, err := ts.srv.Store().AuditLog(registry.AuditQuery{Tenant: acme, Action: "goals.set", Outcome: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Entries[0].Target != "goal 2027.revenue_growth_yoy" || !strings.Contains(page.Entries[0].Detail, "version 2") {
		t.Errorf("audit entries %+v, want two goals.set entries, the newest version 2", page.Entries)
	}

	plan := decode[goal.Plan](t, ts.do(t, "GET", "/v1/cascade?period=2027", acme+"/gm", "", nil))
	if !plan.Reachable || plan.GoalVersion != 2 || math.Abs(plan.Implied.Estimate-0.3) > 0.01 || len(plan.Roles) == 0 {
		t.Fatalf("cascade: reachable %v, goal version %d, implied %v, %d roles: %s", plan.Reachable, plan.GoalVersion, plan.Implied.Estimate, len(plan.Roles), plan.Summary)
	}
	persons := func(p goal.Plan) int {
		n := 0
		for _, r := range p.Roles {
			for _, tm := range r.Teams {
				n += len(tm.Persons)
			}
		}
		return n
	}
	if persons(plan) == 0 {
		t.Error("a gm key: want people's targets")
	}
	if v := decode[goal.Plan](t, ts.do(t, "GET", "/v1/cascade?period=2027", acme+"/viewer", "", nil)); persons(v) != 0 || len(v.Roles) != len(plan.Roles) {
		t.Errorf("a viewer key: %d people, %d roles; want the roles without people", persons(v), len(v.Roles))
	}
	out := decode[goal.Plan](t, ts.do(t, "GET", "/v1/cascade?period=2027&target=2", acme+"/viewer", "", nil))
	if out.Reachable || out.Refusal == nil || !strings.Contains(out.Refusal.Reason, "out of reach") {
		t.Errorf("+200 %%: reachable %v, refusal %+v; want refused with the reason", out.Reachable, out.Refusal)
	}
	checkError(t, ts.do(t, "GET", "/v1/cascade?period=2027&target=abc", acme+"/viewer", "", nil), 400, EInvalid)
	checkError(t, ts.do(t, "GET", "/v1/cascade", acme+"/viewer", "", nil), 400, EInvalid)

	// Scorecards: a 2026 goal (three quarters in the data) scores a team by its people.
	if r := ts.json(t, "POST", "/v1/goals", acme+"/admin", map[string]any{"period": "2026", "target": 0.3}); r.status != 201 {
		t.Fatalf("set the 2026 goal: %s", r)
	}
	p26 := decode[goal.Plan](t, ts.do(t, "GET", "/v1/cascade?period=2026", acme+"/gm", "", nil))
	team := ""
	for _, r := range p26.Roles {
		if r.Role == "sales" && len(r.Teams) > 0 {
			team = r.Teams[0].TeamID
		}
	}
	card := decode[goal.Scorecard](t, ts.do(t, "GET", "/v1/scorecards?period=2026&team="+team, acme+"/gm", "", nil))
	var sum, wsum float64
	for _, p := range card.Persons {
		if x := float64(p.Score); !math.IsNaN(x) {
			sum += p.Weight * x
			wsum += p.Weight
		}
	}
	if card.Kind != "team" || len(card.Persons) == 0 || wsum == 0 || math.Abs(float64(card.Score)-sum/wsum) > 1e-9 {
		t.Errorf("team %s scorecard: kind %s, %d people, score %v, want their weighted mean %v", team, card.Kind, len(card.Persons), card.Score, sum/wsum)
	}
	one := decode[goal.Scorecard](t, ts.do(t, "GET", "/v1/scorecards?period=2026&employee_id="+card.Persons[0].ID, acme+"/hr_system", "", nil))
	if one.Kind != "person" || one.Score != card.Persons[0].Score {
		t.Errorf("person scorecard %+v, want the team's entry %+v", one, card.Persons[0])
	}
	checkError(t, ts.do(t, "GET", "/v1/scorecards?period=2026&team="+team, acme+"/viewer", "", nil), 403, EPermission)
	checkError(t, ts.do(t, "GET", "/v1/scorecards?period=2026&team=nope", acme+"/gm", "", nil), 404, ENotFound)
	checkError(t, ts.do(t, "GET", "/v1/scorecards?period=2026", acme+"/gm", "", nil), 400, EInvalid)
	checkError(t, ts.do(t, "GET", "/v1/scorecards?period=2030&team="+team, acme+"/gm", "", nil), 404, ENotFound)
}
