package goal

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
)

// Scorecard is a person's or a team's indicators for a goal's period: each one's target,
// actual to date, completion, weight and weighted score, and the overall score.
type Scorecard struct {
	// Kind is "person" or "team"; ID the employee or team id.
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Role        string `json:"role"`
	TeamID      string `json:"team_id,omitempty"`
	Period      string `json:"period"`
	GoalVersion int    `json:"goal_version"`
	// AsOf is the last day the data hold; Elapsed is the share of the period's revenue the
	// company's history expects by then (what a total's target is pro-rated by).
	AsOf    string  `json:"as_of"`
	Elapsed float64 `json:"elapsed"`
	Lines   []Line  `json:"lines"`
	// Score is Σ weight × completion over the lines with a completion, divided by their
	// weights (so 1 is on target); null before anything is measured. A team's Score is the
	// weighted mean of its people's scores by their weights (Persons), and OwnScore the same
	// sum over the team's own lines.
	Score    Figure `json:"score"`
	OwnScore Figure `json:"own_score,omitempty"`
	// Weight is a person's weight in their team's score.
	Weight  float64     `json:"weight,omitempty"`
	Persons []Scorecard `json:"persons,omitempty"`
	Notes   []string    `json:"notes"`
}

// Line is one indicator of a scorecard.
type Line struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	NameZh    string `json:"name_zh"`
	Unit      string `json:"unit"`
	Direction string `json:"direction"`
	// Weight is in percent (the role's weights sum to 100).
	Weight int `json:"weight"`
	// Target is the period's target; Due is the part of it due by the as-of date (a total
	// pro-rated by Scorecard.Elapsed, any other indicator its target); Actual is the period to
	// date (a total summed, any other indicator averaged over the period's quarters so far;
	// growth attainment is actual growth to date over the goal's growth).
	Target float64 `json:"target"`
	Due    Figure  `json:"due"`
	Actual Figure  `json:"actual"`
	// Completion is Actual/Due (Due/Actual for an indicator where less is better); Weighted
	// is Weight/100 × Completion. Null when the data hold no actual yet.
	Completion Figure  `json:"completion"`
	Weighted   Figure  `json:"weighted"`
	MeasuredAt string  `json:"measured_at"`
	Total      bool    `json:"total"`
	Share      float64 `json:"share,omitempty"`
}

// ErrNotInPlan is wrapped when a person or team is not in the plan (not on staff at the data's
// end, or of a role without indicators).
var ErrNotInPlan = errors.New("not in the plan")

// PersonScorecard scores one person against their targets in the plan.
func PersonScorecard(co *diagnose.Company, plan *Plan, employeeID string) (*Scorecard, error) {
	s, err := newScorer(co, plan)
	if err != nil {
		return nil, err
	}
	for _, r := range plan.Roles {
		for _, tm := range r.Teams {
			for _, p := range tm.Persons {
				if p.EmployeeID == employeeID {
					return s.person(r, tm, p), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("employee %s: %w (people on staff at the data's end in a role with indicators)", employeeID, ErrNotInPlan)
}

// TeamScorecard scores a team: its own lines, and its score as the weighted mean of its
// people's.
func TeamScorecard(co *diagnose.Company, plan *Plan, teamID string) (*Scorecard, error) {
	s, err := newScorer(co, plan)
	if err != nil {
		return nil, err
	}
	for _, r := range plan.Roles {
		for _, tm := range r.Teams {
			if tm.TeamID == teamID {
				return s.team(r, tm), nil
			}
		}
	}
	return nil, fmt.Errorf("team %s: %w", teamID, ErrNotInPlan)
}

// scorer holds what scoring needs: the plan, the panels and the period's elapsed shares.
type scorer struct {
	co      *diagnose.Company
	plan    *Plan
	per     Period
	cat     *indicators.Catalogue
	panels  map[features.Level]*features.Panel
	asOf    time.Time
	share   []float64 // by quarter of the period: the share of its revenue expected by asOf
	elapsed float64
	notes   []string
}

func newScorer(co *diagnose.Company, plan *Plan) (*scorer, error) {
	if !plan.Reachable {
		return nil, fmt.Errorf("the goal %s of %s is out of reach, so it has no targets to score: %s", Percent(plan.Target), plan.Period, plan.Refusal.Reason)
	}
	per, err := ParsePeriod(plan.Period)
	if err != nil {
		return nil, err
	}
	s := &scorer{co: co, plan: plan, per: per, cat: co.Catalogue(), asOf: co.AsOf(), panels: map[features.Level]*features.Panel{}}
	for _, l := range []features.Level{features.Company, features.Region, features.Employee} {
		if p, err := co.Panel(datasets.Quarter, l); err == nil {
			s.panels[l] = p
		}
	}
	if s.panels[features.Team], err = AllTeams(co); err != nil {
		s.panels[features.Team] = nil
	}
	for j, q := range per.List() {
		sh := 0.0
		switch {
		case !q.End().After(s.asOf):
			sh = 1
		case q.Start().Before(s.asOf):
			if sh, err = co.ExpectedShare(q, s.asOf); err != nil {
				sh = float64(s.asOf.Sub(q.Start())) / float64(q.End().Sub(q.Start()))
				s.notes = append(s.notes, fmt.Sprintf("%s: the share of its revenue due by the data's end is taken as the share of its days (%v)", q, err))
			}
		}
		s.share = append(s.share, sh)
		w := 1 / float64(per.Quarters)
		if j < len(plan.Baseline.Quarters) {
			w = plan.Baseline.Quarters[j].Weight
		}
		s.elapsed += w * sh
	}
	if s.elapsed == 0 {
		s.notes = append(s.notes, fmt.Sprintf("%s has not started in the data (which end on %s): nothing is measured yet", per, datasets.FormatDate(s.asOf.AddDate(0, 0, -1))))
	}
	return s, nil
}

func (s *scorer) card(kind, id string, r RoleTarget) *Scorecard {
	return &Scorecard{Kind: kind, ID: id, Role: r.Role, Period: s.plan.Period, GoalVersion: s.plan.GoalVersion,
		AsOf: datasets.FormatDate(s.asOf.AddDate(0, 0, -1)), Elapsed: s.elapsed, Lines: []Line{}, Notes: append([]string{}, s.notes...)}
}

func (s *scorer) person(r RoleTarget, tm TeamTarget, p PersonTarget) *Scorecard {
	c := s.card("person", p.EmployeeID, r)
	c.TeamID, c.Weight = tm.TeamID, p.Weight
	s.lines(c, r, p.Indicators)
	return c
}

func (s *scorer) team(r RoleTarget, tm TeamTarget) *Scorecard {
	c := s.card("team", tm.TeamID, r)
	c.Name, c.TeamID = tm.Name, tm.TeamID
	s.lines(c, r, tm.Indicators)
	c.OwnScore = c.Score
	var sum, wsum float64
	for _, p := range tm.Persons {
		pc := s.person(r, tm, p)
		c.Persons = append(c.Persons, *pc)
		if x := float64(pc.Score); !math.IsNaN(x) {
			sum += p.Weight * x
			wsum += p.Weight
		}
	}
	c.Score = Figure(math.NaN())
	switch {
	case wsum > 0:
		c.Score = Figure(sum / wsum)
	case len(tm.Persons) == 0:
		c.Notes = append(c.Notes, "the team has nobody on staff: its score is its own figures'")
		c.Score = c.OwnScore
	}
	return c
}

// lines scores a node's targets and sets the card's score.
func (s *scorer) lines(c *Scorecard, r RoleTarget, targets []NodeTarget) {
	var sum, wsum float64
	for k, nt := range targets {
		it := r.Indicators[k]
		ind := s.indicator(r.Role, it.ID)
		l := Line{ID: it.ID, Name: it.Name, NameZh: it.NameZh, Unit: it.Unit, Direction: it.Direction, Weight: it.Weight,
			Target: nt.Target, MeasuredAt: nt.MeasuredAt, Total: it.Total, Share: nt.Share,
			Due: Figure(nt.Target), Actual: Figure(math.NaN()), Completion: Figure(math.NaN()), Weighted: Figure(math.NaN())}
		if it.Total {
			l.Due = Figure(nt.Target * s.elapsed)
		}
		if ind != nil && s.elapsed > 0 {
			l.Actual = s.actual(ind, nt.MeasuredAt)
		}
		a, due := float64(l.Actual), float64(l.Due)
		switch {
		case math.IsNaN(a) || !(due > 0) && it.Direction != "down":
		case it.Direction == "down" && a > 0:
			l.Completion = Figure(due / a)
		case it.Direction != "down":
			l.Completion = Figure(a / due)
		}
		if x := float64(l.Completion); !math.IsNaN(x) {
			l.Weighted = Figure(float64(it.Weight) / 100 * x)
			sum += float64(l.Weighted)
			wsum += float64(it.Weight) / 100
		}
		c.Lines = append(c.Lines, l)
	}
	c.Score = Figure(math.NaN())
	if wsum > 0 {
		c.Score = Figure(sum / wsum)
		if wsum < 0.999 {
			c.Notes = append(c.Notes, fmt.Sprintf("only %.0f %% of the weight has an actual yet: the score is over that part", 100*wsum))
		}
	}
}

func (s *scorer) indicator(role, id string) *indicators.Indicator {
	if r, ok := s.cat.Role(role); ok {
		return find(r, id)
	}
	return nil
}

// scopeOf reads a measured-at label into its panel and id.
func (s *scorer) scopeOf(label string) scope {
	if label == "company" {
		return scope{p: s.panels[features.Company], label: label}
	}
	kind, id, _ := strings.Cut(label, ":")
	return scope{p: s.panels[features.Level(kind)], id: id, label: label}
}

// actual is the indicator at a scope over the period to date: a total summed over the
// period's quarters so far (the running one as far as the data go), any other indicator
// averaged over them; growth attainment is GrowthAttainment at the scope.
func (s *scorer) actual(ind *indicators.Indicator, label string) Figure {
	sc := s.scopeOf(label)
	if sc.p == nil || sc.p.Series(sc.id, features.ColRevenue) == nil {
		return Figure(math.NaN())
	}
	if ind.Formula == features.ColGrowthAttainment {
		return Figure(GrowthAttainment(sc.p, sc.id, s.per, s.share, s.plan.Target))
	}
	for _, col := range ind.Columns() {
		if !sc.p.Has(col) {
			return Figure(math.NaN())
		}
	}
	sum, n := 0.0, 0
	for j, q := range s.per.List() {
		t := sc.p.Index(q)
		if t < 0 || s.share[j] == 0 {
			continue
		}
		v := ind.Eval(func(col string) float64 { return sc.p.Series(sc.id, col)[t] })
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	switch {
	case n == 0:
		return Figure(math.NaN())
	case ind.Sum:
		return Figure(sum)
	}
	return Figure(sum / float64(n))
}

// GrowthAttainment is the article's growth-rate attainment of a scope over a period to date:
// its actual year-on-year growth so far over the growth the goal asks for (target). Actual
// growth is the period's revenue so far over the same part of the year before: each quarter
// so far against the same quarter a year earlier, a quarter under way (share[j] of its revenue
// expected in by now) against that share of the year-earlier quarter. NaN when nothing is
// measured yet, a year-earlier quarter is unknown, or the target is zero.
func GrowthAttainment(p *features.Panel, scope string, per Period, share []float64, target float64) float64 {
	rev := p.Series(scope, features.ColRevenue)
	if rev == nil || target == 0 {
		return math.NaN()
	}
	var cur, prev float64
	for j, q := range per.List() {
		if j >= len(share) || share[j] == 0 {
			continue
		}
		t, t0 := p.Index(q), p.Index(q.Add(-4))
		if t < 0 || t0 < 0 || math.IsNaN(rev[t]) || math.IsNaN(rev[t0]) {
			return math.NaN()
		}
		cur += rev[t]
		prev += rev[t0] * share[j]
	}
	if !(prev > 0) {
		return math.NaN()
	}
	return (cur/prev - 1) / target
}

// AllTeams builds the quarterly team panel of every team of the company — those of the
// teams table and of the employees, not only those that sell — as the cascade and the
// scorecards read teams.
func AllTeams(co *diagnose.Company) (*features.Panel, error) {
	ds := co.Dataset()
	var ids []string
	for _, t := range ds.Teams {
		ids = append(ids, t.TeamID)
	}
	for _, e := range ds.Employees {
		if e.TeamID != "" {
			ids = append(ids, e.TeamID)
		}
	}
	return features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Team, AsOf: co.AsOf(), Scopes: ids})
}
