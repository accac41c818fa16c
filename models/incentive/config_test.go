package incentive

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

func TestDefaultConfigIsValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Incentives) != numTypes {
		t.Errorf("default offers %d types, want all %d", len(c.Incentives), numTypes)
	}
}

func TestReadConfig(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, c Config)
	}{
		{"empty file keeps the defaults", "", func(t *testing.T, c Config) {
			if !configsEqual(c, DefaultConfig()) {
				t.Errorf("got %+v, want the defaults", c)
			}
		}},
		{"yaml values override field by field", "value:\n  retention_salaries: 2\n  cost_weight: 1\n", func(t *testing.T, c Config) {
			want := DefaultConfig().Value
			want.Retention, want.CostWeight = 2, 1
			if c.Value != want {
				t.Errorf("values %+v, want %+v", c.Value, want)
			}
			if len(c.Incentives) != numTypes {
				t.Errorf("incentives changed: %v", c.Incentives)
			}
		}},
		{"json incentives replace the default set", `{"incentives": {"training": {}, "commission": {"roles": ["sales", "customer_service"]}},
			"costs": {"flexible_time": {"fixed": 500}}}`, func(t *testing.T, c Config) {
			if len(c.Incentives) != 2 {
				t.Fatalf("incentives %v, want training and commission only", c.Incentives)
			}
			if got := c.Incentives["commission"].Roles; !slices.Equal(got, []string{"sales", "customer_service"}) {
				t.Errorf("commission roles %v", got)
			}
			if c.Costs["flexible_time"].Fixed != 500 {
				t.Errorf("costs %v", c.Costs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ReadConfig(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func configsEqual(a, b Config) bool {
	if a.Value != b.Value || len(a.Incentives) != len(b.Incentives) || len(a.Costs) != len(b.Costs) {
		return false
	}
	for k, r := range a.Incentives {
		o, ok := b.Incentives[k]
		if !ok || !slices.Equal(r.Roles, o.Roles) || r.MinLevel != o.MinLevel || r.MaxLevel != o.MaxLevel || r.MinMonthsSincePromotion != o.MinMonthsSincePromotion {
			return false
		}
	}
	return true
}

func TestReadConfigErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown field", "value:\n  retention: 2\n", "retention"},
		{"unknown type", "incentives:\n  stock_options: {}\n", "incentives.stock_options: unknown incentive type"},
		{"unknown role", "incentives:\n  commission: {roles: [sales, pilot]}\n", `incentives.commission.roles: unknown role "pilot"`},
		{"negative level", "incentives:\n  equity: {min_level: -1}\n", "incentives.equity.min_level"},
		{"max below min", "incentives:\n  equity: {min_level: 5, max_level: 3}\n", "incentives.equity.max_level: 3 is below min_level 5"},
		{"negative wait", "incentives:\n  promotion: {min_months_since_promotion: -6}\n", "min_months_since_promotion"},
		{"nothing offered", "incentives: {}\n", "no incentive type is offered"},
		{"negative value", "value:\n  performance_salaries: -1\n", "value.performance_salaries"},
		{"zero months", "value:\n  performance_months: 0\n", "value.performance_months"},
		{"negative cost", "costs:\n  training: {fixed: -10}\n", "costs.training.fixed"},
		{"cost of unknown type", "costs:\n  lunch: {fixed: 10}\n", "costs.lunch: unknown incentive type"},
		{"not yaml", "value: [1, 2\n", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadConfig(strings.NewReader(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incentives.yaml")
	if err := os.WriteFile(path, []byte("value:\n  cost_weight: -2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "value.cost_weight") {
		t.Errorf("error = %v, want the path and the field", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestEligible(t *testing.T) {
	day := func(s string) time.Time {
		t.Helper()
		d, err := datasets.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	row := func(role string, level float64, promoted, asOf string) features.EmployeeRow {
		return features.EmployeeRow{Role: role, Level: level, PromotedOn: day(promoted), AsOf: day(asOf), PerfMean: 3.4, TenureYears: 6}
	}
	withPerf := func(r features.EmployeeRow, perf float64) features.EmployeeRow {
		r.PerfMean = perf
		return r
	}
	all := func(except ...string) []string {
		var out []string
		for _, k := range datasets.RewardTypes {
			if !slices.Contains(except, k) {
				out = append(out, k)
			}
		}
		return out
	}
	cfg := DefaultConfig()
	tests := []struct {
		name string
		row  features.EmployeeRow
		want []string
	}{
		{"sales rep, level 2, promoted 13 months ago", row("sales", 2, "2025-01-20", "2026-02-01"), all("equity")},
		{"finance, level 3, promoted 11 months ago", row("finance", 3, "2025-03-05", "2026-02-01"), all("commission", "promotion")},
		{"12 calendar months, fewer than 365 days", row("finance", 3, "2025-03-31", "2026-03-01"), all("commission", "promotion")},
		// Issue 13: a hire 11.3 months back is not a year.
		{"hired 11.3 months back", row("finance", 3, "2025-10-22", "2026-10-01"), all("commission", "promotion")},
		{"364 days", row("finance", 3, "2025-10-02", "2026-10-01"), all("commission", "promotion")},
		{"365 days", row("finance", 3, "2025-10-01", "2026-10-01"), all("commission")},
		{"below the performance floor", withPerf(row("finance", 3, "2020-01-01", "2026-02-01"), 2.9), all("commission", "promotion")},
		{"at the performance floor", withPerf(row("finance", 3, "2020-01-01", "2026-02-01"), 3.0), all("commission")},
		{"no review in two years", withPerf(row("finance", 3, "2020-01-01", "2026-02-01"), math.NaN()), all("commission", "promotion")},
		{"level 8 is the top: no promotion", row("gm", 8, "2020-01-01", "2026-02-01"), all("commission", "promotion")},
		{"level 7 may still be promoted", row("gm", 7, "2020-01-01", "2026-02-01"), all("commission")},
		{"level not recorded: no level-bound incentive", row("hr", math.NaN(), "2020-01-01", "2026-02-01"), all("commission", "promotion", "equity")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el := cfg.Eligible(&tt.row)
			var got []string
			for k, ok := range el {
				if ok {
					got = append(got, datasets.RewardTypes[k])
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("eligible %v, want %v", got, tt.want)
			}
		})
	}
	// Months count to the same day of the month; tenure in days.
	months := Config{Incentives: map[string]Rule{"promotion": {MinMonthsSincePromotion: 12}, "training": {MinTenureDays: 90}}, Value: DefaultConfig().Value}
	for _, tc := range []struct {
		promoted, asOf string
		tenure         float64
		want           [numTypes]bool
	}{
		{"2025-03-31", "2026-03-01", 1, [numTypes]bool{3: true}},                      // 12 month boundaries, 11 months
		{"2025-03-01", "2026-03-01", 1, [numTypes]bool{2: true, 3: true}},             // 12 months to the day
		{"2025-03-01", "2026-03-01", 89.0 / 365.25, [numTypes]bool{2: true}},          // 89 days with the company
		{"2025-03-01", "2026-03-01", 90.0 / 365.25, [numTypes]bool{2: true, 3: true}}, // 90
	} {
		r := features.EmployeeRow{PromotedOn: day(tc.promoted), AsOf: day(tc.asOf), TenureYears: tc.tenure, Level: math.NaN(), PerfMean: math.NaN()}
		if got := months.Eligible(&r); got != tc.want {
			t.Errorf("promoted %s, as of %s, tenure %.3f: eligible %v, want %v", tc.promoted, tc.asOf, tc.tenure, got, tc.want)
		}
	}
	r0 := row("finance", 3, "2025-10-22", "2026-10-01")
	if why := cfg.Refusals(&r0)[typeIndex("promotion")]; why != "344 days since the last promotion or hire, the policy asks 365" {
		t.Errorf("refusal %q", why)
	}

	// A config that offers nothing to finance.
	salesOnly := Config{Incentives: map[string]Rule{"commission": {Roles: []string{"sales"}}}, Value: DefaultConfig().Value}
	r := row("finance", 3, "2020-01-01", "2026-02-01")
	if el := salesOnly.Eligible(&r); slices.Contains(el[:], true) {
		t.Errorf("sales-only config: finance eligible for %v", el)
	}
}

// The commented example must load and differ from the defaults only where it says so.
func TestExampleConfigLoads(t *testing.T) {
	c, err := LoadConfig("../../docs/examples/incentives.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultConfig()
	if c.Value != d.Value {
		t.Errorf("values %+v, want the defaults %+v", c.Value, d.Value)
	}
	c.Costs = nil
	if !configsEqual(c, d) {
		t.Errorf("example rules %+v differ from the defaults", c.Incentives)
	}
}
