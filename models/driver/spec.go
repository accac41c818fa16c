package driver

import (
	"fmt"
	"slices"
)

// Scale says how a driver's change enters the model.
type Scale string

const (
	// Log drivers (spend, headcount) enter as Δ log: their effect is an elasticity, the change in
	// log revenue per log unit (+1 % of the driver → Effect % of revenue).
	Log Scale = "log"
	// Level drivers (days, hours) enter as Δ level: their effect is per unit of the driver.
	Level Scale = "level"
)

// Spec names a driver: the feature-panel column it is read from, who is responsible for it and
// how its change enters the model.
type Spec struct {
	Column string `json:"driver"`
	Role   string `json:"role"`
	Scale  Scale  `json:"scale"`
	Unit   string `json:"unit"`
}

// DefaultSpecs returns the root drivers of features' panel: what the GM, HR, finance,
// procurement and customer service control. Mediators (win rate, churn, leads …) are left out
// on purpose; see the package documentation.
func DefaultSpecs() []Spec {
	return []Spec{
		{Column: "marketing_spend", Role: "gm", Scale: Log, Unit: "currency"},
		{Column: "sales_headcount", Role: "hr", Scale: Log, Unit: "employees"},
		{Column: "reimbursement_days", Role: "finance", Scale: Level, Unit: "days"},
		{Column: "supply_lead_days", Role: "procurement", Scale: Level, Unit: "days"},
		{Column: "first_response_hours", Role: "customer_service", Scale: Level, Unit: "hours"},
	}
}

// Mediators are panel columns that the root drivers move and that move revenue in turn. A
// regression that held them fixed would hand them the effects of the drivers behind them
// (supply and response act through win rate; spend, headcount and reimbursement through
// leads), so they are not drivers of this model. Fit accepts one in Options.Drivers but says so
// in Model.Notes.
var Mediators = map[string]string{
	"win_rate":          "supply lead time and first response act through it",
	"churn_rate":        "first response acts through it",
	"retention_rate":    "first response acts through it (1 − churn rate)",
	"leads":             "marketing spend, sales headcount and reimbursement time act through it",
	"new_accounts":      "it follows leads and win rate",
	"avg_deal":          "it is revenue over won deals",
	"pipeline_coverage": "it follows leads",
	"csat":              "first response acts through it",
	"growth_qoq":        "it is the outcome",
	"growth_yoy":        "it is the outcome",
	"revenue":           "it is the outcome",
	"completion":        "it is revenue over target",
}

func (s Spec) validate() error {
	switch {
	case s.Column == "":
		return fmt.Errorf("driver column is empty")
	case s.Scale != Log && s.Scale != Level:
		return fmt.Errorf("driver %s: scale %q: want %q or %q", s.Column, s.Scale, Log, Level)
	}
	return nil
}

func validateSpecs(specs []Spec) error {
	if len(specs) == 0 {
		return fmt.Errorf("no drivers")
	}
	seen := map[string]bool{}
	for _, s := range specs {
		if err := s.validate(); err != nil {
			return err
		}
		if seen[s.Column] {
			return fmt.Errorf("driver %s: listed twice", s.Column)
		}
		seen[s.Column] = true
	}
	return nil
}

func specIndex(specs []Spec, column string) int {
	return slices.IndexFunc(specs, func(s Spec) bool { return s.Column == column })
}
