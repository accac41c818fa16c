package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/lazy"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
)

// Goals and the cascade: POST /v1/goals sets the GM's growth target for a year or a quarter
// (each post a new version of that period's goal, kept in the store and audited); GET
// /v1/goals lists the goals; GET /v1/cascade?period= cascades the period's goal through the
// tenant's champion company model to every role, team and person (models/goal, as
// `growthlens cascade`). A cascade is computed once per goal version and data version and
// then served from its encoded bytes.

type goalRequest struct {
	Period string   `json:"period"`
	Metric string   `json:"metric"`
	Target *float64 `json:"target"`
	Note   string   `json:"note"`
}

func (s *Server) postGoal(c *gin.Context, rq *call) error {
	var req goalRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if req.Metric == "" {
		req.Metric = goal.MetricGrowthYoY
	}
	if req.Target == nil {
		return invalid("target", "required: the growth to reach as a fraction (0.30 is +30 %%)")
	}
	g := goal.Goal{Period: req.Period, Metric: req.Metric, Target: *req.Target, Note: req.Note}
	if err := g.Validate(); err != nil {
		return goalError(err)
	}
	doc, err := s.store.PutGoal(rq.key.Tenant, g.Key(), func(v int) (json.RawMessage, error) {
		g.Version, g.SetBy, g.Role, g.Created = v, rq.key.ID, rq.key.Role, time.Now().UTC()
		return json.Marshal(g)
	})
	if err != nil {
		return err
	}
	rq.target = "goal " + g.Key()
	rq.detail = fmt.Sprintf("target %s for %s, version %d", strconv.FormatFloat(g.Target, 'f', -1, 64), g.Period, doc.Version)
	return writeJSON(c, 201, map[string]any{"goal": g})
}

// goalError turns a goal's *FieldError into the API's error naming the field.
func goalError(err error) error {
	var fe *goal.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Msg)
	}
	return err
}

func (s *Server) getGoals(c *gin.Context, rq *call) error {
	period := rq.query.Get("period")
	if period != "" {
		p, err := goal.ParsePeriod(period)
		if err != nil {
			return invalid("period", "%v", err)
		}
		period = p.String()
	}
	history, err := queryBool(rq.query, "history", false)
	if err != nil {
		return err
	}
	docs, err := s.store.Goals(rq.key.Tenant)
	if err != nil {
		return err
	}
	out := []goal.Goal{}
	seen := map[string]bool{}
	for _, d := range docs { // by key, newest version first
		var g goal.Goal
		if err := json.Unmarshal(d.Data, &g); err != nil {
			return fmt.Errorf("stored goal %s v%d: %w", d.ID, d.Version, err)
		}
		if period != "" && g.Period != period || !history && seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		out = append(out, g)
	}
	return writeJSON(c, 200, map[string]any{"goals": out})
}

// currentGoal returns the latest version of the period's goal of the metric, or an
// ENotFound error that says how to set one.
func (s *Server) currentGoal(tenant string, p goal.Period, metric string) (goal.Goal, error) {
	docs, err := s.store.Goal(tenant, p.String()+"."+metric)
	if errors.Is(err, registry.ErrNotFound) {
		return goal.Goal{}, errorf(ENotFound, "period", "no %s goal for %s: set one with POST /v1/goals (a gm or admin key), or preview one with target=", metric, p)
	}
	if err != nil {
		return goal.Goal{}, err
	}
	var g goal.Goal
	if err := json.Unmarshal(docs[0].Data, &g); err != nil {
		return goal.Goal{}, fmt.Errorf("stored goal %s v%d: %w", docs[0].ID, docs[0].Version, err)
	}
	return g, nil
}

// cascaded is one cascade: its plan (for the review page and the scorecards) and its
// encoded body.
type cascaded struct {
	plan *goal.Plan
	body []byte
}

func (s *Server) getCascade(c *gin.Context, rq *call) error {
	ps := rq.query.Get("period")
	if ps == "" {
		return invalid("period", "required: a year such as 2027 or a quarter such as 2027Q1")
	}
	p, err := goal.ParsePeriod(ps)
	if err != nil {
		return invalid("period", "%v", err)
	}
	target, preview, err := queryFloat(rq.query, "target")
	if err != nil {
		return err
	}
	g := goal.Goal{Period: p.String(), Metric: goal.MetricGrowthYoY, Target: target}
	if preview {
		if err := g.Validate(); err != nil {
			return goalError(err)
		}
	} else if g, err = s.currentGoal(rq.key.Tenant, p, goal.MetricGrowthYoY); err != nil {
		return err
	}
	sn := rq.t.live.Load()
	e, err := s.cascade(c.Request.Context(), sn, g)
	if err != nil {
		return err
	}
	if !allowed(rq.key.Role, permPeople) {
		// People's targets are personal data: a key without the people permission sees roles
		// and teams only.
		b, err := withoutPersons(e.plan)
		if err != nil {
			return err
		}
		writeRaw(c, 200, b)
		return nil
	}
	writeRaw(c, 200, e.body)
	return nil
}

// cascade returns the cascade of a goal version on the snapshot's data, computed once in the
// background (package lazy) on first use and kept with the snapshot's diagnosis; ctx's error
// when ctx ends first (the computation goes on for the next caller until the server stops).
func (s *Server) cascade(ctx context.Context, sn *snapshot, g goal.Goal) (*cascaded, error) {
	co, err := sn.company(ctx)
	if err != nil {
		return nil, err
	}
	d := sn.diag
	key := fmt.Sprintf("%s|%d|%s", g.Key(), g.Version, strconv.FormatFloat(g.Target, 'g', -1, 64))
	d.mu.Lock()
	if d.cascades == nil {
		d.cascades = map[string]*lazy.Value[*cascaded]{}
	}
	lz, ok := d.cascades[key]
	if !ok {
		lz = lazy.New(func() (*cascaded, error) {
			plan, err := goal.Cascade(s.trainCtx, co, g, goal.Options{Seed: diagnoseSeed})
			switch {
			case errors.Is(err, goal.ErrNoModel):
				return nil, errorf(EUnavailable, "", "the cascade needs the tenant's company model: train first (%v)", err)
			case errors.Is(err, indicators.ErrNoData):
				return nil, errorf(EInvalidData, "", "%s", err.Error())
			case err != nil:
				return nil, errorf(EInvalidData, "", "the goal cannot be cascaded on the tenant's data: %s", err.Error())
			}
			body, err := json.Marshal(plan)
			if err != nil {
				return nil, err
			}
			return &cascaded{plan: plan, body: append(body, '\n')}, nil
		})
		d.cascades[key] = lz
	}
	d.mu.Unlock()
	return lz.Get(ctx)
}

// withoutPersons encodes a plan with every team's people left out.
func withoutPersons(p *goal.Plan) ([]byte, error) {
	cp := *p
	cp.Roles = make([]goal.RoleTarget, len(p.Roles))
	for i, r := range p.Roles {
		r.Teams = append(make([]goal.TeamTarget, 0, len(r.Teams)), r.Teams...)
		for k := range r.Teams {
			r.Teams[k].Persons = []goal.PersonTarget{}
		}
		cp.Roles[i] = r
	}
	cp.Notes = append(append([]string{}, p.Notes...), "people's targets are left out: they need a key with the people permission (gm, hr_system, admin)")
	b, err := json.Marshal(cp)
	return append(b, '\n'), err
}

// getScorecards scores a team or a person against their targets in the cascade of the
// period's goal: each indicator's target, actual to date, completion, weight and weighted
// score (models/goal).
func (s *Server) getScorecards(c *gin.Context, rq *call) error {
	ps := rq.query.Get("period")
	if ps == "" {
		return invalid("period", "required: the goal's year such as 2026 or quarter such as 2026Q3")
	}
	p, err := goal.ParsePeriod(ps)
	if err != nil {
		return invalid("period", "%v", err)
	}
	team, person := rq.query.Get("team"), rq.query.Get("employee_id")
	switch {
	case team == "" && person == "":
		return invalid("team", "give team=<team id> or employee_id=<employee id>")
	case team != "" && person != "":
		return invalid("employee_id", "give team or employee_id, not both")
	}
	g, err := s.currentGoal(rq.key.Tenant, p, goal.MetricGrowthYoY)
	if err != nil {
		return err
	}
	sn := rq.t.live.Load()
	e, err := s.cascade(c.Request.Context(), sn, g)
	if err != nil {
		return err
	}
	if !e.plan.Reachable {
		return errorf(EInvalidData, "period", "the %s goal of %s is out of reach, so it sets no targets to score: %s", goal.Percent(g.Target), p, e.plan.Refusal.Reason)
	}
	co, err := sn.company(c.Request.Context())
	if err != nil {
		return err
	}
	var card *goal.Scorecard
	if team != "" {
		card, err = goal.TeamScorecard(co, e.plan, team)
	} else {
		card, err = goal.PersonScorecard(co, e.plan, person)
	}
	if errors.Is(err, goal.ErrNotInPlan) {
		field := "team"
		if person != "" {
			field = "employee_id"
		}
		return errorf(ENotFound, field, "%s; GET /v1/cascade?period=%s lists the plan's teams and people", err.Error(), p)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, 200, card)
}
