package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/champion"
)

// Managers' forecast adjustments: PUT /v1/forecast/adjustments/{scope}/{quarter} sets a GM's
// figure for a forecast quarter of a scope, with a note (each put a new version in the store,
// audited with the old and new figure and the note); DELETE withdraws it (a version that says
// so); GET /v1/forecast/adjustments lists those in force. GET /v1/forecast shows an
// adjustment beside the model's figure of its quarter and, once the quarter's actuals are in
// the forecast's history, its error beside the model's (accuracy.adjustments).

type adjustmentRequest struct {
	Revenue *float64 `json:"revenue"`
	Note    string   `json:"note"`
}

// adjustedJSON is an adjustment as the forecast and the list show it (its figures are
// always finite: Validate and the forecast's mean).
type adjustedJSON = adjustment.Adjustment

func adjustedOf(a adjustment.Adjustment) *adjustedJSON { return &a }

// adjustmentAccuracyJSON scores the scope's adjustments whose quarters are over.
type adjustmentAccuracyJSON struct {
	Quarters       int           `json:"quarters"`
	ModelMAPE      num           `json:"model_mape"`
	AdjustedMAPE   num           `json:"adjusted_mape"`
	AdjustedNearer int           `json:"adjusted_nearer"`
	Summary        string        `json:"summary"`
	Outcomes       []outcomeJSON `json:"outcomes"`
}

type outcomeJSON struct {
	Period        string `json:"period"`
	Actual        num    `json:"actual"`
	Model         num    `json:"model"`
	Adjusted      num    `json:"adjusted"`
	ModelError    num    `json:"model_error"`
	AdjustedError num    `json:"adjusted_error"`
	ModelVersion  int    `json:"model_version"`
	Note          string `json:"note"`
}

func adjustmentAccuracyOf(os []adjustment.Outcome) *adjustmentAccuracyJSON {
	if len(os) == 0 {
		return nil
	}
	s := adjustment.Summarize(os)
	a := &adjustmentAccuracyJSON{Quarters: s.Quarters, ModelMAPE: num(s.ModelMAPE), AdjustedMAPE: num(s.AdjustedMAPE), AdjustedNearer: s.AdjustedNearer,
		Summary: s.String()}
	for _, o := range os {
		a.Outcomes = append(a.Outcomes, outcomeJSON{Period: o.Quarter, Actual: num(o.Actual), Model: num(o.Model), Adjusted: num(o.Adjusted),
			ModelError: num(o.ModelError), AdjustedError: num(o.AdjustedError), ModelVersion: o.ModelVersion, Note: o.Note})
	}
	return a
}

// currentAdjustments reads the tenant's adjustments in force.
func (s *Server) currentAdjustments(tenant string) ([]adjustment.Adjustment, error) {
	all, err := adjustment.Load(s.store, tenant)
	if err != nil {
		return nil, err
	}
	return adjustment.Current(all), nil
}

// withAdjustments returns the forecast response of scope sf at horizon h with the scope's
// adjustments beside the model's figures and scored where their quarters are over, or nil
// when the scope has none.
func withAdjustments(fm *forecastModel, sf *scopeForecast, h int, cur []adjustment.Adjustment) ([]byte, error) {
	name := scopeName(sf.sc.Level, sf.sc.ID)
	mine := slices.DeleteFunc(slices.Clone(cur), func(a adjustment.Adjustment) bool { return a.Scope != name })
	if len(mine) == 0 {
		return nil, nil
	}
	resp := sf.resps[h-1]
	resp.Forecast = slices.Clone(resp.Forecast)
	for i := range resp.Forecast {
		if a, ok := adjustment.For(mine, name, resp.Forecast[i].Period); ok {
			resp.Forecast[i].Adjusted = adjustedOf(a)
		}
	}
	resp.Accuracy.Adjustments = adjustmentAccuracyOf(adjustment.Track(mine, adjustment.Actuals(fm.set)))
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("encode forecast of %s: %w", name, err)
	}
	return append(b, '\n'), nil
}

// adjustmentError turns Prepare's and Withdraw's errors into the API's.
func adjustmentError(err error) error {
	switch {
	case errors.Is(err, adjustment.ErrNoScope):
		return errorf(ENotFound, "scope", "%v; GET /v1/scopes lists them", err)
	case errors.Is(err, adjustment.ErrNoFigure):
		return errorf(EInvalidData, "scope", "%v", err)
	case errors.Is(err, adjustment.ErrNone):
		return errorf(ENotFound, "quarter", "%v; GET /v1/forecast/adjustments lists them", err)
	}
	return goalError(err)
}

// adjustmentTarget reads the scope and quarter of a PUT or DELETE.
func adjustmentTarget(rq *call, c *gin.Context) (*snapshot, adjustment.Adjustment, error) {
	sn := rq.t.live.Load()
	if sn.forecast == nil {
		return nil, adjustment.Adjustment{}, sn.unavailable(champion.Forecast)
	}
	level, id, err := parseScope("scope", c.Param("scope"))
	if err != nil {
		return nil, adjustment.Adjustment{}, err
	}
	a := adjustment.Adjustment{Scope: scopeName(level, id), Quarter: c.Param("quarter")}
	rq.target = "forecast adjustment " + clip.String(a.Scope, 80) + " " + clip.String(a.Quarter, 10)
	return sn, a, nil
}

func (s *Server) putAdjustment(c *gin.Context, rq *call) error {
	sn, a, err := adjustmentTarget(rq, c)
	if err != nil {
		return err
	}
	var req adjustmentRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if req.Revenue == nil {
		return invalid("revenue", "required: the quarter's revenue you expect, in the data's currency")
	}
	a.Revenue, a.Note = *req.Revenue, req.Note
	if err := adjustment.Prepare(&a, sn.forecast.set, sn.forecast.version.Version); err != nil {
		return adjustmentError(err)
	}
	a, prev, err := adjustment.Put(s.store, rq.key.Tenant, a, rq.key.ID, rq.key.Role, time.Now())
	if err != nil {
		return err
	}
	cur := sn.currency()
	rq.detail = adjustment.Detail(a, prev, cur)
	out := map[string]any{"currency": cur, "adjustment": adjustedOf(a)}
	if prev != nil {
		out["previous"] = adjustedOf(*prev)
	}
	return writeJSON(c, 200, out)
}

func (s *Server) deleteAdjustment(c *gin.Context, rq *call) error {
	sn, a, err := adjustmentTarget(rq, c)
	if err != nil {
		return err
	}
	q, err := datasets.ParseQuarter(a.Quarter)
	if err != nil {
		return invalid("quarter", "%v", err)
	}
	if _, ok := sn.forecast.scopes[a.Scope]; !ok {
		return adjustmentError(fmt.Errorf("%w: %s", adjustment.ErrNoScope, a.Scope))
	}
	w, prev, err := adjustment.Withdraw(s.store, rq.key.Tenant, a.Scope, q.String(), rq.key.ID, rq.key.Role, time.Now())
	if err != nil {
		return adjustmentError(err)
	}
	rq.detail = adjustment.Detail(w, prev, sn.currency())
	return writeJSON(c, 200, map[string]any{"withdrawn": adjustedOf(w)})
}

func (s *Server) listAdjustments(c *gin.Context, rq *call) error {
	scope := rq.query.Get("scope")
	if scope != "" {
		level, id, err := parseScope("scope", scope)
		if err != nil {
			return err
		}
		scope = scopeName(level, id)
	}
	history, err := queryBool(rq.query, "history", false)
	if err != nil {
		return err
	}
	all, err := adjustment.Load(s.store, rq.key.Tenant)
	if err != nil {
		return err
	}
	list := all
	if history {
		adjustment.Sort(list)
	} else {
		list = adjustment.Current(all)
	}
	out := []*adjustedJSON{}
	for _, a := range list {
		if scope == "" || a.Scope == scope {
			out = append(out, adjustedOf(a))
		}
	}
	return writeJSON(c, 200, map[string]any{"currency": rq.t.live.Load().currency(), "adjustments": out})
}
