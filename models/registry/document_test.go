package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Goals keep every version: each Put makes the next number, concurrent Puts never share one,
// listing gives newest first per id, and another tenant sees none of them.
func TestGoalVersions(t *testing.T) { eachBackend(t, testGoalVersions) }

func testGoalVersions(t *testing.T, b backend) {
	s := b.open(t, Options{})
	put := func(tenant, id string, target float64) Document {
		t.Helper()
		d, err := s.PutGoal(tenant, id, func(v int) (json.RawMessage, error) {
			return json.RawMessage(fmt.Sprintf(`{"version":%d,"target":%g}`, v, target)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := put("acme", "2027.revenue_growth_yoy", 0.2); d.Version != 1 {
		t.Fatalf("first version %d, want 1", d.Version)
	}
	if d := put("acme", "2027.revenue_growth_yoy", 0.3); d.Version != 2 || string(d.Data) != `{"version":2,"target":0.3}` {
		t.Fatalf("second: %+v", d)
	}
	put("acme", "2027Q1.revenue_growth_yoy", 0.1)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); put("acme", "2028.revenue_growth_yoy", 0.1) }()
	}
	wg.Wait()
	all, err := s.Goals("acme")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range all {
		got = append(got, fmt.Sprintf("%s/%d", d.ID, d.Version))
	}
	want := "[2027.revenue_growth_yoy/2 2027.revenue_growth_yoy/1 2027Q1.revenue_growth_yoy/1 2028.revenue_growth_yoy/8 2028.revenue_growth_yoy/7 2028.revenue_growth_yoy/6 2028.revenue_growth_yoy/5 2028.revenue_growth_yoy/4 2028.revenue_growth_yoy/3 2028.revenue_growth_yoy/2 2028.revenue_growth_yoy/1]"
	if fmt.Sprint(got) != want {
		t.Errorf("goals %v, want %s", got, want)
	}
	if one, err := s.Goal("acme", "2027.revenue_growth_yoy"); err != nil || len(one) != 2 || one[0].Version != 2 {
		t.Errorf("Goal: %v %v, want versions 2 and 1", one, err)
	}
	if _, err := s.Goal("beta", "2027.revenue_growth_yoy"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant's goal: err %v, want ErrNotFound", err)
	}
	if _, err := s.PutGoal("acme", "../x", func(int) (json.RawMessage, error) { return json.RawMessage(`{}`), nil }); err == nil {
		t.Error("an id with a slash: want an error")
	}
	if _, err := s.PutGoal("acme", "x", func(int) (json.RawMessage, error) { return json.RawMessage(`{`), nil }); err == nil {
		t.Error("invalid JSON: want an error")
	}
	if cat, err := s.Catalogue("acme"); err != nil || len(cat) != 0 {
		t.Errorf("no catalogue yet: %v %v", cat, err)
	}
	if _, err := s.PutCatalogue("acme", func(v int) (json.RawMessage, error) { return json.RawMessage(`{"roles":[]}`), nil }); err != nil {
		t.Fatal(err)
	}
	if cat, err := s.Catalogue("acme"); err != nil || len(cat) != 1 || cat[0].Version != 1 {
		t.Errorf("catalogue: %v %v", cat, err)
	}
}

// Forecast adjustments are documents of their own kind: versioned per id, listed newest
// first, kept apart from goals and from other tenants, and their ids checked like any name.
func TestAdjustmentVersions(t *testing.T) { eachBackend(t, testAdjustmentVersions) }

func testAdjustmentVersions(t *testing.T, b backend) {
	s := b.open(t, Options{})
	put := func(tenant, id, body string) Document {
		t.Helper()
		d, err := s.PutAdjustment(tenant, id, func(v int) (json.RawMessage, error) {
			return json.RawMessage(fmt.Sprintf(`{"version":%d,%s}`, v, body)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	put("acme", "2026Q4.region.East", `"revenue":100`)
	if d := put("acme", "2026Q4.region.East", `"revenue":120`); d.Version != 2 || string(d.Data) != `{"version":2,"revenue":120}` {
		t.Fatalf("second version: %+v", d)
	}
	put("acme", "2026Q4.company", `"revenue":900`)
	put("acme", "2026Q4.region.East", `"withdrawn":true`)
	put("beta", "2026Q4.company", `"revenue":5`)
	if _, err := s.PutGoal("acme", "2026Q4.company", func(int) (json.RawMessage, error) { return json.RawMessage(`{"goal":1}`), nil }); err != nil {
		t.Fatal(err)
	}
	all, err := s.Adjustments("acme")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range all {
		got = append(got, fmt.Sprintf("%s/%d %s", d.ID, d.Version, d.Data))
	}
	want := `[2026Q4.company/1 {"version":1,"revenue":900} 2026Q4.region.East/3 {"version":3,"withdrawn":true} 2026Q4.region.East/2 {"version":2,"revenue":120} 2026Q4.region.East/1 {"version":1,"revenue":100}]`
	if fmt.Sprint(got) != want {
		t.Errorf("adjustments %v,\nwant %s", got, want)
	}
	if goals, err := s.Goals("acme"); err != nil || len(goals) != 1 || string(goals[0].Data) != `{"goal":1}` {
		t.Errorf("goals beside adjustments: %v %v", goals, err)
	}
	if none, err := s.Adjustments("gamma"); err != nil || len(none) != 0 {
		t.Errorf("a tenant without adjustments: %v %v", none, err)
	}
	if _, err := s.PutAdjustment("acme", "2026Q4/../x", func(int) (json.RawMessage, error) { return json.RawMessage(`{}`), nil }); err == nil {
		t.Error("an id with a slash: want an error")
	}
}
