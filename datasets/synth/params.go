package synth

import "math"

// Structural parameters of the company. The driver effects act on log expected revenue, so each
// is also the effect on revenue growth of a sustained change in the driver: Truth reports them.
const (
	// Leads created in a region-month ∝ spend^marketingElasticity, spend averaged over the month
	// and the month before (campaigns take a few weeks to produce leads).
	marketingElasticity = 0.30
	// Leads ∝ (active sales reps)^headcountElasticity: fewer reps work fewer leads.
	headcountElasticity = 0.80
	// Sales activity (leads worked) × exp(reimbursementPerDay × days): reps who wait for their
	// expenses travel less.
	reimbursementPerDay = -0.015
	// P(no stock-out) = exp(supplyPerDay × lead days) in the month and region a deal closes.
	supplyPerDay = -0.025
	// P(win) × exp(responsePerHour × first-response hours) in the closing month: customers
	// whose questions wait buy elsewhere.
	responsePerHour = -0.004
	// Monthly churn hazard of an account × exp(churnPerResponseHour × (hours − 24)).
	churnPerResponseHour = 0.035
	// Market growth per year before any driver moves.
	marketGrowth = 0.04
)

// Driver levels before any reform (the article's company) and after it.
const (
	baseSupplyDays   = 7.0
	baseResponseH    = 24.0
	baseReimburseD   = 12.0
	reformSupplyDays = 3.0
	reformResponseH  = 8.0
	reformReimburseD = 5.0

	// Annual employee turnover before and after the reform.
	baseSalesTurnover  = 0.15
	baseOtherTurnover  = 0.10
	reformTurnover     = 0.05
	baseChosenShare    = 0.7 // share of incentives the employee picks; management assigns the rest
	reformChosenShare  = 1.0
	leadsPerRepMonth   = 2.0   // new-business opportunities per sales rep per month
	repeatPerAccount   = 0.025 // repeat opportunities per active account per month
	baseChurnPerMonth  = 0.014 // about 16 % a year at base response times
	ticketsPerAccount  = 0.1   // per month
	claimsPerRepMonth  = 2.0
	posPerBuyerMonth   = 2.0
	baseWinNew         = 0.35 // P(win) of a new-business deal at base drivers and average ability
	baseWinRepeat      = 0.60
	promisedSupplyDays = 8.0
)

// Seasonality of leads: B2B buyers spend their budgets in Q4 and sales push at quarter end.
var (
	quarterSeason  = [4]float64{0.92, 1.00, 0.96, 1.12}
	monthInQuarter = [3]float64{0.92, 0.98, 1.10}
)

func season(month int) float64 { // month 1..12
	q := (month - 1) / 3
	return quarterSeason[q] * monthInQuarter[(month-1)%3]
}

// Product price list and sales cycle: prices are generated for products beyond the fifth.
var (
	basePrices = []float64{8000, 12000, 18000, 10000, 30000}
	baseMix    = []float64{0.30, 0.25, 0.20, 0.15, 0.10}
)

func productPrice(i int) float64 {
	if i < len(basePrices) {
		return basePrices[i]
	}
	return 10000 * math.Pow(1.35, float64(i%7))
}

func productMix(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		if i < len(baseMix) {
			w[i] = baseMix[i]
		} else {
			w[i] = 0.1
		}
	}
	return w
}

// Role split of the headcount and the base salary of level 1.
type roleSpec struct {
	name     string
	share    float64
	salary   float64
	regional bool // one team (or more) per region; otherwise a head-office team
}

var roleSpecs = []roleSpec{
	{"sales", 0.40, 60000, true},
	{"procurement", 0.20, 55000, true},
	{"gm", 0.05, 120000, true},
	{"customer_service", 0.12, 45000, true},
	{"finance", 0.08, 60000, false},
	{"marketing", 0.06, 58000, false},
	{"admin", 0.05, 45000, false},
	{"hr", 0.04, 52000, false},
}
