package indicators

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/quantile"
)

// Effect is an effect on log revenue per unit of an indicator (per log unit for a log-scale
// one), with a 95 % interval.
type Effect struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	// Source says where it comes from: "driver model", "prior", "panel regression".
	Source string `json:"source"`
	// Uncertain is true when the data cannot tell the effect's direction (models/company's
	// rule); Sentence says so in words and replaces the point figure in the rationale.
	Uncertain bool   `json:"uncertain,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

// Input is what Suggest works from.
type Input struct {
	// Panel is the panel effects are estimated on, pooled over its scopes (a quarterly region
	// panel: more scope-periods than the company alone).
	Panel *features.Panel
	// ScopePanel and Scope give the history current values and targets come from (the
	// company panel and "", or a region panel and a region).
	ScopePanel *features.Panel
	Scope      string
	// Drivers are the driver model's effects by column; a driver indicator missing here falls
	// back to the catalogue's prior.
	Drivers map[string]Effect
}

// Options tune Suggest. The zero value gives the defaults.
type Options struct {
	// Role limits the suggestions to one role ("" for every role).
	Role string
	// Replicates is the number of block-bootstrap replicates behind a panel regression's
	// interval (default 500).
	Replicates int
	// Seed seeds the bootstrap.
	Seed uint64
	// TargetWindow is the number of recent complete periods a target is drawn from (default
	// 8) and TargetQuantile the share of them the target must beat (default 0.75), rounded
	// to a period the scope really had: the second-best of eight.
	TargetWindow   int
	TargetQuantile float64
}

func (o Options) withDefaults() (Options, error) {
	if o.Replicates == 0 {
		o.Replicates = 500
	}
	if o.TargetWindow == 0 {
		o.TargetWindow = 8
	}
	if o.TargetQuantile == 0 {
		o.TargetQuantile = 0.75
	}
	switch {
	case o.Replicates < 50:
		return o, fmt.Errorf("replicates %d: want at least 50", o.Replicates)
	case o.TargetWindow < 2:
		return o, fmt.Errorf("target window %d: want at least 2", o.TargetWindow)
	case !(o.TargetQuantile >= 0.5 && o.TargetQuantile <= 1):
		return o, fmt.Errorf("target quantile %g: want 0.5 to 1", o.TargetQuantile)
	}
	return o, nil
}

// Suggested is one indicator suggested for a role.
type Suggested struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	NameZh    string `json:"name_zh"`
	Formula   string `json:"formula"`
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	Unit      string `json:"unit"`
	Proxy     string `json:"proxy,omitempty"`
	// Weight is the suggested weight in percent: a multiple of 5; a role's weights sum to 100.
	Weight int `json:"weight"`
	// Current is the indicator's value in the scope's last complete period; Target the value
	// to reach, never worse than Current; TargetBasis says how it was set.
	Current     float64 `json:"current"`
	Target      float64 `json:"target"`
	TargetBasis string  `json:"target_basis"`
	// Effect is the effect on log revenue per unit (nil for an outcome); GrowthPerStep the
	// growth in percentage points an improvement of one Step brings, with its interval.
	Effect        *Effect   `json:"effect,omitempty"`
	Step          float64   `json:"step"`
	StepLabel     string    `json:"step_label"`
	GrowthPerStep *Interval `json:"growth_per_step,omitempty"`
	// Standardized is the growth, in log points, of an improvement by one standard deviation
	// of the indicator's quarterly change: what makes effects of days, rates and currency
	// comparable. 0 when the effect points the wrong way.
	Standardized float64 `json:"standardized"`
	// ChangeSD is that standard deviation, in the indicator's scale (log or level).
	ChangeSD float64 `json:"change_sd"`
	// Importance is the share the indicator earned before rounding (0 to 1).
	Importance float64 `json:"importance"`
	Rationale  string  `json:"rationale"`
}

// Interval is an estimate with a 95 % interval.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// RoleSuggestion is one role's suggested indicators.
type RoleSuggestion struct {
	Role   string `json:"role"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Indicators are the 3–5 suggested, by weight.
	Indicators []Suggested `json:"indicators"`
	// Candidates are every measurable catalogue indicator of the role, suggested or not, with
	// its effect and importance.
	Candidates []Suggested `json:"-"`
	// Unmeasurable names the catalogue indicators the data cannot measure, and why.
	Unmeasurable []string `json:"unmeasurable,omitempty"`
	// NoData says why the role has no suggestion, when none of its indicators can be measured
	// (only when every role was asked for; asking for that role alone is an error).
	NoData string `json:"no_data,omitempty"`
}

// ErrNoData is wrapped by Suggest's error when a role has no measurable indicator.
var ErrNoData = errors.New("no indicator of the role can be measured from the data")

// Suggest suggests indicators with weights, targets and rationales for each role of the
// catalogue (or opt.Role); see the package documentation for how they are chosen. It returns
// an error for an unknown role, a missing panel, and — wrapping ErrNoData — when opt.Role
// names a role none of whose indicators the data measures (naming the tables that would);
// with every role asked for, such a role comes back with NoData set instead.
func Suggest(cat *Catalogue, in Input, opt Options) ([]RoleSuggestion, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if cat == nil {
		cat = Default()
	}
	if in.Panel == nil || in.ScopePanel == nil {
		return nil, errors.New("suggest: a panel is needed")
	}
	if in.ScopePanel.Series(in.Scope, features.ColRevenue) == nil {
		return nil, fmt.Errorf("suggest: scope %q is not in the panel", in.Scope)
	}
	roles := cat.Roles
	if opt.Role != "" {
		r, ok := cat.Role(opt.Role)
		if !ok {
			return nil, fmt.Errorf("role %q: want one of %s", opt.Role, strings.Join(cat.RoleNames(), ", "))
		}
		roles = []Role{*r}
	}
	est := newEstimator(in.Panel, opt)
	var out []RoleSuggestion
	for _, r := range roles {
		rs, err := suggestRole(r, in, est, opt)
		if err != nil {
			if opt.Role != "" || !errors.Is(err, ErrNoData) {
				return nil, err
			}
			rs.NoData = err.Error()
		}
		out = append(out, rs)
	}
	return out, nil
}

func suggestRole(r Role, in Input, est *estimator, opt Options) (RoleSuggestion, error) {
	rs := RoleSuggestion{Role: r.Role, Name: r.Name, NameZh: r.NameZh}
	priors := priorShares(r)
	var cands []Suggested
	var missing []string
	for i := range r.Indicators {
		ind := &r.Indicators[i]
		if !ind.Measurable() {
			rs.Unmeasurable = append(rs.Unmeasurable, fmt.Sprintf("%s: %s", ind.ID, orText(ind.Proxy, "no formula")))
			continue
		}
		var lacking []string
		for _, col := range ind.Columns() {
			if !in.Panel.Has(col) || !in.ScopePanel.Has(col) {
				lacking = append(lacking, col)
			}
		}
		if len(lacking) > 0 {
			rs.Unmeasurable = append(rs.Unmeasurable, fmt.Sprintf("%s: the data has no %s", ind.ID, strings.Join(lacking, ", ")))
			missing = append(missing, lacking...)
			continue
		}
		s, ok := suggestOne(ind, in, est, opt)
		if !ok {
			rs.Unmeasurable = append(rs.Unmeasurable, fmt.Sprintf("%s: no value in the recent periods", ind.ID))
			continue
		}
		s.Importance = priors[ind.ID]
		cands = append(cands, s)
	}
	if len(cands) == 0 {
		slices.Sort(missing)
		return rs, fmt.Errorf("role %s: %w (missing columns: %s; they come from the tables %s)", r.Role, ErrNoData,
			orText(strings.Join(slices.Compact(missing), ", "), "none"), tablesFor(slices.Compact(missing)))
	}
	weigh(cands, priors)
	rs.Candidates = slices.Clone(cands)
	rs.Indicators = choose(cands)
	return rs, nil
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// priorShares are the article's weights of a role's indicators as shares; indicators it gives
// no weight share what is left of 100 equally, or 10 each when nothing is left.
func priorShares(r Role) map[string]float64 {
	given, unweighted := 0.0, 0
	for _, ind := range r.Indicators {
		if ind.Weight > 0 {
			given += ind.Weight
		} else {
			unweighted++
		}
	}
	rest := 10.0
	if unweighted > 0 && given < 100 {
		rest = (100 - given) / float64(unweighted)
	}
	out := map[string]float64{}
	for _, ind := range r.Indicators {
		w := ind.Weight
		if w == 0 {
			w = rest
		}
		out[ind.ID] = w / 100
	}
	return out
}

// suggestOne computes an indicator's current value, target, effect and rationale.
func suggestOne(ind *Indicator, in Input, est *estimator, opt Options) (Suggested, bool) {
	s := Suggested{ID: ind.ID, Name: ind.Name, NameZh: ind.NameZh, Formula: ind.Formula, Direction: ind.Direction,
		Kind: ind.Kind, Unit: ind.Unit, Proxy: ind.Proxy, Step: ind.Step, StepLabel: stepLabel(ind)}
	hist := scopeSeries(ind, in.ScopePanel, in.Scope)
	cur, recent := math.NaN(), []float64{}
	for t := len(hist) - 1; t >= 0 && len(recent) < opt.TargetWindow; t-- {
		if !in.ScopePanel.Complete[t] || math.IsNaN(hist[t]) {
			continue
		}
		if math.IsNaN(cur) {
			cur = hist[t]
		}
		recent = append(recent, hist[t])
	}
	if math.IsNaN(cur) {
		return s, false
	}
	s.Current = cur
	s.Target, s.TargetBasis = target(ind, cur, recent, opt.TargetQuantile, in.ScopePanel.Grain.String())
	switch {
	case ind.Kind == Outcome:
		s.Rationale = fmt.Sprintf("%s is the growth goal itself, so it keeps the article's weight rather than an estimated effect on growth.", ind.Name)
		return s, true
	case ind.IsOutcome():
		s.Rationale = fmt.Sprintf("%s moves with revenue by construction (%s), so its effect on growth cannot be estimated from growth; it keeps the catalogue's weight.", ind.Name, ind.Formula)
		return s, true
	case ind.Kind == Driver:
		e, ok := in.Drivers[ind.Formula]
		if !ok {
			sd := math.Abs(ind.Prior)
			e = Effect{Estimate: ind.Prior, Lower: ind.Prior - 1.959964*sd, Upper: ind.Prior + 1.959964*sd, Source: "prior"}
		}
		s.Effect = &e
	default:
		e, ok := est.effect(ind)
		if !ok {
			s.Rationale = fmt.Sprintf("%s has too little history to estimate its effect on growth; it keeps the article's weight.", ind.Name)
			return s, true
		}
		s.Effect = &e
	}
	sd := est.changeSD(ind)
	s.ChangeSD = sd
	sign := ind.Sign()
	if ind.Scale == "log" {
		k := math.Log1p(ind.Step)
		s.GrowthPerStep = &Interval{Estimate: 100 * sign * s.Effect.Estimate * k, Lower: 100 * sign * s.Effect.Lower * k, Upper: 100 * sign * s.Effect.Upper * k}
	} else {
		s.GrowthPerStep = &Interval{Estimate: 100 * sign * s.Effect.Estimate * ind.Step, Lower: 100 * sign * s.Effect.Lower * ind.Step, Upper: 100 * sign * s.Effect.Upper * ind.Step}
	}
	if s.GrowthPerStep.Lower > s.GrowthPerStep.Upper {
		s.GrowthPerStep.Lower, s.GrowthPerStep.Upper = s.GrowthPerStep.Upper, s.GrowthPerStep.Lower
	}
	s.Standardized = math.Max(0, sign*s.Effect.Estimate) * sd
	g := s.GrowthPerStep
	s.Rationale = fmt.Sprintf("%s %s → growth %+.1f pt [%+.1f, %+.1f] (%s)", ind.Name, s.StepLabel, g.Estimate, g.Lower, g.Upper, s.Effect.Source)
	if s.Effect.Uncertain {
		s.Rationale = fmt.Sprintf("%s %s → growth somewhere in [%+.1f, %+.1f] pt (%s): %s", ind.Name, s.StepLabel, g.Lower, g.Upper, s.Effect.Source, s.Effect.Sentence)
	} else if sign*s.Effect.Estimate <= 0 {
		s.Rationale += "; the data show no gain from improving it, so it is weighted down"
	} else if g.Lower < 0 && g.Upper > 0 {
		// A gain the interval does not rule out being a loss: say so beside the weight, which
		// leans on the catalogue's in proportion (weigh).
		s.Rationale += "; the interval spans zero, so the data cannot tell for sure that it helps"
	}
	s.Rationale += "."
	return s, true
}

func stepLabel(ind *Indicator) string {
	sign := "+"
	if ind.Direction == "down" {
		sign = "−"
	}
	switch {
	case ind.Scale == "log":
		return fmt.Sprintf("%s%g %%", sign, 100*ind.Step)
	case strings.HasPrefix(ind.Unit, "share"):
		return fmt.Sprintf("%s%g pt", sign, 100*ind.Step)
	}
	unit := ind.Unit
	if ind.Step == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return fmt.Sprintf("%s%g %s", sign, ind.Step, unit)
}

// target is the value the scope should reach: the value of one of its recent periods, the one
// at the TargetQuantile in the better direction (rounded toward better: the second-best of the
// last eight by default), or the current value when that is as good already. A target is
// reachable because the scope has reached it — a quarter it really had, so a count stays
// whole — and never a step back. period names the panel's grain ("quarter").
func target(ind *Indicator, cur float64, recent []float64, q float64, period string) (float64, string) {
	s := slices.Clone(recent)
	slices.Sort(s)
	n := len(s)
	var v float64
	var rank int // 1 is the best
	if ind.Direction == "up" {
		i := int(math.Ceil(q*float64(n-1) - 1e-9))
		v, rank = s[i], n-i
	} else {
		i := int(math.Floor((1-q)*float64(n-1) + 1e-9))
		v, rank = s[i], i+1
	}
	of := fmt.Sprintf("the %s of the last %d %ss", rankWord(rank), n, period)
	if ind.Direction == "up" && v <= cur || ind.Direction != "up" && v >= cur {
		return cur, fmt.Sprintf("the latest %s's value, already as good as %s", period, of)
	}
	return v, of
}

// rankWord names the k-th best: "best", "second-best", …, "5th-best".
func rankWord(k int) string {
	switch k {
	case 1:
		return "best"
	case 2:
		return "second-best"
	case 3:
		return "third-best"
	}
	return fmt.Sprintf("%dth-best", k)
}

func scopeSeries(ind *Indicator, p *features.Panel, scope string) []float64 {
	out := make([]float64, len(p.Periods))
	for t := range out {
		out[t] = ind.Eval(func(col string) float64 {
			s := p.Series(scope, col)
			if s == nil {
				return math.NaN()
			}
			return s[t]
		})
	}
	return out
}

// weigh sets each candidate's Importance: its prior share (set by the caller) blended with its
// share of the role's standardized effects, trusting the data as much as its effect's sign is
// certain. Outcomes keep their prior share.
func weigh(cands []Suggested, priors map[string]float64) {
	total := 0.0
	for _, c := range cands {
		total += c.Standardized
	}
	for i := range cands {
		c := &cands[i]
		p := priors[c.ID]
		if c.Effect == nil || total == 0 {
			c.Importance = p
			continue
		}
		rho := reliability(*c.Effect)
		c.Importance = rho*c.Standardized/total*sumPriors(cands, priors) + (1-rho)*p
	}
}

// sumPriors is the prior mass of the candidates with an effect, so the data share of an
// indicator is measured on the same footing as its prior.
func sumPriors(cands []Suggested, priors map[string]float64) float64 {
	s := 0.0
	for _, c := range cands {
		if c.Effect != nil {
			s += priors[c.ID]
		}
	}
	return s
}

// reliability is 2Φ(|estimate|/se) − 1: 0 when the interval says nothing about the sign, 1
// when it is sure of it.
func reliability(e Effect) float64 {
	se := (e.Upper - e.Lower) / (2 * 1.959964)
	if se <= 0 {
		return 1
	}
	return 2*distuv.UnitNormal.CDF(math.Abs(e.Estimate)/se) - 1
}

// choose keeps the three to five most important candidates and gives them weights in
// multiples of 5 summing to 100 (largest remainder); a candidate whose share would round
// to nothing is dropped while more than three remain.
func choose(cands []Suggested) []Suggested {
	slices.SortStableFunc(cands, func(a, b Suggested) int { return cmp.Compare(b.Importance, a.Importance) })
	keep := cands[:min(5, len(cands))]
	for {
		total := 0.0
		for _, c := range keep {
			total += c.Importance
		}
		if total <= 0 {
			for i := range keep {
				keep[i].Importance = 1
			}
			total = float64(len(keep))
		}
		shares := make([]float64, len(keep))
		for i, c := range keep {
			shares[i] = c.Importance / total
		}
		units := LargestRemainder(shares, 20)
		if i := slices.Index(units, 0); i >= 0 && len(keep) > 3 {
			keep = slices.Delete(keep, i, i+1)
			continue
		}
		out := slices.Clone(keep)
		for i := range out {
			out[i].Weight = 5 * units[i]
			out[i].Importance = shares[i]
		}
		// An indicator still at zero (only when three or fewer are measurable) gets one unit
		// from the largest.
		for i := range out {
			if out[i].Weight == 0 {
				j := 0
				for k := range out {
					if out[k].Weight > out[j].Weight {
						j = k
					}
				}
				out[j].Weight -= 5
				out[i].Weight = 5
			}
		}
		slices.SortStableFunc(out, func(a, b Suggested) int { return cmp.Compare(b.Weight, a.Weight) })
		return out
	}
}

// LargestRemainder splits total units in proportion to shares (which need not sum to 1):
// each gets the floor of its quota and the units left go to the largest remainders, ties to
// the earlier share, so the parts always sum to total. Shares must be non-negative, not all
// zero; otherwise the units are split evenly.
func LargestRemainder(shares []float64, total int) []int {
	out := make([]int, len(shares))
	if len(shares) == 0 {
		return out
	}
	sum := 0.0
	for _, s := range shares {
		if s > 0 {
			sum += s
		}
	}
	quota := make([]float64, len(shares))
	for i, s := range shares {
		if sum > 0 {
			quota[i] = math.Max(s, 0) / sum * float64(total)
		} else {
			quota[i] = float64(total) / float64(len(shares))
		}
	}
	left := total
	for i, q := range quota {
		out[i] = int(math.Floor(q))
		left -= out[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(quota[b]-math.Floor(quota[b]), quota[a]-math.Floor(quota[a]))
	})
	for k := 0; left > 0; k++ {
		out[order[k%len(order)]]++
		left--
	}
	return out
}

// tablesFor names the tables the missing columns come from.
func tablesFor(cols []string) string {
	src := map[string]string{
		"completion": "targets", "target": "targets", "win_rate": "opportunities", "leads": "opportunities",
		"sales_cycle_days": "opportunities", "revenue": "opportunities", "pipeline_coverage": "opportunities and targets",
		"new_accounts": "accounts", "retention_rate": "accounts", "churn_rate": "accounts",
		"first_response_hours": "tickets", "csat": "tickets", "resolution_hours": "tickets",
		"reimbursement_days": "expense_claims", "marketing_spend": "marketing_spend", "dso": "invoices",
		"collection_rate": "invoices", "supply_lead_days": "purchase_orders", "on_time_rate": "purchase_orders",
		"defect_rate": "purchase_orders", "headcount": "employees", "sales_headcount": "employees",
		"employee_attrition": "employees",
	}
	var out []string
	for _, c := range cols {
		if t, ok := src[c]; ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}

// estimator estimates indicators' effects on growth from a pooled panel.
type estimator struct {
	p   *features.Panel
	opt Options
	rev [][]float64 // scope → period revenue
	w   []float64   // scope weight: mean revenue
}

func newEstimator(p *features.Panel, opt Options) *estimator {
	e := &estimator{p: p, opt: opt}
	for _, s := range p.Scopes {
		r := p.Series(s, features.ColRevenue)
		e.rev = append(e.rev, r)
		sum, n := 0.0, 0
		for t, v := range r {
			if p.Complete[t] && v > 0 {
				sum += v
				n++
			}
		}
		if n > 0 {
			e.w = append(e.w, sum/float64(n))
		} else {
			e.w = append(e.w, 0)
		}
	}
	return e
}

// changes returns, per scope and period, the indicator's change on its scale (Δ log or Δ
// level) from the period before; NaN where unknown or in incomplete periods.
func (e *estimator) changes(ind *Indicator) [][]float64 {
	out := make([][]float64, len(e.p.Scopes))
	for si, s := range e.p.Scopes {
		xs := scopeSeries(ind, e.p, s)
		out[si] = make([]float64, len(xs))
		for t := range xs {
			out[si][t] = math.NaN()
			if t == 0 || !e.p.Complete[t] || !e.p.Complete[t-1] {
				continue
			}
			a, b := xs[t], xs[t-1]
			if ind.Scale == "log" {
				if !(a > 0 && b > 0) {
					continue
				}
				a, b = math.Log(a), math.Log(b)
			}
			out[si][t] = a - b
		}
	}
	return out
}

// changeSD is the s.d. of the indicator's quarterly changes pooled over scopes (each scope's
// changes centred on its own mean).
func (e *estimator) changeSD(ind *Indicator) float64 {
	var ss, n float64
	for _, xs := range e.changes(ind) {
		sum, k := 0.0, 0.0
		for _, x := range xs {
			if !math.IsNaN(x) {
				sum += x
				k++
			}
		}
		if k < 2 {
			continue
		}
		m := sum / k
		for _, x := range xs {
			if !math.IsNaN(x) {
				ss += (x - m) * (x - m)
				n++
			}
		}
		n--
	}
	if n <= 0 {
		return 0
	}
	return math.Sqrt(ss / n)
}

// effect regresses growth (Δ log revenue) on the indicator's change in the same and the
// previous period, pooled over scopes with each scope's mean and each season's mean removed
// (scope and season fixed effects) and scopes weighted by mean revenue; the effect is the sum
// of the two coefficients (a lasting change's effect), its interval the 2.5–97.5 % percentiles
// over circular block-bootstrap replicates of the periods (blocks of 3). It is an association,
// not a causal effect: an indicator that moves with a driver shares the driver's effect.
func (e *estimator) effect(ind *Indicator) (Effect, bool) {
	x := e.changes(ind)
	type row struct {
		scope, t  int
		y, x0, x1 float64
	}
	var rows []row
	for si := range e.p.Scopes {
		r := e.rev[si]
		for t := 2; t < len(e.p.Periods); t++ {
			if !e.p.Complete[t] || !e.p.Complete[t-1] || !(r[t] > 0 && r[t-1] > 0) {
				continue
			}
			x0, x1 := x[si][t], x[si][t-1]
			if math.IsNaN(x0) || math.IsNaN(x1) {
				continue
			}
			rows = append(rows, row{si, t, math.Log(r[t] / r[t-1]), x0, x1})
		}
	}
	if len(rows) < 12 {
		return Effect{}, false
	}
	perYear := e.p.Grain.PerYear()
	fit := func(idx []int) (float64, bool) {
		// Within transformation: alternate scope and season demeaning a few times (two-way
		// fixed effects on an unbalanced panel).
		n := len(idx)
		y, a, b, w := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for k, i := range idx {
			y[k], a[k], b[k], w[k] = rows[i].y, rows[i].x0, rows[i].x1, e.w[rows[i].scope]
		}
		// group demeans the three variables within groups and returns the largest change.
		group := func(key func(i int) int) float64 {
			moved := 0.0
			for _, v := range [][]float64{y, a, b} {
				sum, ws := map[int]float64{}, map[int]float64{}
				for k, i := range idx {
					sum[key(i)] += w[k] * v[k]
					ws[key(i)] += w[k]
				}
				for k, i := range idx {
					if ws[key(i)] > 0 {
						d := sum[key(i)] / ws[key(i)]
						v[k] -= d
						moved = math.Max(moved, math.Abs(d))
					}
				}
			}
			return moved
		}
		// Alternating projections onto the scope and season effects, to convergence (the
		// two-way within transformation of an unbalanced panel).
		for it := 0; it < 200; it++ {
			m := group(func(i int) int { return rows[i].scope })
			if m = math.Max(m, group(func(i int) int { return rows[i].t % perYear })); m < 1e-13 {
				break
			}
		}
		var saa, sab, sbb, say, sby float64
		for k := range y {
			saa += w[k] * a[k] * a[k]
			sab += w[k] * a[k] * b[k]
			sbb += w[k] * b[k] * b[k]
			say += w[k] * a[k] * y[k]
			sby += w[k] * b[k] * y[k]
		}
		det := saa*sbb - sab*sab
		if det <= 1e-12*saa*sbb || saa == 0 || sbb == 0 {
			return 0, false
		}
		b0 := (say*sbb - sby*sab) / det
		b1 := (sby*saa - say*sab) / det
		return b0 + b1, true
	}
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	est, ok := fit(all)
	if !ok {
		return Effect{}, false
	}
	// Circular block bootstrap over periods: every scope's row of a drawn period comes along.
	byT := map[int][]int{}
	var ts []int
	for i, r := range rows {
		if _, ok := byT[r.t]; !ok {
			ts = append(ts, r.t)
		}
		byT[r.t] = append(byT[r.t], i)
	}
	slices.Sort(ts)
	const block = 3
	rng := rand.New(rand.NewPCG(e.opt.Seed, 0x1d1ca7025))
	var reps []float64
	for r := 0; r < e.opt.Replicates; r++ {
		var idx []int
		for len(idx) < len(rows) {
			start := rng.IntN(len(ts))
			for k := 0; k < block && len(idx) < len(rows); k++ {
				idx = append(idx, byT[ts[(start+k)%len(ts)]]...)
			}
		}
		if b, ok := fit(idx); ok {
			reps = append(reps, b)
		}
	}
	if len(reps) < e.opt.Replicates/2 {
		return Effect{}, false
	}
	slices.Sort(reps)
	lo, hi := quantile.Sorted(reps, 0.025), quantile.Sorted(reps, 0.975)
	return Effect{Estimate: est, Lower: math.Min(lo, est), Upper: math.Max(hi, est), Source: "panel regression"}, true
}
