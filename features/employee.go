package features

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/quantile"
)

// EmployeeRow is what HR data says about one employee as of a date, using only events before
// that date. NaN marks a value the data cannot give (no reviews yet, no birth year). Its
// fields are the inputs of the incentive and attrition models; EmployeeRecord is the same in
// the form an HR system sends and reads it, with what "unknown" means for each.
type EmployeeRow struct {
	EmployeeID string
	AsOf       time.Time
	Role       string
	Region     string
	TeamID     string
	// Active is false when the employee was not on staff at AsOf.
	Active bool

	Level       float64 // level at AsOf: today's level less the promotions since
	TenureYears float64
	Age         float64
	Salary      float64 // at AsOf: today's salary less the promotion raises since
	// SalaryRatio is Salary over the median Salary of the same role on staff at AsOf.
	SalaryRatio float64
	// PerfLast is the latest review score; PerfTrend is it minus the mean of up to three
	// reviews before it; KPILast is the latest KPI completion.
	PerfLast, PerfTrend, KPILast float64
	// PerfMean and KPIMean are the mean review score and KPI completion of the reviews whose
	// period ended in the 24 months before AsOf: one review is a noisy reading of
	// performance, and the mean of up to eight quarters is a steadier one.
	PerfMean, KPIMean float64
	// PromotionWaitMonths counts months since the last promotion, or since hire.
	PromotionWaitMonths float64
	// PromotedOn is the date of the last promotion before AsOf, or the hire date. Rules that
	// count calendar months ("12 months since the last promotion") read it.
	PromotedOn time.Time
	// MonthsSinceReward is NaN when the employee never had an incentive.
	MonthsSinceReward float64
	// Rewards24m counts incentives by type (datasets.RewardTypes order) in the 24 months
	// before AsOf.
	Rewards24m [7]float64
	// ChosenBefore counts, by type, the incentives the employee chose themselves
	// (chosen=true) before AsOf: what they have shown they want.
	ChosenBefore [7]float64
	// PastDelta is, by type, the mean performance_delta of the employee's incentives of that
	// type given at least DeltaLagMonths before AsOf (when the change they brought had been
	// measured); NaN for a type they never received that long ago.
	PastDelta [7]float64
	// LastIncentive is the type of the latest incentive in the 12 months before AsOf ("" for
	// none) and LastIncentiveFit how it ranked among the employee's preferences then (its
	// probability over the favourite's; NaN for none). Staff.At leaves them empty: the fit
	// needs the preference model, which fills it (incentive.Recommender.Features).
	LastIncentive    string
	LastIncentiveFit float64
	// ReimbursementDays is the mean time from claim to payment of the employee's claims in the
	// six months before AsOf (claims still unpaid count up to AsOf).
	ReimbursementDays float64
}

// DeltaLagMonths is how long after an incentive its performance_delta is known: the change is
// measured over the six months that follow it.
const DeltaLagMonths = 6

// EmployeeColumns names the features of an EmployeeRow in the order Values returns them.
var EmployeeColumns = func() []string {
	cols := []string{"role", "region", "level", "tenure_years", "age", "salary", "salary_ratio", "perf_last", "perf_trend",
		"kpi_last", "perf_mean_24m", "kpi_mean_24m", "promotion_wait_months", "months_since_reward"}
	for _, t := range datasets.RewardTypes {
		cols = append(cols, "rewards_24m_"+t)
	}
	return append(cols, "reimbursement_days")
}()

// Values returns the row's features as strings in EmployeeColumns order; NaN is "".
func (r *EmployeeRow) Values() []string {
	num := []float64{r.Level, r.TenureYears, r.Age, r.Salary, r.SalaryRatio, r.PerfLast, r.PerfTrend, r.KPILast,
		r.PerfMean, r.KPIMean, r.PromotionWaitMonths, r.MonthsSinceReward}
	num = append(num, r.Rewards24m[:]...)
	num = append(num, r.ReimbursementDays)
	out := []string{r.Role, r.Region}
	for _, v := range num {
		if math.IsNaN(v) {
			out = append(out, "")
		} else {
			out = append(out, strconv.FormatFloat(v, 'g', 8, 64))
		}
	}
	return out
}

// Staff indexes a dataset's employees with their rewards, reviews and claims so that
// features as of any date are cheap. It is safe for concurrent use after NewStaff.
type Staff struct {
	emps    []staffRec
	byID    map[string]int
	medians map[medianKey]float64
}

type staffRec struct {
	e       *datasets.Employee
	rewards []*datasets.Reward // by date
	reviews []*datasets.Review // by period end
	claims  []*datasets.ExpenseClaim
}

type medianKey struct {
	role  string
	month int
}

// EmployeeTables are the tables employee features are built from (NewStaff reads them): a
// caller that needs only employee features loads these (datasets.WithTables) and nothing
// else. Only employees is required; the others fill the features that need them.
var EmployeeTables = []string{"employees", "rewards", "reviews", "expense_claims"}

// NewStaff indexes the employees of ds. It fails when the employees table is absent.
func NewStaff(ds *datasets.Dataset) (*Staff, error) {
	if !ds.Present("employees") {
		return nil, fmt.Errorf("features: employee features need the employees table")
	}
	s := &Staff{byID: make(map[string]int, len(ds.Employees)), medians: map[medianKey]float64{}}
	s.emps = make([]staffRec, len(ds.Employees))
	for i := range ds.Employees {
		s.emps[i].e = &ds.Employees[i]
		s.byID[ds.Employees[i].EmployeeID] = i
	}
	for i := range ds.Rewards {
		if k, ok := s.byID[ds.Rewards[i].EmployeeID]; ok {
			s.emps[k].rewards = append(s.emps[k].rewards, &ds.Rewards[i])
		}
	}
	for i := range ds.Reviews {
		if k, ok := s.byID[ds.Reviews[i].EmployeeID]; ok {
			s.emps[k].reviews = append(s.emps[k].reviews, &ds.Reviews[i])
		}
	}
	for i := range ds.ExpenseClaims {
		if k, ok := s.byID[ds.ExpenseClaims[i].EmployeeID]; ok {
			s.emps[k].claims = append(s.emps[k].claims, &ds.ExpenseClaims[i])
		}
	}
	for i := range s.emps {
		r := &s.emps[i]
		slices.SortStableFunc(r.rewards, func(a, b *datasets.Reward) int { return a.Date.Compare(b.Date) })
		slices.SortStableFunc(r.reviews, func(a, b *datasets.Review) int { return a.Period.End().Compare(b.Period.End()) })
		slices.SortStableFunc(r.claims, func(a, b *datasets.ExpenseClaim) int { return a.SubmittedDate.Compare(b.SubmittedDate) })
	}
	// Median salary by role for every month that any query can ask about.
	first, last := time.Time{}, time.Time{}
	for _, r := range s.emps {
		if first.IsZero() || r.e.HireDate.Before(first) {
			first = r.e.HireDate
		}
		for _, d := range []time.Time{r.e.HireDate, r.e.ExitDate} {
			if d.After(last) {
				last = d
			}
		}
		if n := len(r.rewards); n > 0 && r.rewards[n-1].Date.After(last) {
			last = r.rewards[n-1].Date
		}
	}
	return s, s.fillMedians(first, last)
}

// fillMedians computes the role medians month by month from first to last (plus one).
func (s *Staff) fillMedians(first, last time.Time) error {
	if first.IsZero() {
		return nil
	}
	for m := datasets.MonthOf(first); !m.Start().After(last.AddDate(0, 1, 0)); m = m.Add(1) {
		at := m.Start()
		by := map[string][]float64{}
		for i := range s.emps {
			r := &s.emps[i]
			if !onStaff(r.e, at) {
				continue
			}
			if sal := salaryAt(r, at); !math.IsNaN(sal) {
				by[r.e.Role] = append(by[r.e.Role], sal)
			}
		}
		for role, xs := range by {
			slices.Sort(xs)
			s.medians[medianKey{role, m.N}] = quantile.Sorted(xs, 0.5)
		}
	}
	return nil
}

func onStaff(e *datasets.Employee, at time.Time) bool {
	return !e.HireDate.After(at) && (e.ExitDate.IsZero() || e.ExitDate.After(at))
}

// salaryAt undoes the promotion raises given on or after at.
func salaryAt(r *staffRec, at time.Time) float64 {
	if !r.e.BaseSalary.Valid {
		return math.NaN()
	}
	sal := r.e.BaseSalary.V
	for _, rw := range r.rewards {
		if rw.Type == "promotion" && !rw.Date.Before(at) && rw.Value.Valid {
			sal -= rw.Value.V
		}
	}
	return sal
}

// IDs returns the employee ids in table order.
func (s *Staff) IDs() []string {
	ids := make([]string, len(s.emps))
	for i, r := range s.emps {
		ids[i] = r.e.EmployeeID
	}
	return ids
}

// OnStaff returns the ids of employees on staff at asOf, in table order.
func (s *Staff) OnStaff(asOf time.Time) []string {
	var ids []string
	for _, r := range s.emps {
		if onStaff(r.e, asOf) {
			ids = append(ids, r.e.EmployeeID)
		}
	}
	return ids
}

// Employee returns the employee record.
func (s *Staff) Employee(id string) (*datasets.Employee, bool) {
	k, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return s.emps[k].e, true
}

// Rewards returns the employee's rewards sorted by date.
func (s *Staff) Rewards(id string) []*datasets.Reward {
	k, ok := s.byID[id]
	if !ok {
		return nil
	}
	return s.emps[k].rewards
}

// RoleMedianSalary returns the median salary of the role's employees on staff at the start of
// asOf's month (what EmployeeRow.SalaryRatio divides by), and false when none of them has a
// recorded salary or the month is outside the data.
func (s *Staff) RoleMedianSalary(role string, asOf time.Time) (float64, bool) {
	m, ok := s.medians[medianKey{role, datasets.MonthOf(asOf).N}]
	return m, ok && m > 0
}

// At returns the employee's features as of asOf (events strictly before asOf).
func (s *Staff) At(id string, asOf time.Time) (EmployeeRow, error) {
	k, ok := s.byID[id]
	if !ok {
		return EmployeeRow{}, fmt.Errorf("features: no employee %q", id)
	}
	r := &s.emps[k]
	e := r.e
	nan := math.NaN()
	row := EmployeeRow{
		EmployeeID: id, AsOf: asOf, Role: e.Role, Region: e.Region, TeamID: e.TeamID, Active: onStaff(e, asOf),
		Level: nan, Age: nan, SalaryRatio: nan, PerfLast: nan, PerfTrend: nan, KPILast: nan, PerfMean: nan, KPIMean: nan,
		MonthsSinceReward: nan, ReimbursementDays: nan, LastIncentiveFit: nan,
	}
	row.TenureYears = math.Max(0, asOf.Sub(e.HireDate).Hours()/24/365.25)
	if e.BirthYear.Valid {
		row.Age = float64(asOf.Year()) - float64(e.BirthYear.V)
	}
	promoted := e.HireDate
	level := nan
	if e.Level.Valid {
		level = float64(e.Level.V)
	}
	for _, rw := range r.rewards {
		if rw.Type != "promotion" {
			continue
		}
		if rw.Date.Before(asOf) {
			promoted = rw.Date
		} else {
			level--
		}
	}
	row.Level = level
	row.PromotedOn = promoted
	row.PromotionWaitMonths = months(asOf.Sub(promoted))
	row.Salary = salaryAt(r, asOf)
	if med, ok := s.medians[medianKey{e.Role, datasets.MonthOf(asOf).N}]; ok && med > 0 {
		row.SalaryRatio = row.Salary / med
	}
	// Reviews whose period ended before asOf.
	n := sort.Search(len(r.reviews), func(i int) bool { return r.reviews[i].Period.End().After(asOf) })
	if n > 0 {
		last := r.reviews[n-1]
		row.PerfLast = last.Score.Or(nan)
		row.KPILast = last.KPICompletion.Or(nan)
		sum, cnt := 0.0, 0
		for i := n - 2; i >= 0 && i >= n-4; i-- {
			if r.reviews[i].Score.Valid {
				sum += r.reviews[i].Score.V
				cnt++
			}
		}
		if cnt > 0 {
			row.PerfTrend = row.PerfLast - sum/float64(cnt)
		}
		row.PerfMean, row.KPIMean = reviewMeans(r.reviews[:n], asOf.AddDate(-2, 0, 0))
	}
	since := asOf.AddDate(-2, 0, 0)
	measured := asOf.AddDate(0, -DeltaLagMonths, 0)
	var deltas [7]float64
	for k := range row.PastDelta {
		row.PastDelta[k] = nan
	}
	for _, rw := range r.rewards {
		if !rw.Date.Before(asOf) {
			break
		}
		k := slices.Index(datasets.RewardTypes, rw.Type)
		if k < 0 {
			continue
		}
		if rw.Chosen.Valid && rw.Chosen.V {
			row.ChosenBefore[k]++
		}
		if rw.Date.Before(measured) && rw.PerformanceDelta.Valid {
			if deltas[k] == 0 {
				row.PastDelta[k] = 0
			}
			row.PastDelta[k] += rw.PerformanceDelta.V
			deltas[k]++
		}
	}
	for k, n := range deltas {
		if n > 0 {
			row.PastDelta[k] /= n
		}
	}
	for _, rw := range r.rewards {
		if !rw.Date.Before(asOf) {
			break
		}
		row.MonthsSinceReward = months(asOf.Sub(rw.Date))
		if !rw.Date.Before(since) {
			if k := slices.Index(datasets.RewardTypes, rw.Type); k >= 0 {
				row.Rewards24m[k]++
			}
		}
	}
	from := asOf.AddDate(0, -6, 0)
	sum, cnt := 0.0, 0
	for _, c := range r.claims {
		if c.SubmittedDate.Before(from) {
			continue
		}
		if !c.SubmittedDate.Before(asOf) {
			break
		}
		paid := asOf
		if !c.PaidDate.IsZero() && c.PaidDate.Before(asOf) {
			paid = c.PaidDate
		}
		sum += days(paid.Sub(c.SubmittedDate))
		cnt++
	}
	if cnt > 0 {
		row.ReimbursementDays = sum / float64(cnt)
	}
	return row, nil
}

// reviewMeans returns the mean score and KPI completion of the date-sorted reviews whose
// period ended after since (NaN when none has the value).
func reviewMeans(reviews []*datasets.Review, since time.Time) (perf, kpi float64) {
	var ps, ks float64
	var pn, kn int
	for i := len(reviews) - 1; i >= 0 && reviews[i].Period.End().After(since); i-- {
		if rv := reviews[i]; rv.Score.Valid {
			ps += rv.Score.V
			pn++
		}
		if rv := reviews[i]; rv.KPICompletion.Valid {
			ks += rv.KPICompletion.V
			kn++
		}
	}
	perf, kpi = math.NaN(), math.NaN()
	if pn > 0 {
		perf = ps / float64(pn)
	}
	if kn > 0 {
		kpi = ks / float64(kn)
	}
	return perf, kpi
}

func months(d time.Duration) float64 { return d.Hours() / 24 / 30.4375 }
