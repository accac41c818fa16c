package goal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
)

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		quarters int
		err      bool
	}{
		{"2027", "2027", 4, false},
		{"2027Q1", "2027Q1", 1, false},
		{"2027q4", "2027Q4", 1, false},
		{" 2027 ", "2027", 4, false},
		{"", "", 0, true},
		{"27", "", 0, true},
		{"2027Q5", "", 0, true},
		{"2027-01", "", 0, true},
		{"1800", "", 0, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err == nil && (p.String() != tt.want || p.Quarters != tt.quarters) {
				t.Errorf("got %s (%d quarters), want %s (%d)", p, p.Quarters, tt.want, tt.quarters)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tt := range []struct {
		name  string
		g     Goal
		field string
	}{
		{"ok", Goal{Period: "2027", Metric: MetricGrowthYoY, Target: 0.3}, ""},
		{"no period", Goal{Metric: MetricGrowthYoY, Target: 0.3}, "period"},
		{"bad period", Goal{Period: "next year", Metric: MetricGrowthYoY, Target: 0.3}, "period"},
		{"no metric", Goal{Period: "2027", Target: 0.3}, "metric"},
		{"other metric", Goal{Period: "2027", Metric: "profit", Target: 0.3}, "metric"},
		{"percent not fraction", Goal{Period: "2027", Metric: MetricGrowthYoY, Target: 30}, "target"},
		{"minus all", Goal{Period: "2027", Metric: MetricGrowthYoY, Target: -1}, "target"},
		{"nan", Goal{Period: "2027", Metric: MetricGrowthYoY, Target: math.NaN()}, "target"},
		{"long note", Goal{Period: "2027", Metric: MetricGrowthYoY, Target: 0.3, Note: strings.Repeat("x", 1001)}, "note"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.Validate()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tt.field != "" && !errors.As(err, &fe):
				t.Fatalf("err = %v, want a *FieldError for %s", err, tt.field)
			case tt.field != "" && fe.Field != tt.field:
				t.Errorf("field = %s, want %s (%v)", fe.Field, tt.field, err)
			}
		})
	}
}

// A target a person typed is echoed in full, never in exponent notation: 1e6 (a percent
// typed as a huge fraction) is "1000000", and 10.00001, just above the bound, is not
// rounded to the bound itself.
func TestValidateEchoesTargetPlainly(t *testing.T) {
	for target, want := range map[float64]string{1e6: "1000000: ", 10.00001: "10.00001: "} {
		err := (&Goal{Period: "2027", Metric: MetricGrowthYoY, Target: target}).Validate()
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "e+") {
			t.Errorf("target %v: err = %v, want it to start %q and no exponent", target, err, want)
		}
	}
}

// The baseline by hand: revenue 100 a quarter in 2024, 110 in 2025 (the run rate +10 %),
// data ending with 2025Q4; a 2026 goal of +30 % asks for 4 × 110 × 1.3 = 572, and the
// baseline projects 4 × 110 × 1.1 = 484. A goal for 2027 grows from a projected 2026.
func TestBaselineByHand(t *testing.T) {
	var periods []datasets.Period
	var complete []bool
	first, _ := datasets.ParseQuarter("2024Q1")
	for i := 0; i < 8; i++ {
		periods = append(periods, first.Add(i))
		complete = append(complete, true)
	}
	p, err := features.NewPanel(datasets.Quarter, features.Company, periods, complete, []string{""})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetSeries(features.ColRevenue, "", []float64{100, 100, 100, 100, 110, 110, 110, 110}); err != nil {
		t.Fatal(err)
	}
	per, _ := ParsePeriod("2026")
	bl, err := baseline(p, per, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("run rate", bl.Growth, 0.1)
	near("prior revenue", bl.PriorRevenue, 440)
	near("baseline revenue", bl.Revenue, 484)
	near("target revenue", bl.TargetRevenue, 572)
	per, _ = ParsePeriod("2027Q2")
	bl, err = baseline(p, per, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	near("2027Q2 prior revenue (2026Q2 projected)", bl.PriorRevenue, 121)
	if !bl.Quarters[0].Projected {
		t.Error("2026Q2 is beyond the data: want it marked projected")
	}
	// A period inside the data measures the run rate on the four quarters before it.
	per, _ = ParsePeriod("2025Q3")
	if _, err := baseline(p, per, 0.3); err == nil || !strings.Contains(err.Error(), "eight complete quarters") {
		t.Errorf("2025Q3 has only six quarters before it: err = %v, want the eight-quarter error", err)
	}
}

// fakeLever is a lever whose move to its bound adds g to growth in every quarter at every
// draw (sustained: one quarter's growth change, then nothing), with the spread given.
func fakeLever(name string, g, spread float64, uncertain bool) *lever {
	draws := make([]float64, 100)
	for b := range draws {
		draws[b] = g + spread*(float64(b)/99-0.5)
	}
	l := &lever{spec: driver.Spec{Column: name, Scale: driver.Level, Unit: "days"}, sign: -1, from: 10, delta: -5,
		growth: [][]float64{draws, make([]float64, 100)}}
	l.verdict.Uncertain = uncertain
	return l
}

// seek prefers clear drivers to uncertain ones, then fewer drivers, then less of their range,
// and its plan's estimate is the target.
func TestSeekPrefersClearDrivers(t *testing.T) {
	bl := Baseline{Growth: 0.05, Quarters: []BaseQuarter{{Weight: 0.25}, {Weight: 0.25}, {Weight: 0.25}, {Weight: 0.25}}}
	big := fakeLever("big_but_uncertain", 0.3, 0.1, true)
	a := fakeLever("clear_a", 0.1, 0.02, false)
	b := fakeLever("clear_b", 0.1, 0.02, false)
	small := fakeLever("too_small", 0.01, 0.01, false)
	chosen, tt, ok := seek(bl, []*lever{big, a, b, small}, 0.2)
	if !ok {
		t.Fatal("no plan")
	}
	var names []string
	for _, l := range chosen {
		names = append(names, l.spec.Column)
	}
	if got := strings.Join(names, ","); got != "clear_a,clear_b" {
		t.Errorf("chosen %s, want clear_a,clear_b (the uncertain driver alone would do, but it is uncertain)", got)
	}
	if got := mean(lift(bl, chosen, fill(len(chosen), tt))); math.Abs(got-0.2) > 1e-6 {
		t.Errorf("plan's estimate %v, want the target 0.2", got)
	}
	// Without the clear pair, the uncertain driver is used.
	chosen, _, ok = seek(bl, []*lever{big, small}, 0.2)
	if !ok || len(chosen) != 1 || chosen[0] != big {
		t.Errorf("chosen %v, want the uncertain driver alone", chosen)
	}
	// Out of reach.
	if _, _, ok := seek(bl, []*lever{a, small}, 0.5); ok {
		t.Error("a target beyond every lever: want no plan")
	}
}

var (
	genMu   sync.Mutex
	genDirs = map[string]*diagnose.Company{}
	tmpRoot string
)

// companyOf opens a synthetic company for cascading, generating it once per test binary.
// The default company (seed 7) and its reform scenario are the ones the issue names; no
// parameter of the cascade was tuned on them.
func companyOf(t *testing.T, scenario string, seed uint64) *diagnose.Company {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	key := fmt.Sprintf("%s-%d", scenario, seed)
	if c, ok := genDirs[key]; ok {
		return c
	}
	if tmpRoot == "" {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "goal-test-"); err != nil {
			t.Fatal(err)
		}
	}
	cfg := synth.DefaultConfig()
	cfg.Scenario, cfg.Seed = scenario, seed
	dir := filepath.Join(tmpRoot, key)
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	c, err := diagnose.Open(dir, diagnose.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	genDirs[key] = c
	return c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

// implied computes, independently of the package's own arithmetic, the period's growth that
// driver levels imply through the company model: Predict's growth draws, accumulated
// quarter by quarter, weighted by the baseline's quarter shares, averaged over draws.
func implied(t *testing.T, m *company.Model, bl Baseline, levels map[string]float64) float64 {
	t.Helper()
	var sc driver.Scenario
	for col, to := range levels {
		out, err := m.WhatIf(driver.Scenario{Changes: []driver.Change{{Driver: col}}})
		if err != nil {
			t.Fatal(err)
		}
		from := out.Changes[0].From
		if out.Changes[0].Scale == driver.Log {
			sc.Changes = append(sc.Changes, driver.Change{Driver: col, Value: to/from - 1, Relative: true})
		} else {
			sc.Changes = append(sc.Changes, driver.Change{Driver: col, Value: to - from})
		}
	}
	if len(sc.Changes) == 0 {
		return bl.Growth
	}
	growth, _, err := m.Predict(sc)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for b := range growth[0] {
		cum, sum := 0.0, 0.0
		for j, q := range bl.Quarters {
			if j < len(growth) {
				cum += growth[j][b]
			}
			sum += q.Weight * math.Exp(cum)
		}
		total += (1+bl.Growth)*sum - 1
	}
	return total / float64(len(growth[0]))
}

// The acceptance: on the default company and the reform scenario, a GM target of +30 % for
// 2027 cascades to role, team and person targets whose implied growth through the company
// model is the target within 1 pt; +200 % is refused with the reason.
func TestCascadeAcceptance(t *testing.T) {
	for _, scenario := range []string{"baseline", "reform"} {
		t.Run(scenario, func(t *testing.T) {
			co := companyOf(t, scenario, 7)
			m, err := co.CompanyModel(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			plan, err := Cascade(context.Background(), co, Goal{Period: "2027", Metric: MetricGrowthYoY, Target: 0.30}, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !plan.Reachable || len(plan.Changes) == 0 {
				t.Fatalf("+30 %% not reached: %s", plan.Summary)
			}
			t.Logf("%s", plan.Summary)
			if _, err := json.Marshal(plan); err != nil {
				t.Errorf("the plan does not encode: %v", err)
			}
			// Sentences a person reads name the dataset's currency, never the catalogue's
			// placeholder, and a single change "brings" the estimate.
			cur := co.Dataset().Settings.Currency
			for _, r := range plan.Roles {
				for _, it := range r.Indicators {
					if strings.Contains(it.Basis, "currency") || (it.Formula == "revenue" && !strings.Contains(it.Basis, cur)) {
						t.Errorf("%s basis %q: want the currency code %q", it.ID, it.Basis, cur)
					}
				}
			}
			if n := len(plan.Changes); (n == 1) != strings.Contains(plan.Summary, " brings ") {
				t.Errorf("%d changes, summary %q: verb does not agree", n, plan.Summary)
			}
			if math.Abs(plan.Implied.Estimate-0.30) > 0.001 {
				t.Errorf("plan's implied growth %v, want 0.30", plan.Implied.Estimate)
			}
			if !(plan.Probability > 0.2 && plan.Probability < 0.8) {
				t.Errorf("probability %v: a plan sized to the target's estimate reaches it in about half the draws", plan.Probability)
			}

			// Role targets: the drivers' company-wide levels.
			q := 4.0
			roleLevels := map[string]float64{}
			for _, r := range plan.Roles {
				for _, it := range r.Indicators {
					if it.Driver {
						lv := it.Target
						if it.Total {
							lv /= q
						}
						roleLevels[it.Formula] = lv
					}
				}
			}
			got := implied(t, m, plan.Baseline, roleLevels)
			t.Logf("role targets imply %+.2f %%", 100*got)
			if math.Abs(got-0.30) > 0.01 {
				t.Errorf("role targets imply growth %v, want 0.30 within 1 pt", got)
			}
			if pkg, err := ImpliedGrowth(m, plan.Baseline, roleLevels); err != nil || math.Abs(pkg.Estimate-got) > 1e-9 {
				t.Errorf("ImpliedGrowth = %v (%v), the test's own arithmetic %v", pkg.Estimate, err, got)
			}

			// Team and person targets: a driver the plan moves has regional targets that add up
			// (spend, headcount) or average by revenue (days, hours) to the company's; a driver
			// it does not move is held in every team; people are held to their team's.
			rp, _ := co.Panel(datasets.Quarter, features.Region)
			last := rp.LastComplete()
			teamLevels := map[string]float64{}
			scaleOf := map[string]driver.Scale{}
			for _, e := range m.Effects() {
				scaleOf[e.Column] = e.Scale
			}
			for _, r := range plan.Roles {
				for k, it := range r.Indicators {
					if !it.Driver {
						continue
					}
					if it.Target == float64(it.Current) {
						for _, tm := range r.Teams {
							if nt := tm.Indicators[k]; nt.Target != float64(nt.Current) {
								t.Errorf("%s %s: the plan holds it, the team's target %v is not its current %v", tm.TeamID, it.ID, nt.Target, nt.Current)
							}
						}
						continue
					}
					var sum, wsum float64
					regions := map[string]bool{}
					held := math.NaN() // a team held to the company's figure
					for _, tm := range r.Teams {
						nt := tm.Indicators[k]
						if nt.ID != it.ID {
							t.Fatalf("team %s indicator %d is %s, want %s", tm.TeamID, k, nt.ID, it.ID)
						}
						for _, p := range tm.Persons {
							if pt := p.Indicators[k]; pt.MeasuredAt == nt.MeasuredAt && math.Abs(pt.Target-nt.Target) > 1e-9 {
								t.Errorf("%s %s: target %v, want the team's %v", p.EmployeeID, it.ID, pt.Target, nt.Target)
							}
						}
						lv := nt.Target
						if it.Total {
							lv /= q
						}
						region, ok := strings.CutPrefix(nt.MeasuredAt, "region:")
						if strings.HasPrefix(nt.MeasuredAt, "team:") && tm.Region != "" {
							region, ok = tm.Region, true // a regional team's own figure
						}
						switch {
						case nt.MeasuredAt == "company":
							held = lv
						case ok && !regions[region]:
							regions[region] = true
							w := 1.0 // spend and headcount add up over regions
							if scaleOf[it.Formula] == driver.Level {
								w = rp.Series(region, features.ColRevenue)[last] // days and hours average by revenue
							}
							sum += w * lv
							wsum += w
						}
					}
					switch {
					case len(regions) == len(rp.Scopes) && scaleOf[it.Formula] == driver.Log:
						teamLevels[it.Formula] = sum
					case len(regions) == len(rp.Scopes):
						teamLevels[it.Formula] = sum / wsum
					case !math.IsNaN(held):
						teamLevels[it.Formula] = held
					default:
						t.Errorf("%s: no team answers for %s", r.Role, it.ID)
					}
				}
			}
			got = implied(t, m, plan.Baseline, teamLevels)
			t.Logf("team targets imply %+.2f %%", 100*got)
			if math.Abs(got-0.30) > 0.01 {
				t.Errorf("team targets imply growth %v, want 0.30 within 1 pt (levels %v, roles %v)", got, teamLevels, roleLevels)
			}

			// Revenue: the sales teams' targets add up to the goal's revenue, and each team's
			// people to the team's.
			for _, r := range plan.Roles {
				for k, it := range r.Indicators {
					if it.Formula != features.ColRevenue {
						continue
					}
					sum := 0.0
					for _, tm := range r.Teams {
						nt := tm.Indicators[k]
						if !strings.HasPrefix(nt.MeasuredAt, "team:") {
							continue
						}
						sum += nt.Target
						ps := 0.0
						for _, p := range tm.Persons {
							ps += p.Indicators[k].Target
						}
						if len(tm.Persons) > 0 && math.Abs(ps-nt.Target) > 1e-6*nt.Target {
							t.Errorf("%s: people's revenue targets add up to %v, want the team's %v", tm.TeamID, ps, nt.Target)
						}
					}
					if r.Role == "sales" && math.Abs(sum-plan.Baseline.TargetRevenue) > 1e-6*sum {
						t.Errorf("sales teams' revenue targets add up to %v, want the goal's %v", sum, plan.Baseline.TargetRevenue)
					}
				}
			}

			out, err := Cascade(context.Background(), co, Goal{Period: "2027", Metric: MetricGrowthYoY, Target: 2}, Options{Seed: 1, Suggestions: nil})
			if err != nil {
				t.Fatal(err)
			}
			if out.Reachable || out.Refusal == nil || len(out.Roles) != 0 {
				t.Fatalf("+200 %%: reachable %v, refusal %v, %d roles; want refused", out.Reachable, out.Refusal, len(out.Roles))
			}
			t.Logf("%s", out.Refusal.Reason)
			if !strings.Contains(out.Refusal.Reason, "out of reach") || !(out.Refusal.Gap > 0) || len(out.Refusal.Needed) == 0 {
				t.Errorf("refusal %+v: want the reason, a positive gap and what would be needed", out.Refusal)
			}
		})
	}
}

// A goal at or below the run rate needs no change, and every driver is held.
func TestCascadeBelowRunRate(t *testing.T) {
	co := companyOf(t, "baseline", 7)
	plan, err := Cascade(context.Background(), co, Goal{Period: "2027", Metric: MetricGrowthYoY, Target: -0.2}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Reachable || len(plan.Changes) != 0 || plan.Probability != 1 {
		t.Fatalf("reachable %v, %d changes, probability %v: want no change", plan.Reachable, len(plan.Changes), plan.Probability)
	}
	for _, r := range plan.Roles {
		for _, it := range r.Indicators {
			if it.Driver && it.Target != float64(it.Current) {
				t.Errorf("%s %s: target %v, current %v: want held", r.Role, it.ID, it.Target, it.Current)
			}
		}
	}
}

// The GM's growth-rate attainment by hand: revenue 100 a quarter in 2024, 120 and 125 in
// 2025Q1–Q2; on 1 July the 2025 goal of +30 % has seen 245 against 200 a year before, growth
// +22.5 %, attainment 0.225 / 0.3 = 0.75. Halfway through Q2 (share 0.5, 60 in so far) it is
// 180 against 150, +20 %, attainment 0.2 / 0.3.
func TestGrowthAttainmentByHand(t *testing.T) {
	first, _ := datasets.ParseQuarter("2024Q1")
	var periods []datasets.Period
	for i := 0; i < 6; i++ {
		periods = append(periods, first.Add(i))
	}
	p, err := features.NewPanel(datasets.Quarter, features.Company, periods, []bool{true, true, true, true, true, true}, []string{""})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetSeries(features.ColRevenue, "", []float64{100, 100, 100, 100, 120, 125}); err != nil {
		t.Fatal(err)
	}
	per, _ := ParsePeriod("2025")
	if got := GrowthAttainment(p, "", per, []float64{1, 1, 0, 0}, 0.3); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("attainment = %v, want 0.75", got)
	}
	if err := p.SetSeries(features.ColRevenue, "", []float64{100, 100, 100, 100, 120, 60}); err != nil {
		t.Fatal(err)
	}
	if got := GrowthAttainment(p, "", per, []float64{1, 0.5, 0, 0}, 0.3); math.Abs(got-0.2/0.3) > 1e-12 {
		t.Errorf("attainment halfway through Q2 = %v, want %v", got, 0.2/0.3)
	}
	if got := GrowthAttainment(p, "", per, []float64{0, 0, 0, 0}, 0.3); !math.IsNaN(got) {
		t.Errorf("nothing measured yet: %v, want NaN", got)
	}
}

// Scorecards on the default company for a 2026 goal (three quarters in the data): a person's
// score is the weighted mean of their completions; a team's is the weighted mean of its
// people's scores by their weights; a salesperson's revenue is their won deals; the GM's
// growth attainment is the company's growth so far over the goal's, counted from the deals.
func TestScorecardsSumConsistently(t *testing.T) {
	co := companyOf(t, "baseline", 7)
	plan, err := Cascade(context.Background(), co, Goal{Period: "2026", Metric: MetricGrowthYoY, Target: 0.30}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Reachable {
		t.Fatalf("2026 +30 %%: %s", plan.Summary)
	}
	ds := co.Dataset()
	won := func(owner string, from, to time.Time) float64 {
		sum := 0.0
		for _, o := range ds.Opportunities {
			if o.Stage == "won" && (owner == "" || o.OwnerID == owner) && !o.ClosedDate.Before(from) && o.ClosedDate.Before(to) {
				sum += o.Amount.Or(0)
			}
		}
		return sum
	}
	day := func(s string) time.Time { d, _ := datasets.ParseDate(s); return d }
	checked := map[string]bool{}
	for _, r := range plan.Roles {
		for _, tm := range r.Teams {
			card, err := TeamScorecard(co, plan, tm.TeamID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(card); err != nil {
				t.Fatalf("%s: the scorecard does not encode: %v", tm.TeamID, err)
			}
			var sum, wsum float64
			for _, p := range card.Persons {
				// A person's score from their lines.
				var ps, pw float64
				for _, l := range p.Lines {
					if c := float64(l.Completion); !math.IsNaN(c) {
						ps += float64(l.Weight) * c
						pw += float64(l.Weight)
						if math.Abs(float64(l.Weighted)-float64(l.Weight)/100*c) > 1e-12 {
							t.Errorf("%s %s: weighted %v, want weight × completion", p.ID, l.ID, l.Weighted)
						}
					}
				}
				if pw > 0 && math.Abs(float64(p.Score)-ps/pw) > 1e-12 {
					t.Errorf("%s: score %v, want %v", p.ID, p.Score, ps/pw)
				}
				if s := float64(p.Score); !math.IsNaN(s) {
					sum += p.Weight * s
					wsum += p.Weight
				}
				for _, l := range p.Lines {
					if l.ID == "revenue" && l.MeasuredAt == "employee:"+p.ID {
						if want := won(p.ID, day("2026-01-01"), day("2026-10-01")); math.Abs(float64(l.Actual)-want) > 1e-6 {
							t.Errorf("%s revenue to date %v, want their won deals %v", p.ID, l.Actual, want)
						}
						checked["revenue"] = true
					}
					if l.ID == "sales_growth_attainment" && l.MeasuredAt == "company" {
						want := (won("", day("2026-01-01"), day("2026-10-01"))/won("", day("2025-01-01"), day("2025-10-01")) - 1) / 0.30
						if math.Abs(float64(l.Actual)-want) > 1e-9 {
							t.Errorf("%s growth attainment %v, want %v", p.ID, l.Actual, want)
						}
						checked["attainment"] = true
					}
				}
			}
			if wsum > 0 && math.Abs(float64(card.Score)-sum/wsum) > 1e-12 {
				t.Errorf("team %s: score %v, want its people's weighted mean %v", tm.TeamID, card.Score, sum/wsum)
			}
		}
	}
	if !checked["revenue"] || !checked["attainment"] {
		t.Errorf("checked %v: want a salesperson's revenue and the GM's attainment", checked)
	}
	if _, err := PersonScorecard(co, plan, "E999999"); !errors.Is(err, ErrNotInPlan) {
		t.Errorf("an unknown employee: err %v, want ErrNotInPlan", err)
	}
}

// A role KPI crossing its target raises an alert about the team, to its role and the GM: one
// support team's first-response target cut to half of what it answers in now is missed; the
// other teams, held to their own level, are not alerted on it.
func TestKPIAlertsFirstResponse(t *testing.T) {
	co := companyOf(t, "baseline", 7)
	plan, err := Cascade(context.Background(), co, Goal{Period: "2026", Metric: MetricGrowthYoY, Target: 0.30}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	team := ""
	for ri, r := range plan.Roles {
		if r.Role != "customer_service" {
			continue
		}
		for ti, tm := range r.Teams {
			for k, nt := range tm.Indicators {
				if nt.ID == "response_time" && team == "" {
					team = tm.TeamID
					plan.Roles[ri].Teams[ti].Indicators[k].Target = float64(nt.Current) / 2
				}
			}
		}
	}
	if team == "" {
		t.Fatal("no customer service team with a response-time target")
	}
	alerts, notes, err := KPIAlerts(co, plan, alert.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var hit []alert.Alert
	for _, a := range alerts {
		if a.Metric == "response_time" {
			hit = append(hit, a)
		}
	}
	if len(hit) != 1 || hit[0].Scope != "team:"+team || !slices.Equal(hit[0].Notify, []string{"customer_service", "gm"}) || !(hit[0].Pace < 0.6) || hit[0].Severity != alert.Critical {
		t.Fatalf("response-time alerts %+v (notes %v), want one critical alert for %s", hit, notes, team)
	}
	if hit[0].ID != alert.ID(hit[0].Key, co.AsOf()) || hit[0].Period.String() != "2026Q3" {
		t.Errorf("alert id %s, period %s", hit[0].ID, hit[0].Period)
	}
}
