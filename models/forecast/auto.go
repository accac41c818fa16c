package forecast

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/growthlens/growthlens/internal/quantile"
)

// Combiner says how the members' point forecasts are combined at each horizon.
type Combiner string

const (
	// CombineMedian takes the median across members (the mean of the middle two for an even
	// count): robust to one member going astray.
	CombineMedian Combiner = "median"
	// CombineMean takes the equal-weight mean.
	CombineMean Combiner = "mean"
)

// Options configures Auto. Zero fields take the defaults of DefaultOptions.
type Options struct {
	// Horizon is the number of periods to forecast (≥ 1).
	Horizon int
	// Levels are the prediction interval levels in percent, each in (0, 100). Default 80, 95.
	Levels []float64
	// Members are the methods combined; default DefaultMembers(). One member gives that
	// method alone, with intervals calibrated the same way.
	Members []Method
	// Combine is the combination rule; default DefaultCombine (the median).
	Combine Combiner
	// Origins is the number of rolling origins of the backtest (the last Origins training
	// lengths, each forecasting up to Horizon steps within the data); default 8.
	Origins int
	// Seasonal is a seasonal shape pooled from related series (PoolSeasonal), or nil. When
	// the series is positive, has a calendar (Series.Start) and its own seasonality test
	// finds none — too short or too noisy — Auto divides it by the shape, forecasts the
	// adjusted series without seasonality and multiplies the forecasts (and the backtest's)
	// back; Result.Seasonal says so. Otherwise it is ignored.
	Seasonal *SeasonalPrior
}

// DefaultLevels are the interval levels reported when none are asked for.
var DefaultLevels = []float64{80, 95}

// DefaultMembers returns the methods Auto combines by default: ETS selected by AICc,
// complex exponential smoothing, the generalised Theta method (4Theta) and ARIMA selected by
// AICc, combined by their median (DefaultCombine: the mean of the middle two). Of the members
// and combinations tried in the rolling-origin validation on the M3 training parts (make
// validate-forecast; see docs/models.md) this one had the lowest mean OWA and beat each of its
// members at every validation origin. It replaced the classic Theta method by 4Theta, which
// lowered the mean validation OWA from 0.854 to 0.848.
func DefaultMembers() []Method { return []Method{ETS, CES, GTheta, ARIMA} }

// DefaultCombine is the combination rule used when Options.Combine is empty.
const DefaultCombine = CombineMedian

// minTrain is the shortest prefix the backtest forecasts from.
const minTrain = 4

func (o Options) withDefaults() Options {
	if len(o.Levels) == 0 {
		o.Levels = DefaultLevels
	}
	if len(o.Members) == 0 {
		o.Members = DefaultMembers()
	}
	if o.Combine == "" {
		o.Combine = DefaultCombine
	}
	if o.Origins == 0 {
		o.Origins = 8
	}
	return o
}

// Validate reports the first invalid option, naming the field and its allowed range.
func (o Options) Validate() error {
	if o.Horizon < 1 {
		return fmt.Errorf("%w: horizon %d, want ≥ 1", ErrHorizon, o.Horizon)
	}
	for _, l := range o.Levels {
		if !(l > 0 && l < 100) {
			return fmt.Errorf("%w: level %v, want 0 < level < 100 (percent)", ErrLevel, l)
		}
	}
	if o.Combine != "" && o.Combine != CombineMedian && o.Combine != CombineMean {
		return fmt.Errorf("combine %q: want %q or %q", o.Combine, CombineMedian, CombineMean)
	}
	if o.Origins < 0 {
		return fmt.Errorf("origins %d: want ≥ 0 (0 for the default)", o.Origins)
	}
	if p := o.Seasonal; p != nil {
		if len(p.Index) != p.Period {
			return fmt.Errorf("%w: seasonal prior of %d factors for period %d", ErrPeriod, len(p.Index), p.Period)
		}
		for _, v := range p.Index {
			if !(v > 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: seasonal prior factor %v, want positive and finite", ErrNonFinite, v)
			}
		}
	}
	return nil
}

// Interval is a prediction interval at one level for every horizon.
type Interval struct {
	Level float64   `json:"level"`
	Lower []float64 `json:"lower"`
	Upper []float64 `json:"upper"`
}

// MemberForecast is one member's own forecast with its own calibrated intervals.
type MemberForecast struct {
	Name      string     `json:"name"`
	Mean      []float64  `json:"mean"`
	Intervals []Interval `json:"intervals"`
}

// Accuracy is a method's accuracy over the backtest: sMAPE and MASE over all origins and
// horizons, each origin's MASE scaled by its own training prefix.
type Accuracy struct {
	Method string  `json:"method"`
	SMAPE  float64 `json:"smape"`
	MASE   float64 `json:"mase"`
	Points int     `json:"points"`
}

// Backtest is the rolling-origin evaluation inside the training data that calibrates the
// intervals.
type Backtest struct {
	// Origins are the training lengths forecast from; Forecasts[i] are the combination's
	// forecasts of y[Origins[i]:], up to the horizon or the end of the data.
	Origins   []int       `json:"origins"`
	Forecasts [][]float64 `json:"forecasts"`
	// Accuracy holds the combination first, then each member.
	Accuracy []Accuracy `json:"accuracy"`
}

// Result is an automatic forecast.
type Result struct {
	// Method names what produced Mean, e.g. "auto(median: damped, ets, theta, dotm)".
	Method string `json:"method"`
	// Mean holds the point forecasts for horizons 1..Horizon.
	Mean []float64 `json:"mean"`
	// Intervals holds one calibrated interval per requested level, in the order asked.
	Intervals []Interval `json:"intervals"`
	// Periods labels the forecast periods when the series had a Start.
	Periods []string `json:"periods,omitempty"`
	// Members holds each member's forecast (absent for a fallback).
	Members []MemberForecast `json:"members,omitempty"`
	// Backtest is the rolling-origin evaluation behind the intervals.
	Backtest Backtest `json:"backtest"`
	// Uncertainty is the calibrated error model behind the intervals.
	Uncertainty Uncertainty `json:"uncertainty"`
	// Fallback says why a simpler method was used, or is empty.
	Fallback string `json:"fallback,omitempty"`
	// BaseMean is the forecast before reconciliation (Recentre), or nil when Mean is the
	// base forecast.
	BaseMean []float64 `json:"base_mean,omitempty"`
	// Seasonal is the pooled seasonal shape the forecast was made with (Options.Seasonal),
	// or nil when the series' own seasonality (or none) was used.
	Seasonal *SeasonalPrior `json:"seasonal_prior,omitempty"`
}

// Auto forecasts s: it fits every member, combines their forecasts, backtests the members
// and the combination from rolling origins inside the data, and calibrates intervals at each
// requested level from the backtest errors (see Uncertainty). It is deterministic.
//
// Errors: ErrPeriod, ErrHorizon, ErrLevel for bad options; ErrTooShort for fewer than 2
// points; ErrNonFinite for NaN or ±Inf values. A constant series gets a flat forecast with
// zero-width intervals; a series with fewer than minTrain+2 points gets the random-walk
// fallback; members that cannot fit the series are left out (an error only if all fail).
func Auto(s Series, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if err := s.Validate(2); err != nil {
		return nil, err
	}
	y, m, h := s.Values, s.Period, opts.Horizon
	var res *Result
	switch {
	case isConstant(y):
		res = constantResult(y, opts)
	case len(y) < minTrain+2:
		res = randomWalkResult(y, opts)
	default:
		var seas []float64
		if opts.Seasonal.applies(s) {
			seas = opts.Seasonal.factors(s.Start, len(y)+h)
		}
		var err error
		res, err = combined(y, m, opts, seas)
		if err != nil {
			return nil, err
		}
		if seas != nil {
			res.Seasonal = opts.Seasonal
			res.Method += " × pooled seasonal shape"
		}
	}
	if s.Start != (PeriodIndex{}) {
		res.Periods = make([]string, h)
		for i := range res.Periods {
			res.Periods[i] = s.Start.Add(len(y)+i, m).String(m)
		}
	}
	return res, nil
}

func constantResult(y []float64, opts Options) *Result {
	f := make([]float64, opts.Horizon)
	for i := range f {
		f[i] = y[0]
	}
	u := Uncertainty{}
	return &Result{
		Method:      "naive",
		Mean:        f,
		Intervals:   u.intervals(f, opts.Levels),
		Uncertainty: u,
		Fallback:    "constant series: flat forecast with zero-width intervals",
	}
}

// randomWalkResult forecasts a series too short to backtest with the last value and
// random-walk intervals whose scale comes from the observed changes.
func randomWalkResult(y []float64, opts Options) *Result {
	f, _ := naiveForecast(y, opts.Horizon)
	var errs []horizonError
	for t := 1; t < len(y); t++ {
		errs = append(errs, horizonError{h: 1, y: y[t], f: y[t-1]})
	}
	u := calibrate(errs, allPositive(y), len(y)-1)
	u.Power = 1 // a random walk's variance grows linearly
	u = u.fit(errs)
	return &Result{
		Method:      "naive",
		Mean:        f,
		Intervals:   u.intervals(f, opts.Levels),
		Uncertainty: u,
		Fallback:    fmt.Sprintf("%d points are too few to backtest: random walk with intervals from the observed changes", len(y)),
	}
}

// memberRun is one member's forecasts on the full data and at every origin.
type memberRun struct {
	method Method
	mean   []float64
	atO    [][]float64 // nil where the member failed at that origin
	ok     bool
}

// combined fits the members, combines them and backtests. With seas (a factor per period of
// the data and the horizon) the members forecast y/seas without seasonality and their
// forecasts are multiplied back.
func combined(y []float64, m int, opts Options, seas []float64) (*Result, error) {
	n, h := len(y), opts.Horizon
	first := max(minTrain, n-opts.Origins)
	var origins []int
	for o := first; o < n; o++ {
		origins = append(origins, o)
	}
	runs := make([]memberRun, len(opts.Members))
	var errs []error
	fitY, fitM := y, m
	if seas != nil {
		fitY, fitM = make([]float64, n), 1
		for t, v := range y {
			fitY[t] = v / seas[t]
		}
	}
	for i, meth := range opts.Members {
		runs[i] = runMember(meth, fitY, fitM, h, origins)
		if seas != nil {
			reseason(&runs[i], seas, n, origins)
		}
		if !runs[i].ok {
			errs = append(errs, fmt.Errorf("%s failed", meth.Name()))
		}
	}
	var live []memberRun
	var names []string
	for _, r := range runs {
		if r.ok {
			live = append(live, r)
			names = append(names, r.method.Name())
		}
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("auto: every member failed: %w", errors.Join(errs...))
	}

	res := &Result{Method: describe(opts, names)}
	means := make([][]float64, len(live))
	for i, r := range live {
		means[i] = r.mean
	}
	res.Mean = combine(means, opts.Combine)

	// The combination at each origin, from the members that forecast there.
	combAt := make([][]float64, len(origins))
	for k := range origins {
		var fs [][]float64
		for _, r := range live {
			if r.atO[k] != nil {
				fs = append(fs, r.atO[k])
			}
		}
		if len(fs) > 0 {
			combAt[k] = combine(fs, opts.Combine)
		}
	}
	positive := allPositive(y)
	u, acc := backtestFit(y, m, origins, combAt, positive, res.Mean)
	acc.Method = "auto"
	res.Uncertainty = u
	res.Intervals = u.intervals(res.Mean, opts.Levels)
	res.Backtest = Backtest{Origins: origins, Forecasts: combAt}
	if len(live) == 1 {
		res.Method = live[0].method.Name()
	} else {
		res.Backtest.Accuracy = []Accuracy{acc}
	}
	for _, r := range live {
		mu, macc := backtestFit(y, m, origins, r.atO, positive, r.mean)
		macc.Method = r.method.Name()
		res.Backtest.Accuracy = append(res.Backtest.Accuracy, macc)
		res.Members = append(res.Members, MemberForecast{Name: r.method.Name(), Mean: r.mean, Intervals: mu.intervals(r.mean, opts.Levels)})
	}
	return res, nil
}

// reseason multiplies a member's forecasts of the adjusted series by the seasonal factors of
// the periods they forecast.
func reseason(r *memberRun, seas []float64, n int, origins []int) {
	for i := range r.mean {
		r.mean[i] *= seas[n+i]
	}
	for k, f := range r.atO {
		for i := range f {
			f[i] *= seas[origins[k]+i]
		}
	}
}

func describe(opts Options, names []string) string {
	return fmt.Sprintf("auto(%s: %s)", opts.Combine, strings.Join(names, ", "))
}

// runMember fits a member to all of y and to every origin's prefix. A member that fails on
// the full data is dropped; one that fails at an origin only misses that origin.
func runMember(meth Method, y []float64, m, h int, origins []int) memberRun {
	r := memberRun{method: meth, atO: make([][]float64, len(origins))}
	var refit refitFunc
	var err error
	if w, ok := meth.(warmMethod); ok {
		r.mean, refit, err = w.forecastWarm(y, m, h)
	} else {
		r.mean, err = meth.Forecast(y, m, h)
	}
	if err != nil || !finite(r.mean) {
		return r
	}
	r.ok = true
	for k, o := range origins {
		hh := min(h, len(y)-o)
		var f []float64
		if refit != nil {
			f, err = refit(y[:o], hh)
		} else {
			f, err = meth.Forecast(y[:o], m, hh)
		}
		if err == nil && finite(f) {
			r.atO[k] = f
		}
	}
	return r
}

func finite(f []float64) bool {
	for _, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Combine merges forecasts of the same length horizon by horizon with the given rule, as
// Auto combines its members. It needs at least one forecast.
func Combine(fs [][]float64, how Combiner) []float64 { return combine(fs, how) }

// combine merges forecasts horizon by horizon.
func combine(fs [][]float64, how Combiner) []float64 {
	h := len(fs[0])
	out := make([]float64, h)
	vals := make([]float64, len(fs))
	for i := range out {
		for j, f := range fs {
			vals[j] = f[i]
		}
		if how == CombineMean {
			s := 0.0
			for _, v := range vals {
				s += v
			}
			out[i] = s / float64(len(vals))
			continue
		}
		sort.Float64s(vals)
		out[i] = quantile.SortedMedian(vals)
	}
	return out
}

// backtestFit scores forecasts made at the origins against the data and calibrates the
// uncertainty model from their errors. final is the forecast the intervals will be put on:
// relative errors need it positive.
func backtestFit(y []float64, m int, origins []int, at [][]float64, positive bool, final []float64) (Uncertainty, Accuracy) {
	var errs []horizonError
	acc := Accuracy{}
	sm, ms := 0.0, 0.0
	for k, o := range origins {
		f := at[k]
		if f == nil {
			continue
		}
		actual := y[o : o+len(f)]
		scale := MASEScale(y[:o], m)
		for i := range f {
			errs = append(errs, horizonError{h: i + 1, y: actual[i], f: f[i]})
			sm += SMAPE(actual[i:i+1], f[i:i+1])
			if scale > 0 {
				ms += math.Abs(actual[i]-f[i]) / scale
			}
			acc.Points++
		}
	}
	if acc.Points > 0 {
		acc.SMAPE = sm / float64(acc.Points)
		acc.MASE = ms / float64(acc.Points)
	}
	relative := positive && allPositive(final)
	for _, e := range errs {
		if !(e.f > 0) {
			relative = false
		}
	}
	return calibrate(errs, relative, countOrigins(at)), acc
}

func countOrigins(at [][]float64) int {
	c := 0
	for _, f := range at {
		if f != nil {
			c++
		}
	}
	return c
}
