package diagnose

import (
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Cut returns the dataset as an export taken at asOf would have shown it: rows created from
// asOf on are dropped, and what happened from asOf on to the rows kept is undone — a deal
// closed later is still open, at stage negotiation (the last open stage: the data do not say
// which stage it was at on asOf), an invoice paid later is unpaid, a ticket answered later is
// unanswered, an order delivered later is outstanding, an account or employee who left later
// is still there. Targets are plans set ahead, so all of them are kept. The input is not
// modified.
func Cut(ds *datasets.Dataset, asOf time.Time) *datasets.Dataset {
	before := func(t time.Time) bool { return !t.IsZero() && t.Before(asOf) }
	after := func(t time.Time) bool { return !t.IsZero() && !t.Before(asOf) }
	out := *ds
	out.Opportunities = nil
	for _, o := range ds.Opportunities {
		if !before(o.CreatedDate) {
			continue
		}
		if after(o.ClosedDate) {
			o.ClosedDate = time.Time{}
			if o.Stage == "won" || o.Stage == "lost" {
				o.Stage = "negotiation"
			}
		}
		out.Opportunities = append(out.Opportunities, o)
	}
	out.Invoices = nil
	for _, inv := range ds.Invoices {
		if !before(inv.IssuedDate) {
			continue
		}
		if after(inv.PaidDate) {
			inv.PaidDate = time.Time{}
		}
		out.Invoices = append(out.Invoices, inv)
	}
	out.Tickets = nil
	for _, tk := range ds.Tickets {
		if !before(tk.OpenedAt) {
			continue
		}
		if after(tk.FirstResponseAt) {
			tk.FirstResponseAt = time.Time{}
		}
		if after(tk.ResolvedAt) {
			tk.ResolvedAt, tk.Satisfaction = time.Time{}, datasets.Null[int64]{}
		}
		out.Tickets = append(out.Tickets, tk)
	}
	out.PurchaseOrders = nil
	for _, po := range ds.PurchaseOrders {
		if !before(po.OrderedDate) {
			continue
		}
		if after(po.DeliveredDate) {
			po.DeliveredDate, po.Defects = time.Time{}, datasets.Null[int64]{}
		}
		out.PurchaseOrders = append(out.PurchaseOrders, po)
	}
	out.ExpenseClaims = nil
	for _, c := range ds.ExpenseClaims {
		if !before(c.SubmittedDate) {
			continue
		}
		if after(c.PaidDate) {
			c.PaidDate = time.Time{}
		}
		out.ExpenseClaims = append(out.ExpenseClaims, c)
	}
	out.MarketingSpend = nil
	for _, m := range ds.MarketingSpend {
		if m.Month.Start().Before(asOf) {
			out.MarketingSpend = append(out.MarketingSpend, m)
		}
	}
	out.Accounts = nil
	for _, a := range ds.Accounts {
		if !before(a.StartDate) {
			continue
		}
		if after(a.ChurnDate) {
			a.ChurnDate = time.Time{}
		}
		out.Accounts = append(out.Accounts, a)
	}
	out.Employees = nil
	for _, e := range ds.Employees {
		if !before(e.HireDate) {
			continue
		}
		if after(e.ExitDate) {
			e.ExitDate = time.Time{}
		}
		out.Employees = append(out.Employees, e)
	}
	out.Rewards = nil
	for _, r := range ds.Rewards {
		if before(r.Date) {
			out.Rewards = append(out.Rewards, r)
		}
	}
	out.Reviews = nil
	for _, r := range ds.Reviews {
		if r.Period.End().Before(asOf) || r.Period.End().Equal(asOf) {
			out.Reviews = append(out.Reviews, r)
		}
	}
	out.Revenue = nil
	for _, r := range ds.Revenue {
		if !r.Period.End().After(asOf) {
			out.Revenue = append(out.Revenue, r)
		}
	}
	return &out
}
