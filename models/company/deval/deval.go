// Package deval scores the company model's driver answers — effect signs with abstention,
// what-if intervals, indicator weights and the agreement of the four surfaces — on synthetic
// companies whose true driver effects are known (datasets/synth's ground_truth.json), beside
// the model the product used before (the raw driver model for what-if and attribution, its
// blend with the catalogue prior for root causes and indicators).
//
// # Protocol
//
// Seed s gives two companies of Config.Employees employees (4 regions, 5 products, 5 years to
// 2026-09): the baseline scenario and the random one (1–3 shocks in the last eight quarters).
// On each, for each of the five root drivers:
//
//   - sign_accuracy: the reported sign of the driver's sustained effect, or "uncertain", is not
//     contradicted by the true effect's sign (uncertain counts as correct);
//   - abstain_rate: the share reported uncertain;
//   - whatif_coverage80: for changes of −20, −10, +10 and +20 % at the company scope, the
//     share of 80 % intervals of the revenue change that hold the true change, exp(true
//     effect × the change on the model's scale) − 1, with the change applied from the same
//     current level;
//   - whatif_median_abs_error: the median over those answers of |estimate − truth|, in
//     percentage points of revenue;
//   - indicator_spearman: Spearman's ρ between the standardized effects behind the suggested
//     weights of the five driver indicators and the true ones (|true effect| × the s.d. of the
//     driver's quarterly change), the mean over companies;
//   - endpoint_agreement: for each driver and each of the last four whole quarters, whether
//     the what-if (+10 % at the company scope), the attribution waterfall (company against its
//     target), the root-cause ranking (what moved the company's revenue against its target)
//     and the indicator suggestions give the driver's effect the same sign, or all say
//     uncertain.
//
// The current model reports the sign of its point estimates and never abstains; its what-if
// intervals are its bootstrap's 80 % intervals.
//
// The package must not be used by the serving path: it generates data and writes to disk.
package deval

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/quantile"
	"github.com/growthlens/growthlens/internal/workpool"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/rootcause"
)

// TuningSeeds are the seeds the company model's choices (DefaultPriorScale, NegligibleShare,
// WithheldWidth) were made on — company.DefaultFunnelFloor on 4001–4060, TuningSeeds and the
// first of RootcauseTuningSeeds, to see the coverage of 120 companies; EvaluationSeeds are held
// out from every such choice. Both are
// below 5000 and avoid seeds 1–50, 1001–1060 and 2001–2060, which earlier work read.
// RootcauseSeeds are the seeds `growthlens evaluate rootcause` was run on to judge the company
// model's root causes and indicator weights (held out as well); RootcauseTuningSeeds are the
// seeds the root-cause fixes for 100-employee companies were developed on (the usual variation
// of a driver that moves in whole units, rootcause's robustCenterSpread).
var (
	TuningSeeds          = seedRange(4001, 4012)
	EvaluationSeeds      = seedRange(4101, 4140)
	RootcauseSeeds       = seedRange(4201, 4250)
	RootcauseTuningSeeds = seedRange(4013, 4099)
)

func seedRange(a, b uint64) []uint64 {
	var out []uint64
	for s := a; s <= b; s++ {
		out = append(out, s)
	}
	return out
}

// Scenarios are the scenarios generated for every seed.
var Scenarios = []string{"baseline", "random"}

// Config says what to evaluate.
type Config struct {
	Seeds     []uint64
	Employees int
	// Draws is the company model's number of posterior draws and the current model's number
	// of bootstrap replicates (default 400).
	Draws int
	// PriorScale overrides company.DefaultPriorScale (for tuning on TuningSeeds).
	PriorScale float64
	// Monthly overrides company.Options.Monthly (for tuning on TuningSeeds): 1 reads drivers
	// month by month at every size, −1 never.
	Monthly int
	// FunnelFloor overrides company.DefaultFunnelFloor (for tuning on TuningSeeds); negative
	// leaves the funnel evidence out.
	FunnelFloor float64
	// Dir is where companies are generated (default a temporary directory, removed after);
	// Keep keeps them.
	Dir  string
	Keep bool
	// Workers evaluates that many companies at once (default 1).
	Workers  int
	Progress func(done, total int, seed uint64)
}

// Metrics are one model's figures.
type Metrics struct {
	SignAccuracy         float64            `json:"sign_accuracy"`
	AbstainRate          float64            `json:"abstain_rate"`
	WhatIfCoverage80     float64            `json:"whatif_coverage80"`
	WhatIfMedianAbsError float64            `json:"whatif_median_abs_error"`
	IndicatorSpearman    float64            `json:"indicator_spearman"`
	EndpointAgreement    float64            `json:"endpoint_agreement"`
	Effects              int                `json:"effects"`
	WhatIfs              int                `json:"whatifs"`
	AgreementPairs       int                `json:"agreement_pairs"`
	SignAccuracyByDriver map[string]float64 `json:"sign_accuracy_by_driver"`
	AbstainRateByDriver  map[string]float64 `json:"abstain_rate_by_driver"`
	CoverageByDriver     map[string]float64 `json:"whatif_coverage80_by_driver"`
}

// Result is the evaluation: the company model beside the current one.
type Result struct {
	Seeds     string   `json:"seeds"`
	Employees int      `json:"employees"`
	Scenarios []string `json:"scenarios"`
	Companies int      `json:"companies"`
	New       Metrics  `json:"company_model"`
	Current   Metrics  `json:"current_model"`
}

// tally accumulates one model's raw scores.
type tally struct {
	signOK, abstain, effects map[string]int
	cover, whatifs           map[string]int
	absErr                   []float64
	spearman                 []float64
	agree, pairs             int
}

func newTally() *tally {
	return &tally{signOK: map[string]int{}, abstain: map[string]int{}, effects: map[string]int{}, cover: map[string]int{}, whatifs: map[string]int{}}
}

func (t *tally) add(o *tally) {
	for k, v := range o.signOK {
		t.signOK[k] += v
	}
	for k, v := range o.abstain {
		t.abstain[k] += v
	}
	for k, v := range o.effects {
		t.effects[k] += v
	}
	for k, v := range o.cover {
		t.cover[k] += v
	}
	for k, v := range o.whatifs {
		t.whatifs[k] += v
	}
	t.absErr = append(t.absErr, o.absErr...)
	t.spearman = append(t.spearman, o.spearman...)
	t.agree += o.agree
	t.pairs += o.pairs
}

func (t *tally) metrics() Metrics {
	m := Metrics{SignAccuracyByDriver: map[string]float64{}, AbstainRateByDriver: map[string]float64{}, CoverageByDriver: map[string]float64{}}
	var ok, ab, n, cv, nw int
	for d, e := range t.effects {
		ok += t.signOK[d]
		ab += t.abstain[d]
		n += e
		m.SignAccuracyByDriver[d] = ratio(t.signOK[d], e)
		m.AbstainRateByDriver[d] = ratio(t.abstain[d], e)
	}
	for d, w := range t.whatifs {
		cv += t.cover[d]
		nw += w
		m.CoverageByDriver[d] = ratio(t.cover[d], w)
	}
	m.SignAccuracy, m.AbstainRate, m.Effects = ratio(ok, n), ratio(ab, n), n
	m.WhatIfCoverage80, m.WhatIfs = ratio(cv, nw), nw
	if len(t.absErr) > 0 {
		m.WhatIfMedianAbsError = round4(quantile.Median(t.absErr))
	}
	if len(t.spearman) > 0 {
		sum := 0.0
		for _, x := range t.spearman {
			sum += x
		}
		m.IndicatorSpearman = round4(sum / float64(len(t.spearman)))
	}
	m.EndpointAgreement, m.AgreementPairs = ratio(t.agree, t.pairs), t.pairs
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return round4(float64(a) / float64(b))
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Run evaluates every seed and scenario.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Employees == 0 {
		cfg.Employees = 100
	}
	if cfg.Draws == 0 {
		cfg.Draws = 400
	}
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if len(cfg.Seeds) == 0 {
		return nil, fmt.Errorf("no seeds")
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "deval-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	type job struct {
		seed     uint64
		scenario string
	}
	var jobs []job
	for _, s := range cfg.Seeds {
		for _, sc := range Scenarios {
			jobs = append(jobs, job{s, sc})
		}
	}
	newT, curT := newTally(), newTally()
	var (
		mu   sync.Mutex
		errs []error
	)
	var progress func(done, i int)
	if cfg.Progress != nil {
		progress = func(done, i int) { cfg.Progress(done, len(jobs), jobs[i].seed) }
	}
	ctxErr := workpool.Run(ctx, cfg.Workers, len(jobs), func(i int) {
		j := jobs[i]
		n, c, err := evaluateCompany(ctx, cfg, dir, j.seed, j.scenario)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("seed %d %s: %w", j.seed, j.scenario, err))
			return
		}
		newT.add(n)
		curT.add(c)
	}, progress)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if ctxErr != nil {
		return nil, ctxErr
	}
	return &Result{Seeds: rceval.SeedsString(cfg.Seeds), Employees: cfg.Employees, Scenarios: Scenarios, Companies: len(jobs),
		New: newT.metrics(), Current: curT.metrics()}, nil
}

var changes = []float64{-0.20, -0.10, 0.10, 0.20}

func evaluateCompany(ctx context.Context, cfg Config, dir string, seed uint64, scenario string) (newT, curT *tally, err error) {
	sc := synth.DefaultConfig()
	sc.Seed, sc.Employees, sc.Scenario = seed, cfg.Employees, scenario
	out := filepath.Join(dir, fmt.Sprintf("%s-%d-%d", scenario, cfg.Employees, seed))
	if _, err := os.Stat(filepath.Join(out, "ground_truth.json")); err != nil {
		if _, err := synth.Generate(ctx, out, sc, nil); err != nil {
			return nil, nil, err
		}
	}
	defer func() {
		if !cfg.Keep && cfg.Dir == "" {
			os.RemoveAll(out)
		}
	}()
	truth, err := synth.ReadTruth(out)
	if err != nil {
		return nil, nil, err
	}
	co, err := diagnose.Open(out, diagnose.Options{Replicates: cfg.Draws, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	rp, err := co.Panel(datasets.Quarter, features.Region)
	if err != nil {
		return nil, nil, err
	}
	mp, err := co.Panel(datasets.Month, features.Region)
	if err != nil {
		return nil, nil, err
	}
	cm, err := company.Fit(ctx, rp, mp, company.Options{Catalogue: co.Catalogue(), Draws: cfg.Draws, Seed: seed, PriorScale: cfg.PriorScale, Monthly: cfg.Monthly, FunnelFloor: cfg.FunnelFloor})
	if err != nil {
		return nil, nil, err
	}
	co, err = diagnose.New(co.Dataset(), diagnose.Options{Replicates: cfg.Draws, Seed: seed, Model: cm})
	if err != nil {
		return nil, nil, err
	}
	cur, err := fitCurrent(ctx, rp, mp, cfg.Draws, seed)
	if err != nil {
		return nil, nil, err
	}
	newT, curT = newTally(), newTally()
	cat := co.Catalogue()

	// Effects: signs and abstention.
	curSign := map[string]int{}
	for _, e := range cur.Effects {
		curSign[e.Column] = company.Sign(e.Sustained.Estimate)
	}
	newSign := map[string]int{}
	for _, v := range cm.Verdicts() {
		newSign[v.Driver] = v.Sign
	}
	for _, te := range truth.Effects {
		if !cm.Has(te.Driver) {
			continue
		}
		ts := company.Sign(te.Effect)
		score := func(t *tally, s int) {
			t.effects[te.Driver]++
			if s == 0 {
				t.abstain[te.Driver]++
			}
			if s == 0 || s == ts {
				t.signOK[te.Driver]++
			}
		}
		score(newT, newSign[te.Driver])
		score(curT, curSign[te.Driver])

		// What-if intervals.
		cur80 := cur.AtLevel(company.Level)
		for _, p := range changes {
			scn := driver.Scenario{Changes: []driver.Change{{Driver: te.Driver, Value: p, Relative: true}}}
			wn, err := cm.WhatIf(scn)
			if err != nil {
				return nil, nil, err
			}
			wc, err := cur80.WhatIf(scn)
			if err != nil {
				return nil, nil, err
			}
			for _, x := range []struct {
				t *tally
				o *driver.Outcome
			}{{newT, wn.Outcome}, {curT, wc}} {
				want := math.Expm1(te.Effect * x.o.Changes[0].Delta)
				got := x.o.SustainedPercent
				x.t.whatifs[te.Driver]++
				if got.Lower <= want && want <= got.Upper {
					x.t.cover[te.Driver]++
				}
				x.t.absErr = append(x.t.absErr, 100*math.Abs(got.Estimate-want))
			}
		}
	}

	// Indicators.
	ans, err := co.Indicators(ctx, diagnose.IndicatorRequest{})
	if err != nil {
		return nil, nil, err
	}
	curEff := legacyEffects(cur, cat)
	var estN, estC, want []float64
	indSign := map[string]int{}
	for _, rs := range ans.Roles {
		for _, cand := range rs.Candidates {
			if cand.Kind != indicators.Driver || cand.Effect == nil {
				continue
			}
			indSign[cand.Formula] = company.Sign(cand.Effect.Estimate)
			if cand.Effect.Uncertain {
				indSign[cand.Formula] = 0
			}
			te, ok := truth.Effect(cand.Formula)
			if !ok || cand.ChangeSD == 0 {
				continue
			}
			sign := 1.0
			if cand.Direction == "down" {
				sign = -1
			}
			estN = append(estN, cand.Standardized)
			estC = append(estC, math.Max(0, sign*curEff[cand.Formula].Estimate)*cand.ChangeSD)
			want = append(want, math.Abs(te.Effect)*cand.ChangeSD)
		}
	}
	if len(want) >= 3 {
		newT.spearman = append(newT.spearman, rceval.Spearman(estN, want))
		curT.spearman = append(curT.spearman, rceval.Spearman(estC, want))
	}

	// Endpoint agreement over the last four whole quarters.
	qp, err := co.Panel(datasets.Quarter, features.Company)
	if err != nil {
		return nil, nil, err
	}
	var quarters []datasets.Period
	for t := len(qp.Periods) - 1; t >= 0 && len(quarters) < 4; t-- {
		if qp.Complete[t] {
			quarters = append(quarters, qp.Periods[t])
		}
	}
	targets := qp.Series("", features.ColTarget)
	if !qp.Has(features.ColTarget) {
		targets = nil
	}
	for _, q := range quarters {
		t := qp.Index(q)
		if targets == nil || !(targets[t] > 0) {
			continue
		}
		rcN, err := co.Drivers(ctx, diagnose.DriverRequest{Scope: diagnose.Scope{Level: features.Company}, Period: q})
		if err != nil {
			return nil, nil, err
		}
		attN, err := cm.Attribute(driver.Query{Period: q, Expected: targets[t]})
		if err != nil {
			return nil, nil, err
		}
		attC, err := cur.Attribute(driver.Query{Period: q, Expected: targets[t]})
		if err != nil {
			return nil, nil, err
		}
		for _, e := range cm.Effects() {
			col := e.Column
			scn := driver.Scenario{Changes: []driver.Change{{Driver: col, Value: 0.1, Relative: true}}}
			// Company model: every surface.
			wn, err := cm.WhatIf(scn)
			if err != nil {
				return nil, nil, err
			}
			signs := []int{wn.Sign * company.Sign(wn.Changes[0].Delta), attributionSign(attN.Attribution, col, attN.Verdicts[col].Uncertain),
				rootcauseSign(rcN.DriverResult, col), indSign[col]}
			newT.pairs++
			if allEqual(signs) {
				newT.agree++
			}
			// Current model: raw what-if and attribution, blended root causes and indicators.
			wc, err := cur.WhatIf(scn)
			if err != nil {
				return nil, nil, err
			}
			legacy := company.Sign(curEff[col].Estimate)
			signs = []int{company.Sign(wc.Sustained.Estimate) * company.Sign(wc.Changes[0].Delta), attributionSign(attC, col, false), legacy, legacy}
			curT.pairs++
			if allEqual(signs) {
				curT.agree++
			}
		}
	}
	return newT, curT, nil
}

// attributionSign is the sign of the effect the waterfall applies to the driver (0 when its
// verdict is uncertain or the driver is not in the waterfall).
func attributionSign(a *driver.Attribution, col string, uncertain bool) int {
	if uncertain {
		return 0
	}
	for _, c := range a.Contributions {
		if c.Column == col {
			return company.Sign(c.Effect.Estimate)
		}
	}
	return 0
}

// rootcauseSign is the sign of the effect the root-cause ranking gives the driver (0 when
// uncertain or absent).
func rootcauseSign(r *rootcause.DriverResult, col string) int {
	for _, c := range r.Causes {
		if c.Driver == col {
			if c.Effect.Uncertain {
				return 0
			}
			return company.Sign(c.Effect.Estimate)
		}
	}
	return 0
}

func allEqual(xs []int) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}

// fitCurrent fits the driver model as training did before the company model: by penalized
// least squares with a bootstrap, month by month from company.MixedRows scope-quarters.
func fitCurrent(ctx context.Context, p, monthly *features.Panel, replicates int, seed uint64) (*driver.Model, error) {
	specs, _, _ := company.Priors(indicators.Default(), 1)
	o := driver.Options{Drivers: specs, Replicates: max(100, replicates), Seed: seed}
	if len(p.Scopes)*len(p.Periods) >= company.MixedRows {
		return driver.FitMixed(ctx, p, monthly, o)
	}
	return driver.Fit(ctx, p, o)
}

// legacyEffects reproduces the blend the root causes and indicators used before the company
// model: the normal posterior of the catalogue prior (s.d. its magnitude) and the driver
// model's sustained effect (s.e. from its 95 % interval), floored at a tenth of the prior
// when it lands on the wrong side of zero.
func legacyEffects(m *driver.Model, cat *indicators.Catalogue) map[string]rootcause.Effect {
	out := map[string]rootcause.Effect{}
	for _, ind := range cat.Drivers() {
		prior := ind.Prior
		for _, e := range m.Effects {
			if e.Column != ind.Formula {
				continue
			}
			s := e.Sustained
			se := (s.Upper - s.Lower) / (2 * 1.959964)
			tau := math.Abs(prior)
			mean := s.Estimate
			if se > 0 {
				w1, w0 := 1/(se*se), 1/(tau*tau)
				mean = (w1*s.Estimate + w0*prior) / (w1 + w0)
			}
			if math.Signbit(mean) != math.Signbit(prior) || mean == 0 {
				mean = 0.1 * prior
			}
			out[ind.Formula] = rootcause.Effect{Estimate: mean}
		}
	}
	return out
}
