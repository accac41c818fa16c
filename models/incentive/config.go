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
	"strings"

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
	// MinDaysSincePromotion is the least number of days since the last promotion or, for
	// someone never promoted, since hire: 365 means a hire of 2025-10-22 may be promoted from
	// 2026-10-22 on, not in October 2026's first days.
	MinDaysSincePromotion int `yaml:"min_days_since_promotion,omitempty" json:"min_days_since_promotion,omitempty"`
	// MinMonthsSincePromotion is the same counted in months to the same day of the month: 12
	// months after 2025-10-22 is 2026-10-22 (and after 2025-01-31, 2026-01-31).
	MinMonthsSincePromotion int `yaml:"min_months_since_promotion,omitempty" json:"min_months_since_promotion,omitempty"`
	// MinTenureDays is the least number of days since hire (tenure_years × 365.25, rounded).
	MinTenureDays int `yaml:"min_tenure_days,omitempty" json:"min_tenure_days,omitempty"`
	// MinPerfMean24m, when set, is the least mean review score of the last 24 months (the
	// reviews table's scale); an employee whose score is unknown does not qualify.
	MinPerfMean24m *float64 `yaml:"min_perf_mean_24m,omitempty" json:"min_perf_mean_24m,omitempty"`
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
	// CostWeight scales the cost subtracted from the benefit. The default, 1, ranks each
	// employee's incentives by expected value net of cost, and recommends none whose value is
	// not above 0; 0 ranks by benefit alone and leaves money to the budget (Allocate).
	CostWeight float64 `yaml:"cost_weight" json:"cost_weight"`
	// RaiseYears is how many years of a promotion's raise count as its cost (default 1): the
	// raise recurs, unlike a bonus.
	RaiseYears float64 `yaml:"raise_years" json:"raise_years"`
}

// Config is a tenant's incentive policy: who may receive each incentive, what it costs when
// the history does not say, the money values the objective weighs, the budget per type, and
// whether protected attributes may be model inputs.
//
// The objective: for each employee, the eligible incentive with the largest expected value
// (Values: retention value + performance value − cost), among those whose predicted 12-month
// leaving risk is not above the risk with no incentive — unless it is the only eligible one,
// which the reasons then say. An option whose value is not above 0, or that raises the risk
// beside other options, is listed but not recommended (Option.Recommended, Option.Flags).
type Config struct {
	// Incentives maps every incentive type that may be offered to its eligibility rule. Types
	// not in the map are never offered.
	Incentives map[string]Rule `yaml:"incentives" json:"incentives"`
	// Costs overrides, per type, the cost learned from reward history. It is needed for a type
	// whose history records no value (the synthetic company records none for flexible_time,
	// whose cost is then 0).
	Costs map[string]Cost `yaml:"costs,omitempty" json:"costs,omitempty"`
	Value Values          `yaml:"value" json:"value"`
	// Budget caps, per type, what an allocation spends on it (money); a type not listed is
	// capped only by the allocation's total budget.
	Budget map[string]float64 `yaml:"budget,omitempty" json:"budget,omitempty"`
	// ProtectedInputs lets the models read protected attributes (age); by default they do
	// not, and reasons never name them whatever this says.
	ProtectedInputs bool `yaml:"protected_inputs,omitempty" json:"protected_inputs,omitempty"`
}

// DefaultPromotionFloor is the default policy's least two-year mean review score for a
// promotion: 3.0, "meets expectations" on the 1–5 scale of the synthetic company's reviews.
const DefaultPromotionFloor = 3.0

// DefaultConfig returns the default policy: commission for sales only, equity from level 3,
// a promotion below level 8 at least 365 days after the last one or hire and with a two-year
// mean review score of at least DefaultPromotionFloor, everything else for everyone; the money
// values documented on Values; no budget per type; no protected inputs.
func DefaultConfig() Config {
	floor := DefaultPromotionFloor
	return Config{
		Incentives: map[string]Rule{
			"cash_bonus":    {},
			"commission":    {Roles: []string{"sales"}},
			"promotion":     {MaxLevel: 7, MinDaysSincePromotion: 365, MinPerfMean24m: &floor},
			"training":      {},
			"recognition":   {},
			"equity":        {MinLevel: 3},
			"flexible_time": {},
		},
		Value: Values{Retention: 1, Performance: 1, PerformanceMonths: 6, CostWeight: 1, RaiseYears: 1},
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
		Incentives      map[string]Rule    `yaml:"incentives"`
		Costs           map[string]Cost    `yaml:"costs"`
		Value           *Values            `yaml:"value"`
		Budget          map[string]float64 `yaml:"budget"`
		ProtectedInputs *bool              `yaml:"protected_inputs"`
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
	if file.Budget != nil {
		c.Budget = file.Budget
	}
	if file.ProtectedInputs != nil {
		c.ProtectedInputs = *file.ProtectedInputs
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
		case r.MinDaysSincePromotion < 0:
			return fmt.Errorf("%s.min_days_since_promotion: %d is negative", field, r.MinDaysSincePromotion)
		case r.MinTenureDays < 0:
			return fmt.Errorf("%s.min_tenure_days: %d is negative", field, r.MinTenureDays)
		case r.MinPerfMean24m != nil && (math.IsNaN(*r.MinPerfMean24m) || math.IsInf(*r.MinPerfMean24m, 0)):
			return fmt.Errorf("%s.min_perf_mean_24m: %v, want a number", field, *r.MinPerfMean24m)
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
	for _, k := range sortedKeys(c.Budget) {
		if !slices.Contains(datasets.RewardTypes, k) {
			return fmt.Errorf("budget.%s: unknown incentive type (want one of %v)", k, datasets.RewardTypes)
		}
		if !finiteNonNeg(c.Budget[k]) {
			return fmt.Errorf("budget.%s: %v, want an amount ≥ 0", k, c.Budget[k])
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
		out[k] = ok && r.refusal(row) == ""
	}
	return out
}

// Refusals says, per type the config offers, why the rules do not allow it for the employee
// ("" when they do, and for types the config does not offer).
func (c *Config) Refusals(row *features.EmployeeRow) [numTypes]string {
	var out [numTypes]string
	for k, name := range datasets.RewardTypes {
		if r, ok := c.Incentives[name]; ok {
			out[k] = r.refusal(row)
		}
	}
	return out
}

// refusal returns why the rule does not allow the incentive for row, or "".
func (r *Rule) refusal(row *features.EmployeeRow) string {
	if len(r.Roles) > 0 && !slices.Contains(r.Roles, row.Role) {
		return "for " + strings.Join(r.Roles, ", ") + " only"
	}
	if r.MinLevel > 0 || r.MaxLevel > 0 {
		switch {
		case math.IsNaN(row.Level):
			return "the level is not known"
		case r.MinLevel > 0 && row.Level < float64(r.MinLevel):
			return fmt.Sprintf("from level %d", r.MinLevel)
		case r.MaxLevel > 0 && row.Level > float64(r.MaxLevel):
			return fmt.Sprintf("up to level %d", r.MaxLevel)
		}
	}
	if r.MinTenureDays > 0 {
		if math.IsNaN(row.TenureYears) {
			return "the time since hire is not known"
		}
		if d := int(math.Round(row.TenureYears * 365.25)); d < r.MinTenureDays {
			return fmt.Sprintf("%d days since hire, the policy asks %d", d, r.MinTenureDays)
		}
	}
	if r.MinDaysSincePromotion > 0 || r.MinMonthsSincePromotion > 0 {
		if row.PromotedOn.IsZero() {
			return "the time since the last promotion is not known"
		}
		d := int(math.Round(row.AsOf.Sub(row.PromotedOn).Hours() / 24))
		if d < r.MinDaysSincePromotion {
			return fmt.Sprintf("%d days since the last promotion or hire, the policy asks %d", d, r.MinDaysSincePromotion)
		}
		if m := r.MinMonthsSincePromotion; m > 0 && row.PromotedOn.AddDate(0, m, 0).After(row.AsOf) {
			return fmt.Sprintf("%d days since the last promotion or hire, the policy asks %d months (from %s)", d, m, datasets.FormatDate(row.PromotedOn.AddDate(0, m, 0)))
		}
	}
	if r.MinPerfMean24m != nil {
		if math.IsNaN(row.PerfMean) {
			return "no review in the last two years"
		}
		if row.PerfMean < *r.MinPerfMean24m {
			return fmt.Sprintf("two-year mean review score %.1f, the policy asks %.1f", row.PerfMean, *r.MinPerfMean24m)
		}
	}
	return ""
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
