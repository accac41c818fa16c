package goal

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
)

// RoleTarget is one role's part of a plan: its indicators with company-wide targets and
// weights, and its teams and people with their shares.
type RoleTarget struct {
	Role   string `json:"role"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Contribution is the growth the plan's changes of the role's drivers add (zero when the
	// plan moves none of them).
	Contribution Range             `json:"contribution"`
	Rationale    string            `json:"rationale"`
	Indicators   []IndicatorTarget `json:"indicators"`
	Teams        []TeamTarget      `json:"teams"`
	// NoData says why the role has no indicators: none can be measured from the data.
	NoData string `json:"no_data,omitempty"`
}

// IndicatorTarget is one of a role's indicators with its company-wide target.
type IndicatorTarget struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	NameZh    string `json:"name_zh"`
	Formula   string `json:"formula"`
	Direction string `json:"direction"`
	Unit      string `json:"unit"`
	Kind      string `json:"kind"`
	// Weight is in percent; a role's weights sum to 100.
	Weight int `json:"weight"`
	// Total is true for an indicator that adds up over the period and across people
	// (revenue, spend, counts): Current and Target are totals over the period (Current over
	// the same number of the latest complete quarters, or the same period a year earlier for
	// revenue), split among teams and people. Otherwise they are a quarter's level, to which
	// every team and person is held.
	Total   bool    `json:"total"`
	Current Figure  `json:"current"`
	Target  float64 `json:"target"`
	Basis   string  `json:"basis"`
	// Driver is true for a driver of the company model; Uncertain and Sentence carry the
	// model's verdict on it.
	Driver    bool   `json:"driver"`
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

// NodeTarget is one indicator's target for a team or a person.
type NodeTarget struct {
	ID      string  `json:"id"`
	Current Figure  `json:"current"`
	Target  float64 `json:"target"`
	// MeasuredAt is the scope the figure is read at: the node itself ("team:ID",
	// "employee:ID"), or, where the tables do not measure the indicator there, the region or
	// the company whose figure the node is held to.
	MeasuredAt string `json:"measured_at"`
	// Share is the node's share of its parent's total (Total indicators split among the nodes
	// with their own figure), 0 otherwise.
	Share float64 `json:"share,omitempty"`
}

// TeamTarget is one team's targets.
type TeamTarget struct {
	TeamID string `json:"team_id"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	// Capacity is the team's people in full-time equivalents ramped by tenure (see Options.
	// RampMonths); Weight its share of the role (its share of the role's first split total,
	// or of the role's capacity); Contribution the role's contribution times Weight.
	Capacity     float64        `json:"capacity"`
	Weight       float64        `json:"weight"`
	Contribution float64        `json:"contribution"`
	Indicators   []NodeTarget   `json:"indicators"`
	Persons      []PersonTarget `json:"persons"`
}

// PersonTarget is one person's targets.
type PersonTarget struct {
	EmployeeID string  `json:"employee_id"`
	Capacity   float64 `json:"capacity"`
	// Weight is the person's share of the team (of the team's first split total, or of its
	// capacity): the weight of their score in the team's score.
	Weight       float64      `json:"weight"`
	Contribution float64      `json:"contribution"`
	Indicators   []NodeTarget `json:"indicators"`
}

// cascader builds the role, team and person targets of a plan.
type cascader struct {
	co    *diagnose.Company
	cat   *indicators.Catalogue
	plan  *Plan
	per   Period
	opt   Options
	model *company.Model

	panels map[features.Level]*features.Panel
	asOf   time.Time
}

// scope is where a node's figure of an indicator is read: a panel and a scope id in it.
type scope struct {
	p     *features.Panel
	id    string
	label string
}

func (c *cascader) roles(ctx context.Context) error {
	c.asOf = c.co.AsOf()
	c.panels = map[features.Level]*features.Panel{}
	for _, l := range []features.Level{features.Company, features.Region, features.Employee} {
		if p, err := c.co.Panel(datasets.Quarter, l); err == nil {
			c.panels[l] = p
		} else if l == features.Company {
			return err
		}
	}
	// The team panel of every team, not only those that sell: support teams' tickets, every
	// team's staff.
	if p, err := AllTeams(c.co); err == nil {
		c.panels[features.Team] = p
	}
	sugg := c.opt.Suggestions
	if sugg == nil {
		ans, err := c.co.Indicators(ctx, diagnose.IndicatorRequest{Options: indicators.Options{Seed: c.opt.Seed}})
		if err != nil {
			return fmt.Errorf("role indicators: %w", err)
		}
		sugg = ans.Roles
	}
	if !c.plan.Reachable {
		return nil
	}
	for _, rs := range sugg {
		role, ok := c.cat.Role(rs.Role)
		if !ok {
			continue
		}
		rt := RoleTarget{Role: rs.Role, Name: rs.Name, NameZh: rs.NameZh, NoData: rs.NoData, Indicators: []IndicatorTarget{}, Teams: []TeamTarget{}}
		var changes []Change
		for _, ch := range c.plan.Changes {
			if ch.Role == rs.Role {
				changes = append(changes, ch)
				rt.Contribution.Estimate += ch.Contribution.Estimate
				rt.Contribution.Lower += ch.Contribution.Lower
				rt.Contribution.Upper += ch.Contribution.Upper
			}
		}
		if rs.NoData == "" {
			for _, s := range c.chosen(rs, changes) {
				ind := find(role, s.ID)
				if ind == nil {
					continue
				}
				rt.Indicators = append(rt.Indicators, c.roleTarget(ind, s))
			}
			rt.Teams = c.teams(c.co.Dataset(), role, rt)
		}
		rt.Rationale = c.rationale(rt, changes)
		c.plan.Roles = append(c.plan.Roles, rt)
	}
	return nil
}

func find(r *indicators.Role, id string) *indicators.Indicator {
	for i := range r.Indicators {
		if r.Indicators[i].ID == id {
			return &r.Indicators[i]
		}
	}
	return nil
}

// chosen is the role's suggested indicators with their weights (the answer of GET
// /v1/indicators), plus the indicator of every driver the plan moves that the suggestion
// left out: a driver the plan relies on is measured, so the role's weights are then
// recomputed from the indicators' importances (multiples of 5 summing to 100).
func (c *cascader) chosen(rs indicators.RoleSuggestion, changes []Change) []indicators.Suggested {
	out := slices.Clone(rs.Indicators)
	added := false
	for _, ch := range changes {
		if slices.ContainsFunc(out, func(s indicators.Suggested) bool { return s.Kind == indicators.Driver && s.Formula == ch.Driver }) {
			continue
		}
		i := slices.IndexFunc(rs.Candidates, func(s indicators.Suggested) bool { return s.Kind == indicators.Driver && s.Formula == ch.Driver })
		if i < 0 {
			continue
		}
		out = append(out, rs.Candidates[i])
		added = true
	}
	if added {
		shares := make([]float64, len(out))
		for i, s := range out {
			shares[i] = math.Max(s.Importance, 0.05)
		}
		for i, u := range indicators.LargestRemainder(shares, 20) {
			out[i].Weight = 5 * u
		}
	}
	return out
}

// roleTarget sets an indicator's company-wide target: a driver the plan moves gets the plan's
// level, any other driver is held where it is (so that the role targets imply the plan's
// growth and no more), revenue gets the goal's revenue, growth attainment 100 %, and every
// other indicator the suggestion's target (the second-best quarter of the last eight).
func (c *cascader) roleTarget(ind *indicators.Indicator, s indicators.Suggested) IndicatorTarget {
	q := float64(c.per.Quarters)
	it := IndicatorTarget{ID: ind.ID, Name: ind.Name, NameZh: ind.NameZh, Formula: ind.Formula, Direction: ind.Direction, Unit: ind.Unit,
		Kind: ind.Kind, Weight: s.Weight, Total: ind.Sum, Current: Figure(s.Current), Target: s.Target, Basis: s.TargetBasis}
	total := func(x float64) float64 {
		if ind.Sum {
			return x * q
		}
		return x
	}
	switch {
	case ind.Kind == indicators.Driver:
		it.Driver = true
		col := ind.Formula
		if v, ok := c.model.Verdict(col); ok && v.Uncertain {
			it.Uncertain, it.Sentence = true, v.Sentence
		}
		if i := slices.IndexFunc(c.plan.Changes, func(ch Change) bool { return ch.Driver == col }); i >= 0 {
			ch := c.plan.Changes[i]
			it.Current, it.Target = Figure(total(ch.From)), total(ch.To)
			it.Basis = fmt.Sprintf("the plan: %s %s, %.0f %% of the way to %s", col, describeChange(ch), 100*ch.RangeUsed, ch.Bounds)
			return it
		}
		if out0, err := c.model.Driver.WhatIf(driverScenario(col)); err == nil && out0.Changes[0].From > 0 {
			it.Current = Figure(total(out0.Changes[0].From))
		} else {
			it.Current = c.current(ind, scope{p: c.panels[features.Company], label: "company"}, true)
		}
		it.Target = float64(it.Current)
		it.Basis = "held at its current level: the plan does not need it"
	case ind.Formula == features.ColRevenue:
		it.Current, it.Target = Figure(c.plan.Baseline.PriorRevenue), c.plan.Baseline.TargetRevenue
		it.Basis = fmt.Sprintf("the goal: the revenue of the same period a year earlier, %s, grown %s", numfmt.Money(c.plan.Baseline.PriorRevenue, c.co.Dataset().Settings.Currency), signedPct(c.plan.Target))
	case ind.Formula == features.ColGrowthAttainment:
		it.Current = c.current(ind, scope{p: c.panels[features.Company], label: "company"}, false)
		it.Target = 1
		it.Basis = "the goal itself: actual growth equal to the growth the goal asks for"
	default:
		it.Current = c.current(ind, scope{p: c.panels[features.Company], label: "company"}, false)
		it.Target = total(s.Target)
		if ind.Sum {
			it.Basis = s.TargetBasis + ", every quarter of the period"
		}
	}
	return it
}

// window is the indices of the last n complete quarters of a panel, newest first.
func window(p *features.Panel, n int) []int {
	var out []int
	for t := len(p.Periods) - 1; t >= 0 && len(out) < n; t-- {
		if p.Complete[t] {
			out = append(out, t)
		}
	}
	return out
}

// values are the indicator's values at a scope over the last n complete quarters, newest
// first (NaN where unknown).
func values(ind *indicators.Indicator, s scope, n int) []float64 {
	if s.p == nil || s.p.Series(s.id, features.ColRevenue) == nil {
		return nil
	}
	for _, col := range ind.Columns() {
		if !s.p.Has(col) {
			return nil
		}
	}
	var out []float64
	for _, t := range window(s.p, n) {
		out = append(out, ind.Eval(func(col string) float64 { return s.p.Series(s.id, col)[t] }))
	}
	return out
}

// current is the indicator at a scope over the last quarters the period spans (a driver: over
// its last complete quarter, the level the plan moves from): their total for a Sum
// indicator, scaled to the period's quarters, their mean otherwise; NaN when unknown.
func (c *cascader) current(ind *indicators.Indicator, s scope, driver bool) Figure {
	n := c.per.Quarters
	if driver {
		n = 1
	}
	xs := values(ind, s, n)
	sum, n := 0.0, 0
	for _, x := range xs {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	switch {
	case n == 0:
		return Figure(math.NaN())
	case ind.Sum:
		return Figure(sum * float64(c.per.Quarters) / float64(n))
	}
	return Figure(sum / float64(n))
}

// history is the indicator's total at a scope over the last four complete quarters (0 when
// unknown): a team's or person's contribution history.
func history(ind *indicators.Indicator, s scope) float64 {
	sum := 0.0
	for _, x := range values(ind, s, 4) {
		if !math.IsNaN(x) {
			sum += x
		}
	}
	return sum
}

// personal are the panel columns whose rows belong to the person answerable for them: the
// deals a salesperson owns, the tickets an agent answers. A team's or person's own figure of
// an indicator is read only from these (and, for a team, from its own staff numbers): an
// expense claim's row belongs to whoever submitted it, not to finance, which pays it.
var personal = map[string]bool{
	features.ColRevenue: true, features.ColLeads: true, features.ColWinRate: true, features.ColAvgDeal: true,
	features.ColSalesCycleDays: true, features.ColPipelineCoverage: true, features.ColTarget: true, features.ColCompletion: true,
	features.ColGrowthAttainment: true, features.ColGrowthYoY: true, features.ColGrowthPrev: true,
	features.ColFirstResponseH: true, features.ColFirstResponseP50: true, features.ColFirstResponseP90: true,
	features.ColResolutionHours: true, features.ColCSAT: true,
}

// staffColumns a team owns as well: its own headcount.
var staffColumns = map[string]bool{features.ColHeadcount: true, features.ColSalesHeadcount: true, features.ColAttrition: true}

// own reports whether the scope has its own figure of the indicator: every column of its
// formula is one the scope answers for (personal; staff numbers for a team; anything for a
// region or the company), with a value, not zero, in one of the last four complete
// quarters. A team with no deals of its own is held to a wider scope's figure instead.
func own(ind *indicators.Indicator, s scope) bool {
	if s.p == nil || ind == nil {
		return false
	}
	if s.p.Level == features.Team || s.p.Level == features.Employee {
		for _, col := range ind.Columns() {
			if !personal[col] && !(s.p.Level == features.Team && staffColumns[col]) {
				return false
			}
		}
	}
	for _, x := range values(ind, s, 4) {
		if !math.IsNaN(x) && x != 0 {
			return true
		}
	}
	return false
}

// capacity is a person's full-time equivalent at the data's end: 1 after RampMonths on
// staff, less before.
func (c *cascader) capacity(e *datasets.Employee) float64 {
	months := c.asOf.Sub(e.HireDate).Hours() / 24 / 30.44
	return math.Max(0, math.Min(1, months/c.opt.RampMonths))
}

// active are the employees on staff at the data's end.
func active(ds *datasets.Dataset, asOf time.Time) []*datasets.Employee {
	var out []*datasets.Employee
	for i := range ds.Employees {
		e := &ds.Employees[i]
		if e.HireDate.Before(asOf) && (e.ExitDate.IsZero() || !e.ExitDate.Before(asOf)) {
			out = append(out, e)
		}
	}
	return out
}

// roleTeams are the role's teams: the teams table's teams of the function, then any team of
// an employee in the role that the table lacks.
func roleTeams(ds *datasets.Dataset, role string, staff []*datasets.Employee) []datasets.Team {
	var out []datasets.Team
	seen := map[string]bool{}
	for _, t := range ds.Teams {
		if t.Function == role && !seen[t.TeamID] {
			out = append(out, t)
			seen[t.TeamID] = true
		}
	}
	for _, e := range staff {
		if e.Role == role && e.TeamID != "" && !seen[e.TeamID] {
			out = append(out, datasets.Team{TeamID: e.TeamID, Name: e.TeamID, Function: role, Region: e.Region})
			seen[e.TeamID] = true
		}
	}
	return out
}

// teams splits the role's targets among its teams and their people.
//
// A team is measured at its own row of the team panel where it has one, else at its
// region's, else at the company's. A Total indicator that is not a driver (revenue, leads) is
// split among the teams with their own or their region's figure in shares of half their
// part of the last four quarters' total and half their part of the role's capacity, and on
// within a team so measured among its people the same way; a driver is moved in every team
// (and person) by the same proportion as in the plan, so that the teams add up to the role;
// any other indicator moves every team by the role's change (rates stay within 0 and 1).
// People are held to their team's target where the tables do not split it.
func (c *cascader) teams(ds *datasets.Dataset, role *indicators.Role, rt RoleTarget) []TeamTarget {
	staff := active(ds, c.asOf)
	list := roleTeams(ds, role.Role, staff)
	out := make([]TeamTarget, len(list))
	members := make([][]*datasets.Employee, len(list))
	roleCap := 0.0
	for i, t := range list {
		out[i] = TeamTarget{TeamID: t.TeamID, Name: t.Name, Region: t.Region, Indicators: []NodeTarget{}, Persons: []PersonTarget{}}
		for _, e := range staff {
			if e.TeamID == t.TeamID {
				members[i] = append(members[i], e)
				out[i].Capacity += c.capacity(e)
			}
		}
		roleCap += out[i].Capacity
	}
	scopes := make([]map[string]scope, len(list)) // team → indicator → where it is measured
	for i, t := range list {
		scopes[i] = map[string]scope{}
		for _, it := range rt.Indicators {
			ind := find(role, it.ID)
			s := scope{p: c.panels[features.Team], id: t.TeamID, label: "team:" + t.TeamID}
			if !own(ind, s) {
				s = scope{p: c.panels[features.Region], id: t.Region, label: "region:" + t.Region}
				if t.Region == "" || !own(ind, s) {
					s = scope{p: c.panels[features.Company], label: "company"}
				}
			}
			scopes[i][it.ID] = s
		}
	}
	split := "" // the Total non-driver indicator split among teams that sets the weights
	for _, it := range splitFirst(rt.Indicators) {
		ind := find(role, it.ID)
		shares := c.shares(ind, len(list), func(i int) (scope, float64, bool) {
			s := scopes[i][it.ID]
			return s, out[i].Capacity, s.label != "company"
		})
		for i := range list {
			s := scopes[i][it.ID]
			nt := NodeTarget{ID: it.ID, Current: it.Current, Target: it.Target, MeasuredAt: s.label}
			if s.label != "company" {
				nt.Current = c.current(ind, s, it.Driver)
				nt.Target = move(it, float64(nt.Current))
				if shares != nil {
					nt.Share, nt.Target = shares[i], it.Target*shares[i]
				}
			}
			out[i].Indicators = append(out[i].Indicators, nt)
		}
		if shares != nil && split == "" {
			split = it.ID
			for i := range out {
				out[i].Weight = shares[i]
			}
		}
	}
	if split == "" {
		for i := range out {
			out[i].Weight = capacityShare(out[i].Capacity, roleCap, len(out))
		}
	}
	for i := range out {
		inRoleOrder(out[i].Indicators, rt.Indicators)
		// A team held to the company's figures answers for the role's whole contribution.
		out[i].Contribution = rt.Contribution.Estimate * out[i].Weight
		if !slices.ContainsFunc(out[i].Indicators, func(n NodeTarget) bool { return n.MeasuredAt != "company" }) {
			out[i].Contribution = rt.Contribution.Estimate
		}
		out[i].Persons = c.persons(role, rt, out[i], members[i], scopes[i])
	}
	return out
}

// splitFirst orders a role's indicators so that revenue, where the role has it, comes first:
// the first total split among teams and people sets their weights, and revenue is the one a
// sales team is weighed by.
func splitFirst(its []IndicatorTarget) []IndicatorTarget {
	out := slices.Clone(its)
	slices.SortStableFunc(out, func(a, b IndicatorTarget) int {
		return compareBool(b.Formula == features.ColRevenue, a.Formula == features.ColRevenue)
	})
	return out
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// shares splits a Total non-driver indicator among n nodes: of the nodes with their own
// figure (at(i) reports the node's scope, capacity and whether it has one), half by their
// part of the last four quarters' total and half by their part of the capacity. It returns
// nil for an indicator that is not split, or when no node has its own figure.
func (c *cascader) shares(ind *indicators.Indicator, n int, at func(i int) (scope, float64, bool)) []float64 {
	if ind == nil || !ind.Sum || ind.Kind == indicators.Driver {
		return nil
	}
	hist, capa := make([]float64, n), make([]float64, n)
	var hs, cs float64
	any := false
	for i := 0; i < n; i++ {
		s, cp, ok := at(i)
		if !ok {
			continue
		}
		any = true
		hist[i], capa[i] = math.Max(0, history(ind, s)), cp
		hs += hist[i]
		cs += capa[i]
	}
	if !any {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		switch {
		case hs > 0 && cs > 0:
			out[i] = hist[i]/hs/2 + capa[i]/cs/2
		case hs > 0:
			out[i] = hist[i] / hs
		case cs > 0:
			out[i] = capa[i] / cs
		}
	}
	return out
}

// move is the target of a node whose current figure is cur for the role target it: a driver
// moved in proportion; growth attainment the same for everyone (the goal itself); any other
// indicator shifted by the role's change (a share kept within 0 and 1).
func move(it IndicatorTarget, cur float64) float64 {
	switch {
	case math.IsNaN(cur) || it.Formula == features.ColGrowthAttainment:
		return it.Target
	case it.Driver:
		switch {
		case it.Target == float64(it.Current):
			return cur // held
		case !(it.Current > 0):
			return it.Target
		}
		return cur * it.Target / float64(it.Current)
	}
	if math.IsNaN(float64(it.Current)) {
		return it.Target
	}
	v := cur + it.Target - float64(it.Current)
	if strings.HasPrefix(it.Unit, "share") {
		v = math.Max(0, math.Min(1, v))
	}
	return v
}

// persons splits a team's targets among its people (see teams).
func (c *cascader) persons(role *indicators.Role, rt RoleTarget, tt TeamTarget, members []*datasets.Employee, team map[string]scope) []PersonTarget {
	out := make([]PersonTarget, len(members))
	teamCap := 0.0
	for i, e := range members {
		out[i] = PersonTarget{EmployeeID: e.EmployeeID, Capacity: c.capacity(e), Indicators: []NodeTarget{}}
		teamCap += out[i].Capacity
	}
	split := false
	for _, it := range splitFirst(rt.Indicators) {
		ind := find(role, it.ID)
		ts := team[it.ID]
		tn := tt.Indicators[slices.IndexFunc(tt.Indicators, func(n NodeTarget) bool { return n.ID == it.ID })]
		var shares []float64
		if strings.HasPrefix(ts.label, "team:") {
			shares = c.shares(ind, len(members), func(i int) (scope, float64, bool) {
				return scope{p: c.panels[features.Employee], id: members[i].EmployeeID}, out[i].Capacity, true
			})
		}
		for i, e := range members {
			s := scope{p: c.panels[features.Employee], id: e.EmployeeID, label: "employee:" + e.EmployeeID}
			if shares == nil && !own(ind, s) {
				s = ts
			}
			nt := NodeTarget{ID: it.ID, Current: tn.Current, Target: tn.Target, MeasuredAt: s.label}
			if s.label != ts.label {
				nt.Current = c.current(ind, s, it.Driver)
			}
			if shares != nil {
				nt.Share, nt.Target = shares[i], tn.Target*shares[i]
			}
			out[i].Indicators = append(out[i].Indicators, nt)
		}
		if shares != nil && !split {
			split = true
			for i := range out {
				out[i].Weight = shares[i]
			}
		}
	}
	if !split {
		for i := range out {
			out[i].Weight = capacityShare(out[i].Capacity, teamCap, len(out))
		}
	}
	for i := range out {
		inRoleOrder(out[i].Indicators, rt.Indicators)
		out[i].Contribution = tt.Contribution * out[i].Weight
	}
	return out
}

// capacityShare is a node's weight when no indicator splits its parent's target: its part of
// the parent's capacity, or an equal part of n when nobody has capacity yet.
func capacityShare(capacity, total float64, n int) float64 {
	if total > 0 {
		return capacity / total
	}
	return 1 / float64(n)
}

// inRoleOrder sorts a node's targets in the order of the role's indicators.
func inRoleOrder(nts []NodeTarget, its []IndicatorTarget) {
	rank := func(id string) int {
		return slices.IndexFunc(its, func(it IndicatorTarget) bool { return it.ID == id })
	}
	slices.SortStableFunc(nts, func(a, b NodeTarget) int { return rank(a.ID) - rank(b.ID) })
}

// rationale says the role's part of the plan in a sentence or two.
func (c *cascader) rationale(rt RoleTarget, changes []Change) string {
	if rt.NoData != "" {
		return "No indicator of this role can be measured from the data: " + rt.NoData
	}
	if len(changes) == 0 {
		return "The plan does not move this role's drivers: they are held at their current levels, and its other indicators keep their suggested targets (the second-best quarter of the last eight)."
	}
	var parts []string
	for _, ch := range changes {
		p := fmt.Sprintf("%s %s, %.0f %% of the way to %s: %s of the period's growth (80 %%: %s to %s)",
			ch.Driver, describeChange(ch), 100*ch.RangeUsed, ch.Bounds, points(ch.Contribution.Estimate), points(ch.Contribution.Lower), points(ch.Contribution.Upper))
		if ch.Uncertain {
			p = fmt.Sprintf("%s %s, %.0f %% of the way to %s: somewhere in %s to %s of the period's growth; %s",
				ch.Driver, describeChange(ch), 100*ch.RangeUsed, ch.Bounds, points(ch.Contribution.Lower), points(ch.Contribution.Upper), ch.Sentence)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ") + ". Each team and person moves it by the same proportion; the role's other indicators keep their suggested targets."
}
