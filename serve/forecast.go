package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
)

// forecastModel is a loaded forecast set with every answer of GET /v1/forecast encoded in
// advance: the set holds finished forecasts, so a request is a map lookup and a write.
type forecastModel struct {
	version     registry.Version
	set         *forecast.Set
	scopes      map[string]*scopeForecast
	order       []string // scope names in the set's order
	completions []completion
}

// scopeForecast is one scope's forecast; bodies[h-1] is the response for horizon h.
type scopeForecast struct {
	sc     *forecast.Scope
	bodies [][]byte
	// resps are the bodies before encoding, for the answers that add the scope's manager
	// adjustments (adjust.go).
	resps []forecastResponse
}

// completion is the latest actual-over-target of a scope, for the business gauge.
type completion struct {
	scope, period string
	ratio         float64
}

type forecastResponse struct {
	// Currency is the ISO 4217 code of the amounts (the dataset's settings), "" when unknown.
	Currency string   `json:"currency,omitempty"`
	Scope    string   `json:"scope"`
	Model    modelRef `json:"model"`
	Grain    string   `json:"grain"`
	AsOf     string   `json:"as_of"`
	Method   string   `json:"method"`
	Fallback string   `json:"fallback,omitempty"`
	// Status is ok, uncertain (shown, labelled) or withheld (Forecast empty); Reason says
	// why and Fix what data would allow a forecast (forecast.Assess).
	Status   string        `json:"status"`
	Reason   string        `json:"reason,omitempty"`
	Fix      string        `json:"fix,omitempty"`
	Excluded []string      `json:"excluded,omitempty"`
	Horizon  int           `json:"horizon"`
	History  []actualPoint `json:"history"`
	// YearToDate sums History from the start of its last quarter's year (quarterly scopes).
	YearToDate *yearToDateJSON `json:"year_to_date,omitempty"`
	Forecast   []forecastPoint `json:"forecast"`
	Accuracy   accuracyJSON    `json:"accuracy"`
}

// yearToDateJSON is forecast.YearToDate: completion null unless every quarter has a target.
type yearToDateJSON struct {
	Through    string `json:"through"`
	Year       string `json:"year"`
	Quarters   int    `json:"quarters"`
	Actual     num    `json:"actual"`
	Target     num    `json:"target"`
	Completion num    `json:"completion"`
}

type actualPoint struct {
	Period     string `json:"period"`
	Revenue    num    `json:"revenue"`
	Target     *num   `json:"target,omitempty"`
	Completion *num   `json:"completion,omitempty"`
}

type forecastPoint struct {
	Period    string `json:"period"`
	Revenue   num    `json:"revenue"`
	Intervals []band `json:"intervals"`
	Target    *num   `json:"target,omitempty"`
	// HitProbability is P(revenue ≥ target) under the forecast's error model, with a target.
	HitProbability *num      `json:"hit_probability,omitempty"`
	GrowthQoQ      *rateJSON `json:"growth_qoq,omitempty"`
	GrowthYoY      *rateJSON `json:"growth_yoy,omitempty"`
	// Pipeline says where the quarter's revenue comes from, for the first quarters of a scope
	// whose data has deals.
	Pipeline *pipelineJSON `json:"pipeline,omitempty"`
	// Adjusted is a manager's figure for the quarter, beside the model's (adjust.go).
	Adjusted *adjustedJSON `json:"adjusted,omitempty"`
}

// pipelineJSON is one quarter's pipeline forecast (forecast.Split) and how it enters the
// published revenue: revenue = weight·total + (1 − weight)·univariate, then reconciled
// across scopes.
type pipelineJSON struct {
	AsOf       string `json:"as_of"`
	Closed     num    `json:"closed"`
	Open       num    `json:"open"`
	OpenDeals  int    `json:"open_deals"`
	OpenAmount num    `json:"open_amount"`
	NotCreated num    `json:"not_created"`
	Total      num    `json:"total"`
	Univariate num    `json:"univariate"`
	Weight     num    `json:"weight"`
	// NeededFromOpen is what the open deals must bring for the target to be met, given
	// closed and not-yet-created revenue (0 when those cover it); only with a target.
	NeededFromOpen *num `json:"needed_from_open,omitempty"`
}

type band struct {
	Level num `json:"level"`
	Lower num `json:"lower"`
	Upper num `json:"upper"`
}

type rateJSON struct {
	Mean      num    `json:"mean"`
	Intervals []band `json:"intervals"`
}

type accuracyJSON struct {
	Method  string `json:"method"`
	Origins int    `json:"origins"`
	Points  int    `json:"points"`
	SMAPE   num    `json:"smape"`
	MASE    num    `json:"mase"`
	MAPE    num    `json:"mape"`
	MAPE1   num    `json:"mape_1"`
	Summary string `json:"summary"`
	// Adjustments scores the scope's manager adjustments whose quarters are over, beside
	// the model's figures they replaced.
	Adjustments *adjustmentAccuracyJSON `json:"adjustments,omitempty"`
}

// buildForecast encodes every scope's answers. Targets come from the tenant's data, so the
// answers are rebuilt when the data changes even if the model did not.
func buildForecast(v registry.Version, set *forecast.Set, data *tenantData) (*forecastModel, error) {
	fm := &forecastModel{version: v, set: set, scopes: map[string]*scopeForecast{}}
	target := func(period, scope string) *num {
		if data == nil {
			return nil
		}
		t, ok := data.targets[targetKey{period, scope, "revenue"}]
		if !ok || t <= 0 {
			return nil
		}
		return numPtr(t)
	}
	for i := range set.Scopes {
		sc := &set.Scopes[i]
		name := scopeName(sc.Level, sc.ID)
		sf := &scopeForecast{sc: sc}
		fm.scopes[name] = sf
		fm.order = append(fm.order, name)
		hist := make([]actualPoint, len(sc.History))
		last := completion{}
		for t, y := range sc.History {
			p := actualPoint{Period: sc.Periods[t], Revenue: num(y), Target: target(sc.Periods[t], name)}
			if p.Target != nil {
				p.Completion = numPtr(y / float64(*p.Target))
				last = completion{scope: name, period: p.Period, ratio: y / float64(*p.Target)}
			}
			hist[t] = p
		}
		if last.scope != "" {
			fm.completions = append(fm.completions, last)
		}
		var ytd *yearToDateJSON
		if k := len(sc.History); k > 0 && k <= len(sc.Periods) {
			targetOf := func(q string) float64 {
				if t := target(q, name); t != nil {
					return float64(*t)
				}
				return math.NaN()
			}
			if y, ok := sc.YearToDate(sc.Periods[k-1], targetOf); ok {
				ytd = &yearToDateJSON{Through: y.Through, Year: y.Year, Quarters: y.Quarters, Actual: num(y.Actual), Target: num(y.Target), Completion: num(y.Completion)}
			}
		}
		if sc.Forecast == nil {
			continue
		}
		res := sc.Forecast
		full := make([]forecastPoint, len(res.Mean))
		for h := range res.Mean {
			p := forecastPoint{Revenue: num(res.Mean[h])}
			if h < len(res.Periods) {
				p.Period = res.Periods[h]
				p.Target = target(p.Period, name)
			}
			var o *forecast.TargetOutlook
			if p.Target != nil {
				if out, err := sc.Outlook(h+1, float64(*p.Target)); err == nil {
					o = &out
					p.HitProbability = numPtr(out.Probability)
				}
			}
			if pl := sc.Pipeline; pl != nil && h < len(pl.Splits) {
				sp := pl.Splits[h]
				p.Pipeline = &pipelineJSON{AsOf: pl.AsOf, Closed: num(sp.Closed), Open: num(sp.Open), OpenDeals: sp.OpenDeals,
					OpenAmount: num(sp.OpenAmount), NotCreated: num(sp.NotCreated), Total: num(sp.Total()),
					Univariate: num(pl.Univariate[h]), Weight: num(pl.Weights[h])}
				if o != nil && o.HasPipeline {
					p.Pipeline.NeededFromOpen = numPtr(o.NeededFromOpen)
				}
			}
			for _, iv := range res.Intervals {
				p.Intervals = append(p.Intervals, band{num(iv.Level), num(iv.Lower[h]), num(iv.Upper[h])})
			}
			if g := sc.Growth; g != nil {
				p.GrowthQoQ = rateOf(g.PoP, h)
				p.GrowthYoY = rateOf(g.YoY, h)
			}
			full[h] = p
		}
		acc := accuracyOf(sc)
		verdict := forecast.Verdict{Status: forecast.StatusOK}
		if sc.Verdict != nil {
			verdict = *sc.Verdict
		}
		sf.bodies = make([][]byte, len(full))
		sf.resps = make([]forecastResponse, len(full))
		for h := range full {
			resp := forecastResponse{
				Currency: data.currency(), Scope: name, Model: refOf(v), Grain: set.Grain, AsOf: set.AsOf, Method: res.Method, Fallback: res.Fallback,
				Status: verdict.Status, Reason: verdict.Reason, Fix: verdict.Fix, Excluded: sc.Excluded,
				Horizon: h + 1, History: hist, YearToDate: ytd, Forecast: full[:h+1], Accuracy: acc,
			}
			if verdict.Status == forecast.StatusWithheld {
				resp.Forecast = []forecastPoint{}
			}
			b, err := json.Marshal(resp)
			if err != nil {
				return nil, fmt.Errorf("encode forecast of %s: %w", name, err)
			}
			sf.bodies[h] = append(b, '\n')
			sf.resps[h] = resp
		}
	}
	if _, ok := fm.scopes["company"]; !ok {
		return nil, fmt.Errorf("forecast set has no company scope")
	}
	return fm, nil
}

func rateOf(rs []forecast.Rate, h int) *rateJSON {
	if h >= len(rs) || !rs[h].Defined {
		return nil
	}
	r := &rateJSON{Mean: num(rs[h].Mean)}
	for _, iv := range rs[h].Intervals {
		r.Intervals = append(r.Intervals, band{num(iv.Level), num(iv.Lower), num(iv.Upper)})
	}
	return r
}

// accuracyOf states the scope's rolling-origin backtest: the combination's sMAPE (percent, M4
// definition) and MASE over every origin and horizon, and its mean absolute percentage error
// (a fraction) one quarter ahead and over every horizon.
func accuracyOf(sc *forecast.Scope) accuracyJSON {
	r := sc.Record()
	return accuracyJSON{Origins: r.Origins, Method: r.Method, Points: r.Points, SMAPE: num(r.SMAPE), MASE: num(r.MASE),
		MAPE1: num(r.MAPE1), MAPE: num(r.MAPE), Summary: r.Summary()}
}

// parseScope reads company, region:<id> or team:<id>.
func parseScope(field, s string) (level, id string, err error) {
	if s == "" || s == "company" {
		return "company", "", nil
	}
	level, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || (level != "region" && level != "team") || len(id) > 128 {
		return "", "", invalid(field, "%q: want company, region:<id> or team:<id>", clip.String(s, 64))
	}
	return level, id, nil
}

func (s *Server) getForecast(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	fm := sn.forecast
	if fm == nil {
		return sn.unavailable(champion.Forecast)
	}
	level, id, err := parseScope("scope", rq.query.Get("scope"))
	if err != nil {
		return err
	}
	name := scopeName(level, id)
	sf, ok := fm.scopes[name]
	if !ok {
		return errorf(ENotFound, "scope", "no scope %s in this tenant's forecast; GET /v1/scopes lists them", clip.String(name, 80))
	}
	if sf.sc.Forecast == nil {
		return errorf(EInvalidData, "scope", "scope %s has no forecast: %s", name, sf.sc.Error)
	}
	h, err := queryInt(rq.query, "horizon", len(sf.bodies), 1, len(sf.bodies))
	if err != nil {
		return err
	}
	cur, err := s.currentAdjustments(rq.key.Tenant)
	if err != nil {
		return err
	}
	body, err := withAdjustments(fm, sf, h, cur)
	if err != nil {
		return err
	}
	if body == nil {
		body = sf.bodies[h-1]
	}
	s.metrics.predicted(rq.key.Tenant, champion.Forecast, "forecast", 1)
	writeRaw(c, 200, body)
	return nil
}

type scopeJSON struct {
	Scope    string `json:"scope"`
	Level    string `json:"level"`
	ID       string `json:"id,omitempty"`
	Forecast bool   `json:"forecast"`
	Periods  int    `json:"periods"`
	Error    string `json:"error,omitempty"`
}

func (s *Server) listScopes(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	fm := sn.forecast
	if fm == nil {
		return sn.unavailable(champion.Forecast)
	}
	level, err := queryEnum(rq.query, "level", "", "company", "region", "team")
	if err != nil {
		return err
	}
	out := []scopeJSON{}
	for _, name := range fm.order {
		sc := fm.scopes[name].sc
		if level != "" && sc.Level != level {
			continue
		}
		out = append(out, scopeJSON{Scope: name, Level: sc.Level, ID: sc.ID, Forecast: sc.Forecast != nil, Periods: len(sc.History), Error: sc.Error})
	}
	return writeJSON(c, 200, map[string]any{"model": refOf(fm.version), "scopes": out})
}
