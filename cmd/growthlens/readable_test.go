package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/internal/readable"
)

// TestCLIOutputReadable runs the driver commands' human output (whatif, rootcause drivers,
// indicators, alerts) on every scenario of `make data` and fails on exponent notation and
// numbers of more than four significant digits, and checks that amounts name the data's
// currency.
func TestCLIOutputReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("generates seven companies")
	}
	for _, scenario := range synth.Scenarios {
		t.Run(scenario, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), scenario)
			cfg := synth.DefaultConfig()
			cfg.Scenario = scenario
			if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"whatif", "--refit", "--data", dir, "--draws", "200", "--change", "marketing_spend=+10%", "--change", "first_response_hours=-20%"},
				{"whatif", "--refit", "--data", dir, "--draws", "200", "--scope", "region:East", "--change", "sales_headcount=+10%"},
				{"rootcause", "drivers", "--refit", "--data", dir, "--period", "2026Q3", "--replicates", "200"},
				{"rootcause", "drivers", "--refit", "--data", dir, "--period", "2025Q2", "--scope", "region:North", "--replicates", "200"},
				{"indicators", "--refit", "--data", dir, "--replicates", "200"},
				{"alerts", "--refit", "--data", dir, "--as-of", "2026-08-20", "--replicates", "200"},
			} {
				stdout, _, err := runCLI(t, args...)
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				for _, p := range readable.Problems(stdout, false) {
					t.Errorf("%s %v: %s", scenario, args[:2], p)
				}
				if args[0] != "alerts" && !strings.Contains(stdout, " "+synth.DefaultCurrency) {
					t.Errorf("%s %v: no amount names the data's currency %s:\n%s", scenario, args[:2], synth.DefaultCurrency, stdout)
				}
			}
		})
	}
}
