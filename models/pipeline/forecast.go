package pipeline

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/forecast"
)

// A scope's revenue in a coming quarter, as of a date T, is forecast in three parts:
//
//   - closed: what the scope has already won in the quarter before T;
//   - open: the expected revenue of the deals open at T (Model.Within, deal by deal);
//   - not yet created: the value of the deals the scope will create between T and the
//     quarter's end — a monthly time series of created value, forecast by forecast.Auto,
//     or a share of the Parent scope's forecast in proportion to recent creation — times the share of such value that closed won inside the
//     same window in the four most recent comparable windows before T and the same window
//     one and two years before (the same days of the year's quarters, shifted back whole
//     quarters; shrunk towards the company's share).
//
// The sum is combined with the scope's univariate forecast, w·pipeline + (1−w)·univariate,
// w per horizon chosen on the rolling-origin backtest of every scope marked Choose (the
// company and its regions): at each of the last Origins quarter-ends before T, both
// forecasts are made again from the data before that date and scored on what followed; the
// pipeline stands alone (w = 1) unless the univariate forecast was clearly better there
// (chooseWeights). The combination's own backtest errors give its error scale per horizon.

// Scope is one scope whose revenue is forecast from its deals.
type Scope struct {
	// Deals are the scope's deals.
	Deals []Deal
	// Periods label History, the scope's revenue in complete quarters (YYYYQn), as the
	// univariate forecast saw it.
	Periods []string
	History []float64
	// Univariate is the scope's univariate forecast of the quarters after History; a scope
	// without one (or without forecast period labels) is skipped.
	Univariate *forecast.Result
	// Parent is the index of an earlier scope whose created-value forecast this one shares
	// in proportion to its recent creation (training: regions share the company's, teams
	// their region's), or −1 for its own.
	Parent int
	// Choose marks the scopes whose backtests choose the combination weights. Their
	// univariate forecasts at the backtest origins are made again from the history before
	// each (forecast.Auto with Options), not taken from the univariate's own backtest, which
	// keeps model choices made on the whole series and scored about 7 % better than such
	// refits on the tuning companies.
	Choose bool
	// Options are the univariate forecast's options (for the refits).
	Options forecast.Options
	// Seasonal, when not nil, gives the pooled seasonal shape (forecast.PoolSeasonal) as
	// estimated from the data before the quarter it is given (YYYYQn); the refits use it in
	// place of Options.Seasonal, so no backtest forecast borrows a shape that saw what it
	// forecasts.
	Seasonal func(before string) *forecast.SeasonalPrior
}

// Config sets the pipeline forecast's horizon and backtest.
type Config struct {
	// Horizon is how many quarters are forecast from the pipeline (default 2).
	Horizon int
	// Origins is the number of earlier quarter-ends the forecast is backtested from
	// (default 8).
	Origins int
}

// DefaultConfig is what training uses.
func DefaultConfig() Config { return Config{Horizon: 2, Origins: 8} }

// Tuning constants, chosen on generated companies of the tuning seeds only (see peval).
const (
	// conversionWindows is how many earlier comparable windows give the share of created
	// value that closes won.
	conversionWindows = 4
	// seasonalWindows adds the same window one and two years earlier (last year's counts
	// twice when it is also among the recent ones): deals created in a Q4 closed inside it
	// more often than others. On the tuning companies it lowered the pipeline's sMAPE h1
	// from 12.64 to 12.54 (seeds 1201–1210) and 12.37 to 12.33 (1211–1240).
	seasonalWindows = 2
	// conversionPrior is the weight, as a share of the company's created value in those
	// windows, of the company's share in a region's or team's.
	conversionPrior = 0.1
	// shareMonths is how many months of creation divide a parent's created value among its
	// children.
	shareMonths = 12
	// minScored is the fewest backtest points a weight or an error scale rests on.
	minScored = 4
	// weightStep is the grid step of the combination weight.
	weightStep = 0.05
	// createdSeasonal lends the monthly created-value series its own seasonal shape. On the
	// tuning companies (seeds 1201–1240 at 100 employees, 1201–1210 at 2,000; the company's
	// value created in the first quarter after each of the last 8 quarter-ends) the mean
	// absolute error of its forecast fell from 7.4 % to 6.1 % and from 2.9 % to 2.7 %, and
	// the value created in Q4 was under-forecast by 5.3 % instead of 11.6 % (100) and 1.6 %
	// instead of 2.6 % (2,000). The backtest forecasts of created value (Auto's own) keep the
	// shape, like the model, chosen on the whole series.
	createdSeasonal = true
	// scaleOrigins is how many of the latest backtest origins give the published forecast's
	// error scale (Near, and its Student-t degrees of freedom). The pipeline forecast gets
	// better as the history grows — it needs a year or two of history before the season of
	// creation and of in-quarter closes shows — so its errors at the oldest origins overstate
	// today's: on the tuning companies at 2,000 employees its Q4 forecasts from 2022 and
	// 2023 fell 11–12 % short, from 2025 1 %. With all 8 origins the 80 % intervals covered
	// 93 % (h1) and 90 % (h2) of the next quarters at 2,000 employees and 81 % and 80 % at
	// 100; with the latest 4 (one year), 88 % and 87 %, and 81 % and 79 % (6: 92 % and 89 %
	// at 2,000).
	scaleOrigins = 4
	// univariateLevel is the one-sided significance level at which the univariate forecast's
	// backtest must beat the pipeline's before the two are combined (chooseWeights).
	univariateLevel = 0.05
)

// Forecast forecasts every scope's first cfg.Horizon quarters from its deals as of asOf and
// combines them with the univariate forecasts. deals are all the company's deals (the model
// is fitted on them); result i belongs to scopes[i] (nil for a skipped scope). Nothing on or
// after asOf is read. The univariate results are not changed: Result.Overlay applies the
// combination.
func Forecast(deals []Deal, scopes []Scope, asOf time.Time, cfg Config) ([]*forecast.Pipeline, error) {
	if cfg.Horizon < 1 || cfg.Origins < 0 {
		return nil, fmt.Errorf("pipeline: horizon %d, origins %d: want ≥ 1 and ≥ 0", cfg.Horizon, cfg.Origins)
	}
	K := cfg.Origins
	origins := make([]time.Time, K+1)
	models := make([]*Model, K+1)
	for k := range origins {
		origins[k] = quartersBack(asOf, k)
		m, err := Fit(deals, origins[k])
		if err != nil {
			if k == 0 {
				return nil, err
			}
			continue // no history that far back: that origin is not scored
		}
		// Won closes' own incidence curve (Aalen–Johansen) rather than win rate × any close:
		// on the tuning companies it scored the combination 1 % better (sMAPE h1, 100
		// employees) and no worse at 2,000.
		m.Competing()
		models[k] = m
	}
	company := &creation{}
	company.counts(deals, origins, cfg.Horizon)

	runs := make([]*scopeRun, len(scopes))
	for i := range scopes {
		sc := &scopes[i]
		r, err := newScopeRun(sc, asOf, cfg)
		if err != nil || r == nil {
			if err != nil {
				return nil, fmt.Errorf("pipeline: scope %d: %w", i, err)
			}
			continue
		}
		var parent *scopeRun
		if sc.Parent >= 0 && sc.Parent < i {
			parent = runs[sc.Parent]
		}
		if err := r.created(sc, parent, origins, cfg); err != nil {
			return nil, fmt.Errorf("pipeline: scope %d: %w", i, err)
		}
		r.forecast(sc, models, origins, company)
		runs[i] = r
	}
	weights := chooseWeights(scopes, runs, cfg.Horizon)
	out := make([]*forecast.Pipeline, len(scopes))
	for i, r := range runs {
		if r != nil {
			out[i] = r.result(asOf, weights)
		}
	}
	return out, nil
}

// scopeRun is one scope's forecasts at every origin.
type scopeRun struct {
	h        int               // horizons forecast
	quarters []datasets.Period // the quarters after T_0
	n        int               // len(History): the univariate's training length at T_0
	// monthly created value: month0 is the first month, values up to the month of T_0
	month0  datasets.Period
	monthly []float64
	fc      *forecast.Result // created-value forecast at T_0 (own), with its backtest
	share   []float64        // for a child scope: its share of the parent's creation at each origin
	parent  *scopeRun
	splits  [][]forecast.Split // [origin][h]
	uni     [][]float64        // univariate forecast [origin][h], NaN when unknown
	actual  [][]float64        // [origin][h], NaN when unknown
}

func newScopeRun(sc *Scope, asOf time.Time, cfg Config) (*scopeRun, error) {
	u := sc.Univariate
	if u == nil || len(u.Periods) == 0 || len(sc.Periods) == 0 {
		return nil, nil
	}
	h := min(cfg.Horizon, len(u.Periods))
	r := &scopeRun{h: h, n: len(sc.History)}
	for i := range h {
		q, err := datasets.ParseQuarter(u.Periods[i])
		if err != nil {
			return nil, err
		}
		r.quarters = append(r.quarters, q)
	}
	if asOf.Before(r.quarters[0].Start()) || !r.quarters[0].End().After(asOf) {
		return nil, fmt.Errorf("the first forecast quarter %s does not hold the date %s", r.quarters[0], datasets.FormatDate(asOf))
	}
	K := cfg.Origins
	r.splits = make([][]forecast.Split, K+1)
	r.uni = make([][]float64, K+1)
	r.actual = make([][]float64, K+1)
	for k := range K + 1 {
		r.uni[k] = nanSlice(h)
		r.actual[k] = nanSlice(h)
		for j := range h {
			t := r.n - k + j // index into History of the quarter forecast at horizon j+1
			if k == 0 {
				r.uni[0][j] = u.Mean[j]
				continue
			}
			if t >= 0 && t < r.n {
				r.actual[k][j] = sc.History[t]
			}
		}
		if k == 0 {
			continue
		}
		if sc.Choose {
			if o := r.n - k; o >= 2 {
				opts := sc.Options
				opts.Horizon = h
				if sc.Seasonal != nil {
					opts.Seasonal = sc.Seasonal(sc.Periods[o])
				}
				q0, err := datasets.ParseQuarter(sc.Periods[0])
				if err != nil {
					return nil, err
				}
				s := forecast.Series{Values: sc.History[:o], Period: 4, Start: forecast.PeriodIndex{Year: q0.Year(), Sub: q0.Index()}}
				if f, err := forecast.Auto(s, opts); err == nil {
					copy(r.uni[k], f.Mean)
				}
			}
			continue
		}
		// The univariate backtest forecast from training length n−k.
		for i, o := range u.Backtest.Origins {
			if o == r.n-k {
				for j := range min(h, len(u.Backtest.Forecasts[i])) {
					r.uni[k][j] = u.Backtest.Forecasts[i][j]
				}
			}
		}
	}
	return r, nil
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// created builds the scope's monthly created-value series from the start of its first
// quarter to the month of T_0, and forecasts it (a scope with a parent takes the parent's
// forecast times its share of recent creation).
func (r *scopeRun) created(sc *Scope, parent *scopeRun, origins []time.Time, cfg Config) error {
	q0, err := datasets.ParseQuarter(sc.Periods[0])
	if err != nil {
		return err
	}
	r.month0 = datasets.MonthOf(q0.Start())
	L := datasets.MonthOf(origins[0]).N - r.month0.N // complete months before T_0's month
	if L < 1 {
		return fmt.Errorf("no complete month of deals before %s", datasets.FormatDate(origins[0]))
	}
	r.monthly = make([]float64, L)
	for _, d := range sc.Deals {
		if t := datasets.MonthOf(d.Created).N - r.month0.N; t >= 0 && t < L {
			r.monthly[t] += d.Amount
		}
	}
	if parent != nil && parent.month0.N <= r.month0.N {
		r.parent = parent
		r.share = make([]float64, len(origins))
		for k, T := range origins {
			end := datasets.MonthOf(T).N // months before T's month
			own, all := 0.0, 0.0
			for m := end - shareMonths; m < end; m++ {
				if i := m - r.month0.N; i >= 0 && i < len(r.monthly) {
					own += r.monthly[i]
				}
				if i := m - parent.month0.N; i >= 0 && i < len(parent.monthly) {
					all += parent.monthly[i]
				}
			}
			if all > 0 {
				r.share[k] = own / all
			}
		}
		return nil
	}
	// Months to forecast: from T_0's month to the end of the last quarter.
	hm := datasets.MonthOf(r.quarters[len(r.quarters)-1].End().AddDate(0, 0, -1)).N - datasets.MonthOf(origins[0]).N + 1
	s := forecast.Series{Values: r.monthly, Period: 12, Start: forecast.PeriodIndex{Year: r.month0.Year(), Sub: r.month0.Index()}}
	// The series' own seasonal shape, shrunk by its evidence (forecast.PoolSeasonal), for
	// when the members' seasonality test finds none: a monthly series of created value is
	// too noisy for it, and the forecast missed the Q4 rise in creation (see
	// createdSeasonal).
	var shape *forecast.SeasonalPrior
	if createdSeasonal {
		shape, _ = forecast.PoolSeasonal([]forecast.Series{s})
	}
	fc, err := forecast.Auto(s, forecast.Options{Horizon: hm, Origins: 3 * cfg.Origins, Seasonal: shape})
	if err != nil {
		return fmt.Errorf("created value: %w", err)
	}
	r.fc = fc
	return nil
}

// createdForecast returns the forecast, made at origin k, of the value created in month m
// (an absolute month number), or NaN when there is none.
func (r *scopeRun) createdForecast(k int, m int) float64 {
	if r.parent != nil {
		return r.share[k] * r.parent.createdForecast(k, m)
	}
	L := len(r.monthly)
	if k == 0 {
		if i := m - r.month0.N - L; i >= 0 && i < len(r.fc.Mean) {
			return math.Max(0, r.fc.Mean[i])
		}
		return math.NaN()
	}
	o := L - 3*k // training length at origin k
	bt := r.fc.Backtest
	for i, oi := range bt.Origins {
		if oi == o {
			if j := m - r.month0.N - o; j >= 0 && j < len(bt.Forecasts[i]) {
				return math.Max(0, bt.Forecasts[i][j])
			}
		}
	}
	return math.NaN()
}

// createdBetween is the forecast at origin k of the value created in [a, b), months
// pro-rated by their days.
func (r *scopeRun) createdBetween(k int, a, b time.Time) float64 {
	sum := 0.0
	for m := datasets.MonthOf(a); m.Start().Before(b); m = m.Add(1) {
		lo, hi := maxTime(a, m.Start()), minTime(b, m.End())
		if !hi.After(lo) {
			continue
		}
		sum += r.createdForecast(k, m.N) * hi.Sub(lo).Hours() / m.End().Sub(m.Start()).Hours()
	}
	return sum
}

// forecast computes the splits at every origin.
func (r *scopeRun) forecast(sc *Scope, models []*Model, origins []time.Time, company *creation) {
	for k, T := range origins {
		m := models[k]
		if m == nil {
			continue
		}
		splits := make([]forecast.Split, r.h)
		for j := range r.h {
			q := r.quarters[j].Add(-k)
			qs := q.Start()
			a, b := maxTime(qs, T), q.End()
			sp := forecast.Split{Period: q.String()}
			from, to := a.Sub(T).Hours()/24, b.Sub(T).Hours()/24
			for _, d := range sc.Deals {
				if d.Won && !d.Closed.Before(qs) && d.Closed.Before(T) {
					sp.Closed += d.Amount
				}
				if p := m.Within(d, from, to); p > 0 && d.Amount > 0 {
					sp.Open += p * d.Amount
					sp.OpenDeals++
					sp.OpenAmount += d.Amount
				}
			}
			num, den := conversion(sc.Deals, T, a, b)
			cn, cd := company.ratio[k][j][0], company.ratio[k][j][1]
			if prior := conversionPrior * cd; den+prior > 0 && cd > 0 {
				rate := (num + prior*cn/cd) / (den + prior)
				sp.NotCreated = rate * r.createdBetween(k, T, b)
			}
			if math.IsNaN(sp.NotCreated) {
				splits = nil
				break
			}
			splits[j] = sp
		}
		r.splits[k] = splits
	}
}

// creation holds the company's conversion counts per origin and horizon (numerator and
// denominator), the prior of every scope's.
type creation struct {
	ratio [][][2]float64
}

func (c *creation) counts(deals []Deal, origins []time.Time, horizon int) {
	c.ratio = make([][][2]float64, len(origins))
	for k, T := range origins {
		c.ratio[k] = make([][2]float64, horizon)
		q1 := datasets.QuarterOf(T)
		for j := range horizon {
			q := q1.Add(j)
			num, den := conversion(deals, T, maxTime(q.Start(), T), q.End())
			c.ratio[k][j] = [2]float64{num, den}
		}
	}
}

// conversion returns, over the conversionWindows most recent windows like [T, b) shifted
// back whole quarters that ended by T, and the same window shifted back one and two years
// (seasonalWindows), the value won in the shifted [a, b) by deals created in the shifted
// [T, b) (num), and the value created there (den).
func conversion(deals []Deal, T, a, b time.Time) (num, den float64) {
	first := 1
	for b.AddDate(0, -3*first, 0).After(T) {
		first++
	}
	type win struct{ t, a, b time.Time }
	var shifts []int
	for i := range conversionWindows {
		shifts = append(shifts, first+i)
	}
	for y := 1; y <= seasonalWindows; y++ {
		if s := 4 * y; s >= first {
			shifts = append(shifts, s)
		}
	}
	ws := make([]win, len(shifts))
	for i, sh := range shifts {
		ws[i] = win{quartersBack(T, sh), quartersBack(a, sh), quartersBack(b, sh)}
	}
	for _, d := range deals {
		for _, w := range ws {
			if d.Created.Before(w.t) || !d.Created.Before(w.b) {
				continue
			}
			den += d.Amount
			if d.Won && !d.Closed.Before(w.a) && d.Closed.Before(w.b) {
				num += d.Amount
			}
		}
	}
	return num, den
}

// chooseWeights returns, per horizon, the weight of the pipeline forecast in the
// combination, from the backtests of the Choose scopes (0 when they hold fewer than
// minScored points). The pipeline forecast carries what the univariate one knows of the
// run-rate business (its value not yet created is itself a time-series forecast) and the
// open deals besides, so it stands alone (weight 1) unless the univariate forecast's
// backtest is clearly better: a one-sided paired t-test at univariateLevel on the
// per-origin means of |pipeline error| − |univariate error| (relative errors; an origin's
// scopes share its quarter, so the origins, not the points, are the independent draws).
// Only then is the weight chosen on a grid, minimising the combination's mean absolute
// percentage error.
//
// Choosing the weight on the grid every time, as before, fell short of the pipeline alone
// on the tuning companies (sMAPE h1 over the company and its regions, seeds 1201–1240 at
// 100 employees and 1201–1210 at 2,000, the combination before reconciliation: 12.44
// against 12.38, and 4.50 against 4.09); so did the other weights tried: squared-error
// grid, inverse mean squared or absolute errors, the Bates–Granger weight with the errors'
// covariance, and each on the 2 or 4 latest origins only (12.29–12.81 and 4.29–4.50). The
// backtest starts 8 quarters back, where the pipeline has less history to learn the season
// from, and with 8 origins the estimated weight is noisy. With the test the grid was used
// at 5 of 320 origins (100 employees) and none of 80 (2,000), h1 12.37 and 4.09.
func chooseWeights(scopes []Scope, runs []*scopeRun, horizon int) []float64 {
	w := make([]float64, horizon)
	for j := range horizon {
		type pt struct{ y, p, u float64 }
		var pts []pt
		diff := map[int][]float64{} // origin → |pipeline error| − |univariate error|
		for i, r := range runs {
			if r == nil || !scopes[i].Choose || j >= r.h {
				continue
			}
			for k := 1; k < len(r.splits); k++ {
				if r.splits[k] == nil {
					continue
				}
				y, u := r.actual[k][j], r.uni[k][j]
				if math.IsNaN(y) || math.IsNaN(u) || !(y > 0) {
					continue
				}
				p := r.splits[k][j].Total()
				pts = append(pts, pt{y, p, u})
				diff[k] = append(diff[k], (math.Abs(y-p)-math.Abs(y-u))/y)
			}
		}
		if len(pts) < minScored {
			continue
		}
		w[j] = 1
		if !univariateBetter(diff) {
			continue
		}
		best, bestLoss := 0.0, math.Inf(1)
		for s := 0; s <= int(math.Round(1/weightStep)); s++ {
			x := float64(s) * weightStep
			loss := 0.0
			for _, p := range pts {
				loss += math.Abs(p.y-(x*p.p+(1-x)*p.u)) / p.y
			}
			if loss < bestLoss-1e-12 {
				best, bestLoss = x, loss
			}
		}
		w[j] = best
	}
	return w
}

// univariateBetter reports whether the per-origin mean differences |pipeline error| −
// |univariate error| are positive at the one-sided level univariateLevel (Student-t with
// one degree of freedom fewer than the origins; at least 2 origins).
func univariateBetter(diff map[int][]float64) bool {
	var d []float64
	for _, v := range diff {
		d = append(d, stat.Mean(v, nil))
	}
	n := float64(len(d))
	if n < 2 {
		return false
	}
	m, sd := stat.MeanStdDev(d, nil)
	if sd == 0 {
		return m > 0
	}
	t := m / (sd / math.Sqrt(n))
	return t > distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1-univariateLevel)
}

// result assembles the scope's forecast at T_0 and its backtest.
func (r *scopeRun) result(asOf time.Time, weights []float64) *forecast.Pipeline {
	if r.splits[0] == nil {
		return nil
	}
	p := &forecast.Pipeline{AsOf: datasets.FormatDate(asOf), Splits: r.splits[0], Univariate: r.uni[0][:r.h:r.h],
		Weights: weights[:r.h:r.h], Near: make([]float64, r.h), PipelineNear: make([]float64, r.h)}
	comb := func(k, j int) float64 {
		return weights[j]*r.splits[k][j].Total() + (1-weights[j])*r.uni[k][j]
	}
	for j := range r.h {
		p.Combined = append(p.Combined, comb(0, j))
	}
	var ce, pe [][]float64 = make([][]float64, r.h), make([][]float64, r.h)
	for k := 1; k < len(r.splits); k++ {
		if r.splits[k] == nil {
			continue
		}
		o := forecast.PipelineOrigin{AsOf: datasets.FormatDate(quartersBack(asOf, k))}
		for j := range r.h {
			y, u := r.actual[k][j], r.uni[k][j]
			if math.IsNaN(y) || math.IsNaN(u) {
				continue
			}
			pf, cf := r.splits[k][j].Total(), comb(k, j)
			o.Periods = append(o.Periods, r.splits[k][j].Period)
			o.Actual = append(o.Actual, y)
			o.Univariate = append(o.Univariate, u)
			o.Pipeline = append(o.Pipeline, pf)
			o.Combined = append(o.Combined, cf)
			if cf > 0 {
				ce[j] = append(ce[j], (y-cf)/cf)
			}
			if pf > 0 {
				pe[j] = append(pe[j], (y-pf)/pf)
			}
		}
		if len(o.Actual) > 0 {
			p.Backtest = append(p.Backtest, o)
		}
	}
	for j := range r.h {
		p.Near[j], p.PipelineNear[j] = rms(latest(ce[j])), rms(latest(pe[j]))
		if n := len(latest(ce[j])); p.Near[j] > 0 && (p.NearErrors == 0 || n < p.NearErrors) {
			p.NearErrors = n
		}
	}
	return p
}

// latest returns the errors of the scaleOrigins latest origins (e is newest first).
func latest(e []float64) []float64 { return e[:min(len(e), scaleOrigins)] }

// rms is the root mean square of e, or 0 with fewer than minScored values.
func rms(e []float64) float64 {
	if len(e) < minScored {
		return 0
	}
	s := 0.0
	for _, v := range e {
		s += v * v
	}
	return math.Sqrt(s / float64(len(e)))
}

// quartersBack returns t moved back k quarters to the same day of the month, or to the
// month's last day when it is shorter: 31 December less one quarter is 30 September, where
// time.AddDate would give 1 October, in the quarter after the one the origin forecasts.
func quartersBack(t time.Time, k int) time.Time {
	s := t.AddDate(0, -3*k, 0)
	if s.Day() != t.Day() {
		s = s.AddDate(0, 0, -s.Day())
	}
	return s
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
