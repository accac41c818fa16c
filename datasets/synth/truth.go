package synth

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Truth is ground_truth.json: what the generator planted, so tests can score what the models
// find. Effects are on log revenue: an effect of -0.025 per day means one more day of supply
// lead time, sustained, lowers revenue by about 2.5 % and so growth by about 2.5 points.
type Truth struct {
	Seed      uint64   `json:"seed"`
	Scenario  string   `json:"scenario"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Regions   []string `json:"regions"`
	Products  []string `json:"products"`
	Employees int      `json:"employees"`

	Effects    []Effect        `json:"effects"`
	Shocks     []Shock         `json:"shocks"`
	Reform     *Reform         `json:"reform,omitempty"`
	Incentives IncentiveTruth  `json:"incentives"`
	People     []EmployeeTruth `json:"people"`
}

// Effect is the true effect of a driver on revenue.
type Effect struct {
	// Driver is the feature-panel column the effect is measured on.
	Driver string `json:"driver"`
	// Role is who is responsible for the driver.
	Role string `json:"role"`
	// Scale is "log" when Effect is an elasticity (+1 % in the driver → Effect % revenue) and
	// "level" when it is per unit of the driver (per day, per hour).
	Scale string `json:"scale"`
	Unit  string `json:"unit"`
	// Effect is the change in log revenue per unit (or per log unit) of a sustained change.
	Effect float64 `json:"effect"`
	// Mechanism says how the effect works in the generator, and with what delay.
	Mechanism string `json:"mechanism"`
}

// Shock is a change injected into one driver for one scope and quarter.
type Shock struct {
	Driver  string `json:"driver"`
	Role    string `json:"role"`
	Scope   string `json:"scope"` // company or region
	ScopeID string `json:"scope_id,omitempty"`
	// Product is set when the shock hits one product only (a supply delay of one product line).
	Product string `json:"product,omitempty"`
	Period  string `json:"period"` // YYYYQn
	// Size is the change of the driver: days or hours added, or the log change of spend.
	Size float64 `json:"size"`
	Unit string  `json:"unit"`
	// Multiplier is what the shock does to its mechanism (win rate or leads) in the affected
	// slice while it lasts: 0.82 means 18 % fewer wins (or leads).
	Multiplier float64 `json:"multiplier"`
	Mechanism  string  `json:"mechanism"`
}

// Reform records the article's reform: driver levels before and after, from Month on
// (phased in over three months).
type Reform struct {
	Month  string             `json:"month"`
	Before map[string]float64 `json:"before"`
	After  map[string]float64 `json:"after"`
}

// IncentiveTruth says how incentive fit works. Fit is the employee's preference probability
// for the incentive given, divided by the largest among the incentives they were eligible for.
type IncentiveTruth struct {
	Types []string `json:"types"`
	// PerformanceBoost is added to latent performance at fit 1 for six months; fit 0.4 adds 0.
	PerformanceBoost float64 `json:"performance_boost"`
	// AttritionLogHazard is the change in log monthly exit hazard per unit of fit above 0.5,
	// for twelve months after the incentive.
	AttritionLogHazard float64 `json:"attrition_log_hazard"`
	// Eligibility rules the generator applied.
	Eligibility map[string]string `json:"eligibility"`
}

// EmployeeTruth is an active employee's true incentive preference at the last month.
type EmployeeTruth struct {
	EmployeeID string             `json:"employee_id"`
	Role       string             `json:"role"`
	Preference map[string]float64 `json:"preference"`
	Eligible   []string           `json:"eligible"`
	// TopEligible is the most preferred incentive among those the employee is eligible for.
	TopEligible string `json:"top_eligible"`
}

// ReadTruth reads dir/ground_truth.json.
func ReadTruth(dir string) (*Truth, error) {
	b, err := os.ReadFile(filepath.Join(dir, "ground_truth.json"))
	if err != nil {
		return nil, err
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Effect returns the true effect of the named driver.
func (t *Truth) Effect(driver string) (Effect, bool) {
	for _, e := range t.Effects {
		if e.Driver == driver {
			return e, true
		}
	}
	return Effect{}, false
}

func writeTruth(dir string, t *Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ground_truth.json"), append(b, '\n'), 0o644)
}

func trueEffects() []Effect {
	return []Effect{
		{Driver: "marketing_spend", Role: "gm", Scale: "log", Unit: "currency", Effect: marketingElasticity,
			Mechanism: "new leads and repeat orders ∝ spend^e, spend averaged over the month and the month before; revenue follows at close, 1–3 months later"},
		{Driver: "sales_headcount", Role: "hr", Scale: "log", Unit: "employees", Effect: headcountElasticity,
			Mechanism: "new leads and repeat orders ∝ active sales reps^e; vacancies after exits cut them until the replacement arrives"},
		{Driver: "reimbursement_days", Role: "finance", Scale: "level", Unit: "days", Effect: reimbursementPerDay,
			Mechanism: "sales activity (new leads and repeat orders) × exp(e × days from claim to payment)"},
		{Driver: "supply_lead_days", Role: "procurement", Scale: "level", Unit: "days", Effect: supplyPerDay,
			Mechanism: "P(no stock-out) = exp(e × lead days) in the region (and product) and month a deal closes"},
		{Driver: "first_response_hours", Role: "customer_service", Scale: "level", Unit: "hours", Effect: responsePerHour,
			Mechanism: "P(win) × exp(e × first-response hours) in the closing month; also raises account churn (see churn_per_response_hour)"},
	}
}
