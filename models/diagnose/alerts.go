package diagnose

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/internal/numfmt"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/rootcause"
)

// AlertRequest asks for the alerts as of the company's data end (Options.AsOf when it was
// opened with one).
type AlertRequest struct {
	Config alert.Config
	// Log holds the alerts raised before, for deduplication, and keeps the new ones; nil
	// deduplicates against nothing and keeps nothing.
	Log alert.Log
	// Levels are the scope levels checked (default company and region; team has quarterly
	// targets only).
	Levels []features.Level
	// Grains are the periods checked (default month and quarter).
	Grains []datasets.Grain
}

// AlertAnswer is what Alerts found.
type AlertAnswer struct {
	AsOf time.Time `json:"as_of"`
	// Alerts are the alerts to raise, worst pace first; Suppressed those deduplicated away.
	Alerts     []alert.Alert `json:"alerts"`
	Suppressed []alert.Alert `json:"suppressed"`
	// Checked is the number of scope-periods checked.
	Checked int      `json:"checked"`
	Notes   []string `json:"notes,omitempty"`
}

// Alerts checks, for every scope and for the month and the quarter that hold the last day of
// the data, revenue to date against the target pro-rated by the expected shape of the period
// (alert.Evaluate), and raises the alerts as Raise does. A scope or period without a target
// is skipped with a note. It returns an error when the data has no revenue to learn the
// periods' shape from, and ctx's error when ctx is cancelled.
func (c *Company) Alerts(ctx context.Context, req AlertRequest) (*AlertAnswer, error) {
	cfg, err := req.Config.Validate()
	if err != nil {
		return nil, err
	}
	if len(req.Levels) == 0 {
		req.Levels = []features.Level{features.Company, features.Region}
	}
	if len(req.Grains) == 0 {
		req.Grains = []datasets.Grain{datasets.Month, datasets.Quarter}
	}
	asOf := c.AsOf()
	ans := &AlertAnswer{AsOf: asOf}
	var progress []alert.Progress
	for _, g := range req.Grains {
		period := datasets.Of(g, asOf.Add(-time.Nanosecond))
		shape, err := c.shape(g, period)
		if err != nil {
			return nil, err
		}
		elapsed := asOf.Sub(period.Start()).Hours() / 24
		share := shape.At(elapsed, float64(period.Days()))
		for _, lvl := range req.Levels {
			p, err := c.Panel(g, lvl)
			if err != nil {
				return nil, err
			}
			t := p.Index(period)
			if t < 0 {
				continue
			}
			if !p.Has(features.ColTarget) {
				ans.Notes = append(ans.Notes, fmt.Sprintf("no targets: %s %s alerts skipped", lvl, g))
				continue
			}
			for _, id := range p.Scopes {
				sc := Scope{Level: lvl, ID: id}
				tg := p.Series(id, features.ColTarget)[t]
				if !(tg > 0) {
					continue
				}
				rev := p.Series(id, features.ColRevenue)[t]
				if math.IsNaN(rev) {
					rev = 0
				}
				progress = append(progress, alert.Progress{Scope: sc.String(), Metric: "revenue", Period: period, AsOf: asOf,
					Actual: rev, Target: tg, ExpectedShare: share})
			}
		}
	}
	ans.Checked = len(progress)
	r, err := c.Raise(ctx, progress, cfg, req.Log)
	if err != nil {
		return nil, err
	}
	ans.Alerts, ans.Suppressed, ans.Notes = r.Alerts, r.Suppressed, append(ans.Notes, r.Notes...)
	return ans, nil
}

// Raised is what Raise did.
type Raised struct {
	// Alerts were raised (and recorded in the log), worst pace first; Suppressed were
	// deduplicated away.
	Alerts     []alert.Alert
	Suppressed []alert.Alert
	// Notes say which alerts' causes could not be linked, and why.
	Notes []string
}

// Raise is the alert workflow that the CLI (Alerts) and the server (posted actuals, Judge)
// share: it evaluates the progress of each scope-period (alert.Evaluate), links each alert's
// causes from the driver ranking (the drivers that held the scope's revenue back in the
// period to date against its pro-rated target) and the roles to notify — cfg.Notify, then
// the roles of the claimed causes — and keeps them in log (alert.Keep: deduplicated against
// its history, recorded, those it quiets suppressed; nil: no history, nothing recorded). An
// alert whose causes cannot be linked is still raised, to cfg.Notify, with a note. Raise
// returns an error for invalid progress or config, when the log cannot be read or written,
// and ctx's error when ctx is cancelled (before anything is recorded).
func (c *Company) Raise(ctx context.Context, progress []alert.Progress, cfg alert.Config, log alert.Log) (*Raised, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	alerts, err := alert.Evaluate(progress, cfg)
	if err != nil {
		return nil, err
	}
	r := &Raised{Alerts: []alert.Alert{}, Suppressed: []alert.Alert{}}
	for i := range alerts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := &alerts[i]
		if err := c.LinkCauses(ctx, a, cfg.Notify); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.Notes = append(r.Notes, fmt.Sprintf("%s %s: causes not linked: %v", a.Scope, a.Period, err))
			a.Notify = slices.Clone(cfg.Notify)
		}
		if a.Causes == nil {
			a.Causes = []alert.Cause{}
		}
		for k := range a.Causes { // JSON has no NaN: an estimate that is not a number reads 0
			a.Causes[k].Contribution = finiteOr0(a.Causes[k].Contribution)
			a.Causes[k].Confidence = finiteOr0(a.Causes[k].Confidence)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	raise, suppressed, err := alert.Keep(alerts, cfg, log)
	if err != nil {
		return nil, err
	}
	if raise != nil {
		r.Alerts = raise
	}
	if suppressed != nil {
		r.Suppressed = suppressed
	}
	return r, nil
}

func finiteOr0(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Actual is a scope's period-to-date revenue reported by another system (an ERP, nightly).
type Actual struct {
	Scope  Scope
	Period datasets.Period
	// Actual is the revenue from the period's start to the as-of date.
	Actual float64
	// Target is the whole period's revenue target; 0 takes it from the data's targets table.
	Target float64
}

// ActualsRequest asks to judge posted actuals.
type ActualsRequest struct {
	// AsOf is the first day the actuals do not cover.
	AsOf    time.Time
	Actuals []Actual
	Config  alert.Config
	// Log as in AlertRequest.
	Log alert.Log
}

// Pace is one posted actual as judged.
type Pace struct {
	alert.Progress
	// TargetFrom is "given" (Actual.Target) or "data".
	TargetFrom string
	// Judged is false when too little of the period's revenue is expected yet for a pace to
	// mean much (alert.Config.MinShare); Alert says an alert was raised or suppressed for it.
	Judged, Alert bool
}

// ActualsAnswer is what Judge found: every actual's pace, in the order posted, and the alerts.
type ActualsAnswer struct {
	Config   alert.Config // the config applied, defaults filled in
	Progress []Pace
	Raised
}

// ActualError names the posted actual (by index) and its field ("target", "period") that the
// company's data cannot judge.
type ActualError struct {
	Index int
	Field string
	Err   error
}

func (e *ActualError) Error() string { return e.Err.Error() }
func (e *ActualError) Unwrap() error { return e.Err }

// Judge judges actuals reported for scopes of the company against their targets pro-rated by
// the share of a period's revenue the company's history expects by the as-of date
// (ExpectedShare), and raises alerts for those behind their pace as Raise does. A period may
// lie beyond the data. It returns an *ActualError for an actual without a target (given or in
// the data) or whose period's share cannot be learned, and Raise's errors.
func (c *Company) Judge(ctx context.Context, req ActualsRequest) (*ActualsAnswer, error) {
	cfg, err := req.Config.Validate()
	if err != nil {
		return nil, err
	}
	targets := map[string]float64{}
	for _, t := range c.ds.Targets {
		if t.Metric == "revenue" {
			s := Scope{Level: features.Level(t.Scope), ID: t.ScopeID}
			if t.Scope == string(features.Company) {
				s.ID = ""
			}
			targets[t.Period.String()+"|"+s.String()] = t.Target
		}
	}
	day := req.AsOf.AddDate(0, 0, -1) // the last day covered, for messages
	ans := &ActualsAnswer{Config: cfg, Progress: make([]Pace, len(req.Actuals))}
	progress := make([]alert.Progress, len(req.Actuals))
	for i, a := range req.Actuals {
		scope := a.Scope.String()
		target, from := a.Target, "given"
		if target == 0 {
			t, ok := targets[a.Period.String()+"|"+scope]
			if !ok || !(t > 0) {
				return nil, &ActualError{i, "target", fmt.Errorf("no revenue target for %s in %s in the data: give target", scope, a.Period)}
			}
			target, from = t, "data"
		}
		share, err := c.ExpectedShare(a.Period, req.AsOf)
		if err != nil {
			return nil, &ActualError{i, "period", fmt.Errorf("the expected share of %s's revenue by %s cannot be learned from the data: %w",
				a.Period, datasets.FormatDate(day), err)}
		}
		progress[i] = alert.Progress{Scope: scope, Metric: "revenue", Period: a.Period, AsOf: req.AsOf, Actual: a.Actual, Target: target, ExpectedShare: share}
		ans.Progress[i] = Pace{Progress: progress[i], TargetFrom: from, Judged: share >= cfg.MinShare}
	}
	r, err := c.Raise(ctx, progress, cfg, req.Log)
	if err != nil {
		return nil, err
	}
	ans.Raised = *r
	for _, a := range append(slices.Clip(r.Alerts), r.Suppressed...) {
		for k := range ans.Progress {
			if ans.Progress[k].Scope == a.Scope && ans.Progress[k].Period == a.Period {
				ans.Progress[k].Alert = true
			}
		}
	}
	return ans, nil
}

// LinkCauses ranks the drivers behind an alert's shortfall and sets its causes and the roles
// to notify: notify (alert.Config.Notify), then the roles of the claimed causes. It returns
// an error (and leaves the alert as it was) for a scope it cannot parse or find, a period
// outside the data, or when ctx ends.
func (c *Company) LinkCauses(ctx context.Context, a *alert.Alert, notify []string) error {
	s, err := ParseScope(a.Scope)
	if err != nil {
		return err
	}
	res, err := c.Drivers(ctx, DriverRequest{Scope: s, Period: a.Period, Actual: math.Max(a.Actual, 1e-9), Expected: a.Expected, Direction: -1})
	if err != nil {
		return err
	}
	a.NoDominantCause = res.NoDominantCause
	a.Notify = slices.Clone(notify)
	for _, cause := range res.Causes {
		if len(a.Causes) >= 3 && !cause.Significant {
			break
		}
		if cause.Contribution.Estimate >= 0 && !cause.Significant {
			continue
		}
		claimed := cause.Significant && !res.NoDominantCause
		a.Causes = append(a.Causes, alert.Cause{Kind: "driver", Name: cause.Driver, Role: cause.Role, Detail: describe(cause, c.ds.Settings.Currency),
			Contribution: cause.Contribution.Estimate, Confidence: cause.Confidence, Claimed: claimed})
		if claimed && !slices.Contains(a.Notify, cause.Role) {
			a.Notify = append(a.Notify, cause.Role)
		}
	}
	if a.Causes == nil {
		a.Causes = []alert.Cause{}
	}
	return nil
}

// describe says in words what a driver did, with its levels, its move and its contribution as
// the review page, the API's root causes and the CLI print them (numfmt); money in currency.
func describe(c rootcause.DriverCause, currency string) string {
	where := ""
	if c.Where != "" {
		where = " in " + c.Where
	}
	when := ""
	if c.Lag > 0 {
		when = fmt.Sprintf(" %d period(s) earlier", c.Lag)
	}
	move := numfmt.Level(c.Actual-c.Baseline, c.Unit, currency)
	if c.Actual > c.Baseline {
		move = "+" + move
	}
	if c.Scale == rootcause.Log {
		move = numfmt.SignedPercent(c.Actual/c.Baseline - 1)
	}
	effect := "estimated contribution to revenue " + numfmt.Points(c.Contribution.Estimate)
	if c.Effect.Uncertain {
		effect = c.Effect.Sentence
	}
	return fmt.Sprintf("%s%s%s: %s against a usual %s (%s, %s); %s",
		c.Driver, where, when, numfmt.Level(c.Actual, c.Unit, currency), numfmt.Level(c.Baseline, c.Unit, currency), move, numfmt.Spread(c.Z), effect)
}

// shape learns the expected cumulative share of revenue through a period of the grain from the
// company's won deals in the complete periods before it: the last eight quarters, or the
// last twelve months. It is the company's shape, used for every scope: a region's own
// history is noisier and B2B buying follows the same calendar everywhere.
func (c *Company) shape(g datasets.Grain, period datasets.Period) (alert.Shape, error) {
	n := 8
	if g == datasets.Month {
		n = 12
	}
	first := period.Add(-n)
	daily := make([][]float64, n)
	for k := range daily {
		daily[k] = make([]float64, first.Add(k).Days())
	}
	for i := range c.ds.Opportunities {
		o := &c.ds.Opportunities[i]
		if o.Stage != "won" || o.ClosedDate.IsZero() {
			continue
		}
		k := datasets.Of(g, o.ClosedDate).N - first.N
		if k < 0 || k >= n {
			continue
		}
		d := int(o.ClosedDate.Sub(first.Add(k).Start()).Hours() / 24)
		if d >= 0 && d < len(daily[k]) {
			daily[k][d] += o.Amount.Or(0)
		}
	}
	s, err := alert.NewShape(daily, period.Days())
	if err != nil {
		return nil, fmt.Errorf("%s shape: %w", g, err)
	}
	return s, nil
}

// ExpectedShare returns the share of a period's revenue that the company's history says is
// in by asOf (the first day not yet counted): the pro-rating Alerts applies to a period's
// target. The period may lie beyond the data (actuals reported by another system); its shape
// is learned from the periods before it that the data hold. It returns an error for a period
// that is not a month or a quarter, an asOf outside the period, and when no earlier period
// has revenue (alert.ErrNoHistory).
func (c *Company) ExpectedShare(period datasets.Period, asOf time.Time) (float64, error) {
	g := period.Grain
	if g != datasets.Month && g != datasets.Quarter {
		return 0, fmt.Errorf("period %q: want a month (YYYY-MM) or a quarter (YYYYQn)", period)
	}
	if asOf.Before(period.Start()) || asOf.After(period.End()) {
		return 0, fmt.Errorf("as of %s: outside the period %s", asOf.Format(time.DateOnly), period)
	}
	shape, err := c.shape(g, period)
	if err != nil {
		return 0, err
	}
	return shape.At(asOf.Sub(period.Start()).Hours()/24, float64(period.Days())), nil
}
