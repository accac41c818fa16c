package serve

import (
	"math"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
)

// Driver attribution: GET /v1/attribution splits a scope's revenue change in one quarter —
// actual against its target, the forecast made the quarter before, or a given expected value
// such as the same quarter a year before — into every driver's contribution plus the rest,
// with the registered driver model's bootstrap intervals (driver.Model.Attribute). The
// contributions and the rest add up to the gap, which makes it the waterfall of a growth
// change; GET /v1/rootcauses answers the different question of which drivers moved
// abnormally and are to blame (models/diagnose), and ranks only those it can claim.

type attributionStepJSON struct {
	Driver       string   `json:"driver"`
	Role         string   `json:"role"`
	Scale        string   `json:"scale"`
	Unit         string   `json:"unit"`
	Actual       []num    `json:"actual"`
	Baseline     num      `json:"baseline"`
	Change       num      `json:"change"`
	Effect       interval `json:"effect"`
	Contribution interval `json:"contribution"`
	Share        num      `json:"share"`
	// Significant: the contribution's interval lies on the gap's side of zero.
	Significant bool `json:"significant"`
	// Uncertain: the data cannot tell the driver's direction (the company model's rule);
	// Sentence says so, and the contribution is a range, not a point figure.
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

type attributionResponse struct {
	// Currency is the ISO 4217 code of the amounts (the dataset's settings), "" when unknown.
	Currency     string   `json:"currency,omitempty"`
	Scope        string   `json:"scope"`
	Period       string   `json:"period"`
	KPI          string   `json:"kpi"`
	Model        modelRef `json:"model"`
	Actual       num      `json:"actual"`
	Expected     num      `json:"expected"`
	ExpectedFrom string   `json:"expected_from"`
	Completion   num      `json:"completion"`
	// Gap is log(actual/expected) = the contributions' sum + unexplained.
	Gap           num                   `json:"gap"`
	Level         num                   `json:"level"`
	Contributions []attributionStepJSON `json:"contributions"`
	Explained     interval              `json:"explained"`
	Unexplained   interval              `json:"unexplained"`
	ExplainedPct  num                   `json:"explained_share"`
	ResidualSD    num                   `json:"residual_sd"`
	Notes         []string              `json:"notes"`
}

func (s *Server) getAttribution(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	d := sn.driver
	if d == nil {
		return sn.unavailable(champion.Driver)
	}
	q := rq.query
	if _, err := queryEnum(q, "kpi", "revenue", "revenue"); err != nil {
		return err
	}
	scope, err := d.scope("scope", q.Get("scope"))
	if err != nil {
		return err
	}
	apiScope := "company"
	if scope != "" {
		apiScope = scopeName(d.m.ScopeLevel, scope)
	}
	ps := q.Get("period")
	if ps == "" {
		return invalid("period", "required: a quarter such as 2026Q3")
	}
	period, err := datasets.ParseQuarter(ps)
	if err != nil {
		return invalid("period", "%q: want a quarter such as 2026Q3 (the driver model is quarterly)", clip.String(ps, 32))
	}
	against, err := queryEnum(q, "against", "target", "target", "forecast")
	if err != nil {
		return err
	}
	expected, given, err := queryFloat(q, "expected")
	if err != nil {
		return err
	}
	query := driver.Query{Scope: scope, Period: period}
	from := "given"
	switch {
	case given:
		if !(expected > 0) {
			return invalid("expected", "%g: want a positive revenue", expected)
		}
		if q.Get("against") != "" {
			return invalid("against", "give either expected or against, not both")
		}
	case against == "target":
		from = "target"
		if sn.data == nil || sn.data.ds == nil {
			return errorf(EUnavailable, "against", "the tenant's targets are not loaded: %s", dataProblem(sn))
		}
		t, ok := sn.data.targets[targetKey{period.String(), apiScope, "revenue"}]
		if !ok || t <= 0 {
			return errorf(EInvalidData, "period", "no revenue target for %s in %s: give expected=<revenue> or against=forecast", apiScope, period)
		}
		expected = t
	case against == "forecast":
		from = "forecast"
		e, ok := oneStepForecast(sn, apiScope, period.String())
		if !ok {
			return errorf(EInvalidData, "period", "no forecast of %s for %s made the quarter before (the backtest covers the last quarters of the history only)", apiScope, period)
		}
		expected = e
		query.From = period.Add(-1)
	}
	query.Expected = expected
	att, err := d.m.Attribute(query)
	if err != nil {
		return invalid("period", "%s", strings.TrimPrefix(err.Error(), "attribute: "))
	}
	s.metrics.predicted(rq.key.Tenant, champion.Driver, "attribution", 1)
	resp := attributionResponse{
		Currency: sn.currency(), Scope: apiScope, Period: period.String(), KPI: "revenue", Model: refOf(d.version),
		Actual: num(att.Actual), Expected: num(att.Expected), ExpectedFrom: from, Completion: num(att.Actual / att.Expected),
		Gap: num(att.Gap), Level: num(d.m.Level), Explained: intervalOf(att.Explained), Unexplained: intervalOf(att.Unexplained),
		ExplainedPct: num(att.ExplainedShare), ResidualSD: num(att.ResidualSD), Notes: nonNil(att.Notes),
		Contributions: []attributionStepJSON{},
	}
	sign := math.Copysign(1, att.Gap)
	var cm *company.Model
	if d.m.Priors != nil {
		cm = company.FromDriver(d.m)
	}
	for _, ct := range att.Contributions {
		var v company.Verdict
		if cm != nil {
			v, _ = cm.Verdict(ct.Column)
		}
		resp.Contributions = append(resp.Contributions, attributionStepJSON{Uncertain: v.Uncertain, Sentence: v.Sentence, Driver: ct.Column, Role: ct.Role, Scale: string(ct.Scale), Unit: ct.Unit,
			Actual: nums(ct.Actual), Baseline: num(ct.Baseline), Change: num(ct.Change), Effect: intervalOf(ct.Effect),
			Contribution: intervalOf(ct.Contribution), Share: num(ct.Share),
			Significant: !v.Uncertain && (sign < 0 && ct.Contribution.Upper < 0 || sign > 0 && ct.Contribution.Lower > 0)})
	}
	return writeJSON(c, 200, resp)
}
