package train

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/forecast"
)

// fitForecast forecasts the revenue of the company, each region and each team.
func fitForecast(ctx context.Context, in *inputs) (*candidate, []string, error) {
	cfg := in.cfg
	opts := forecast.Options{Horizon: cfg.Horizon, Levels: cfg.Levels}
	set, warns, err := forecastSet(ctx, setInput{
		company: in.company, region: in.region, team: in.team, sales: in.sales, opts: opts,
		progress: func(done, total int) { cfg.progress("forecast", done, total) },
	})
	if err != nil {
		return nil, warns, err
	}
	co, _ := set.Find(string(features.Company), "")
	b, err := set.MarshalBinary()
	if err != nil {
		return nil, warns, fmt.Errorf("encode forecast set: %w", err)
	}
	metrics := forecastMetrics(set)
	c := &candidate{
		name: champion.Forecast, kind: forecast.SetKind, artifact: b, metrics: metrics,
		backtest: co.Forecast.Backtest.Accuracy, primary: "mase",
		rescore: func(champion []byte) (float64, error) { return rescoreForecast(champion, in) },
	}
	return c, warns, nil
}

// setInput is what a forecast set is made from.
type setInput struct {
	company, region, team *features.Panel
	// sales are the deals behind the pipeline-aware forecast; nil without opportunities.
	sales    *features.Sales
	opts     forecast.Options
	progress func(done, total int)
}

// forecastSet forecasts every scope of the panels, combines the first quarters with the
// forecast from the open pipeline (package pipeline) where there are deals, and reconciles
// the regions with the company and the teams with their regions.
func forecastSet(ctx context.Context, in setInput) (*forecast.Set, []string, error) {
	opts := in.opts
	if opts.Seasonal == nil {
		opts.Seasonal = companySeasonal(in.company, -1)
	}
	set := newSet(in.company, opts)
	var warns []string
	type job struct {
		p     *features.Panel
		scope string
	}
	var jobs []job
	for _, p := range []*features.Panel{in.company, in.region, in.team} {
		for _, s := range p.Scopes {
			jobs = append(jobs, job{p, s})
		}
	}
	set.Scopes = make([]forecast.Scope, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				set.Scopes[i] = forecastScope(jobs[i].p, jobs[i].scope, opts)
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
		if in.progress != nil {
			in.progress(i+1, len(jobs))
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	co, _ := set.Find(string(features.Company), "")
	if co == nil || co.Forecast == nil {
		msg := "no company scope"
		if co != nil {
			msg = co.Error
		}
		return nil, warns, fmt.Errorf("the company's revenue cannot be forecast: %s", msg)
	}
	if in.sales != nil && len(in.sales.Deals) > 0 {
		if note := combinePipeline(set, in.sales, opts, in.company); note != "" {
			warns = append(warns, note)
		}
	}
	// A withheld company forecast publishes nothing to add up (no scope has a longer history
	// than the company): reconciling it only warned about backtest errors a short history
	// cannot have ("cannot reconcile: 0 backtest errors, want at least 2", the Maven import).
	if v := forecast.Assess(forecast.Series{Values: co.History, Period: 4}, co.Forecast); v.Status != forecast.StatusWithheld {
		if note := reconcileRegions(set); note != "" {
			warns = append(warns, note)
		} else if in.sales != nil {
			warns = append(warns, reconcileTeams(set, in.sales.TeamRegion)...)
		}
	}
	// Growth rates and verdicts from the final forecasts, once.
	next = make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				refresh(&set.Scopes[i])
			}
		}()
	}
	for i := range set.Scopes {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, s := range set.Scopes {
		if s.Error != "" {
			warns = append(warns, fmt.Sprintf("%s %s: %s", s.Level, s.ID, s.Error))
		}
	}
	return set, warns, nil
}

// ForecastAsOf makes the forecast set that training would have made from ds as it stood at
// asOf — every event on or after asOf ignored; zero for the end of the data — for backtests
// of the whole forecast (package peval). It returns the set and the warnings training would
// record.
func ForecastAsOf(ctx context.Context, ds *datasets.Dataset, asOf time.Time, opts forecast.Options) (*forecast.Set, []string, error) {
	var panels [3]*features.Panel
	for i, l := range []features.Level{features.Company, features.Region, features.Team} {
		p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: l, AsOf: asOf})
		if err != nil {
			return nil, nil, err
		}
		panels[i] = p
	}
	sales, err := features.SalesOf(ds, asOf)
	if err != nil {
		return nil, nil, err
	}
	return forecastSet(ctx, setInput{company: panels[0], region: panels[1], team: panels[2], sales: sales, opts: opts})
}

func newSet(company *features.Panel, opts forecast.Options) *forecast.Set {
	members := forecast.DefaultMembers()
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Name()
	}
	asOf := ""
	if last := company.LastComplete(); last >= 0 {
		asOf = datasets.FormatDate(company.Periods[last].End())
	}
	return &forecast.Set{
		Grain: "quarter", Period: 4, AsOf: asOf, Horizon: opts.Horizon, Levels: opts.Levels,
		Members: names, Combine: forecast.DefaultCombine, Origins: 8,
	}
}

// reconcileRegions makes the regions' forecasts add up to the company's (forecast.
// ReconcileTotal: MinT with a shrunk covariance of the one-step backtest errors at the
// quarters every scope was backtested on), re-centres their intervals and recomputes their
// growth. It returns why it did not, or "". Teams are reconciled with their regions after it
// (reconcileTeams).
func reconcileRegions(set *forecast.Set) string {
	co, _ := set.Find(string(features.Company), "")
	if co == nil || co.Forecast == nil {
		return ""
	}
	scopes := []*forecast.Scope{co}
	for i := range set.Scopes {
		if sc := &set.Scopes[i]; sc.Level == string(features.Region) {
			if sc.Forecast == nil {
				return fmt.Sprintf("forecasts not reconciled: region %s has no forecast", sc.ID)
			}
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) < 2 {
		return ""
	}
	// The regions must partition the company's revenue, quarter by quarter.
	sum := map[string]float64{}
	for _, sc := range scopes[1:] {
		for t, p := range sc.Periods {
			sum[p] += sc.History[t]
		}
	}
	for t, p := range co.Periods {
		if d := co.History[t] - sum[p]; math.Abs(d) > 1e-6*math.Max(1, math.Abs(co.History[t])) {
			return fmt.Sprintf("forecasts not reconciled: the regions' revenue in %s (%.2f) is not the company's (%.2f): some revenue has no region", p, sum[p], co.History[t])
		}
	}
	nodes := reconcileInputs(co.Periods, scopes)
	rc, err := forecast.ReconcileTotal(nodes)
	if err != nil {
		return fmt.Sprintf("forecasts not reconciled: %v", err)
	}
	for i, sc := range scopes {
		if err := sc.Forecast.Recentre(rc.Means[i]); err != nil {
			return fmt.Sprintf("forecasts not reconciled: %v", err)
		}
	}
	return ""
}

// companySeasonal is the seasonal shape of the company's revenue (forecast.PoolSeasonal,
// shrunk by its evidence) over its first n complete quarters (all for n < 0), or nil. It
// is lent to every scope of the company — the company itself, its regions and its teams —
// whose own seasonality test finds none: the company's revenue carries the regions' and
// teams' revenue together, so its shape is theirs pooled. On generated companies of the
// pipeline tuning seeds (train/peval.TuningSeeds; go test ./train -run
// PooledSeasonalityEvaluation) it lowered the next quarter's sMAPE of the company from
// 9.23 to 9.05 and of the regions from 16.10 to 16.00 (100 employees), and 4.76 to 3.33
// and 7.27 to 6.13 (2,000 employees).
func companySeasonal(company *features.Panel, n int) *forecast.SeasonalPrior {
	per, vals := revenueSeries(company, "")
	if n >= 0 && n < len(vals) {
		per, vals = per[:n], vals[:n]
	}
	if len(vals) == 0 {
		return nil
	}
	prior, _ := forecast.PoolSeasonal([]forecast.Series{{Values: vals, Period: 4, Start: forecast.PeriodIndex{Year: per[0].Year(), Sub: per[0].Index()}}})
	return prior
}

// revenueSeries returns a scope's revenue over complete periods, from its first positive
// quarter (before it the scope did not sell yet) to the last complete one.
func revenueSeries(p *features.Panel, scope string) ([]datasets.Period, []float64) {
	rev := p.Series(scope, features.ColRevenue)
	last := p.LastComplete()
	first := -1
	for t := 0; t <= last; t++ {
		if rev[t] > 0 {
			first = t
			break
		}
	}
	if first < 0 {
		return nil, nil
	}
	var per []datasets.Period
	var vals []float64
	for t := first; t <= last; t++ {
		if !p.Complete[t] {
			continue
		}
		v := rev[t]
		if math.IsNaN(v) {
			v = 0 // no won deal in a complete quarter: revenue was zero
		}
		per = append(per, p.Periods[t])
		vals = append(vals, v)
	}
	return per, vals
}

func forecastScope(p *features.Panel, scope string, opts forecast.Options) forecast.Scope {
	out := forecast.Scope{Level: string(p.Level), ID: scope}
	per, vals := revenueSeries(p, scope)
	out.History = vals
	out.Excluded = excludedPeriods(p)
	for _, q := range per {
		out.Periods = append(out.Periods, q.String())
	}
	if len(vals) < 2 {
		out.Error = fmt.Sprintf("%d quarters of revenue, need at least 2", len(vals))
		v := forecast.Assess(forecast.Series{Values: vals, Period: 4}, nil)
		out.Verdict = &v
		return out
	}
	s := forecast.Series{Values: vals, Period: 4, Start: forecast.PeriodIndex{Year: per[0].Year(), Sub: per[0].Index()}}
	res, err := forecast.Auto(s, opts)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Forecast = res
	return out
}

// excludedPeriods says which of the panel's periods are left out of every revenue series
// because the data covers only part of them.
func excludedPeriods(p *features.Panel) []string {
	var out []string
	for t, ok := range p.Complete {
		switch {
		case ok:
		case t == 0 && len(p.Complete) > 1:
			out = append(out, fmt.Sprintf("%s left out: revenue starts on %s, after the quarter began, so the quarter is partial", p.Periods[t], datasets.FormatDate(p.FirstRevenue)))
		default:
			out = append(out, fmt.Sprintf("%s left out: in progress (the data runs to %s)", p.Periods[t], datasets.FormatDate(p.AsOf.AddDate(0, 0, -1))))
		}
	}
	return out
}

// forecastMetrics summarizes the backtests: the company's combination sMAPE, MASE and mean
// absolute percentage error one quarter ahead and over all horizons (what the review page
// states), and the regions' mean MASE.
func forecastMetrics(set *forecast.Set) map[string]float64 {
	m := map[string]float64{}
	co, _ := set.Find(string(features.Company), "")
	if co != nil && co.Forecast != nil && len(co.Forecast.Backtest.Accuracy) > 0 {
		acc := co.Forecast.Backtest.Accuracy[0]
		m["smape"], m["mase"] = acc.SMAPE, acc.MASE
		m["mape_h1"], m["mape"] = co.BacktestMAPE()
	}
	sum, n := 0.0, 0
	for _, s := range set.Scopes {
		if s.Level == string(features.Region) && s.Forecast != nil && len(s.Forecast.Backtest.Accuracy) > 0 {
			if v := s.Forecast.Backtest.Accuracy[0].MASE; !math.IsNaN(v) && !math.IsInf(v, 0) {
				sum += v
				n++
			}
		}
	}
	if n > 0 {
		m["region_mase"] = sum / float64(n)
	}
	return m
}

// rescoreForecast backtests the champion's configuration (its members and combination) on
// the company series of this run and returns its MASE.
func rescoreForecast(champion []byte, in *inputs) (float64, error) {
	old, err := forecast.UnmarshalSet(champion)
	if err != nil {
		return 0, err
	}
	var members []forecast.Method
	for _, name := range old.Members {
		m, err := forecast.MethodByName(name)
		if err != nil {
			return 0, err
		}
		members = append(members, m)
	}
	opts := forecast.Options{Horizon: old.Horizon, Levels: old.Levels, Members: members, Combine: old.Combine, Origins: old.Origins,
		Seasonal: companySeasonal(in.company, -1)}
	sc := forecastScope(in.company, "", opts)
	if sc.Forecast == nil || len(sc.Forecast.Backtest.Accuracy) == 0 {
		return 0, fmt.Errorf("no backtest: %s", sc.Error)
	}
	return sc.Forecast.Backtest.Accuracy[0].MASE, nil
}
