package goal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
)

// Plan is a goal cascaded from the company to every role, team and person.
type Plan struct {
	Period      string  `json:"period"`
	Metric      string  `json:"metric"`
	Target      float64 `json:"target"`
	GoalVersion int     `json:"goal_version"`
	// DataAsOf is the last day the data hold.
	DataAsOf string   `json:"data_as_of"`
	Baseline Baseline `json:"baseline"`
	// Reachable is false when no plausible driver change reaches the target: Refusal says
	// why and what would be needed, and there are no changes or role targets.
	Reachable bool     `json:"reachable"`
	Refusal   *Refusal `json:"refusal,omitempty"`
	// Changes are the driver changes of the plan (none when the baseline reaches the target).
	Changes []Change `json:"changes"`
	// Implied is the period's growth with the plan, by the company model (its estimate is the
	// target, within the bisection's precision, when the target is above the baseline);
	// Probability is the share of the model's posterior draws in which the plan reaches the
	// target. Both count the uncertainty of the driver effects, not that of the baseline.
	Implied     Range   `json:"implied_growth"`
	Probability float64 `json:"probability"`
	// Uncertain is true when the plan relies on a driver the data cannot tell about; the
	// change's Sentence says which.
	Uncertain bool `json:"uncertain"`
	// Summary says the plan in one or two sentences.
	Summary string       `json:"summary"`
	Roles   []RoleTarget `json:"roles"`
	Notes   []string     `json:"notes"`
}

// Options tune Cascade. The zero value gives the defaults.
type Options struct {
	// Suggestions are the roles' suggested indicators at company scope (diagnose.Company.
	// Indicators with every role), whose weights the roles keep; nil computes them with Seed.
	Suggestions []indicators.RoleSuggestion
	Seed        uint64
	// RampMonths is how long a new hire takes to reach full capacity (default 6).
	RampMonths float64
}

// ErrNoModel is wrapped when the company has no company model to cascade through.
var ErrNoModel = errors.New("no company model")

// Cascade cascades the goal through the company model to every role, team and person (see
// the package documentation for the method). A goal out of reach is not an error: the plan
// comes back with Reachable false and the Refusal. Cascade returns an error for an invalid
// goal (*FieldError), when the company model cannot be had (wrapping ErrNoModel), when the
// data lack the eight quarters of revenue the baseline needs, and ctx's error.
func Cascade(ctx context.Context, co *diagnose.Company, g Goal, opt Options) (*Plan, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if opt.RampMonths == 0 {
		opt.RampMonths = 6
	}
	per, _ := ParsePeriod(g.Period)
	m, err := co.CompanyModel(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoModel, err)
	}
	cp, err := co.Panel(datasets.Quarter, features.Company)
	if err != nil {
		return nil, err
	}
	bl, err := baseline(cp, per, g.Target)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	level := features.Level(m.Driver.ScopeLevel)
	if _, err := features.ParseLevel(string(level)); err != nil {
		level = features.Region
	}
	scopes, err := co.Panel(datasets.Quarter, level)
	if err != nil {
		return nil, err
	}
	ls, notes, err := levers(m, scopes)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan := &Plan{Period: per.String(), Metric: g.Metric, Target: g.Target, GoalVersion: g.Version, Baseline: bl,
		DataAsOf: datasets.FormatDate(co.AsOf().AddDate(0, 0, -1)), Changes: []Change{}, Roles: []RoleTarget{}, Notes: append([]string{}, notes...)}
	if ends := per.End(); !ends.After(co.AsOf()) {
		plan.Notes = append(plan.Notes, fmt.Sprintf("%s ended before the data did: the plan says what the drivers would have had to do from its start", per))
	}
	cat := co.Catalogue()
	roleOf := func(col string) string {
		if r := cat.RoleOf(col); r != "" {
			return r
		}
		for _, e := range m.Effects() {
			if e.Column == col {
				return e.Role
			}
		}
		return ""
	}

	if g.Target <= bl.Growth {
		plan.Reachable, plan.Probability = true, 1
		plan.Implied = Range{bl.Growth, bl.Growth, bl.Growth}
		plan.Summary = fmt.Sprintf("The run rate (%s, %s) already reaches %s in %s: no driver needs to change. "+
			"The run rate is a projection; its own uncertainty is not counted here.", signedPct(bl.Growth), bl.Basis, signedPct(g.Target), per)
	} else {
		chosen, t, ok := seek(bl, ls, g.Target)
		if !ok {
			all := lift(bl, ls, fill(len(ls), 1))
			top := Range{bl.Growth, bl.Growth, bl.Growth}
			if all != nil {
				top = summary(all)
			}
			plan.Refusal = &Refusal{MaxGrowth: top, Gap: g.Target - top.Estimate, Needed: needed(bl, ls, g.Target)}
			plan.Refusal.Reason = refusalReason(g, per, bl, ls, top)
			plan.Summary = plan.Refusal.Reason
			return plan, nil
		}
		plan.Reachable = true
		ts := fill(len(chosen), t)
		draws := lift(bl, chosen, ts)
		plan.Implied = summary(draws)
		plan.Probability = share(draws, g.Target)
		plan.Changes = contributions(bl, chosen, t, plan.Implied.Estimate, roleOf)
		for _, c := range plan.Changes {
			plan.Uncertain = plan.Uncertain || c.Uncertain
		}
		plan.Summary = planSummary(g, per, bl, plan)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &cascader{co: co, cat: cat, plan: plan, per: per, opt: opt, model: m}
	if err := c.roles(ctx); err != nil {
		return nil, err
	}
	return plan, nil
}

// share is the fraction of draws at or above x.
func share(draws []float64, x float64) float64 {
	n := 0
	for _, d := range draws {
		if d >= x-1e-12 {
			n++
		}
	}
	return float64(n) / float64(len(draws))
}

// contributions splits the plan's growth over the baseline among its changes: each change's
// own draws (the period's growth with that change alone, less the baseline) scaled by one
// common factor so that the estimates add up to the whole (the period's growth is not
// exactly additive in the changes: they compound).
func contributions(bl Baseline, chosen []*lever, t, total float64, roleOf func(string) string) []Change {
	own := make([][]float64, len(chosen))
	sum := 0.0
	for i, l := range chosen {
		own[i] = lift(bl, []*lever{l}, []float64{t})
		for b := range own[i] {
			own[i][b] -= bl.Growth
		}
		sum += mean(own[i])
	}
	k := 1.0
	if sum > 0 {
		k = (total - bl.Growth) / sum
	}
	out := make([]Change, len(chosen))
	for i, l := range chosen {
		for b := range own[i] {
			own[i][b] *= k
		}
		to := l.level(t)
		out[i] = Change{Driver: l.spec.Column, Role: roleOf(l.spec.Column), Unit: l.spec.Unit, Scale: string(l.spec.Scale),
			From: l.from, To: to, Relative: to/l.from - 1, AsOf: l.asOf.String(), Bound: l.bound, Bounds: l.bounds, RangeUsed: t,
			Contribution: summary(own[i]), Uncertain: l.verdict.Uncertain, Sentence: l.verdict.Sentence}
		if l.spec.Scale == "log" {
			out[i].Bound = l.from * (1 + l.bound)
		}
	}
	return out
}

func refusalReason(g Goal, per Period, bl Baseline, ls []*lever, top Range) string {
	if len(ls) == 0 {
		return fmt.Sprintf("%s in %s is out of reach: the run rate is %s and the company model has no driver with room to move", signedPct(g.Target), per, signedPct(bl.Growth))
	}
	var moves []string
	for _, l := range ls {
		moves = append(moves, fmt.Sprintf("%s %s", l.spec.Column, describeMove(l, 1)))
	}
	return fmt.Sprintf("%s in %s is out of reach: with every driver at the edge of what the company's history has seen (%s) "+
		"the company model's estimate is %s (80 %%: %s to %s) on a run rate of %s; the target needs another %s.",
		signedPct(g.Target), per, strings.Join(moves, ", "), signedPct(top.Estimate), signedPct(top.Lower), signedPct(top.Upper),
		signedPct(bl.Growth), points(g.Target-top.Estimate))
}

func planSummary(g Goal, per Period, bl Baseline, p *Plan) string {
	var moves []string
	for _, c := range p.Changes {
		moves = append(moves, fmt.Sprintf("%s %s (%s)", c.Driver, describeChange(c), points(c.Contribution.Estimate)))
	}
	verb := "bring"
	if len(moves) == 1 {
		verb = "brings"
	}
	s := fmt.Sprintf("%s in %s: the run rate gives %s; %s %s the company model's estimate to %s (80 %%: %s to %s), "+
		"reaching the target in %s of its posterior draws.", signedPct(g.Target), per, signedPct(bl.Growth),
		strings.Join(moves, " and "), verb, signedPct(p.Implied.Estimate), signedPct(p.Implied.Lower), signedPct(p.Implied.Upper), numfmt.Percent(p.Probability))
	for _, c := range p.Changes {
		if c.Uncertain {
			s += " The plan relies on a driver the data cannot tell about: " + c.Sentence + "."
		}
	}
	return s
}

// describeMove says a lever's move by the fraction t of its range in words: "+25 %" or
// "from 23.1 to 16.9 hours".
func describeMove(l *lever, t float64) string {
	to := l.level(t)
	if l.spec.Scale == "log" {
		return signedPct(to/l.from - 1)
	}
	return fmt.Sprintf("from %s to %s %s", plain(l.from), plain(to), l.spec.Unit)
}

func describeChange(c Change) string {
	if c.Scale == "log" {
		return signedPct(c.Relative)
	}
	return fmt.Sprintf("from %s to %s %s", plain(c.From), plain(c.To), c.Unit)
}

// ImpliedGrowth is the period's growth that a set of driver levels implies through the
// company model: each driver moved from its current level to the level given (in the
// driver's unit: a quarterly level, so a period total of spend divided by the period's
// quarters), made at the period's start, on the plan's baseline. It is how a plan's role
// targets are checked against its goal.
func ImpliedGrowth(m *company.Model, bl Baseline, levels map[string]float64) (Range, error) {
	var ls []*lever
	for col, to := range levels {
		out0, err := m.Driver.WhatIf(driverScenario(col))
		if err != nil {
			return Range{}, err
		}
		from := out0.Changes[0].From
		l := &lever{spec: out0.Changes[0].Spec, from: from}
		if l.spec.Scale == "log" {
			if !(from > 0 && to > 0) {
				return Range{}, fmt.Errorf("%s: levels %g → %g: want positive", col, from, to)
			}
			l.delta = math.Log(to / from)
		} else {
			l.delta = to - from
		}
		if l.delta == 0 {
			continue
		}
		if l.growth, _, err = m.Predict(driverScenarioOf(l)); err != nil {
			return Range{}, err
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return Range{bl.Growth, bl.Growth, bl.Growth}, nil
	}
	return summary(lift(bl, ls, fill(len(ls), 1))), nil
}
