package incentive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

// Rule says who may receive one incentive type. The zero Rule lets everyone receive it.
type Rule struct {
	// Roles lists the roles that may receive the incentive; empty means every role.
	Roles []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	// MinLevel and MaxLevel bound the employee's level, both inclusive; 0 means no bound. An
	// employee whose level is not recorded fails any level bound.
	MinLevel int `yaml:"min_level,omitempty" json:"min_level,omitempty"`
	MaxLevel int `yaml:"max_level,omitempty" json:"max_level,omitempty"`
	// MinMonthsSincePromotion is the least number of calendar months since the last promotion
	// (or, for someone never promoted, since hire): 12 means a promotion in March 2025 allows
	// the next one from March 2026 on.
	MinMonthsSincePromotion int `yaml:"min_months_since_promotion,omitempty" json:"min_months_since_promotion,omitempty"`
}

// Cost fixes the cost of one incentive type instead of learning it from reward history:
// Fixed + SalaryShare × annual base salary.
type Cost struct {
	Fixed       float64 `yaml:"fixed" json:"fixed"`
	SalaryShare float64 `yaml:"salary_share" json:"salary_share"`
}

// Values turns the expected effects of an incentive into money, so that incentives can be
// ranked by one number. For employee i and incentive k:
//
//	benefit = Retention × salary × (risk_none − risk_k)
//	        + Performance × salary × Δperf_k × PerformanceMonths/12
//	value   = benefit − CostWeight × cost_k
//
// where risk is the predicted probability of leaving within 12 months without and with the
// incentive, Δperf_k the expected performance_delta and salary the annual base salary (the
// role median when it is not recorded). Incentives are ranked by value.
type Values struct {
	// Retention is what keeping an employee who would otherwise leave is worth, in annual
	// salaries: the cost of replacing them (hiring, onboarding, lost output). The default, 1,
	// sits inside the usual estimates of half to two annual salaries.
	Retention float64 `yaml:"retention_salaries" json:"retention_salaries"`
	// Performance is what one point of performance_delta sustained for a year is worth, in
	// annual salaries. The default, 1, assumes that an employee's output is worth about their
	// salary per point of the performance scale.
	Performance float64 `yaml:"performance_salaries" json:"performance_salaries"`
	// PerformanceMonths is how long the measured performance change lasts (default 6, the
	// window performance_delta is measured over).
	PerformanceMonths float64 `yaml:"performance_months" json:"performance_months"`
	// CostWeight scales the cost subtracted from the benefit. The default, 0, ranks each
	// employee's incentives by benefit alone and leaves money to the budget (Allocate), which
	// is where the company decides what it spends; 1 ranks by benefit net of cost.
	CostWeight float64 `yaml:"cost_weight" json:"cost_weight"`
	// RaiseYears is how many years of a promotion's raise count as its cost (default 1): the
	// raise recurs, unlike a bonus.
	RaiseYears float64 `yaml:"raise_years" json:"raise_years"`
}

// Config holds the eligibility rules, cost overrides and money values of the recommender.
type Config struct {
	// Incentives maps every incentive type that may be offered to its eligibility rule. Types
	// not in the map are never offered.
	Incentives map[string]Rule `yaml:"incentives" json:"incentives"`
	// Costs overrides, per type, the cost learned from reward history. It is needed for a type
	// whose history records no value (the synthetic company records none for flexible_time,
	// whose cost is then 0).
	Costs map[string]Cost `yaml:"costs,omitempty" json:"costs,omitempty"`
	Value Values          `yaml:"value" json:"value"`
}

// DefaultConfig returns rules that match the synthetic company's (commission for sales only,
// equity from level 3, a promotion after 12 months or more since the last one or hire and
// below level 8; everything else for everyone) and the default money values documented on
// Values.
func DefaultConfig() Config {
	return Config{
		Incentives: map[string]Rule{
			"cash_bonus":    {},
			"commission":    {Roles: []string{"sales"}},
			"promotion":     {MaxLevel: 7, MinMonthsSincePromotion: 12},
			"training":      {},
			"recognition":   {},
			"equity":        {MinLevel: 3},
			"flexible_time": {},
		},
		Value: Values{Retention: 1, Performance: 1, PerformanceMonths: 6, CostWeight: 0, RaiseYears: 1},
	}
}

// LoadConfig reads a YAML or JSON config file (JSON is read as YAML). Fields the file leaves
// out keep their defaults, except that an incentives map, when given, replaces the default
// one entirely (so a type can be withdrawn by leaving it out). Unknown fields are errors.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("incentive config: %w", err)
	}
	defer f.Close()
	c, err := ReadConfig(f)
	if err != nil {
		return Config{}, fmt.Errorf("incentive config %s: %w", path, err)
	}
	return c, nil
}

// ReadConfig is LoadConfig on a reader.
func ReadConfig(r io.Reader) (Config, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Config{}, err
	}
	c := DefaultConfig()
	var file struct {
		Incentives map[string]Rule `yaml:"incentives"`
		Costs      map[string]Cost `yaml:"costs"`
		Value      *Values         `yaml:"value"`
	}
	file.Value = &c.Value // decoded onto the defaults, so absent fields keep them
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	if file.Incentives != nil {
		c.Incentives = file.Incentives
	}
	if file.Costs != nil {
		c.Costs = file.Costs
	}
	return c, c.Validate()
}

// Validate reports the first field out of range, naming it.
func (c *Config) Validate() error {
	if len(c.Incentives) == 0 {
		return errors.New("incentives: no incentive type is offered")
	}
	for _, k := range sortedKeys(c.Incentives) {
		r := c.Incentives[k]
		field := "incentives." + k
		if !slices.Contains(datasets.RewardTypes, k) {
			return fmt.Errorf("%s: unknown incentive type (want one of %v)", field, datasets.RewardTypes)
		}
		for _, role := range r.Roles {
			if !slices.Contains(datasets.Roles, role) {
				return fmt.Errorf("%s.roles: unknown role %q (want one of %v)", field, role, datasets.Roles)
			}
		}
		switch {
		case r.MinLevel < 0:
			return fmt.Errorf("%s.min_level: %d is negative", field, r.MinLevel)
		case r.MaxLevel < 0:
			return fmt.Errorf("%s.max_level: %d is negative", field, r.MaxLevel)
		case r.MaxLevel > 0 && r.MaxLevel < r.MinLevel:
			return fmt.Errorf("%s.max_level: %d is below min_level %d", field, r.MaxLevel, r.MinLevel)
		case r.MinMonthsSincePromotion < 0:
			return fmt.Errorf("%s.min_months_since_promotion: %d is negative", field, r.MinMonthsSincePromotion)
		}
	}
	for _, k := range sortedKeys(c.Costs) {
		v := c.Costs[k]
		field := "costs." + k
		if !slices.Contains(datasets.RewardTypes, k) {
			return fmt.Errorf("%s: unknown incentive type (want one of %v)", field, datasets.RewardTypes)
		}
		if !finiteNonNeg(v.Fixed) {
			return fmt.Errorf("%s.fixed: %v, want a number ≥ 0", field, v.Fixed)
		}
		if !finiteNonNeg(v.SalaryShare) {
			return fmt.Errorf("%s.salary_share: %v, want a number ≥ 0", field, v.SalaryShare)
		}
	}
	v := c.Value
	for _, f := range []struct {
		name string
		x    float64
	}{
		{"value.retention_salaries", v.Retention}, {"value.performance_salaries", v.Performance},
		{"value.cost_weight", v.CostWeight}, {"value.raise_years", v.RaiseYears},
	} {
		if !finiteNonNeg(f.x) {
			return fmt.Errorf("%s: %v, want a number ≥ 0", f.name, f.x)
		}
	}
	if !(v.PerformanceMonths > 0) || math.IsInf(v.PerformanceMonths, 0) {
		return fmt.Errorf("value.performance_months: %v, want a number > 0", v.PerformanceMonths)
	}
	return nil
}

func finiteNonNeg(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Eligible reports, in datasets.RewardTypes order, which incentives the employee described by
// row may receive under the config's rules.
func (c *Config) Eligible(row *features.EmployeeRow) [numTypes]bool {
	var out [numTypes]bool
	for k, name := range datasets.RewardTypes {
		r, ok := c.Incentives[name]
		out[k] = ok && r.allows(row)
	}
	return out
}

func (r *Rule) allows(row *features.EmployeeRow) bool {
	if len(r.Roles) > 0 && !slices.Contains(r.Roles, row.Role) {
		return false
	}
	if r.MinLevel > 0 || r.MaxLevel > 0 {
		if math.IsNaN(row.Level) {
			return false
		}
		if r.MinLevel > 0 && row.Level < float64(r.MinLevel) {
			return false
		}
		if r.MaxLevel > 0 && row.Level > float64(r.MaxLevel) {
			return false
		}
	}
	if r.MinMonthsSincePromotion > 0 && calendarMonths(row.PromotedOn, row.AsOf) < r.MinMonthsSincePromotion {
		return false
	}
	return true
}

// calendarMonths counts month boundaries from a to b: 2025-03-31 to 2026-03-01 is 12.
func calendarMonths(a, b time.Time) int {
	return datasets.MonthOf(b).N - datasets.MonthOf(a).N
}

// numTypes is the number of incentive types (len(datasets.RewardTypes)).
const numTypes = 7

func init() {
	if len(datasets.RewardTypes) != numTypes {
		panic("incentive: datasets.RewardTypes changed length")
	}
}

// typeIndex returns the index of an incentive type in datasets.RewardTypes, or -1.
func typeIndex(name string) int { return slices.Index(datasets.RewardTypes, name) }
