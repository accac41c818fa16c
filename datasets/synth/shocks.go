package synth

import (
	"math"

	"github.com/growthlens/growthlens/datasets"
)

// shockKind describes one kind of shock: its driver, the role responsible, the range of sizes
// the random scenario draws from and the size the named scenario uses.
type shockKind struct {
	driver, role, unit, mechanism string
	lo, hi, fixed                 float64
}

var shockKinds = map[string]shockKind{
	"supply_lead_days":     {"supply_lead_days", "procurement", "days", "win rate (stock-outs)", 5, 10, 8},
	"first_response_hours": {"first_response_hours", "customer_service", "hours", "win rate and churn", 20, 40, 30},
	"marketing_spend":      {"marketing_spend", "gm", "log", "leads", math.Log(0.4), math.Log(0.65), math.Log(0.5)},
	"reimbursement_days":   {"reimbursement_days", "finance", "days", "leads (sales activity)", 12, 25, 20},
}

// multiplier is what a shock of the given size does to its mechanism in the affected slice.
func (k shockKind) multiplier(size float64) float64 {
	switch k.driver {
	case "supply_lead_days":
		return math.Exp(supplyPerDay * size)
	case "first_response_hours":
		return math.Exp(responsePerHour * size)
	case "marketing_spend":
		return math.Exp(marketingElasticity * size)
	case "reimbursement_days":
		return math.Exp(reimbursementPerDay * size)
	}
	panic("synth: unknown shock driver " + k.driver)
}

// lastQuarter returns the month index of the first month of the last whole quarter in the data.
func lastQuarter(cfg *Config) int {
	q := cfg.End.Quarter()
	if datasets.MonthOf(q.End().AddDate(0, 0, -1)) != cfg.End {
		q = q.Add(-1) // the last quarter is not whole yet
	}
	return datasets.MonthOf(q.Start()).N - cfg.Start().N
}

// scenarioShocks returns the shocks of the scenario, in simulation and truth form.
func scenarioShocks(cfg *Config, r rng) ([]shockSpec, []Shock) {
	nr, np := len(cfg.Regions), len(cfg.Products)
	last := lastQuarter(cfg)
	var specs []shockSpec
	add := func(driver string, region, product, from int, size float64) {
		specs = append(specs, shockSpec{driver: driver, region: region, product: product, from: from, to: from + 3, size: size})
	}
	switch cfg.Scenario {
	case "supply-delay":
		add("supply_lead_days", r.IntN(nr), -1, last, shockKinds["supply_lead_days"].fixed)
	case "support-slowdown":
		add("first_response_hours", r.IntN(nr), -1, last, shockKinds["first_response_hours"].fixed)
	case "marketing-cut":
		add("marketing_spend", -1, -1, last, shockKinds["marketing_spend"].fixed)
	case "reimbursement-delay":
		add("reimbursement_days", r.IntN(nr), -1, last, shockKinds["reimbursement_days"].fixed)
	case "random":
		drivers := []string{"supply_lead_days", "first_response_hours", "marketing_spend", "reimbursement_days"}
		n := 1 + r.IntN(3)
		for len(specs) < n {
			k := shockKinds[drivers[r.IntN(len(drivers))]]
			region, product := r.IntN(nr), -1
			if k.driver == "supply_lead_days" && r.IntN(2) == 0 {
				product = r.IntN(np)
			}
			// Shocks land in one of the last eight whole quarters, so there is history before.
			from := last - 3*r.IntN(min(8, cfg.Months()/3-4))
			clash := false
			for _, s := range specs {
				if s.driver == k.driver && s.region == region && s.from == from {
					clash = true
				}
			}
			if !clash {
				add(k.driver, region, product, from, k.lo+r.Float64()*(k.hi-k.lo))
			}
		}
	}
	truth := make([]Shock, len(specs))
	for i, s := range specs {
		k := shockKinds[s.driver]
		sh := Shock{
			Driver: s.driver, Role: k.role, Scope: "company", Period: cfg.Start().Add(s.from).Quarter().String(),
			Size: math.Round(s.size*1000) / 1000, Unit: k.unit, Multiplier: math.Round(k.multiplier(s.size)*1000) / 1000,
			Mechanism: k.mechanism,
		}
		if s.region >= 0 {
			sh.Scope, sh.ScopeID = "region", cfg.Regions[s.region]
		}
		if s.product >= 0 {
			sh.Product = cfg.Products[s.product]
		}
		truth[i] = sh
	}
	return specs, truth
}
