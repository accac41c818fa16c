package main

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/internal/readable"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/registry"
)

// cascade reads the stored goal and the registered company model, as the API does: its JSON
// reaches the goal, its text is readable, and +200 % is refused with the reason and exit 3.
func TestCascadeCommand(t *testing.T) {
	dir := t.TempDir()
	data, store := whatifData(t), filepath.Join(dir, "store")
	if _, errOut, err := runCLI(t, "train", "--data", data, "--store", store, "--tenant", "acme", "--log-level", "warn"); err != nil {
		t.Fatalf("train: %v\n%s", err, errOut)
	}
	args := []string{"cascade", "--period", "2027", "--store", store, "--tenant", "acme", "--data", data, "--log-level", "warn"}
	if _, _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "no revenue_growth_yoy goal for 2027") {
		t.Fatalf("no goal stored: err %v, want the no-goal message", err)
	}
	st, err := registry.Open(store, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := goal.Goal{Period: "2027", Metric: goal.MetricGrowthYoY, Target: 0.3}
	if _, err := st.PutGoal("acme", g.Key(), func(v int) (json.RawMessage, error) { g.Version = v; return json.Marshal(g) }); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errOut, err := runCLI(t, append(args, "--json")...)
	if err != nil {
		t.Fatalf("cascade: %v\n%s", err, errOut)
	}
	var plan goal.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if !plan.Reachable || plan.GoalVersion != 1 || math.Abs(plan.Implied.Estimate-0.3) > 0.01 || len(plan.Roles) == 0 {
		t.Errorf("plan: reachable %v, version %d, implied %v, %d roles", plan.Reachable, plan.GoalVersion, plan.Implied.Estimate, len(plan.Roles))
	}
	text, _, err := runCLI(t, append(args, "--persons")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Goal 2027: revenue growth +30.0 % (version 1)") || !strings.Contains(text, "Driver changes") {
		t.Errorf("text output:\n%s", text)
	}
	for _, p := range readable.Problems(text, false) {
		t.Errorf("cascade text: %s", p)
	}

	text, _, err = runCLI(t, append(args, "--target", "2")...)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(err.Error(), "out of reach") || !strings.Contains(text, "What each driver alone would need") {
		t.Errorf("+200 %%: err %v, output:\n%s", err, text)
	}
	if _, _, err := runCLI(t, "cascade", "--period", "someday", "--store", store, "--data", data); err == nil || !strings.Contains(err.Error(), "--period") {
		t.Errorf("bad period: err %v", err)
	}
}
