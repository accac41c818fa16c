package serve

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/internal/lazy"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/indicators"
)

// Suggested indicators: GET /v1/indicators answers, for one role or every role, the 3 to 5
// KPIs from the catalogue that move growth most, with weights summing to 100, targets the
// scope has reached before and the effect behind each (models/diagnose, as `growthlens
// indicators`). Each answer is a bootstrap, so it is computed once per role, scope and data
// version and then served from its encoded bytes.

type indicatorJSON struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	NameZh        string     `json:"name_zh"`
	Formula       string     `json:"formula"`
	Direction     string     `json:"direction"`
	Kind          string     `json:"kind"`
	Unit          string     `json:"unit"`
	Proxy         string     `json:"proxy,omitempty"`
	Weight        int        `json:"weight"`
	Current       num        `json:"current"`
	Target        num        `json:"target"`
	TargetBasis   string     `json:"target_basis"`
	Effect        *effectPer `json:"effect,omitempty"`
	Step          num        `json:"step"`
	StepLabel     string     `json:"step_label"`
	GrowthPerStep *interval  `json:"growth_per_step,omitempty"`
	Standardized  num        `json:"standardized"`
	Importance    num        `json:"importance"`
	Rationale     string     `json:"rationale"`
}

type effectPer struct {
	Estimate  num    `json:"estimate"`
	Lower     num    `json:"lower"`
	Upper     num    `json:"upper"`
	Source    string `json:"source"`
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

type roleJSON struct {
	Role         string          `json:"role"`
	Name         string          `json:"name"`
	NameZh       string          `json:"name_zh"`
	Indicators   []indicatorJSON `json:"indicators"`
	Unmeasurable []string        `json:"unmeasurable"`
	NoData       string          `json:"no_data,omitempty"`
}

type indicatorsResponse struct {
	// Currency is the ISO 4217 code of the indicators in money (unit "currency…"), "" when
	// the data do not say.
	Currency string     `json:"currency,omitempty"`
	Scope    string     `json:"scope"`
	DataAsOf string     `json:"data_as_of"`
	Roles    []roleJSON `json:"roles"`
	Notes    []string   `json:"notes"`
}

func (s *Server) getIndicators(c *gin.Context, rq *call) error {
	q := rq.query
	role := q.Get("role")
	sn := rq.t.live.Load()
	cat := sn.data.catalogue()
	if role != "" {
		if _, ok := cat.Role(role); !ok {
			return invalid("role", "%q is not a role of the KPI catalogue: want one of %s", clip.String(role, 32), strings.Join(cat.RoleNames(), ", "))
		}
	}
	if _, _, err := parseScope("scope", q.Get("scope")); err != nil {
		return err
	}
	co, err := sn.company(c.Request.Context())
	if err != nil {
		return err
	}
	scope, _, err := diagScope(co, "scope", q.Get("scope"), datasets.Quarter)
	if err != nil {
		return err
	}
	d := sn.diag
	key := role + "|" + scope.String()
	d.mu.Lock()
	if d.indicators == nil {
		d.indicators = map[string]*lazy.Value[[]byte]{}
	}
	e, ok := d.indicators[key]
	if !ok {
		e = lazy.New(func() ([]byte, error) { return suggestIndicators(co, role, scope) })
		d.indicators[key] = e
	}
	d.mu.Unlock()
	body, err := e.Get(c.Request.Context())
	if err != nil {
		return err
	}
	s.metrics.predicted(rq.key.Tenant, "diagnose", "indicators", 1)
	writeRaw(c, 200, body)
	return nil
}

// suggestIndicators computes and encodes one answer.
func suggestIndicators(co *diagnose.Company, role string, scope diagnose.Scope) ([]byte, error) {
	// The answer is kept for every later request, so it is not bound to this one's context.
	ans, err := co.Indicators(context.Background(), diagnose.IndicatorRequest{Role: role, Scope: scope, Options: indicators.Options{Seed: diagnoseSeed}})
	if errors.Is(err, indicators.ErrNoData) {
		return nil, errorf(EInvalidData, "role", "%s", err.Error())
	}
	if err != nil {
		return nil, errorf(EInvalidData, "", "indicators cannot be suggested from the tenant's data: %s", err.Error())
	}
	resp := indicatorsResponse{Currency: co.Dataset().Settings.Currency, Scope: ans.Scope, DataAsOf: dataAsOf(co), Notes: nonNil(ans.Notes), Roles: make([]roleJSON, len(ans.Roles))}
	for i, r := range ans.Roles {
		rj := roleJSON{Role: r.Role, Name: r.Name, NameZh: r.NameZh, Unmeasurable: nonNil(r.Unmeasurable), NoData: r.NoData,
			Indicators: make([]indicatorJSON, len(r.Indicators))}
		for k, ind := range r.Indicators {
			ij := indicatorJSON{ID: ind.ID, Name: ind.Name, NameZh: ind.NameZh, Formula: ind.Formula, Direction: ind.Direction, Kind: ind.Kind,
				Unit: ind.Unit, Proxy: ind.Proxy, Weight: ind.Weight, Current: num(ind.Current), Target: num(ind.Target), TargetBasis: ind.TargetBasis,
				Step: num(ind.Step), StepLabel: ind.StepLabel, Standardized: num(ind.Standardized), Importance: num(ind.Importance), Rationale: ind.Rationale}
			if ind.Effect != nil {
				ij.Effect = &effectPer{num(ind.Effect.Estimate), num(ind.Effect.Lower), num(ind.Effect.Upper), ind.Effect.Source,
					ind.Effect.Uncertain, ind.Effect.Sentence}
			}
			if g := ind.GrowthPerStep; g != nil {
				ij.GrowthPerStep = &interval{num(g.Estimate), num(g.Lower), num(g.Upper)}
			}
			rj.Indicators[k] = ij
		}
		resp.Roles[i] = rj
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
