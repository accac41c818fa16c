package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/alert"
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
	return writeJSON(c, 200, map[string]any{"alerts": out})
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
		return invalid("as_of", "%q: want a date YYYY-MM-DD", truncate(req.AsOf, 32))
	}
	asOf := day.AddDate(0, 0, 1) // the first day not counted
	if len(req.Actuals) == 0 {
		return invalid("actuals", "give at least one scope's actual")
	}
	if len(req.Actuals) > maxActuals {
		return errorf(ETooLarge, "actuals", "%d actuals: at most %d per request", len(req.Actuals), maxActuals)
	}
	type parsed struct {
		scope, field string
		period       datasets.Period
	}
	ps := make([]parsed, len(req.Actuals))
	seen := map[string]int{}
	for i, a := range req.Actuals {
		f := "actuals[" + itoa(i) + "]"
		level, id, err := parseScope(f+".scope", a.Scope)
		if err != nil {
			return err
		}
		if a.KPI != "" && a.KPI != "revenue" {
			return invalid(f+".kpi", "%q: want revenue", truncate(a.KPI, 32))
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
		if a.Target != nil {
			if x := *a.Target; !(x > 0 && x <= 1e15) {
				return invalid(f+".target", "%g: want a positive revenue up to 1e15", x)
			}
		}
		name := scopeName(level, id)
		k := name + "|" + p.String()
		if j, dup := seen[k]; dup {
			return invalid(f, "%s %s is also actuals[%d]: post each scope and period once", name, p, j)
		}
		seen[k] = i
		ps[i] = parsed{scope: name, field: f, period: p}
	}

	sn := rq.t.live.Load()
	co, err := sn.company()
	if err != nil {
		return err
	}
	resp := actualsResponse{AsOf: req.AsOf, DataAsOf: dataAsOf(co), Progress: make([]paceJSON, len(ps)), Notes: []string{}}
	cfg, _ := alert.Config{}.Validate()
	resp.Threshold = num(cfg.Threshold)
	progress := make([]alert.Progress, len(ps))
	for i, p := range ps {
		a := req.Actuals[i]
		if _, _, err := diagScope(co, p.field+".scope", a.Scope, p.period.Grain); err != nil {
			return err
		}
		target, from := 0.0, "given"
		if a.Target != nil {
			target = *a.Target
		} else {
			t, ok := sn.data.targets[targetKey{p.period.String(), p.scope, "revenue"}]
			if !ok || !(t > 0) {
				return errorf(EInvalidData, p.field+".target", "no revenue target for %s in %s in the tenant's data: give target", p.scope, p.period)
			}
			target, from = t, "data"
		}
		share, err := co.ExpectedShare(p.period, asOf)
		if err != nil {
			return errorf(EInvalidData, p.field+".period", "the expected share of %s's revenue by %s cannot be learned from the tenant's data: %s", p.period, req.AsOf, err.Error())
		}
		progress[i] = alert.Progress{Scope: p.scope, Metric: "revenue", Period: p.period, AsOf: asOf, Actual: *a.Actual, Target: target, ExpectedShare: share}
		expected := target * share
		resp.Progress[i] = paceJSON{Scope: p.scope, KPI: "revenue", Period: p.period.String(), Actual: num(*a.Actual), Target: num(target), TargetFrom: from,
			ExpectedShare: num(share), Expected: num(expected), Pace: num(*a.Actual / expected), Judged: share >= cfg.MinShare}
	}
	alerts, err := alert.Evaluate(progress, cfg)
	if err != nil {
		return invalid("actuals", "%s", err.Error())
	}
	for i := range alerts {
		a := &alerts[i]
		if err := co.LinkCauses(a); err != nil {
			resp.Notes = append(resp.Notes, fmt.Sprintf("%s %s: causes not linked: %v", a.Scope, a.Period, err))
			a.Notify = []string{"gm", "sales"}
		}
		if a.Causes == nil {
			a.Causes = []alert.Cause{}
		}
		for k := range a.Causes {
			a.Causes[k].Contribution = finiteOr0(a.Causes[k].Contribution)
			a.Causes[k].Confidence = finiteOr0(a.Causes[k].Confidence)
		}
		for k := range resp.Progress {
			if resp.Progress[k].Scope == a.Scope && resp.Progress[k].Period == a.Period.String() {
				resp.Progress[k].Alert = true
			}
		}
	}

	// Deduplicate against the tenant's alerts and keep the new ones, one post at a time.
	rq.t.alertMu.Lock()
	defer rq.t.alertMu.Unlock()
	raise, suppressed, err := s.raiseAlerts(rq.key.Tenant, alerts, cfg)
	if err != nil {
		return err
	}
	for i, p := range progress {
		s.metrics.setPace(rq.key.Tenant, p.Scope, p.Period.Grain.String(), p.Period.String(), float64(resp.Progress[i].Pace))
	}
	resp.Alerts, resp.Suppressed = nonNil(raise), nonNil(suppressed)
	ids := make([]string, len(raise))
	for i, a := range raise {
		ids[i] = a.ID
	}
	rq.target = "actuals as of " + req.AsOf
	rq.detail = truncate(fmt.Sprintf("%d scope-periods, %d alerts raised (%s), %d suppressed", len(ps), len(raise), strings.Join(ids, " "), len(suppressed)), 2000)
	return writeJSON(c, 200, resp)
}

func finiteOr0(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}
