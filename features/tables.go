package features

import (
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/quantile"
)

// The per-table steps of a panel build (builder.tables runs them in order): each reads one
// canonical table and fills the columns it measures, leaving a column out with a warning when
// its table is absent or the column has no meaning at the panel's level.

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
			p50[s][t], p90[s][t] = quantile.Sorted(xs, 0.5), quantile.Sorted(xs, 0.9)
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
	return b.asOf.Add(-time.Duration(quantile.Sorted(hours, 0.99) * float64(time.Hour)))
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

// people fills headcount (the average number of employees on staff over the period's days),
// sales headcount and attrition (exits in the period over average headcount).
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
			on := staffShare(e.HireDate, e.ExitDate, per)
			head[s][t] += on
			if e.Role == "sales" {
				sales[s][t] += on
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

// staffShare is the share of the period's days on which an employee hired on hire and leaving on
// exit (the first day off staff; zero while employed) was on staff.
func staffShare(hire, exit time.Time, per datasets.Period) float64 {
	from, to := per.Start(), per.End()
	if hire.After(from) {
		from = hire
	}
	if !exit.IsZero() && exit.Before(to) {
		to = exit
	}
	if !to.After(from) {
		return 0
	}
	return to.Sub(from).Hours() / 24 / float64(per.Days())
}
