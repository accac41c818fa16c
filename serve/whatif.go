package serve

import (
	"math"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/registry"
)

// driverModel is a loaded driver model (what-if and attribution).
type driverModel struct {
	version registry.Version
	m       *driver.Model
}

// interval is a driver-model estimate with its bootstrap interval.
type interval struct {
	Estimate num `json:"estimate"`
	Lower    num `json:"lower"`
	Upper    num `json:"upper"`
}

func intervalOf(i driver.Interval) interval {
	return interval{num(i.Estimate), num(i.Lower), num(i.Upper)}
}

// driverScope maps an API scope to the driver model's scope ("" for all together).
func (d *driverModel) scope(field, s string) (string, error) {
	level, id, err := parseScope(field, s)
	if err != nil {
		return "", err
	}
	switch {
	case level == "company":
		return "", nil
	case level != d.m.ScopeLevel:
		return "", invalid(field, "the driver model is fitted by %s: ask for company or %s:<id>", d.m.ScopeLevel, d.m.ScopeLevel)
	case !slices.Contains(d.m.Scopes, id):
		return "", errorf(ENotFound, field, "no %s %q in the driver model; it has %s", d.m.ScopeLevel, clip.String(id, 64), strings.Join(d.m.Scopes, ", "))
	}
	return id, nil
}

type effectJSON struct {
	Driver    string     `json:"driver"`
	Role      string     `json:"role"`
	Scale     string     `json:"scale"`
	Unit      string     `json:"unit"`
	Sustained interval   `json:"sustained"`
	Lags      []interval `json:"lags"`
	SD        num        `json:"sd"`
}

func (s *Server) getDrivers(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	d := sn.driver
	if d == nil {
		return sn.unavailable(champion.Driver)
	}
	m := d.m
	effects := make([]effectJSON, len(m.Effects))
	for i, e := range m.Effects {
		ej := effectJSON{Driver: e.Column, Role: e.Role, Scale: string(e.Scale), Unit: e.Unit, Sustained: intervalOf(e.Sustained), SD: num(e.SD)}
		for _, l := range e.Lags {
			ej.Lags = append(ej.Lags, intervalOf(l))
		}
		effects[i] = ej
	}
	return writeJSON(c, 200, map[string]any{
		"model": refOf(d.version), "scope_level": m.ScopeLevel, "scopes": m.Scopes, "lags": m.Lags, "level": num(m.Level),
		"first": m.First.String(), "last": m.Last.String(), "observations": m.Observations, "residual_sd": num(m.ResidualSD),
		"effects": effects, "notes": nonNil(m.Notes),
	})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

type whatIfRequest struct {
	Scope   string         `json:"scope"`
	Changes []driverChange `json:"changes"`
}

type driverChange struct {
	Driver  string   `json:"driver"`
	Percent *float64 `json:"percent"`
	Amount  *float64 `json:"amount"`
}

// maxChanges bounds a scenario (the model has five drivers).
const maxChanges = 16

type appliedJSON struct {
	Driver    string   `json:"driver"`
	Role      string   `json:"role"`
	Scale     string   `json:"scale"`
	Unit      string   `json:"unit"`
	Percent   *num     `json:"percent,omitempty"`
	Amount    *num     `json:"amount,omitempty"`
	From      num      `json:"from"`
	To        num      `json:"to"`
	AsOf      string   `json:"as_of"`
	Sustained interval `json:"sustained"`
}

type scenarioPoint struct {
	Period        string `json:"period"`
	Base          num    `json:"base"`
	Scenario      num    `json:"scenario"`
	ChangePercent num    `json:"change_percent"`
}

func (s *Server) postWhatIf(c *gin.Context, rq *call) error {
	var req whatIfRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	sn := rq.t.live.Load()
	d := sn.driver
	if d == nil {
		return sn.unavailable(champion.Driver)
	}
	scope, err := d.scope("scope", req.Scope)
	if err != nil {
		return err
	}
	if len(req.Changes) == 0 {
		return invalid("changes", "give at least one driver change")
	}
	if len(req.Changes) > maxChanges {
		return invalid("changes", "%d changes: at most %d", len(req.Changes), maxChanges)
	}
	sc := driver.Scenario{Scope: scope}
	seen := map[string]bool{}
	for i, ch := range req.Changes {
		f := "changes[" + itoa(i) + "]"
		if ch.Driver == "" {
			return invalid(f+".driver", "required")
		}
		if seen[ch.Driver] {
			return invalid(f+".driver", "%q is changed twice", clip.String(ch.Driver, 64))
		}
		seen[ch.Driver] = true
		if !slices.ContainsFunc(d.m.Effects, func(e driver.Effect) bool { return e.Column == ch.Driver }) {
			names := make([]string, len(d.m.Effects))
			for j, e := range d.m.Effects {
				names[j] = e.Column
			}
			return invalid(f+".driver", "%q is not a driver of the model: it has %s", clip.String(ch.Driver, 64), strings.Join(names, ", "))
		}
		switch {
		case (ch.Percent == nil) == (ch.Amount == nil):
			return invalid(f, "give exactly one of percent and amount")
		case ch.Percent != nil:
			p := *ch.Percent
			if math.IsNaN(p) || p <= -100 || p > 1000 {
				return invalid(f+".percent", "%g: want a change above -100 and at most 1000 (percent)", p)
			}
			sc.Changes = append(sc.Changes, driver.Change{Driver: ch.Driver, Value: p / 100, Relative: true})
		default:
			a := *ch.Amount
			if math.IsNaN(a) || math.IsInf(a, 0) || math.Abs(a) > 1e15 {
				return invalid(f+".amount", "%g: want a finite amount in the driver's unit", a)
			}
			sc.Changes = append(sc.Changes, driver.Change{Driver: ch.Driver, Value: a})
		}
	}
	out, err := d.m.WhatIf(sc)
	if err != nil {
		return invalid("changes", "%s", strings.TrimPrefix(err.Error(), "what-if: "))
	}
	s.metrics.predicted(rq.key.Tenant, champion.Driver, "whatif", 1)
	verdict := map[string]any{}
	if d.m.Priors != nil {
		// The company model's rules: the verdict every surface shows for this scenario.
		if w, err := company.FromDriver(d.m).WhatIf(sc); err == nil {
			verdict["level"], verdict["uncertain"], verdict["withheld"] = num(company.Level), w.Uncertain, w.Withheld
			if w.Sentence != "" {
				verdict["sentence"] = w.Sentence
			}
		}
	}

	resp := map[string]any{
		"scope": scopeName(d.m.ScopeLevel, scope), "model": refOf(d.version), "level": num(d.m.Level),
		"sustained": intervalOf(out.Sustained), "sustained_percent": intervalOf(out.SustainedPercent),
	}
	if scope == "" {
		resp["scope"] = "company"
	}
	withCurrency(sn.currency(), resp) // of the changes' from and to in money (marketing spend)
	applied := make([]appliedJSON, len(out.Changes))
	for i, a := range out.Changes {
		aj := appliedJSON{Driver: a.Column, Role: a.Role, Scale: string(a.Scale), Unit: a.Unit, From: num(a.From), To: num(a.To),
			AsOf: a.AsOf.String(), Sustained: intervalOf(a.Sustained)}
		if a.Change.Relative {
			aj.Percent = numPtr(100 * a.Change.Value)
		} else {
			aj.Amount = numPtr(a.Change.Value)
		}
		applied[i] = aj
	}
	resp["changes"] = applied
	growth := make([]map[string]any, len(out.Growth))
	var scen []scenarioPoint
	var base *scopeForecast
	if fm := sn.forecast; fm != nil {
		base = fm.scopes[resp["scope"].(string)]
	}
	for k, g := range out.Growth {
		entry := map[string]any{"quarter": k + 1, "growth": intervalOf(g)}
		if base != nil && base.sc.Forecast != nil && k < len(base.sc.Forecast.Periods) {
			entry["period"] = base.sc.Forecast.Periods[k]
		}
		growth[k] = entry
	}
	if base != nil && base.sc.Forecast != nil {
		for _, q := range out.Forecast(base.sc.Forecast.Periods, base.sc.Forecast.Mean) {
			scen = append(scen, scenarioPoint{Period: q.Period, Base: num(q.Base), Scenario: num(q.Scenario), ChangePercent: num(q.ChangePercent)})
		}
	}
	for k, v := range verdict {
		resp[k] = v
	}
	resp["growth"] = growth
	resp["forecast"] = nonNil(scen)
	return writeJSON(c, 200, resp)
}
