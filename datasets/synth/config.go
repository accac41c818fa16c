package synth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/seed"
)

// Config says what company to generate. DefaultConfig gives the article's company.
type Config struct {
	Seed      uint64
	Employees int // total headcount; 40 % sales, 20 % procurement, 40 % GM and back office
	Years     int
	// End is the last month generated; the data covers Years×12 months up to and including it.
	End      datasets.Period
	Scenario string
	Regions  []string
	Products []string
	// Currency is the ISO 4217 code written to the dataset's settings (datasets.SettingsFile):
	// what every amount is printed with. "" writes no settings.
	Currency string
}

// DefaultCurrency is the generated companies' currency: the article's company keeps its books
// in yuan.
const DefaultCurrency = "CNY"

// Scenarios lists the scenario names Generate accepts.
var Scenarios = []string{"baseline", "supply-delay", "support-slowdown", "marketing-cut", "reimbursement-delay", "reform", "random"}

// DefaultEnd is the last month of the default company: 2026-09, so that the data holds 20 whole
// quarters (2021Q4–2026Q3) and is the same on any day it is generated.
var DefaultEnd = datasets.Period{Grain: datasets.Month, N: 2026*12 + 8}

// DefaultConfig returns the article's company: 100 employees, 4 regions, 5 products, 5 years,
// baseline scenario, seed 7.
func DefaultConfig() Config {
	return Config{
		Seed:      seed.Default,
		Employees: 100,
		Years:     5,
		End:       DefaultEnd,
		Scenario:  "baseline",
		Regions:   []string{"East", "North", "South", "West"},
		Products:  []string{"Core", "Pro", "Suite", "Cloud", "Enterprise"},
		Currency:  DefaultCurrency,
	}
}

// LargeConfig returns a company large enough for every driver's effect to be identified: 16
// regions × 10 years × 2,000 employees (608 region-quarters against the default's 72). Sales
// headcount moves by about 1 % a quarter in a 200-rep region, so its elasticity needs that
// many. The driver model's recovery checks use it.
func LargeConfig() Config {
	c := DefaultConfig()
	c.Employees, c.Years = 2000, 10
	c.Regions = nil
	for r := 1; r <= 16; r++ {
		c.Regions = append(c.Regions, fmt.Sprintf("R%02d", r))
	}
	return c
}

// Validate reports the first field that is out of range, naming it and the allowed range.
func (c *Config) Validate() error {
	if err := (datasets.Settings{Currency: c.Currency}).Validate(); err != nil {
		return err
	}
	switch {
	case c.Employees < 20 || c.Employees > 200000:
		return fmt.Errorf("employees: %d out of range [20, 200000]", c.Employees)
	case c.Years < 2 || c.Years > 20:
		return fmt.Errorf("years: %d out of range [2, 20]", c.Years)
	case c.End.Grain != datasets.Month:
		return fmt.Errorf("end: want a month (YYYY-MM)")
	case !slices.Contains(Scenarios, c.Scenario):
		return fmt.Errorf("scenario: %q is not one of %s", c.Scenario, strings.Join(Scenarios, ", "))
	case len(c.Regions) < 1 || len(c.Regions) > 50:
		return fmt.Errorf("regions: %d out of range [1, 50]", len(c.Regions))
	case len(c.Products) < 1 || len(c.Products) > 50:
		return fmt.Errorf("products: %d out of range [1, 50]", len(c.Products))
	}
	return nil
}

// Start returns the first month generated.
func (c *Config) Start() datasets.Period { return c.End.Add(1 - 12*c.Years) }

// Months returns the number of months generated.
func (c *Config) Months() int { return 12 * c.Years }
