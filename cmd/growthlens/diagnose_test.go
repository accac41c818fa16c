package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets/synth"
)

// defaultCompany generates the default synthetic company (a tenth of a second) into a
// directory the test removes.
func defaultCompany(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "default")
	if _, err := synth.Generate(context.Background(), dir, synth.DefaultConfig(), nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestIndicatorsJSON(t *testing.T) {
	dir := defaultCompany(t)
	stdout, _, err := runCLI(t, "indicators", "--refit", "--data", dir, "--replicates", "100", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Roles []struct {
			Role       string `json:"role"`
			Indicators []struct {
				Weight    int     `json:"weight"`
				Current   float64 `json:"current"`
				Target    float64 `json:"target"`
				Direction string  `json:"direction"`
				Rationale string  `json:"rationale"`
				NameZh    string  `json:"name_zh"`
			} `json:"indicators"`
		} `json:"roles"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	if len(got.Roles) != 8 {
		t.Fatalf("%d roles, want 8", len(got.Roles))
	}
	for _, r := range got.Roles {
		sum := 0
		for _, s := range r.Indicators {
			sum += s.Weight
			if s.Weight%5 != 0 || s.NameZh == "" || s.Rationale == "" {
				t.Errorf("%s: weight %d, name_zh %q, rationale %q", r.Role, s.Weight, s.NameZh, s.Rationale)
			}
			if s.Direction == "up" && s.Target < s.Current || s.Direction == "down" && s.Target > s.Current {
				t.Errorf("%s: target %g worse than current %g", r.Role, s.Target, s.Current)
			}
		}
		if sum != 100 {
			t.Errorf("%s: weights sum to %d", r.Role, sum)
		}
	}
}

func TestIndicatorsErrors(t *testing.T) {
	dir := defaultCompany(t)
	bare := filepath.Join(t.TempDir(), "bare")
	if err := os.MkdirAll(bare, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"opportunities.csv", "targets.csv", "employees.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no data flag", []string{"indicators"}, 2, "--data"},
		{"unknown role", []string{"indicators", "--refit", "--data", dir, "--role", "janitor"}, 2, "janitor"},
		{"role without data", []string{"indicators", "--refit", "--data", bare, "--role", "procurement", "--replicates", "100"}, 3, "purchase_orders"},
		{"bad scope", []string{"indicators", "--refit", "--data", dir, "--scope", "planet:Mars"}, 2, "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, tt.args...)
			if exitCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (code %d), want code %d mentioning %q", err, exitCode(err), tt.code, tt.want)
			}
		})
	}
}

func TestAlertsJSONAndHistory(t *testing.T) {
	dir := defaultCompany(t)
	hist := filepath.Join(t.TempDir(), "alerts.json")
	args := []string{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-15", "--threshold", "2", "--scope-levels", "company", "--replicates", "100",
		"--history-file", hist, "--record", "--json"}
	stdout, _, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Alerts []struct {
			Scope    string   `json:"scope"`
			Pace     float64  `json:"pace"`
			Notify   []string `json:"notify"`
			Severity string   `json:"severity"`
		} `json:"alerts"`
		Suppressed []json.RawMessage `json:"suppressed"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	if len(got.Alerts) != 2 { // the month and the quarter, both below pace 2
		t.Fatalf("%d alerts at threshold 2, want 2", len(got.Alerts))
	}
	for _, a := range got.Alerts {
		if a.Scope != "company" || !(a.Pace < 2) || len(a.Notify) < 2 {
			t.Errorf("alert %+v", a)
		}
	}
	// The same run again: the recorded history suppresses both.
	if stdout, _, err = runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != 0 || len(got.Suppressed) != 2 {
		t.Errorf("second run: %d raised, %d suppressed; want 0 and 2", len(got.Alerts), len(got.Suppressed))
	}
	for _, bad := range [][]string{
		{"alerts", "--refit", "--data", dir},
		{"alerts", "--refit", "--data", dir, "--as-of", "15/08/2026"},
		{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-15", "--threshold", "-1"},
		{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-15", "--record"},
		{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-15", "--scope-levels", "galaxy"},
		{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-15", "--levels", "galaxy"}, // the old name
	} {
		if _, _, err := runCLI(t, bad...); exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", bad, err)
		}
	}
}

func TestRootcauseDriversCmd(t *testing.T) {
	dir := defaultCompany(t)
	stdout, _, err := runCLI(t, "rootcause", "drivers", "--refit", "--data", dir, "--scope", "region:East", "--period", "2026Q3", "--replicates", "100", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Scope  string `json:"scope"`
		Causes []struct {
			Driver string `json:"driver"`
			Role   string `json:"role"`
		} `json:"causes"`
		NoDominantCause *bool `json:"no_dominant_cause"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	if got.Scope != "region:East" || len(got.Causes) != 5 || got.NoDominantCause == nil {
		t.Errorf("scope %q, %d causes, no_dominant_cause %v; want region:East, 5 drivers", got.Scope, len(got.Causes), got.NoDominantCause)
	}
	for _, c := range got.Causes {
		if c.Role == "" {
			t.Errorf("%s has no role", c.Driver)
		}
	}
	for _, bad := range [][]string{
		{"rootcause", "drivers", "--refit", "--data", dir},
		{"rootcause", "drivers", "--refit", "--data", dir, "--period", "Q3"},
		{"rootcause", "drivers", "--refit", "--data", dir, "--period", "2026Q3", "--direction", "left"},
		{"rootcause", "drivers", "--refit", "--data", dir, "--period", "2026Q3", "--scope", "region"},
	} {
		if _, _, err := runCLI(t, bad...); exitCode(err) != 2 {
			t.Errorf("%v: error %v, want a usage error", bad, err)
		}
	}
	if _, _, err := runCLI(t, "rootcause", "drivers", "--refit", "--data", dir, "--period", "2026Q3", "--scope", "region:Atlantis", "--replicates", "100"); err == nil || !strings.Contains(err.Error(), "Atlantis") {
		t.Errorf("unknown region: error %v", err)
	}
}

func TestEvaluateRootcauseJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a company")
	}
	stdout, stderr, err := runCLI(t, "evaluate", "rootcause", "--seeds", "5", "--employees", "100", "--replicates", "100", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	m, ok := got["method"].(map[string]any)
	if !ok {
		t.Fatalf("no method metrics in %s", stdout)
	}
	for _, k := range []string{"driver_top1", "driver_recall3", "slice_recall1", "slice_recall3", "slice_mrr", "null_specificity", "indicator_spearman"} {
		if _, ok := m[k]; !ok {
			t.Errorf("method metrics lack %s", k)
		}
		if _, ok := got["baseline"].(map[string]any)[k]; !ok {
			t.Errorf("baseline metrics lack %s", k)
		}
	}
	if !strings.Contains(stderr, "1/1 companies") {
		t.Errorf("stderr %q: want progress", stderr)
	}
	if _, _, err := runCLI(t, "evaluate", "rootcause", "--seeds", "9-1"); exitCode(err) != 2 {
		t.Errorf("bad seeds: error %v, want a usage error", err)
	}
}
