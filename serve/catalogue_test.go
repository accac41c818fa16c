package serve

import (
	"slices"
	"testing"

	"github.com/growthlens/growthlens/models/goal"
)

// A tenant adds a janitor role and a customer-service indicator through the API: both appear in
// the catalogue, the suggestions, the cascade and the scorecards; employees of the new role
// are accepted in the data; a bad definition is a 400 naming the field.
func TestCustomCatalogueThroughTheAPI(t *testing.T) {
	ts := startServer(t, nil)
	for _, up := range []struct{ table, csv string }{
		{"teams", "team_id,name,function,region\nhq-facilities,Facilities,janitor,\n"},
		{"employees", "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n" +
			"J000001,janitor,hq-facilities,,1,2020-01-06,,30000,,1980\nJ000002,janitor,hq-facilities,,1,2021-03-01,,30000,,1985\n"},
	} {
		if r := ts.do(t, "POST", "/v1/data/"+up.table+"?mode=upsert", acme+"/admin", "text/csv", []byte(up.csv)); r.status != 200 {
			t.Fatalf("upload %s: %s", up.table, r)
		}
	}

	bad := []struct{ name, body, field string }{
		{"unknown column", `{"roles":[{"role":"janitor","name":"Janitor","indicators":[{"id":"sweeps","name":"Sweeps","formula":"sweeps / headcount","direction":"up","unit":"sweeps"}]}]}`, "roles[0].indicators[0].formula"},
		{"no direction", `{"roles":[{"role":"janitor","name":"Janitor","indicators":[{"id":"s","name":"S","formula":"headcount","unit":"x"}]}]}`, "roles[0].indicators[0].direction"},
		{"bad role", `{"roles":[{"role":"Janitor!","name":"Janitor","indicators":[{"id":"s","name":"S","formula":"headcount","direction":"up","unit":"x"}]}]}`, "roles[0].role"},
		{"a driver", `{"roles":[{"role":"janitor","name":"Janitor","indicators":[{"id":"s","name":"S","formula":"headcount","direction":"up","unit":"x","kind":"driver"}]}]}`, "roles[0].indicators[0].kind"},
	}
	for _, b := range bad {
		r := ts.do(t, "PUT", "/v1/catalogue", acme+"/gm", "application/json", []byte(b.body))
		checkError(t, r, 400, EInvalid)
		if e := decode[errorBody](t, r); e.Error.Field != b.field {
			t.Errorf("%s: field %q, want %q: %s", b.name, e.Error.Field, b.field, r)
		}
	}
	checkError(t, ts.do(t, "PUT", "/v1/catalogue", acme+"/viewer", "application/json", []byte(`{"roles":[]}`)), 403, EPermission)

	yaml := `roles:
  - role: janitor
    name: Janitor
    name_zh: 保洁
    indicators:
      - id: staff_stability
        name: Staff stability
        name_zh: 人员稳定率
        formula: 1 - employee_attrition
        direction: up
        unit: share of staff
        weight: 50
  - role: customer_service
    indicators:
      - id: resolution_days
        name: Resolution in days
        formula: resolution_hours / 24
        direction: down
        unit: days
`
	r := ts.do(t, "PUT", "/v1/catalogue", acme+"/gm", "application/yaml", []byte(yaml))
	if r.status != 200 {
		t.Fatalf("put catalogue: %s", r)
	}
	cat := decode[catalogueResponse](t, ts.do(t, "GET", "/v1/catalogue", acme+"/viewer", "", nil))
	found := map[string]bool{}
	for _, role := range cat.Roles {
		for _, ind := range role.Indicators {
			if ind.Custom {
				found[role.Role+"."+ind.ID] = true
			}
		}
		if role.Role == "janitor" && !role.Custom {
			t.Error("janitor is not marked custom")
		}
	}
	if cat.Version != 1 || !found["janitor.staff_stability"] || !found["customer_service.resolution_days"] || len(found) != 2 {
		t.Errorf("catalogue version %d, custom %v", cat.Version, found)
	}
	if other := decode[catalogueResponse](t, ts.do(t, "GET", "/v1/catalogue", globex+"/viewer", "", nil)); other.Version != 0 || len(other.Roles) != 8 {
		t.Errorf("globex sees acme's catalogue: version %d, %d roles", other.Version, len(other.Roles))
	}

	sugg := decode[indicatorsResponse](t, ts.do(t, "GET", "/v1/indicators?role=janitor", acme+"/viewer", "", nil))
	if len(sugg.Roles) != 1 || len(sugg.Roles[0].Indicators) != 1 || sugg.Roles[0].Indicators[0].ID != "staff_stability" || sugg.Roles[0].Indicators[0].Weight != 100 {
		t.Errorf("janitor suggestions %+v", sugg.Roles)
	}
	// Customer service has five measurable indicators now, the added one among them: all five
	// are suggested (three to five are).
	cs := decode[indicatorsResponse](t, ts.do(t, "GET", "/v1/indicators?role=customer_service", acme+"/viewer", "", nil))
	if len(cs.Roles) != 1 || !slices.ContainsFunc(cs.Roles[0].Indicators, func(i indicatorJSON) bool { return i.ID == "resolution_days" }) {
		t.Errorf("customer service suggestions %+v, want resolution_days among them", cs.Roles)
	}

	if r := ts.json(t, "POST", "/v1/goals", acme+"/gm", map[string]any{"period": "2026", "target": 0.3}); r.status != 201 {
		t.Fatalf("goal: %s", r)
	}
	plan := decode[goal.Plan](t, ts.do(t, "GET", "/v1/cascade?period=2026", acme+"/gm", "", nil))
	var janitor *goal.RoleTarget
	for i := range plan.Roles {
		if plan.Roles[i].Role == "janitor" {
			janitor = &plan.Roles[i]
		}
	}
	if janitor == nil || len(janitor.Teams) != 1 || janitor.Teams[0].TeamID != "hq-facilities" || len(janitor.Teams[0].Persons) != 2 {
		t.Fatalf("the cascade's janitor role: %+v", janitor)
	}
	card := decode[goal.Scorecard](t, ts.do(t, "GET", "/v1/scorecards?period=2026&team=hq-facilities", acme+"/gm", "", nil))
	if card.Role != "janitor" || len(card.Lines) != 1 || card.Lines[0].ID != "staff_stability" || card.Lines[0].MeasuredAt != "team:hq-facilities" || len(card.Persons) != 2 {
		t.Errorf("janitor team scorecard %+v", card)
	}
	person := decode[goal.Scorecard](t, ts.do(t, "GET", "/v1/scorecards?period=2026&employee_id=J000001", acme+"/gm", "", nil))
	if person.Role != "janitor" || len(person.Lines) != 1 {
		t.Errorf("janitor's scorecard %+v", person)
	}
}
