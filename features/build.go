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
	base, err := load("employees", "accounts", "opportunities", "revenue")
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

func days(d time.Duration) float64 { return d.Hours() / 24 }

func (b *builder) opportunities() {
	ds := b.ds
	if !ds.Present("opportunities") {
		return
	}
	rev, won, closed, leads, cyc, open := b.grid(), b.grid(), b.grid(), b.grid(), b.grid(), b.grid()
	for i := range ds.Opportunities {
		o := &ds.Opportunities[i]
		s := b.scope("opportunities", b.oppRegion(o), b.oppTeam(o), o.OwnerID)
		if s < 0 {
			continue
		}
		if t := b.at(o.CreatedDate); t >= 0 {
			leads[s][t]++
		}
		amount := o.Amount.Or(0)
		closedT := -1
		if o.Stage == "won" || o.Stage == "lost" {
			closedT = b.at(o.ClosedDate)
		}
		if closedT >= 0 {
			closed[s][closedT]++
			if o.Stage == "won" {
				won[s][closedT]++
				rev[s][closedT] += amount
				cyc[s][closedT] += days(o.ClosedDate.Sub(o.CreatedDate))
			}
		}
		// Open at the start of every period after its creation until it closes.
		for t := max(b.index(o.CreatedDate)+1, 0); t < len(b.p.Periods); t++ {
			if !o.ClosedDate.IsZero() && !o.ClosedDate.After(b.p.Periods[t].Start()) {
				break
			}
			open[s][t] += amount
		}
	}
	b.sums(ColRevenue, rev)
	b.sums(ColLeads, leads)
	b.ratio(ColWinRate, won, closed)
	b.ratio(ColAvgDeal, rev, won)
	b.ratio(ColSalesCycleDays, cyc, won)
	b.openPipeline = open
}

// revenueTable fills revenue from revenue.csv where there are no opportunities.
func (b *builder) revenueTable() {
	ds := b.ds
	if ds.Present("opportunities") || !ds.Present("revenue") {
		return
	}
	rev := b.grid()
	want := string(b.opt.Level)
	for _, r := range ds.Revenue {
		if r.Scope != want || r.Period.Grain == 0 {
			continue
		}
		s, ok := b.scopeIdx[r.ScopeID]
		if !ok {
			continue
		}
		// A monthly row adds into its quarter; a quarterly row cannot fill a monthly panel.
		if r.Period.Grain == datasets.Quarter && b.opt.Grain == datasets.Month {
			continue
		}
		if t := b.at(r.Period.Start()); t >= 0 {
			rev[s][t] += r.Revenue
		}
	}
	b.sums(ColRevenue, rev)
	b.absent("opportunities", ColLeads, ColWinRate, ColAvgDeal, ColSalesCycleDays, ColPipelineCoverage)
}

func (b *builder) invoices() {
	ds := b.ds
	if !ds.Present("invoices") {
		b.absent("invoices", ColCollectionRate, ColDSO)
		return
	}
	if b.opt.Level == Team || b.opt.Level == Employee {
		b.notByLevel(ColCollectionRate, ColDSO)
		return
	}
	due, paidOnTime, billed, recv := b.grid(), b.grid(), b.grid(), b.grid()
	for i := range ds.Invoices {
		inv := &ds.Invoices[i]
		s := b.scope("invoices", b.acctReg[inv.AccountID], "", "")
		if s < 0 {
			continue
		}
		if t := b.at(inv.IssuedDate); t >= 0 {
			billed[s][t] += inv.Amount
		}
		dueDate := inv.DueDate
		if dueDate.IsZero() {
			dueDate = inv.IssuedDate.AddDate(0, 0, 30)
		}
		if t := b.at(dueDate); t >= 0 && b.p.Complete[t] {
			due[s][t] += inv.Amount
			if !inv.PaidDate.IsZero() && inv.PaidDate.Before(b.p.Periods[t].End()) {
				paidOnTime[s][t] += inv.Amount
			}
		}
		// Outstanding at the end of every period from issue until paid (or written off).
		writeOff := inv.IssuedDate.AddDate(1, 0, 0)
		for t := max(b.index(inv.IssuedDate), 0); t < len(b.p.Periods); t++ {
			end := b.p.Periods[t].End()
			if !inv.PaidDate.IsZero() && !inv.PaidDate.After(end) || end.After(writeOff) {
				break
			}
			if end.After(inv.IssuedDate) {
				recv[s][t] += inv.Amount
			}
		}
	}
	b.ratio(ColCollectionRate, paidOnTime, due)
	dso := b.p.addColumn(ColDSO)
	for s := range dso {
		for t, per := range b.p.Periods {
			if billed[s][t] > 0 {
				dso[s][t] = recv[s][t] / billed[s][t] * float64(per.Days())
			}
		}
	}
}

func (b *builder) accounts() {
	ds := b.ds
	if !ds.Present("accounts") {
		b.absent("accounts", ColChurnRate, ColRetentionRate, ColNewAccounts)
		return
	}
	if b.opt.Level == Team || b.opt.Level == Employee {
		b.notByLevel(ColChurnRate, ColRetentionRate, ColNewAccounts)
		return
	}
	activeStart, churned, added := b.grid(), b.grid(), b.grid()
	for i := range ds.Accounts {
		a := &ds.Accounts[i]
		s := b.scope("accounts", a.Region, "", "")
		if s < 0 {
			continue
		}
		if t := b.at(a.StartDate); t >= 0 {
			added[s][t]++
		}
		if t := b.at(a.ChurnDate); t >= 0 {
			churned[s][t]++
		}
		for t := max(b.index(a.StartDate)+1, 0); t < len(b.p.Periods); t++ {
			if !a.ChurnDate.IsZero() && a.ChurnDate.Before(b.p.Periods[t].Start()) {
				break
			}
			activeStart[s][t]++
		}
	}
	b.ratio(ColChurnRate, churned, activeStart)
	ret := b.p.addColumn(ColRetentionRate)
	churn := b.p.values[ColChurnRate]
	for s := range ret {
		for t := range ret[s] {
			ret[s][t] = 1 - churn[s][t]
		}
	}
	b.sums(ColNewAccounts, added)
}

func (b *builder) tickets() {
	ds := b.ds
	cols := []string{ColFirstResponseH, ColFirstResponseP50, ColFirstResponseP90, ColResolutionHours, ColCSAT}
	if !ds.Present("tickets") {
		b.absent("tickets", cols...)
		return
	}
	resp := make([][][]float64, len(b.p.Scopes))
	for s := range resp {
		resp[s] = make([][]float64, len(b.p.Periods))
	}
	resSum, resN, satSum, satN := b.grid(), b.grid(), b.grid(), b.grid()
	var respD, resD []float64
	for i := range ds.Tickets {
		tk := &ds.Tickets[i]
		if !tk.FirstResponseAt.IsZero() {
			respD = append(respD, tk.FirstResponseAt.Sub(tk.OpenedAt).Hours())
		}
		if !tk.ResolvedAt.IsZero() {
			resD = append(resD, tk.ResolvedAt.Sub(tk.OpenedAt).Hours())
		}
	}
	respCut, resCut := b.observable(respD), b.observable(resD)
	for i := range ds.Tickets {
		tk := &ds.Tickets[i]
		s := b.scope("tickets", b.acctReg[tk.AccountID], b.empTeam[tk.AgentID], tk.AgentID)
		t := b.at(tk.OpenedAt)
		if s < 0 || t < 0 {
			continue
		}
		if !tk.FirstResponseAt.IsZero() && !tk.OpenedAt.After(respCut) {
			resp[s][t] = append(resp[s][t], tk.FirstResponseAt.Sub(tk.OpenedAt).Hours())
		}
		if tk.OpenedAt.After(resCut) {
			continue // resolution and satisfaction of recent tickets are not all in yet
		}
		if !tk.ResolvedAt.IsZero() {
			resSum[s][t] += tk.ResolvedAt.Sub(tk.OpenedAt).Hours()
			resN[s][t]++
		}
		if tk.Satisfaction.Valid {
			satSum[s][t] += float64(tk.Satisfaction.V)
			satN[s][t]++
		}
	}
	mean, p50, p90 := b.p.addColumn(ColFirstResponseH), b.p.addColumn(ColFirstResponseP50), b.p.addColumn(ColFirstResponseP90)
	for s := range resp {
		for t, xs := range resp[s] {
			if len(xs) == 0 {
				continue
			}
			sum := 0.0
			for _, x := range xs {
				sum += x
			}
			mean[s][t] = sum / float64(len(xs))
			slices.Sort(xs)
			p50[s][t], p90[s][t] = quantile(xs, 0.5), quantile(xs, 0.9)
		}
	}
	b.ratio(ColResolutionHours, resSum, resN)
	b.ratio(ColCSAT, satSum, satN)
}

// observable returns the latest start time whose duration (in hours) would have finished
// by AsOf in 99 % of cases: AsOf less the 99th percentile of the durations completed in the
// data. Duration measures (reimbursement days, supply lead days, response and resolution
// hours) leave out events that start after it: near the end of the data only the fast ones
// have finished, and including them would bias the latest periods low.
func (b *builder) observable(hours []float64) time.Time {
	if len(hours) == 0 {
		return b.asOf
	}
	slices.Sort(hours)
	return b.asOf.Add(-time.Duration(quantile(hours, 0.99) * float64(time.Hour)))
}

// quantile returns the q-quantile of sorted xs by linear interpolation (R's type 7).
func quantile(xs []float64, q float64) float64 {
	h := q * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}

func (b *builder) purchaseOrders() {
	ds := b.ds
	cols := []string{ColSupplyLeadDays, ColOnTimeRate, ColDefectRate}
	if !ds.Present("purchase_orders") {
		b.absent("purchase_orders", cols...)
		return
	}
	if b.opt.Level == Team || b.opt.Level == Employee {
		b.notByLevel(cols...)
		return
	}
	lead, n, onTime, promisedN, defects, qty := b.grid(), b.grid(), b.grid(), b.grid(), b.grid(), b.grid()
	var leadD []float64
	for i := range ds.PurchaseOrders {
		if po := &ds.PurchaseOrders[i]; !po.DeliveredDate.IsZero() {
			leadD = append(leadD, po.DeliveredDate.Sub(po.OrderedDate).Hours())
		}
	}
	cut := b.observable(leadD)
	for i := range ds.PurchaseOrders {
		po := &ds.PurchaseOrders[i]
		s := b.scope("purchase_orders", po.Region, "", "")
		t := b.at(po.OrderedDate)
		if s < 0 || t < 0 || po.DeliveredDate.IsZero() || po.OrderedDate.After(cut) {
			continue
		}
		lead[s][t] += days(po.DeliveredDate.Sub(po.OrderedDate))
		n[s][t]++
		if !po.PromisedDate.IsZero() {
			promisedN[s][t]++
			if !po.DeliveredDate.After(po.PromisedDate) {
				onTime[s][t]++
			}
		}
		if po.Defects.Valid && po.Quantity.Valid {
			defects[s][t] += float64(po.Defects.V)
			qty[s][t] += float64(po.Quantity.V)
		}
	}
	b.ratio(ColSupplyLeadDays, lead, n)
	b.ratio(ColOnTimeRate, onTime, promisedN)
	b.ratio(ColDefectRate, defects, qty)
}

func (b *builder) claims() {
	ds := b.ds
	if !ds.Present("expense_claims") {
		b.absent("expense_claims", ColReimbursementDays)
		return
	}
	sum, n := b.grid(), b.grid()
	var paidD []float64
	for i := range ds.ExpenseClaims {
		if c := &ds.ExpenseClaims[i]; !c.PaidDate.IsZero() {
			paidD = append(paidD, c.PaidDate.Sub(c.SubmittedDate).Hours())
		}
	}
	cut := b.observable(paidD)
	for i := range ds.ExpenseClaims {
		c := &ds.ExpenseClaims[i]
		s := b.scope("expense_claims", b.empRegion[c.EmployeeID], b.empTeam[c.EmployeeID], c.EmployeeID)
		t := b.at(c.SubmittedDate)
		if s < 0 || t < 0 || c.PaidDate.IsZero() || c.SubmittedDate.After(cut) {
			continue
		}
		sum[s][t] += days(c.PaidDate.Sub(c.SubmittedDate))
		n[s][t]++
	}
	b.ratio(ColReimbursementDays, sum, n)
}

func (b *builder) marketing() {
	ds := b.ds
	if !ds.Present("marketing_spend") {
		b.absent("marketing_spend", ColMarketingSpend)
		return
	}
	if b.opt.Level == Team || b.opt.Level == Employee {
		b.notByLevel(ColMarketingSpend)
		return
	}
	g := b.grid()
	for _, m := range ds.MarketingSpend {
		s := b.scope("marketing_spend", m.Region, "", "")
		if t := b.at(m.Month.Start()); s >= 0 && t >= 0 {
			g[s][t] += m.Amount
		}
	}
	b.sums(ColMarketingSpend, g)
}

// people fills headcount (the average over the period's months of employees on staff at
// mid-month), sales headcount and attrition (exits in the period over average headcount).
func (b *builder) people() {
	ds := b.ds
	if !ds.Present("employees") {
		b.absent("employees", ColHeadcount, ColSalesHeadcount, ColAttrition)
		return
	}
	head, sales, exits := b.grid(), b.grid(), b.grid()
	for i := range ds.Employees {
		e := &ds.Employees[i]
		s := b.scope("employees", e.Region, e.TeamID, e.EmployeeID)
		if s < 0 {
			continue
		}
		if t := b.at(e.ExitDate); t >= 0 {
			exits[s][t]++
		}
		for t, per := range b.p.Periods {
			months := 1
			if per.Grain == datasets.Quarter {
				months = 3
			}
			m0 := datasets.MonthOf(per.Start())
			for k := 0; k < months; k++ {
				mid := m0.Add(k).Start().AddDate(0, 0, 14)
				if e.HireDate.After(mid) || !e.ExitDate.IsZero() && !e.ExitDate.After(mid) {
					continue
				}
				head[s][t] += 1 / float64(months)
				if e.Role == "sales" {
					sales[s][t] += 1 / float64(months)
				}
			}
		}
	}
	b.sums(ColHeadcount, head)
	b.sums(ColSalesHeadcount, sales)
	b.ratio(ColAttrition, exits, head)
}

func (b *builder) targets() {
	ds := b.ds
	if !ds.Present("targets") {
		b.absent("targets", ColTarget, ColCompletion, ColPipelineCoverage)
		return
	}
	want := string(b.opt.Level)
	tg := b.p.addColumn(ColTarget)
	for _, r := range ds.Targets {
		if r.Metric != "revenue" || r.Scope != want || r.Period.Grain != b.opt.Grain {
			continue
		}
		s, ok := b.scopeIdx[r.ScopeID]
		if b.opt.Level == Company {
			s, ok = 0, true
		}
		if t := b.at(r.Period.Start()); ok && t >= 0 {
			tg[s][t] = r.Target
		}
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
			if t >= 1 && rev[s][t-1] > 0 {
				prev[s][t] = rev[s][t]/rev[s][t-1] - 1
			}
			if t >= lag && rev[s][t-lag] > 0 {
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
				if t >= lag && p.Complete[t] && rev[s][t-lag] > 0 {
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
