// Package alert raises KPI alerts: period-to-date revenue against the target pro-rated by the
// period's expected shape, with deduplication against the alerts raised before.
//
// # Pace
//
// A period's target is for the whole period, but revenue does not arrive evenly: B2B deals
// bunch at the end of a quarter and of a month. Pace compares the revenue to date with the
// share of the target the period's shape says should be in by now:
//
//	pace = actual to date / (target × expected share by now)
//
// The expected share comes from history (Shape): for each past period of the same kind, the
// cumulative share of its revenue by each day, averaged. An alert fires when the pace is
// strictly below Config.Threshold (default 0.8: exactly 80 % does not fire). Nothing fires
// before Config.MinShare of the period's revenue is expected (one big deal more or less early
// in a period says little).
//
// # Deduplication
//
// An alert's key is its scope, metric and period. Dedup suppresses an alert whose key was
// raised within Config.Cooldown before, unless it escalated (its severity rose); it keeps the
// rest. It works against whatever history it is given, so the store of raised alerts (for
// example the registry's t/<tenant>/alert/<id> keys) stays outside this package.
//
// What this package must not do: read data, fit models or store alerts. Callers compute the
// progress to date, the shape and the causes (package diagnose) and keep the history.
package alert

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Config tunes Evaluate and Dedup. The zero value gives the defaults.
type Config struct {
	// Threshold is the pace below which an alert fires (default 0.8; strictly below).
	Threshold float64 `json:"threshold"`
	// Critical is the pace below which an alert is critical rather than a warning (default
	// Threshold − 0.2).
	Critical float64 `json:"critical"`
	// MinShare is the least expected share of the period's revenue by the as-of date for an
	// alert to be judged at all (default 0.1).
	MinShare float64 `json:"min_share"`
	// Cooldown is how long an alert's key stays quiet after it was raised unless it escalates
	// (default 7 days).
	Cooldown time.Duration `json:"cooldown"`
	// Notify are the roles every alert is sent to, before the roles of its claimed causes
	// (default the GM and sales: revenue is behind its pace whatever the cause).
	Notify []string `json:"notify,omitempty"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Threshold: 0.8, Critical: 0.6, MinShare: 0.1, Cooldown: 7 * 24 * time.Hour, Notify: []string{"gm", "sales"}}
}

// Validate fills zero fields with the defaults and checks the ranges.
func (c Config) Validate() (Config, error) {
	d := DefaultConfig()
	if c.Threshold == 0 {
		c.Threshold = d.Threshold
	}
	if c.Critical == 0 {
		// Rounded so that 0.8 − 0.2 is 0.6, not 0.6000000000000001.
		c.Critical = math.Max(0, math.Round((c.Threshold-0.2)*1e9)/1e9)
	}
	if c.MinShare == 0 {
		c.MinShare = d.MinShare
	}
	if c.Cooldown == 0 {
		c.Cooldown = d.Cooldown
	}
	if len(c.Notify) == 0 {
		c.Notify = d.Notify
	}
	switch {
	case !(c.Threshold > 0 && c.Threshold <= 2):
		return c, fmt.Errorf("threshold %g: want 0 < threshold ≤ 2", c.Threshold)
	case !(c.Critical >= 0 && c.Critical < c.Threshold):
		return c, fmt.Errorf("critical %g: want 0 ≤ critical < threshold %g", c.Critical, c.Threshold)
	case !(c.MinShare > 0 && c.MinShare < 1):
		return c, fmt.Errorf("min share %g: want 0 < min share < 1", c.MinShare)
	case c.Cooldown < 0:
		return c, fmt.Errorf("cooldown %s: want at least 0", c.Cooldown)
	}
	return c, nil
}

// Log keeps the alerts raised, so that Dedup can keep an alert already raised quiet: the
// CLI's history file, the server's alert records in the store.
type Log interface {
	// History returns the alerts raised before.
	History() ([]Alert, error)
	// Record keeps newly raised alerts. It returns those it left out because someone has
	// quieted them (the server's acknowledged and muted alerts); they count as suppressed.
	Record(raised []Alert) (quiet []Alert, err error)
}

// Keep deduplicates alerts against log's history (Dedup) and records those to raise in log;
// the alerts the log leaves out as quiet join the suppressed. A nil log has no history and
// records nothing. It returns Dedup's errors and the log's, wrapped.
func Keep(alerts []Alert, cfg Config, log Log) (raise, suppressed []Alert, err error) {
	var history []Alert
	if log != nil {
		if history, err = log.History(); err != nil {
			return nil, nil, fmt.Errorf("alert history: %w", err)
		}
	}
	raise, suppressed, err = Dedup(alerts, history, cfg)
	if err != nil || log == nil {
		return raise, suppressed, err
	}
	quiet, err := log.Record(raise)
	if err != nil {
		return nil, nil, fmt.Errorf("record alerts: %w", err)
	}
	if len(quiet) > 0 {
		raise = slices.DeleteFunc(raise, func(a Alert) bool {
			return slices.ContainsFunc(quiet, func(q Alert) bool { return q.ID == a.ID })
		})
		suppressed = append(suppressed, quiet...)
	}
	return raise, suppressed, nil
}

// ErrInvalid is matched (errors.Is) by Evaluate's errors for progress out of range: a fault
// of the input, not of the data or the code.
var ErrInvalid = errors.New("invalid progress")

type invalidError struct{ msg string }

func (e invalidError) Error() string        { return e.msg }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error { return invalidError{fmt.Sprintf(format, args...)} }

// Progress is a scope's period to date.
type Progress struct {
	// Scope is "company", "region:NAME" or "team:ID"; Metric the KPI ("revenue").
	Scope  string          `json:"scope"`
	Metric string          `json:"metric"`
	Period datasets.Period `json:"period"`
	// AsOf is the first day not yet in the data.
	AsOf time.Time `json:"as_of"`
	// Actual is the metric from the period's start to AsOf; Target the whole period's target.
	Actual float64 `json:"actual"`
	Target float64 `json:"target"`
	// ExpectedShare is the share of the period's metric expected by AsOf (see Shape).
	ExpectedShare float64 `json:"expected_share"`
}

// Cause is a cause linked to an alert.
type Cause struct {
	// Kind is "driver" or "slice".
	Kind string `json:"kind"`
	// Name is the driver or the slice ("region=West & product=Suite").
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
	// Detail says what moved, in words.
	Detail string `json:"detail"`
	// Contribution is the cause's estimated share of the metric, in log points (drivers).
	Contribution float64 `json:"contribution,omitempty"`
	Confidence   float64 `json:"confidence"`
	Claimed      bool    `json:"claimed"`
}

// Severity levels.
const (
	Warning  = "warning"
	Critical = "critical"
)

// Alert is a raised alert.
type Alert struct {
	// ID is unique per key and as-of day; Key identifies what the alert is about (scope,
	// metric, period) for deduplication.
	ID     string          `json:"id"`
	Key    string          `json:"key"`
	Scope  string          `json:"scope"`
	Metric string          `json:"metric"`
	Period datasets.Period `json:"period"`
	AsOf   time.Time       `json:"as_of"`
	// Actual to date, the pro-rated target (Target × ExpectedShare) and the pace.
	Actual        float64 `json:"actual"`
	Target        float64 `json:"target"`
	ExpectedShare float64 `json:"expected_share"`
	Expected      float64 `json:"expected"`
	Pace          float64 `json:"pace"`
	Threshold     float64 `json:"threshold"`
	Severity      string  `json:"severity"`
	// Causes are the linked causes, best first; NoDominantCause is true when none is claimed.
	Causes          []Cause `json:"causes"`
	NoDominantCause bool    `json:"no_dominant_cause"`
	// Notify are the roles to tell.
	Notify []string `json:"notify"`
}

// Evaluate returns an alert for every progress whose pace is strictly below the threshold, by
// scope and period. Causes and Notify are left for the caller. It returns an error for
// invalid options, a negative actual, a non-positive target or an expected share outside
// [0, 1].
func Evaluate(progress []Progress, cfg Config) ([]Alert, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, p := range progress {
		switch {
		case math.IsNaN(p.Actual) || p.Actual < 0 || math.IsInf(p.Actual, 0):
			return nil, invalidf("%s %s %s: actual %g: want a number ≥ 0", p.Scope, p.Metric, p.Period, p.Actual)
		case !(p.Target > 0) || math.IsInf(p.Target, 0):
			return nil, invalidf("%s %s %s: target %g: want a positive number", p.Scope, p.Metric, p.Period, p.Target)
		case !(p.ExpectedShare >= 0 && p.ExpectedShare <= 1):
			return nil, invalidf("%s %s %s: expected share %g: want 0 to 1", p.Scope, p.Metric, p.Period, p.ExpectedShare)
		}
		if p.ExpectedShare < cfg.MinShare {
			continue
		}
		expected := p.Target * p.ExpectedShare
		pace := p.Actual / expected
		if !(pace < cfg.Threshold) {
			continue
		}
		a := Alert{Key: Key(p.Scope, p.Metric, p.Period), Scope: p.Scope, Metric: p.Metric, Period: p.Period, AsOf: p.AsOf,
			Actual: p.Actual, Target: p.Target, ExpectedShare: p.ExpectedShare, Expected: expected, Pace: pace,
			Threshold: cfg.Threshold, Severity: Warning, NoDominantCause: true}
		if pace < cfg.Critical {
			a.Severity = Critical
		}
		a.ID = id(a.Key, p.AsOf)
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(a.Pace, b.Pace), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// Key is an alert's deduplication key.
func Key(scope, metric string, period datasets.Period) string {
	return scope + "|" + metric + "|" + period.String()
}

// ID is the id of the alert of a key raised as of a day: unique per key and day, so that the
// same alert raised again the same day is the same alert.
func ID(key string, asOf time.Time) string { return id(key, asOf) }

func id(key string, asOf time.Time) string {
	h := sha256.Sum256([]byte(key + "|" + asOf.UTC().Format(time.DateOnly)))
	return hex.EncodeToString(h[:8])
}

// Dedup splits alerts into those to raise and those suppressed: an alert is suppressed when
// the history holds an alert with the same key raised at most cfg.Cooldown before it (and not
// after it) whose severity was as high, or when an alert with the same ID was raised already.
// The history may come in any order. It returns an error for invalid options.
func Dedup(alerts, history []Alert, cfg Config) (raise, suppressed []Alert, err error) {
	cfg, err = cfg.Validate()
	if err != nil {
		return nil, nil, err
	}
	ids := make(map[string]bool, len(history))
	last := map[string]Alert{} // key → latest alert raised (the most severe among same-day ones)
	for _, h := range history {
		ids[h.ID] = true
		if l, ok := last[h.Key]; !ok || h.AsOf.After(l.AsOf) || h.AsOf.Equal(l.AsOf) && rank(h.Severity) > rank(l.Severity) {
			last[h.Key] = h
		}
	}
	for _, a := range alerts {
		if ids[a.ID] {
			suppressed = append(suppressed, a)
			continue
		}
		l, ok := last[a.Key]
		quiet := ok && !l.AsOf.After(a.AsOf) && a.AsOf.Sub(l.AsOf) <= cfg.Cooldown
		if quiet && rank(a.Severity) <= rank(l.Severity) {
			suppressed = append(suppressed, a)
			continue
		}
		raise = append(raise, a)
		last[a.Key], ids[a.ID] = a, true
	}
	return raise, suppressed, nil
}

func rank(severity string) int {
	switch severity {
	case Critical:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// ErrNoHistory is returned by Shape when no past period has any revenue.
var ErrNoHistory = errors.New("no past period with revenue to learn the period's shape from")

// Shape is the expected cumulative share of a period's revenue by each day of the period:
// Shape[d] is the share expected before day d (Shape[0] = 0, Shape[len−1] = 1).
type Shape []float64

// NewShape averages the cumulative shares of past periods. Each past period is its daily
// revenue in order (day 0 first); periods of different lengths are stretched to length days
// (linearly, by the fraction of the period elapsed). Periods with no revenue are skipped. It
// returns ErrNoHistory when no period has revenue, and an error for a negative value.
func NewShape(past [][]float64, length int) (Shape, error) {
	if length < 1 {
		return nil, fmt.Errorf("shape length %d: want at least 1", length)
	}
	sum := make([]float64, length+1)
	n := 0
	for _, days := range past {
		total := 0.0
		for _, v := range days {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("daily value %g: want a finite number ≥ 0", v)
			}
			total += v
		}
		if total == 0 || len(days) == 0 {
			continue
		}
		cum := make([]float64, len(days)+1)
		for i, v := range days {
			cum[i+1] = cum[i] + v/total
		}
		for d := 0; d <= length; d++ {
			sum[d] += interpolate(cum, float64(d)/float64(length))
		}
		n++
	}
	if n == 0 {
		return nil, ErrNoHistory
	}
	s := make(Shape, length+1)
	for d := range s {
		s[d] = sum[d] / float64(n)
	}
	s[0], s[length] = 0, 1
	return s, nil
}

// interpolate reads a cumulative curve over days at fraction f of the period.
func interpolate(cum []float64, f float64) float64 {
	x := f * float64(len(cum)-1)
	i := int(math.Floor(x))
	if i >= len(cum)-1 {
		return cum[len(cum)-1]
	}
	return cum[i] + (x-float64(i))*(cum[i+1]-cum[i])
}

// At returns the share expected after elapsed of total days (fractions allowed).
func (s Shape) At(elapsed, total float64) float64 {
	if total <= 0 || len(s) < 2 {
		return 0
	}
	f := math.Max(0, math.Min(1, elapsed/total))
	return interpolate(s, f)
}
