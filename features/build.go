package features

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Options configure Build.
type Options struct {
	Grain datasets.Grain
	Level Level
	// AsOf is the first day after the data. Periods that end after it are incomplete. The
	// zero value means "infer": the day after the latest opportunity created or closed (or the
	// end of the last revenue period), rounded up to the end of its month when that day is
	// one of the month's last three (exports usually stop at a month end, and a quiet last day
	// should not make a whole month look unfinished). Events after AsOf are ignored.
	AsOf time.Time
	// Scopes, when not empty, are the panel's scopes (regions, teams or employees) instead of
	// those the data name: a team panel of every team of the teams table, say, for the
	// tickets and staff of teams that sell nothing. Rows of other scopes are left out; a
	// company panel ignores it.
	Scopes []string
}

// Panel columns. Rates are fractions (0.25, not 25 %), durations in the unit their name says.
const (
	ColRevenue           = "revenue"
	ColGrowthPrev        = "growth_qoq" // growth_mom on a monthly panel
	ColGrowthYoY         = "growth_yoy"
	ColLeads             = "leads"
	ColWinRate           = "win_rate"
	ColAvgDeal           = "avg_deal"
	ColSalesCycleDays    = "sales_cycle_days"
	ColPipelineCoverage  = "pipeline_coverage"
	ColCollectionRate    = "collection_rate"
	ColDSO               = "dso"
	ColChurnRate         = "churn_rate"
	ColRetentionRate     = "retention_rate"
	ColNewAccounts       = "new_accounts"
	ColFirstResponseH    = "first_response_hours"
	ColFirstResponseP50  = "first_response_p50"
	ColFirstResponseP90  = "first_response_p90"
	ColResolutionHours   = "resolution_hours"
	ColCSAT              = "csat"
	ColSupplyLeadDays    = "supply_lead_days"
	ColOnTimeRate        = "on_time_rate"
	ColDefectRate        = "defect_rate"
	ColReimbursementDays = "reimbursement_days"
	ColMarketingSpend    = "marketing_spend"
	ColHeadcount         = "headcount"
	ColSalesHeadcount    = "sales_headcount"
	ColAttrition         = "employee_attrition"
	ColTarget            = "target"
	ColCompletion        = "completion"
	// ColGrowthAttainment is the article's growth-rate attainment: actual year-on-year growth
	// over the growth the target asked for, (revenue / revenue a year earlier − 1) / (target /
	// revenue a year earlier − 1); NaN where the target asks for no growth (a ratio to a zero
	// or negative growth target means nothing).
	ColGrowthAttainment = "growth_attainment"
)

// columnOrder is the order of columns in every panel, whatever order they were computed in.
var columnOrder = []string{ColRevenue, ColGrowthPrev, "growth_mom", ColGrowthYoY, ColTarget, ColCompletion, ColGrowthAttainment, ColLeads,
	ColWinRate, ColAvgDeal, ColSalesCycleDays, ColPipelineCoverage, ColCollectionRate, ColDSO, ColChurnRate,
	ColRetentionRate, ColNewAccounts, ColFirstResponseH, ColFirstResponseP50, ColFirstResponseP90, ColResolutionHours,
	ColCSAT, ColSupplyLeadDays, ColOnTimeRate, ColDefectRate, ColReimbursementDays, ColMarketingSpend, ColHeadcount,
	ColSalesHeadcount, ColAttrition}

// Columns lists every column a panel can have (a panel built without a table leaves that
// table's columns out): the names an indicator's formula may use.
func Columns() []string { return slices.Clone(columnOrder) }

func columnRank(c string) int {
	if i := slices.Index(columnOrder, c); i >= 0 {
		return i
	}
	return len(columnOrder)
}

// Build aggregates the dataset into a panel of the given grain and scope level.
//
// Events are placed by their own date: revenue, wins and losses by close date; leads by
// creation date; tickets, purchase orders and claims by the date they were opened, ordered or
// submitted; pipeline coverage is the open pipeline at the period's start over its revenue
// target; DSO is receivables at the period's end over the period's billing, times its days
// (invoices unpaid after a year are treated as written off). Rows without the scope (an
// opportunity with no region) count in the company panel only, and a warning says how many.
func Build(ds *datasets.Dataset, opt Options) (*Panel, error) {
	b, err := start(ds, opt)
	if err != nil {
		return nil, err
	}
	for _, add := range b.tables() {
		add()
	}
	return b.finish(), nil
}

// BuildDir is Build on a dataset directory, reading one large table at a time so that peak
// memory is about that of the largest table, not of the whole dataset.
func BuildDir(dir string, opt Options) (*Panel, error) {
	ps, _, err := BuildDirAll(dir, opt)
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// BuildDirAll builds one panel per Options from a dataset directory, reading each table once
// for all of them (the training pipeline needs company, region and team panels, quarterly and
// monthly). Panels are returned in the order of opts, with the load report of every table
// (rows read, kept and rejected; warnings; missing optional tables).
func BuildDirAll(dir string, opts ...Options) ([]*Panel, *datasets.Report, error) {
	return buildDir(dir, nil, opts...)
}

// buildDir is BuildDirAll; withOpps, when set, sees the base tables (employees, teams,
// accounts, opportunities, revenue) and the first builder before the opportunities are
// dropped.
func buildDir(dir string, withOpps func(*datasets.Dataset, *builder), opts ...Options) ([]*Panel, *datasets.Report, error) {
	if len(opts) == 0 {
		return nil, nil, fmt.Errorf("features: no panel asked for")
	}
	rep := &datasets.Report{Tables: map[string]*datasets.TableReport{}}
	load := func(tables ...string) (*datasets.Dataset, error) {
		ds, r, err := datasets.Load(dir, datasets.WithTables(tables...))
		if r != nil {
			for name, tr := range r.Tables {
				rep.Tables[name] = tr
			}
			rep.Missing = append(rep.Missing, r.Missing...)
			rep.Warnings = append(rep.Warnings, r.Warnings...)
		}
		return ds, err
	}
	base, err := load("employees", "teams", "accounts", "opportunities", "revenue")
	if err != nil {
		return nil, nil, err
	}
	bs := make([]*builder, len(opts))
	for i, opt := range opts {
		if bs[i], err = start(base, opt); err != nil {
			return nil, nil, err
		}
		bs[i].opportunities()
		bs[i].revenueTable()
		bs[i].accounts()
		bs[i].people()
	}
	if withOpps != nil {
		withOpps(base, bs[0])
	}
	base.Opportunities = nil
	for _, t := range []struct {
		name string
		add  func(*builder)
	}{
		{"invoices", (*builder).invoices}, {"tickets", (*builder).tickets}, {"purchase_orders", (*builder).purchaseOrders},
		{"expense_claims", (*builder).claims}, {"marketing_spend", (*builder).marketing}, {"targets", (*builder).targets},
	} {
		ds, err := load(t.name)
		if err != nil {
			return nil, nil, err
		}
		for _, b := range bs {
			b.ds = ds
			t.add(b)
		}
	}
	out := make([]*Panel, len(bs))
	for i, b := range bs {
		out[i] = b.finish()
	}
	slices.Sort(rep.Missing)
	return out, rep, nil
}

func start(ds *datasets.Dataset, opt Options) (*builder, error) {
	if opt.Grain != datasets.Month && opt.Grain != datasets.Quarter {
		return nil, fmt.Errorf("features: grain must be month or quarter")
	}
	if _, err := ParseLevel(string(opt.Level)); err != nil {
		return nil, err
	}
	b := newBuilder(ds, opt)
	return b, b.frame()
}

// tables returns the per-table steps in the order Build runs them.
func (b *builder) tables() []func() {
	return []func(){b.opportunities, b.revenueTable, b.invoices, b.accounts, b.tickets, b.purchaseOrders,
		b.claims, b.marketing, b.people, b.targets}
}

func (b *builder) finish() *Panel {
	b.derived()
	slices.SortStableFunc(b.p.Columns, func(x, y string) int { return columnRank(x) - columnRank(y) })
	slices.Sort(b.p.Warnings)
	b.p.Warnings = slices.Compact(b.p.Warnings)
	return b.p
}

type builder struct {
	ds  *datasets.Dataset
	opt Options
	p   *Panel

	asOf      time.Time
	first     datasets.Period
	scopeIdx  map[string]int
	empRegion map[string]string
	empTeam   map[string]string
	acctReg   map[string]string
	unscoped  map[string]int // table → rows without a scope

	openPipeline grid // open pipeline amount at each period's start
}

func newBuilder(ds *datasets.Dataset, opt Options) *builder {
	b := &builder{ds: ds, opt: opt, empRegion: map[string]string{}, empTeam: map[string]string{}, acctReg: map[string]string{}, unscoped: map[string]int{}}
	for _, e := range ds.Employees {
		b.empRegion[e.EmployeeID] = e.Region
		b.empTeam[e.EmployeeID] = e.TeamID
	}
	for _, a := range ds.Accounts {
		b.acctReg[a.AccountID] = a.Region
	}
	return b
}

func (b *builder) warn(format string, args ...any) {
	b.p.Warnings = append(b.p.Warnings, fmt.Sprintf(format, args...))
}

// frame decides the periods and scopes.
func (b *builder) frame() error {
	ds, g := b.ds, b.opt.Grain
	var firstRev, last, lastWon time.Time
	won := 0
	seen := func(t time.Time) {
		if !t.IsZero() && t.After(last) {
			last = t
		}
	}
	for i := range ds.Opportunities {
		o := &ds.Opportunities[i]
		seen(o.CreatedDate)
		seen(o.ClosedDate)
		if o.Stage == "won" && !o.ClosedDate.IsZero() {
			won++
			if firstRev.IsZero() || o.ClosedDate.Before(firstRev) {
				firstRev = o.ClosedDate
			}
			if o.ClosedDate.After(lastWon) {
				lastWon = o.ClosedDate
			}
		}
	}
	wonFirst := firstRev
	for _, r := range ds.Revenue {
		if r.Period.Grain == 0 {
			continue
		}
		if firstRev.IsZero() || r.Period.Start().Before(firstRev) {
			firstRev = r.Period.Start()
		}
		seen(r.Period.End().AddDate(0, 0, -1))
	}
	if firstRev.IsZero() {
		return fmt.Errorf("features: no revenue in the data (no won opportunity and no revenue row)")
	}
	asOf := b.opt.AsOf
	if asOf.IsZero() {
		day := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
		asOf = day.AddDate(0, 0, 1)
		if m := datasets.MonthOf(day); m.End().Sub(day) <= 3*24*time.Hour {
			asOf = m.End()
		}
	}
	b.asOf = asOf
	b.first = datasets.Of(g, firstRev)
	lastP := datasets.Of(g, asOf.AddDate(0, 0, -1))
	if lastP.N < b.first.N {
		return fmt.Errorf("features: data ends (%s) before the first revenue (%s)", datasets.FormatDate(asOf), datasets.FormatDate(firstRev))
	}
	p := &Panel{Grain: g, Level: b.opt.Level, AsOf: asOf, FirstRevenue: firstRev, values: map[string][][]float64{}}
	for per := b.first; per.N <= lastP.N; per = per.Add(1) {
		p.Periods = append(p.Periods, per)
		p.Complete = append(p.Complete, !per.End().After(asOf))
	}
	if firstRev.Equal(wonFirst) && partialStart(b.first, firstRev, won, lastWon) {
		p.Complete[0] = false
	}
	p.Scopes = b.scopes()
	if len(b.opt.Scopes) > 0 && b.opt.Level != Company {
		p.Scopes = slices.Clone(b.opt.Scopes)
		slices.Sort(p.Scopes)
		p.Scopes = slices.Compact(p.Scopes)
	}
	b.scopeIdx = make(map[string]int, len(p.Scopes))
	for i, s := range p.Scopes {
		b.scopeIdx[s] = i
	}
	b.p = p
	return nil
}

// partialStart reports whether revenue starts too late into its first period for that
// period to be a whole one: the first of won deals closed at an average rate λ a day (won
// closes over the days from the first to the last) comes more than a twelfth of the period
// (7 days of a quarter, 2 of a month) after its start and later than chance explains, a
// wait with probability under 1 % (ln 100/λ days) if closes had run from the start. The
// Maven CRM export, whose first of 4,238 won deals closed on 1 March 2017 (about 14 a day),
// would otherwise show a first quarter of one month's revenue as a collapse and the next
// as growth; a small dataset whose first sale is a month in is not cut.
func partialStart(first datasets.Period, firstRev time.Time, won int, lastWon time.Time) bool {
	wait := firstRev.Sub(first.Start())
	if wait <= time.Duration(first.Days())*24*time.Hour/12 || won < 2 {
		return false
	}
	days := lastWon.Sub(firstRev).Hours() / 24
	if days <= 0 {
		return false
	}
	rate := float64(won-1) / days
	return wait.Hours()/24 > math.Log(100)/rate
}

func (b *builder) scopes() []string {
	set := map[string]bool{}
	switch b.opt.Level {
	case Company:
		return []string{""}
	case Region:
		for i := range b.ds.Opportunities {
			if r := b.oppRegion(&b.ds.Opportunities[i]); r != "" {
				set[r] = true
			}
		}
		for _, r := range b.ds.Revenue {
			if r.Scope == "region" {
				set[r.ScopeID] = true
			}
		}
	case Team:
		for i := range b.ds.Opportunities {
			if t := b.oppTeam(&b.ds.Opportunities[i]); t != "" {
				set[t] = true
			}
		}
		for _, r := range b.ds.Revenue {
			if r.Scope == "team" {
				set[r.ScopeID] = true
			}
		}
	case Employee:
		// Everyone on the employee list, whether or not they sell, and any opportunity owner
		// the list lacks: a person's scorecard reads their own row.
		for _, e := range b.ds.Employees {
			set[e.EmployeeID] = true
		}
		for i := range b.ds.Opportunities {
			if o := b.ds.Opportunities[i].OwnerID; o != "" {
				set[o] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (b *builder) oppRegion(o *datasets.Opportunity) string {
	if o.Region != "" {
		return o.Region
	}
	if r := b.empRegion[o.OwnerID]; r != "" {
		return r
	}
	return b.acctReg[o.AccountID]
}

func (b *builder) oppTeam(o *datasets.Opportunity) string {
	if o.TeamID != "" {
		return o.TeamID
	}
	return b.empTeam[o.OwnerID]
}

// scope maps a row's region, team and employee (the person the row belongs to: an
// opportunity's owner, a ticket's agent, a claim's submitter) to the panel's scope index; -1
// drops the row (and counts it under table when the scope is simply missing).
func (b *builder) scope(table, region, team, employee string) int {
	var id string
	switch b.opt.Level {
	case Company:
		return 0
	case Region:
		id = region
	case Team:
		id = team
	case Employee:
		id = employee
	}
	if id == "" {
		b.unscoped[table]++
		return -1
	}
	if i, ok := b.scopeIdx[id]; ok {
		return i
	}
	return -1 // a region or team with no sales: not in the panel
}

// at returns the period index of t, or -1 outside the panel.
func (b *builder) at(t time.Time) int {
	if t.IsZero() {
		return -1
	}
	i := datasets.Of(b.opt.Grain, t).N - b.first.N
	if i < 0 || i >= len(b.p.Periods) {
		return -1
	}
	return i
}

// index returns the period index of t relative to the first period, possibly out of range.
func (b *builder) index(t time.Time) int { return datasets.Of(b.opt.Grain, t).N - b.first.N }

// grid is a scope × period array of sums.
type grid [][]float64

func (b *builder) grid() grid {
	g := make(grid, len(b.p.Scopes))
	for i := range g {
		g[i] = make([]float64, len(b.p.Periods))
	}
	return g
}

// ratio writes num/den into a column, NaN where den is zero.
func (b *builder) ratio(col string, num, den grid) {
	c := b.p.addColumn(col)
	for s := range c {
		for t := range c[s] {
			if den[s][t] != 0 {
				c[s][t] = num[s][t] / den[s][t]
			}
		}
	}
}

// sums writes a grid as a column, keeping zeros (a count or sum that is truly zero).
func (b *builder) sums(col string, g grid) {
	c := b.p.addColumn(col)
	for s := range c {
		copy(c[s], g[s])
	}
}

func (b *builder) absent(table string, cols ...string) {
	for _, c := range cols {
		b.warn("column %s left out: table %s is absent", c, table)
	}
}

func (b *builder) notByLevel(cols ...string) {
	for _, c := range cols {
		b.warn("column %s left out: not available by %s", c, b.opt.Level)
	}
}

// derived computes the columns made of other columns: growth, completion, coverage.
func (b *builder) derived() {
	p := b.p
	rev, ok := p.values[ColRevenue]
	if !ok {
		return
	}
	prevName := ColGrowthPrev
	if p.Grain == datasets.Month {
		prevName = "growth_mom"
	}
	prev, yoy := p.addColumn(prevName), p.addColumn(ColGrowthYoY)
	lag := p.Grain.PerYear()
	for s := range rev {
		for t := range rev[s] {
			if !p.Complete[t] {
				continue // a partial period's growth would be a fake fall
			}
			// Nor is growth on a partial base a rise: the Maven CRM import's 2017Q2 grew
			// "172 %" on 2017Q1, which holds March alone.
			if t >= 1 && p.Complete[t-1] && rev[s][t-1] > 0 {
				prev[s][t] = rev[s][t]/rev[s][t-1] - 1
			}
			if t >= lag && p.Complete[t-lag] && rev[s][t-lag] > 0 {
				yoy[s][t] = rev[s][t]/rev[s][t-lag] - 1
			}
		}
	}
	if tg, ok := p.values[ColTarget]; ok {
		comp, att := p.addColumn(ColCompletion), p.addColumn(ColGrowthAttainment)
		for s := range comp {
			for t := range comp[s] {
				if tg[s][t] > 0 {
					comp[s][t] = rev[s][t] / tg[s][t]
				}
				if t >= lag && p.Complete[t] && p.Complete[t-lag] && rev[s][t-lag] > 0 {
					if want := tg[s][t]/rev[s][t-lag] - 1; want > 0 {
						att[s][t] = (rev[s][t]/rev[s][t-lag] - 1) / want
					}
				}
			}
		}
		if b.openPipeline != nil {
			cov := p.addColumn(ColPipelineCoverage)
			for s := range cov {
				for t := range cov[s] {
					if tg[s][t] > 0 {
						cov[s][t] = b.openPipeline[s][t] / tg[s][t]
					}
				}
			}
		}
	}
	for table, n := range b.unscoped {
		b.warn("%d %s rows have no %s and count in the company panel only", n, table, b.opt.Level)
	}
}
