package company

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/indicators"
)

// funnelPanel builds four regions × 60 months whose leads follow spend with elasticity
// mkt, headcount with elasticity hc and reimbursement days per day reimb, and whose win rate
// follows supply days per day supply, each stage with its own noise; response time moves but
// does nothing. Every scope has its own level and trend and the months a season.
func funnelPanel(t *testing.T, mkt, hc, reimb, supply float64, seed uint64) *features.Panel {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	start, _ := datasets.ParseMonth("2021-01")
	var periods []datasets.Period
	var complete []bool
	for k := range 60 {
		periods = append(periods, start.Add(k))
		complete = append(complete, true)
	}
	scopes := []string{"East", "North", "South", "West"}
	p, err := features.NewPanel(datasets.Month, features.Region, periods, complete, scopes)
	if err != nil {
		t.Fatal(err)
	}
	for si, s := range scopes {
		n := len(periods)
		cols := map[string][]float64{}
		for _, c := range []string{features.ColLeads, features.ColWinRate, features.ColMarketingSpend, features.ColSalesHeadcount,
			features.ColReimbursementDays, features.ColSupplyLeadDays, features.ColFirstResponseH} {
			cols[c] = make([]float64, n)
		}
		for k := range n {
			season := 0.1 * math.Sin(2*math.Pi*float64(periods[k].Index())/12)
			spend := math.Exp(9 + 0.01*float64(k) + season + 0.15*rng.NormFloat64())
			heads := math.Round(10 + 2*rng.NormFloat64())
			days := 12 + 3*rng.NormFloat64()
			sup := 7 + 1.2*rng.NormFloat64()
			cols[features.ColMarketingSpend][k] = spend
			cols[features.ColSalesHeadcount][k] = math.Max(heads, 3)
			cols[features.ColReimbursementDays][k] = days
			cols[features.ColSupplyLeadDays][k] = sup
			cols[features.ColFirstResponseH][k] = 24 + 4*rng.NormFloat64()
			lead := float64(si) + 0.005*float64(k) + season + mkt*math.Log(spend) + hc*math.Log(cols[features.ColSalesHeadcount][k]) + reimb*days
			cols[features.ColLeads][k] = math.Exp(lead + 0.1*rng.NormFloat64())
			cols[features.ColWinRate][k] = 0.35 * math.Exp(supply*(sup-7)+0.1*rng.NormFloat64())
		}
		for c, v := range cols {
			if err := p.SetSeries(c, s, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// TestFunnelEvidenceRecoversStageEffects checks that each driver's stage regression recovers
// the effect planted on its stage within three standard errors, with standard errors of the
// size the noise implies, and that a driver planted without effect (first response) comes
// out near zero.
func TestFunnelEvidenceRecoversStageEffects(t *testing.T) {
	cat := indicators.Default()
	want := map[string]float64{
		features.ColMarketingSpend: 0.3, features.ColSalesHeadcount: 0.8, features.ColReimbursementDays: -0.015,
		features.ColSupplyLeadDays: -0.025, features.ColFirstResponseH: 0,
	}
	stage := map[string]string{
		features.ColMarketingSpend: features.ColLeads, features.ColSalesHeadcount: features.ColLeads, features.ColReimbursementDays: features.ColLeads,
		features.ColSupplyLeadDays: features.ColWinRate, features.ColFirstResponseH: features.ColWinRate,
	}
	for _, seed := range []uint64{1, 2, 3} {
		ev := FunnelEvidence(funnelPanel(t, 0.3, 0.8, -0.015, -0.025, seed), cat)
		for col, w := range want {
			e, ok := ev[col]
			if !ok {
				t.Fatalf("seed %d: no evidence for %s", seed, col)
			}
			if e.Stage != stage[col] {
				t.Errorf("seed %d %s: stage %s, want %s", seed, col, e.Stage, stage[col])
			}
			if math.Abs(e.Estimate-w) > 3*e.SE {
				t.Errorf("seed %d %s: estimate %.4f ± %.4f, want %.4f within three standard errors", seed, col, e.Estimate, e.SE, w)
			}
			if e.Rows != 4*59 {
				t.Errorf("seed %d %s: %d rows, want %d", seed, col, e.Rows, 4*59)
			}
		}
		// Spend's log varies by about 0.15 a month and the stage's noise is 0.1: the sum of two
		// lag coefficients has a standard error near 0.1·√2/(0.15·√236) ≈ 0.06.
		if se := ev[features.ColMarketingSpend].SE; se < 0.03 || se > 0.12 {
			t.Errorf("seed %d: marketing spend's standard error %.3f, want 0.03–0.12", seed, se)
		}
	}
}

func TestFunnelEvidenceNeedsItsStage(t *testing.T) {
	p := funnelPanel(t, 0.3, 0.8, -0.015, -0.025, 4)
	if ev := FunnelEvidence(nil, indicators.Default()); len(ev) != 0 {
		t.Errorf("no panel: got %v, want no evidence", ev)
	}
	// A panel of two months has too few rows for any regression.
	short, err := features.NewPanel(datasets.Month, features.Region, p.Periods[:2], p.Complete[:2], p.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	if ev := FunnelEvidence(short, indicators.Default()); len(ev) != 0 {
		t.Errorf("two months: got %v, want no evidence", ev)
	}
}

// TestCombineIsThePrecisionWeightedMean pins combine against the normal-normal update worked
// by hand: prior N(0.2, 0.2²) and evidence N(0.4, 0.1²) give precisions 25 and 100, mean
// (25·0.2 + 100·0.4)/125 = 0.36 and s.d. 1/√125; evidence against the sign gives mean zero.
func TestCombineIsThePrecisionWeightedMean(t *testing.T) {
	m, s := combine(0.2, 0.2, 0.4, 0.1, 1)
	if math.Abs(m-0.36) > 1e-12 || math.Abs(s-1/math.Sqrt(125)) > 1e-12 {
		t.Errorf("combine = %g, %g; want 0.36, %g", m, s, 1/math.Sqrt(125))
	}
	if m, _ := combine(-0.01, 0.01, 0.05, 0.005, -1); m != 0 {
		t.Errorf("evidence against the sign: mean %g, want 0", m)
	}
	if got := (Evidence{SE: 0.03}).SD(0.5, -0.08); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("SD = %g, want √(0.03² + 0.04²) = 0.05", got)
	}
}
