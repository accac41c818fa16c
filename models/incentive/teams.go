package incentive

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
)

// TeamSummary sums up a team's recommendations by their first recommended option: what the
// review page shows per team and `growthlens recommend` prints under its recommendations.
type TeamSummary struct {
	Team      string
	Employees int
	// Top counts each incentive type recommended first.
	Top map[string]int
	// MeanRisk is the mean attrition risk with no incentive; MeanRiskAfter with each
	// employee's first option (their own risk when nothing is recommended to them).
	MeanRisk, MeanRiskAfter float64
	// Cost and Value are the sums over the team's first options.
	Cost, Value float64
	// NoOption counts the employees to whom nothing is recommended.
	NoOption int
}

// SummarizeTeams sums recs up by team (in team order) and over all of them (total, whose Team
// is "total"); types are the incentive types recommended first to anyone, in
// datasets.RewardTypes order.
func SummarizeTeams(recs []Recommendation) (teams []TeamSummary, total TeamSummary, types []string) {
	total = TeamSummary{Team: "total", Top: map[string]int{}}
	byTeam := map[string]*TeamSummary{}
	var order []string
	seen := map[string]bool{}
	for i := range recs {
		r := &recs[i]
		ts := byTeam[r.TeamID]
		if ts == nil {
			ts = &TeamSummary{Team: r.TeamID, Top: map[string]int{}}
			byTeam[r.TeamID] = ts
			order = append(order, r.TeamID)
		}
		top := r.Recommended()
		for _, t := range []*TeamSummary{ts, &total} {
			t.Employees++
			t.MeanRisk += r.Risk
			if len(top) == 0 {
				t.NoOption++
				t.MeanRiskAfter += r.Risk
				continue
			}
			o := top[0]
			t.Top[o.Type]++
			t.MeanRiskAfter += o.Risk
			t.Cost += o.Cost
			t.Value += o.Value
		}
		if len(top) > 0 {
			seen[top[0].Type] = true
		}
	}
	slices.Sort(order)
	for _, id := range order {
		ts := byTeam[id]
		ts.MeanRisk /= float64(ts.Employees)
		ts.MeanRiskAfter /= float64(ts.Employees)
		teams = append(teams, *ts)
	}
	if total.Employees > 0 {
		total.MeanRisk /= float64(total.Employees)
		total.MeanRiskAfter /= float64(total.Employees)
	}
	for _, t := range datasets.RewardTypes {
		if seen[t] {
			types = append(types, t)
		}
	}
	return teams, total, types
}

// Summary says the expected leavers in one English sentence, the one the review page and
// `growthlens recommend` print: "Of the 98 employees on staff on 2026-10-01, 13.7 are
// expected to leave within 12 months (80 % interval 10 to 19), a turnover of 14.0 %; last
// year's was 11.7 %." asOf is the date the staff is counted on; past is PastTurnover's years,
// the last of which is "last year" (none: the clause is left out).
func (l Leavers) Summary(asOf string, past []Turnover) string {
	s := fmt.Sprintf("Of the %d employees on staff on %s, %s are expected to leave within 12 months (%s interval %d to %d), a turnover of %s",
		l.Employees, asOf, strconv.FormatFloat(l.Expected, 'f', 1, 64), strconv.FormatFloat(100*l.Level, 'f', -1, 64)+" %", l.Low, l.High, numfmt.Percent(l.Turnover))
	if k := len(past); k > 0 {
		s += "; last year's was " + numfmt.Percent(past[k-1].Rate)
	}
	return s + "."
}
