package incentive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// Options configure Recommend.
type Options struct {
	// AsOf is the date recommendations are made on: features use events strictly before it.
	// Zero means the day after the HR history ends (Recommender.ObservedUntil). It may not be
	// more than MaxStaleDays after that day: the features would describe a past that has moved on.
	AsOf time.Time
	// Top is how many options per employee get reasons in words (default 3). Every eligible
	// option is returned, ranked; the ones below Top have no reasons.
	Top int
	// Workers bounds the goroutines scoring at once (default GOMAXPROCS); results do not
	// depend on it.
	Workers int
}

// MaxStaleDays bounds how far past the end of the HR history Options.AsOf may be.
const MaxStaleDays = 31

// Recommendation is what the recommender says about one employee.
type Recommendation struct {
	EmployeeID string `json:"employee_id"`
	Role       string `json:"role"`
	TeamID     string `json:"team_id"`
	// Risk is the predicted probability that the employee leaves within 12 months if given
	// no incentive now.
	Risk float64 `json:"attrition_risk"`
	// Salary is the annual salary the money values use (the role median when not recorded).
	Salary float64 `json:"salary"`
	// Options are the eligible incentives, best value first. Empty when none is eligible
	// (Notes says why).
	Options []Option `json:"options"`
	// Notes flag what the recommendation had to assume (missing salary, reviews), which
	// incentives the policy does not allow and why, and why none is recommended when none is.
	Notes []string `json:"notes,omitempty"`
	// Unknown lists the model inputs that were not known and were taken as typical.
	Unknown []string `json:"unknown_inputs,omitempty"`
}

// Recommended returns the options the objective recommends, best first (see Config).
func (rec *Recommendation) Recommended() []Option {
	n := 0
	for n < len(rec.Options) && rec.Options[n].Recommended {
		n++
	}
	return rec.Options[:n]
}

// Option is one eligible incentive for an employee, with its expected effects.
type Option struct {
	Type string `json:"type"`
	// Preference is the probability that the employee prefers this incentive among the
	// eligible ones (they sum to 1 over Options).
	Preference float64 `json:"preference"`
	// Fit is Preference over the largest Preference among the options (1 for the favourite).
	Fit float64 `json:"fit"`
	// Risk is the predicted 12-month attrition risk if given this incentive now, and
	// RiskChange its difference from the risk with none (negative: fewer leave).
	Risk       float64 `json:"attrition_risk"`
	RiskChange float64 `json:"attrition_risk_change"`
	// PerformanceChange is the expected performance_delta (the rewards table's units) over
	// the following Values.PerformanceMonths months.
	PerformanceChange float64 `json:"performance_change"`
	Cost              float64 `json:"cost"`
	// Benefit and Value are in money (see Values): Value = Benefit − CostWeight × Cost.
	Benefit float64 `json:"benefit"`
	Value   float64 `json:"value"`
	// Recommended says whether the objective recommends it (see Config); Flags say what
	// speaks against it: FlagRaisesRisk, FlagNoValue, FlagCostsMore, FlagOnlyEligible.
	Recommended bool     `json:"recommended"`
	Flags       []string `json:"flags,omitempty"`
	// Drivers are the employee's features that most raise their preference for this
	// incentive, and Reasons say it in words; both only for the top options (Options.Top).
	Drivers []Driver `json:"drivers,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// Driver is one feature behind a preference: the employee's value, the typical value it was
// compared with, and how much the employee's value raises the preference probability.
type Driver struct {
	Feature string  `json:"feature"`
	Value   string  `json:"value"`
	Typical string  `json:"typical"`
	Effect  float64 `json:"effect"`
}

// Option flags.
const (
	// FlagRaisesRisk: the predicted 12-month leaving risk with it is above the risk without.
	FlagRaisesRisk = "raises_risk"
	// FlagOnlyEligible: it raises the risk but is the only eligible incentive, so it is
	// recommended anyway (when its value is above 0), and the reasons say so.
	FlagOnlyEligible = "only_eligible"
	// FlagCostsMore: it costs something, and more than its benefit (what it is worth in
	// retention and performance).
	FlagCostsMore = "costs_more_than_benefit"
	// FlagNoValue: its value (benefit − cost weight × cost) is not above 0.
	FlagNoValue = "no_positive_value"
)

// ErrUnknownEmployee is returned (wrapped) for employee ids the dataset does not have.
var ErrUnknownEmployee = errors.New("unknown employee")

// ErrNotOnStaff is returned (wrapped) for employees not on staff on the as-of date.
var ErrNotOnStaff = errors.New("not on staff")

// Recommend ranks the eligible incentives of each employee (in the order given) by value
// (see Values) and explains the top ones. Unknown ids and employees not on staff on the
// as-of date are errors (ErrUnknownEmployee, ErrNotOnStaff) naming them; an employee with no
// eligible incentive gets a Recommendation without options and a note; missing salary, birth
// year, level or reviews are filled as documented in Notes. Scoring stops when ctx ends
// (checked before each chunk of 1,024 employees) and ctx's error is returned.
func (r *Recommender) Recommend(ctx context.Context, ids []string, opt Options) ([]Recommendation, error) {
	asOf, err := r.asOf(opt.AsOf)
	if err != nil {
		return nil, err
	}
	top := opt.Top
	if top == 0 {
		top = 3
	}
	if top < 0 {
		return nil, fmt.Errorf("top: %d, want at least 1", top)
	}
	rows, err := r.features(ctx, ids, asOf, opt.Workers)
	if err != nil {
		return nil, err
	}
	out := make([]Recommendation, len(ids))
	err = inChunks(ctx, len(ids), opt.Workers, func(lo, hi int) error {
		return r.rank(rows[lo:hi], top, out[lo:hi])
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Features returns what the models read about each employee on the as-of date (Options.AsOf
// rules), in the order given: features.Staff.At's row plus the latest incentive of the 12
// months before and its fit. Recommend ranks exactly these rows, so RecommendRows given them
// (or their features.EmployeeRecord) answers the same. Errors are Recommend's.
func (r *Recommender) Features(ids []string, opt Options) ([]features.EmployeeRow, error) {
	asOf, err := r.asOf(opt.AsOf)
	if err != nil {
		return nil, err
	}
	return r.features(context.Background(), ids, asOf, opt.Workers)
}

func (r *Recommender) features(ctx context.Context, ids []string, asOf time.Time, workers int) ([]features.EmployeeRow, error) {
	if err := r.checkIDs(ids, asOf); err != nil {
		return nil, err
	}
	rows := make([]features.EmployeeRow, len(ids))
	err := inChunks(ctx, len(ids), workers, func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			var err error
			if rows[i], err = r.staff.At(ids[i], asOf); err != nil {
				return err
			}
		}
		return r.lastFits(rows[lo:hi])
	})
	return rows, err
}

// ProtectedInputs reports whether the models read protected attributes (Config).
func (r *Recommender) ProtectedInputs() bool { return r.cfg.ProtectedInputs }

// recommendChunk is the number of employees scored in one batch by one worker.
const recommendChunk = 1024

// inChunks calls fn on consecutive chunks of [0, n) of recommendChunk items, at most workers
// (default GOMAXPROCS) at once, and returns the first error; a chunk not started when ctx
// ends is not scored, and ctx's error is returned. Chunks are scored independently
// (a row's scores do not depend on its batch), so the result is the same for any number of
// workers.
func inChunks(ctx context.Context, n, workers int, fn func(lo, hi int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (n + recommendChunk - 1) / recommendChunk
	errs := make([]error, chunks)
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for c := range chunks {
		lo, hi := c*recommendChunk, min((c+1)*recommendChunk, n)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if errs[c] = ctx.Err(); errs[c] == nil {
				errs[c] = fn(lo, hi)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// rank fills out (len(rows)) with the ranked options of the employees the rows describe, as
// of each row's AsOf. A row's LastIncentiveFit (NaN for none) is an input of the attrition
// model.
func (r *Recommender) rank(rows []features.EmployeeRow, top int, out []Recommendation) error {
	n := len(rows)
	el := make([][numTypes]bool, n)
	for i := range rows {
		el[i] = r.cfg.Eligible(&rows[i])
	}
	prefs, err := r.preferences(rows, el)
	if err != nil {
		return err
	}

	// One attrition batch: each employee as they are, then with each eligible incentive.
	var (
		arows []features.EmployeeRow
		start = make([]int, n+1)
	)
	for i := range rows {
		start[i] = len(arows)
		arows = append(arows, rows[i])
		for k := range numTypes {
			if el[i][k] {
				arows = append(arows, r.apply(rows[i], k, fitOf(&prefs[i], k)))
			}
		}
	}
	start[n] = len(arows)
	ap, err := r.risks(arows)
	if err != nil {
		return err
	}
	risk := func(j int) float64 { return ap[j] }

	v := r.cfg.Value
	unknown := r.unknownInputs
	for i := range rows {
		row := &rows[i]
		rec := Recommendation{EmployeeID: row.EmployeeID, Role: row.Role, TeamID: row.TeamID, Risk: risk(start[i]), Options: []Option{}}
		rec.Salary, rec.Notes = r.salaryFor(row, row.AsOf)
		rec.Notes = append(rec.Notes, missingNotes(row)...)
		rec.Unknown = unknown(row)
		eligible := 0
		for k := range numTypes {
			if el[i][k] {
				eligible++
			}
		}
		j := start[i] + 1
		for k := range numTypes {
			if !el[i][k] {
				continue
			}
			o := Option{Type: datasets.RewardTypes[k], Preference: prefs[i][k], Fit: fitOf(&prefs[i], k), Risk: risk(j)}
			j++
			o.RiskChange = o.Risk - rec.Risk
			o.PerformanceChange = r.perf.Predict(k, o.Fit)
			o.Cost = r.cost.Cost(k, rec.Salary)
			o.Benefit = v.Retention*rec.Salary*(-o.RiskChange) + v.Performance*rec.Salary*o.PerformanceChange*v.PerformanceMonths/12
			o.Value = o.Benefit - v.CostWeight*o.Cost
			o.Recommended = o.Value > 0
			if o.RiskChange > 0 {
				o.Flags = append(o.Flags, FlagRaisesRisk)
				if eligible == 1 {
					o.Flags = append(o.Flags, FlagOnlyEligible)
				} else {
					o.Recommended = false
				}
			}
			if o.Cost > 0 && o.Cost > o.Benefit {
				o.Flags = append(o.Flags, FlagCostsMore)
			}
			if !(o.Value > 0) {
				o.Flags = append(o.Flags, FlagNoValue)
			}
			rec.Options = append(rec.Options, o)
		}
		slices.SortStableFunc(rec.Options, func(a, b Option) int {
			if a.Recommended != b.Recommended {
				if a.Recommended {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.Value, a.Value); c != 0 {
				return c
			}
			return cmp.Compare(b.Preference, a.Preference)
		})
		for k, why := range r.cfg.Refusals(row) {
			if why != "" && !roleRule(r.cfg.Incentives[datasets.RewardTypes[k]]) {
				rec.Notes = append(rec.Notes, typeNames[datasets.RewardTypes[k]]+" is not offered: "+why)
			}
		}
		switch {
		case len(rec.Options) == 0:
			rec.Notes = append(rec.Notes, fmt.Sprintf("no incentive is eligible for this employee (role %s, level %s) under the eligibility rules", row.Role, fmtNum(row.Level)))
		case !rec.Options[0].Recommended:
			rec.Notes = append(rec.Notes, noneRecommended(rec.Options))
		}
		out[i] = rec
	}
	return r.explain(rows, el, out, top)
}

// roleRule reports whether a rule restricts only roles: a note that commission is for sales
// only would be on every other employee's recommendation, and says nothing about them.
func roleRule(r Rule) bool {
	return len(r.Roles) > 0 && r.MinLevel == 0 && r.MaxLevel == 0 && r.MinTenureDays == 0 && r.MinDaysSincePromotion == 0 &&
		r.MinMonthsSincePromotion == 0 && r.MinPerfMean24m == nil
}

// noneRecommended says why no option is recommended.
func noneRecommended(opts []Option) string {
	raise, noValue := 0, 0
	for _, o := range opts {
		if slices.Contains(o.Flags, FlagRaisesRisk) {
			raise++
		}
		if slices.Contains(o.Flags, FlagNoValue) {
			noValue++
		}
	}
	switch {
	case raise == len(opts):
		return "no incentive is recommended: every eligible one raises the predicted risk of leaving"
	case noValue == len(opts):
		return "no incentive is recommended: none is expected to be worth more than it costs"
	}
	return "no incentive is recommended: each eligible one either raises the predicted risk of leaving or is not expected to be worth more than it costs"
}

// asOf resolves and checks the as-of date.
func (r *Recommender) asOf(t time.Time) (time.Time, error) {
	next := r.observedUntil.AddDate(0, 0, 1)
	if t.IsZero() {
		return next, nil
	}
	if t.After(next.AddDate(0, 0, MaxStaleDays)) {
		return time.Time{}, fmt.Errorf("as-of %s is more than %d days after the HR history ends (%s): the features would be stale",
			datasets.FormatDate(t), MaxStaleDays, datasets.FormatDate(r.observedUntil))
	}
	return t, nil
}

// checkIDs reports every unknown id and every employee not on staff, in one error.
func (r *Recommender) checkIDs(ids []string, asOf time.Time) error {
	var unknown, gone []string
	for _, id := range ids {
		e, ok := r.staff.Employee(id)
		switch {
		case !ok:
			unknown = append(unknown, fmt.Sprintf("%q", id))
		case e.HireDate.After(asOf):
			gone = append(gone, fmt.Sprintf("%s (hired %s)", id, datasets.FormatDate(e.HireDate)))
		case !e.ExitDate.IsZero() && !e.ExitDate.After(asOf):
			gone = append(gone, fmt.Sprintf("%s (left %s)", id, datasets.FormatDate(e.ExitDate)))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w: %s", ErrUnknownEmployee, strings.Join(unknown, ", "))
	}
	if len(gone) > 0 {
		return fmt.Errorf("%w on %s: %s", ErrNotOnStaff, datasets.FormatDate(asOf), strings.Join(gone, ", "))
	}
	return nil
}

// OnStaff returns the employees on staff on the as-of date (Options.AsOf rules), optionally
// only those of one team, in table order. An unknown team is an error.
func (r *Recommender) OnStaff(asOf time.Time, team string) ([]string, error) {
	asOf, err := r.asOf(asOf)
	if err != nil {
		return nil, err
	}
	var out []string
	known := false
	for _, id := range r.staff.IDs() {
		e, _ := r.staff.Employee(id)
		if team != "" && e.TeamID != team {
			continue
		}
		known = true
		if !e.HireDate.After(asOf) && (e.ExitDate.IsZero() || e.ExitDate.After(asOf)) {
			out = append(out, id)
		}
	}
	if team != "" && !known {
		return nil, fmt.Errorf("no employee in team %q", team)
	}
	return out, nil
}

// lastFits fills each row's LastIncentive and LastIncentiveFit: the latest incentive in the
// 12 months before its AsOf and its fit then (the employee's features as of its date, their
// preferences over the types eligible then plus the type given); one batch for all.
func (r *Recommender) lastFits(rows []features.EmployeeRow) error {
	var (
		prows []features.EmployeeRow
		el    [][numTypes]bool
		who   []int
		kind  []int
	)
	for i := range rows {
		rows[i].LastIncentive, rows[i].LastIncentiveFit = "", math.NaN()
		last := latestReward(r.staff.Rewards(rows[i].EmployeeID), rows[i].AsOf)
		if last == nil || typeIndex(last.Type) < 0 {
			continue
		}
		row, err := r.staff.At(rows[i].EmployeeID, last.Date)
		if err != nil {
			return err
		}
		k := typeIndex(last.Type)
		e := r.cfg.Eligible(&row)
		e[k] = true
		rows[i].LastIncentive = last.Type
		prows, el, who, kind = append(prows, row), append(el, e), append(who, i), append(kind, k)
	}
	if len(prows) == 0 {
		return nil
	}
	p, err := r.preferences(prows, el)
	if err != nil {
		return err
	}
	for j, i := range who {
		rows[i].LastIncentiveFit = fitOf(&p[j], kind[j])
	}
	return nil
}

// apply returns the employee's features as they would be right after receiving incentive k:
// an incentive just given (months since the last one 0, one more of its type in the last 24
// months), and for a promotion one level up, the median raise on salary and on the ratio to
// the role median, and no wait since the last promotion. Bonuses and commission are one-off
// payments and leave base salary as it is.
func (r *Recommender) apply(row features.EmployeeRow, k int, fit float64) features.EmployeeRow {
	row.MonthsSinceReward = 0
	row.Rewards24m[k]++
	row.LastIncentive, row.LastIncentiveFit = datasets.RewardTypes[k], fit
	if datasets.RewardTypes[k] == "promotion" {
		row.Level++
		row.Salary *= 1 + r.raiseShare
		row.SalaryRatio *= 1 + r.raiseShare
		row.PromotionWaitMonths = 0
		row.PromotedOn = row.AsOf
	}
	return row
}

// salaryFor returns the salary money values are computed on, with a note when it is not the
// employee's own.
func (r *Recommender) salaryFor(row *features.EmployeeRow, asOf time.Time) (float64, []string) {
	if row.Salary > 0 && !math.IsInf(row.Salary, 0) {
		return row.Salary, nil
	}
	if med, ok := r.staff.RoleMedianSalary(row.Role, asOf); ok {
		return med, []string{fmt.Sprintf("salary not recorded: money values use the %s median, %.0f", row.Role, med)}
	}
	return 0, []string{"salary not recorded for this employee or anyone in the role: money values are 0 and options are ranked by preference"}
}

// missingNotes lists the inputs the models had to assume.
func missingNotes(row *features.EmployeeRow) []string {
	var out []string
	if math.IsNaN(row.Level) {
		out = append(out, "level not recorded: taken as typical, and incentives with a level rule are not offered")
	}
	if math.IsNaN(row.PerfLast) {
		out = append(out, "no performance review yet: performance taken as typical")
	}
	if math.IsNaN(row.MonthsSinceReward) {
		out = append(out, "no incentive in the history: the preference rests on the employee's profile alone")
	}
	return out
}

// explain fills Drivers and Reasons of the top options of every recommendation.
func (r *Recommender) explain(rows []features.EmployeeRow, el [][numTypes]bool, recs []Recommendation, top int) error {
	var idx []int
	for i := range recs {
		if len(recs[i].Options) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	reasons, err := r.preferenceReasons(rows, el, idx)
	if err != nil {
		return err
	}
	for j, i := range idx {
		rec := &recs[i]
		for o := range rec.Options[:min(top, len(rec.Options))] {
			opt := &rec.Options[o]
			opt.Drivers = drivers(reasons[j], typeIndex(opt.Type), 2)
			opt.Reasons = sayReasons(rec, opt, r.cfg.Value.PerformanceMonths, r.currency)
		}
	}
	return nil
}

// preferenceReasons returns, for rows[idx[j]], the preference model's per-column account
// (classify.Reason) with Delta indexed by type (datasets.RewardTypes order).
func (r *Recommender) preferenceReasons(rows []features.EmployeeRow, el [][numTypes]bool, idx []int) ([][]classify.Reason, error) {
	if r.choice != nil {
		d := r.choice.encode(rows, el, attrsOf(r.choice.Attrs, rows))
		return r.choice.explain(rows, d, idx), nil
	}
	reasons, err := r.pref.ExplainRows(preferenceTable(rows, el), idx)
	if err != nil {
		return nil, fmt.Errorf("preference model: %w", err)
	}
	for _, rs := range reasons {
		for q := range rs {
			var d [numTypes]float64
			for k, c := range r.prefClass {
				if c >= 0 {
					d[k] = rs[q].Delta[c]
				}
			}
			rs[q].Delta = d[:]
		}
	}
	return reasons, nil
}

// drivers returns up to n features that raise class c's probability the most (by more than
// half a point), ignoring the eligibility columns — they say what the rules allow, not what the
// employee wants — and protected attributes, which reasons never name.
func drivers(rs []classify.Reason, c, n int) []Driver {
	out := make([]Driver, 0, n)
	for _, x := range rs {
		e := x.Delta[c]
		if !(e > 0.005) || strings.HasPrefix(x.Column, colEligible) || slices.Contains(protectedInputs, x.Column) {
			continue
		}
		// Insert in order (largest effect first, then by name), keeping n.
		at := len(out)
		for at > 0 && (e > out[at-1].Effect || e == out[at-1].Effect && x.Column < out[at-1].Feature) {
			at--
		}
		if at >= n {
			continue
		}
		if len(out) < n {
			out = append(out, Driver{})
		}
		copy(out[at+1:], out[at:len(out)-1])
		out[at] = Driver{Feature: x.Column, Value: x.Value, Typical: x.Typical, Effect: e}
	}
	return out
}
