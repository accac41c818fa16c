package diagnose

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/rootcause"
)

// DriverRequest asks which drivers explain a scope's revenue gap in one period.
type DriverRequest struct {
	Scope  Scope
	Period datasets.Period // a month or a quarter
	// Actual is the revenue to explain; 0 means the scope's revenue in the period.
	Actual float64
	// Expected is the revenue expected; 0 means the scope's revenue target for the period.
	Expected float64
	// Direction is the way the drivers are asked to have pushed revenue (see
	// rootcause.DriverQuery): −1 for "what held it back", 0 for the direction of the gap.
	Direction int
	Options   rootcause.DriverOptions
	// Baseline ranks with the trivial largest-change baseline
	// (rootcause.RankDriversLargestChange) instead, for comparison.
	Baseline bool
}

// DriverAnswer is RankDrivers' result for a scope.
type DriverAnswer struct {
	Scope string `json:"scope"`
	// ExpectedFrom says where the expected revenue came from: "target" or "given".
	ExpectedFrom string `json:"expected_from"`
	*rootcause.DriverResult
}

// targetScopeID is ", scope_id ID" for a scope below the company, as a targets row names it.
func targetScopeID(s Scope) string {
	if s.ID == "" {
		return ""
	}
	return ", scope_id " + s.ID
}

// Drivers ranks the catalogue's drivers behind the scope's revenue gap in the period (see
// rootcause.RankDrivers). A region is judged on its own driver series, with supply lead time
// also by product (purchase orders name the product, and a stock-out of one product line
// shows whole there but diluted in the region's average); the company on its series with
// every region (and, for supply, every product) as a part. It returns an error for an unknown
// scope or period, and when the expected revenue is not given and the scope has no target
// for the period.
func (c *Company) Drivers(ctx context.Context, req DriverRequest) (*DriverAnswer, error) {
	g := req.Period.Grain
	if g != datasets.Month && g != datasets.Quarter {
		return nil, fmt.Errorf("period %q: want a month (YYYY-MM) or a quarter (YYYYQn)", req.Period)
	}
	p, err := c.scopePanel(req.Scope, g)
	if err != nil {
		return nil, err
	}
	t := p.Index(req.Period)
	if t < 0 {
		return nil, fmt.Errorf("period %s: outside the data (%s to %s)", req.Period, p.Periods[0], p.Periods[len(p.Periods)-1])
	}
	ans := &DriverAnswer{Scope: req.Scope.String(), ExpectedFrom: "given"}
	actual, expected := req.Actual, req.Expected
	if actual == 0 {
		actual = p.Series(req.Scope.ID, features.ColRevenue)[t]
	}
	if expected == 0 {
		ans.ExpectedFrom = "target"
		if p.Has(features.ColTarget) {
			expected = p.Series(req.Scope.ID, features.ColTarget)[t]
		}
		if !(expected > 0) {
			// Say where a target comes from: a CRM import (the Maven export) has none, and
			// "give the expected revenue" left its users guessing how.
			return nil, fmt.Errorf("scope %s has no revenue target for %s: add a row to the data's targets table (period %s, scope %s%s, metric revenue, target), or give the revenue expected (the API's expected=REVENUE or against=forecast, the CLI's --expected-revenue)",
				req.Scope, req.Period, req.Period, req.Scope.Level, targetScopeID(req.Scope))
		}
	}
	if !(actual > 0) {
		return nil, fmt.Errorf("scope %s has no revenue in %s", req.Scope, req.Period)
	}
	effects, notes, err := c.Effects(ctx, g)
	if err != nil {
		return nil, err
	}
	q := rootcause.DriverQuery{Periods: p.Periods, Complete: p.Complete, Period: req.Period, KPI: "revenue", Actual: actual, Expected: expected, Direction: req.Direction}
	parts, err := c.driverParts(req.Scope, g, t)
	if err != nil {
		return nil, err
	}
	for _, ind := range c.cat.Drivers() {
		col := ind.Formula
		if !p.Has(col) {
			notes = append(notes, fmt.Sprintf("driver %s left out: the %s panel has no %s column", col, req.Scope.Level, col))
			continue
		}
		values := positive(p.Series(req.Scope.ID, col), ind.Scale == "log")
		if ind.Sum && !p.Complete[t] {
			// A total over a period still under way holds only its months so far.
			values = slices.Clone(values)
			if f := c.monthsCovered(req.Period); f > 0 {
				values[t] /= f
			}
			for i := range parts[col] {
				parts[col][i].Values = slices.Clone(parts[col][i].Values)
				if f := c.monthsCovered(req.Period); f > 0 {
					parts[col][i].Values[t] /= f
				}
			}
		}
		q.Drivers = append(q.Drivers, rootcause.DriverSeries{
			Driver: col, Role: c.cat.RoleOf(col), Scale: rootcause.Scale(ind.Scale), Unit: ind.Unit,
			Values: values, Parts: parts[col], Effect: effects[col],
		})
	}
	rank := rootcause.RankDrivers
	if req.Baseline {
		rank = rootcause.RankDriversLargestChange
	}
	res, err := rank(q, req.Options)
	if err != nil {
		return nil, err
	}
	res.Notes = append(notes, res.Notes...)
	ans.DriverResult = res
	return ans, nil
}

// monthsCovered is the share of the period's months that start before the data's end: the
// part of a monthly total (spend) the data hold for a period still under way.
func (c *Company) monthsCovered(p datasets.Period) float64 {
	first := datasets.MonthOf(p.Start())
	n, covered := 0, 0
	for m := first; m.Start().Before(p.End()); m = m.Add(1) {
		n++
		if m.Start().Before(c.asOf) {
			covered++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(covered) / float64(n)
}

// positive returns xs with non-positive values made NaN for a log driver (a region with no
// spend in a quarter has no log level).
func positive(xs []float64, log bool) []float64 {
	if !log {
		return xs
	}
	out := slices.Clone(xs)
	for i, x := range out {
		if !(x > 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

// driverParts returns, by driver column, the parts a scope's drivers are also judged on.
func (c *Company) driverParts(s Scope, g datasets.Grain, t int) (map[string][]rootcause.Part, error) {
	out := map[string][]rootcause.Part{}
	switch s.Level {
	case features.Team:
		return out, nil
	case features.Company:
		rp, err := c.Panel(g, features.Region)
		if err != nil {
			return nil, err
		}
		if len(rp.Scopes) > 1 {
			share := revenueShares(rp, t, rp.Scopes, func(id string) []float64 { return rp.Series(id, features.ColRevenue) })
			for _, ind := range c.cat.Drivers() {
				col := ind.Formula
				if !rp.Has(col) {
					continue
				}
				for _, id := range rp.Scopes {
					if share[id] > 0 {
						out[col] = append(out[col], rootcause.Part{Name: "region=" + id, Values: positive(rp.Series(id, col), ind.Scale == "log"), Exposure: share[id]})
					}
				}
			}
		}
	}
	// Supply lead time by product, within the scope.
	p, err := c.Panel(g, s.Level)
	if err != nil {
		return nil, err
	}
	lead, rev := c.productSeries(s, p)
	if len(lead) > 1 {
		products := make([]string, 0, len(lead))
		for k := range lead {
			products = append(products, k)
		}
		slices.Sort(products)
		share := revenueShares(p, t, products, func(id string) []float64 { return rev[id] })
		for _, prod := range products {
			if share[prod] > 0 {
				out[features.ColSupplyLeadDays] = append(out[features.ColSupplyLeadDays], rootcause.Part{Name: "product=" + prod, Values: lead[prod], Exposure: share[prod]})
			}
		}
	}
	return out, nil
}

// revenueShares returns each id's share of the ids' revenue over the (up to) four complete
// periods before t: how much of the scope a part's driver acts on.
func revenueShares(p *features.Panel, t int, ids []string, series func(string) []float64) map[string]float64 {
	sums := map[string]float64{}
	total := 0.0
	for _, id := range ids {
		xs := series(id)
		n := 0
		for k := t - 1; k >= 0 && n < 4; k-- {
			if !p.Complete[k] {
				continue
			}
			n++
			if v := xs[k]; v > 0 {
				sums[id] += v
				total += v
			}
		}
	}
	for id := range sums {
		if total > 0 {
			sums[id] = math.Min(1, sums[id]/total)
		}
	}
	return sums
}

// productSeries returns, for the scope and the panel's periods, the mean supply lead time of
// each product's purchase orders (by the month or quarter they were ordered, leaving out
// orders too recent to have been delivered in 99 % of cases, as features does) and each
// product's won revenue.
func (c *Company) productSeries(s Scope, p *features.Panel) (lead, rev map[string][]float64) {
	n := len(p.Periods)
	idx := func(t time.Time) int {
		if t.IsZero() {
			return -1
		}
		i := datasets.Of(p.Grain, t).N - p.Periods[0].N
		if i < 0 || i >= n {
			return -1
		}
		return i
	}
	in := func(region string) bool { return s.Level == features.Company || region == s.ID }
	var durations []float64
	for i := range c.ds.PurchaseOrders {
		if po := &c.ds.PurchaseOrders[i]; !po.DeliveredDate.IsZero() {
			durations = append(durations, po.DeliveredDate.Sub(po.OrderedDate).Hours())
		}
	}
	cut := c.asOf
	if len(durations) > 0 {
		slices.Sort(durations)
		q := durations[int(0.99*float64(len(durations)-1))]
		cut = c.asOf.Add(-time.Duration(q * float64(time.Hour)))
	}
	sum, cnt := map[string][]float64{}, map[string][]float64{}
	for i := range c.ds.PurchaseOrders {
		po := &c.ds.PurchaseOrders[i]
		k := idx(po.OrderedDate)
		if k < 0 || po.Product == "" || po.DeliveredDate.IsZero() || po.OrderedDate.After(cut) || !in(po.Region) {
			continue
		}
		if sum[po.Product] == nil {
			sum[po.Product], cnt[po.Product] = make([]float64, n), make([]float64, n)
		}
		sum[po.Product][k] += po.DeliveredDate.Sub(po.OrderedDate).Hours() / 24
		cnt[po.Product][k]++
	}
	lead = map[string][]float64{}
	for prod, s := range sum {
		xs := make([]float64, n)
		for k := range xs {
			xs[k] = math.NaN()
			if cnt[prod][k] > 0 {
				xs[k] = s[k] / cnt[prod][k]
			}
		}
		lead[prod] = xs
	}
	rev = map[string][]float64{}
	for i := range c.ds.Opportunities {
		o := &c.ds.Opportunities[i]
		if o.Stage != "won" || !in(o.Region) {
			continue
		}
		if _, ok := lead[o.Product]; !ok {
			continue
		}
		k := idx(o.ClosedDate)
		if k < 0 {
			continue
		}
		if rev[o.Product] == nil {
			rev[o.Product] = make([]float64, n)
		}
		rev[o.Product][k] += o.Amount.Or(0)
	}
	for prod := range lead {
		if rev[prod] == nil {
			rev[prod] = make([]float64, n)
		}
	}
	return lead, rev
}
