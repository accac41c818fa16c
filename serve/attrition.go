package serve

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/incentive"
)

// getAttrition answers GET /v1/attrition: with employee_id, one employee's 12-month leaving
// risk and the inputs that raise it, in words; otherwise, for a scope (company, region:<id>,
// team:<id>; company by default), the expected leavers within 12 months with their 80 %
// interval, the turnover of the three years before, and the employees most at risk. Risks are
// those of the incentive champion's attrition model on the day after the HR data, with no
// incentive given.
func (s *Server) getAttrition(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	m := sn.incentive
	if m == nil {
		return sn.unavailable(champion.Incentive)
	}
	q := rq.query
	id, scope := q.Get("employee_id"), q.Get("scope")
	if id != "" && scope != "" {
		return invalid("scope", "give employee_id or scope, not both")
	}
	limit, err := queryInt(q, "limit", 10, 0, 1000)
	if err != nil {
		return err
	}
	r := m.rec
	if id != "" {
		if len(id) > 64 {
			return invalid("employee_id", "want an id of 1 to 64 characters")
		}
		risks, err := r.Attrition([]string{id}, incentive.Options{})
		switch {
		case errors.Is(err, incentive.ErrUnknownEmployee):
			return errorf(ENotFound, "employee_id", "%s", clip.String(err.Error(), 512))
		case errors.Is(err, incentive.ErrNotOnStaff):
			return invalid("employee_id", "%s", clip.String(err.Error(), 512))
		case err != nil:
			return err
		}
		s.metrics.predicted(rq.key.Tenant, champion.Incentive, "attrition", 1)
		return writeJSON(c, 200, map[string]any{"model": refOf(m.version), "as_of": datasets.FormatDate(m.asOf), "employee": risks[0]})
	}
	if scope == "" {
		scope = "company"
	}
	var leavers *incentive.Leavers
	for i := range m.src.Leavers {
		if m.src.Leavers[i].Scope == scope {
			leavers = &m.src.Leavers[i]
		}
	}
	if leavers == nil {
		if !(scope == "company" || strings.HasPrefix(scope, "region:") || strings.HasPrefix(scope, "team:")) {
			return invalid("scope", "%q: want company, region:<id> or team:<id>", clip.String(scope, 64))
		}
		return errorf(ENotFound, "scope", "nobody on staff in %s on %s", clip.String(scope, 64), datasets.FormatDate(m.asOf))
	}
	past, err := r.PastTurnover(incentive.Options{}, champion.TurnoverYears, scope)
	if err != nil {
		return err
	}
	// The employees most at risk in the scope, explained.
	var staff []incentive.Recommendation
	for _, rec := range m.src.Staff {
		if inScope(r, scope, rec.EmployeeID, rec.TeamID) {
			staff = append(staff, rec)
		}
	}
	slices.SortStableFunc(staff, func(a, b incentive.Recommendation) int { return cmp.Compare(b.Risk, a.Risk) })
	ids := make([]string, 0, min(limit, len(staff)))
	for _, rec := range staff[:min(limit, len(staff))] {
		ids = append(ids, rec.EmployeeID)
	}
	atRisk := []incentive.Risk{}
	if len(ids) > 0 {
		if atRisk, err = r.Attrition(ids, incentive.Options{}); err != nil {
			return err
		}
	}
	s.metrics.predicted(rq.key.Tenant, champion.Incentive, "attrition", len(ids))
	return writeJSON(c, 200, map[string]any{
		"model": refOf(m.version), "as_of": datasets.FormatDate(m.asOf), "scope": scope,
		"leavers": leavers, "past": nonNil(past), "at_risk": atRisk,
	})
}

// inScope reports whether an employee on staff belongs to the scope.
func inScope(r *incentive.Recommender, scope, id, team string) bool {
	switch {
	case scope == "company":
		return true
	case strings.HasPrefix(scope, "team:"):
		return team == strings.TrimPrefix(scope, "team:")
	case strings.HasPrefix(scope, "region:"):
		return r.Region(id) == strings.TrimPrefix(scope, "region:")
	}
	return false
}
