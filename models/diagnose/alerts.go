package diagnose

import (
	"fmt"
	"github.com/growthlens/growthlens/internal/numfmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/rootcause"
)

// AlertRequest asks for the alerts as of the company's data end (Options.AsOf when it was
// opened with one).
type AlertRequest struct {
	Config alert.Config
	// History are the alerts raised before, for deduplication.
	History []alert.Alert
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
// (alert.Evaluate), links each alert's causes from the driver ranking (Drivers, for the period
// to date against the pro-rated target, asking what held revenue back) and the roles to notify,
// and deduplicates against the history. A scope or period without a target is skipped with a
// note. It returns an error when the data has no revenue to learn the periods' shape from.
func (c *Company) Alerts(req AlertRequest) (*AlertAnswer, error) {
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
	scopes := map[string]Scope{}
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
				scopes[sc.String()] = sc
			}
		}
	}
	ans.Checked = len(progress)
	alerts, err := alert.Evaluate(progress, cfg)
	if err != nil {
		return nil, err
	}
	for i := range alerts {
		a := &alerts[i]
		if err := c.linkCauses(a, scopes[a.Scope]); err != nil {
			ans.Notes = append(ans.Notes, fmt.Sprintf("%s %s: causes not linked: %v", a.Scope, a.Period, err))
			a.Notify = []string{"gm", "sales"}
		}
	}
	ans.Alerts, ans.Suppressed, err = alert.Dedup(alerts, req.History, cfg)
	if ans.Alerts == nil {
		ans.Alerts = []alert.Alert{}
	}
	if ans.Suppressed == nil {
		ans.Suppressed = []alert.Alert{}
	}
	return ans, err
}

// linkCauses ranks the drivers behind an alert's shortfall and sets its causes and the roles to
// notify: the GM and sales always, then the roles of the claimed causes.
func (c *Company) linkCauses(a *alert.Alert, s Scope) error {
	res, err := c.Drivers(DriverRequest{Scope: s, Period: a.Period, Actual: math.Max(a.Actual, 1e-9), Expected: a.Expected, Direction: -1})
	if err != nil {
		return err
	}
	a.NoDominantCause = res.NoDominantCause
	a.Notify = []string{"gm", "sales"}
	for _, cause := range res.Causes {
		if len(a.Causes) >= 3 && !cause.Significant {
			break
		}
		if cause.Contribution.Estimate >= 0 && !cause.Significant {
			continue
		}
		claimed := cause.Significant && !res.NoDominantCause
		a.Causes = append(a.Causes, alert.Cause{Kind: "driver", Name: cause.Driver, Role: cause.Role, Detail: describe(cause),
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

// describe says in words what a driver did.
func describe(c rootcause.DriverCause) string {
	where := ""
	if c.Where != "" {
		where = " in " + c.Where
	}
	when := ""
	if c.Lag > 0 {
		when = fmt.Sprintf(" %d period(s) earlier", c.Lag)
	}
	move := fmt.Sprintf("%+.1f %s", c.Actual-c.Baseline, c.Unit)
	if c.Scale == rootcause.Log {
		move = fmt.Sprintf("%+.0f %%", 100*(c.Actual/c.Baseline-1))
	}
	effect := fmt.Sprintf("estimated effect on revenue %+.1f %%", 100*(math.Exp(c.Contribution.Estimate)-1))
	if c.Effect.Uncertain {
		effect = c.Effect.Sentence
	}
	return fmt.Sprintf("%s%s%s: %s against a usual %s (%s, %s); %s",
		c.Driver, where, when, numfmt.Amount(c.Actual, c.Unit), numfmt.Plain(c.Baseline), move, numfmt.Spread(c.Z), effect)
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

// LinkCauses sets an alert's causes and the roles to notify as Alerts does: the drivers that
// held the scope's revenue back in the alert's period, against its pro-rated target. It
// returns an error (and leaves the alert as it was) for a scope it cannot parse or find, or
// a period outside the data.
func (c *Company) LinkCauses(a *alert.Alert) error {
	s, err := ParseScope(a.Scope)
	if err != nil {
		return err
	}
	return c.linkCauses(a, s)
}
