package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEvaluateIncentive runs evaluate incentive on the default company: the held-out figures
// are there beside their baselines, the policy checks hold (no unflagged risk raise, no unsaid
// cost overrun, no sentence naming age), and every type has a selection rate per age band.
func TestEvaluateIncentive(t *testing.T) {
	dir := generatedCompany(t)
	stdout, stderr, err := runImportCLI(t, "evaluate", "incentive", "--data", dir, "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var rep incentiveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	h := rep.HeldOut
	if h == nil || h.AttritionEmployees == 0 || !(h.AttritionAUC > 0) || !(h.BaselineAUC > 0) || !(h.PreferenceTop1 > h.PreferenceBaseTop1) {
		t.Errorf("held out: %+v", h)
	}
	if rep.Employees == 0 || rep.Recommended == 0 || rep.Unflagged != 0 || rep.CostMoreUnsaid != 0 || rep.AgeSentences != 0 {
		t.Errorf("policy checks: %+v", rep)
	}
	if len(rep.Fairness.Rates) != 7 || len(rep.Fairness.Bands) != 4 {
		t.Errorf("fairness: %+v", rep.Fairness)
	}
	table, _, err := runImportCLI(t, "evaluate", "incentive", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"logistic baseline", "four-fifths", "50 and over", "sentences naming age"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
