package synth

import (
	"math"

	"github.com/growthlens/growthlens/datasets"
)

// driverPaths holds the exogenous drivers of every region and month: what procurement,
// customer service, finance and the GM do, before the sales simulation reacts to them.
type driverPaths struct {
	start     datasets.Period
	months    int
	supply    [][]float64 // [region][month] days from order to delivery
	response  [][]float64 // [region][month] hours to first response
	reimburse [][]float64 // [region][month] days from expense claim to payment
	spend     [][]float64 // [region][month] marketing spend
	shocks    []shockSpec
	reformAt  int // month index of the reform, or -1
}

// shockSpec is a Shock in simulation coordinates.
type shockSpec struct {
	driver  string
	region  int // -1: every region
	product int // -1: every product
	from    int // first month index
	to      int // month index after the last
	size    float64
}

func (s *shockSpec) covers(region, product, month int) bool {
	return month >= s.from && month < s.to && (s.region < 0 || s.region == region) && (s.product < 0 || s.product == product)
}

// reformWeight phases the reform in over three months: 1/3, 2/3, then 1.
func (d *driverPaths) reformWeight(month int) float64 {
	if d.reformAt < 0 || month < d.reformAt {
		return 0
	}
	return math.Min(1, float64(month-d.reformAt+1)/3)
}

func (d *driverPaths) level(base, after float64, month int) float64 {
	return base + d.reformWeight(month)*(after-base)
}

// supplyDays returns the supply lead time of a product in a region and month, shocks included.
func (d *driverPaths) supplyDays(region, product, month int) float64 {
	v := d.supply[region][d.clampMonth(month)]
	for i := range d.shocks {
		if s := &d.shocks[i]; s.driver == "supply_lead_days" && s.covers(region, product, month) {
			v += s.size
		}
	}
	return v
}

func (d *driverPaths) responseHours(region, month int) float64 {
	return d.response[region][d.clampMonth(month)] + d.additive("first_response_hours", region, month)
}

func (d *driverPaths) reimburseDays(region, month int) float64 {
	return d.reimburse[region][d.clampMonth(month)] + d.additive("reimbursement_days", region, month)
}

// marketingSpend returns the spend of a region and month, after any cut (a log-size shock).
func (d *driverPaths) marketingSpend(region, month int) float64 {
	return d.spend[region][d.clampMonth(month)] * math.Exp(d.additive("marketing_spend", region, month))
}

func (d *driverPaths) additive(driver string, region, month int) float64 {
	v := 0.0
	for i := range d.shocks {
		if s := &d.shocks[i]; s.driver == driver && s.covers(region, -1, month) {
			v += s.size
		}
	}
	return v
}

// clampMonth lets deals that close after the last month read the last month's drivers.
func (d *driverPaths) clampMonth(m int) int { return min(max(m, 0), d.months-1) }

// newDriverPaths draws the drivers: regional levels with AR(1) noise around them, the reform
// where the scenario has one, and a spend plan that grows with the company.
func newDriverPaths(cfg *Config, reps []int, r rng) *driverPaths {
	nr, nm := len(cfg.Regions), cfg.Months()
	d := &driverPaths{start: cfg.Start(), months: nm, reformAt: -1}
	if cfg.Scenario == "reform" {
		d.reformAt = nm - 24
	}
	d.supply = make([][]float64, nr)
	d.response = make([][]float64, nr)
	d.reimburse = make([][]float64, nr)
	d.spend = make([][]float64, nr)
	for reg := 0; reg < nr; reg++ {
		offS, offR, offE := r.normal(0, 0.7), r.normal(0, 3), r.normal(0, 2)
		arS, arR, arE, arM := ar1{phi: 0.6, sd: 1.2}, ar1{phi: 0.6, sd: 4}, ar1{phi: 0.5, sd: 3}, ar1{phi: 0.5, sd: 0.15}
		d.supply[reg] = make([]float64, nm)
		d.response[reg] = make([]float64, nm)
		d.reimburse[reg] = make([]float64, nm)
		d.spend[reg] = make([]float64, nm)
		base := 1000 * float64(reps[reg])
		for m := 0; m < nm; m++ {
			s := d.level(baseSupplyDays+offS, reformSupplyDays+offS/2, m)
			h := d.level(baseResponseH+offR, reformResponseH+offR/3, m)
			e := d.level(baseReimburseD+offE, reformReimburseD+offE/2, m)
			d.supply[reg][m] = math.Max(1, s+arS.next(r)*s/baseSupplyDays)
			d.response[reg][m] = math.Max(1, h+arR.next(r)*h/baseResponseH)
			d.reimburse[reg][m] = math.Max(1, e+arE.next(r)*e/baseReimburseD)
			month := d.start.Add(m).Index()
			d.spend[reg][m] = base * math.Pow(1.08, float64(m)/12) * (0.5 + 0.5*season(month)) * math.Exp(arM.next(r))
		}
	}
	return d
}

// ar1 is a stationary AR(1) process with coefficient phi and stationary standard deviation sd.
// The first draw comes from the stationary distribution, so there is no burn-in.
type ar1 struct {
	phi, sd float64
	x       float64
	started bool
}

func (a *ar1) next(r rng) float64 {
	if !a.started {
		a.started = true
		a.x = r.normal(0, a.sd)
		return a.x
	}
	a.x = a.phi*a.x + r.normal(0, a.sd*math.Sqrt(1-a.phi*a.phi))
	return a.x
}
