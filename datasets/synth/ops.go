package synth

import (
	"fmt"
	"math"
	"slices"

	"github.com/growthlens/growthlens/datasets"
)

var channels = []struct {
	name  string
	share float64
}{{"search", 0.40}, {"events", 0.25}, {"content", 0.20}, {"partners", 0.15}}

// writeOps writes purchase orders, expense claims and marketing spend: the back-office tables
// whose timings are the drivers.
func writeOps(dir string, cfg *Config, d *driverPaths, pp *people, counts map[string]int) error {
	r := newRNG(cfg.Seed, streamOps)
	end := cfg.End.End()
	procIdx, salesIdx := roleIndex("procurement"), roleIndex("sales")

	pos, err := datasets.Create(dir, datasets.PurchaseOrderCodec)
	if err != nil {
		return err
	}
	claims, err := datasets.Create(dir, datasets.ExpenseClaimCodec)
	if err != nil {
		pos.Close()
		return err
	}
	spend, err := datasets.Create(dir, datasets.MarketingSpendCodec)
	if err != nil {
		pos.Close()
		claims.Close()
		return err
	}
	closeAll := func(err error) error {
		for _, c := range []interface{ Close() error }{pos, claims, spend} {
			if cerr := c.Close(); err == nil {
				err = cerr
			}
		}
		return err
	}
	mix := productMix(len(cfg.Products))
	poN, claimN := 0, 0
	for m := 0; m < cfg.Months(); m++ {
		period := cfg.Start().Add(m)
		for reg, region := range cfg.Regions {
			// Each buyer places about two orders a month; lead times follow the region's
			// supply path (and any product-specific delay).
			for range pp.active[procIdx][reg][m] {
				n := r.poisson(posPerBuyerMonth)
				for k := 0; k < n; k++ {
					prod := r.pick(mix)
					ordered := period.Start().AddDate(0, 0, r.IntN(period.Days()))
					lead := math.Max(1, math.Round(d.supplyDays(reg, prod, m)*r.lognormal(1, 0.2)))
					promised := promisedSupplyDays + d.reformWeight(m)*(4-promisedSupplyDays)
					qty := 50 + r.IntN(450)
					poN++
					po := datasets.PurchaseOrder{
						POID: fmt.Sprintf("P%08d", poN), SupplierID: fmt.Sprintf("S%03d", 1+reg*10+prod%10),
						Product: cfg.Products[prod], OrderedDate: ordered,
						PromisedDate: ordered.AddDate(0, 0, int(math.Round(promised))),
						Quantity:     datasets.Some(int64(qty)), UnitCost: datasets.Some(round2(productPrice(prod) * 0.02 * r.lognormal(1, 0.1))),
						Region: region,
					}
					if delivered := ordered.AddDate(0, 0, int(lead)); delivered.Before(end) {
						po.DeliveredDate = delivered
						po.Defects = datasets.Some(int64(r.poisson(float64(qty) * 0.01)))
					}
					if err := pos.Write(&po); err != nil {
						return closeAll(err)
					}
				}
			}
			// Sales reps claim travel expenses; finance pays after the region's delay.
			for _, idx := range pp.active[salesIdx][reg][m] {
				n := r.poisson(claimsPerRepMonth)
				for k := 0; k < n; k++ {
					submitted := period.Start().AddDate(0, 0, r.IntN(period.Days()))
					claimN++
					c := datasets.ExpenseClaim{
						ClaimID: fmt.Sprintf("C%08d", claimN), EmployeeID: pp.all[idx].id, SubmittedDate: submitted,
						Amount: datasets.Some(round2(r.lognormal(250, 0.6))),
					}
					days := math.Max(1, math.Round(d.reimburseDays(reg, m)*r.lognormal(1, 0.3)))
					if paid := submitted.AddDate(0, 0, int(days)); paid.Before(end) {
						c.PaidDate = paid
					}
					if err := claims.Write(&c); err != nil {
						return closeAll(err)
					}
				}
			}
			total := d.marketingSpend(reg, m)
			for _, ch := range channels {
				row := datasets.MarketingSpend{Month: period, Region: region, Channel: ch.name, Amount: round2(total * ch.share * r.lognormal(1, 0.05))}
				if err := spend.Write(&row); err != nil {
					return closeAll(err)
				}
			}
		}
	}
	counts["purchase_orders"], counts["expense_claims"], counts["marketing_spend"] = pos.Count(), claims.Count(), spend.Count()
	return closeAll(nil)
}

// writeTargets writes revenue targets: each quarter's target is the same quarter a year
// earlier plus 12 %. The first year has no history, so its targets are that year's actuals
// plus 5 % (a plan set from the budget, which the generator knows). Monthly targets split the
// quarter by the end-of-quarter shape (30/32/38 %). Reps get their team's target split evenly.
func writeTargets(dir string, cfg *Config, pp *people, tot *salesTotals) (map[int32][]float64, int, error) {
	w, err := datasets.Create(dir, datasets.TargetCodec)
	if err != nil {
		return nil, 0, err
	}
	start := cfg.Start()
	nq := cfg.Months() / 3
	q0, firstM := firstQuarter(cfg)
	quarterOf := func(total func(m int) float64) []float64 {
		out := make([]float64, nq+1)
		for m := 0; m < cfg.Months(); m++ {
			out[(m-firstM)/3] += total(m)
		}
		return out
	}
	plan := func(actual []float64, q int) float64 {
		if q >= 4 && actual[q-4] > 0 {
			return math.Round(actual[q-4]*1.12/1000) * 1000
		}
		return math.Round(actual[q]*1.05/1000) * 1000
	}
	split := [3]float64{0.30, 0.32, 0.38}
	write := func(p datasets.Period, scope, id string, v float64) error {
		row := datasets.Target{Period: p, Scope: scope, ScopeID: id, Metric: "revenue", Target: v}
		return w.Write(&row)
	}
	company := quarterOf(func(m int) float64 {
		s := 0.0
		for reg := range cfg.Regions {
			s += tot.regionMonth[reg][m]
		}
		return s
	})
	regional := make([][]float64, len(cfg.Regions))
	for reg := range cfg.Regions {
		regional[reg] = quarterOf(func(m int) float64 { return tot.regionMonth[reg][m] })
	}
	teams := make([]int, 0, len(tot.teamQuarter))
	for t := range tot.teamQuarter {
		teams = append(teams, t)
	}
	slices.Sort(teams)
	repTargets := map[int32][]float64{}
	salesIdx := roleIndex("sales")
	for q := 0; q < nq; q++ {
		qp := q0.Add(q)
		if datasets.MonthOf(qp.Start()).N < start.N || datasets.MonthOf(qp.End().AddDate(0, 0, -1)).N > cfg.End.N {
			continue // partial quarters get no target
		}
		emit := func(scope, id string, v float64) error {
			if err := write(qp, scope, id, v); err != nil {
				return err
			}
			if scope == "team" {
				return nil
			}
			for k := 0; k < 3; k++ {
				mp := datasets.MonthOf(qp.Start()).Add(k)
				if err := write(mp, scope, id, math.Round(v*split[k]/1000)*1000); err != nil {
					return err
				}
			}
			return nil
		}
		if err := emit("company", "", plan(company, q)); err != nil {
			return nil, 0, err
		}
		for reg, region := range cfg.Regions {
			if err := emit("region", region, plan(regional[reg], q)); err != nil {
				return nil, 0, err
			}
		}
		for _, t := range teams {
			tq := tot.teamQuarter[t]
			for len(tq) <= nq {
				tq = append(tq, 0)
			}
			v := plan(tq, q)
			if err := emit("team", pp.teams[t].TeamID, v); err != nil {
				return nil, 0, err
			}
			// Reps of the team at the start of the quarter share its target.
			m := q*3 + firstM
			var reps []int32
			for reg := range cfg.Regions {
				for _, idx := range pp.active[salesIdx][reg][max(m, 0)] {
					if pp.all[idx].team == t {
						reps = append(reps, idx)
					}
				}
			}
			for _, idx := range reps {
				rt := repTargets[idx]
				for len(rt) <= q {
					rt = append(rt, 0)
				}
				rt[q] = math.Round(v/float64(len(reps))/100) * 100
				repTargets[idx] = rt
				if err := write(qp, "employee", pp.all[idx].id, rt[q]); err != nil {
					return nil, 0, err
				}
			}
		}
	}
	n := w.Count()
	return repTargets, n, w.Close()
}

// writeReviews writes a quarterly review of everyone employed through the quarter's last
// month: a score from latent performance and, for reps, revenue against their target.
func writeReviews(dir string, cfg *Config, pp *people, tot *salesTotals, repTargets map[int32][]float64) (int, error) {
	r := newRNG(cfg.Seed, streamTargets)
	w, err := datasets.Create(dir, datasets.ReviewCodec)
	if err != nil {
		return 0, err
	}
	start := cfg.Start()
	q0, firstM := firstQuarter(cfg)
	for q := 0; ; q++ {
		qp := q0.Add(q)
		last := datasets.MonthOf(qp.End().AddDate(0, 0, -1)).N - start.N
		if last >= cfg.Months() {
			break
		}
		if q*3+firstM < 0 {
			continue
		}
		for idx, p := range pp.all {
			if !p.active(last) || last-p.hire < 2 {
				continue
			}
			perf := 0.0
			for k := last - 2; k <= last; k++ {
				perf += p.perfAt(k) / 3
			}
			row := datasets.Review{
				EmployeeID: p.id, Period: qp,
				Score: datasets.Some(math.Round(clamp(3+0.8*perf+r.normal(0, 0.3), 1, 5)*10) / 10),
			}
			if rt := repTargets[int32(idx)]; q < len(rt) && rt[q] > 0 {
				got := 0.0
				if rq := tot.repQuarter[int32(idx)]; q < len(rq) {
					got = rq[q]
				}
				row.KPICompletion = datasets.Some(math.Round(got/rt[q]*1000) / 1000)
			} else if roleSpecs[p.role].name != "sales" {
				row.KPICompletion = datasets.Some(math.Round(clamp(0.95+0.15*perf+r.normal(0, 0.05), 0, 2)*1000) / 1000)
			}
			if err := w.Write(&row); err != nil {
				w.Close()
				return 0, err
			}
		}
	}
	return w.Count(), w.Close()
}

// firstQuarter returns the quarter holding the first month and the month index of its first
// month (negative when the data starts mid-quarter).
func firstQuarter(cfg *Config) (datasets.Period, int) {
	q0 := cfg.Start().Quarter()
	return q0, datasets.MonthOf(q0.Start()).N - cfg.Start().N
}

// quarterIndex returns the index, counted from firstQuarter, of the quarter holding month m.
func quarterIndex(cfg *Config, m int) int {
	_, firstM := firstQuarter(cfg)
	return (m - firstM) / 3
}
