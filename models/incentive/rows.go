package incentive

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/growthlens/growthlens/features"
)

// RecommendRows ranks the eligible incentives of employees described by their features
// rather than by id — for a system that keeps its own employee records, or for employees the
// dataset does not hold yet — exactly as Recommend ranks and explains them: given the rows
// Features returns (or their features.EmployeeRecord, read back with EmployeeRecord.Row), it
// gives Recommend's answer to the byte.
//
// Each row is read as of its AsOf; a zero AsOf takes opt.AsOf, resolved and checked as in
// Recommend. Unknown values are NaN, as features.Staff.At leaves them, and are taken as
// typical and named in Recommendation.Unknown and in the reasons. Two fields are derived when
// missing: SalaryRatio from Salary and the role's median salary in the recommender's data on
// the as-of date, and PromotedOn from PromotionWaitMonths; when both PromotedOn and
// PromotionWaitMonths are unknown, rules that need the time since the last promotion do not
// allow the incentive, and a note says so. A row with a LastIncentive type but no
// LastIncentiveFit gets the fit of that type under its current preferences, the best a record
// without history allows. An unknown type is an error. ctx stops the scoring as in Recommend.
func (r *Recommender) RecommendRows(ctx context.Context, rows []features.EmployeeRow, opt Options) ([]Recommendation, error) {
	top := opt.Top
	if top == 0 {
		top = 3
	}
	if top < 0 {
		return nil, fmt.Errorf("top: %d, want at least 1", top)
	}
	rows = append([]features.EmployeeRow(nil), rows...)
	noWait := make([]bool, len(rows))
	var def time.Time
	var (
		lrows []features.EmployeeRow
		lel   [][numTypes]bool
		who   []int
		kind  []int
	)
	for i := range rows {
		row := &rows[i]
		if row.AsOf.IsZero() {
			if def.IsZero() {
				var err error
				if def, err = r.asOf(opt.AsOf); err != nil {
					return nil, err
				}
			}
			row.AsOf = def
		}
		row.Active = true
		if math.IsNaN(row.SalaryRatio) && row.Salary > 0 {
			if med, ok := r.staff.RoleMedianSalary(row.Role, row.AsOf); ok {
				row.SalaryRatio = row.Salary / med
			}
		}
		if row.PromotedOn.IsZero() {
			if w := row.PromotionWaitMonths; !math.IsNaN(w) && w >= 0 {
				row.PromotedOn = row.AsOf.AddDate(0, 0, -int(math.Round(w*30.4375)))
			} else {
				noWait[i] = true
			}
		}
		if row.LastIncentive != "" && math.IsNaN(row.LastIncentiveFit) {
			k := typeIndex(row.LastIncentive)
			if k < 0 {
				return nil, fmt.Errorf("row %d: last incentive type %q is not an incentive type", i, row.LastIncentive)
			}
			e := r.cfg.Eligible(row)
			e[k] = true
			lrows, lel, who, kind = append(lrows, *row), append(lel, e), append(who, i), append(kind, k)
		}
	}
	if len(lrows) > 0 {
		p, err := r.preferences(lrows, lel)
		if err != nil {
			return nil, err
		}
		for j, i := range who {
			rows[i].LastIncentiveFit = fitOf(&p[j], kind[j])
		}
	}
	out := make([]Recommendation, len(rows))
	err := inChunks(ctx, len(rows), opt.Workers, func(lo, hi int) error {
		return r.rank(rows[lo:hi], top, out[lo:hi])
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if noWait[i] {
			out[i].Notes = append(out[i].Notes, "time since the last promotion not given: incentives that need a wait since the last promotion are not offered")
		}
	}
	return out, nil
}

// MedianSalary returns the median salary of the role's employees on staff at the start of
// asOf's month in the recommender's data (what a salary ratio divides by), and false when
// there is none.
func (r *Recommender) MedianSalary(role string, asOf time.Time) (float64, bool) {
	return r.staff.RoleMedianSalary(role, asOf)
}

// unknownInputs lists the inputs the models read that are unknown for row (NaN), and were
// taken as typical. Inputs whose NaN means "none" (no incentive yet, no choice yet) are not
// unknowns.
func (r *Recommender) unknownInputs(row *features.EmployeeRow) []string {
	var out []string
	for _, name := range unknownable {
		if !r.reads(name) {
			continue
		}
		if v := employeeInputs[name](row); math.IsNaN(v) {
			out = append(out, name)
		}
	}
	return out
}

// unknownable are the inputs whose NaN means the value is not known, in the order reasons
// name them.
var unknownable = []string{"level", "tenure_years", "salary_ratio", "perf_mean_24m", "perf_last", "kpi_last",
	"promotion_wait_months", "rewards_24m", "age"}

// reads reports whether either model reads the input.
func (r *Recommender) reads(name string) bool {
	for _, in := range [][]string{r.prefInputs(), r.riskInputs()} {
		for _, x := range in {
			if x == name {
				return true
			}
		}
	}
	return false
}

func (r *Recommender) prefInputs() []string {
	if r.choice != nil {
		return r.choice.Scale.Inputs
	}
	return nil
}

func (r *Recommender) riskInputs() []string {
	if r.risk != nil {
		return r.risk.Scale.Inputs
	}
	return nil
}
