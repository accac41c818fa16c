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
// dataset does not hold yet — exactly as Recommend ranks and explains them.
//
// Each row is read as of its AsOf; a zero AsOf takes opt.AsOf, resolved and checked as in
// Recommend. Unknown values are NaN, as features.Staff.At leaves them, and are filled and
// noted the same way. Two fields are derived when missing: SalaryRatio from Salary and the
// role's median salary in the recommender's data on the as-of date, and PromotedOn from
// PromotionWaitMonths; when both PromotedOn and PromotionWaitMonths are unknown, rules that
// need the time since the last promotion do not allow the incentive, and a note says so.
//
// lastTypes, when not nil, holds per row the type of the incentive the employee last received
// in the 12 months before ("" for none). The attrition model takes that incentive's fit as an
// input; Recommend computes it from the preferences when it was given, RecommendRows from the
// row's current preferences, which is the best a record without history allows. An unknown
// type is an error. ctx stops the scoring as in Recommend.
func (r *Recommender) RecommendRows(ctx context.Context, rows []features.EmployeeRow, lastTypes []string, opt Options) ([]Recommendation, error) {
	if lastTypes != nil && len(lastTypes) != len(rows) {
		return nil, fmt.Errorf("last incentive types: %d for %d rows", len(lastTypes), len(rows))
	}
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
				row.PromotedOn = row.AsOf.AddDate(0, -int(math.Round(w)), 0)
			} else {
				row.PromotedOn, noWait[i] = row.AsOf, true
			}
		}
	}
	last := make([]float64, len(rows))
	for i := range last {
		last[i] = math.NaN()
	}
	if lastTypes != nil {
		var (
			lrows []features.EmployeeRow
			lel   [][numTypes]bool
			who   []int
			kind  []int
		)
		for i, t := range lastTypes {
			if t == "" {
				continue
			}
			k := typeIndex(t)
			if k < 0 {
				return nil, fmt.Errorf("row %d: last incentive type %q is not an incentive type", i, t)
			}
			e := r.cfg.Eligible(&rows[i])
			e[k] = true
			lrows, lel, who, kind = append(lrows, rows[i]), append(lel, e), append(who, i), append(kind, k)
		}
		if len(lrows) > 0 {
			p, err := r.preferences(lrows, lel)
			if err != nil {
				return nil, err
			}
			for j, i := range who {
				last[i] = fitOf(&p[j], kind[j])
			}
		}
	}
	out := make([]Recommendation, len(rows))
	err := inChunks(ctx, len(rows), opt.Workers, func(lo, hi int) error {
		return r.rank(rows[lo:hi], last[lo:hi], top, out[lo:hi])
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
