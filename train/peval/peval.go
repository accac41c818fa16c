// Package peval backtests the whole revenue forecast — univariate, pipeline and their
// combination, reconciled as training publishes it — on generated companies, and the
// probability of hitting the revenue target.
//
// # Protocol
//
// Seed s gives one company of Config.Employees employees (datasets/synth: 4 regions,
// 5 products, five years to 2026-09). At each of the last Config.Origins quarter-ends T
// before the end of the data, train.ForecastAsOf makes the forecast set training would have
// made from the data as it stood at T (nothing on or after T is read), and the next quarter
// (h1) and the one after (h2) of the company and every region are scored against what
// happened:
//
//   - univariate: the univariate forecast (forecast.Auto) before the combination and the
//     reconciliation, with its calibrated intervals;
//   - pipeline: closed + open deals + deals not yet created (forecast.Split), with intervals
//     from its own backtest error scale;
//   - combined: the published forecast (combination, reconciled) and its intervals.
//
// smape_h1 and smape_h2 are the M4 sMAPE (percent) of the h1 and h2 forecasts over every
// company, origin and scope (the company and its regions counted alike); coverage80 and
// coverage95 the share of h1 and h2 actuals inside the 80 % and 95 % intervals.
//
// For the target probability, every scope with a revenue target for the quarter (company,
// regions and teams) at h1 ("current quarter") and h2 ("next quarter") gets p = P(revenue ≥
// target) from the published forecast (forecast.Uncertainty.ProbAbove); the cases are binned
// by decile of p and each bin's share of hits is set beside its mean p.
//
// The package must not be used by the serving path: it generates data and writes to disk.
package peval

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/workpool"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/train"
)

// TuningSeeds are the seeds every choice of the pipeline forecast (package pipeline's
// constants) and of the target probability was made on; EvaluationSeeds are held out from
// all of them. All are below 5000 and avoid the seeds other evaluations read (1–50,
// 1001–1060, 2001–2060, 4001–4250).
var (
	TuningSeeds     = "1201-1240"
	EvaluationSeeds = "3201-3240"
)

// Config says what to evaluate.
type Config struct {
	Seeds     []uint64
	Employees int
	// Origins is the number of quarter-ends backtested from (default 8: the last two years).
	Origins int
	// Dir, when set, holds the generated companies (<Dir>/<employees>-<seed>), reused when
	// present; otherwise they are generated into a temporary directory and removed.
	Dir     string
	Workers int
	// Progress, when set, is told after each company.
	Progress func(done, total int, seed uint64)
}

// Scores are one forecast's accuracy.
type Scores struct {
	SMAPEH1    float64 `json:"smape_h1"`
	SMAPEH2    float64 `json:"smape_h2"`
	Coverage80 float64 `json:"coverage80"`
	Coverage95 float64 `json:"coverage95"`
	// BiasH1 is the mean relative error (actual − forecast)/forecast one quarter ahead.
	BiasH1 float64 `json:"bias_h1"`
	// ForecastsH1 and ForecastsH2 count the forecasts scored; Intervals those with intervals.
	ForecastsH1 int `json:"forecasts_h1"`
	ForecastsH2 int `json:"forecasts_h2"`
	Intervals   int `json:"intervals"`
}

// Level holds the three forecasts' scores at one level (company or region).
type Level struct {
	Univariate Scores `json:"univariate"`
	Pipeline   Scores `json:"pipeline"`
	Combined   Scores `json:"combined"`
}

// Bin is one decile of the target probability.
type Bin struct {
	From    float64 `json:"from"`
	To      float64 `json:"to"`
	Cases   int     `json:"cases"`
	MeanP   float64 `json:"mean_p"`
	HitRate float64 `json:"hit_rate"`
	// Within says |hit_rate − mean_p| ≤ 0.1; only judged with at least 30 cases.
	Within *bool `json:"within,omitempty"`
}

// Target is the calibration of the probability of hitting the revenue target.
type Target struct {
	Cases int     `json:"cases"`
	Brier float64 `json:"brier"`
	Bins  []Bin   `json:"bins"`
	// Calibrated says every bin with at least 30 cases is within ±0.1.
	Calibrated bool `json:"calibrated"`
}

// Result is the evaluation.
type Result struct {
	Seeds      string  `json:"seeds"`
	Companies  int     `json:"companies"`
	Employees  int     `json:"employees"`
	Origins    int     `json:"origins"`
	Univariate Scores  `json:"univariate"`
	Pipeline   Scores  `json:"pipeline"`
	Combined   Scores  `json:"combined"`
	RatioH1    float64 `json:"combined_over_univariate_smape_h1"`
	// ByLevel splits the scores into the company and its regions.
	ByLevel map[string]*Level `json:"by_level"`
	// WeightH1 is the mean weight of the pipeline forecast in the h1 combination.
	WeightH1 float64 `json:"weight_h1"`
	Target   Target  `json:"target"`
	Seconds  float64 `json:"seconds"`
}

// tally accumulates one forecast's scores.
type tally struct {
	bias  float64
	smape [2]float64
	n     [2]int
	cov   [2]int
	ni    int
}

func (t *tally) add(h int, y, f float64, lo, hi [2]float64, hasIv bool) {
	t.smape[h] += forecast.SMAPE([]float64{y}, []float64{f})
	t.n[h]++
	if h == 0 && f > 0 {
		t.bias += (y - f) / f
	}
	if hasIv {
		t.ni++
		for i := range 2 {
			if y >= lo[i] && y <= hi[i] {
				t.cov[i]++
			}
		}
	}
}

func (t *tally) merge(o *tally) {
	t.bias += o.bias
	for i := range 2 {
		t.smape[i] += o.smape[i]
		t.n[i] += o.n[i]
		t.cov[i] += o.cov[i]
	}
	t.ni += o.ni
}

func (t *tally) scores() Scores {
	s := Scores{ForecastsH1: t.n[0], ForecastsH2: t.n[1], Intervals: t.ni}
	s.SMAPEH1, s.SMAPEH2 = ratio(t.smape[0], t.n[0]), ratio(t.smape[1], t.n[1])
	s.BiasH1 = ratio(t.bias, t.n[0])
	s.Coverage80, s.Coverage95 = ratio(float64(t.cov[0]), t.ni), ratio(float64(t.cov[1]), t.ni)
	return s
}

func ratio(a float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return a / float64(n)
}

// company is one company's tallies: [level][forecast] with forecast 0 univariate,
// 1 pipeline, 2 combined.
type company struct {
	t      map[string]*[3]tally
	cases  []tcase
	wsum   float64
	wn     int
	errMsg string
}

type tcase struct {
	p   float64
	hit bool
}

var levels = []float64{80, 95}

// Run evaluates every seed.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Employees < 20 {
		return nil, fmt.Errorf("employees %d: want at least 20", cfg.Employees)
	}
	if cfg.Origins == 0 {
		cfg.Origins = 8
	}
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if len(cfg.Seeds) == 0 {
		return nil, fmt.Errorf("no seeds")
	}
	start := time.Now()
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "peval-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	out := make([]*company, len(cfg.Seeds))
	var progress func(done, i int)
	if cfg.Progress != nil {
		progress = func(done, i int) { cfg.Progress(done, len(cfg.Seeds), cfg.Seeds[i]) }
	}
	err := workpool.Run(ctx, cfg.Workers, len(cfg.Seeds), func(i int) {
		c, err := evalSeed(ctx, cfg, dir, cfg.Seeds[i])
		if err != nil {
			c = &company{errMsg: fmt.Sprintf("seed %d: %v", cfg.Seeds[i], err)}
		}
		out[i] = c
	}, progress)
	if err != nil {
		return nil, err
	}
	res := &Result{Seeds: seedList(cfg.Seeds), Employees: cfg.Employees, Origins: cfg.Origins, ByLevel: map[string]*Level{}}
	var all, lv = [3]tally{}, map[string]*[3]tally{}
	var cases []tcase
	var wsum float64
	var wn int
	for _, c := range out {
		if c == nil {
			continue
		}
		if c.errMsg != "" {
			return nil, fmt.Errorf("%s", c.errMsg)
		}
		res.Companies++
		for name, t := range c.t {
			if lv[name] == nil {
				lv[name] = &[3]tally{}
			}
			for i := range 3 {
				lv[name][i].merge(&t[i])
				all[i].merge(&t[i])
			}
		}
		cases = append(cases, c.cases...)
		wsum += c.wsum
		wn += c.wn
	}
	res.Univariate, res.Pipeline, res.Combined = all[0].scores(), all[1].scores(), all[2].scores()
	res.RatioH1 = res.Combined.SMAPEH1 / res.Univariate.SMAPEH1
	for name, t := range lv {
		res.ByLevel[name] = &Level{Univariate: t[0].scores(), Pipeline: t[1].scores(), Combined: t[2].scores()}
	}
	res.WeightH1 = ratio(wsum, wn)
	res.Target = calibration(cases)
	res.Seconds = math.Round(time.Since(start).Seconds())
	return res, nil
}

// calibration bins the target cases by decile of p.
func calibration(cases []tcase) Target {
	t := Target{Cases: len(cases), Calibrated: true}
	bins := make([]Bin, 10)
	for i := range bins {
		bins[i].From, bins[i].To = float64(i)/10, float64(i+1)/10
	}
	for _, c := range cases {
		i := min(int(c.p*10), 9)
		bins[i].Cases++
		bins[i].MeanP += c.p
		h := 0.0
		if c.hit {
			h = 1
		}
		bins[i].HitRate += h
		t.Brier += (c.p - h) * (c.p - h)
	}
	t.Brier = ratio(t.Brier, len(cases))
	for i := range bins {
		b := &bins[i]
		if b.Cases == 0 {
			continue
		}
		b.MeanP /= float64(b.Cases)
		b.HitRate /= float64(b.Cases)
		if b.Cases >= 30 {
			ok := math.Abs(b.HitRate-b.MeanP) <= 0.1
			b.Within = &ok
			t.Calibrated = t.Calibrated && ok
		}
	}
	t.Bins = bins
	return t
}

func seedList(s []uint64) string {
	if len(s) == 0 {
		return ""
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	if sorted[len(sorted)-1]-sorted[0] == uint64(len(sorted)-1) {
		return fmt.Sprintf("%d-%d", sorted[0], sorted[len(sorted)-1])
	}
	return fmt.Sprint(sorted)
}

// evalSeed generates (or reuses) the company of seed and scores it.
func evalSeed(ctx context.Context, cfg Config, root string, seed uint64) (*company, error) {
	dir := filepath.Join(root, fmt.Sprintf("%d-%d", cfg.Employees, seed))
	if _, err := os.Stat(filepath.Join(dir, "ground_truth.json")); err != nil {
		sc := synth.DefaultConfig()
		sc.Seed, sc.Employees = seed, cfg.Employees
		if _, err := synth.Generate(ctx, dir, sc, nil); err != nil {
			return nil, err
		}
		if cfg.Dir == "" {
			defer os.RemoveAll(dir)
		}
	}
	ds, _, err := datasets.Load(dir, datasets.WithTables("employees", "teams", "accounts", "opportunities", "targets"))
	if err != nil {
		return nil, err
	}
	return evalDataset(ctx, ds, cfg.Origins)
}

// actuals are the revenue of every scope by quarter, from the whole data.
type actuals map[string]map[string]float64 // scope key → quarter → revenue

func scopeKey(level, id string) string { return level + ":" + id }

func actualRevenue(ds *datasets.Dataset) (actuals, time.Time, error) {
	out := actuals{}
	var asOf time.Time
	for _, l := range []features.Level{features.Company, features.Region, features.Team} {
		p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: l})
		if err != nil {
			return nil, asOf, err
		}
		asOf = p.AsOf
		for _, s := range p.Scopes {
			m := map[string]float64{}
			rev := p.Series(s, features.ColRevenue)
			for t, per := range p.Periods {
				if !p.Complete[t] {
					continue
				}
				v := rev[t]
				if math.IsNaN(v) {
					v = 0
				}
				m[per.String()] = v
			}
			out[scopeKey(string(l), s)] = m
		}
	}
	return out, asOf, nil
}

// evalDataset scores the forecasts made at each of the last origins quarter-ends of ds.
func evalDataset(ctx context.Context, ds *datasets.Dataset, origins int) (*company, error) {
	act, end, err := actualRevenue(ds)
	if err != nil {
		return nil, err
	}
	targets := map[string]float64{}
	for _, t := range ds.Targets {
		if t.Metric == "revenue" && t.Period.Grain == datasets.Quarter {
			targets[scopeKey(t.Scope, t.ScopeID)+"@"+t.Period.String()] = t.Target
		}
	}
	last := datasets.QuarterOf(end.AddDate(0, 0, -1))
	if !last.End().Equal(end) {
		last = last.Add(-1) // the data ends inside a quarter: the last whole one
	}
	c := &company{t: map[string]*[3]tally{}}
	for e := origins; e >= 1; e-- {
		T := last.Add(1 - e).Start()
		set, _, err := train.ForecastAsOf(ctx, ds, T, forecast.Options{Horizon: 4, Levels: levels})
		if err != nil {
			return nil, fmt.Errorf("forecast as of %s: %w", datasets.FormatDate(T), err)
		}
		for i := range set.Scopes {
			scoreScope(c, &set.Scopes[i], act, targets)
		}
	}
	return c, nil
}

func scoreScope(c *company, sc *forecast.Scope, act actuals, targets map[string]float64) {
	res := sc.Forecast
	if res == nil || len(res.Periods) == 0 {
		return
	}
	key := scopeKey(sc.Level, sc.ID)
	for h := range min(2, len(res.Mean)) {
		per := res.Periods[h]
		y, known := act[key][per]
		if !known {
			continue
		}
		// Target probability: every level.
		if tg, ok := targets[key+"@"+per]; ok && tg > 0 {
			c.cases = append(c.cases, tcase{p: res.Uncertainty.ProbAbove(h+1, res.Mean[h], tg), hit: y >= tg})
		}
		if sc.Level == string(features.Team) {
			continue
		}
		if c.t[sc.Level] == nil {
			c.t[sc.Level] = &[3]tally{}
		}
		t := c.t[sc.Level]
		// Univariate: the base forecast and its own error model.
		uni, uu := res.Mean[h], res.Uncertainty
		uu.Near = nil
		if p := sc.Pipeline; p != nil && h < len(p.Univariate) {
			uni = p.Univariate[h]
		} else if res.BaseMean != nil {
			uni = res.BaseMean[h]
		}
		var lo, hi [2]float64
		for i, l := range levels {
			lo[i], hi[i] = uu.Interval(h+1, uni, l)
		}
		t[0].add(h, y, uni, lo, hi, true)
		// Combined: what is published.
		for i := range levels {
			lo[i], hi[i] = res.Intervals[i].Lower[h], res.Intervals[i].Upper[h]
		}
		t[2].add(h, y, res.Mean[h], lo, hi, true)
		// Pipeline alone.
		if p := sc.Pipeline; p != nil && h < len(p.Splits) {
			pu := forecast.Uncertainty{Relative: true, DF: res.Uncertainty.DF, Inflation: 1, Near: p.PipelineNear[:h+1]}
			for i, l := range levels {
				lo[i], hi[i] = pu.Interval(h+1, p.Splits[h].Total(), l)
			}
			t[1].add(h, y, p.Splits[h].Total(), lo, hi, p.PipelineNear[h] > 0)
			if h == 0 && sc.Level == string(features.Company) {
				c.wsum += p.Weights[0]
				c.wn++
			}
		}
	}
}
