package diagnose

import (
	"context"
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
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/rootcause"
)

var (
	genMu   sync.Mutex
	genDirs = map[string]string{}
	tmpRoot string
)

// generated returns the directory of a synthetic company, generating it once per test binary.
func generated(t *testing.T, scenario string, employees int, seed uint64) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	key := fmt.Sprintf("%s-%d-%d", scenario, employees, seed)
	if d, ok := genDirs[key]; ok {
		return d
	}
	if tmpRoot == "" {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "diagnose-test-"); err != nil {
			t.Fatal(err)
		}
	}
	cfg := synth.DefaultConfig()
	cfg.Scenario, cfg.Employees, cfg.Seed = scenario, employees, seed
	dir := filepath.Join(tmpRoot, key)
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	genDirs[key] = dir
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

func open(t *testing.T, dir string, asOf time.Time) *Company {
	t.Helper()
	c, err := Open(dir, Options{AsOf: asOf, Replicates: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A supply delay in one region's last quarter raises that region's quarterly alert, and the
// alert's first cause is supply lead time, owned by procurement, who is told. The shock costs
// about 18 % of the region's revenue, so whether the pace falls below 80 % depends on the
// noise: every alert raised for the shocked region must name supply first, and most of the
// four companies must raise one.
func TestAlertsSupplyDelayNamesProcurement(t *testing.T) {
	fired := 0
	for seed := uint64(1); seed <= 4; seed++ {
		dir := generated(t, "supply-delay", 500, seed)
		truth, err := synth.ReadTruth(dir)
		if err != nil {
			t.Fatal(err)
		}
		region := "region:" + truth.Shocks[0].ScopeID
		c := open(t, dir, mustDate("2026-10-01"))
		ans, err := c.Alerts(context.Background(), AlertRequest{Levels: []features.Level{features.Region}, Grains: []datasets.Grain{datasets.Quarter}})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ans.Alerts {
			if a.Scope != region {
				continue
			}
			fired++
			if len(a.Causes) == 0 || a.Causes[0].Name != "supply_lead_days" || a.Causes[0].Role != "procurement" || !a.Causes[0].Claimed {
				t.Errorf("seed %d %s: causes %+v, want supply_lead_days (procurement) claimed first", seed, a.Scope, a.Causes)
			}
			if !slices.Contains(a.Notify, "procurement") || a.NoDominantCause {
				t.Errorf("seed %d: notify %v, no dominant cause %v; want procurement told", seed, a.Notify, a.NoDominantCause)
			}
			if !(a.Pace < 0.8) || a.Period.String() != "2026Q3" {
				t.Errorf("seed %d: pace %g period %s", seed, a.Pace, a.Period)
			}
		}
	}
	if fired < 2 {
		t.Errorf("%d of 4 supply-delay companies raised an alert for the shocked region, want at least 2", fired)
	}
}

// Mid-quarter, revenue to date is judged against the share of the quarter's revenue history
// says should be in by now, not against a flat share of days.
func TestAlertsProRateByShape(t *testing.T) {
	dir := generated(t, "baseline", 100, 7)
	c := open(t, dir, mustDate("2026-08-16"))
	ans, err := c.Alerts(context.Background(), AlertRequest{Config: alert.Config{Threshold: 2}, Levels: []features.Level{features.Company}, Grains: []datasets.Grain{datasets.Quarter}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Alerts) != 1 {
		t.Fatalf("%d alerts at threshold 2, want the company's quarter", len(ans.Alerts))
	}
	a := ans.Alerts[0]
	flat := float64(46) / 92 // 2026-07-01 to 2026-08-15 of a 92-day quarter
	// The generator's deals are created more toward the quarter's end but close one to two
	// months later, so its quarters' revenue is not spread evenly either way.
	if math.Abs(a.ExpectedShare-flat) < 0.01 || a.ExpectedShare <= 0 || a.ExpectedShare >= 1 {
		t.Errorf("expected share %.3f by mid-August, want a share from history, not the flat %.3f", a.ExpectedShare, flat)
	}
	if a.Actual <= 0 || a.Target <= 0 || a.Expected != a.Target*a.ExpectedShare {
		t.Errorf("actual %g target %g expected %g", a.Actual, a.Target, a.Expected)
	}
	// Dedup against the answer itself: all suppressed.
	again, err := c.Alerts(context.Background(), AlertRequest{Config: alert.Config{Threshold: 2}, Log: &memLog{history: ans.Alerts}, Levels: []features.Level{features.Company}, Grains: []datasets.Grain{datasets.Quarter}})
	if err != nil || len(again.Alerts) != 0 || len(again.Suppressed) != 1 {
		t.Errorf("with the same history: %d raised, %d suppressed (err %v); want 0 and 1", len(again.Alerts), len(again.Suppressed), err)
	}
}

func TestDriversFindTheShockAndReportErrors(t *testing.T) {
	dir := generated(t, "supply-delay", 500, 1)
	truth, _ := synth.ReadTruth(dir)
	c := open(t, dir, time.Time{})
	q, _ := datasets.ParseQuarter("2026Q3")
	ans, err := c.Drivers(context.Background(), DriverRequest{Scope: Scope{Level: features.Region, ID: truth.Shocks[0].ScopeID}, Period: q})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Causes[0].Driver != "supply_lead_days" || ans.ExpectedFrom != "target" {
		t.Errorf("first cause %s (expected from %s), want supply_lead_days against the target", ans.Causes[0].Driver, ans.ExpectedFrom)
	}
	// The company scope sees the region's move as a part.
	comp, err := c.Drivers(context.Background(), DriverRequest{Scope: Scope{Level: features.Company}, Period: q, Direction: -1})
	if err != nil {
		t.Fatal(err)
	}
	if top := comp.Causes[0]; top.Driver != "supply_lead_days" || !strings.Contains(top.Where, truth.Shocks[0].ScopeID) {
		t.Errorf("company scope: first cause %s in %q, want supply_lead_days in the shocked region", top.Driver, top.Where)
	}
	bad := []struct {
		name string
		req  DriverRequest
		want string
	}{
		{"unknown region", DriverRequest{Scope: Scope{Level: features.Region, ID: "Atlantis"}, Period: q}, "not in the data"},
		{"period outside", DriverRequest{Scope: Scope{Level: features.Company}, Period: q.Add(8)}, "outside the data"},
		{"no grain", DriverRequest{Scope: Scope{Level: features.Company}}, "want a month"},
		// The error says how to give a target: the Maven CRM import has none, and "give the
		// expected revenue" did not say where.
		{"no target", DriverRequest{Scope: Scope{Level: features.Team, ID: "east-sales-01"}, Period: datasets.MonthOf(q.Start())},
			"no revenue target for " + datasets.MonthOf(q.Start()).String() + ": add a row to the data's targets table (period " + datasets.MonthOf(q.Start()).String() + ", scope team, scope_id east-sales-01, metric revenue, target), or give the revenue expected (the API's expected=REVENUE or against=forecast, the CLI's --expected-revenue)"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Drivers(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSlicesLocateTheShock(t *testing.T) {
	dir := generated(t, "supply-delay", 500, 1)
	truth, _ := synth.ReadTruth(dir)
	c := open(t, dir, time.Time{})
	q, _ := datasets.ParseQuarter("2026Q3")
	ans, err := c.Slices(context.Background(), SliceRequest{Period: q})
	if err != nil {
		t.Fatal(err)
	}
	if ans.NoDominantCause || len(ans.Slices) == 0 || ans.Slices[0].String() != "region="+truth.Shocks[0].ScopeID {
		t.Errorf("first slice %v (no dominant cause %v), want region=%s", ans.Ranked(), ans.NoDominantCause, truth.Shocks[0].ScopeID)
	}
	// Driver moves are listed only when their evidence favours an abnormal move and they held
	// revenue back.
	for _, s := range ans.Slices {
		if s.Source == "driver" && (s.Abnormal < rootcause.DefaultDriverOptions().Prior || s.Change >= 0) {
			t.Errorf("driver slice %s: abnormal %.3f, contribution %+.4f; want at least the prior and negative", s.String(), s.Abnormal, s.Change)
		}
	}
	for _, bad := range []SliceRequest{{Period: q, Direction: "sideways"}, {Period: q, KPIs: []string{"happiness"}}, {Period: q.Add(5)}} {
		if _, err := c.Slices(context.Background(), bad); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
	// A quarter still under way is not drilled.
	mid := open(t, dir, mustDate("2026-08-16"))
	if _, err := mid.Slices(context.Background(), SliceRequest{Period: q}); err == nil || !strings.Contains(err.Error(), "under way") {
		t.Errorf("quarter under way: error %v, want one saying so", err)
	}
}

func TestIndicatorsOnACompany(t *testing.T) {
	c := open(t, generated(t, "baseline", 100, 7), time.Time{})
	ans, err := c.Indicators(context.Background(), IndicatorRequest{Role: "procurement", Options: indicators.Options{Replicates: 100}})
	if err != nil {
		t.Fatal(err)
	}
	r := ans.Roles[0]
	sum := 0
	var lead *indicators.Suggested
	for i, s := range r.Indicators {
		sum += s.Weight
		if s.ID == "supply_lead_time" {
			lead = &r.Indicators[i]
		}
	}
	if sum != 100 || lead == nil {
		t.Fatalf("procurement: weights sum %d, lead time suggested %v", sum, lead != nil)
	}
	if lead.Effect == nil || lead.Effect.Source != "company model" || lead.Effect.Estimate >= 0 {
		t.Errorf("supply lead time effect %+v, want a negative effect from the company model", lead.Effect)
	}
	if _, err := c.Indicators(context.Background(), IndicatorRequest{Role: "janitor"}); err == nil {
		t.Error("unknown role: want an error")
	}
}

func TestCut(t *testing.T) {
	d := func(s string) time.Time { return mustDate(s) }
	ds := &datasets.Dataset{
		Opportunities: []datasets.Opportunity{
			{OpportunityID: "o1", Stage: "won", CreatedDate: d("2026-01-05"), ClosedDate: d("2026-02-01")},
			{OpportunityID: "o2", Stage: "lost", CreatedDate: d("2026-01-05"), ClosedDate: d("2026-03-01")},
			{OpportunityID: "o3", Stage: "won", CreatedDate: d("2026-02-20"), ClosedDate: d("2026-03-05")},
		},
		Invoices:       []datasets.Invoice{{InvoiceID: "i1", IssuedDate: d("2026-02-01"), PaidDate: d("2026-03-10")}},
		PurchaseOrders: []datasets.PurchaseOrder{{POID: "p1", OrderedDate: d("2026-02-10"), DeliveredDate: d("2026-02-25"), Defects: datasets.Some(int64(1))}},
		Employees:      []datasets.Employee{{EmployeeID: "e1", HireDate: d("2020-01-01"), ExitDate: d("2026-03-01")}, {EmployeeID: "e2", HireDate: d("2026-03-01")}},
		MarketingSpend: []datasets.MarketingSpend{{Month: datasets.MonthOf(d("2026-02-01"))}, {Month: datasets.MonthOf(d("2026-03-01"))}},
	}
	cut := Cut(ds, d("2026-02-15"))
	if n := len(cut.Opportunities); n != 2 {
		t.Fatalf("%d opportunities, want 2 (o3 was created later)", n)
	}
	if o := cut.Opportunities[0]; o.Stage != "won" || o.ClosedDate.IsZero() {
		t.Errorf("o1 closed before: %+v", o)
	}
	if o := cut.Opportunities[1]; o.Stage == "lost" || !o.ClosedDate.IsZero() {
		t.Errorf("o2 closed after the cut must be open: %+v", o)
	}
	if !cut.Invoices[0].PaidDate.IsZero() {
		t.Error("invoice paid after the cut must be unpaid")
	}
	if po := cut.PurchaseOrders[0]; !po.DeliveredDate.IsZero() || po.Defects.Valid {
		t.Errorf("order delivered after the cut must be outstanding: %+v", po)
	}
	if len(cut.Employees) != 1 || !cut.Employees[0].ExitDate.IsZero() {
		t.Errorf("employees %+v: want e1 still employed, e2 not hired yet", cut.Employees)
	}
	if len(cut.MarketingSpend) != 1 {
		t.Errorf("%d spend months, want February only", len(cut.MarketingSpend))
	}
	if ds.Opportunities[1].Stage != "lost" {
		t.Error("Cut changed its input")
	}
}

func TestParseScope(t *testing.T) {
	for in, want := range map[string]string{"": "company", "company": "company", "region:East": "region:East", "team:east-sales-01": "team:east-sales-01"} {
		s, err := ParseScope(in)
		if err != nil || s.String() != want {
			t.Errorf("ParseScope(%q) = %v, %v; want %s", in, s, err, want)
		}
	}
	for _, bad := range []string{"region", "region:", "planet:Mars", "company:x"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q): want an error", bad)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), Options{}); err == nil {
		t.Error("Open of a missing directory: want an error")
	}
	if _, err := New(nil, Options{}); err == nil || errors.Is(err, nil) {
		t.Error("New(nil): want an error")
	}
}

func mustDate(s string) time.Time {
	t, err := datasets.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// ExpectedShare and LinkCauses, used for actuals that another system reports, give what
// Alerts computes from the data itself for the same scope, period and day.
func TestExpectedShareAndLinkCausesMatchAlerts(t *testing.T) {
	dir := generated(t, "supply-delay", 500, 1)
	asOf := mustDate("2026-10-01")
	c := open(t, dir, asOf)
	ans, err := c.Alerts(context.Background(), AlertRequest{Config: alert.Config{Threshold: 2}, Levels: []features.Level{features.Company, features.Region}, Grains: []datasets.Grain{datasets.Quarter}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Alerts) == 0 {
		t.Fatal("no alert at threshold 2")
	}
	for _, want := range ans.Alerts {
		share, err := c.ExpectedShare(want.Period, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(share-want.ExpectedShare) > 1e-12 {
			t.Errorf("%s %s: ExpectedShare %g, Alerts used %g", want.Scope, want.Period, share, want.ExpectedShare)
		}
		got := want
		got.Causes, got.Notify, got.NoDominantCause = nil, nil, true
		if err := c.LinkCauses(context.Background(), &got, alert.DefaultConfig().Notify); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Causes) != fmt.Sprint(want.Causes) || !slices.Equal(got.Notify, want.Notify) || got.NoDominantCause != want.NoDominantCause {
			t.Errorf("%s: LinkCauses gave %+v notify %v, Alerts %+v notify %v", want.Scope, got.Causes, got.Notify, want.Causes, want.Notify)
		}
	}
	for _, tc := range []struct {
		name   string
		period string
		asOf   string
	}{
		{"before the period", "2026Q3", "2026-06-30"},
		{"after the period", "2026Q3", "2026-10-02"},
	} {
		p, err := datasets.ParsePeriod(tc.period)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExpectedShare(p, mustDate(tc.asOf)); err == nil {
			t.Errorf("%s: ExpectedShare(%s, %s) gave no error", tc.name, tc.period, tc.asOf)
		}
	}
	if err := c.LinkCauses(context.Background(), &alert.Alert{Scope: "planet:x", Period: ans.Alerts[0].Period}, nil); err == nil {
		t.Error("LinkCauses of an unknown scope level gave no error")
	}

	// The same actuals posted by another system raise the same alerts through Judge, and
	// the log records them once.
	var actuals []Actual
	for _, a := range ans.Alerts {
		sc, err := ParseScope(a.Scope)
		if err != nil {
			t.Fatal(err)
		}
		actuals = append(actuals, Actual{Scope: sc, Period: a.Period, Actual: a.Actual, Target: a.Target})
	}
	log := &memLog{}
	judged, err := c.Judge(context.Background(), ActualsRequest{AsOf: asOf, Actuals: actuals, Config: alert.Config{Threshold: 2}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(judged.Alerts), fmt.Sprint(ans.Alerts); got != want {
		t.Errorf("Judge raised\n%s\nAlerts raised\n%s", got, want)
	}
	if len(log.history) != len(ans.Alerts) || log.records != 1 {
		t.Errorf("log holds %d alerts after %d records, want %d after 1", len(log.history), log.records, len(ans.Alerts))
	}
	for i, p := range judged.Progress {
		if !p.Alert || !p.Judged || p.TargetFrom != "given" {
			t.Errorf("progress %d: %+v, want judged, alerted, target given", i, p)
		}
	}
	again, err := c.Judge(context.Background(), ActualsRequest{AsOf: asOf, Actuals: actuals, Config: alert.Config{Threshold: 2}, Log: log})
	if err != nil || len(again.Alerts) != 0 || len(again.Suppressed) != len(ans.Alerts) {
		t.Errorf("posted again: %d raised, %d suppressed (err %v); want all suppressed", len(again.Alerts), len(again.Suppressed), err)
	}

	// An actual without a target names itself; a cancelled request records nothing.
	bad := append([]Actual{}, actuals...)
	bad[0].Target = 0
	bad[0].Period = bad[0].Period.Add(8)
	var ae *ActualError
	if _, err := c.Judge(context.Background(), ActualsRequest{AsOf: bad[0].Period.Start().AddDate(0, 0, 1), Actuals: bad[:1]}); !errors.As(err, &ae) || ae.Index != 0 || ae.Field != "target" {
		t.Errorf("no target: err %v, want an *ActualError on actual 0's target", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fresh := &memLog{}
	if _, err := c.Judge(ctx, ActualsRequest{AsOf: asOf, Actuals: actuals, Config: alert.Config{Threshold: 2}, Log: fresh}); !errors.Is(err, context.Canceled) || fresh.records != 0 {
		t.Errorf("cancelled: err %v, %d records; want context.Canceled and none", err, fresh.records)
	}
}

// memLog is an alert log in memory.
type memLog struct {
	history []alert.Alert
	records int
}

func (l *memLog) History() ([]alert.Alert, error) { return l.history, nil }

func (l *memLog) Record(raised []alert.Alert) ([]alert.Alert, error) {
	l.history = append(l.history, raised...)
	l.records++
	return nil, nil
}

// The merged ranking: claimed slices first (most likely abnormal first), then slices that
// passed their test, then driver moves that were not claimed (most likely abnormal first),
// then the funnel's failed slices in the drilldown's order.
func TestBetterOrdersCandidates(t *testing.T) {
	kpi := func(name string, claimed, significant bool, score, abnormal, rank float64) SliceCause {
		s := SliceCause{Source: "kpi", KPI: name, Claimed: claimed, Abnormal: abnormal, rank: rank}
		s.Score, s.Significant = score, significant
		return s
	}
	drv := func(name string, claimed, significant bool, abnormal float64) SliceCause {
		s := SliceCause{Source: "driver", KPI: name, Claimed: claimed, Abnormal: abnormal, rank: 3}
		s.Significant = significant
		return s
	}
	tests := []struct {
		name string
		a, b SliceCause
	}{
		{"claimed before a likelier unclaimed move", kpi("deals", true, true, 5, 0.95, 4), drv("spend", false, true, 0.99)},
		{"claimed by probability", drv("spend", true, true, 0.99), kpi("deals", true, true, 50, 0.95, 9)},
		{"significant funnel slice before an unclaimed move", kpi("deals", false, true, 1, 0.5, 2), drv("spend", false, false, 0.8)},
		{"unclaimed move before a failed funnel slice", drv("spend", false, false, 0.1), kpi("deals", false, false, -0.5, 0.9, 8)},
		{"unclaimed moves by probability", drv("spend", false, false, 0.3), drv("supply", false, false, 0.2)},
		{"failed funnel slices by score", kpi("deals", false, false, -2, 0.1, 1), kpi("win_rate", false, false, -3, 0.9, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !better(tt.a, tt.b) || better(tt.b, tt.a) {
				t.Errorf("better(a, b) = %v, better(b, a) = %v; want true, false", better(tt.a, tt.b), better(tt.b, tt.a))
			}
		})
	}
}

// A caller that leaves while the driver model is being fitted gets its context's error, and
// the fit it started is not lost or turned into "no model": the next caller gets the causes.
func TestCancelledCallerDoesNotSpoilTheModel(t *testing.T) {
	dir := generated(t, "supply-delay", 500, 1)
	c := open(t, dir, time.Time{})
	q, _ := datasets.ParseQuarter("2026Q3")
	req := DriverRequest{Scope: Scope{Level: features.Company}, Period: q, Direction: -1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Drivers(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err %v, want context.Canceled", err)
	}
	ans, err := c.Drivers(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ans.Notes {
		if strings.Contains(n, "not fitted") {
			t.Errorf("after a cancelled caller the effects are the priors: %q", n)
		}
	}
}

// A CRM import without driver tables (testdata/crm-short, the Maven export's shape) has no
// company model: the driver indicators rest on the catalogue's priors, whose intervals always
// span zero. They were shown as points ("Sales staffing +10 % → growth +9.5 pt [-9.1, +28.2]
// (prior)"); they must say, in the company model's words, that the data cannot tell.
func TestPriorOnlyIndicatorsAreUncertain(t *testing.T) {
	c := open(t, "testdata/crm-short", time.Time{})
	ans, err := c.Indicators(context.Background(), IndicatorRequest{Options: indicators.Options{Replicates: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Notes) == 0 || !strings.Contains(ans.Notes[0], "company model not fitted") {
		t.Fatalf("notes %q: want the company model not fitted (the fixture has no driver table)", ans.Notes)
	}
	seen := 0
	for _, r := range ans.Roles {
		for _, s := range r.Indicators {
			if s.Effect == nil || s.Effect.Source != "prior" {
				continue
			}
			seen++
			want := company.UncertainSentence(s.Formula, company.Sign(s.Effect.Estimate))
			if !s.Effect.Uncertain || s.Effect.Sentence != want || !strings.Contains(s.Rationale, "somewhere in") || !strings.Contains(s.Rationale, want) {
				t.Errorf("%s %s: effect %+v, rationale %q; want uncertain, saying %q", r.Role, s.ID, s.Effect, s.Rationale, want)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no indicator rests on a prior: the fixture no longer tests the case")
	}
}

// The same import's accounts all start years before the data and none has a churn date:
// new accounts are 0 and retention 100 % in every quarter. The review page suggested
// "Strategic goal completion: 0 accounts, target 0 accounts" at half the GM's weight and
// "Customer retention 100.0 %" as customer service's only KPI. A history that never moves is
// not a measurement: it must be listed as unmeasurable, with the reason.
func TestFlatIndicatorsAreNotSuggested(t *testing.T) {
	c := open(t, "testdata/crm-short", time.Time{})
	ans, err := c.Indicators(context.Background(), IndicatorRequest{Options: indicators.Options{Replicates: 100}})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]indicators.RoleSuggestion{}
	for _, r := range ans.Roles {
		roles[r.Role] = r
		for _, s := range r.Indicators {
			if s.ID == "strategic_goal_completion" || s.ID == "customer_retention" {
				t.Errorf("%s suggests %s (current %v, target %v), a history that never moves", r.Role, s.ID, s.Current, s.Target)
			}
		}
	}
	gm := roles["gm"]
	if !slices.ContainsFunc(gm.Unmeasurable, func(u string) bool {
		return strings.HasPrefix(u, "strategic_goal_completion: the same value in all 3 complete periods")
	}) {
		t.Errorf("gm unmeasurable %q: want strategic_goal_completion with the reason", gm.Unmeasurable)
	}
	if cs := roles["customer_service"]; !strings.Contains(cs.NoData, "customer_retention: the same value in every period") {
		t.Errorf("customer service: no data %q, indicators %+v; want not measurable, naming customer_retention", cs.NoData, cs.Indicators)
	}
}
