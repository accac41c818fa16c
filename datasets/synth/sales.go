package synth

import (
	"fmt"
	"math"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// account is a customer during the simulation.
type account struct {
	id       string
	region   int
	segment  string
	industry string
	start    time.Time
	startM   int
	churn    time.Time
	churnM   int // -1 while active
	owner    int32
	lastSat  float64
}

var (
	segments   = []string{"smb", "mid_market", "enterprise"}
	industries = []string{"manufacturing", "retail", "healthcare", "finance", "technology", "logistics", "education"}
	categories = []string{"billing", "delivery", "product", "installation", "returns"}
	priorityW  = []float64{0.35, 0.40, 0.20, 0.05}
)

// salesOut are the streams the sales simulation writes.
type salesOut struct {
	opps     *datasets.Writer[datasets.Opportunity]
	invoices *datasets.Writer[datasets.Invoice]
	tickets  *datasets.Writer[datasets.Ticket]
}

// salesTotals are what later tables (targets, reviews) need from the sales simulation.
type salesTotals struct {
	regionMonth [][]float64         // won revenue by region and close month
	repQuarter  map[int32][]float64 // won revenue by owner and quarter index
	teamQuarter map[int][]float64   // won revenue by team and quarter index
}

type salesSim struct {
	cfg *Config
	d   *driverPaths
	pp  *people
	// Each region draws from its own streams, so a shock in one region changes nothing in
	// the others: comparing a scenario with the baseline of the same seed isolates its effect.
	rr, rt   []rng
	out      salesOut
	end      time.Time // first day after the data
	accounts []*account
	pending  []*account // won, not yet customers (the deal closes in a later month)
	active   []*account
	oppN     int
	invN     int
	tktN     int
	refReps  []float64
	totals   salesTotals
	salesIdx int
	csIdx    int
}

func newSalesSim(cfg *Config, d *driverPaths, pp *people, out salesOut) *salesSim {
	nr, nm := len(cfg.Regions), cfg.Months()
	s := &salesSim{
		cfg: cfg, d: d, pp: pp, out: out, end: cfg.End.End(),
		rr: regionRNGs(cfg.Seed, streamSales, nr), rt: regionRNGs(cfg.Seed, streamTickets, nr),
		salesIdx: roleIndex("sales"), csIdx: roleIndex("customer_service"),
	}
	s.refReps = make([]float64, nr)
	for reg := 0; reg < nr; reg++ {
		s.refReps[reg] = math.Max(1, float64(len(pp.active[s.salesIdx][reg][0])))
	}
	s.totals.regionMonth = make([][]float64, nr)
	for reg := range s.totals.regionMonth {
		s.totals.regionMonth[reg] = make([]float64, nm+6)
	}
	s.totals.repQuarter = map[int32][]float64{}
	s.totals.teamQuarter = map[int][]float64{}
	return s
}

// run simulates every month in order.
func (s *salesSim) run() error {
	for m := 0; m < s.cfg.Months(); m++ {
		if err := s.month(m); err != nil {
			return err
		}
	}
	return nil
}

func (s *salesSim) month(m int) error {
	// Accounts won earlier become customers in the month their deal closed.
	kept := s.active[:0]
	for _, a := range s.active {
		if a.churnM < 0 {
			kept = append(kept, a)
		}
	}
	s.active = kept
	waiting := s.pending[:0]
	for _, a := range s.pending {
		if a.startM <= m {
			s.active = append(s.active, a)
		} else {
			waiting = append(waiting, a)
		}
	}
	s.pending = waiting
	for reg := range s.cfg.Regions {
		if err := s.newBusiness(m, reg); err != nil {
			return err
		}
	}
	if err := s.repeats(m); err != nil {
		return err
	}
	return s.support(m)
}

// seed gives the company the customers and the open pipeline it had when the data starts:
// as many accounts as new business brings in over the average customer lifetime (so the
// customer base starts near its steady state instead of growing from zero), and the deals
// created in the four months before the data that close inside it.
func (s *salesSim) seed() error {
	for reg := range s.cfg.Regions {
		r := s.rr[reg]
		reps := s.pp.active[s.salesIdx][reg][0]
		if len(reps) == 0 {
			continue
		}
		inflow := leadsPerRepMonth * float64(len(reps)) * baseWinNew
		// Observed churn runs about 10 % above the base hazard (satisfaction below 4).
		n := r.poisson(inflow / (1.1 * baseChurnPerMonth))
		for i := 0; i < n; i++ {
			age := 1 + int(r.ExpFloat64()/baseChurnPerMonth*30.4)
			prod := r.pick(productMix(len(s.cfg.Products)))
			a := &account{
				id: fmt.Sprintf("A%07d", len(s.accounts)+1), region: reg, start: s.cfg.Start().Start().AddDate(0, 0, -age),
				startM: -1, churnM: -1, owner: reps[r.IntN(len(reps))], lastSat: 4,
				segment:  segments[min(prod*len(segments)/len(s.cfg.Products), len(segments)-1)],
				industry: industries[r.IntN(len(industries))],
			}
			s.accounts = append(s.accounts, a)
			s.active = append(s.active, a)
		}
	}
	for m := -4; m < 0; m++ {
		for reg := range s.cfg.Regions {
			if err := s.newBusiness(m, reg); err != nil {
				return err
			}
		}
		if err := s.repeats(m); err != nil {
			return err
		}
	}
	return nil
}

// activity is how much selling a region does in month m relative to its reference: it rises
// with marketing spend (averaged over the month and the month before, as campaigns take a few
// weeks to bring leads), with the number of reps on staff, and falls when reps wait for their
// expenses. It scales new business and repeat orders alike, so each driver's effect on revenue
// is the one Truth states.
func (s *salesSim) activity(reg, m, reps int) float64 {
	d := s.d
	spend := (d.marketingSpend(reg, m) + d.marketingSpend(reg, m-1)) / 2
	spendRef := 1000 * s.refReps[reg]
	return math.Pow(spend/spendRef, marketingElasticity) *
		math.Pow(float64(reps)/s.refReps[reg], headcountElasticity) *
		math.Exp(reimbursementPerDay*(d.reimburseDays(reg, m)-baseReimburseD))
}

// newBusiness creates the month's new-business deals of a region: leads follow the region's
// activity, the market trend and the season; each rep works a share that grows with their
// performance.
func (s *salesSim) newBusiness(m, reg int) error {
	cfg, r := s.cfg, s.rr[reg]
	reps := s.pp.active[s.salesIdx][reg][max(m, 0)]
	if len(reps) == 0 {
		return nil
	}
	trend := math.Exp(math.Log1p(marketGrowth) * float64(m) / 12)
	seas := season(cfg.Start().Add(m).Index())
	lambda := leadsPerRepMonth * s.refReps[reg] * trend * seas * s.activity(reg, m, len(reps))
	weights := make([]float64, len(reps))
	sum := 0.0
	for i, idx := range reps {
		weights[i] = math.Exp(0.25 * s.pp.all[idx].perfAt(max(m, 0)))
		sum += weights[i]
	}
	for i, idx := range reps {
		n := r.poisson(lambda * weights[i] / sum)
		for k := 0; k < n; k++ {
			if err := s.deal(m, reg, idx, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// repeats creates the month's repeat orders from existing customers, at a rate that follows
// the season and the region's selling activity.
func (s *salesSim) repeats(m int) error {
	seas := season(s.cfg.Start().Add(m).Index())
	rate := make([]float64, len(s.cfg.Regions))
	for reg := range rate {
		if n := len(s.pp.active[s.salesIdx][reg][max(m, 0)]); n > 0 {
			rate[reg] = repeatPerAccount * seas * s.activity(reg, m, n)
		}
	}
	for _, a := range s.active {
		r := s.rr[a.region]
		if !r.bernoulli(rate[a.region]) {
			continue
		}
		if owner := s.pp.all[a.owner]; !owner.active(max(m, 0)) {
			reps := s.pp.active[s.salesIdx][a.region][max(m, 0)]
			if len(reps) == 0 {
				continue
			}
			a.owner = reps[r.IntN(len(reps))]
		}
		if err := s.deal(m, a.region, a.owner, a); err != nil {
			return err
		}
	}
	return nil
}

// deal creates one opportunity created in month m (a negative m is before the data starts):
// new business when acct is nil, else a repeat order. Deals that closed before the data
// starts are not part of the export and are not written.
func (s *salesSim) deal(m, reg int, ownerIdx int32, acct *account) error {
	cfg, d, r := s.cfg, s.d, s.rr[reg]
	owner := s.pp.all[ownerIdx]
	period := cfg.Start().Add(m)
	// Every deal makes the same draws whatever its outcome, so a shock that flips one deal
	// from won to lost does not shift the numbers drawn for the next.
	prod := r.pick(productMix(len(cfg.Products)))
	price := productPrice(prod) * math.Pow(1.03, float64(m)/12)
	amount := round2(price * r.lognormal(1, 0.25))
	created := period.Start().AddDate(0, 0, r.IntN(period.Days()))
	cycleMean := 30 + productPrice(prod)/2000
	if acct != nil {
		cycleMean *= 0.7
	}
	closed := created.AddDate(0, 0, 1+int(r.lognormal(cycleMean, 0.4)))
	won := r.Float64()
	industry := industries[r.IntN(len(industries))]
	badDebt := r.bernoulli(0.02)
	collectDays := int(r.lognormal(35, 0.35))
	if closed.Before(cfg.Start().Start()) {
		return nil
	}
	s.oppN++
	o := datasets.Opportunity{
		OpportunityID: fmt.Sprintf("O%08d", s.oppN), OwnerID: owner.id, TeamID: s.pp.teams[owner.team].TeamID,
		Product: cfg.Products[prod], Region: cfg.Regions[reg], CreatedDate: created, Amount: datasets.Some(amount),
	}
	if acct != nil {
		o.AccountID = acct.id
	}
	if !closed.Before(s.end) {
		// Still open when the export was taken: the stage shows how far along it is.
		frac := s.end.Sub(created).Hours() / closed.Sub(created).Hours()
		o.Stage = datasets.Stages[min(int(frac*4), 3)]
		return s.out.opps.Write(&o)
	}
	cm := datasets.MonthOf(closed).N - cfg.Start().N
	base := baseWinNew
	if acct != nil {
		base = baseWinRepeat
	}
	p := base * math.Exp(0.3*owner.perfAt(max(m, 0))) *
		math.Exp(supplyPerDay*(d.supplyDays(reg, prod, cm)-baseSupplyDays)) *
		math.Exp(responsePerHour*(d.responseHours(reg, cm)-baseResponseH))
	o.ClosedDate = closed
	if won >= math.Min(p, 0.97) {
		o.Stage = "lost"
		return s.out.opps.Write(&o)
	}
	o.Stage = "won"
	if acct == nil {
		acct = &account{
			id: fmt.Sprintf("A%07d", len(s.accounts)+1), region: reg, start: closed, startM: cm, churnM: -1,
			owner: ownerIdx, lastSat: 4, segment: segments[min(prod*len(segments)/len(cfg.Products), len(segments)-1)],
			industry: industry,
		}
		s.accounts = append(s.accounts, acct)
		s.pending = append(s.pending, acct)
		o.AccountID = acct.id
	}
	s.totals.regionMonth[reg][cm] += amount
	q := quarterIndex(cfg, cm)
	s.addQuarter(s.totals.repQuarter, ownerIdx, q, amount)
	tq := s.totals.teamQuarter[owner.team]
	for len(tq) <= q {
		tq = append(tq, 0)
	}
	tq[q] += amount
	s.totals.teamQuarter[owner.team] = tq
	if err := s.out.opps.Write(&o); err != nil {
		return err
	}
	// One invoice per won deal, collected after a month or so; a few are never paid.
	s.invN++
	inv := datasets.Invoice{
		InvoiceID: fmt.Sprintf("I%08d", s.invN), AccountID: acct.id, IssuedDate: closed,
		DueDate: closed.AddDate(0, 0, 30), Amount: amount,
	}
	if !badDebt {
		if paid := closed.AddDate(0, 0, collectDays); paid.Before(s.end) {
			inv.PaidDate = paid
		}
	}
	return s.out.invoices.Write(&inv)
}

func (s *salesSim) addQuarter(m map[int32][]float64, k int32, q int, v float64) {
	x := m[k]
	for len(x) <= q {
		x = append(x, 0)
	}
	x[q] += v
	m[k] = x
}

// support simulates the month's tickets and the churn that slow answers cause.
func (s *salesSim) support(m int) error {
	cfg, d := s.cfg, s.d
	period := cfg.Start().Add(m)
	for _, a := range s.active {
		r := s.rt[a.region]
		n := r.poisson(ticketsPerAccount)
		for k := 0; k < n; k++ {
			s.tktN++
			opened := period.Start().Add(time.Duration(r.Int64N(int64(period.Days())*24*3600)) * time.Second)
			if opened.Before(a.start) {
				opened = a.start.Add(time.Duration(r.IntN(3600*8)) * time.Second)
			}
			respH := d.responseHours(a.region, m) * r.lognormal(1, 0.35)
			resH := respH + r.lognormal(30, 0.6)
			t := datasets.Ticket{
				TicketID: fmt.Sprintf("T%08d", s.tktN), AccountID: a.id, OpenedAt: opened,
				Category: categories[r.IntN(len(categories))], Priority: datasets.Priorities[r.pick(priorityW)],
				Escalated: datasets.Some(respH > 48 || r.bernoulli(0.03)),
			}
			if agents := s.pp.active[s.csIdx][a.region][m]; len(agents) > 0 {
				t.AgentID = s.pp.all[agents[r.IntN(len(agents))]].id
			}
			sat := clamp(math.Round(5.3-0.05*respH-0.008*resH+r.normal(0, 0.6)), 1, 5)
			if fr := opened.Add(time.Duration(respH * float64(time.Hour))).Truncate(time.Second); fr.Before(s.end) {
				t.FirstResponseAt = fr
				if rs := opened.Add(time.Duration(resH * float64(time.Hour))).Truncate(time.Second); rs.Before(s.end) {
					t.ResolvedAt = rs
					t.Satisfaction = datasets.Some(int64(sat))
					a.lastSat = sat
				}
			}
			if err := s.out.tickets.Write(&t); err != nil {
				return err
			}
		}
		h := baseChurnPerMonth * math.Exp(churnPerResponseHour*(d.responseHours(a.region, m)-baseResponseH)) * math.Exp(-0.3*(a.lastSat-4))
		if r.bernoulli(h) {
			a.churnM = m
			a.churn = period.Start().AddDate(0, 0, r.IntN(period.Days()))
			if a.churn.Before(a.start) {
				a.churn = a.start
			}
		}
	}
	return nil
}

// writeAccounts writes every account ever won, with its churn date if it left.
func (s *salesSim) writeAccounts(dir string) (int, error) {
	w, err := datasets.Create(dir, datasets.AccountCodec)
	if err != nil {
		return 0, err
	}
	for _, a := range s.accounts {
		row := datasets.Account{
			AccountID: a.id, Region: s.cfg.Regions[a.region], Segment: a.segment, Industry: a.industry,
			StartDate: a.start,
		}
		if a.churnM >= 0 {
			row.ChurnDate = a.churn
		}
		if err := w.Write(&row); err != nil {
			w.Close()
			return 0, err
		}
	}
	return w.Count(), w.Close()
}
