package diagnose

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/rootcause"
)

// Funnel KPIs the slice drilldown ranks.
const (
	// KPIDeals is the number of opportunities created (new leads and repeat orders): additive.
	KPIDeals = "deals"
	// KPIWinRate is won over closed opportunities: a ratio.
	KPIWinRate = "win_rate"
	// KPIRevenue is won revenue: additive.
	KPIRevenue = "revenue"
	// KPIAvgDeal is won revenue over won opportunities: a ratio.
	KPIAvgDeal = "avg_deal"
)

// LeafDims are the dimensions of the leaves the drilldown slices.
var LeafDims = []string{"region", "product", "team"}

// SliceRequest asks which region × product × team slices explain a period's funnel gap.
type SliceRequest struct {
	Period datasets.Period // a month or a quarter
	// KPIs are the funnel stages ranked (default deals, win_rate and avg_deal).
	KPIs []string
	// Direction is "down" (falls; the default), "up" or "both".
	Direction string
	// Options tune rootcause.Rank (defaults: DefaultSliceOptions).
	Options rootcause.Options
	// History is the number of periods the expected values are built from (default a year).
	History int
	// MinAbnormal is the least probability, judged against the slice's own past changes, that
	// its change is abnormal for it to be claimed (default 0.9).
	MinAbnormal float64
	// FunnelOnly leaves out the slices located by the drivers (see Slices).
	FunnelOnly bool
}

// DefaultSliceOptions are the Rank options Slices uses: the defaults with a smaller
// materiality bar, since a claimed slice must also be abnormal against its own history.
func DefaultSliceOptions() rootcause.Options {
	o := rootcause.DefaultOptions()
	o.Top = 10
	o.MinEffect = 0.25
	return o
}

// SliceCause is one ranked slice: a slice of a funnel KPI that moved, or a slice where a driver
// made an abnormal move.
type SliceCause struct {
	// Source is "kpi" for a funnel drilldown slice and "driver" for a driver's abnormal move in
	// the slice (then Slice.Actual and Expected are the driver's level and usual level).
	Source string `json:"source"`
	// KPI is the funnel KPI, or the driver's column; Role is the driver's responsible role.
	KPI  string `json:"kpi"`
	Role string `json:"role,omitempty"`
	rootcause.Slice
	// HistoryZ is the slice's change in units of its usual change over past periods, and
	// Abnormal the probability that it is abnormal (see rootcause.Unusual); 0 without history.
	HistoryZ float64 `json:"history_z"`
	Abnormal float64 `json:"abnormal"`
	// Claimed is true when the slice is significant in the drilldown and abnormal against its
	// history.
	Claimed bool `json:"claimed"`
	rank    float64
}

// SliceAnswer is the merged drilldown over the funnel's KPIs.
type SliceAnswer struct {
	Period datasets.Period `json:"period"`
	// Slices are ranked: claimed slices first, then by the drilldown's score; one entry per
	// slice (its best KPI).
	Slices          []SliceCause `json:"slices"`
	NoDominantCause bool         `json:"no_dominant_cause"`
	// Stages are each KPI's drilldown.
	Stages map[string]*rootcause.Result `json:"-"`
	Leaves int                          `json:"leaves"`
}

// Claimed returns the claimed slices as dimension → value maps, best first.
func (a *SliceAnswer) Claimed() []map[string]string {
	var out []map[string]string
	for _, s := range a.Slices {
		if s.Claimed {
			out = append(out, s.Map())
		}
	}
	return out
}

// Ranked returns every listed slice as a dimension → value map, best first.
func (a *SliceAnswer) Ranked() []map[string]string {
	out := make([]map[string]string, len(a.Slices))
	for i, s := range a.Slices {
		out[i] = s.Map()
	}
	return out
}

// Slices ranks the slices of the company's opportunities (leaves: region × product × team)
// that explain the period's change in each funnel KPI against its expected value, and merges
// the rankings; see the package documentation for the expected values and the history check.
// It returns an error for a period outside the data or without a year of history before it,
// and for an unknown KPI or direction.
func (c *Company) Slices(ctx context.Context, req SliceRequest) (*SliceAnswer, error) {
	if req.Period.Grain != datasets.Month && req.Period.Grain != datasets.Quarter {
		return nil, fmt.Errorf("period %q: want a month (YYYY-MM) or a quarter (YYYYQn)", req.Period)
	}
	if len(req.KPIs) == 0 {
		req.KPIs = []string{KPIDeals, KPIWinRate, KPIAvgDeal}
	}
	dir := 0.0
	switch req.Direction {
	case "", "down":
		dir = -1
	case "up":
		dir = 1
	case "both":
	default:
		return nil, fmt.Errorf("direction %q: want down, up or both", req.Direction)
	}
	if req.Options == (rootcause.Options{}) {
		req.Options = DefaultSliceOptions()
	}
	if req.History == 0 {
		req.History = req.Period.Grain.PerYear()
	}
	if req.MinAbnormal == 0 {
		req.MinAbnormal = 0.9
	}
	fc, err := c.funnel(req.Period.Grain)
	if err != nil {
		return nil, err
	}
	t := req.Period.N - fc.periods[0].N
	if t < 0 || t >= len(fc.periods) {
		return nil, fmt.Errorf("period %s: outside the data (%s to %s)", req.Period, fc.periods[0], fc.periods[len(fc.periods)-1])
	}
	if !fc.complete[t] {
		return nil, fmt.Errorf("period %s is still under way in the data (it ends %s): the drilldown compares whole periods", req.Period, datasets.FormatDate(fc.periods[t].End()))
	}
	if t < req.History {
		return nil, fmt.Errorf("period %s: needs %d periods of history before it, the data has %d", req.Period, req.History, t)
	}
	adj, err := c.usualMoves(ctx, req.Period.Grain, fc)
	if err != nil {
		return nil, err
	}
	fc = fc.withUsual(adj)
	ans := &SliceAnswer{Period: req.Period, Stages: map[string]*rootcause.Result{}, NoDominantCause: true}
	opt := req.Options
	opt.Alpha /= float64(len(req.KPIs)) // one family-wise rate over every KPI
	seen := map[string]int{}
	for _, kpi := range req.KPIs {
		tb, err := fc.table(kpi, t, req.History)
		if err != nil {
			return nil, err
		}
		if tb.Len() == 0 {
			continue
		}
		res, err := rootcause.Rank(ctx, tb, opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kpi, err)
		}
		ans.Stages[kpi] = res
		ans.Leaves = max(ans.Leaves, tb.Len())
		var hist []*rootcause.Table
		for _, s := range res.Slices {
			if dir != 0 && math.Signbit(s.Change) != math.Signbit(dir) || s.Change == 0 {
				continue
			}
			fs := SliceCause{Source: "kpi", KPI: kpi, Slice: s}
			if hist == nil {
				hist = fc.history(kpi, t, req.History)
			}
			past := make([]float64, 0, len(hist))
			for _, h := range hist {
				if ch, ok, err := h.SliceChange(s.Map()); err == nil && ok {
					past = append(past, ch)
				}
			}
			now, ok, err := tb.SliceChange(s.Map())
			if err != nil {
				return nil, err
			}
			if z, p, okU := rootcause.Unusual(now, past, 0.05, 4); ok && okU {
				fs.HistoryZ, fs.Abnormal = z, p
				fs.Claimed = s.Significant && p >= req.MinAbnormal
			}
			fs.rank = fs.HistoryZ * dir
			if dir == 0 {
				fs.rank = math.Abs(fs.HistoryZ)
			}
			key := rootcause.SliceKey(s.Map())
			if i, ok := seen[key]; ok {
				if better(fs, ans.Slices[i]) {
					ans.Slices[i] = fs
				}
				continue
			}
			seen[key] = len(ans.Slices)
			ans.Slices = append(ans.Slices, fs)
		}
	}
	if !req.FunnelOnly {
		located, err := c.driverSlices(ctx, req.Period, int(dir))
		if err != nil {
			return nil, err
		}
		for _, fs := range located {
			key := rootcause.SliceKey(fs.Map())
			if i, ok := seen[key]; ok {
				if better(fs, ans.Slices[i]) {
					ans.Slices[i] = fs
				}
				continue
			}
			seen[key] = len(ans.Slices)
			ans.Slices = append(ans.Slices, fs)
		}
	}
	slices.SortStableFunc(ans.Slices, func(a, b SliceCause) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return 0
	})
	for _, s := range ans.Slices {
		if s.Claimed {
			ans.NoDominantCause = false
		}
	}
	return ans, nil
}

// better orders slices: claimed ones first, then by how unusual their change is against
// their own history (in the direction asked). The drilldown's score measures a change against
// the leaves' sampling noise only; a region's KPI also moves from quarter to quarter for
// reasons no leaf model sees (its drivers' usual variation), and its history says by how much.
func better(a, b SliceCause) bool {
	if a.Claimed != b.Claimed {
		return a.Claimed
	}
	if a.Claimed && a.Abnormal != b.Abnormal {
		return a.Abnormal > b.Abnormal
	}
	if a.Significant != b.Significant {
		return a.Significant
	}
	if !a.Significant {
		// Neither passed its test. A driver's move is a candidate from a small family (a few
		// drivers per region) that the driver model says pushes revenue the way asked, and
		// whose evidence favours an abnormal move; a funnel slice that failed the drilldown was
		// one of thousands, and the history of a slice picked for its extreme change among many
		// is biased toward looking unusual. So driver moves come first, by how likely they are
		// abnormal, then the funnel's slices in the drilldown's order.
		if (a.Source == "driver") != (b.Source == "driver") {
			return a.Source == "driver"
		}
		if a.Source == "driver" {
			return a.Abnormal > b.Abnormal
		}
		return a.Score > b.Score
	}
	return a.rank > b.rank
}

// funnelCells holds, per leaf, the funnel counts of every period.
type funnelCells struct {
	periods  []datasets.Period
	complete []bool
	keys     [][3]string // region, product, team
	cells    [][]cell    // leaf → period
	// usual is, per KPI and leaf, the log change of the KPI in each period that the usual
	// (not abnormal) moves of the drivers acting on it predict; nil for none.
	usual map[string][][]float64
}

// withUsual returns a shallow copy of fc that adjusts expectations by u.
func (fc *funnelCells) withUsual(u map[string][][]float64) *funnelCells {
	out := *fc
	out.usual = u
	return &out
}

func (fc *funnelCells) adjust(kpi string, leaf, k int) float64 {
	if u := fc.usual[kpi]; u != nil && u[leaf] != nil {
		return math.Exp(u[leaf][k])
	}
	return 1
}

type cell struct{ deals, won, closed, revenue float64 }

// funnel aggregates the opportunities by leaf and period of the grain, once per grain.
func (c *Company) funnel(g datasets.Grain) (*funnelCells, error) {
	p, err := c.Panel(g, features.Company)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fc, ok := c.funnels[g]; ok {
		return fc, nil
	}
	fc := &funnelCells{periods: p.Periods, complete: p.Complete}
	n := len(p.Periods)
	index := map[[3]string]int{}
	leaf := func(k [3]string) []cell {
		i, ok := index[k]
		if !ok {
			i = len(fc.keys)
			index[k] = i
			fc.keys = append(fc.keys, k)
			fc.cells = append(fc.cells, make([]cell, n))
		}
		return fc.cells[i]
	}
	at := func(d datasets.Period) int {
		i := d.N - p.Periods[0].N
		if i < 0 || i >= n {
			return -1
		}
		return i
	}
	for i := range c.ds.Opportunities {
		o := &c.ds.Opportunities[i]
		k := [3]string{orNone(o.Region), orNone(o.Product), orNone(o.TeamID)}
		cs := leaf(k)
		if j := at(datasets.Of(g, o.CreatedDate)); j >= 0 {
			cs[j].deals++
		}
		if o.ClosedDate.IsZero() || o.Stage != "won" && o.Stage != "lost" {
			continue
		}
		if j := at(datasets.Of(g, o.ClosedDate)); j >= 0 {
			cs[j].closed++
			if o.Stage == "won" {
				cs[j].won++
				cs[j].revenue += o.Amount.Or(0)
			}
		}
	}
	// Leaves in a fixed order, so that ties in the drilldown break the same way every run.
	order := make([]int, len(fc.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Compare(strings.Join(fc.keys[a][:], "\x00"), strings.Join(fc.keys[b][:], "\x00"))
	})
	keys, cells := make([][3]string, len(order)), make([][]cell, len(order))
	for i, o := range order {
		keys[i], cells[i] = fc.keys[o], fc.cells[o]
	}
	fc.keys, fc.cells = keys, cells
	c.funnels[g] = fc
	return fc, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func additive(kpi string) (func(cell) float64, bool) {
	switch kpi {
	case KPIDeals:
		return func(c cell) float64 { return c.deals }, true
	case KPIRevenue:
		return func(c cell) float64 { return c.revenue }, true
	}
	return nil, false
}

func ratio(kpi string) (num, den func(cell) float64, ok bool) {
	switch kpi {
	case KPIWinRate:
		return func(c cell) float64 { return c.won }, func(c cell) float64 { return c.closed }, true
	case KPIAvgDeal:
		return func(c cell) float64 { return c.revenue }, func(c cell) float64 { return c.won }, true
	}
	return nil, nil, false
}

// table builds the leaves of one KPI in period t with their expected values from the h
// complete periods before it.
//
// An additive KPI's expectation is top-down: the company total is forecast as the same
// period a year earlier times the growth of the last year over the year before (seasonal naive
// with drift; the mean of the last h periods when two years are not there), and each leaf gets
// its share of the company over the last h periods (the mean of its per-period shares without
// the smallest and the largest). A ratio's expected rate is the leaf's rate pooled over the
// last h periods without the periods of its lowest and highest rate (the overall rate when it
// had no denominator then). Both are then moved by the drivers' usual moves (usualMoves).
func (fc *funnelCells) table(kpi string, t, h int) (*rootcause.Table, error) {
	tb, err := rootcause.NewTable(LeafDims)
	if err != nil {
		return nil, err
	}
	var past []int
	for k := t - 1; k >= 0 && len(past) < h; k-- {
		if fc.complete[k] {
			past = append(past, k)
		}
	}
	if len(past) == 0 {
		return tb, nil
	}
	if f, ok := additive(kpi); ok {
		total := func(k int) float64 {
			s := 0.0
			for _, cs := range fc.cells {
				s += f(cs[k])
			}
			return s
		}
		var recent, older float64
		for _, k := range past {
			recent += total(k)
		}
		forecast := recent / float64(len(past))
		perYear := fc.periods[0].Grain.PerYear()
		if t-2*perYear >= 0 && len(past) == h && h == perYear {
			for k := t - perYear - 1; k >= t-2*perYear; k-- {
				older += total(k)
			}
			if older > 0 {
				forecast = total(t-perYear) * recent / older
			}
		}
		if recent <= 0 {
			return tb, nil
		}
		totals := make([]float64, len(past))
		for j, k := range past {
			totals[j] = total(k)
		}
		shares := make([]float64, len(past))
		for i, cs := range fc.cells {
			for j, k := range past {
				shares[j] = 0
				if totals[j] > 0 {
					shares[j] = f(cs[k]) / totals[j]
				}
			}
			exp := forecast * trimmedMean(shares) * fc.adjust(kpi, i, t)
			if exp == 0 && f(cs[t]) == 0 {
				continue
			}
			if err := tb.AddAdditive(fc.keys[i][:], f(cs[t]), exp); err != nil {
				return nil, err
			}
		}
		return tb, nil
	}
	num, den, ok := ratio(kpi)
	if !ok {
		return nil, fmt.Errorf("kpi %q: want %s, %s, %s or %s", kpi, KPIDeals, KPIWinRate, KPIRevenue, KPIAvgDeal)
	}
	for i, cs := range fc.cells {
		d := den(cs[t])
		if d == 0 {
			continue
		}
		pn, pd := trimmedPool(past, func(k int) (float64, float64) { return num(cs[k]), den(cs[k]) })
		en, ed := 0.0, 0.0
		if pd > 0 {
			rate := pn / pd * fc.adjust(kpi, i, t)
			if kpi == KPIWinRate {
				rate = math.Min(rate, 1)
			}
			en, ed = rate*d, d
		}
		if err := tb.AddRatio(fc.keys[i][:], num(cs[t]), d, en, ed); err != nil {
			return nil, err
		}
	}
	return tb, nil
}

// trimmedMean is the mean of xs without its smallest and largest value when there are four
// or more: one past period hit by a shock must not set the expectation of the periods after.
func trimmedMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	if len(s) >= 4 {
		slices.Sort(s)
		s = s[1 : len(s)-1]
	}
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return sum / float64(len(s))
}

// trimmedPool pools numerator and denominator over the periods, leaving out the periods with
// the lowest and the highest rate when four or more have a denominator.
func trimmedPool(periods []int, at func(k int) (num, den float64)) (float64, float64) {
	type nd struct{ n, d float64 }
	var xs []nd
	for _, k := range periods {
		if n, d := at(k); d > 0 {
			xs = append(xs, nd{n, d})
		}
	}
	if len(xs) >= 4 {
		slices.SortFunc(xs, func(a, b nd) int { return cmp.Compare(a.n/a.d, b.n/b.d) })
		xs = xs[1 : len(xs)-1]
	}
	var pn, pd float64
	for _, x := range xs {
		pn += x.n
		pd += x.d
	}
	return pn, pd
}

// history returns the KPI's leaf tables of the complete periods before t that have h
// complete periods before them: the slices' past changes, for the history check.
func (fc *funnelCells) history(kpi string, t, h int) []*rootcause.Table {
	var out []*rootcause.Table
	for k := h; k < t; k++ {
		if !fc.complete[k] {
			continue
		}
		if tb, err := fc.table(kpi, k, h); err == nil && tb.Len() > 0 {
			out = append(out, tb)
		}
	}
	return out
}

// SlicesBaseline ranks the slices of the period's revenue leaves by their absolute deviation
// from the expected revenue (rootcause.RankLargestChange): the trivial baseline Slices is
// compared with.
func (c *Company) SlicesBaseline(period datasets.Period) (*rootcause.Result, error) {
	fc, err := c.funnel(period.Grain)
	if err != nil {
		return nil, err
	}
	t := period.N - fc.periods[0].N
	h := period.Grain.PerYear()
	if t < h || t >= len(fc.periods) {
		return nil, fmt.Errorf("period %s: outside the data or without %d periods before it", period, h)
	}
	tb, err := fc.table(KPIRevenue, t, h)
	if err != nil {
		return nil, err
	}
	return rootcause.RankLargestChange(tb, rootcause.Options{})
}

// usualMoves returns, per funnel KPI and leaf, the log change of the KPI in each period that
// the drivers' usual moves predict: Σ effect × move × (1 − P(move is abnormal)) over the
// drivers acting on the KPI — immediate drivers (supply lead time, first response) on the
// win rate of deals closing, pipeline drivers (spend, headcount, reimbursement time) on deals
// created. A region's KPI moves with its drivers from quarter to quarter; expecting those
// usual moves leaves the abnormal ones standing out, while an abnormal move (probability near
// 1) is not expected away. Supply lead time is taken by product where purchase orders name
// it. Leaves without a region get no adjustment.
func (c *Company) usualMoves(ctx context.Context, g datasets.Grain, fc *funnelCells) (map[string][][]float64, error) {
	rp, err := c.Panel(g, features.Region)
	if err != nil {
		return nil, err
	}
	effects, _, err := c.Effects(ctx, g)
	if err != nil {
		return nil, err
	}
	offset := rp.Periods[0].N - fc.periods[0].N
	n := len(fc.periods)
	type key struct{ region, product string }
	cache := map[key][]rootcause.Move{}
	judge := func(values []float64, scale string) []rootcause.Move {
		m, err := rootcause.DriverMoves(positive(values, scale == "log"), rp.Complete, rootcause.Scale(scale), g.PerYear(), rootcause.DriverOptions{})
		if err != nil {
			return nil
		}
		return m
	}
	moves := map[string]map[string][]rootcause.Move{} // driver → region → moves
	for _, ind := range c.cat.Drivers() {
		if !rp.Has(ind.Formula) {
			continue
		}
		moves[ind.Formula] = map[string][]rootcause.Move{}
		for _, r := range rp.Scopes {
			moves[ind.Formula][r] = judge(rp.Series(r, ind.Formula), ind.Scale)
		}
	}
	productLead := map[string]map[string][]float64{}
	for _, r := range rp.Scopes {
		lead, _ := c.productSeries(Scope{Level: features.Region, ID: r}, rp)
		productLead[r] = lead
	}
	out := map[string][][]float64{KPIDeals: make([][]float64, len(fc.keys)), KPIWinRate: make([][]float64, len(fc.keys))}
	for i, k := range fc.keys {
		region, product := k[0], k[1]
		if region == "(none)" {
			continue
		}
		for _, ind := range c.cat.Drivers() {
			byRegion, ok := moves[ind.Formula]
			if !ok || byRegion[region] == nil {
				continue
			}
			ms := byRegion[region]
			if ind.Formula == features.ColSupplyLeadDays && productLead[region][product] != nil {
				kk := key{region, product}
				if cache[kk] == nil {
					cache[kk] = judge(productLead[region][product], ind.Scale)
				}
				if cache[kk] != nil {
					ms = cache[kk]
				}
			}
			kpi := KPIDeals
			if ind.Acts == "immediate" {
				kpi = KPIWinRate
			}
			if out[kpi][i] == nil {
				out[kpi][i] = make([]float64, n)
			}
			beta := effects[ind.Formula].Estimate
			for j, m := range ms {
				if k := j + offset; m.OK && k >= 0 && k < n {
					out[kpi][i][k] += beta * m.Move * (1 - m.Abnormal)
				}
			}
		}
	}
	return out, nil
}

// driverSlices locates the drivers' abnormal moves: for every region, the drivers ranked as
// causes of its revenue gap in the period (Drivers, in direction dir; a region without a target
// is asked about headwinds against its own revenue) whose move is more likely abnormal than a
// priori (probability at least the driver ranking's prior) become slices — the region, or the
// region and product for a part's move. A
// significant cause is claimed when its region's revenue missed its target in direction dir
// and the region's answer names a dominant cause.
func (c *Company) driverSlices(ctx context.Context, period datasets.Period, dir int) ([]SliceCause, error) {
	rp, err := c.Panel(period.Grain, features.Region)
	if err != nil {
		return nil, err
	}
	t := rp.Index(period)
	if t < 0 || len(rp.Scopes) < 1 {
		return nil, nil
	}
	if dir == 0 {
		dir = -1
	}
	prior := rootcause.DefaultDriverOptions().Prior
	var out []SliceCause
	for _, r := range rp.Scopes {
		rev := rp.Series(r, features.ColRevenue)[t]
		if !(rev > 0) {
			continue
		}
		req := DriverRequest{Scope: Scope{Level: features.Region, ID: r}, Period: period, Direction: dir}
		if !rp.Has(features.ColTarget) || !(rp.Series(r, features.ColTarget)[t] > 0) {
			req.Expected = rev
		}
		ans, err := c.Drivers(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("drivers of region %s: %w", r, err)
		}
		for _, cause := range ans.Causes {
			// A move is a candidate when its evidence favours an abnormal move (its posterior
			// is above the prior: the Bayes factor exceeds 1) and it pushed revenue the way
			// asked; claiming needs far more (Significant).
			if cause.Abnormal < prior || float64(dir)*cause.Contribution.Estimate <= 0 {
				continue
			}
			sl := rootcause.Slice{Pairs: []rootcause.Pair{{Dim: "region", Value: r}}, Actual: cause.Actual, Expected: cause.Baseline,
				Change: cause.Contribution.Estimate, Share: cause.Share, Z: cause.Z, Significant: cause.Significant}
			if dim, val, ok := strings.Cut(cause.Where, "="); ok && dim == "product" {
				sl.Pairs = append(sl.Pairs, rootcause.Pair{Dim: "product", Value: val})
			}
			// A region explains a shortfall only if it fell short itself, by enough for its
			// drivers to explain (the driver answer names a dominant cause).
			claimed := cause.Significant && !ans.NoDominantCause && float64(dir)*ans.Gap > 0
			out = append(out, SliceCause{Source: "driver", KPI: cause.Driver, Role: cause.Role, Slice: sl,
				HistoryZ: cause.Z, Abnormal: cause.Abnormal, Claimed: claimed, rank: math.Abs(cause.Z)})
		}
	}
	return out, nil
}
