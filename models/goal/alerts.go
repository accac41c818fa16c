package goal

import (
	"fmt"
	"math"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/diagnose"
)

// KPIAlerts raises an alert for every team indicator of the plan whose completion to date is
// below cfg.Threshold (critical below cfg.Critical): a role's KPI that has fallen behind its
// target — first-response time above it, say — not only revenue. Each alert is about the
// team (scope team:ID) and the indicator (its metric is the indicator's id) in the quarter
// holding the data's last day; its pace is the completion, its actual and target the team's
// figures to date and for the period, and it notifies the team's role and the GM. Nothing is
// judged before cfg.MinShare of the period's revenue is expected (early figures say little).
// Alerts are not deduplicated here (alert.Dedup does that against the alerts raised before).
func KPIAlerts(co *diagnose.Company, plan *Plan, cfg alert.Config) ([]alert.Alert, []string, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, nil, err
	}
	if !plan.Reachable {
		return nil, []string{fmt.Sprintf("the goal of %s is out of reach: it sets no targets to check", plan.Period)}, nil
	}
	s, err := newScorer(co, plan)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	if s.elapsed < cfg.MinShare {
		return nil, append(notes, fmt.Sprintf("only %.0f %% of %s's revenue is expected by the data's end: too early to judge its KPIs", 100*s.elapsed, plan.Period)), nil
	}
	asOf := s.asOf
	quarter := datasets.QuarterOf(asOf.Add(-time.Nanosecond))
	var out []alert.Alert
	for _, r := range plan.Roles {
		for _, tm := range r.Teams {
			card := s.card("team", tm.TeamID, r)
			s.lines(card, r, tm.Indicators)
			for _, l := range card.Lines {
				c := float64(l.Completion)
				if math.IsNaN(c) || !(c < cfg.Threshold) {
					continue
				}
				scope := "team:" + tm.TeamID
				a := alert.Alert{Key: alert.Key(scope, l.ID, quarter), Scope: scope, Metric: l.ID, Period: quarter, AsOf: asOf,
					Actual: float64(l.Actual), Target: l.Target, Expected: float64(l.Due), Pace: c, Threshold: cfg.Threshold,
					Severity: alert.Warning, Causes: []alert.Cause{}, NoDominantCause: true, Notify: []string{r.Role}}
				if c < cfg.Critical {
					a.Severity = alert.Critical
				}
				if r.Role != "gm" {
					a.Notify = append(a.Notify, "gm")
				}
				a.ID = alert.ID(a.Key, asOf)
				out = append(out, a)
			}
		}
	}
	return out, notes, nil
}
