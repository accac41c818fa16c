package incentive

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// Column names the models read besides the employee features (features.EmployeeColumns).
const (
	// colEligible + type is 1 when the type is eligible for the row (preference model).
	colEligible = "eligible_"
	// colLastFit is the fit of the latest incentive given in the 12 months before the row's
	// date (attrition model); missing when there was none. Fit is the employee's estimated
	// preference for the incentive given over their preference for the best eligible one.
	colLastFit = "last_incentive_fit"
	// colPastDelta + type is the employee's mean performance_delta of past incentives of the
	// type (features.EmployeeRow.PastDelta); colChosenShare + type the share of the type among
	// the incentives they chose (ChosenBefore).
	colPastDelta   = "performance_delta_"
	colChosenShare = "chosen_share_"
)

// PreferenceSet is the training set of the preference model: one row per reward the
// employee chose (rewards.chosen = true), with the employee's features as of the reward date
// (events strictly before it) and the incentive types eligible on that date.
type PreferenceSet struct {
	Rows     []features.EmployeeRow
	Eligible [][numTypes]bool
	Labels   []string // the type chosen
	// OutsideRules counts chosen rewards whose type the config's rules would not have allowed
	// on that date (kept: the data say it happened).
	OutsideRules int
}

// BuildPreferenceSet collects the chosen rewards of every employee in staff. Rewards of
// unknown types are skipped (Load already rejects them).
func BuildPreferenceSet(staff *features.Staff, cfg *Config) (*PreferenceSet, error) {
	s := &PreferenceSet{}
	for _, id := range staff.IDs() {
		for _, rw := range staff.Rewards(id) {
			if !rw.Chosen.Valid || !rw.Chosen.V {
				continue
			}
			k := typeIndex(rw.Type)
			if k < 0 {
				continue
			}
			row, err := staff.At(id, rw.Date)
			if err != nil {
				return nil, err
			}
			el := cfg.Eligible(&row)
			if !el[k] {
				s.OutsideRules++
			}
			s.Rows = append(s.Rows, row)
			s.Eligible = append(s.Eligible, el)
			s.Labels = append(s.Labels, rw.Type)
		}
	}
	if len(s.Rows) == 0 {
		return nil, dataError{errors.New("preference: no reward with chosen=true: the data say nothing about what employees prefer")}
	}
	return s, nil
}

// Table returns the features of the set as a classify table.
func (s *PreferenceSet) Table() *classify.Table {
	return preferenceTable(s.Rows, s.Eligible)
}

// AttritionSet is the training set of the attrition model, labelled by whether the employee
// left within the next 12 months (only snapshots whose 12 months are observed are kept):
//
//   - periodic snapshots of everyone on staff every SnapshotMonths, which teach the risk of
//     employees as they are;
//   - a snapshot just after every incentive, the employee's features with the incentive
//     applied (as Recommender.apply would apply it) and its fit, which teach what follows an
//     incentive that fits well or badly: the question a recommendation asks.
type AttritionSet struct {
	// Rows carry the latest incentive's fit in LastIncentiveFit (NaN when none).
	Rows []features.EmployeeRow
	Left []bool
	// AfterReward counts the rows that are snapshots just after an incentive.
	AfterReward int
	// From and Until are the first and last periodic snapshot dates.
	From, Until time.Time
}

// observedSpan returns the first and last dates the HR tables (rewards, reviews, employees'
// exits) say anything about: the window in which an exit or a reward would have been recorded.
func observedSpan(ds *datasets.Dataset) (first, last time.Time) {
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	for i := range ds.Rewards {
		see(ds.Rewards[i].Date)
	}
	for i := range ds.Reviews {
		see(ds.Reviews[i].Period.Start())
		see(ds.Reviews[i].Period.End().AddDate(0, 0, -1))
	}
	for i := range ds.Employees {
		see(ds.Employees[i].ExitDate)
	}
	return first, last
}

// BuildAttritionSet takes a snapshot of every employee on staff on the first day of every
// snapshotMonths-th month, from six months after the HR history starts (so that features
// have history behind them) to twelve months before it ends, and one just after every reward
// dated in that window. fit gives the fit of a past reward (see colLastFit; nil leaves the
// column missing); after turns the features as of a reward's date (events before it) into the
// features just after it (nil leaves out the snapshots after rewards).
func BuildAttritionSet(ds *datasets.Dataset, staff *features.Staff, snapshotMonths int, fit func(*datasets.Reward) float64,
	after func(row features.EmployeeRow, rw *datasets.Reward, fit float64) features.EmployeeRow) (*AttritionSet, error) {
	if snapshotMonths < 1 {
		return nil, fmt.Errorf("attrition: snapshot interval %d months, want at least 1", snapshotMonths)
	}
	first, last := observedSpan(ds)
	if first.IsZero() {
		return nil, dataError{errors.New("attrition: no rewards, reviews or exits: nothing tells when the HR history starts")}
	}
	s := &AttritionSet{}
	// observed reports whether 12 months after at are covered by the history.
	observed := func(at time.Time) bool { return !at.AddDate(1, 0, 0).After(last.AddDate(0, 0, 1)) }
	leaves := func(id string, at time.Time) bool {
		e, _ := staff.Employee(id)
		return !e.ExitDate.IsZero() && e.ExitDate.Before(at.AddDate(1, 0, 0))
	}
	start := datasets.MonthOf(first.AddDate(0, 6, 0)).Add(1)
	for m := start; observed(m.Start()); m = m.Add(snapshotMonths) {
		at := m.Start()
		for _, id := range staff.OnStaff(at) {
			row, err := staff.At(id, at)
			if err != nil {
				return nil, err
			}
			if rw := latestReward(staff.Rewards(id), at); rw != nil {
				row.LastIncentive = rw.Type
				if fit != nil {
					row.LastIncentiveFit = fit(rw)
				}
			}
			s.Rows = append(s.Rows, row)
			s.Left = append(s.Left, leaves(id, at))
		}
		if s.From.IsZero() {
			s.From = at
		}
		s.Until = at
	}
	if after != nil && !s.From.IsZero() {
		for _, id := range staff.IDs() {
			for _, rw := range staff.Rewards(id) {
				if rw.Date.Before(s.From) || !observed(rw.Date) || typeIndex(rw.Type) < 0 {
					continue
				}
				row, err := staff.At(id, rw.Date)
				if err != nil {
					return nil, err
				}
				if !row.Active {
					continue
				}
				f := math.NaN()
				if fit != nil {
					f = fit(rw)
				}
				s.Rows = append(s.Rows, after(row, rw, f))
				s.Left = append(s.Left, leaves(id, rw.Date))
				s.AfterReward++
			}
		}
	}
	if len(s.Rows) == 0 {
		return nil, dataError{fmt.Errorf("attrition: the HR history (%s to %s) is too short for a snapshot with 12 months observed after it",
			datasets.FormatDate(first), datasets.FormatDate(last))}
	}
	return s, nil
}

// latestReward returns the latest of the date-sorted rewards in the 12 months before at, or nil.
func latestReward(rewards []*datasets.Reward, at time.Time) *datasets.Reward {
	since := at.AddDate(-1, 0, 0)
	for i := len(rewards) - 1; i >= 0; i-- {
		rw := rewards[i]
		if !rw.Date.Before(at) {
			continue
		}
		if rw.Date.Before(since) {
			return nil
		}
		return rw
	}
	return nil
}

// Table returns the features of the set as a classify table.
func (s *AttritionSet) Table() *classify.Table {
	return attritionTable(s.Rows)
}

// Labels returns "yes" for rows whose employee left within 12 months and "no" otherwise.
func (s *AttritionSet) Labels() []string {
	out := make([]string, len(s.Left))
	for i, l := range s.Left {
		out[i] = labelNo
		if l {
			out[i] = labelYes
		}
	}
	return out
}

const (
	labelYes = "yes"
	labelNo  = "no"
)

// employeeColumns adds the employee features both models read. The preference model reads
// who the employee is (role, level, tenure, age, pay, reviews, promotion wait, the incentives
// of the last two years by type); it leaves out region, where they work, and the months since
// the last incentive, which at a reward date is the offer cycle (about six months) and on other
// dates would be a value the model never saw. The attrition model reads both, and counts the
// incentives of the last two years in one total: by type they mostly say who chose them, which
// the latest incentive's fit already carries, and as a what-if input ("one more training")
// they would move the risk by whatever happened to go with that type in the past.
func employeeColumns(t *classify.Table, rows []features.EmployeeRow, forAttrition bool) {
	n := len(rows)
	cat := func(name string, f func(*features.EmployeeRow) string) {
		v := make([]string, n)
		for i := range rows {
			v[i] = f(&rows[i])
		}
		mustAdd(t.AddCategorical(name, v))
	}
	num := func(name string, f func(*features.EmployeeRow) float64) {
		v := make([]float64, n)
		for i := range rows {
			v[i] = finiteOrNaN(f(&rows[i]))
		}
		mustAdd(t.AddNumeric(name, v))
	}
	cat("role", func(r *features.EmployeeRow) string { return r.Role })
	if forAttrition {
		cat("region", func(r *features.EmployeeRow) string { return r.Region })
	}
	num("level", func(r *features.EmployeeRow) float64 { return r.Level })
	num("tenure_years", func(r *features.EmployeeRow) float64 { return r.TenureYears })
	num("age", func(r *features.EmployeeRow) float64 { return r.Age })
	num("salary", func(r *features.EmployeeRow) float64 { return r.Salary })
	num("salary_ratio", func(r *features.EmployeeRow) float64 { return r.SalaryRatio })
	num("perf_last", func(r *features.EmployeeRow) float64 { return r.PerfLast })
	num("perf_trend", func(r *features.EmployeeRow) float64 { return r.PerfTrend })
	num("kpi_last", func(r *features.EmployeeRow) float64 { return r.KPILast })
	num("promotion_wait_months", func(r *features.EmployeeRow) float64 { return r.PromotionWaitMonths })
	num("reimbursement_days", func(r *features.EmployeeRow) float64 { return r.ReimbursementDays })
	if forAttrition {
		num("months_since_reward", func(r *features.EmployeeRow) float64 { return r.MonthsSinceReward })
		num("rewards_24m", func(r *features.EmployeeRow) float64 {
			var s float64
			for _, c := range r.Rewards24m {
				s += c
			}
			return s
		})
		return
	}
	for k, name := range datasets.RewardTypes {
		num("rewards_24m_"+name, func(r *features.EmployeeRow) float64 { return r.Rewards24m[k] })
	}
}

func preferenceTable(rows []features.EmployeeRow, eligible [][numTypes]bool) *classify.Table {
	t := &classify.Table{}
	employeeColumns(t, rows, false)
	for k, name := range datasets.RewardTypes {
		v := make([]float64, len(rows))
		for i := range rows {
			if eligible[i][k] {
				v[i] = 1
			}
		}
		mustAdd(t.AddNumeric(colEligible+name, v))
	}
	return t
}

func attritionTable(rows []features.EmployeeRow) *classify.Table {
	t := &classify.Table{}
	employeeColumns(t, rows, true)
	fit := make([]float64, len(rows))
	for i := range rows {
		fit[i] = rows[i].LastIncentiveFit
	}
	mustAdd(t.AddNumeric(colLastFit, fit))
	return t
}

// finiteOrNaN turns ±Inf (a salary ratio over a zero median, say) into missing.
func finiteOrNaN(x float64) float64 {
	if math.IsInf(x, 0) {
		return math.NaN()
	}
	return x
}

// mustAdd panics on a table error: column names are fixed and lengths equal by construction.
func mustAdd(err error) {
	if err != nil {
		panic("incentive: " + err.Error())
	}
}
