package incentive

import (
	"errors"
	"github.com/growthlens/growthlens/datasets"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// Risk is one employee's predicted probability of leaving within 12 months (with no
// incentive), with the inputs that raise it most.
type Risk struct {
	EmployeeID string  `json:"employee_id"`
	Role       string  `json:"role"`
	TeamID     string  `json:"team_id"`
	Region     string  `json:"region"`
	Risk       float64 `json:"attrition_risk"`
	// Typical is the risk of an employee of the same role whose every other input is typical
	// (the training medians): what the drivers move the risk away from.
	Typical float64 `json:"typical_risk"`
	// Drivers are the inputs that raise the risk most: each one's Effect is the risk minus the
	// risk with that input alone set to typical. Reasons say them in words.
	Drivers []Driver `json:"drivers"`
	Reasons []string `json:"reasons"`
	Unknown []string `json:"unknown_inputs,omitempty"`
}

// Leavers is the expected number of a group's employees on staff on AsOf who leave within
// the next 12 months, with an interval.
type Leavers struct {
	Scope     string  `json:"scope"` // company, region:<id> or team:<id>
	Employees int     `json:"employees"`
	Expected  float64 `json:"expected"`
	// Low and High bound the number of leavers with probability about Level, if every
	// employee leaves independently with their predicted risk (see LeaversInterval).
	Low   int     `json:"low"`
	High  int     `json:"high"`
	Level float64 `json:"level"`
	// Turnover is Expected over Employees.
	Turnover float64 `json:"turnover"`
}

// LeaversLevel is the level of Leavers' intervals.
const LeaversLevel = 0.8

// Attrition returns the 12-month leaving risk of each employee (Options.AsOf rules, as
// Recommend), explained by the inputs that raise it most. Errors are Recommend's.
func (r *Recommender) Attrition(ids []string, opt Options) ([]Risk, error) {
	rows, err := r.Features(ids, opt)
	if err != nil {
		return nil, err
	}
	return r.AttritionRows(rows)
}

// AttritionRows is Attrition for feature rows (as Features returns them, or a posted record's).
func (r *Recommender) AttritionRows(rows []features.EmployeeRow) ([]Risk, error) {
	if r.risk == nil {
		return nil, errors.New("attrition: this recommender's attrition model is not the linear logistic; it cannot be explained")
	}
	p, err := r.risks(rows)
	if err != nil {
		return nil, err
	}
	m := r.risk
	value, err := riskValue(m.Scale.Inputs, rows)
	if err != nil {
		return nil, err
	}
	x := m.Scale.encode(len(rows), value)
	width, ind := m.Scale.width(), m.Scale.indicators()
	out := make([]Risk, len(rows))
	for i := range rows {
		row := &rows[i]
		xi := x[i*width : (i+1)*width]
		z := m.B
		for j, v := range xi {
			z += m.W[j] * v
		}
		rk := Risk{EmployeeID: row.EmployeeID, Role: row.Role, TeamID: row.TeamID, Region: row.Region, Risk: p[i], Drivers: []Driver{},
			Unknown: r.unknownInputs(row)}
		typ := z
		for j, name := range m.Scale.Inputs {
			if strings.HasPrefix(name, "role_") {
				continue // the role is who they are, not a driver
			}
			tx, ti := m.Scale.typical(j, ind[j])
			dz := m.W[j] * (tx - xi[j])
			if ind[j] >= 0 {
				dz += m.W[ind[j]] * (ti - xi[ind[j]])
			}
			typ += dz
			if slices.Contains(protectedInputs, name) {
				continue
			}
			if eff := p[i] - classify.Sigmoid(z+dz); eff > 0.005 {
				rk.Drivers = append(rk.Drivers, Driver{Feature: name, Value: fmtInput(employeeInputs[name](row)), Typical: fmtInput(m.Scale.Impute[j]), Effect: eff})
			}
		}
		rk.Typical = classify.Sigmoid(typ)
		sort.SliceStable(rk.Drivers, func(a, b int) bool { return rk.Drivers[a].Effect > rk.Drivers[b].Effect })
		rk.Drivers = rk.Drivers[:min(3, len(rk.Drivers))]
		rk.Reasons = sayRisk(&rk, r.currency)
		out[i] = rk
	}
	return out, nil
}

// sayRisk puts a risk and its drivers in words, money in currency (the data's, "" for none).
func sayRisk(rk *Risk, currency string) []string {
	first := text(nil).s("Risk of leaving within a year ").pct(rk.Risk).s(" (").pct(rk.Typical).s(" for a typical ", strings.ReplaceAll(rk.Role, "_", " "), " employee)")
	if len(rk.Drivers) == 0 {
		first = first.s("; no single input raises it much.")
	} else {
		first = first.s(": ")
		for i, d := range rk.Drivers {
			if i > 0 {
				first = first.s("; ")
			}
			first = describe(first, d.Feature, d.Value, d.Typical, currency).s(" (+").f(100*d.Effect, 0).s(" points)")
		}
		first = first.s(".")
	}
	out := []string{string(first)}
	if len(rk.Unknown) > 0 {
		t := text(nil).s("Not known, so taken as typical: ")
		for i, name := range rk.Unknown {
			if i > 0 {
				t = t.s(", ")
			}
			t = t.s(inputNames[name])
		}
		out = append(out, string(t.s(".")))
	}
	return out
}

// ExpectedLeavers returns the expected leavers within 12 months of the employees on staff on
// the as-of date (Options.AsOf rules): the company's, then each region's and each team's, in
// name order, with LeaversLevel intervals.
func (r *Recommender) ExpectedLeavers(opt Options) ([]Leavers, error) {
	ids, err := r.OnStaff(opt.AsOf, "")
	if err != nil {
		return nil, err
	}
	rows, err := r.Features(ids, opt)
	if err != nil {
		return nil, err
	}
	p, err := r.risks(rows)
	if err != nil {
		return nil, err
	}
	return GroupLeavers(rows, p), nil
}

// LeaversOf sums the no-incentive risks of recommendations (Recommend's, for employees of the
// recommender's data) into the company's, each region's and each team's expected leavers, as
// ExpectedLeavers does.
func (r *Recommender) LeaversOf(recs []Recommendation) []Leavers {
	rows := make([]features.EmployeeRow, len(recs))
	p := make([]float64, len(recs))
	for i, rec := range recs {
		rows[i].TeamID, p[i] = rec.TeamID, rec.Risk
		if e, ok := r.staff.Employee(rec.EmployeeID); ok {
			rows[i].Region = e.Region
		}
	}
	return GroupLeavers(rows, p)
}

// Region returns the recorded region of an employee of the recommender's data ("" when
// unknown).
func (r *Recommender) Region(id string) string {
	if e, ok := r.staff.Employee(id); ok {
		return e.Region
	}
	return ""
}

// GroupLeavers sums risks p of the employees rows describe into the company's, each region's
// and each team's expected leavers, with intervals.
func GroupLeavers(rows []features.EmployeeRow, p []float64) []Leavers {
	groups := map[string][]float64{"company": p}
	var regions, teams []string
	for i := range rows {
		if reg := rows[i].Region; reg != "" {
			k := "region:" + reg
			if _, ok := groups[k]; !ok {
				regions = append(regions, k)
			}
			groups[k] = append(groups[k], p[i])
		}
		if tm := rows[i].TeamID; tm != "" {
			k := "team:" + tm
			if _, ok := groups[k]; !ok {
				teams = append(teams, k)
			}
			groups[k] = append(groups[k], p[i])
		}
	}
	slices.Sort(regions)
	slices.Sort(teams)
	var out []Leavers
	for _, k := range append(append([]string{"company"}, regions...), teams...) {
		out = append(out, leaversOf(k, groups[k]))
	}
	return out
}

func leaversOf(scope string, p []float64) Leavers {
	l := Leavers{Scope: scope, Employees: len(p), Level: LeaversLevel}
	for _, v := range p {
		l.Expected += v
	}
	l.Low, l.High = LeaversInterval(p, LeaversLevel)
	if len(p) > 0 {
		l.Turnover = l.Expected / float64(len(p))
	}
	return l
}

// LeaversInterval returns an interval [lo, hi] for the number of successes of independent
// Bernoulli trials with probabilities p (the Poisson-binomial distribution, computed exactly):
// the mid-p quantiles at (1 − level)/2 and (1 + level)/2, the quantile of a count being the
// smallest k whose mid-distribution function P(X < k) + P(X = k)/2 reaches the probability
// (Lancaster's mid-p). The plain quantiles of a small count hold far more than level (for a
// team expecting 0.5 leavers, 0 to 1 holds 91 %); the mid-p ones hold about level on
// average, a little more or less for each team.
func LeaversInterval(p []float64, level float64) (lo, hi int) {
	dist := make([]float64, len(p)+1)
	dist[0] = 1
	for n, q := range p {
		q = math.Min(1, math.Max(0, q))
		for k := n + 1; k >= 1; k-- {
			dist[k] = dist[k]*(1-q) + dist[k-1]*q
		}
		dist[0] *= 1 - q
	}
	tail := (1 - level) / 2
	var below float64
	lo, hi = -1, len(p)
	for k, d := range dist {
		mid := below + d/2
		if lo < 0 && mid >= tail {
			lo = k
		}
		if mid >= 1-tail {
			hi = k
			break
		}
		below += d
	}
	return max(lo, 0), hi
}

// Turnover is one past year's turnover: employees on staff at From who left before To, over
// their number.
type Turnover struct {
	From      string  `json:"from"`
	To        string  `json:"to"`
	Employees int     `json:"employees"`
	Left      int     `json:"left"`
	Rate      float64 `json:"rate"`
}

// PastTurnover returns the turnover of each complete 12-month year before the as-of date
// (Options.AsOf rules), oldest first, at most years of them, of the company or of a scope
// ("region:<id>", "team:<id>": its employees by their recorded region or team): the record
// the forecast of ExpectedLeavers continues.
func (r *Recommender) PastTurnover(opt Options, years int, scope string) ([]Turnover, error) {
	asOf, err := r.asOf(opt.AsOf)
	if err != nil {
		return nil, err
	}
	in := func(e *datasets.Employee) bool {
		switch {
		case strings.HasPrefix(scope, "region:"):
			return e.Region == strings.TrimPrefix(scope, "region:")
		case strings.HasPrefix(scope, "team:"):
			return e.TeamID == strings.TrimPrefix(scope, "team:")
		}
		return true
	}
	var out []Turnover
	for y := years; y >= 1; y-- {
		from, to := asOf.AddDate(-y, 0, 0), asOf.AddDate(-y+1, 0, 0)
		t := Turnover{From: fmtDate(from), To: fmtDate(to)}
		for _, id := range r.staff.OnStaff(from) {
			e, _ := r.staff.Employee(id)
			if !in(e) {
				continue
			}
			t.Employees++
			if !e.ExitDate.IsZero() && e.ExitDate.Before(to) {
				t.Left++
			}
		}
		if t.Employees == 0 {
			continue
		}
		t.Rate = float64(t.Left) / float64(t.Employees)
		out = append(out, t)
	}
	return out, nil
}

func fmtDate(t time.Time) string { return t.Format(time.DateOnly) }
