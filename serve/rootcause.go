package serve

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/rootcause"
)

// Root causes by driver: GET /v1/rootcauses ranks the drivers behind a scope's revenue gap in
// one month or quarter — actual against its target, the forecast made the quarter before, or
// a given expected value — each tied to the role responsible for it (models/diagnose, as
// `growthlens rootcause drivers`).

type driverCauseJSON struct {
	Driver       string          `json:"driver"`
	Role         string          `json:"role"`
	Scale        string          `json:"scale"`
	Unit         string          `json:"unit"`
	Where        string          `json:"where,omitempty"`
	Lag          int             `json:"lag"`
	Actual       num             `json:"actual"`
	Baseline     num             `json:"baseline"`
	Move         num             `json:"move"`
	Z            num             `json:"z"`
	Abnormal     num             `json:"abnormal"`
	Effect       causeEffectJSON `json:"effect"`
	Contribution interval        `json:"contribution"`
	Share        num             `json:"share"`
	Confidence   num             `json:"confidence"`
	// Significant: the driver is claimed as a cause (see rootcause.DriverCause).
	Significant bool `json:"significant"`
}

type causeEffectJSON struct {
	Estimate num    `json:"estimate"`
	Lower    num    `json:"lower"`
	Upper    num    `json:"upper"`
	LagShare []num  `json:"lag_share"`
	Source   string `json:"source"`
	// Uncertain: the data cannot tell the driver's direction (the company model's rule).
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

type rootCauseResponse struct {
	// Currency is the ISO 4217 code of the amounts (the dataset's settings), "" when unknown.
	Currency     string `json:"currency,omitempty"`
	Scope        string `json:"scope"`
	Period       string `json:"period"`
	KPI          string `json:"kpi"`
	ExpectedFrom string `json:"expected_from"`
	DataAsOf     string `json:"data_as_of"`
	Actual       num    `json:"actual"`
	Expected     num    `json:"expected"`
	Completion   num    `json:"completion"`
	// Gap is log(actual/expected); Direction the way the causes were asked to push revenue.
	Gap            num               `json:"gap"`
	Direction      int               `json:"direction"`
	Causes         []driverCauseJSON `json:"causes"`
	Explained      num               `json:"explained"`
	ExplainedShare num               `json:"explained_share"`
	// NoDominantCause: no driver made an abnormal move the way asked, or the claimed ones
	// explain too little of the gap; Reason says which.
	NoDominantCause bool     `json:"no_dominant_cause"`
	Reason          string   `json:"reason,omitempty"`
	Notes           []string `json:"notes"`
}

func (s *Server) getRootCauses(c *gin.Context, rq *call) error {
	q := rq.query
	if _, err := queryEnum(q, "kpi", "revenue", "revenue"); err != nil {
		return err
	}
	period, err := parsePeriodParam("period", q.Get("period"))
	if err != nil {
		return err
	}
	against, err := queryEnum(q, "against", "target", "target", "forecast")
	if err != nil {
		return err
	}
	dirName, err := queryEnum(q, "direction", "gap", "gap", "down", "up")
	if err != nil {
		return err
	}
	expected, given, err := queryFloat(q, "expected")
	if err != nil {
		return err
	}
	if given {
		if !(expected > 0) {
			return invalid("expected", "%g: want a positive revenue", expected)
		}
		if q.Get("against") != "" {
			return invalid("against", "give either expected or against, not both")
		}
	}
	if against == "forecast" && period.Grain != datasets.Quarter {
		return invalid("against", "the forecast is quarterly: against=forecast needs a quarter such as 2026Q3")
	}
	if _, _, err := parseScope("scope", q.Get("scope")); err != nil {
		return err
	}
	sn := rq.t.live.Load()
	co, err := sn.company(c.Request.Context())
	if err != nil {
		return err
	}
	scope, p, err := diagScope(co, "scope", q.Get("scope"), period.Grain)
	if err != nil {
		return err
	}
	if err := periodIn("period", p, period); err != nil {
		return err
	}
	req := diagnose.DriverRequest{Scope: scope, Period: period, Direction: map[string]int{"gap": 0, "down": -1, "up": 1}[dirName]}
	from := "target"
	switch {
	case given:
		req.Expected, from = expected, "given"
	case against == "forecast":
		e, ok := oneStepForecast(sn, scope.String(), period.String())
		if !ok {
			return errorf(EInvalidData, "period", "no forecast of %s for %s made the quarter before (the backtest covers the last quarters of the history only): give expected=<revenue> or against=target",
				scope, period)
		}
		req.Expected, from = e, "forecast"
	}
	ans, err := co.Drivers(c.Request.Context(), req)
	if err != nil {
		return errorf(EInvalidData, "period", "%s", err.Error())
	}
	s.metrics.predicted(rq.key.Tenant, "diagnose", "rootcause", 1)
	resp := rootCauseResponse{
		Currency: co.Dataset().Settings.Currency, Scope: ans.Scope, Period: period.String(), KPI: "revenue", ExpectedFrom: from, DataAsOf: dataAsOf(co),
		Actual: num(ans.Actual), Expected: num(ans.Expected), Completion: num(ans.Actual / ans.Expected), Gap: num(ans.Gap),
		Direction: ans.Direction, Explained: num(ans.Explained), ExplainedShare: num(ans.ExplainedShare),
		NoDominantCause: ans.NoDominantCause, Reason: ans.Reason, Notes: nonNil(ans.Notes), Causes: make([]driverCauseJSON, len(ans.Causes)),
	}
	for i, ct := range ans.Causes {
		resp.Causes[i] = driverCauseJSON{Driver: ct.Driver, Role: ct.Role, Scale: string(ct.Scale), Unit: ct.Unit, Where: ct.Where, Lag: ct.Lag,
			Actual: num(ct.Actual), Baseline: num(ct.Baseline), Move: num(ct.Move), Z: num(ct.Z), Abnormal: num(ct.Abnormal),
			Effect: causeEffectJSON{Estimate: num(ct.Effect.Estimate), Lower: num(ct.Effect.Lower), Upper: num(ct.Effect.Upper),
				LagShare: nums(nonNil(ct.Effect.LagShare)), Source: ct.Effect.Source, Uncertain: ct.Effect.Uncertain, Sentence: ct.Effect.Sentence},
			Contribution: interval{num(ct.Contribution.Estimate), num(ct.Contribution.Lower), num(ct.Contribution.Upper)},
			Share:        num(ct.Share), Confidence: num(ct.Confidence), Significant: ct.Significant}
	}
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
		return invalid("kind", "%q: want additive or ratio", clip.String(req.Kind, 32))
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
	res, err := rootcause.Rank(c.Request.Context(), t, opt)
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
