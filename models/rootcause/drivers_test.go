package rootcause

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

// Reference values from R 4 (Rscript):
//
//	p <- function(z, df, prior, s) { a <- prior*dt(z/s, df)/s; n <- (1-prior)*dt(z, df); a/(a+n) }
//	for (z in c(0,1,2.5,3.5,5,8,-6)) cat(p(z, 10, 0.05, 4), "\n")
//	for (z in c(3, 6)) cat(p(z, 3, 0.2, 2), "\n")
func TestAbnormalProbabilityMatchesR(t *testing.T) {
	cases := []struct{ z, df, prior, spread, want float64 }{
		{0, 10, 0.05, 4, 0.012987012987},
		{1, 10, 0.05, 4, 0.0210249696421},
		{2.5, 10, 0.05, 4, 0.133403614839},
		{3.5, 10, 0.05, 4, 0.416338557146},
		{5, 10, 0.05, 4, 0.853330094495},
		{8, 10, 0.05, 4, 0.992051638542},
		{-6, 10, 0.05, 4, 0.950093146321},
		{3, 3, 0.2, 2, 0.395061728395},
		{6, 3, 0.2, 2, 0.569023569024},
	}
	for _, c := range cases {
		if got := abnormalProbability(c.z, c.df, c.prior, c.spread); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("abnormalProbability(%g, df %g, prior %g, spread %g) = %.12g, want %.12g", c.z, c.df, c.prior, c.spread, got, c.want)
		}
	}
}

// Reference from NumPy:
//
//	x = np.array([0.1,-0.3,0.2,0.05,2.5,-0.1,0.15,0.0,-0.2,0.12,-0.05,0.3])
//	med = np.median(x); mad = 1.4826*np.median(np.abs(x-med)); keep = np.abs(x-med) <= 3*mad
//	x[keep].mean(), x[keep].std(ddof=1), keep.sum()   # 0.0245454545, 0.1775592091, 11
func TestRobustCenterSpreadSetsOutliersAside(t *testing.T) {
	x := []float64{0.1, -0.3, 0.2, 0.05, 2.5, -0.1, 0.15, 0.0, -0.2, 0.12, -0.05, 0.3}
	c, s, k := robustCenterSpread(x)
	if math.Abs(c-0.0245454545454545) > 1e-12 || math.Abs(s-0.1775592090748118) > 1e-12 || k != 11 {
		t.Errorf("robustCenterSpread = %.15g, %.15g, %d; want 0.0245454545454545, 0.1775592090748118, 11", c, s, k)
	}
}

// A driver that moves in whole units and mostly not at all (a region's few sales reps) has a
// median absolute deviation of zero; its usual variation is then the s.d. of every move, not
// zero. Reference from NumPy:
//
//	x = np.array([0,0,0,0,0,0,0,-0.25,0,0,0.2,0]); x.mean(), x.std(ddof=1)   # -0.0041666666667, 0.0964325796826
func TestRobustCenterSpreadKeepsWholeUnitMoves(t *testing.T) {
	x := []float64{0, 0, 0, 0, 0, 0, 0, -0.25, 0, 0, 0.2, 0}
	c, s, k := robustCenterSpread(x)
	if math.Abs(c-(-0.004166666666666666)) > 1e-12 || math.Abs(s-0.09643257968260739) > 1e-12 || k != 12 {
		t.Errorf("robustCenterSpread = %.15g, %.15g, %d; want -0.00416666666666667, 0.0964325796826074, 12", c, s, k)
	}
	// One more departure of the same size is then ordinary, not thousands of times the usual
	// variation.
	if z, p, ok := Unusual(-0.25, x, 0.05, 4); !ok || z < -3 || p > 0.5 {
		t.Errorf("Unusual(-0.25) = z %.1f, p %.2f, ok %v; want an ordinary move (|z| < 3, p < 0.5)", z, p, ok)
	}
}

func TestAbnormalProbabilityGrowsWithZ(t *testing.T) {
	for _, df := range []float64{2, 5, 15, 60} {
		prev := -1.0
		for z := 0.0; z <= 40; z += 0.25 {
			p := abnormalProbability(z, df, 0.05, 4)
			if p < prev-1e-12 {
				t.Fatalf("df %g: probability falls from %g to %g at z %g", df, prev, p, z)
			}
			if q := abnormalProbability(-z, df, 0.05, 4); math.Abs(q-p) > 1e-12 {
				t.Fatalf("df %g z %g: not symmetric (%g vs %g)", df, z, p, q)
			}
			prev = p
		}
	}
}

// quarters returns n consecutive quarters from 2021Q1, all complete.
func quarters(n int) ([]datasets.Period, []bool) {
	first, _ := datasets.ParseQuarter("2021Q1")
	ps := make([]datasets.Period, n)
	done := make([]bool, n)
	for i := range ps {
		ps[i], done[i] = first.Add(i), true
	}
	return ps, done
}

// noisy returns n values around level with N(0, sd) noise from seed.
func noisy(seed uint64, n int, level, sd float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = level + sd*r.NormFloat64()
	}
	return out
}

// company builds a query over 20 quarters: supply lead days around 7, response hours around
// 24, spend around 1e6, with the given edits to the last quarter.
func company(t *testing.T, edit func(q *DriverQuery)) DriverQuery {
	t.Helper()
	ps, done := quarters(20)
	q := DriverQuery{Periods: ps, Complete: done, Period: ps[19], KPI: "revenue", Actual: 80, Expected: 100}
	q.Drivers = []DriverSeries{
		{Driver: "supply_lead_days", Role: "procurement", Scale: Level, Unit: "days", Values: noisy(1, 20, 7, 0.8),
			Effect: Effect{Estimate: -0.025, Lower: -0.04, Upper: -0.01}},
		{Driver: "first_response_hours", Role: "customer_service", Scale: Level, Unit: "hours", Values: noisy(2, 20, 24, 3),
			Effect: Effect{Estimate: -0.004, Lower: -0.007, Upper: -0.001}},
		{Driver: "marketing_spend", Role: "gm", Scale: Log, Unit: "currency", Values: noisy(3, 20, 1e6, 5e4),
			Effect: Effect{Estimate: 0.3, Lower: 0.1, Upper: 0.5, LagShare: []float64{0.6, 0.4}}},
	}
	if edit != nil {
		edit(&q)
	}
	return q
}

func TestRankDriversNamesTheShockedDriver(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(q *DriverQuery)
		wantDriver string
		wantRole   string
		wantWhere  string
	}{
		{"supply delay", func(q *DriverQuery) { q.Drivers[0].Values[19] += 8 }, "supply_lead_days", "procurement", ""},
		{"slow answers", func(q *DriverQuery) { q.Drivers[1].Values[19] += 30 }, "first_response_hours", "customer_service", ""},
		{"spend cut", func(q *DriverQuery) { q.Drivers[2].Values[19] *= 0.5 }, "marketing_spend", "gm", ""},
		{"one product's supply", func(q *DriverQuery) {
			// The region's average barely moves; the product's series shows the delay whole.
			q.Drivers[0].Values[19] += 0.4
			part := noisy(9, 20, 7, 0.8)
			part[19] += 9
			q.Drivers[0].Parts = []Part{{Name: "product=Core", Values: part, Exposure: 0.3}, {Name: "product=Pro", Values: noisy(10, 20, 7, 0.8), Exposure: 0.7}}
		}, "supply_lead_days", "procurement", "product=Core"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RankDrivers(company(t, tt.edit), DriverOptions{})
			if err != nil {
				t.Fatal(err)
			}
			top := res.Causes[0]
			if top.Driver != tt.wantDriver || top.Role != tt.wantRole || top.Where != tt.wantWhere {
				t.Fatalf("first cause = %s/%s/%q, want %s/%s/%q (all: %v)", top.Driver, top.Role, top.Where, tt.wantDriver, tt.wantRole, tt.wantWhere, res.Ranked())
			}
			if !top.Significant || res.NoDominantCause {
				t.Errorf("significant %v, no dominant cause %v (%s); want a claimed cause", top.Significant, res.NoDominantCause, res.Reason)
			}
			if top.Contribution.Estimate >= 0 || top.Contribution.Lower > top.Contribution.Estimate || top.Contribution.Upper < top.Contribution.Estimate {
				t.Errorf("contribution %+v: want a negative estimate inside its interval", top.Contribution)
			}
			for _, c := range res.Causes[1:] {
				if c.Significant {
					t.Errorf("%s also claimed (z %.1f)", c.Driver, c.Z)
				}
			}
			if got := res.Claimed(); len(got) != 1 || got[0] != tt.wantDriver {
				t.Errorf("Claimed() = %v, want [%s]", got, tt.wantDriver)
			}
		})
	}
}

func TestRankDriversContributionIsEffectTimesAbnormalMove(t *testing.T) {
	q := company(t, func(q *DriverQuery) { q.Drivers[0].Values[19] += 8 })
	res, err := RankDrivers(q, DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Causes[0]
	want := -0.025 * c.Move * c.Abnormal
	if math.Abs(c.Contribution.Estimate-want) > 1e-12 {
		t.Errorf("contribution %g, want effect × move × P(abnormal) = %g", c.Contribution.Estimate, want)
	}
	if got := c.Actual - c.Baseline; math.Abs(got-c.Move) > 1e-9 {
		t.Errorf("actual − baseline = %g, move %g: want equal for a level driver", got, c.Move)
	}
	if math.Abs(res.Gap-math.Log(0.8)) > 1e-12 || math.Abs(c.Share-c.Contribution.Estimate/res.Gap) > 1e-12 {
		t.Errorf("gap %g share %g: want log(0.8) and contribution/gap", res.Gap, c.Share)
	}
}

func TestRankDriversNoDominantCause(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(q *DriverQuery)
		reason string
	}{
		{"nothing moved", nil, "no driver made an abnormal move"},
		{"a helpful move only", func(q *DriverQuery) { q.Drivers[0].Values[19] -= 6 }, "no driver made an abnormal move"},
		{"explains too little", func(q *DriverQuery) {
			q.Drivers[1].Values[19] += 15 // about −5 % of revenue against a −70 % gap
			q.Actual = 30
		}, "explain"},
		{"too short a history", func(q *DriverQuery) {
			for i := range q.Drivers {
				for k := 0; k < 15; k++ {
					q.Drivers[i].Values[k] = math.NaN()
				}
			}
		}, "no driver has enough history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RankDrivers(company(t, tt.edit), DriverOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.NoDominantCause || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("no dominant cause %v, reason %q; want true and a reason with %q", res.NoDominantCause, res.Reason, tt.reason)
			}
			if res.Claimed() != nil {
				t.Errorf("Claimed() = %v, want none", res.Claimed())
			}
		})
	}
}

func TestRankDriversDirection(t *testing.T) {
	// Revenue beat its target, yet supply lead time jumped: asked about headwinds (down), the
	// delay is claimed on its own; following the gap (up), nothing pushed revenue up.
	edit := func(q *DriverQuery) { q.Drivers[0].Values[19] += 8; q.Actual = 110 }
	down := company(t, edit)
	down.Direction = -1
	res, err := RankDrivers(down, DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.NoDominantCause || res.Causes[0].Driver != "supply_lead_days" || res.Direction != -1 {
		t.Errorf("down: first %s, no dominant cause %v, direction %d; want supply_lead_days claimed", res.Causes[0].Driver, res.NoDominantCause, res.Direction)
	}
	res, err = RankDrivers(company(t, edit), DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NoDominantCause || res.Direction != 1 {
		t.Errorf("gap: no dominant cause %v, direction %d; want true and +1", res.NoDominantCause, res.Direction)
	}
}

func TestRankDriversSeasonalDriverIsNotAbnormalInItsSeason(t *testing.T) {
	// Spend doubles every fourth quarter; the last quarter is such a quarter and is usual.
	q := company(t, func(q *DriverQuery) {
		for i := range q.Drivers[2].Values {
			if i%4 == 3 {
				q.Drivers[2].Values[i] *= 2
			}
		}
		q.Period = q.Periods[19]
	})
	q.Direction = 1
	ms, err := DriverMoves(q.Drivers[2].Values, q.Complete, Log, 4, DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := ms[19]; !m.OK || math.Abs(m.Z) > 3 || m.Abnormal > 0.5 {
		t.Errorf("seasonal peak judged z %.2f, abnormal %.2f; want a usual move", m.Z, m.Abnormal)
	}
}

func TestDriverMovesCleanAPastShockOutOfLaterBaselines(t *testing.T) {
	xs := noisy(4, 20, 7, 0.5)
	xs[15] += 10 // a one-quarter shock
	ps, done := quarters(20)
	_ = ps
	ms, err := DriverMoves(xs, done, Level, 4, DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ms[15].Abnormal < 0.9 {
		t.Fatalf("the shock's abnormal probability %.2f, want ≥ 0.9", ms[15].Abnormal)
	}
	// Without cleaning, the quarter after would be judged against a baseline inflated by the
	// shock and look like a large fall.
	if m := ms[16]; math.Abs(m.Z) > 3 {
		t.Errorf("the quarter after the shock: z %.2f (move %.2f, baseline %.2f), want a usual move", m.Z, m.Move, m.Baseline)
	}
}

func TestRankDriversBadInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(q *DriverQuery)
		opt  DriverOptions
		want string
	}{
		{"period outside", func(q *DriverQuery) { q.Period = q.Periods[19].Add(1) }, DriverOptions{}, "not in the series"},
		{"month asked of quarters", func(q *DriverQuery) { q.Period = datasets.MonthOf(q.Periods[19].Start()) }, DriverOptions{}, "not in the series"},
		{"no periods", func(q *DriverQuery) { q.Periods, q.Complete = nil, nil }, DriverOptions{}, "no periods"},
		{"gap in periods", func(q *DriverQuery) { q.Periods[5] = q.Periods[5].Add(1) }, DriverOptions{}, "not consecutive"},
		{"complete misaligned", func(q *DriverQuery) { q.Complete = q.Complete[1:] }, DriverOptions{}, "complete has"},
		{"zero expected", func(q *DriverQuery) { q.Expected = 0 }, DriverOptions{}, "expected revenue 0"},
		{"negative actual", func(q *DriverQuery) { q.Actual = -5 }, DriverOptions{}, "actual revenue -5"},
		{"short series", func(q *DriverQuery) { q.Drivers[0].Values = q.Drivers[0].Values[1:] }, DriverOptions{}, "19 values for 20 periods"},
		{"log of zero", func(q *DriverQuery) { q.Drivers[2].Values[3] = 0 }, DriverOptions{}, "positive"},
		{"infinite value", func(q *DriverQuery) { q.Drivers[1].Values[3] = math.Inf(1) }, DriverOptions{}, "finite"},
		{"estimate outside interval", func(q *DriverQuery) { q.Drivers[0].Effect.Lower = 0 }, DriverOptions{}, "inside its interval"},
		{"lag shares", func(q *DriverQuery) { q.Drivers[2].Effect.LagShare = []float64{0.5, 0.2} }, DriverOptions{}, "sum to"},
		{"negative lag share", func(q *DriverQuery) { q.Drivers[2].Effect.LagShare = []float64{1.5, -0.5} }, DriverOptions{}, "at least 0"},
		{"exposure", func(q *DriverQuery) {
			q.Drivers[0].Parts = []Part{{Name: "product=A", Values: noisy(1, 20, 7, 1), Exposure: 1.5}}
		}, DriverOptions{}, "exposure 1.5"},
		{"duplicate driver", func(q *DriverQuery) { q.Drivers[1].Driver = q.Drivers[0].Driver }, DriverOptions{}, "given twice"},
		{"bad scale", func(q *DriverQuery) { q.Drivers[1].Scale = "percent" }, DriverOptions{}, "scale"},
		{"bad prior", nil, DriverOptions{Prior: 1.5}, "prior"},
		{"bad window", nil, DriverOptions{Window: -1}, "window"},
		{"bad min history", nil, DriverOptions{MinHistory: 2}, "min history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RankDrivers(company(t, tt.edit), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestRankDriversLargestChange(t *testing.T) {
	q := company(t, func(q *DriverQuery) {
		q.Drivers[2].Values[19] *= 0.7 // −30 %
		q.Drivers[0].Values[19] += 4   // about +57 % on 7 days
	})
	res, err := RankDriversLargestChange(q, DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Ranked(); got[0] != "supply_lead_days" || got[1] != "marketing_spend" {
		t.Errorf("ranked %v, want supply_lead_days then marketing_spend", got)
	}
	if res.NoDominantCause || len(res.Claimed()) != 3 {
		t.Errorf("no dominant cause %v, claimed %v; the baseline claims every driver outside the abstention band", res.NoDominantCause, res.Claimed())
	}
	q.Actual = 101 // within 2 % of expected
	if res, err = RankDriversLargestChange(q, DriverOptions{}); err != nil || !res.NoDominantCause {
		t.Errorf("within 2 %%: no dominant cause %v (err %v), want true", res.NoDominantCause, err)
	}
}

func TestUnusual(t *testing.T) {
	past := []float64{0.01, -0.02, 0.0, 0.015, -0.01, 0.02, -0.005}
	if _, _, ok := Unusual(0.1, past[:2], 0.05, 4); ok {
		t.Error("two past values: want ok false")
	}
	z, p, ok := Unusual(-0.2, past, 0.05, 4)
	if !ok || z > -10 || p < 0.9 {
		t.Errorf("Unusual(-0.2) = z %.1f, p %.2f, ok %v; want a strongly abnormal fall", z, p, ok)
	}
	z, p, _ = Unusual(0.01, past, 0.05, 4)
	if math.Abs(z) > 1 || p > 0.1 {
		t.Errorf("Unusual(0.01) = z %.2f, p %.2f; want usual", z, p)
	}
}
