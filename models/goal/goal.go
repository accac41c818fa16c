package goal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/indicators"
)

// Metrics a goal can set. The article's GM sets a growth target, so that is the one metric:
// year-on-year revenue growth of the period, as a fraction (0.30 is +30 %).
const MetricGrowthYoY = "revenue_growth_yoy"

// Metrics lists the metrics a goal may name.
var Metrics = []string{MetricGrowthYoY}

// Bounds of a growth target: below −99 % revenue would vanish; above +1,000 % a target is a
// typing error, not an ambition (an ambitious target that no driver change reaches is
// accepted here and refused by Cascade, with the reason).
const (
	MinTarget = -0.99
	MaxTarget = 10
)

// Goal is the GM's target for one period. A goal is versioned: setting the same period and
// metric again makes a new version, and the latest version is the goal.
type Goal struct {
	// Period is a year ("2027") or a quarter ("2027Q1").
	Period string `json:"period"`
	// Metric is MetricGrowthYoY.
	Metric string `json:"metric"`
	// Target is the growth to reach, a fraction (0.30: revenue 30 % above the same period a
	// year earlier).
	Target float64 `json:"target"`
	// Note is the GM's own words on the goal (optional).
	Note string `json:"note,omitempty"`

	// Version, SetBy (the API key id), Role and Created are set when the goal is stored.
	Version int       `json:"version"`
	SetBy   string    `json:"set_by,omitempty"`
	Role    string    `json:"role,omitempty"`
	Created time.Time `json:"created"`
}

// FieldError is a goal that cannot be accepted, naming the field at fault: the catalogue's
// error type, so that one check at the API edge serves both.
type FieldError = indicators.FieldError

var fieldErr = indicators.FieldErrorf

// Validate checks a goal as a client sends it and normalises its period ("2027q1" →
// "2027Q1"). It returns a *FieldError naming the field at fault.
func (g *Goal) Validate() error {
	p, err := ParsePeriod(g.Period)
	if err != nil {
		return fieldErr("period", "%v", err)
	}
	g.Period = p.String()
	switch {
	case g.Metric == "":
		return fieldErr("metric", "required: one of %s", strings.Join(Metrics, ", "))
	case g.Metric != MetricGrowthYoY:
		return fieldErr("metric", "%q: want one of %s", clip.String(g.Metric, 40), strings.Join(Metrics, ", "))
	case math.IsNaN(g.Target) || math.IsInf(g.Target, 0) || g.Target <= MinTarget || g.Target > MaxTarget:
		return fieldErr("target", "%s: want growth as a fraction above %s and at most %s (0.30 is +30 %%)", exact(g.Target), exact(MinTarget), exact(MaxTarget))
	case len(g.Note) > 1000:
		return fieldErr("note", "%d bytes: at most 1000", len(g.Note))
	}
	return nil
}

// exact writes a number as sent, in full and without exponent notation (1e6 is "1000000").
func exact(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Key is the goal's identity across versions: period and metric ("2027.revenue_growth_yoy").
func (g Goal) Key() string { return g.Period + "." + g.Metric }

// Period is a goal's period: a calendar year or one quarter, as a run of quarters.
type Period struct {
	// First is the first quarter; Quarters is 4 for a year and 1 for a quarter.
	First    datasets.Period
	Quarters int
}

// ParsePeriod reads a year ("2027") or a quarter ("2027Q1", "2027q1").
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Period{}, fmt.Errorf("required: a year such as 2027 or a quarter such as 2027Q1")
	}
	if y, err := strconv.Atoi(s); err == nil && len(s) == 4 {
		if y < 1900 || y > 9999 {
			return Period{}, fmt.Errorf("year %d: want 1900 to 9999", y)
		}
		return Period{First: datasets.Period{Grain: datasets.Quarter, N: y * 4}, Quarters: 4}, nil
	}
	q, err := datasets.ParseQuarter(strings.ToUpper(s))
	if err != nil || q.Year() < 1900 || q.Year() > 9999 {
		return Period{}, fmt.Errorf("%q: want a year such as 2027 or a quarter such as 2027Q1", clip.String(s, 40))
	}
	return Period{First: q, Quarters: 1}, nil
}

// String formats the period as ParsePeriod reads it.
func (p Period) String() string {
	if p.Quarters == 4 {
		return strconv.Itoa(p.First.Year())
	}
	return p.First.String()
}

// Contains reports whether quarter q is one of the period's.
func (p Period) Contains(q datasets.Period) bool {
	return q.Grain == datasets.Quarter && q.N >= p.First.N && q.N < p.First.N+p.Quarters
}

// List returns the period's quarters in order.
func (p Period) List() []datasets.Period {
	out := make([]datasets.Period, p.Quarters)
	for i := range out {
		out[i] = p.First.Add(i)
	}
	return out
}

// Start and End are the first day of the period and the first day after it.
func (p Period) Start() time.Time { return p.First.Start() }
func (p Period) End() time.Time   { return p.First.Add(p.Quarters - 1).End() }
