package features

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
)

// company generates a company and builds its quarterly region panel.
func company(t *testing.T, cfg synth.Config) (*Panel, *synth.Truth) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), cfg.Scenario)
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	truth, err := synth.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(load(t, dir), Options{Grain: datasets.Quarter, Level: Region})
	if err != nil {
		t.Fatal(err)
	}
	return p, truth
}

// TestPanelShowsPlantedShocks compares each shock scenario with the baseline company of the
// same seed: the random draws are the same until the shock, so the difference in the shocked
// region and quarter is the shock's effect plus a little noise from what diverges after it.
// The driver must move by the shock's size and its mechanism (win rate or leads) by the
// multiplier ground_truth.json states; other regions must not move.
func TestPanelShowsPlantedShocks(t *testing.T) {
	if testing.Short() {
		t.Skip("generates five 2,000-employee companies (about 15 s)")
	}
	cfg := synth.DefaultConfig()
	cfg.Employees = 2000
	base, _ := company(t, cfg)
	tests := []struct {
		scenario  string
		column    string // the driver as the panel measures it
		mechanism string // the panel column the shock acts through
		// expected multiplier of the mechanism column, from the shock's multiplier m: win rate
		// moves by m; leads by about the mean over the quarter of m^(share of the month's
		// spend average that is cut), i.e. m^(1/2) in the first month and m after.
		mult  func(m float64) float64
		level bool // the driver is a level (days, hours); otherwise a log change of spend
	}{
		{"supply-delay", ColSupplyLeadDays, ColWinRate, func(m float64) float64 { return m }, true},
		{"support-slowdown", ColFirstResponseH, ColWinRate, func(m float64) float64 { return m }, true},
		{"reimbursement-delay", ColReimbursementDays, ColLeads, func(m float64) float64 { return (m + 2*m) / 3 }, true},
		{"marketing-cut", ColMarketingSpend, ColLeads, func(m float64) float64 { return (math.Sqrt(m) + 2*m) / 3 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c := cfg
			c.Scenario = tt.scenario
			shocked, truth := company(t, c)
			if len(truth.Shocks) != 1 {
				t.Fatalf("%d shocks, want 1", len(truth.Shocks))
			}
			sh := truth.Shocks[0]
			q := quarter(t, sh.Period)
			for _, scope := range shocked.Scopes {
				hit := sh.Scope == "company" || sh.ScopeID == scope
				b, s := base.Value(scope, q, tt.column), shocked.Value(scope, q, tt.column)
				var moved float64
				if tt.level {
					moved = s - b
				} else {
					moved = math.Log(s / b)
				}
				wantMoved := 0.0
				if hit {
					wantMoved = sh.Size
				}
				// Level drivers: measured durations are rounded to days and censored at the
				// export date, so allow 25 % of the size; spend is exact up to channel noise.
				tol := 0.05 + 0.25*math.Abs(sh.Size)
				if !tt.level {
					tol = 0.05
				}
				if math.Abs(moved-wantMoved) > tol {
					t.Errorf("%s %s moved %.3f, want %.3f ± %.3f", scope, tt.column, moved, wantMoved, tol)
				}
				ratio := shocked.Value(scope, q, tt.mechanism) / base.Value(scope, q, tt.mechanism)
				want := 1.0
				if hit {
					want = tt.mult(sh.Multiplier)
				}
				// Three standard errors of the ratio: Poisson for lead counts, binomial for
				// win rates (with about as many deals closed as leads created).
				nb, ns := base.Value(scope, q, ColLeads), shocked.Value(scope, q, ColLeads)
				se := math.Sqrt(1/nb + 1/ns)
				if tt.mechanism == ColWinRate {
					pb, ps := base.Value(scope, q, ColWinRate), shocked.Value(scope, q, ColWinRate)
					se = ratio * math.Sqrt((1-pb)/(nb*pb)+(1-ps)/(ns*ps))
				}
				if tol := 3 * se; math.Abs(ratio-want) > tol {
					t.Errorf("%s %s ratio %.3f, want %.3f ± %.3f (shock multiplier %.3f)", scope, tt.mechanism, ratio, want, tol, sh.Multiplier)
				} else if hit && math.Abs(1-want) < tol {
					t.Errorf("%s: the test cannot tell the shock (%.3f) from no shock at ±%.3f; use a larger company", scope, want, tol)
				}
			}
			// Before the shock quarter nothing differs.
			before := q.Add(-1)
			for _, scope := range shocked.Scopes {
				if b, s := base.Value(scope, before, ColRevenue), shocked.Value(scope, before, ColRevenue); b != s {
					t.Errorf("%s revenue in %s differs before the shock: %v vs %v", scope, before, s, b)
				}
			}
		})
	}
}
