package indicators

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/clip"
)

// A tenant's own catalogue adds roles and indicators beside the built-in one (Extend): a
// role the built-in catalogue lacks (a janitor) with its indicators, or more indicators for a
// built-in role. Its indicators are measured like the built-in ones, by a formula over the
// feature panel's columns, so suggestions, the cascade and scorecards use them unchanged.
// Drivers are the company model's own: a custom indicator is a plain indicator or an outcome.

// FieldError is a custom catalogue that cannot be accepted, naming the field at fault by its
// path ("roles[0].indicators[1].formula").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// FieldErrorf makes a *FieldError for field, its message formatted like fmt.Sprintf. The
// goals and the forecast adjustments use it too, so one check at the API edge serves all.
func FieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

var fieldErr = FieldErrorf

// ParseCustom reads a tenant's catalogue additions (YAML, or JSON, which YAML includes) in
// the embedded catalogue's format, checks every field against the base catalogue (nil: the
// built-in one) and returns the additions with defaults filled in. Errors are *FieldError.
//
// Each role needs role (a lower-case name, datasets.IsRoleName) and, when the base lacks it,
// name; each indicator needs id (unique in its role), name, formula (an expression over the
// panel's columns, features.Columns), direction (up or down) and unit. kind defaults to
// indicator (outcome is allowed, driver is not), scale to level, step to 0.01 for a share
// unit, 0.1 for a log scale and 1 otherwise; name_zh to name. A role's weights, its base
// indicators' with its added ones, sum to at most 100.
func ParseCustom(b []byte, base *Catalogue) (*Catalogue, error) {
	if base == nil {
		base = Default()
	}
	var c Catalogue
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &FieldError{Field: "body", Msg: "not a catalogue: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if err := c.checkCustom(base); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Catalogue) checkCustom(base *Catalogue) error {
	if len(c.Roles) == 0 {
		return fieldErr("roles", "give at least one role")
	}
	cols := features.Columns()
	roles := map[string]bool{}
	for ri := range c.Roles {
		r := &c.Roles[ri]
		at := fmt.Sprintf("roles[%d]", ri)
		b, inBase := base.Role(r.Role)
		typo := ""
		if !inBase {
			typo = datasets.RoleTypo(r.Role)
		}
		switch {
		case !datasets.IsRoleName(r.Role):
			return fieldErr(at+".role", "%q: want a lower-case name of letters, digits and _ (1 to 32), such as janitor", clip.String(r.Role, 40))
		case typo != "":
			return fieldErr(at+".role", "%q is one letter away from a built-in role: did you mean %q?", r.Role, typo)
		case roles[r.Role]:
			return fieldErr(at+".role", "%s is given twice", r.Role)
		case !inBase && r.Name == "":
			return fieldErr(at+".name", "required for a new role: its name as a person reads it")
		case len(r.Indicators) == 0:
			return fieldErr(at+".indicators", "give at least one indicator")
		}
		roles[r.Role] = true
		if r.NameZh == "" {
			r.NameZh = r.Name
		}
		ids := map[string]bool{}
		total := 0.0
		if inBase {
			for _, ind := range b.Indicators {
				ids[ind.ID] = true
				total += ind.Weight
			}
		}
		for ii := range r.Indicators {
			ind := &r.Indicators[ii]
			at := fmt.Sprintf("%s.indicators[%d]", at, ii)
			if err := ind.checkCustom(at, ids, cols); err != nil {
				return err
			}
			ids[ind.ID] = true
			total += ind.Weight
		}
		if total > 100 {
			return fieldErr(at+".indicators", "the role's weights sum to %g %%, more than 100", total)
		}
	}
	return nil
}

func (ind *Indicator) checkCustom(at string, ids map[string]bool, cols []string) error {
	if ind.Kind == "" {
		ind.Kind = Plain
	}
	if ind.Scale == "" {
		ind.Scale = "level"
	}
	switch {
	case !datasets.IsRoleName(ind.ID):
		return fieldErr(at+".id", "%q: want a lower-case name of letters, digits and _ (1 to 32)", clip.String(ind.ID, 40))
	case ids[ind.ID]:
		return fieldErr(at+".id", "%s is already an indicator of the role", ind.ID)
	case ind.Name == "":
		return fieldErr(at+".name", "required: the indicator's name as a person reads it")
	case ind.Formula == "":
		return fieldErr(at+".formula", "required: an expression over the panel's columns, such as 1 - employee_attrition")
	case ind.Direction != "up" && ind.Direction != "down":
		return fieldErr(at+".direction", "%q: want up (more is better) or down (less is better)", clip.String(ind.Direction, 40))
	case ind.Kind == Driver:
		return fieldErr(at+".kind", "driver: the drivers are the company model's own; want indicator or outcome")
	case ind.Kind != Plain && ind.Kind != Outcome:
		return fieldErr(at+".kind", "%q: want indicator or outcome", clip.String(ind.Kind, 40))
	case ind.Scale != "log" && ind.Scale != "level":
		return fieldErr(at+".scale", "%q: want log (moves are ratios: counts, money) or level (days, rates)", clip.String(ind.Scale, 40))
	case ind.Unit == "":
		return fieldErr(at+".unit", "required: what the indicator is counted in (hours, share of tickets, currency …)")
	case ind.Step < 0:
		return fieldErr(at+".step", "%g: want more than 0", ind.Step)
	case ind.Weight < 0 || ind.Weight > 100:
		return fieldErr(at+".weight", "%g: want 0 to 100", ind.Weight)
	case ind.Prior != 0 || ind.Acts != "":
		return fieldErr(at+".prior", "prior and acts are for drivers, which are the company model's own")
	}
	e, err := parseExpr(ind.Formula)
	if err != nil {
		return fieldErr(at+".formula", "%q: %v", clip.String(ind.Formula, 40), err)
	}
	var used []string
	e.columns(&used)
	for _, col := range used {
		if !slices.Contains(cols, col) {
			return fieldErr(at+".formula", "%q is not a panel column: want an expression over %s", clip.String(col, 40), strings.Join(cols, ", "))
		}
	}
	if ind.Step == 0 {
		switch {
		case strings.HasPrefix(ind.Unit, "share"):
			ind.Step = 0.01
		case ind.Scale == "log":
			ind.Step = 0.1
		default:
			ind.Step = 1
		}
	}
	if ind.NameZh == "" {
		ind.NameZh = ind.Name
	}
	return nil
}

// Extend returns base with a tenant's additions (ParseCustom's answer): a role base lacks is
// appended; a role it has gets the additions' indicators after its own. base is not changed.
// The result is validated as a whole catalogue.
func Extend(base, extra *Catalogue) (*Catalogue, error) {
	if base == nil {
		base = Default()
	}
	out := &Catalogue{Roles: make([]Role, len(base.Roles))}
	for i, r := range base.Roles {
		r.Indicators = slices.Clone(r.Indicators)
		out.Roles[i] = r
	}
	if extra != nil {
		for _, r := range extra.Roles {
			if b, ok := out.Role(r.Role); ok {
				b.Indicators = append(b.Indicators, r.Indicators...)
				continue
			}
			r.Indicators = slices.Clone(r.Indicators)
			out.Roles = append(out.Roles, r)
		}
	}
	if err := out.validate(); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return out, nil
}

// IsCustom reports whether the role, or the indicator id of it, comes from the additions.
func IsCustom(extra *Catalogue, role, id string) bool {
	if extra == nil {
		return false
	}
	r, ok := extra.Role(role)
	if !ok {
		return false
	}
	return id == "" || slices.ContainsFunc(r.Indicators, func(ind Indicator) bool { return ind.ID == id })
}
