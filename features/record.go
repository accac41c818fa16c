package features

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
)

// EmployeeRecord is an EmployeeRow in the form an HR system sends it and reads it back: the
// body of POST /v1/recommendations' "employees" and of GET /v1/employees/{id}/features, which
// returns exactly the record the models read for a stored employee, so that posting it back
// gives the same scores and reasons. EmployeeFields documents every field.
//
// Every number is optional: absent or null is unknown, never zero. The models then take the
// value of a typical employee in training (the input's median; where it was ever missing in
// training, with a flag saying it is missing), and the recommendation's notes and reasons say
// which inputs were unknown. A map of counts by incentive type (rewards_24m, chosen_before)
// given without a type counts 0 for it; absent, every count is unknown.
type EmployeeRecord struct {
	EmployeeID string `json:"employee_id"`
	Role       string `json:"role"`
	TeamID     string `json:"team_id"`
	Region     string `json:"region"`
	// AsOf is the date the features describe (YYYY-MM-DD); empty takes the request's.
	AsOf string `json:"as_of,omitempty"`
	// PromotedOn is the date of the last promotion, or of hire (YYYY-MM-DD).
	PromotedOn          string             `json:"promoted_on,omitempty"`
	Level               *float64           `json:"level"`
	TenureYears         *float64           `json:"tenure_years"`
	Age                 *float64           `json:"age,omitempty"`
	Salary              *float64           `json:"salary"`
	SalaryRatio         *float64           `json:"salary_ratio"`
	PerfLast            *float64           `json:"perf_last"`
	PerfTrend           *float64           `json:"perf_trend"`
	KPILast             *float64           `json:"kpi_last"`
	PerfMean            *float64           `json:"perf_mean_24m"`
	KPIMean             *float64           `json:"kpi_mean_24m"`
	PromotionWaitMonths *float64           `json:"promotion_wait_months"`
	MonthsSinceReward   *float64           `json:"months_since_reward"`
	ReimbursementDays   *float64           `json:"reimbursement_days"`
	Rewards24m          map[string]float64 `json:"rewards_24m"`
	ChosenBefore        map[string]float64 `json:"chosen_before"`
	PastDelta           map[string]float64 `json:"performance_delta_by_type"`
	LastIncentive       string             `json:"last_incentive,omitempty"`
	LastIncentiveFit    *float64           `json:"last_incentive_fit"`
}

// EmployeeField documents one field of an EmployeeRecord: what it is, its unit and range, and
// what the models do when it is unknown. The OpenAPI document and docs/hr.md are written
// from this table (a test checks they agree).
type EmployeeField struct {
	Name string
	// Kind is "string", "date", "number" or "counts" (an object of numbers by incentive type).
	Kind     string
	Required bool
	Min, Max float64
	Doc      string
	Unknown  string
	// Protected marks an attribute the models do not read unless the tenant's policy allows
	// it, and that never appears in reasons.
	Protected bool
	num       func(*EmployeeRecord) **float64
	counts    func(*EmployeeRecord) *map[string]float64
}

// EmployeeFields lists the fields of an EmployeeRecord in the order of its JSON.
var EmployeeFields = []EmployeeField{
	{Name: "employee_id", Kind: "string", Required: true, Doc: "the employee's id (1 to 64 characters)"},
	{Name: "role", Kind: "string", Required: true, Doc: "one of " + strings.Join(datasets.Roles, ", ")},
	{Name: "team_id", Kind: "string", Doc: "the team (at most 64 characters)", Unknown: "not used by the models"},
	{Name: "region", Kind: "string", Doc: "the region (at most 64 characters)", Unknown: "not used by the models"},
	{Name: "as_of", Kind: "date", Doc: "the date the features describe", Unknown: "the request's as_of, or the day after the HR data ends"},
	{Name: "promoted_on", Kind: "date", Doc: "the date of the last promotion, or of hire when never promoted; eligibility rules count days from it",
		Unknown: "derived from promotion_wait_months; when both are unknown, incentives whose rules need the time since the last promotion are not offered"},
	{Name: "level", Kind: "number", Min: 1, Max: 20, Doc: "job level", Unknown: "typical level; incentives with a level rule are not offered",
		num: func(r *EmployeeRecord) **float64 { return &r.Level }},
	{Name: "tenure_years", Kind: "number", Min: 0, Max: 80, Doc: "years since hire (days / 365.25)", Unknown: "typical tenure; incentives with a tenure rule are not offered",
		num: func(r *EmployeeRecord) **float64 { return &r.TenureYears }},
	{Name: "age", Kind: "number", Min: 14, Max: 100, Protected: true, Doc: "age in years: a protected attribute, read only when the tenant's policy allows protected inputs",
		Unknown: "typical age, when the policy lets the models read it", num: func(r *EmployeeRecord) **float64 { return &r.Age }},
	{Name: "salary", Kind: "number", Min: 0, Max: 1e9, Doc: "annual base salary, the money values' unit", Unknown: "the role's median salary",
		num: func(r *EmployeeRecord) **float64 { return &r.Salary }},
	{Name: "salary_ratio", Kind: "number", Min: 0, Max: 100, Doc: "salary over the role's median salary", Unknown: "derived from salary; when that is unknown too, typical",
		num: func(r *EmployeeRecord) **float64 { return &r.SalaryRatio }},
	{Name: "perf_last", Kind: "number", Min: -100, Max: 100, Doc: "latest review score", Unknown: "typical, with a flag that no review is known",
		num: func(r *EmployeeRecord) **float64 { return &r.PerfLast }},
	{Name: "perf_trend", Kind: "number", Min: -100, Max: 100, Doc: "latest review score minus the mean of up to three before it", Unknown: "typical",
		num: func(r *EmployeeRecord) **float64 { return &r.PerfTrend }},
	{Name: "kpi_last", Kind: "number", Min: 0, Max: 100, Doc: "latest KPI completion (1 = 100 %)", Unknown: "typical, with a flag",
		num: func(r *EmployeeRecord) **float64 { return &r.KPILast }},
	{Name: "perf_mean_24m", Kind: "number", Min: -100, Max: 100, Doc: "mean review score of the reviews that ended in the last 24 months",
		Unknown: "typical, with a flag; a promotion with a performance floor is not offered", num: func(r *EmployeeRecord) **float64 { return &r.PerfMean }},
	{Name: "kpi_mean_24m", Kind: "number", Min: 0, Max: 100, Doc: "mean KPI completion of the reviews that ended in the last 24 months", Unknown: "typical, with a flag",
		num: func(r *EmployeeRecord) **float64 { return &r.KPIMean }},
	{Name: "promotion_wait_months", Kind: "number", Min: 0, Max: 1200, Doc: "months since promoted_on (days / 30.4375)", Unknown: "derived from promoted_on; when both are unknown, typical",
		num: func(r *EmployeeRecord) **float64 { return &r.PromotionWaitMonths }},
	{Name: "months_since_reward", Kind: "number", Min: 0, Max: 1200, Doc: "months since the last incentive of any type", Unknown: "as for an employee who never had one: typical, with a flag",
		num: func(r *EmployeeRecord) **float64 { return &r.MonthsSinceReward }},
	{Name: "reimbursement_days", Kind: "number", Min: 0, Max: 3650, Doc: "mean days from expense claim to payment over the last six months", Unknown: "typical, with a flag",
		num: func(r *EmployeeRecord) **float64 { return &r.ReimbursementDays }},
	{Name: "rewards_24m", Kind: "counts", Min: 0, Max: 100, Doc: "incentives received in the last 24 months, by type", Unknown: "their total is taken as typical",
		counts: func(r *EmployeeRecord) *map[string]float64 { return &r.Rewards24m }},
	{Name: "chosen_before", Kind: "counts", Min: 0, Max: 1000, Doc: "incentives the employee chose themselves, by type, ever", Unknown: "no preference shown yet",
		counts: func(r *EmployeeRecord) *map[string]float64 { return &r.ChosenBefore }},
	{Name: "performance_delta_by_type", Kind: "counts", Min: -100, Max: 100,
		Doc:     "mean performance_delta of the incentives of each type given at least six months ago (the change measured after them)",
		Unknown: "a type not listed was never given that long ago: typical, with a flag",
		counts:  func(r *EmployeeRecord) *map[string]float64 { return &r.PastDelta }},
	{Name: "last_incentive", Kind: "string", Doc: "type of the latest incentive in the last 12 months",
		Unknown: "none in the last 12 months; given without last_incentive_fit, its fit is estimated from the employee's current preferences"},
	{Name: "last_incentive_fit", Kind: "number", Min: 0, Max: 1, Doc: "how the latest incentive in the last 12 months ranked among the employee's preferences then (its probability over the favourite's)",
		Unknown: "from last_incentive when given; otherwise as for no incentive in the last 12 months",
		num:     func(r *EmployeeRecord) **float64 { return &r.LastIncentiveFit }},
}

// FieldError is an invalid field of a record; Field is its JSON name (rewards_24m.bonus for a
// key of a map).
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// RecordOf returns the record of a row. Protected attributes are left out unless withProtected:
// a record says what the models read.
func RecordOf(row *EmployeeRow, withProtected bool) EmployeeRecord {
	rec := EmployeeRecord{EmployeeID: row.EmployeeID, Role: row.Role, TeamID: row.TeamID, Region: row.Region,
		LastIncentive: row.LastIncentive}
	if !row.AsOf.IsZero() {
		rec.AsOf = datasets.FormatDate(row.AsOf)
	}
	if !row.PromotedOn.IsZero() {
		rec.PromotedOn = datasets.FormatDate(row.PromotedOn)
	}
	for i := range EmployeeFields {
		f := &EmployeeFields[i]
		switch {
		case f.Protected && !withProtected:
		case f.num != nil:
			if v := *rowNumber(row, f.Name); !math.IsNaN(v) {
				*f.num(&rec) = &v
			}
		case f.counts != nil:
			arr := rowCounts(row, f.Name)
			m := map[string]float64{}
			for k, t := range datasets.RewardTypes {
				if !math.IsNaN(arr[k]) {
					m[t] = arr[k]
				}
			}
			*f.counts(&rec) = m
		}
	}
	return rec
}

// Row checks the record and returns its row, as of asOf when the record gives no date. Errors
// are *FieldError. Unknown numbers are NaN; a counts map that is absent makes every count NaN;
// promoted_on and promotion_wait_months are derived from each other when one is missing, and
// salary_ratio from salary when medianSalary (the role's median on the date) is above 0.
// Protected attributes are dropped unless withProtected.
func (r *EmployeeRecord) Row(asOf time.Time, withProtected bool, medianSalary func(role string, asOf time.Time) (float64, bool)) (EmployeeRow, error) {
	nan := math.NaN()
	row := EmployeeRow{EmployeeID: r.EmployeeID, Role: r.Role, TeamID: r.TeamID, Region: r.Region, Active: true, AsOf: asOf,
		LastIncentive: r.LastIncentive}
	if r.EmployeeID == "" || len(r.EmployeeID) > 64 {
		return row, fieldErr("employee_id", "required, at most 64 characters")
	}
	if !slices.Contains(datasets.Roles, r.Role) {
		return row, fieldErr("role", "%q: want one of %s", clip.String(r.Role, 32), strings.Join(datasets.Roles, ", "))
	}
	if len(r.TeamID) > 64 {
		return row, fieldErr("team_id", "at most 64 characters")
	}
	if len(r.Region) > 64 {
		return row, fieldErr("region", "at most 64 characters")
	}
	date := func(name, s string) (time.Time, error) {
		t, err := datasets.ParseDate(s)
		if err != nil || t.Year() < 1900 {
			return t, fieldErr(name, "%q: want a date YYYY-MM-DD from 1900 on", clip.String(s, 32))
		}
		return t, nil
	}
	if r.AsOf != "" {
		t, err := date("as_of", r.AsOf)
		if err != nil {
			return row, err
		}
		row.AsOf = t
	}
	if row.AsOf.IsZero() {
		return row, fieldErr("as_of", "required: the record has no date and the request gives none")
	}
	if r.PromotedOn != "" {
		t, err := date("promoted_on", r.PromotedOn)
		if err != nil {
			return row, err
		}
		if t.After(row.AsOf) {
			return row, fieldErr("promoted_on", "%s is after as_of %s", r.PromotedOn, datasets.FormatDate(row.AsOf))
		}
		row.PromotedOn = t
	}
	if r.LastIncentive != "" && !slices.Contains(datasets.RewardTypes, r.LastIncentive) {
		return row, fieldErr("last_incentive", "%q: want one of %s", clip.String(r.LastIncentive, 32), strings.Join(datasets.RewardTypes, ", "))
	}
	for i := range EmployeeFields {
		f := &EmployeeFields[i]
		switch {
		case f.num != nil:
			dst := rowNumber(&row, f.Name)
			*dst = nan
			p := *f.num(r)
			if p == nil {
				continue
			}
			if !(*p >= f.Min && *p <= f.Max) {
				return row, fieldErr(f.Name, "%g is out of range [%g, %g]", *p, f.Min, f.Max)
			}
			if !f.Protected || withProtected {
				*dst = *p
			}
		case f.counts != nil:
			dst := rowCounts(&row, f.Name)
			m := *f.counts(r)
			fill := nan
			if m != nil && f.Name != "performance_delta_by_type" {
				fill = 0
			}
			for k := range dst {
				dst[k] = fill
			}
			for _, t := range slices.Sorted(maps.Keys(m)) {
				k := slices.Index(datasets.RewardTypes, t)
				if k < 0 {
					return row, fieldErr(f.Name+"."+clip.String(t, 32), "not an incentive type: want %s", strings.Join(datasets.RewardTypes, ", "))
				}
				if v := m[t]; !(v >= f.Min && v <= f.Max) {
					return row, fieldErr(f.Name+"."+t, "%g is out of range [%g, %g]", v, f.Min, f.Max)
				}
				dst[k] = m[t]
			}
		}
	}
	switch {
	case !row.PromotedOn.IsZero() && math.IsNaN(row.PromotionWaitMonths):
		row.PromotionWaitMonths = months(row.AsOf.Sub(row.PromotedOn))
	case row.PromotedOn.IsZero() && !math.IsNaN(row.PromotionWaitMonths):
		row.PromotedOn = row.AsOf.AddDate(0, 0, -int(math.Round(row.PromotionWaitMonths*30.4375)))
	}
	if math.IsNaN(row.SalaryRatio) && row.Salary > 0 && medianSalary != nil {
		if med, ok := medianSalary(row.Role, row.AsOf); ok && med > 0 {
			row.SalaryRatio = row.Salary / med
		}
	}
	return row, nil
}

// rowNumber returns the row's field of a numeric record field.
func rowNumber(row *EmployeeRow, name string) *float64 {
	switch name {
	case "level":
		return &row.Level
	case "tenure_years":
		return &row.TenureYears
	case "age":
		return &row.Age
	case "salary":
		return &row.Salary
	case "salary_ratio":
		return &row.SalaryRatio
	case "perf_last":
		return &row.PerfLast
	case "perf_trend":
		return &row.PerfTrend
	case "kpi_last":
		return &row.KPILast
	case "perf_mean_24m":
		return &row.PerfMean
	case "kpi_mean_24m":
		return &row.KPIMean
	case "promotion_wait_months":
		return &row.PromotionWaitMonths
	case "months_since_reward":
		return &row.MonthsSinceReward
	case "reimbursement_days":
		return &row.ReimbursementDays
	case "last_incentive_fit":
		return &row.LastIncentiveFit
	}
	panic("features: no row field for " + name)
}

// rowCounts returns the row's array of a counts record field.
func rowCounts(row *EmployeeRow, name string) *[7]float64 {
	switch name {
	case "rewards_24m":
		return &row.Rewards24m
	case "chosen_before":
		return &row.ChosenBefore
	case "performance_delta_by_type":
		return &row.PastDelta
	}
	panic("features: no row field for " + name)
}
