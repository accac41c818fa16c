package serve

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// incentiveModel is a loaded recommender over the tenant's HR data, with the recommendation
// of every employee on staff on the default as-of date (the day after the HR history ends)
// computed and encoded when the model is loaded. Requests by id on that date — what an HR
// system asks most — are assembled from the encoded pieces; other dates and posted feature
// records are scored on request.
type incentiveModel struct {
	version registry.Version
	src     *champion.Incentives
	rec     *incentive.Recommender
	asOf    time.Time
	cached  map[string]*cachedRec
	teams   map[string][]string // team → employees on staff on asOf, in table order
}

// cachedRec is one employee's recommendation with its JSON in pieces: head is the object up
// to and including `"options":[`, opts[k] the k-th option with its drivers and reasons, and
// bare[k] the same option without them.
type cachedRec struct {
	rec  incentive.Recommendation
	head []byte
	opts [][]byte
	bare [][]byte
}

// newIncentiveModel caches the JSON of the recommendations the champion computed for the
// employees on staff, with reasons on every option (champion.StaffTop), so that any top a
// request asks for can be cut from the cache.
func newIncentiveModel(v registry.Version, in *champion.Incentives) *incentiveModel {
	m := &incentiveModel{version: v, src: in, rec: in.Recommender, asOf: in.AsOf, cached: map[string]*cachedRec{}, teams: map[string][]string{}}
	for i := range in.Staff {
		r := &in.Staff[i]
		m.cached[r.EmployeeID] = encodeRec(r)
		m.teams[r.TeamID] = append(m.teams[r.TeamID], r.EmployeeID)
	}
	return m
}

func encodeRec(r *incentive.Recommendation) *cachedRec {
	cr := &cachedRec{rec: *r}
	b := []byte(`{"employee_id":`)
	b = appendString(b, r.EmployeeID)
	b = append(b, `,"role":`...)
	b = appendString(b, r.Role)
	b = append(b, `,"team_id":`...)
	b = appendString(b, r.TeamID)
	b = append(b, `,"attrition_risk":`...)
	b = appendNum(b, r.Risk)
	b = append(b, `,"salary":`...)
	b = appendNum(b, r.Salary)
	b = append(b, `,"notes":`...)
	b = appendStrings(b, nonNil(r.Notes))
	b = append(b, `,"unknown_inputs":`...)
	b = appendStrings(b, nonNil(r.Unknown))
	b = append(b, `,"options":[`...)
	cr.head = b
	cr.opts = make([][]byte, len(r.Options))
	cr.bare = make([][]byte, len(r.Options))
	for k := range r.Options {
		cr.bare[k] = appendOption(nil, &r.Options[k], false)
		cr.opts[k] = appendOption(nil, &r.Options[k], true)
	}
	return cr
}

func appendOption(b []byte, o *incentive.Option, reasons bool) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, o.Type)
	for _, f := range []struct {
		name string
		v    float64
	}{
		{`,"preference":`, o.Preference}, {`,"fit":`, o.Fit}, {`,"attrition_risk":`, o.Risk}, {`,"attrition_risk_change":`, o.RiskChange},
		{`,"performance_change":`, o.PerformanceChange}, {`,"cost":`, o.Cost}, {`,"benefit":`, o.Benefit}, {`,"value":`, o.Value},
	} {
		b = append(b, f.name...)
		b = appendNum(b, f.v)
	}
	b = append(b, `,"recommended":`...)
	b = strconv.AppendBool(b, o.Recommended)
	b = append(b, `,"flags":`...)
	b = appendStrings(b, nonNil(o.Flags))
	if reasons {
		b = append(b, `,"drivers":[`...)
		for i, d := range o.Drivers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feature":`...)
			b = appendString(b, d.Feature)
			b = append(b, `,"value":`...)
			b = appendString(b, d.Value)
			b = append(b, `,"typical":`...)
			b = appendString(b, d.Typical)
			b = append(b, `,"effect":`...)
			b = appendNum(b, d.Effect)
			b = append(b, '}')
		}
		b = append(b, `],"reasons":`...)
		b = appendStrings(b, nonNil(o.Reasons))
	}
	return append(b, '}')
}

// appendRec appends one recommendation with its first top options.
func (cr *cachedRec) appendTo(b []byte, top int, reasons bool) []byte {
	b = append(b, cr.head...)
	opts := cr.opts
	if !reasons {
		opts = cr.bare
	}
	for k := range min(top, len(opts)) {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, opts[k]...)
	}
	return append(b, "]}"...)
}

// recommendRequest names the employees: by id, a whole team, or posted feature records.
type recommendRequest struct {
	EmployeeIDs []string                  `json:"employee_ids"`
	Team        string                    `json:"team"`
	Employees   []features.EmployeeRecord `json:"employees"`
	AsOf        string                    `json:"as_of"`
	Top         *int                      `json:"top"`
	Reasons     *bool                     `json:"reasons"`
}

// selection is the employees a recommendation or allocation request is about, resolved.
type selection struct {
	m       *incentiveModel
	asOf    time.Time
	cached  []*cachedRec               // when every employee is in the cache
	records []incentive.Recommendation // otherwise
}

// selectEmployees resolves the employees of a request and scores the ones the cache does not
// hold.
func (s *Server) selectEmployees(ctx context.Context, rq *call, ids []string, team string, recs []features.EmployeeRecord, asOfStr string) (*selection, error) {
	sn := rq.t.live.Load()
	m := sn.incentive
	if m == nil {
		return nil, sn.unavailable(champion.Incentive)
	}
	given := 0
	for _, ok := range []bool{ids != nil, team != "", recs != nil} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return nil, invalid("body", "give exactly one of employee_ids, team and employees")
	}
	n := len(ids) + len(recs)
	if ids != nil && len(ids) == 0 || recs != nil && len(recs) == 0 {
		return nil, invalid("body", "the list of employees is empty")
	}
	if n > s.cfg.MaxBatch {
		field := "employee_ids"
		if recs != nil {
			field = "employees"
		}
		return nil, errorf(ETooLarge, field, "%d employees: at most %d per request", n, s.cfg.MaxBatch)
	}
	sel := &selection{m: m, asOf: m.asOf}
	explicit := false
	if asOfStr != "" {
		t, err := datasets.ParseDate(asOfStr)
		if err != nil {
			return nil, invalid("as_of", "%q: want a date YYYY-MM-DD", clip.String(asOfStr, 32))
		}
		if t.After(m.asOf.AddDate(0, 0, incentive.MaxStaleDays)) {
			return nil, invalid("as_of", "%s is more than %d days after the HR history ends (%s): upload fresher HR data",
				asOfStr, incentive.MaxStaleDays, datasets.FormatDate(m.asOf.AddDate(0, 0, -1)))
		}
		if t.Year() < 1900 {
			return nil, invalid("as_of", "%s is before 1900", asOfStr)
		}
		sel.asOf, explicit = t, !t.Equal(m.asOf)
	}
	if team != "" {
		if len(team) > 64 {
			return nil, invalid("team", "at most 64 characters")
		}
		if !explicit {
			members, ok := m.teams[team]
			if !ok {
				return nil, errorf(ENotFound, "team", "no employee on staff in team %q on %s", team, datasets.FormatDate(sel.asOf))
			}
			ids = members
		} else {
			var err error
			if ids, err = m.rec.OnStaff(sel.asOf, team); err != nil {
				return nil, errorf(ENotFound, "team", "%s", err.Error())
			}
			if len(ids) == 0 {
				return nil, errorf(ENotFound, "team", "no employee on staff in team %q on %s", team, datasets.FormatDate(sel.asOf))
			}
		}
	}
	if recs != nil {
		rows := make([]features.EmployeeRow, len(recs))
		for i := range recs {
			var err error
			if rows[i], err = recs[i].Row(sel.asOf, m.rec.ProtectedInputs(), m.rec.MedianSalary); err != nil {
				var fe *features.FieldError
				if errors.As(err, &fe) {
					return nil, invalid("employees["+itoa(i)+"]."+fe.Field, "%s", fe.Msg)
				}
				return nil, err
			}
			if rows[i].AsOf.After(m.asOf.AddDate(0, 0, incentive.MaxStaleDays)) {
				return nil, invalid("employees["+itoa(i)+"].as_of", "more than %d days after the HR history ends", incentive.MaxStaleDays)
			}
		}
		out, err := m.rec.RecommendRows(ctx, rows, incentive.Options{Top: champion.StaffTop})
		if err != nil {
			return nil, invalid("employees", "%s", err.Error())
		}
		sel.records = out
		return sel, nil
	}
	for i, id := range ids {
		if id == "" || len(id) > 64 {
			return nil, invalid("employee_ids["+itoa(i)+"]", "want an id of 1 to 64 characters")
		}
	}
	if !explicit {
		sel.cached = make([]*cachedRec, len(ids))
		hit := true
		for i, id := range ids {
			if sel.cached[i] = m.cached[id]; sel.cached[i] == nil {
				hit = false
				break
			}
		}
		if hit {
			return sel, nil
		}
		sel.cached = nil
	}
	out, err := m.rec.Recommend(ctx, ids, incentive.Options{AsOf: sel.asOf, Top: champion.StaffTop})
	switch {
	case errors.Is(err, incentive.ErrUnknownEmployee):
		return nil, errorf(ENotFound, "employee_ids", "%s", clip.String(err.Error(), 512))
	case errors.Is(err, incentive.ErrNotOnStaff):
		return nil, invalid("employee_ids", "%s", clip.String(err.Error(), 512))
	case err != nil:
		return nil, err
	}
	sel.records = out
	return sel, nil
}

func (sel *selection) len() int {
	if sel.cached != nil {
		return len(sel.cached)
	}
	return len(sel.records)
}

// recommendations returns the selection's recommendations as values (for Allocate).
func (sel *selection) recommendations() []incentive.Recommendation {
	if sel.cached == nil {
		return sel.records
	}
	out := make([]incentive.Recommendation, len(sel.cached))
	for i, cr := range sel.cached {
		out[i] = cr.rec
	}
	return out
}

func (s *Server) postRecommendations(c *gin.Context, rq *call) error {
	var req recommendRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	top, reasons := 3, true
	if req.Top != nil {
		if *req.Top < 1 || *req.Top > champion.StaffTop {
			return invalid("top", "%d: want 1 to %d", *req.Top, champion.StaffTop)
		}
		top = *req.Top
	}
	if req.Reasons != nil {
		reasons = *req.Reasons
	}
	sel, err := s.selectEmployees(c.Request.Context(), rq, req.EmployeeIDs, req.Team, req.Employees, req.AsOf)
	if err != nil {
		return err
	}
	n := sel.len()
	s.metrics.predicted(rq.key.Tenant, champion.Incentive, "recommendation", n)
	b := make([]byte, 0, 256+n*(700+top*900))
	b = append(b, `{"model":`...)
	b = appendModelRef(b, sel.m.version)
	b = append(b, `,"as_of":`...)
	b = appendString(b, datasets.FormatDate(sel.asOf))
	if cur := rq.t.live.Load().currency(); cur != "" {
		b = append(b, `,"currency":`...) // of each option's cost and value
		b = appendString(b, cur)
	}
	b = append(b, `,"count":`...)
	b = append(b, itoa(n)...)
	b = append(b, `,"recommendations":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if sel.cached != nil {
			b = sel.cached[i].appendTo(b, top, reasons)
		} else {
			b = encodeRec(&sel.records[i]).appendTo(b, top, reasons)
		}
	}
	b = append(b, "]}\n"...)
	writeRaw(c, 200, b)
	return nil
}

func appendModelRef(b []byte, v registry.Version) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"version":`...)
	b = append(b, itoa(v.Version)...)
	b = append(b, `,"created":`...)
	b = appendString(b, v.Created.UTC().Format(time.RFC3339Nano))
	if v.RunID != "" {
		b = append(b, `,"run_id":`...)
		b = appendString(b, v.RunID)
	}
	if v.DataHash != "" {
		b = append(b, `,"data_hash":`...)
		b = appendString(b, v.DataHash)
	}
	return append(b, '}')
}

type allocateRequest struct {
	EmployeeIDs []string                  `json:"employee_ids"`
	Team        string                    `json:"team"`
	Employees   []features.EmployeeRecord `json:"employees"`
	AsOf        string                    `json:"as_of"`
	Budget      *float64                  `json:"budget"`
	CostUnit    *float64                  `json:"cost_unit"`
}

type grantJSON struct {
	EmployeeID string `json:"employee_id"`
	Type       string `json:"type"`
	Cost       num    `json:"cost"`
	Value      num    `json:"value"`
	Rank       int    `json:"rank"`
}

func (s *Server) postAllocations(c *gin.Context, rq *call) error {
	var req allocateRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if req.Budget == nil {
		return invalid("budget", "required: the money available, ≥ 0")
	}
	if b := *req.Budget; !(b >= 0 && b <= 1e12) {
		return invalid("budget", "%g: want 0 to 1e12", b)
	}
	opt := incentive.AllocateOptions{CostUnit: 10}
	if req.CostUnit != nil {
		if u := *req.CostUnit; !(u >= 0.01 && u <= 1e9) {
			return invalid("cost_unit", "%g: want 0.01 to 1e9", u)
		}
		opt.CostUnit = *req.CostUnit
	}
	sel, err := s.selectEmployees(c.Request.Context(), rq, req.EmployeeIDs, req.Team, req.Employees, req.AsOf)
	if err != nil {
		return err
	}
	opt.TypeBudget = sel.m.rec.Config().Budget
	alloc, err := incentive.Allocate(sel.recommendations(), *req.Budget, opt)
	if err != nil {
		return invalid("cost_unit", "%s", err.Error())
	}
	s.metrics.predicted(rq.key.Tenant, champion.Incentive, "allocation", 1)
	grants := make([]grantJSON, len(alloc.Grants))
	for i, g := range alloc.Grants {
		grants[i] = grantJSON{g.EmployeeID, g.Type, num(g.Cost), num(g.Value), g.Rank}
	}
	return writeJSON(c, 200, withCurrency(rq.t.live.Load().currency(), map[string]any{
		"model": refOf(sel.m.version), "as_of": datasets.FormatDate(sel.asOf), "employees": sel.len(),
		"allocation": map[string]any{
			"budget": num(alloc.Budget), "spent": num(alloc.Spent), "value": num(alloc.Value), "cost_unit": num(alloc.CostUnit),
			"grants": grants, "unfunded": nonNil(alloc.Unfunded),
		},
	}))
}

// getEmployeeFeatures answers GET /v1/employees/{id}/features: the record the models read for
// a stored employee on the as-of date (the day after the HR data by default), in the form
// POST /v1/recommendations takes as "employees": posting it back gives the same scores and
// reasons as asking by id.
func (s *Server) getEmployeeFeatures(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	m := sn.incentive
	if m == nil {
		return sn.unavailable(champion.Incentive)
	}
	id := c.Param("id")
	if id == "" || len(id) > 64 {
		return invalid("id", "want an id of 1 to 64 characters")
	}
	asOf := m.asOf
	if q := rq.query.Get("as_of"); q != "" {
		t, err := datasets.ParseDate(q)
		if err != nil || t.Year() < 1900 {
			return invalid("as_of", "%q: want a date YYYY-MM-DD from 1900 on", clip.String(q, 32))
		}
		if t.After(m.asOf.AddDate(0, 0, incentive.MaxStaleDays)) {
			return invalid("as_of", "%s is more than %d days after the HR history ends (%s): upload fresher HR data",
				q, incentive.MaxStaleDays, datasets.FormatDate(m.asOf.AddDate(0, 0, -1)))
		}
		asOf = t
	}
	rows, err := m.rec.Features([]string{id}, incentive.Options{AsOf: asOf})
	switch {
	case errors.Is(err, incentive.ErrUnknownEmployee):
		return errorf(ENotFound, "id", "%s", clip.String(err.Error(), 512))
	case errors.Is(err, incentive.ErrNotOnStaff):
		return invalid("as_of", "%s", clip.String(err.Error(), 512))
	case err != nil:
		return err
	}
	s.metrics.predicted(rq.key.Tenant, champion.Incentive, "features", 1)
	return writeJSON(c, 200, map[string]any{
		"model": refOf(m.version), "as_of": datasets.FormatDate(asOf),
		"employee": features.RecordOf(&rows[0], m.rec.ProtectedInputs()),
	})
}
