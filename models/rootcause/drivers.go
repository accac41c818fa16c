package rootcause

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/quantile"
)

// Scale says how a driver's moves are measured.
type Scale string

const (
	// Log drivers (spend, headcount) move by ratios: a move is a change of log level and the
	// effect is an elasticity.
	Log Scale = "log"
	// Level drivers (days, hours) move by amounts in their unit.
	Level Scale = "level"
)

// DriverSeries is one driver's history for the scope being explained.
type DriverSeries struct {
	// Driver names the driver (a feature-panel column such as supply_lead_days).
	Driver string `json:"driver"`
	// Role is who is responsible for it (procurement, customer_service, …).
	Role  string `json:"role"`
	Scale Scale  `json:"scale"`
	Unit  string `json:"unit"`
	// Values are the driver's levels in DriverQuery.Periods (NaN where unknown); for a Log
	// driver they must be positive where known.
	Values []float64 `json:"-"`
	// Parts are the same driver measured on parts of the scope (one product's supply lead
	// time, one region's response time in a company scope). A move that hits one part is
	// diluted in the scope's average; its part shows it whole.
	Parts []Part `json:"-"`
	// Effect is the driver's effect on the KPI.
	Effect Effect `json:"effect"`
}

// Part is a driver's series on a part of the scope.
type Part struct {
	// Name says which part, as dimension=value ("product=Core", "region=East").
	Name   string
	Values []float64
	// Exposure is the fraction of the scope's KPI the part's driver acts on (the product's
	// share of the scope's revenue), in (0, 1].
	Exposure float64
}

// Effect is a driver's effect on the log KPI.
type Effect struct {
	// Estimate, Lower and Upper are the change of the log KPI per unit of the driver (per log
	// unit for a Log driver) once a lasting move has worked through, with an interval.
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	// LagShare[l] is the share of the effect that lands l periods after the move (they sum to
	// 1); nil means all of it lands in the period of the move.
	LagShare []float64 `json:"lag_share"`
	// Source says where the estimate comes from (for example "model", "prior", "model+prior").
	Source string `json:"source"`
	// Uncertain is true when the data cannot tell the effect's direction (models/company's
	// rule): such a driver is never claimed as a cause, and Sentence says why.
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

// DriverQuery asks RankDrivers why a KPI of one scope missed its expected value in one period.
type DriverQuery struct {
	// Periods and Complete describe the series' time axis (consecutive periods of one grain);
	// incomplete periods are not used as history.
	Periods  []datasets.Period
	Complete []bool
	// Period is the period explained; it must be one of Periods.
	Period datasets.Period
	// KPI names the KPI (for the report only); Actual and Expected are its value and the
	// value expected (a target, or the forecast made before the period). Both must be
	// positive.
	KPI              string
	Actual, Expected float64
	// Direction is the way the drivers are asked to have pushed the KPI: −1 down (what held it
	// back), +1 up, 0 the direction of the gap (down when there is none).
	Direction int
	Drivers   []DriverSeries
}

// DriverOptions tune RankDrivers. The zero value gives the defaults.
type DriverOptions struct {
	// Window is the number of periods before a period whose median is the driver's recent
	// level (default 4).
	Window int
	// MinHistory is the fewest past moves needed to judge how unusual a move is (default 6).
	MinHistory int
	// Prior is the prior probability that a driver series makes an abnormal move in a given
	// period (default 0.05); a part of a driver with k parts gets Prior/k.
	Prior float64
	// Spread is the typical size of an abnormal move in units of the driver's usual
	// variation (default 4); together with Prior it turns a move's z-score into the
	// probability that the move is abnormal (see the package documentation).
	Spread float64
	// MinProbability is the least probability of an abnormal move for a driver to be claimed
	// as a cause (default 0.9).
	MinProbability float64
	// MinContribution is the least size of a claimed driver's contribution, in log points of
	// the KPI (default 0.01, about 1 %).
	MinContribution float64
	// MinShare is the least share of the gap the claimed drivers together must explain for
	// the answer not to be "no dominant cause" (default 0.2).
	MinShare float64
}

// DefaultDriverOptions returns the defaults RankDrivers uses for zero fields.
func DefaultDriverOptions() DriverOptions {
	return DriverOptions{Window: 2, MinHistory: 6, Prior: 0.05, Spread: 4, MinProbability: 0.9, MinContribution: 0.01, MinShare: 0.2}
}

func (o DriverOptions) withDefaults() (DriverOptions, error) {
	d := DefaultDriverOptions()
	if o.Window == 0 {
		o.Window = d.Window
	}
	if o.MinHistory == 0 {
		o.MinHistory = d.MinHistory
	}
	if o.Prior == 0 {
		o.Prior = d.Prior
	}
	if o.Spread == 0 {
		o.Spread = d.Spread
	}
	if o.MinProbability == 0 {
		o.MinProbability = d.MinProbability
	}
	if o.MinContribution == 0 {
		o.MinContribution = d.MinContribution
	}
	if o.MinShare == 0 {
		o.MinShare = d.MinShare
	}
	switch {
	case o.Window < 1:
		return o, fmt.Errorf("window %d: want at least 1", o.Window)
	case o.MinHistory < 3:
		return o, fmt.Errorf("min history %d: want at least 3", o.MinHistory)
	case !(o.Prior > 0 && o.Prior < 1):
		return o, fmt.Errorf("prior %g: want 0 < prior < 1", o.Prior)
	case !(o.Spread > 1):
		return o, fmt.Errorf("spread %g: want more than 1", o.Spread)
	case !(o.MinProbability > 0 && o.MinProbability < 1):
		return o, fmt.Errorf("min probability %g: want 0 < p < 1", o.MinProbability)
	case o.MinContribution < 0 || o.MinShare < 0:
		return o, fmt.Errorf("min contribution %g and min share %g: want at least 0", o.MinContribution, o.MinShare)
	}
	return o, nil
}

// Interval is an estimate with an interval.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// DriverCause is one ranked driver.
type DriverCause struct {
	Driver string `json:"driver"`
	Role   string `json:"role"`
	Scale  Scale  `json:"scale"`
	Unit   string `json:"unit"`
	// Where is "" when the move was judged on the scope's own series, else the part
	// ("product=Core") whose move it was.
	Where string `json:"where,omitempty"`
	// Lag is how many periods before the explained period the move happened.
	Lag int `json:"lag"`
	// Actual is the driver's level in the period of the move and Baseline the level that was
	// normal for it (its recent median plus its usual drift and season), in its unit.
	Actual   float64 `json:"actual"`
	Baseline float64 `json:"baseline"`
	// Move is Actual against Baseline on the driver's scale: a log ratio for a Log driver,
	// an amount in its unit for a Level driver.
	Move float64 `json:"move"`
	// Z is the move in units of the driver's usual variation (robust: 1.4826 × the median
	// absolute deviation of its past moves).
	Z float64 `json:"z"`
	// Abnormal is the probability that the move is abnormal rather than the driver's usual
	// variation (see the package documentation).
	Abnormal float64 `json:"abnormal"`
	Effect   Effect  `json:"effect"`
	// Contribution is the abnormal part of the move times the effect (and the part's
	// exposure), in log points of the KPI, with the interval the effect's interval gives.
	Contribution Interval `json:"contribution"`
	// Share is Contribution.Estimate over the gap (log actual/expected); 0 without a gap.
	Share float64 `json:"share"`
	// Confidence is Abnormal times the probability that the effect has the sign it has.
	Confidence float64 `json:"confidence"`
	// Significant is true when the driver is claimed as a cause: its move is abnormal with
	// probability at least MinProbability, pushed the KPI in the direction of the gap, and
	// contributes at least MinContribution.
	Significant bool `json:"significant"`
	score       float64
}

// DriverResult is what RankDrivers found.
type DriverResult struct {
	KPI      string          `json:"kpi"`
	Period   datasets.Period `json:"period"`
	Actual   float64         `json:"actual"`
	Expected float64         `json:"expected"`
	// Gap is log(Actual/Expected): negative for a shortfall.
	Gap float64 `json:"gap"`
	// Direction is the way the causes pushed the KPI: −1 down, +1 up.
	Direction int `json:"direction"`
	// Causes are ranked: drivers that pushed the KPI in the direction of the gap, by the
	// abnormal contribution they are likely to have made, then the others.
	Causes []DriverCause `json:"causes"`
	// Explained is the sum of the significant causes' contributions; ExplainedShare is
	// Explained over Gap.
	Explained      float64 `json:"explained"`
	ExplainedShare float64 `json:"explained_share"`
	// NoDominantCause is true when no driver is significant or, when the gap lies in
	// Direction, the significant ones explain less than MinShare of it; Reason says which. (A
	// question about headwinds when the KPI beat its expectation has no gap in its direction
	// to share out: abnormal headwinds are claimed on their own.)
	NoDominantCause bool     `json:"no_dominant_cause"`
	Reason          string   `json:"reason,omitempty"`
	Notes           []string `json:"notes,omitempty"`
}

// Claimed returns the drivers claimed as causes, best first; none when the answer is "no
// dominant cause".
func (r *DriverResult) Claimed() []string {
	if r.NoDominantCause {
		return nil
	}
	var out []string
	for _, c := range r.Causes {
		if c.Significant {
			out = append(out, c.Driver)
		}
	}
	return out
}

// Ranked returns every driver's name in rank order.
func (r *DriverResult) Ranked() []string {
	out := make([]string, len(r.Causes))
	for i, c := range r.Causes {
		out[i] = c.Driver
	}
	return out
}

// RankDrivers ranks the drivers behind the gap between a KPI's actual and expected value in
// one period; see the package documentation for the method. It returns an error for a period
// not in q.Periods, misaligned series, a non-positive actual or expected KPI, a Log driver
// with a non-positive level, an effect whose interval does not hold its estimate, lag shares
// that are negative or do not sum to 1, and a part's exposure outside (0, 1].
func RankDrivers(q DriverQuery, opt DriverOptions) (*DriverResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := q.validate()
	if err != nil {
		return nil, err
	}
	res := &DriverResult{KPI: q.KPI, Period: q.Period, Actual: q.Actual, Expected: q.Expected, Gap: math.Log(q.Actual / q.Expected)}
	dir := float64(q.Direction) // drivers are judged on pushing the KPI this way
	if dir == 0 {
		dir = -1
		if res.Gap > 0 {
			dir = 1
		}
	}
	res.Direction = int(dir)
	for _, d := range q.Drivers {
		c, note := judgeDriver(q, d, t, dir, opt)
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		if c == nil {
			continue
		}
		if res.Gap != 0 {
			c.Share = c.Contribution.Estimate / res.Gap
		}
		// A driver whose direction the data cannot tell is never claimed: its contribution's
		// sign is not known.
		c.Significant = c.Abnormal >= opt.MinProbability && dir*c.Contribution.Estimate >= opt.MinContribution && !c.Effect.Uncertain
		if c.Significant {
			res.Explained += c.Contribution.Estimate
		}
		res.Causes = append(res.Causes, *c)
	}
	slices.SortStableFunc(res.Causes, func(a, b DriverCause) int {
		if a.Significant != b.Significant {
			if a.Significant {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.score, a.score)
	})
	if res.Gap != 0 {
		res.ExplainedShare = res.Explained / res.Gap
	}
	switch {
	case len(res.Causes) == 0:
		res.NoDominantCause, res.Reason = true, "no driver has enough history to judge"
	case res.Explained == 0:
		res.NoDominantCause, res.Reason = true, "no driver made an abnormal move in the direction of the gap"
	case dir*res.Gap > 0 && res.ExplainedShare < opt.MinShare:
		res.NoDominantCause = true
		res.Reason = fmt.Sprintf("the abnormal driver moves explain %.0f %% of the gap, less than %.0f %%", 100*res.ExplainedShare, 100*opt.MinShare)
	}
	return res, nil
}

func (q *DriverQuery) validate() (int, error) {
	n := len(q.Periods)
	switch {
	case n == 0:
		return 0, errors.New("no periods")
	case len(q.Complete) != n:
		return 0, fmt.Errorf("complete has %d entries, periods %d", len(q.Complete), n)
	case !(q.Actual > 0) || math.IsInf(q.Actual, 0):
		return 0, fmt.Errorf("actual %s %g: want a positive number", q.KPI, q.Actual)
	case !(q.Expected > 0) || math.IsInf(q.Expected, 0):
		return 0, fmt.Errorf("expected %s %g: want a positive number", q.KPI, q.Expected)
	}
	for i := 1; i < n; i++ {
		if q.Periods[i].Grain != q.Periods[0].Grain || q.Periods[i].N != q.Periods[i-1].N+1 {
			return 0, fmt.Errorf("periods are not consecutive at %s", q.Periods[i])
		}
	}
	t := q.Period.N - q.Periods[0].N
	if q.Period.Grain != q.Periods[0].Grain || t < 0 || t >= n {
		return 0, fmt.Errorf("period %s is not in the series (%s to %s)", q.Period, q.Periods[0], q.Periods[n-1])
	}
	seen := map[string]bool{}
	for _, d := range q.Drivers {
		if d.Driver == "" {
			return 0, errors.New("a driver has no name")
		}
		if seen[d.Driver] {
			return 0, fmt.Errorf("driver %s given twice", d.Driver)
		}
		seen[d.Driver] = true
		if d.Scale != Log && d.Scale != Level {
			return 0, fmt.Errorf("driver %s: scale %q: want %q or %q", d.Driver, d.Scale, Log, Level)
		}
		if err := checkSeries(d.Driver, d.Scale, d.Values, n); err != nil {
			return 0, err
		}
		for _, p := range d.Parts {
			if err := checkSeries(d.Driver+" "+p.Name, d.Scale, p.Values, n); err != nil {
				return 0, err
			}
			if !(p.Exposure > 0 && p.Exposure <= 1) {
				return 0, fmt.Errorf("driver %s part %s: exposure %g: want 0 < exposure ≤ 1", d.Driver, p.Name, p.Exposure)
			}
		}
		e := d.Effect
		if math.IsNaN(e.Estimate) || math.IsInf(e.Estimate, 0) || !(e.Lower <= e.Estimate && e.Estimate <= e.Upper) {
			return 0, fmt.Errorf("driver %s: effect %g [%g, %g]: want a finite estimate inside its interval", d.Driver, e.Estimate, e.Lower, e.Upper)
		}
		if len(e.LagShare) > 0 {
			sum := 0.0
			for _, s := range e.LagShare {
				if !(s >= 0) {
					return 0, fmt.Errorf("driver %s: lag share %g: want at least 0", d.Driver, s)
				}
				sum += s
			}
			if math.Abs(sum-1) > 1e-6 {
				return 0, fmt.Errorf("driver %s: lag shares sum to %g, want 1", d.Driver, sum)
			}
		}
	}
	return t, nil
}

func checkSeries(name string, sc Scale, xs []float64, n int) error {
	if len(xs) != n {
		return fmt.Errorf("driver %s: %d values for %d periods", name, len(xs), n)
	}
	for i, x := range xs {
		if math.IsInf(x, 0) || sc == Log && !math.IsNaN(x) && x <= 0 {
			return fmt.Errorf("driver %s: value %g at position %d: want a finite%s number or NaN", name, x, i, map[bool]string{true: " positive", false: ""}[sc == Log])
		}
	}
	return nil
}

// partPreference is the least share of the scope-level score an abnormal part's score must
// reach to be reported instead: the more specific answer, when it explains most of the move.
const partPreference = 0.5

// judgeDriver scores one driver: its most telling move over the scope's series and its parts,
// at each lag its effect reaches. It returns nil and a note when the driver cannot be judged.
func judgeDriver(q DriverQuery, d DriverSeries, t int, dir float64, opt DriverOptions) (*DriverCause, string) {
	lagShare := d.Effect.LagShare
	if len(lagShare) == 0 {
		lagShare = []float64{1}
	}
	type series struct {
		name     string
		values   []float64
		exposure float64
		prior    float64
	}
	all := []series{{"", d.Values, 1, opt.Prior}}
	for _, p := range d.Parts {
		all = append(all, series{p.Name, p.Values, p.Exposure, opt.Prior / float64(len(d.Parts))})
	}
	var best *DriverCause
	judged := false
	for _, s := range all {
		sopt := opt
		sopt.Prior = s.prior
		mv := newMoves(s.values, q.Complete, d.Scale, q.Periods[0].Grain.PerYear(), sopt)
		// The driver's contribution sums its abnormal moves over the lags its effect reaches;
		// the move reported is the lag that contributes most.
		var sum, top float64
		var rep *DriverCause
		for l, share := range lagShare {
			m, ok := mv.at(t - l)
			if !ok {
				continue
			}
			judged = true
			p := m.prob
			part := share * s.exposure * m.move * p
			sum += part
			if rep == nil || math.Abs(part) > top {
				top = math.Abs(part)
				rep = &DriverCause{Where: s.name, Lag: l, Actual: m.actual, Baseline: m.baseline, Move: m.move, Z: m.z, Abnormal: p}
			}
		}
		if rep == nil {
			continue
		}
		e := d.Effect
		rep.Contribution = Interval{Estimate: e.Estimate * sum, Lower: e.Lower * sum, Upper: e.Upper * sum}
		if rep.Contribution.Lower > rep.Contribution.Upper {
			rep.Contribution.Lower, rep.Contribution.Upper = rep.Contribution.Upper, rep.Contribution.Lower
		}
		rep.score = dir * rep.Contribution.Estimate
		switch {
		case best == nil || rep.score > best.score:
			best = rep
		case best.Where == "" && rep.score >= partPreference*best.score && rep.score > 0 && rep.Abnormal >= 0.5:
			// An abnormal part that accounts for half of the scope's move or more says where
			// it happened.
			best = rep
		}
	}
	if !judged {
		return nil, fmt.Sprintf("driver %s left out: fewer than %d past moves to compare %s with", d.Driver, opt.MinHistory, q.Period)
	}
	if best == nil {
		return nil, fmt.Sprintf("driver %s left out: no value in %s or the periods its effect lags by", d.Driver, q.Period)
	}
	best.Driver, best.Role, best.Scale, best.Unit, best.Effect = d.Driver, d.Role, d.Scale, d.Unit, d.Effect
	best.Confidence = best.Abnormal * signProbability(d.Effect)
	return best, ""
}

// moves judges every period of a series in order. A period's recent level is the median of
// the cleaned levels of the window periods before it, its raw move the level less that, and
// its move the raw move less the usual raw move of its past (and season); a period whose move
// is judged abnormal (probability at least cleanAbove) is cleaned — replaced by its expected
// level — before later periods use it as their recent level, so that a past shock neither
// lowers the baseline of the periods after it nor makes the return to normal look like a
// move of its own.
type moves struct {
	x       []float64 // levels on the driver's scale
	judged  []move
	ok      []bool
	perYear int
	scale   Scale
}

// cleanAbove is the probability of an abnormal move above which a period is left out of later
// baselines.
const cleanAbove = 0.5

func newMoves(values []float64, complete []bool, sc Scale, perYear int, opt DriverOptions) *moves {
	n := len(values)
	m := &moves{x: make([]float64, n), judged: make([]move, n), ok: make([]bool, n), perYear: perYear, scale: sc}
	for i, v := range values {
		m.x[i] = v
		if sc == Log {
			m.x[i] = math.Log(v)
		}
	}
	clean := slices.Clone(m.x)
	raw := make([]float64, n)
	level := make([]float64, n)
	buf := make([]float64, 0, opt.Window)
	for i := range m.x {
		raw[i], level[i] = math.NaN(), math.NaN()
		buf = buf[:0]
		for k := max(0, i-opt.Window); k < i; k++ {
			if complete[k] && !math.IsNaN(clean[k]) {
				buf = append(buf, clean[k])
			}
		}
		if len(buf) < (opt.Window+1)/2 || math.IsNaN(m.x[i]) {
			continue
		}
		level[i] = quantile.Median(buf)
		raw[i] = m.x[i] - level[i]
		mv, ok := m.judge(i, raw, level, complete, opt.MinHistory)
		if !ok {
			continue
		}
		mv.prob = abnormalProbability(mv.z, mv.df, opt.Prior, opt.Spread)
		m.judged[i], m.ok[i] = mv, true
		if mv.prob >= cleanAbove {
			clean[i] = m.x[i] - mv.move
		}
	}
	return m
}

// move is one judged move.
type move struct {
	actual, baseline float64 // in the driver's unit
	move             float64 // on its scale, less its usual drift
	z                float64
	df               float64
	prob             float64 // probability that it is abnormal
}

// at returns the judged move of period i.
func (m *moves) at(i int) (move, bool) {
	if i < 0 || i >= len(m.ok) || !m.ok[i] {
		return move{}, false
	}
	return m.judged[i], true
}

// judge judges the raw move of period i against the raw moves of the complete periods before
// it: the usual move and its usual variation come from robustCenterSpread, so earlier abnormal
// moves in the history do not hide this one. When the history holds three moves or more of
// every season and subtracting each season's median move (left out of its own season's median)
// makes the history's spread smaller by a tenth, the season's median move is subtracted as
// well.
func (m *moves) judge(i int, raw, level []float64, complete []bool, minHistory int) (move, bool) {
	var hist []float64
	var seasons []int
	for k := 0; k < i; k++ {
		if complete[k] && !math.IsNaN(raw[k]) {
			hist = append(hist, raw[k])
			seasons = append(seasons, k%max(m.perYear, 1))
		}
	}
	if len(hist) < minHistory {
		return move{}, false
	}
	adjust := 0.0
	center, spread, kept := robustCenterSpread(hist)
	if m.perYear > 1 && len(hist) >= 3*m.perYear {
		bySeason := make([][]float64, m.perYear)
		for j, h := range hist {
			bySeason[seasons[j]] = append(bySeason[seasons[j]], h)
		}
		ok := true
		for _, b := range bySeason {
			ok = ok && len(b) >= 3
		}
		if ok {
			// Each past move is adjusted by the median of its season's other moves (leave one
			// out), so the adjustment cannot fit a move's own noise and make the history look
			// steadier than it is.
			adj := make([]float64, len(hist))
			buf := make([]float64, 0, len(hist))
			for j, h := range hist {
				buf = buf[:0]
				for k, g := range hist {
					if k != j && seasons[k] == seasons[j] {
						buf = append(buf, g)
					}
				}
				adj[j] = h - quantile.Median(buf)
			}
			if c2, s2, k2 := robustCenterSpread(adj); s2 < 0.9*spread {
				center, spread, kept = c2, s2, k2
				adjust = quantile.Median(bySeason[i%m.perYear])
			}
		}
	}
	// A driver that never moved has no usual variation; a move of it is measured against a
	// small floor instead of dividing by zero.
	floor := 1e-6 * math.Max(1, math.Abs(level[i]))
	spread = math.Max(spread, floor)
	usual := center + adjust
	mv := move{move: raw[i] - usual, df: float64(kept - 1)}
	mv.z = mv.move / spread
	base := level[i] + usual
	mv.actual, mv.baseline = m.x[i], base
	if m.scale == Log {
		mv.actual, mv.baseline = math.Exp(m.x[i]), math.Exp(base)
	}
	return mv, true
}

// robustCenterSpread returns the usual value and usual spread of past moves: values farther
// than outlierZ robust s.d. (1.4826 × the median absolute deviation) from the median are set
// aside as earlier abnormal moves, and the rest give the mean and the s.d. (the median
// absolute deviation alone is robust but so noisy with a dozen values — 37 % efficiency —
// that ordinary moves would look abnormal). The count is the number of values kept.
//
// When more than half the moves are equal the median absolute deviation is zero, and the rule
// would set aside every move that differs — all the usual variation of a driver that moves in
// whole units and mostly not at all (a region's four sales reps: one leaves and is replaced
// every few quarters). Nothing is set aside then: the s.d. of all the moves is the usual
// variation. Without this, on 100-employee companies without shocks (tuning seeds
// 4015–4095, every fifth) one rep's departure was "−29963 times its usual variation" and the
// most frequent false cause.
func robustCenterSpread(xs []float64) (center, spread float64, kept int) {
	c := quantile.Median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - c)
	}
	mad := 1.4826 * quantile.Median(dev)
	limit := outlierZ * mad
	if mad == 0 {
		limit = math.Inf(1)
	}
	var sum, n float64
	for _, x := range xs {
		if math.Abs(x-c) <= limit {
			sum += x
			n++
		}
	}
	if n < 3 {
		return c, mad, len(xs)
	}
	mean := sum / n
	var ss float64
	for _, x := range xs {
		if math.Abs(x-c) <= limit {
			ss += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(ss / (n - 1)), int(n)
}

// outlierZ is how far, in robust s.d., a past move must lie from the median to be set aside
// as abnormal when estimating the usual variation.
const outlierZ = 3.0

// abnormalProbability is the posterior probability that a move with z-score z is abnormal, in
// a two-group model: usual moves have z ~ Student t with df degrees of freedom (the scale is
// estimated from df+1 past moves), abnormal ones the same t stretched spread times, and a move
// is abnormal a priori with probability prior. Both groups have the same tails, so the
// probability grows with |z|.
func abnormalProbability(z, df, prior, spread float64) float64 {
	nu := math.Max(df, 1)
	null := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Prob(z)
	alt := distuv.StudentsT{Mu: 0, Sigma: spread, Nu: nu}.Prob(z)
	if null == 0 {
		return 1
	}
	return prior * alt / (prior*alt + (1-prior)*null)
}

// signProbability is the probability that the effect has the sign of its estimate, reading
// its interval as a normal 95 % interval; 0.5 for a zero estimate.
func signProbability(e Effect) float64 {
	if e.Estimate == 0 {
		return 0.5
	}
	se := (e.Upper - e.Lower) / (2 * 1.959964)
	if se <= 0 {
		return 1
	}
	return distuv.UnitNormal.CDF(math.Abs(e.Estimate) / se)
}

// Unusual judges x against past values of the same measure: z is its distance from their
// median in units of 1.4826 × their median absolute deviation, and prob the probability that
// it is abnormal in the two-group model RankDrivers uses (prior probability prior of an
// abnormal value, abnormal values spread spread times wider than usual ones). ok is false with
// fewer than three past values.
func Unusual(x float64, past []float64, prior, spread float64) (z, prob float64, ok bool) {
	var hist []float64
	for _, h := range past {
		if !math.IsNaN(h) && !math.IsInf(h, 0) {
			hist = append(hist, h)
		}
	}
	if len(hist) < 3 || math.IsNaN(x) {
		return 0, 0, false
	}
	c, s, kept := robustCenterSpread(hist)
	s = math.Max(s, 1e-9*math.Max(1, math.Abs(c)))
	z = (x - c) / s
	return z, abnormalProbability(z, float64(kept-1), prior, spread), true
}

// Move is a driver's level in one period judged against its usual level (see RankDrivers).
type Move struct {
	// Actual and Baseline are the level and the usual level, in the driver's unit.
	Actual, Baseline float64
	// Move is Actual against Baseline on the driver's scale (log ratio or amount), Z it in
	// units of the usual variation, Abnormal the probability that it is abnormal.
	Move, Z, Abnormal float64
	// OK is false where the period has no value or too little history before it.
	OK bool
}

// DriverMoves judges every period of a driver series the way RankDrivers judges the explained
// period: each period against the complete periods before it. perYear is the number of
// periods in a year (4 for quarters, 12 for months), for the seasonal adjustment. It returns
// an error for options out of range, a length mismatch, or a non-positive level of a Log
// driver.
func DriverMoves(values []float64, complete []bool, sc Scale, perYear int, opt DriverOptions) ([]Move, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(complete) != len(values) {
		return nil, fmt.Errorf("%d values, %d complete flags", len(values), len(complete))
	}
	if sc != Log && sc != Level {
		return nil, fmt.Errorf("scale %q: want %q or %q", sc, Log, Level)
	}
	if err := checkSeries("series", sc, values, len(values)); err != nil {
		return nil, err
	}
	mv := newMoves(values, complete, sc, perYear, opt)
	out := make([]Move, len(values))
	for i := range out {
		if m, ok := mv.at(i); ok {
			out[i] = Move{Actual: m.actual, Baseline: m.baseline, Move: m.move, Z: m.z, Abnormal: m.prob, OK: true}
		}
	}
	return out, nil
}
