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
