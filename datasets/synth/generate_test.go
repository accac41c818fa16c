package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func generateT(t *testing.T, cfg Config) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "co")
	if _, err := Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readDir returns every file of dir by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Scenario = "random"
	a, b := readDir(t, generateT(t, cfg)), readDir(t, generateT(t, cfg))
	if len(a) != 14 {
		t.Errorf("wrote %d files, want 12 tables, dataset.json and ground_truth.json", len(a))
	}
	if got := string(a["dataset.json"]); !strings.Contains(got, `"currency": "CNY"`) {
		t.Errorf("dataset.json %q, want the default currency CNY", got)
	}
	for name, want := range a {
		if !bytes.Equal(b[name], want) {
			t.Errorf("%s differs between two runs with seed %d", name, cfg.Seed)
		}
	}
	cfg.Seed++
	c := readDir(t, generateT(t, cfg))
	if bytes.Equal(a["opportunities.csv"], c["opportunities.csv"]) {
		t.Error("seeds 7 and 8 wrote the same opportunities")
	}
}

func TestScenarioShocks(t *testing.T) {
	tests := []struct {
		scenario string
		driver   string
		scope    string
	}{
		{"supply-delay", "supply_lead_days", "region"},
		{"support-slowdown", "first_response_hours", "region"},
		{"marketing-cut", "marketing_spend", "company"},
		{"reimbursement-delay", "reimbursement_days", "region"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Scenario = tt.scenario
			tr, err := ReadTruth(generateT(t, cfg))
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Shocks) != 1 {
				t.Fatalf("got %d shocks, want 1", len(tr.Shocks))
			}
			s := tr.Shocks[0]
			if s.Driver != tt.driver || s.Scope != tt.scope || s.Period != "2026Q3" {
				t.Errorf("shock = %+v, want driver %s scope %s in the last quarter 2026Q3", s, tt.driver, tt.scope)
			}
			if s.Multiplier >= 1 || s.Multiplier <= 0.5 {
				t.Errorf("multiplier %g: want a loss between 0.5 and 1", s.Multiplier)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		for seed := uint64(1); seed <= 20; seed++ {
			cfg := DefaultConfig()
			cfg.Scenario, cfg.Seed = "random", seed
			specs, truth := scenarioShocks(&cfg, newRNG(seed, streamShocks))
			if n := len(specs); n < 1 || n > 3 || len(truth) != n {
				t.Fatalf("seed %d: %d shocks, want 1 to 3", seed, n)
			}
		}
	})
	t.Run("baseline", func(t *testing.T) {
		tr, err := ReadTruth(generateT(t, DefaultConfig()))
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Shocks) != 0 || tr.Reform != nil {
			t.Errorf("baseline has shocks %v / reform %v", tr.Shocks, tr.Reform)
		}
		if len(tr.People) < 90 || len(tr.People) > 100 {
			t.Errorf("%d active employees at the end, want about 100", len(tr.People))
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"too few employees", func(c *Config) { c.Employees = 5 }, "employees"},
		{"too many years", func(c *Config) { c.Years = 50 }, "years"},
		{"unknown scenario", func(c *Config) { c.Scenario = "boom" }, "scenario"},
		{"no regions", func(c *Config) { c.Regions = nil }, "regions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.field+":") {
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

func TestGenerateKeepsForeignDirectories(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), dir, DefaultConfig(), nil); err == nil {
		t.Fatal("Generate into a directory with other files: want error")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the existing file is gone: %v", err)
	}
	// A directory holding an earlier company is replaced.
	co := generateT(t, DefaultConfig())
	if _, err := Generate(context.Background(), co, DefaultConfig(), nil); err != nil {
		t.Errorf("regenerate over a generated company: %v", err)
	}
}
