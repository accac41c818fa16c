package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/registry"
)

// generatedCompany writes the default synthetic company (100 employees) into a temp dir.
func generatedCompany(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "company")
	if _, err := synth.Generate(context.Background(), dir, synth.DefaultConfig(), nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

type recommendOut struct {
	AsOf     string `json:"as_of"`
	Training struct {
		ChosenRewards   int    `json:"chosen_rewards"`
		PreferenceModel string `json:"preference_model"`
	} `json:"training"`
	Recommendations []struct {
		EmployeeID string   `json:"employee_id"`
		TeamID     string   `json:"team_id"`
		Risk       *float64 `json:"attrition_risk"`
		Options    []struct {
			Type       string   `json:"type"`
			Preference *float64 `json:"preference"`
			Cost       *float64 `json:"cost"`
			Value      *float64 `json:"value"`
			Reasons    []string `json:"reasons"`
		} `json:"options"`
	} `json:"recommendations"`
	Allocation *struct {
		Budget float64 `json:"budget"`
		Spent  float64 `json:"spent"`
		Value  float64 `json:"value"`
		Grants []struct {
			EmployeeID string  `json:"employee_id"`
			Type       string  `json:"type"`
			Cost       float64 `json:"cost"`
		} `json:"grants"`
	} `json:"allocation"`
}

func TestRecommendTeamBudgetThenOneEmployee(t *testing.T) {
	dir := generatedCompany(t)
	model := filepath.Join(t.TempDir(), "incentive.model")
	stdout, _, err := runCLI(t, "recommend", "--refit", "--data", dir, "--team", "east-sales-01", "--budget", "20000", "--json", "--save-model", model)
	if err != nil {
		t.Fatal(err)
	}
	var got recommendOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if got.AsOf != "2026-10-01" {
		t.Errorf("as_of %q, want the day after the generated months (2026-10-01)", got.AsOf)
	}
	if got.Training.ChosenRewards == 0 || got.Training.PreferenceModel == "" {
		t.Errorf("training summary %+v", got.Training)
	}
	if len(got.Recommendations) < 2 {
		t.Fatalf("%d recommendations for a sales team", len(got.Recommendations))
	}
	team := map[string]bool{}
	for _, r := range got.Recommendations {
		team[r.EmployeeID] = true
		if r.TeamID != "east-sales-01" || r.Risk == nil || len(r.Options) == 0 || len(r.Options) > 3 {
			t.Errorf("%s: team %s, risk %v, %d options (want the team, a risk, 1–3 options)", r.EmployeeID, r.TeamID, r.Risk, len(r.Options))
			continue
		}
		if o := r.Options[0]; o.Preference == nil || o.Cost == nil || o.Value == nil || len(o.Reasons) != 3 {
			t.Errorf("%s: top option %+v lacks preference, cost, value or reasons", r.EmployeeID, o)
		}
	}
	a := got.Allocation
	if a == nil {
		t.Fatal("no allocation with --budget")
	}
	var spent float64
	for _, g := range a.Grants {
		if !team[g.EmployeeID] {
			t.Errorf("grant to %s, not in the team", g.EmployeeID)
		}
		spent += g.Cost
	}
	if a.Budget != 20000 || a.Spent > 20000 || spent > 20000 {
		t.Errorf("budget %v, spent %v (grants add to %v): over budget", a.Budget, a.Spent, spent)
	}

	// One employee of that team, in text, with no money to spend, from the saved models.
	id := got.Recommendations[0].EmployeeID
	stdout, stderr, err := runCLI(t, "recommend", "--data", dir, "--employee", id, "--top", "1", "--budget", "0", "--model", model)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Incentive recommendations as of 2026-10-01", id + " (sales, team east-sales-01)", "  1. ",
		"Expected: risk of leaving", "Budget 0 CNY: ", "spent 0 CNY"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "  2. ") {
		t.Errorf("--top 1 listed a second option:\n%s", stdout)
	}
	if strings.Contains(stderr, "training") {
		t.Errorf("--model trained anyway: %s", stderr)
	}
}

func TestRecommendErrors(t *testing.T) {
	dir := generatedCompany(t)
	badConfig := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("incentives:\n  stock_options: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no data", []string{"recommend"}, true, "--data is required"},
		{"negative budget", []string{"recommend", "--data", dir, "--budget", "-5"}, true, "--budget -5"},
		{"top 0", []string{"recommend", "--data", dir, "--top", "0"}, true, "--top 0"},
		{"employee and team", []string{"recommend", "--data", dir, "--employee", "E000001", "--team", "hq-gm"}, true, "exclusive"},
		{"bad date", []string{"recommend", "--data", dir, "--as-of", "2026-13-01"}, true, "--as-of"},
		{"bad config", []string{"recommend", "--refit", "--data", dir, "--config", badConfig}, false, "incentives.stock_options: unknown incentive type"},
		{"config without refit", []string{"recommend", "--data", dir, "--config", badConfig}, true, "add --refit"},
		{"model and config", []string{"recommend", "--data", dir, "--model", "m.bin", "--config", badConfig}, true, "excludes --config"},
		{"model and refit", []string{"recommend", "--refit", "--data", dir, "--model", "m.bin"}, true, "--refit"},
		{"no store", []string{"recommend", "--data", dir, "--store", filepath.Join(t.TempDir(), "none")}, false, "--refit"},
		{"model not ours", []string{"recommend", "--data", dir, "--model", badConfig}, false, "not a growthlens incentive recommender"},
		{"unknown employee", []string{"recommend", "--refit", "--data", dir, "--employee", "E000001,NOPE"}, false, `unknown employee: "NOPE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			var ee exitError
			if isUsage := errors.As(err, &ee) && ee.code == 2; isUsage != tt.usage {
				t.Errorf("usage error (exit 2) = %v, want %v", isUsage, tt.usage)
			}
			if stdout != "" {
				t.Errorf("stdout on error: %q", stdout)
			}
		})
	}
}

// TestRecommendChampion checks that recommend reads the tenant's registered incentive models
// (the ones the API serves) without training, gives the answer the saved champion gives, and
// says how to get one when the tenant has none.
func TestRecommendChampion(t *testing.T) {
	dir := generatedCompany(t)
	store := filepath.Join(t.TempDir(), "store")
	if _, _, err := runCLI(t, "train", "--data", dir, "--store", store, "--tenant", "t1", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "recommend", "--data", dir, "--store", store, "--tenant", "t2"); err == nil || !strings.Contains(err.Error(), "--refit") {
		t.Fatalf("tenant without models: error %v, want one pointing to train or --refit", err)
	}
	args := []string{"recommend", "--data", dir, "--store", store, "--tenant", "t1", "--team", "east-sales-01", "--budget", "20000", "--json"}
	stdout, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "training") {
		t.Errorf("recommend trained instead of reading the champion: %s", stderr)
	}
	var got recommendOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if len(got.Recommendations) < 2 || got.Allocation == nil {
		t.Fatalf("%d recommendations, allocation %v for a sales team", len(got.Recommendations), got.Allocation)
	}

	// The champion's artifact, saved to a file, gives the same answer: the command read the
	// registered models, not others.
	st, err := registry.Open(store, registry.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := st.LoadAlias("t1", champion.Incentive, registry.Champion)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "champion.model")
	if err := os.WriteFile(saved, b, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, _, err := runCLI(t, "recommend", "--data", dir, "--model", saved, "--team", "east-sales-01", "--budget", "20000", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var want recommendOut
	if err := json.Unmarshal([]byte(fromFile), &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Recommendations) != len(got.Recommendations) {
		t.Fatalf("%d recommendations from the champion, %d from its saved artifact", len(got.Recommendations), len(want.Recommendations))
	}
	for i := range got.Recommendations {
		g, w := got.Recommendations[i], want.Recommendations[i]
		if g.EmployeeID != w.EmployeeID || len(g.Options) == 0 || len(g.Options) != len(w.Options) || g.Options[0].Type != w.Options[0].Type || *g.Risk != *w.Risk {
			t.Errorf("%s: champion's answer %+v differs from its saved artifact's %+v", g.EmployeeID, g, w)
		}
	}
}
