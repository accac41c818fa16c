package features

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

func load(t *testing.T, dir string) *datasets.Dataset {
	t.Helper()
	ds, _, err := datasets.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func quarter(t *testing.T, s string) datasets.Period {
	t.Helper()
	p, err := datasets.ParseQuarter(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The expected values are worked out by hand from testdata/panel; the comments show how.
func TestBuildRegionQuarterFixture(t *testing.T) {
	asOf, _ := datasets.ParseDate("2024-07-01")
	p, err := Build(load(t, "testdata/panel"), Options{Grain: datasets.Quarter, Level: Region, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Scopes, ","); got != "East,West" {
		t.Fatalf("scopes = %s, want East,West", got)
	}
	if len(p.Periods) != 2 || p.Periods[0].String() != "2024Q1" || !p.Complete[1] {
		t.Fatalf("periods = %v complete %v, want 2024Q1-2024Q2 both complete", p.Periods, p.Complete)
	}
	nan := math.NaN()
	tests := []struct {
		scope, period, column string
		want                  float64
	}{
		{"East", "2024Q1", ColRevenue, 100},
		{"East", "2024Q1", ColLeads, 3},           // O1, O2, O4
		{"East", "2024Q1", ColWinRate, 0.5},       // O1 won, O2 lost
		{"East", "2024Q1", ColSalesCycleDays, 30}, // O1: Jan 5 → Feb 4
		{"East", "2024Q2", ColRevenue, 300},
		{"East", "2024Q2", ColGrowthPrev, 2},             // 300/100 - 1
		{"East", "2024Q1", ColCompletion, 0.5},           // 100/200
		{"East", "2024Q2", ColCompletion, 0.75},          // 300/400
		{"East", "2024Q2", ColPipelineCoverage, 0.2},     // O4 (80) open on Apr 1 / 400
		{"West", "2024Q1", ColRevenue, 0},                // a true zero
		{"West", "2024Q1", ColWinRate, nan},              // nothing closed
		{"West", "2024Q2", ColSalesCycleDays, 70},        // O3: Feb 1 → Apr 11
		{"West", "2024Q2", ColGrowthPrev, nan},           // previous revenue 0
		{"West", "2024Q2", ColTarget, nan},               // only a leads target
		{"East", "2024Q1", ColFirstResponseH, 6},         // (2+4+12)/3
		{"East", "2024Q1", ColFirstResponseP50, 4},       //
		{"East", "2024Q1", ColFirstResponseP90, 10.4},    // R type 7: 4 + 0.8*(12-4)
		{"East", "2024Q1", ColResolutionHours, 15},       // (10+20)/2, K3 unresolved
		{"East", "2024Q1", ColCSAT, 4},                   // (5+3)/2
		{"West", "2024Q1", ColChurnRate, nan},            // no account active on Jan 1
		{"West", "2024Q1", ColNewAccounts, 1},            // A2
		{"West", "2024Q2", ColChurnRate, 1},              // A2 active Apr 1, churned May 10
		{"East", "2024Q2", ColRetentionRate, 1},          //
		{"East", "2024Q1", ColCollectionRate, 1},         // I1 due Mar 5, paid Mar 1
		{"East", "2024Q1", ColDSO, 0},                    // nothing outstanding on Apr 1
		{"East", "2024Q2", ColCollectionRate, 0},         // I2 due Jun 1, unpaid
		{"East", "2024Q2", ColDSO, 91},                   // 300 outstanding / 300 billed * 91 days
		{"East", "2024Q1", ColSupplyLeadDays, 7.5},       // (10+5)/2
		{"East", "2024Q1", ColOnTimeRate, 0.5},           // P2 on time, P1 late
		{"East", "2024Q1", ColDefectRate, 0.01},          // 2/200
		{"East", "2024Q1", ColReimbursementDays, 8},      // (10+6)/2
		{"East", "2024Q1", ColMarketingSpend, 30},        //
		{"West", "2024Q1", ColMarketingSpend, 0},         //
		{"West", "2024Q2", ColMarketingSpend, 5},         //
		{"East", "2024Q1", ColHeadcount, 1},              //
		{"West", "2024Q1", ColSalesHeadcount, 41.0 / 91}, // on staff Feb 20 – Mar 31: 41 of 91 days
		{"West", "2024Q2", ColHeadcount, 49.0 / 91},      // Apr 1 – May 19: 49 of 91 days
		{"West", "2024Q2", ColAttrition, 91.0 / 49},      // 1 exit / (49/91)
	}
	for _, tt := range tests {
		t.Run(tt.scope+"/"+tt.period+"/"+tt.column, func(t *testing.T) {
			if !p.Has(tt.column) {
				t.Fatalf("no column %s (warnings %q)", tt.column, p.Warnings)
			}
			got := p.Value(tt.scope, quarter(t, tt.period), tt.column)
			if math.IsNaN(tt.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildInfersIncompletePeriods(t *testing.T) {
	// The latest event is O5's close on 2024-05-02: the data ends mid-quarter.
	p, err := Build(load(t, "testdata/panel"), Options{Grain: datasets.Quarter, Level: Company})
	if err != nil {
		t.Fatal(err)
	}
	if last := len(p.Complete) - 1; p.Complete[last] || !p.Complete[0] {
		t.Fatalf("complete = %v, want [true false]", p.Complete)
	}
	if g := p.Value("", quarter(t, "2024Q2"), ColGrowthPrev); !math.IsNaN(g) {
		t.Errorf("growth of an incomplete quarter = %v, want NaN (a partial quarter is not a fall)", g)
	}
	if p.LastComplete() != 0 {
		t.Errorf("LastComplete = %d, want 0", p.LastComplete())
	}
}

func TestBuildLeavesOutColumnsOfMissingTables(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"opportunities.csv", "targets.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata/panel", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asOf, _ := datasets.ParseDate("2024-07-01")
	p, err := Build(load(t, dir), Options{Grain: datasets.Quarter, Level: Region, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{ColFirstResponseH, ColSupplyLeadDays, ColChurnRate, ColHeadcount, ColReimbursementDays, ColMarketingSpend, ColDSO} {
		if p.Has(col) {
			t.Errorf("column %s present without its table", col)
		}
		found := slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "column "+col+" ") })
		if !found {
			t.Errorf("no warning about %s in %q", col, p.Warnings)
		}
	}
	if !p.Has(ColRevenue) || !p.Has(ColCompletion) {
		t.Errorf("revenue or completion missing: %v", p.Columns)
	}
}

func TestBuildErrors(t *testing.T) {
	ds := load(t, "testdata/panel")
	if _, err := Build(ds, Options{Grain: datasets.Quarter, Level: "division"}); err == nil {
		t.Error("unknown level: want error")
	}
	if _, err := Build(ds, Options{Level: Region}); err == nil {
		t.Error("no grain: want error")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "opportunities.csv"), []byte("opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\nO1,,,,,,prospecting,2024-01-01,,\n"), 0o644)
	if _, err := Build(load(t, dir), Options{Grain: datasets.Quarter, Level: Company}); err == nil || !strings.Contains(err.Error(), "no revenue") {
		t.Errorf("no won deal: err = %v, want a no-revenue error", err)
	}
}

func TestBuildDirMatchesBuild(t *testing.T) {
	for _, lvl := range []Level{Company, Region, Team} {
		t.Run(string(lvl), func(t *testing.T) {
			opt := Options{Grain: datasets.Month, Level: lvl}
			want, err := Build(load(t, "testdata/panel"), opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := BuildDir("testdata/panel", opt)
			if err != nil {
				t.Fatal(err)
			}
			var a, b strings.Builder
			if err := want.WriteCSV(&a); err != nil {
				t.Fatal(err)
			}
			if err := got.WriteCSV(&b); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("BuildDir differs from Build:\n%s\nvs\n%s", b.String(), a.String())
			}
			if !slices.Equal(want.Warnings, got.Warnings) {
				t.Errorf("warnings differ: %q vs %q", got.Warnings, want.Warnings)
			}
		})
	}
}

func TestBuildDirAllMatchesBuildDir(t *testing.T) {
	opts := []Options{{Grain: datasets.Quarter, Level: Company}, {Grain: datasets.Month, Level: Region}, {Grain: datasets.Quarter, Level: Team}}
	all, rep, err := BuildDirAll("testdata/panel", opts...)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Tables["opportunities"]; got == nil || got.Read != 5 || got.Rejected != 0 {
		t.Errorf("opportunities report = %+v, want 5 read, none rejected", got)
	}
	for i, opt := range opts {
		one, err := BuildDir("testdata/panel", opt)
		if err != nil {
			t.Fatal(err)
		}
		var a, b strings.Builder
		one.WriteCSV(&a)
		all[i].WriteCSV(&b)
		if a.String() != b.String() {
			t.Errorf("%v: BuildDirAll differs from BuildDir", opt)
		}
	}
	if _, _, err := BuildDirAll("testdata/panel"); err == nil {
		t.Error("no options: want error")
	}
}

// An employee panel has one row per person, from the rows each person owns; the values are
// worked out by hand from testdata/panel.
func TestBuildEmployeeLevel(t *testing.T) {
	asOf, _ := datasets.ParseDate("2024-07-01")
	p, err := Build(load(t, "testdata/panel"), Options{Grain: datasets.Quarter, Level: Employee, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Scopes, ","); got != "E1,E2" {
		t.Fatalf("scopes = %s, want E1,E2", got)
	}
	nan := math.NaN()
	for _, tt := range []struct {
		scope, period, column string
		want                  float64
	}{
		{"E1", "2024Q1", ColRevenue, 100},           // O1
		{"E1", "2024Q2", ColRevenue, 300},           // O5
		{"E2", "2024Q2", ColRevenue, 200},           // O3
		{"E1", "2024Q1", ColWinRate, 0.5},           // O1 won, O2 lost
		{"E1", "2024Q1", ColReimbursementDays, 8},   // C1 10 days, C2 6 days
		{"E2", "2024Q1", ColReimbursementDays, nan}, // no claim
		{"E1", "2024Q1", ColHeadcount, 1},           // on staff all quarter
		{"E2", "2024Q2", ColAttrition, 91.0 / 49},   // left May 20: 1 exit / (49 of 91 days)
	} {
		got := p.Value(tt.scope, quarter(t, tt.period), tt.column)
		if math.IsNaN(tt.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s %s %s = %v, want %v", tt.scope, tt.period, tt.column, got, tt.want)
		}
	}
	for _, col := range []string{ColMarketingSpend, ColSupplyLeadDays, ColCollectionRate, ColChurnRate} {
		if p.Has(col) {
			t.Errorf("column %s: no person owns its rows, want it left out", col)
		}
	}
}

// Growth attainment is actual growth over the growth the target asked for, by hand:
// 2024Q1 grew 20 % (120 on 100) against a target of +30 % (130 on 100), 0.2/0.3; 2024Q2's
// target asks for a fall (95 on 100), where the ratio means nothing.
func TestBuildGrowthAttainment(t *testing.T) {
	asOf, _ := datasets.ParseDate("2024-07-01")
	p, err := Build(load(t, "testdata/attainment"), Options{Grain: datasets.Quarter, Level: Company, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Value("", quarter(t, "2024Q1"), ColGrowthAttainment); math.Abs(got-0.2/0.3) > 1e-12 {
		t.Errorf("2024Q1 growth attainment = %v, want %v", got, 0.2/0.3)
	}
	if got := p.Value("", quarter(t, "2024Q1"), ColCompletion); math.Abs(got-120.0/130) > 1e-12 {
		t.Errorf("2024Q1 completion = %v, want %v", got, 120.0/130)
	}
	if got := p.Value("", quarter(t, "2024Q2"), ColGrowthAttainment); !math.IsNaN(got) {
		t.Errorf("2024Q2 growth attainment = %v, want NaN (the target asks for a fall)", got)
	}
}

// Options.Scopes replaces the scopes the sales name: a team that sells nothing gets a row
// (its revenue a true zero), and a team left out of the list loses its rows.
func TestBuildGivenScopes(t *testing.T) {
	asOf, _ := datasets.ParseDate("2024-07-01")
	p, err := Build(load(t, "testdata/panel"), Options{Grain: datasets.Quarter, Level: Team, AsOf: asOf, Scopes: []string{"support-1", "east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Scopes, ","); got != "east-1,support-1" {
		t.Fatalf("scopes = %s, want east-1,support-1", got)
	}
	if got := p.Value("support-1", quarter(t, "2024Q1"), ColRevenue); got != 0 {
		t.Errorf("support-1 revenue = %v, want 0", got)
	}
	if got := p.Value("east-1", quarter(t, "2024Q2"), ColRevenue); got != 300 {
		t.Errorf("east-1 revenue = %v, want 300", got)
	}
	if p.Series("west-1", ColRevenue) != nil {
		t.Error("west-1 is not in the list, want no row")
	}
}
