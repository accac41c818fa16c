package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/notify"
)

// Alerts: POST /v1/actuals takes period-to-date revenue that an ERP or CRM reports for some
// scopes, judges each against its target pro-rated by the share of a period's revenue the
// tenant's history says is in by then (models/alert, the pace), links the drivers behind each
// shortfall and the roles to tell (models/diagnose), deduplicates against the alerts raised
// before and keeps the new ones in the store (t/<tenant>/alert/<id>). GET /v1/alerts lists a
// tenant's alerts, newest first. Every posted scope's pace is exported as the
// growthlens_kpi_pace_ratio gauge, which deploy/prometheus/alerts.yml alerts on.

type alertJSON struct {
	ID      string          `json:"id"`
	Created string          `json:"created"`
	Updated string          `json:"updated"`
	Alert   json.RawMessage `json:"alert"`
	// Open is false once the alert is acknowledged or its scope's metric muted; Quiet says
	// which and since when.
	Open  bool   `json:"open"`
	Quiet string `json:"quiet,omitempty"`
}

func (s *Server) getAlerts(c *gin.Context, rq *call) error {
	limit, err := queryInt(rq.query, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	open, err := queryBool(rq.query, "open", false)
	if err != nil {
		return err
	}
	out, err := s.listAlerts(rq.key.Tenant, open, limit)
	if err != nil {
		return err
	}
	return writeJSON(c, 200, withCurrency(rq.t.live.Load().currency(), map[string]any{"alerts": out}))
}

// listAlerts lists a tenant's alerts, newest first, with whether each is still open (only the
// open ones with openOnly).
func (s *Server) listAlerts(tenant string, openOnly bool, limit int) ([]alertJSON, error) {
	recs, err := s.store.Alerts(tenant, 0)
	if err != nil {
		return nil, err
	}
	states, err := s.alertStates(tenant)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := []alertJSON{}
	for _, r := range recs {
		aj := alertJSON{ID: r.ID, Created: r.Created.Format(timeLayout), Updated: r.Updated.Format(timeLayout), Alert: r.Data, Open: true}
		var a alert.Alert
		if json.Unmarshal(r.Data, &a) == nil {
			if q, why := notify.Quiet(&a, states, now); q {
				aj.Open, aj.Quiet = false, why
			}
		}
		if openOnly && !aj.Open {
			continue
		}
		out = append(out, aj)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

const timeLayout = "2006-01-02T15:04:05.999999999Z07:00"

// maxActuals bounds the scopes of one POST /v1/actuals.
const maxActuals = 1000

type actualsRequest struct {
	AsOf    string       `json:"as_of"`
	Actuals []actualJSON `json:"actuals"`
}

type actualJSON struct {
	Scope  string   `json:"scope"`
	Period string   `json:"period"`
	KPI    string   `json:"kpi"`
	Actual *float64 `json:"actual"`
	Target *float64 `json:"target"`
}

// paceJSON is one posted scope as judged.
type paceJSON struct {
	Scope         string `json:"scope"`
	KPI           string `json:"kpi"`
	Period        string `json:"period"`
	Actual        num    `json:"actual"`
	Target        num    `json:"target"`
	TargetFrom    string `json:"target_from"`
	ExpectedShare num    `json:"expected_share"`
	Expected      num    `json:"expected"`
	Pace          num    `json:"pace"`
	// Judged is false when too little of the period's revenue is expected yet for a pace to
	// mean much (alert.Config.MinShare).
	Judged bool `json:"judged"`
	Alert  bool `json:"alert"`
}

type actualsResponse struct {
	// Currency is the ISO 4217 code of the revenue amounts (the dataset's settings), "" when unknown.
	Currency   string        `json:"currency,omitempty"`
	AsOf       string        `json:"as_of"`
	DataAsOf   string        `json:"data_as_of"`
	Threshold  num           `json:"threshold"`
	Progress   []paceJSON    `json:"progress"`
	Alerts     []alert.Alert `json:"alerts"`
	Suppressed []alert.Alert `json:"suppressed"`
	Notes      []string      `json:"notes"`
}

func (s *Server) postActuals(c *gin.Context, rq *call) error {
	var req actualsRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if req.AsOf == "" {
		return invalid("as_of", "required: the last day the actuals cover, YYYY-MM-DD")
	}
	day, err := datasets.ParseDate(req.AsOf)
	if err != nil || day.Year() < 1900 || day.Year() > 9999 {
		return invalid("as_of", "%q: want a date YYYY-MM-DD", clip.String(req.AsOf, 32))
	}
	asOf := day.AddDate(0, 0, 1) // the first day not counted
	if len(req.Actuals) == 0 {
		return invalid("actuals", "give at least one scope's actual")
	}
	if len(req.Actuals) > maxActuals {
		return errorf(ETooLarge, "actuals", "%d actuals: at most %d per request", len(req.Actuals), maxActuals)
	}
	actuals := make([]diagnose.Actual, len(req.Actuals))
	seen := map[string]int{}
	for i, a := range req.Actuals {
		f := "actuals[" + itoa(i) + "]"
		if _, _, err := parseScope(f+".scope", a.Scope); err != nil {
			return err
		}
		if a.KPI != "" && a.KPI != "revenue" {
			return invalid(f+".kpi", "%q: want revenue", clip.String(a.KPI, 32))
		}
		p, err := parsePeriodParam(f+".period", a.Period)
		if err != nil {
			return err
		}
		if day.Before(p.Start()) || !day.Before(p.End()) {
			return invalid(f+".period", "%s does not hold as_of %s: post a period's actuals while it runs", p, req.AsOf)
		}
		if a.Actual == nil {
			return invalid(f+".actual", "required: the revenue from the period's start to as_of")
		}
		if x := *a.Actual; !(x >= 0 && x <= 1e15) {
			return invalid(f+".actual", "%g: want 0 to 1e15", x)
		}
		actuals[i] = diagnose.Actual{Period: p, Actual: *a.Actual}
		if a.Target != nil {
			if x := *a.Target; !(x > 0 && x <= 1e15) {
				return invalid(f+".target", "%g: want a positive revenue up to 1e15", x)
			}
			actuals[i].Target = *a.Target
		}
		level, id, _ := parseScope(f+".scope", a.Scope)
		k := scopeName(level, id) + "|" + p.String()
		if j, dup := seen[k]; dup {
			return invalid(f, "%s %s is also actuals[%d]: post each scope and period once", scopeName(level, id), p, j)
		}
		seen[k] = i
	}

	sn := rq.t.live.Load()
	co, err := sn.company(c.Request.Context())
	if err != nil {
		return err
	}
	for i, a := range req.Actuals {
		if actuals[i].Scope, _, err = diagScope(co, "actuals["+itoa(i)+"].scope", a.Scope, actuals[i].Period.Grain); err != nil {
			return err
		}
	}
	// One post at a time per tenant: deduplication reads the alerts the last post recorded.
	rq.t.alertMu.Lock()
	defer rq.t.alertMu.Unlock()
	ans, err := co.Judge(c.Request.Context(), diagnose.ActualsRequest{AsOf: asOf, Actuals: actuals,
		Log: &alertLog{s: s, tenant: rq.key.Tenant}})
	var ae *diagnose.ActualError
	switch {
	case errors.As(err, &ae):
		return errorf(EInvalidData, "actuals["+itoa(ae.Index)+"]."+ae.Field, "%s", ae.Error())
	case errors.Is(err, alert.ErrInvalid):
		return invalid("actuals", "%s", err.Error())
	case err != nil:
		return err
	}
	resp := actualsResponse{Currency: co.Dataset().Settings.Currency, AsOf: req.AsOf, DataAsOf: dataAsOf(co), Threshold: num(ans.Config.Threshold), Progress: make([]paceJSON, len(ans.Progress)),
		Alerts: ans.Alerts, Suppressed: ans.Suppressed, Notes: nonNil(ans.Notes)}
	for i, p := range ans.Progress {
		expected := p.Target * p.ExpectedShare
		resp.Progress[i] = paceJSON{Scope: p.Scope, KPI: p.Metric, Period: p.Period.String(), Actual: num(p.Actual), Target: num(p.Target), TargetFrom: p.TargetFrom,
			ExpectedShare: num(p.ExpectedShare), Expected: num(expected), Pace: num(p.Actual / expected), Judged: p.Judged, Alert: p.Alert}
		s.metrics.setPace(rq.key.Tenant, p.Scope, p.Period.Grain.String(), p.Period.String(), float64(resp.Progress[i].Pace))
	}
	ids := make([]string, len(ans.Alerts))
	for i, a := range ans.Alerts {
		ids[i] = a.ID
		s.metrics.alerts.WithLabelValues(rq.key.Tenant, a.Severity).Inc()
	}
	rq.target = "actuals as of " + req.AsOf
	rq.detail = clip.String(fmt.Sprintf("%d scope-periods, %d alerts raised (%s), %d suppressed", len(actuals), len(ans.Alerts), strings.Join(ids, " "), len(ans.Suppressed)), 2000)
	return writeJSON(c, 200, resp)
}

// alertLog is a tenant's alert records in the store, as the alert history of diagnose.Raise.
type alertLog struct {
	s      *Server
	tenant string
}

func (l *alertLog) History() ([]alert.Alert, error) {
	recs, err := l.s.store.Alerts(l.tenant, 0)
	if err != nil {
		return nil, err
	}
	history := make([]alert.Alert, 0, len(recs))
	for _, r := range recs {
		var h alert.Alert
		if err := json.Unmarshal(r.Data, &h); err != nil {
			l.s.log.Warn("stored alert not readable; left out of deduplication", "tenant", l.tenant, "id", r.ID, "err", err)
			continue
		}
		history = append(history, h)
	}
	return history, nil
}

// Record keeps the alerts with their deliveries (recordAlerts); it leaves out, as quiet, those
// acknowledged or muted.
func (l *alertLog) Record(raised []alert.Alert) ([]alert.Alert, error) {
	_, quiet, err := l.s.recordAlerts(l.tenant, raised)
	return quiet, err
}
