// Package rceval scores the root-cause answers of package diagnose — the driver ranking, the
// slice drilldown and the suggested indicators — on synthetic companies whose shocks and
// driver effects are known (datasets/synth), each beside a trivial baseline.
//
// # Protocol
//
// Seed s gives one company of Config.Employees employees (4 regions, 5 products, 5 years to
// 2026-09): the random scenario (1–3 shocks of supply lead time, first-response time,
// marketing spend or reimbursement time, each in one region — supply sometimes in one product
// — and one of the last eight whole quarters), except every Config.NullEvery-th seed, which is
// the baseline scenario with no shock.
//
//   - Driver cases: each (region, quarter) a shock hit. The question is the one an alert asks
//     — what held the region's revenue back against its target that quarter? — asked even
//     when revenue beat the target (a 2,000-employee region's revenue varies by about 5 %
//     a quarter, so noise can hide a shock). The truth is the set of drivers shocked there;
//     top-1 is a hit when the first-ranked driver is one of them, recall@3 the share of them
//     among the first three.
//   - Slice cases: each quarter a shock hit. The leaves are region × product × team of all
//     opportunities; the truth is every shock's slice that quarter (region=R, or region=R &
//     product=P). Recall@k and MRR are computed on the ranked list the answer shows (claimed
//     slices first, then the closest candidates); Sensitivity is the share of cases where a
//     cause was claimed at all.
//   - Null cases: in baseline companies, every (region, quarter) of the last eight whole
//     quarters for the drivers and every one of those quarters for the slices. A null case is
//     answered correctly when nothing is claimed. NullSpecificity is the lower of the driver
//     and the slice specificities.
//   - Indicators: for every company, Spearman's ρ between the standardized growth effects the
//     suggestion logic assigns to the five root-driver indicators (one per role: marketing
//     spend–GM, sales headcount–HR, reimbursement time–finance, supply lead time–procurement,
//     first response–customer service) and their true standardized effects, |true effect| ×
//     the s.d. of the driver's quarterly change in that company; the mean over companies.
//
// The baselines: drivers ranked by the absolute relative change of their level against the
// median of the four quarters before (rootcause.RankDriversLargestChange); slices of revenue
// ranked by absolute deviation (rootcause.RankLargestChange), both abstaining only when the
// KPI is within 2 % of expected; indicator effects equal to the driver's largest absolute
// quarterly change relative to its mean, i.e. "the indicator that moved most matters most".
//
// The package must not be used by the serving path: it generates data and writes to disk.
package rceval

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/workpool"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/rootcause"
)

// Config says what to evaluate. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Seeds []uint64
	// Employees is the size of each company (default 2000).
	Employees int
	// NullEvery makes every NullEvery-th seed (seed % NullEvery == 0) a company without shocks
	// (default 5).
	NullEvery int
	// Dir is where companies are generated (default: a temporary directory, removed after).
	Dir string
	// Keep keeps the generated companies.
	Keep bool
	// Workers is the number of companies evaluated at once (default 1).
	Workers int
	// Replicates is the driver model's number of bootstrap replicates (default 200).
	Replicates int
	// Progress, when set, is told after each company.
	Progress func(done, total int, seed uint64)
	// Drivers and Slices override the options of the driver ranking and the slice drilldown
	// (their Period, Scope and Direction are set per case); zero values take diagnose's
	// defaults.
	Drivers rootcause.DriverOptions
	Slices  diagnose.SliceRequest
}

// DefaultConfig returns seeds 1–50 of 2,000-employee companies, every fifth without shocks.
func DefaultConfig() Config {
	c := Config{Employees: 2000, NullEvery: 5, Workers: 1, Replicates: 200}
	for s := uint64(1); s <= 50; s++ {
		c.Seeds = append(c.Seeds, s)
	}
	return c
}

// ParseSeeds reads "1-50", "7" or "1-10,20,30-32".
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("seeds %q: %q is not a seed or a range a-b", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("seeds %q: %q is not a range a-b with a ≤ b", s, part)
			}
		}
		if b-a > 100000 {
			return nil, fmt.Errorf("seeds %q: range %q is too long", s, part)
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Metrics are one method's scores.
type Metrics struct {
	DriverTop1        float64 `json:"driver_top1"`
	DriverRecall3     float64 `json:"driver_recall3"`
	DriverSensitivity float64 `json:"driver_sensitivity"`
	SliceRecall1      float64 `json:"slice_recall1"`
	SliceRecall3      float64 `json:"slice_recall3"`
	SliceMRR          float64 `json:"slice_mrr"`
	SliceSensitivity  float64 `json:"slice_sensitivity"`
	// NullSpecificity is the lower of DriverNullSpecificity and SliceNullSpecificity.
	NullSpecificity       float64 `json:"null_specificity"`
	DriverNullSpecificity float64 `json:"driver_null_specificity"`
	SliceNullSpecificity  float64 `json:"slice_null_specificity"`
	IndicatorSpearman     float64 `json:"indicator_spearman"`
}

// FunnelMetrics are the slice metrics of the funnel drilldown alone (no driver-located
// slices).
type FunnelMetrics struct {
	Recall1         float64 `json:"slice_recall1"`
	Recall3         float64 `json:"slice_recall3"`
	MRR             float64 `json:"slice_mrr"`
	Sensitivity     float64 `json:"slice_sensitivity"`
	NullSpecificity float64 `json:"null_specificity"`
}

// Report is the evaluation's result.
type Report struct {
	Seeds     string `json:"seeds"`
	Employees int    `json:"employees"`
	NullEvery int    `json:"null_every"`
	Companies int    `json:"companies"`
	// Case counts.
	DriverCases     int `json:"driver_cases"`
	DriverNullCases int `json:"driver_null_cases"`
	SliceCases      int `json:"slice_cases"`
	SliceNullCases  int `json:"slice_null_cases"`
	// Method and Baseline are the metrics of diagnose and of the trivial baselines.
	Method   Metrics `json:"method"`
	Baseline Metrics `json:"baseline"`
	// FunnelOnly are the method's slice metrics without the driver-located slices.
	FunnelOnly FunnelMetrics `json:"funnel_only"`
	// Misses lists the cases the method got wrong: a driver truth its first answer missed, a
	// slice case whose first answer or first three missed a truth (with each truth's rank and
	// the first slices listed), or a null case where it claimed a cause.
	Misses []string `json:"misses,omitempty"`
}

// companyResult is one company's raw outcomes.
type companyResult struct {
	drivers, driverBase []driverCase
	slices, sliceBase   []sliceCase
	funnel              []sliceCase
	spearman, spearBase float64
	spearOK             bool
	misses              []string
}

type driverCase struct {
	truth   []string // empty for a null case
	ranked  []string
	claimed bool
}

type sliceCase struct {
	truth   []map[string]string
	ranked  []map[string]string
	claimed bool
}

// Run evaluates every seed of cfg and returns the report. It returns an error when a company
// cannot be generated or analysed; ctx cancels between companies.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	d := DefaultConfig()
	if len(cfg.Seeds) == 0 {
		cfg.Seeds = d.Seeds
	}
	if cfg.Employees == 0 {
		cfg.Employees = d.Employees
	}
	if cfg.NullEvery == 0 {
		cfg.NullEvery = d.NullEvery
	}
	if cfg.Workers <= 0 {
		cfg.Workers = d.Workers
	}
	if cfg.Replicates == 0 {
		cfg.Replicates = d.Replicates
	}
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "growthlens-rceval-")
		if err != nil {
			return nil, err
		}
		dir = tmp
		if !cfg.Keep {
			defer os.RemoveAll(tmp)
		}
	}
	results := make([]*companyResult, len(cfg.Seeds))
	errs := make([]error, len(cfg.Seeds))
	var progress func(done, i int)
	if cfg.Progress != nil {
		progress = func(done, i int) { cfg.Progress(done, len(cfg.Seeds), cfg.Seeds[i]) }
	}
	err := workpool.Run(ctx, cfg.Workers, len(cfg.Seeds), func(i int) {
		results[i], errs[i] = evaluateSeed(ctx, cfg, dir, cfg.Seeds[i])
	}, progress)
	if err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("seed %d: %w", cfg.Seeds[i], err)
		}
	}
	return summarize(cfg, results), nil
}

func evaluateSeed(ctx context.Context, cfg Config, dir string, seed uint64) (*companyResult, error) {
	scenario := "random"
	if seed%uint64(cfg.NullEvery) == 0 {
		scenario = "baseline"
	}
	sc := synth.DefaultConfig()
	sc.Seed, sc.Employees, sc.Scenario = seed, cfg.Employees, scenario
	out := filepath.Join(dir, fmt.Sprintf("%s-%d-%d", scenario, cfg.Employees, seed))
	if _, err := os.Stat(filepath.Join(out, "ground_truth.json")); err != nil {
		if _, err := synth.Generate(ctx, out, sc, nil); err != nil {
			return nil, err
		}
	}
	defer func() {
		if !cfg.Keep && cfg.Dir == "" {
			os.RemoveAll(out)
		}
	}()
	truth, err := synth.ReadTruth(out)
	if err != nil {
		return nil, err
	}
	c, err := diagnose.Open(out, diagnose.Options{Replicates: cfg.Replicates, Seed: seed})
	if err != nil {
		return nil, err
	}
	return evaluateCompany(ctx, c, truth, cfg)
}

// evaluationQuarters returns the last eight whole quarters of the data, where the random
// scenario places its shocks.
func evaluationQuarters(truth *synth.Truth) ([]datasets.Period, error) {
	end, err := datasets.ParseMonth(truth.End)
	if err != nil {
		return nil, err
	}
	last := end.Quarter()
	if datasets.MonthOf(last.End().AddDate(0, 0, -1)) != end {
		last = last.Add(-1)
	}
	var out []datasets.Period
	for q := last.Add(-7); q.N <= last.N; q = q.Add(1) {
		out = append(out, q)
	}
	return out, nil
}

func evaluateCompany(ctx context.Context, c *diagnose.Company, truth *synth.Truth, cfg Config) (*companyResult, error) {
	quarters, err := evaluationQuarters(truth)
	if err != nil {
		return nil, err
	}
	res := &companyResult{}
	null := len(truth.Shocks) == 0
	// Driver cases.
	type rq struct {
		region string
		q      string
	}
	byCase := map[rq][]string{}
	for _, sh := range truth.Shocks {
		regions := []string{sh.ScopeID}
		if sh.Scope == "company" {
			regions = truth.Regions
		}
		for _, r := range regions {
			k := rq{r, sh.Period}
			if !slices.Contains(byCase[k], sh.Driver) {
				byCase[k] = append(byCase[k], sh.Driver)
			}
		}
	}
	var cases []rq
	if null {
		for _, q := range quarters {
			for _, r := range truth.Regions {
				cases = append(cases, rq{r, q.String()})
			}
		}
	} else {
		for k := range byCase {
			cases = append(cases, k)
		}
		sort.Slice(cases, func(i, j int) bool { return cases[i].q+cases[i].region < cases[j].q+cases[j].region })
	}
	for _, k := range cases {
		q, err := datasets.ParseQuarter(k.q)
		if err != nil {
			return nil, err
		}
		req := diagnose.DriverRequest{Scope: diagnose.Scope{Level: features.Region, ID: k.region}, Period: q, Direction: -1, Options: cfg.Drivers}
		ans, err := c.Drivers(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("drivers %s %s: %w", k.region, k.q, err)
		}
		req.Baseline = true
		base, err := c.Drivers(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("baseline drivers %s %s: %w", k.region, k.q, err)
		}
		dc := driverCase{truth: byCase[k], ranked: ans.Ranked(), claimed: !ans.NoDominantCause}
		res.drivers = append(res.drivers, dc)
		res.driverBase = append(res.driverBase, driverCase{truth: byCase[k], ranked: base.Ranked(), claimed: !base.NoDominantCause})
		if len(dc.truth) == 0 && dc.claimed {
			c0 := ans.Causes[0]
			res.misses = append(res.misses, fmt.Sprintf("seed %d drivers %s %s: null, claimed %s%s (z %.1f, p %.2f, contribution %+.3f, gap %+.3f)", truth.Seed, k.region, k.q, c0.Driver, where(c0.Where), c0.Z, c0.Abnormal, c0.Contribution.Estimate, ans.Gap))
		}
		if len(dc.truth) > 0 && (len(dc.ranked) == 0 || !slices.Contains(dc.truth, dc.ranked[0])) {
			res.misses = append(res.misses, fmt.Sprintf("seed %d drivers %s %s: truth %v, ranked %v", truth.Seed, k.region, k.q, dc.truth, dc.ranked))
		}
	}
	// Indicators.
	if err := scoreIndicators(ctx, c, truth, res); err != nil {
		return nil, err
	}
	// Slice cases.
	for _, q := range quarters {
		var want []map[string]string
		var kinds []string
		for _, sh := range truth.Shocks {
			if sh.Period != q.String() {
				continue
			}
			kinds = append(kinds, fmt.Sprintf("%s×%.2f", sh.Driver, sh.Multiplier))
			m := map[string]string{}
			if sh.Scope == "region" {
				m["region"] = sh.ScopeID
			}
			if sh.Product != "" {
				m["product"] = sh.Product
			}
			want = append(want, m)
		}
		if !null && len(want) == 0 {
			continue
		}
		sreq := cfg.Slices
		sreq.Period, sreq.Direction = q, "down"
		ans, err := c.Slices(ctx, sreq)
		if err != nil {
			return nil, fmt.Errorf("slices %s: %w", q, err)
		}
		sc := sliceCase{truth: want, ranked: ans.Ranked(), claimed: !ans.NoDominantCause}
		res.slices = append(res.slices, sc)
		sreq.FunnelOnly = true
		fun, err := c.Slices(ctx, sreq)
		if err != nil {
			return nil, fmt.Errorf("funnel slices %s: %w", q, err)
		}
		res.funnel = append(res.funnel, sliceCase{truth: want, ranked: fun.Ranked(), claimed: !fun.NoDominantCause})
		base, err := c.SlicesBaseline(q)
		if err != nil {
			return nil, fmt.Errorf("baseline slices %s: %w", q, err)
		}
		res.sliceBase = append(res.sliceBase, sliceCase{truth: want, ranked: base.Claimed(), claimed: !base.NoDominantCause})
		if len(want) == 0 && sc.claimed {
			res.misses = append(res.misses, fmt.Sprintf("seed %d slices %s: null, claimed %s", truth.Seed, q, rootcause.SliceKey(sc.ranked[0])))
		}
		if len(want) > 0 && (!anyTrue(want, sc.ranked, 1) || !allTrue(want, sc.ranked, 3)) {
			res.misses = append(res.misses, fmt.Sprintf("seed %d slices %s: truth %v (%s) at ranks %v; first %s", truth.Seed, q, keys(want), strings.Join(kinds, ", "), truthRanks(want, sc.ranked), describe(ans.Slices, 4)))
		}
	}
	return res, nil
}

func where(s string) string {
	if s == "" {
		return ""
	}
	return " in " + s
}

func keys(ms []map[string]string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = rootcause.SliceKey(m)
	}
	return out
}

// allTrue reports whether the first k ranked slices hold min(k, len(truth)) of the truths,
// i.e. whether recall@k is 1.
func allTrue(truth, ranked []map[string]string, k int) bool {
	hits := 0
	for _, t := range truth {
		if anyTrue([]map[string]string{t}, ranked, k) {
			hits++
		}
	}
	return hits >= min(k, len(truth))
}

// truthRanks returns each truth's 1-based rank in ranked, 0 when it is not listed.
func truthRanks(truth, ranked []map[string]string) []int {
	out := make([]int, len(truth))
	for i, t := range truth {
		for j, r := range ranked {
			if rootcause.SliceKey(t) == rootcause.SliceKey(r) {
				out[i] = j + 1
				break
			}
		}
	}
	return out
}

// describe formats the first k slices of an answer with where they came from and why they
// rank where they do, for the misses list.
func describe(ss []diagnose.SliceCause, k int) string {
	if len(ss) == 0 {
		return "none"
	}
	var parts []string
	for i, s := range ss {
		if i >= k {
			break
		}
		flag := ""
		if s.Claimed {
			flag = " claimed"
		} else if s.Significant {
			flag = " significant"
		}
		parts = append(parts, fmt.Sprintf("%s [%s %s%s, score %.1f, change %+.3f, history z %.1f, p %.2f]",
			rootcause.SliceKey(s.Map()), s.Source, s.KPI, flag, s.Score, s.Change, s.HistoryZ, s.Abnormal))
	}
	return strings.Join(parts, "; ")
}

func anyTrue(truth, ranked []map[string]string, k int) bool {
	for i, r := range ranked {
		if i >= k {
			break
		}
		for _, t := range truth {
			if rootcause.SliceKey(t) == rootcause.SliceKey(r) {
				return true
			}
		}
	}
	return false
}

func summarize(cfg Config, rs []*companyResult) *Report {
	rep := &Report{Employees: cfg.Employees, NullEvery: cfg.NullEvery, Companies: len(rs), Seeds: seedsString(cfg.Seeds)}
	var dm, db []driverCase
	var sm, sb, sf []sliceCase
	var sp, spb []float64
	for _, r := range rs {
		dm, db = append(dm, r.drivers...), append(db, r.driverBase...)
		sm, sb, sf = append(sm, r.slices...), append(sb, r.sliceBase...), append(sf, r.funnel...)
		if r.spearOK {
			sp, spb = append(sp, r.spearman), append(spb, r.spearBase)
		}
		rep.Misses = append(rep.Misses, r.misses...)
	}
	for _, c := range dm {
		if len(c.truth) > 0 {
			rep.DriverCases++
		} else {
			rep.DriverNullCases++
		}
	}
	for _, c := range sm {
		if len(c.truth) > 0 {
			rep.SliceCases++
		} else {
			rep.SliceNullCases++
		}
	}
	rep.Method = metrics(dm, sm, sp)
	rep.Baseline = metrics(db, sb, spb)
	fm := metrics(nil, sf, nil)
	rep.FunnelOnly = FunnelMetrics{Recall1: fm.SliceRecall1, Recall3: fm.SliceRecall3, MRR: fm.SliceMRR,
		Sensitivity: fm.SliceSensitivity, NullSpecificity: fm.SliceNullSpecificity}
	return rep
}

func metrics(dc []driverCase, sc []sliceCase, spearman []float64) Metrics {
	var m Metrics
	var n, nNull, top1, rec3, sens, nullOK float64
	for _, c := range dc {
		if len(c.truth) == 0 {
			nNull++
			if !c.claimed {
				nullOK++
			}
			continue
		}
		n++
		if c.claimed {
			sens++
		}
		hits := 0
		for i, d := range c.ranked {
			if i < 3 && slices.Contains(c.truth, d) {
				hits++
			}
		}
		rec3 += float64(hits) / float64(min(3, len(c.truth)))
		if len(c.ranked) > 0 && slices.Contains(c.truth, c.ranked[0]) {
			top1++
		}
	}
	if n > 0 {
		m.DriverTop1, m.DriverRecall3, m.DriverSensitivity = top1/n, rec3/n, sens/n
	}
	if nNull > 0 {
		m.DriverNullSpecificity = nullOK / nNull
	}
	var s rootcause.Scorer
	var sens2, nsl float64
	for _, c := range sc {
		s.Add(c.truth, c.ranked, !c.claimed)
		if len(c.truth) > 0 {
			nsl++
			if c.claimed {
				sens2++
			}
		}
	}
	sm := s.Metrics()
	m.SliceRecall1, m.SliceRecall3, m.SliceMRR, m.SliceNullSpecificity = sm.Recall1, sm.Recall3, sm.MRR, sm.NullSpecificity
	if nsl > 0 {
		m.SliceSensitivity = sens2 / nsl
	}
	m.NullSpecificity = math.Min(m.DriverNullSpecificity, m.SliceNullSpecificity)
	if len(spearman) > 0 {
		sum := 0.0
		for _, x := range spearman {
			sum += x
		}
		m.IndicatorSpearman = sum / float64(len(spearman))
	}
	return m
}

func seedsString(seeds []uint64) string {
	if len(seeds) == 0 {
		return ""
	}
	var parts []string
	start, prev := seeds[0], seeds[0]
	flush := func() {
		if start == prev {
			parts = append(parts, strconv.FormatUint(start, 10))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", start, prev))
		}
	}
	for _, s := range seeds[1:] {
		if s == prev+1 {
			prev = s
			continue
		}
		flush()
		start, prev = s, s
	}
	flush()
	return strings.Join(parts, ",")
}

// scoreIndicators computes the company's indicator Spearman (see the package documentation)
// for the suggestions and for the baseline.
func scoreIndicators(ctx context.Context, c *diagnose.Company, truth *synth.Truth, res *companyResult) error {
	ans, err := c.Indicators(ctx, diagnose.IndicatorRequest{})
	if err != nil {
		return fmt.Errorf("indicators: %w", err)
	}
	rp, err := c.Panel(datasets.Quarter, features.Region)
	if err != nil {
		return err
	}
	var est, base, want []float64
	for _, rs := range ans.Roles {
		for _, cand := range rs.Candidates {
			if cand.Kind != "driver" {
				continue
			}
			te, ok := truth.Effect(cand.Formula)
			if !ok || cand.ChangeSD == 0 {
				continue
			}
			est = append(est, cand.Standardized)
			want = append(want, math.Abs(te.Effect)*cand.ChangeSD)
			base = append(base, largestChange(rp, cand.Formula))
		}
	}
	if len(est) < 3 {
		return nil
	}
	res.spearman, res.spearBase, res.spearOK = spearman(est, want), spearman(base, want), true
	return nil
}

// largestChange is the baseline's importance of a driver: its largest absolute relative
// quarter-on-quarter change in any region.
func largestChange(p *features.Panel, col string) float64 {
	best := 0.0
	for _, s := range p.Scopes {
		xs := p.Series(s, col)
		for t := 1; t < len(xs); t++ {
			if p.Complete[t] && p.Complete[t-1] && xs[t-1] != 0 && !math.IsNaN(xs[t]) && !math.IsNaN(xs[t-1]) {
				best = math.Max(best, math.Abs(xs[t]/xs[t-1]-1))
			}
		}
	}
	return best
}

// spearman is Spearman's rank correlation with average ranks for ties; 0 when either side
// is constant.
func spearman(a, b []float64) float64 {
	ra, rb := ranks(a), ranks(b)
	n := float64(len(a))
	var ma, mb float64
	for i := range ra {
		ma += ra[i]
		mb += rb[i]
	}
	ma, mb = ma/n, mb/n
	var sab, saa, sbb float64
	for i := range ra {
		sab += (ra[i] - ma) * (rb[i] - mb)
		saa += (ra[i] - ma) * (ra[i] - ma)
		sbb += (rb[i] - mb) * (rb[i] - mb)
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return xs[idx[i]] < xs[idx[j]] })
	out := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		r := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			out[idx[k]] = r
		}
		i = j + 1
	}
	return out
}

// SeedsString writes seeds as ParseSeeds reads them, ranges collapsed ("1-5,9").
func SeedsString(seeds []uint64) string { return seedsString(seeds) }

// Spearman is Spearman's rank correlation of a and b (ties get their mean rank).
func Spearman(a, b []float64) float64 { return spearman(a, b) }
