package serve

import (
	"math"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/rootcause"
	"github.com/growthlens/growthlens/train"
)

// Root causes by driver: GET /v1/rootcauses splits a scope's revenue gap in one quarter
// (actual against its target, the forecast made the quarter before, or a given expected
// value) into the contributions of the drivers, each tied to its responsible role, with the
// driver model's bootstrap intervals.

type causeJSON struct {
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
}

type rootCauseResponse struct {
	Scope        string      `json:"scope"`
	Period       string      `json:"period"`
	KPI          string      `json:"kpi"`
	Model        modelRef    `json:"model"`
	Actual       num         `json:"actual"`
	Expected     num         `json:"expected"`
	ExpectedFrom string      `json:"expected_from"`
	Completion   num         `json:"completion"`
	Gap          num         `json:"gap"`
	Level        num         `json:"level"`
	Causes       []causeJSON `json:"causes"`
	Explained    interval    `json:"explained"`
	Unexplained  interval    `json:"unexplained"`
	ExplainedPct num         `json:"explained_share"`
	ResidualSD   num         `json:"residual_sd"`
	// NoDominantCause: the gap is within the model's noise, or no driver's contribution is
	// clearly on the gap's side.
	NoDominantCause bool     `json:"no_dominant_cause"`
	Notes           []string `json:"notes"`
}

func (s *Server) getRootCauses(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	d := sn.driver
	if d == nil {
		return sn.unavailable(train.DriverName)
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
		return invalid("period", "%q: want a quarter such as 2026Q3", truncate(ps, 32))
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
	s.metrics.predicted(rq.key.Tenant, train.DriverName, "attribution", 1)
	resp := rootCauseResponse{
		Scope: apiScope, Period: period.String(), KPI: "revenue", Model: refOf(d.version),
		Actual: num(att.Actual), Expected: num(att.Expected), ExpectedFrom: from, Completion: num(att.Actual / att.Expected),
		Gap: num(att.Gap), Level: num(d.m.Level), Explained: intervalOf(att.Explained), Unexplained: intervalOf(att.Unexplained),
		ExplainedPct: num(att.ExplainedShare), ResidualSD: num(att.ResidualSD), Notes: nonNil(att.Notes), Causes: []causeJSON{},
	}
	sign := math.Copysign(1, att.Gap)
	dominant := false
	for _, ct := range att.Contributions {
		cj := causeJSON{Driver: ct.Column, Role: ct.Role, Scale: string(ct.Scale), Unit: ct.Unit, Actual: nums(ct.Actual),
			Baseline: num(ct.Baseline), Change: num(ct.Change), Effect: intervalOf(ct.Effect), Contribution: intervalOf(ct.Contribution),
			Share: num(ct.Share)}
		cj.Significant = sign < 0 && ct.Contribution.Upper < 0 || sign > 0 && ct.Contribution.Lower > 0
		dominant = dominant || cj.Significant
		resp.Causes = append(resp.Causes, cj)
	}
	resp.NoDominantCause = !dominant || math.Abs(att.Gap) < 2*att.ResidualSD
	return writeJSON(c, 200, resp)
}

// oneStepForecast returns the backtest forecast of a scope's revenue in a period made from
// the period before it: what the forecast expected before the period happened.
func oneStepForecast(sn *snapshot, scope, period string) (float64, bool) {
	if sn.forecast == nil {
		return 0, false
	}
	sf, ok := sn.forecast.scopes[scope]
	if !ok || sf.sc.Forecast == nil {
		return 0, false
	}
	t := slices.Index(sf.sc.Periods, period)
	bt := sf.sc.Forecast.Backtest
	for k, o := range bt.Origins {
		if o == t && len(bt.Forecasts[k]) > 0 && bt.Forecasts[k][0] > 0 {
			return bt.Forecasts[k][0], true
		}
	}
	return 0, false
}

func dataProblem(sn *snapshot) string {
	if sn.data == nil {
		return "no data"
	}
	return sn.data.err
}

// Slice drilldown: POST /v1/rootcauses/slices ranks the dimension slices of posted leaf
// rows (rootcause.Rank).

type slicesRequest struct {
	Dims      []string   `json:"dims"`
	Kind      string     `json:"kind"`
	Leaves    []leafJSON `json:"leaves"`
	Top       int        `json:"top"`
	MaxDims   int        `json:"max_dims"`
	Alpha     *float64   `json:"alpha"`
	MinEffect *float64   `json:"min_effect"`
}

type leafJSON struct {
	Values              []string `json:"values"`
	Actual              *float64 `json:"actual"`
	Expected            *float64 `json:"expected"`
	Numerator           *float64 `json:"numerator"`
	Denominator         *float64 `json:"denominator"`
	ExpectedNumerator   *float64 `json:"expected_numerator"`
	ExpectedDenominator *float64 `json:"expected_denominator"`
}

// Limits of a drilldown request.
const (
	maxLeaves    = 200_000
	maxSliceDims = 8
)

type sliceJSON struct {
	Slice       map[string]string `json:"slice"`
	Label       string            `json:"label"`
	Score       num               `json:"score"`
	Z           num               `json:"z"`
	Share       num               `json:"share"`
	Surprise    num               `json:"surprise"`
	Change      num               `json:"change"`
	Actual      num               `json:"actual"`
	Expected    num               `json:"expected"`
	Significant bool              `json:"significant"`
}

func (s *Server) postSlices(c *gin.Context, rq *call) error {
	var req slicesRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if len(req.Dims) == 0 || len(req.Dims) > maxSliceDims {
		return invalid("dims", "give 1 to %d dimension names", maxSliceDims)
	}
	for i, d := range req.Dims {
		if strings.TrimSpace(d) == "" || len(d) > 64 {
			return invalid("dims["+itoa(i)+"]", "want a name of 1 to 64 characters")
		}
	}
	if req.Kind != "additive" && req.Kind != "ratio" {
		return invalid("kind", "%q: want additive or ratio", truncate(req.Kind, 32))
	}
	if len(req.Leaves) == 0 {
		return invalid("leaves", "give at least one leaf row")
	}
	if len(req.Leaves) > maxLeaves {
		return errorf(ETooLarge, "leaves", "%d leaves: at most %d per request", len(req.Leaves), maxLeaves)
	}
	opt := rootcause.DefaultOptions()
	if req.Top != 0 {
		if req.Top < 1 || req.Top > 100 {
			return invalid("top", "%d: want 1 to 100", req.Top)
		}
		opt.Top = req.Top
	}
	if req.MaxDims != 0 {
		if req.MaxDims < 1 || req.MaxDims > 3 {
			return invalid("max_dims", "%d: want 1 to 3", req.MaxDims)
		}
		opt.MaxDims = req.MaxDims
	}
	if req.Alpha != nil {
		if a := *req.Alpha; !(a > 0 && a < 1) {
			return invalid("alpha", "%g: want 0 < alpha < 1", a)
		}
		opt.Alpha = *req.Alpha
	}
	if req.MinEffect != nil {
		if m := *req.MinEffect; !(m >= 0 && m <= 100) {
			return invalid("min_effect", "%g: want 0 to 100", m)
		}
		opt.MinEffect = *req.MinEffect
		if opt.MinEffect == 0 {
			opt.MinEffect = 1e-12 // zero means "default" to Rank; the caller asked for none
		}
	}
	t, err := rootcause.NewTable(req.Dims)
	if err != nil {
		return invalid("dims", "%s", err.Error())
	}
	for i, l := range req.Leaves {
		f := "leaves[" + itoa(i) + "]"
		if len(l.Values) != len(req.Dims) {
			return invalid(f+".values", "%d values for %d dimensions", len(l.Values), len(req.Dims))
		}
		for j, v := range l.Values {
			if len(v) > 256 {
				return invalid(f+".values["+itoa(j)+"]", "longer than 256 characters")
			}
		}
		if req.Kind == "additive" {
			if l.Numerator != nil || l.Denominator != nil || l.ExpectedNumerator != nil || l.ExpectedDenominator != nil {
				return invalid(f, "an additive leaf takes actual and expected only")
			}
			if l.Actual == nil {
				return invalid(f+".actual", "required")
			}
			if l.Expected == nil {
				return invalid(f+".expected", "required")
			}
			if err := t.AddAdditive(l.Values, *l.Actual, *l.Expected); err != nil {
				return invalid(f, "%s", err.Error())
			}
			continue
		}
		if l.Actual != nil || l.Expected != nil {
			return invalid(f, "a ratio leaf takes numerator, denominator, expected_numerator and expected_denominator")
		}
		for _, p := range []struct {
			name string
			v    *float64
		}{{"numerator", l.Numerator}, {"denominator", l.Denominator}, {"expected_numerator", l.ExpectedNumerator}, {"expected_denominator", l.ExpectedDenominator}} {
			if p.v == nil {
				return invalid(f+"."+p.name, "required")
			}
		}
		if err := t.AddRatio(l.Values, *l.Numerator, *l.Denominator, *l.ExpectedNumerator, *l.ExpectedDenominator); err != nil {
			return invalid(f, "%s", err.Error())
		}
	}
	res, err := rootcause.Rank(t, opt)
	if err != nil {
		return errorf(EInvalidData, "leaves", "%s", err.Error())
	}
	s.metrics.predicted(rq.key.Tenant, "rootcause", "drilldown", 1)
	out := make([]sliceJSON, len(res.Slices))
	for i, sl := range res.Slices {
		out[i] = sliceJSON{Slice: sl.Map(), Label: sl.String(), Score: num(sl.Score), Z: num(sl.Z), Share: num(sl.Share), Surprise: num(sl.Surprise),
			Change: num(sl.Change), Actual: num(sl.Actual), Expected: num(sl.Expected), Significant: sl.Significant}
	}
	resp := map[string]any{
		"kind": res.Kind.String(), "leaves": t.Len(), "candidates": res.Candidates, "actual": num(res.Actual), "expected": num(res.Expected),
		"global_change": num(res.GlobalChange), "no_dominant_cause": res.NoDominantCause, "slices": out,
		"noise": map[string]any{"power": num(res.Noise.Power), "dispersion": num(res.Noise.Dispersion)},
	}
	if res.Kind == rootcause.Ratio {
		resp["mix_share"] = num(res.MixShare)
	}
	return writeJSON(c, 200, resp)
}
