package incentive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// HeldOut is the time-split evaluation of the preference and attrition models: both are
// trained on the HR history as it stood HeldOutMonths before the data end (HistoryUntil) and
// scored on what happened after — the leavers of the last twelve months and the incentives
// chosen in them. It is the figure a training run records and promotion compares: a model is
// judged on outcomes it never saw.
type HeldOut struct {
	// Cutoff is the first day of the held-out period.
	Cutoff string `json:"cutoff"`

	// Attrition: everyone on staff on Cutoff, labelled by leaving within 12 months, scored
	// by the model trained before Cutoff (features as of Cutoff).
	AttritionEmployees int     `json:"attrition_employees"`
	AttritionLeft      int     `json:"attrition_left"`
	AttritionAUC       float64 `json:"attrition_auc"`
	AttritionLogLoss   float64 `json:"attrition_logloss"`
	AttritionBrier     float64 `json:"attrition_brier"`
	// Baseline is a plain logistic regression of the same labels on role, tenure, pay
	// against the role median and the last review score (BaselineInputs), fitted on the same
	// snapshots: the first model an analyst would try.
	BaselineAUC     float64 `json:"baseline_auc"`
	BaselineLogLoss float64 `json:"baseline_logloss"`
	BaselineBrier   float64 `json:"baseline_brier"`
	// Leavers are the company's, each region's and each team's expected leavers with their
	// LeaversLevel intervals, and Actual the true leavers of each, in the same order;
	// TeamsCovered counts the teams whose true leavers fall inside their interval.
	Leavers      []Leavers `json:"leavers"`
	Actual       []int     `json:"actual"`
	Teams        int       `json:"teams"`
	TeamsCovered int       `json:"teams_covered"`

	// Preference: the rewards chosen on or after Cutoff, each scored over the types eligible
	// on its date (plus the type chosen) with features as of that date.
	PreferenceChoices int     `json:"preference_choices"`
	PreferenceTop1    float64 `json:"preference_top1"`
	PreferenceLogLoss float64 `json:"preference_logloss"`
	// PreferenceBaseTop1 and PreferenceBaseLogLoss are those of the types' shares among the
	// choices before Cutoff, over the same eligible sets: what knowing nobody in particular
	// gives.
	PreferenceBaseTop1    float64 `json:"preference_base_top1"`
	PreferenceBaseLogLoss float64 `json:"preference_base_logloss"`
}

// HeldOutMonths is the length of the held-out period.
const HeldOutMonths = 12

// BaselineInputs are the attrition baseline's inputs.
var BaselineInputs = func() []string {
	var in []string
	for _, role := range datasets.Roles {
		in = append(in, "role_"+role)
	}
	return append(in, "tenure_years", "salary_ratio", "perf_last")
}()

// EvaluateHeldOut trains on ds as of HeldOutMonths before its HR history ends and scores the
// models on the period after (see HeldOut). It fails when the history before the cut-off is
// too short to train on, or nobody was on staff on it.
func EvaluateHeldOut(ctx context.Context, ds *datasets.Dataset, cfg Config, opt TrainOptions) (*HeldOut, error) {
	_, last := observedSpan(ds)
	if last.IsZero() {
		return nil, errors.New("held-out evaluation: the HR tables say nothing")
	}
	return EvaluateHeldOutAt(ctx, ds, cfg, opt, last.AddDate(0, -HeldOutMonths, 1))
}

// EvaluateHeldOutAt is EvaluateHeldOut with the held-out year starting on cutoff (an earlier
// year of the same history, for more team-years). The year must end within the data.
func EvaluateHeldOutAt(ctx context.Context, ds *datasets.Dataset, cfg Config, opt TrainOptions, cutoff time.Time) (*HeldOut, error) {
	if _, last := observedSpan(ds); cutoff.AddDate(0, HeldOutMonths, -1).After(last) {
		return nil, fmt.Errorf("held-out evaluation: the year from %s ends after the data (%s)", datasets.FormatDate(cutoff), datasets.FormatDate(last))
	}
	past := Until(ds, cutoff)
	r, err := Train(ctx, past, cfg, opt)
	if err != nil {
		return nil, fmt.Errorf("held-out evaluation: train on the history before %s: %w", datasets.FormatDate(cutoff), err)
	}
	h := &HeldOut{Cutoff: datasets.FormatDate(cutoff)}

	// The models trained on the past, over the whole data: features as of a date use only
	// the events before it.
	full, err := r.WithData(ds)
	if err != nil {
		return nil, err
	}
	ids := full.staff.OnStaff(cutoff)
	rows, err := full.features(ctx, ids, cutoff, opt.Workers)
	if err != nil {
		return nil, err
	}
	left := make([]bool, len(ids))
	for i, id := range ids {
		e, _ := full.staff.Employee(id)
		left[i] = !e.ExitDate.IsZero() && e.ExitDate.Before(cutoff.AddDate(1, 0, 0))
		if left[i] {
			h.AttritionLeft++
		}
	}
	h.AttritionEmployees = len(ids)
	if len(ids) > 0 {
		p, err := full.risks(rows)
		if err != nil {
			return nil, err
		}
		h.AttritionAUC, h.AttritionLogLoss, h.AttritionBrier = binaryScores(p, left)
		h.Leavers = GroupLeavers(rows, p)
		counts := map[string]int{}
		for i := range rows {
			if !left[i] {
				continue
			}
			counts["company"]++
			counts["region:"+rows[i].Region]++
			counts["team:"+rows[i].TeamID]++
		}
		for _, l := range h.Leavers {
			n := counts[l.Scope]
			h.Actual = append(h.Actual, n)
			if strings.HasPrefix(l.Scope, "team:") {
				h.Teams++
				if n >= l.Low && n <= l.High {
					h.TeamsCovered++
				}
			}
		}
		base, err := fitBaseline(ctx, past, r, opt)
		if err != nil {
			return nil, err
		}
		if p, err = base.risks(rows); err != nil {
			return nil, err
		}
		h.BaselineAUC, h.BaselineLogLoss, h.BaselineBrier = binaryScores(p, left)
	}

	// Preference on the choices of the held-out period.
	var (
		prows  []features.EmployeeRow
		el     [][numTypes]bool
		chosen []int
	)
	var share [numTypes]float64
	for _, id := range full.staff.IDs() {
		for _, rw := range full.staff.Rewards(id) {
			k := typeIndex(rw.Type)
			if k < 0 || !rw.Chosen.Valid || !rw.Chosen.V {
				continue
			}
			if rw.Date.Before(cutoff) {
				share[k]++
				continue
			}
			row, err := full.staff.At(id, rw.Date)
			if err != nil {
				return nil, err
			}
			e := full.cfg.Eligible(&row)
			e[k] = true
			prows, el, chosen = append(prows, row), append(el, e), append(chosen, k)
		}
	}
	h.PreferenceChoices = len(prows)
	if len(prows) > 0 {
		p, err := full.preferences(prows, el)
		if err != nil {
			return nil, err
		}
		h.PreferenceTop1, h.PreferenceLogLoss = choiceScores(p, chosen)
		base := make([][numTypes]float64, len(prows))
		for i := range prows {
			var sum float64
			for k := range numTypes {
				if el[i][k] {
					base[i][k] = share[k] + 1 // add-one: a type never chosen before keeps a chance
					sum += base[i][k]
				}
			}
			for k := range numTypes {
				base[i][k] /= sum
			}
		}
		h.PreferenceBaseTop1, h.PreferenceBaseLogLoss = choiceScores(base, chosen)
	}
	return h, nil
}

// fitBaseline fits the attrition baseline on the periodic snapshots of the past data.
func fitBaseline(ctx context.Context, past *datasets.Dataset, r *Recommender, opt TrainOptions) (*riskModel, error) {
	months := opt.SnapshotMonths
	if months == 0 {
		months = 3
	}
	as, err := BuildAttritionSet(past, r.staff, months, nil, nil)
	if err != nil {
		return nil, err
	}
	m, err := fitRisk(ctx, as.Rows, as.Left, BaselineInputs, opt.Seed, opt.Workers)
	if err != nil {
		return nil, fmt.Errorf("attrition baseline: %w", err)
	}
	return m, nil
}

// binaryScores returns the AUC, log loss and Brier score of probabilities p for labels y.
func binaryScores(p []float64, y []bool) (auc, logLoss, brier float64) {
	pp := make([]float64, 0, 2*len(p))
	yy := make([]int, len(p))
	for i, v := range p {
		pp = append(pp, 1-v, v)
		yy[i] = int(b2f(y[i]))
	}
	m := classify.Score(pp, yy, 2)
	return m.AUC, m.LogLoss, m.Brier
}

// choiceScores returns the share of rows whose most probable type is the one chosen, and the
// mean negative log probability of the chosen type (clipped at 1e-15).
func choiceScores(p [][numTypes]float64, chosen []int) (top1, logLoss float64) {
	for i, k := range chosen {
		best := 0
		for j := range numTypes {
			if p[i][j] > p[i][best] {
				best = j
			}
		}
		top1 += b2f(best == k)
		logLoss -= math.Log(math.Max(p[i][k], 1e-15))
	}
	n := float64(len(chosen))
	return top1 / n, logLoss / n
}

// Until returns the HR tables of ds as they stood on the day before cutoff: employees hired
// before it (an exit on or after it not yet known; level and salary without the promotions
// given since), rewards dated before it (a performance_delta only when its six months had
// passed, retained_12m only when its twelve had), reviews whose period had ended, expense
// claims submitted before it (a payment after it not yet made). The tables ds has are
// present; the others stay absent.
func Until(ds *datasets.Dataset, cutoff time.Time) *datasets.Dataset {
	out := *ds
	out.Employees, out.Rewards, out.Reviews, out.ExpenseClaims = nil, nil, nil, nil
	later := map[string][]*datasets.Reward{}
	for i := range ds.Rewards {
		rw := ds.Rewards[i]
		if !rw.Date.Before(cutoff) {
			if rw.Type == "promotion" {
				later[rw.EmployeeID] = append(later[rw.EmployeeID], &ds.Rewards[i])
			}
			continue
		}
		if rw.Date.AddDate(0, features.DeltaLagMonths, 0).After(cutoff) {
			rw.PerformanceDelta = datasets.Null[float64]{}
		}
		if rw.Date.AddDate(1, 0, 0).After(cutoff) {
			rw.Retained12m = datasets.Null[bool]{}
		}
		out.Rewards = append(out.Rewards, rw)
	}
	for _, e := range ds.Employees {
		if !e.HireDate.Before(cutoff) {
			continue
		}
		if !e.ExitDate.IsZero() && !e.ExitDate.Before(cutoff) {
			e.ExitDate = time.Time{}
		}
		for _, rw := range later[e.EmployeeID] {
			if e.Level.Valid {
				e.Level.V--
			}
			if e.BaseSalary.Valid && rw.Value.Valid {
				e.BaseSalary.V -= rw.Value.V
			}
		}
		out.Employees = append(out.Employees, e)
	}
	for _, rv := range ds.Reviews {
		if !rv.Period.End().After(cutoff) {
			out.Reviews = append(out.Reviews, rv)
		}
	}
	for _, c := range ds.ExpenseClaims {
		if !c.SubmittedDate.Before(cutoff) {
			continue
		}
		if !c.PaidDate.IsZero() && !c.PaidDate.Before(cutoff) {
			c.PaidDate = time.Time{}
		}
		out.ExpenseClaims = append(out.ExpenseClaims, c)
	}
	slices.SortStableFunc(out.Rewards, func(a, b datasets.Reward) int { return a.Date.Compare(b.Date) })
	return &out
}
