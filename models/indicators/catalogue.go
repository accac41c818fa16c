package indicators

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"slices"

	"go.yaml.in/yaml/v3"
)

//go:embed catalogue.yaml
var catalogueYAML []byte

// Kinds of indicator.
const (
	// Outcome indicators are the growth goal itself (revenue, completion of the target): their
	// effect on growth is not estimated, they keep the article's weight.
	Outcome = "outcome"
	// Driver indicators are root drivers of the driver model: their effect comes from it.
	Driver = "driver"
	// Plain indicators get their effect from a panel regression of growth on their change.
	Plain = "indicator"
)

// Indicator is one entry of the catalogue.
type Indicator struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	NameZh string `yaml:"name_zh" json:"name_zh"`
	// Formula is a feature-panel column or an expression of columns; empty when no table
	// measures the indicator.
	Formula   string  `yaml:"formula" json:"formula"`
	Direction string  `yaml:"direction" json:"direction"` // up or down
	Kind      string  `yaml:"kind" json:"kind"`
	Scale     string  `yaml:"scale" json:"scale"` // log or level
	Unit      string  `yaml:"unit" json:"unit"`
	Step      float64 `yaml:"step" json:"step"`
	// Weight is the article's weight in percent, 0 where it gives none.
	Weight float64 `yaml:"weight" json:"weight,omitempty"`
	// Prior is a driver's prior effect on log revenue per unit (per log unit for log scale).
	Prior float64 `yaml:"prior" json:"prior,omitempty"`
	// Acts is immediate or pipeline, for drivers.
	Acts string `yaml:"acts" json:"acts,omitempty"`
	// Sum is true when the panel column is a total over the period rather than an average.
	Sum   bool   `yaml:"sum" json:"sum,omitempty"`
	Proxy string `yaml:"proxy" json:"proxy,omitempty"`

	expr expr
}

// Sign is +1 for an up indicator and −1 for a down one.
func (ind *Indicator) Sign() float64 {
	if ind.Direction == "down" {
		return -1
	}
	return 1
}

// outcomeColumns are the growth goal itself: an indicator that reads one of them moves with
// revenue by construction, so regressing growth on it measures nothing about its effect.
var outcomeColumns = []string{"revenue", "target", "completion", "growth_qoq", "growth_yoy", "growth_mom"}

// IsOutcome reports whether the indicator is weighed as an outcome: its kind says so, or its
// formula reads revenue, the target or completion (revenue per employee, sales cost ratio).
func (ind *Indicator) IsOutcome() bool {
	if ind.Kind == Outcome {
		return true
	}
	for _, c := range ind.Columns() {
		if slices.Contains(outcomeColumns, c) {
			return true
		}
	}
	return false
}

// Measurable reports whether the indicator has a formula.
func (ind *Indicator) Measurable() bool { return ind.Formula != "" }

// Columns returns the panel columns the formula reads.
func (ind *Indicator) Columns() []string {
	if ind.expr == nil {
		return nil
	}
	var cols []string
	ind.expr.columns(&cols)
	slices.Sort(cols)
	return slices.Compact(cols)
}

// Eval computes the indicator from column values; NaN when a column is NaN or missing, when a
// division is by zero, or when the indicator is not measurable.
func (ind *Indicator) Eval(col func(name string) float64) float64 {
	if ind.expr == nil {
		return math.NaN()
	}
	return ind.expr.eval(col)
}

// Role is a role's entry of the catalogue.
type Role struct {
	Role       string      `yaml:"role" json:"role"`
	Name       string      `yaml:"name" json:"name"`
	NameZh     string      `yaml:"name_zh" json:"name_zh"`
	Indicators []Indicator `yaml:"indicators" json:"indicators"`
}

// Catalogue is the KPI catalogue.
type Catalogue struct {
	Roles []Role `yaml:"roles" json:"roles"`
}

// Role returns the named role's entry.
func (c *Catalogue) Role(name string) (*Role, bool) {
	for i := range c.Roles {
		if c.Roles[i].Role == name {
			return &c.Roles[i], true
		}
	}
	return nil, false
}

// RoleNames lists the catalogue's roles in order.
func (c *Catalogue) RoleNames() []string {
	out := make([]string, len(c.Roles))
	for i, r := range c.Roles {
		out[i] = r.Role
	}
	return out
}

// Drivers returns the catalogue's driver indicators (one per driver column, first entry wins).
func (c *Catalogue) Drivers() []*Indicator {
	var out []*Indicator
	seen := map[string]bool{}
	for i := range c.Roles {
		for j := range c.Roles[i].Indicators {
			ind := &c.Roles[i].Indicators[j]
			if ind.Kind == Driver && !seen[ind.Formula] {
				seen[ind.Formula] = true
				out = append(out, ind)
			}
		}
	}
	return out
}

// RoleOf returns the role whose catalogue lists the driver column.
func (c *Catalogue) RoleOf(driverColumn string) string {
	for _, r := range c.Roles {
		for _, ind := range r.Indicators {
			if ind.Kind == Driver && ind.Formula == driverColumn {
				return r.Role
			}
		}
	}
	return ""
}

// Default returns the embedded catalogue. It panics if the embedded file is invalid, which a
// test rules out.
func Default() *Catalogue {
	c, err := Parse(catalogueYAML)
	if err != nil {
		panic("indicators: embedded catalogue: " + err.Error())
	}
	return c
}

// Parse reads a catalogue in the embedded file's YAML format and validates it.
func Parse(b []byte) (*Catalogue, error) {
	var c Catalogue
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return &c, nil
}

func (c *Catalogue) validate() error {
	if len(c.Roles) == 0 {
		return errors.New("no roles")
	}
	roles := map[string]bool{}
	for ri := range c.Roles {
		r := &c.Roles[ri]
		if r.Role == "" || roles[r.Role] {
			return fmt.Errorf("role %q: empty or given twice", r.Role)
		}
		roles[r.Role] = true
		if len(r.Indicators) == 0 {
			return fmt.Errorf("role %s: no indicators", r.Role)
		}
		ids := map[string]bool{}
		total := 0.0
		for ii := range r.Indicators {
			ind := &r.Indicators[ii]
			where := fmt.Sprintf("role %s indicator %q", r.Role, ind.ID)
			switch {
			case ind.ID == "" || ids[ind.ID]:
				return fmt.Errorf("%s: empty or repeated id", where)
			case ind.Name == "" || ind.NameZh == "":
				return fmt.Errorf("%s: needs name and name_zh", where)
			case ind.Direction != "up" && ind.Direction != "down":
				return fmt.Errorf("%s: direction %q: want up or down", where, ind.Direction)
			case ind.Kind != Outcome && ind.Kind != Driver && ind.Kind != Plain:
				return fmt.Errorf("%s: kind %q: want %s, %s or %s", where, ind.Kind, Outcome, Driver, Plain)
			case ind.Scale != "log" && ind.Scale != "level":
				return fmt.Errorf("%s: scale %q: want log or level", where, ind.Scale)
			case !(ind.Step > 0):
				return fmt.Errorf("%s: step %g: want more than 0", where, ind.Step)
			case ind.Weight < 0 || ind.Weight > 100:
				return fmt.Errorf("%s: weight %g: want 0 to 100", where, ind.Weight)
			}
			ids[ind.ID] = true
			total += ind.Weight
			if ind.Formula != "" {
				e, err := parseExpr(ind.Formula)
				if err != nil {
					return fmt.Errorf("%s: formula %q: %w", where, ind.Formula, err)
				}
				ind.expr = e
			}
			if ind.Kind == Driver {
				if _, ok := ind.expr.(column); !ok {
					return fmt.Errorf("%s: a driver's formula must be one column, got %q", where, ind.Formula)
				}
				if ind.Prior == 0 || math.Signbit(ind.Prior) != (ind.Direction == "down") {
					return fmt.Errorf("%s: prior %g: want a non-zero effect whose sign matches direction %s", where, ind.Prior, ind.Direction)
				}
				if ind.Acts != "immediate" && ind.Acts != "pipeline" {
					return fmt.Errorf("%s: acts %q: want immediate or pipeline", where, ind.Acts)
				}
			}
		}
		if total > 100 {
			return fmt.Errorf("role %s: article weights sum to %g, more than 100", r.Role, total)
		}
	}
	return nil
}
