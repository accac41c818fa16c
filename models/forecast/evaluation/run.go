package evaluation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/growthlens/growthlens/models/forecast"
)

// Options configures Run.
type Options struct {
	// Method is "auto" (the default) for the Auto combination, or a name forecast.MethodByName
	// knows, run alone with intervals calibrated the same way.
	Method string
	// Levels are the interval levels in percent; default 80 and 95.
	Levels []float64
	// Members and Combine override the Auto combination's members and rule when Method is
	// "auto" (design studies); nil and "" keep forecast's defaults.
	Members []forecast.Method
	Combine forecast.Combiner
	// Workers is the number of series forecast at once; default GOMAXPROCS.
	Workers int
}

// Forecast is what a method predicted for one series: point forecasts and intervals.
type Forecast struct {
	Mean      []float64
	Intervals []forecast.Interval
}

// Metrics are a method's scores over all series, M4 style: sMAPE and MASE averaged over
// series (each the mean over its horizons), OWA relative to Naive2 on the same series,
// coverage as the share of all test points inside the interval, MSIS averaged over series.
type Metrics struct {
	SMAPE    float64
	MASE     float64
	OWA      float64
	Coverage map[float64]float64 // level → share of test points covered
	// MSIS is at MSISLevel: 95 when asked for, else the highest level.
	MSIS      float64
	MSISLevel float64
}

// Failure is a series that could not be forecast.
type Failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Report is the outcome of an evaluation.
type Report struct {
	Method  string
	Series  int
	Horizon int // the test length, the longest one if they differ
	Metrics
	Naive2 Metrics
	// Seconds is the wall time spent forecasting (not reading files or scoring).
	Seconds float64
	// PerMethod holds the same metrics for each member of the combination, in member order.
	PerMethod []Named
	// Backtest is the mean accuracy of the rolling-origin backtest inside the training
	// parts that calibrates the intervals, for the combination and each member. Members are
	// refitted at every origin but keep the model form (ETS components, ARIMA orders) chosen
	// on all training data, which flatters the selecting members a little; the design study
	// (make validate-forecast) refits everything from scratch.
	Backtest []forecast.Accuracy
	Failed   []Failure
}

// Named pairs a method name with its metrics.
type Named struct {
	Name string
	Metrics
}

// Run forecasts every case from its training values with opts.Method and scores the
// forecasts on the test values. Series that fail are listed in Report.Failed and left out of
// the metrics.
func Run(cases []Case, opts Options) (*Report, error) {
	if opts.Method == "" {
		opts.Method = "auto"
	}
	if len(opts.Levels) == 0 {
		opts.Levels = forecast.DefaultLevels
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	members := opts.Members
	if opts.Method != "auto" {
		m, err := forecast.MethodByName(opts.Method)
		if err != nil {
			return nil, err
		}
		members = []forecast.Method{m}
	}
	if err := (forecast.Options{Horizon: 1, Levels: opts.Levels}).Validate(); err != nil {
		return nil, err
	}

	results := make([]*forecast.Result, len(cases))
	errs := make([]error, len(cases))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c := cases[i]
				results[i], errs[i] = forecast.Auto(c.Train, forecast.Options{Horizon: len(c.Test), Levels: opts.Levels, Members: members, Combine: opts.Combine})
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	seconds := time.Since(start).Seconds()

	var ok []Case
	var main []Forecast
	perMember := map[string][]Forecast{}
	var memberOrder []string
	valid := map[string][]forecast.Accuracy{}
	var validOrder []string
	rep := &Report{Method: opts.Method, Seconds: seconds}
	for i, c := range cases {
		if errs[i] != nil {
			rep.Failed = append(rep.Failed, Failure{ID: c.ID, Error: errs[i].Error()})
			continue
		}
		r := results[i]
		ok = append(ok, c)
		main = append(main, Forecast{Mean: r.Mean, Intervals: r.Intervals})
		for _, m := range r.Members {
			if _, seen := perMember[m.Name]; !seen {
				memberOrder = append(memberOrder, m.Name)
			}
			perMember[m.Name] = append(perMember[m.Name], Forecast{Mean: m.Mean, Intervals: m.Intervals})
		}
		for _, a := range r.Backtest.Accuracy {
			if _, seen := valid[a.Method]; !seen {
				validOrder = append(validOrder, a.Method)
			}
			valid[a.Method] = append(valid[a.Method], a)
		}
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("evaluate: no series could be forecast (first error: %s)", rep.Failed[0].Error)
	}
	scored, err := Score(ok, main, opts.Levels)
	if err != nil {
		return nil, err
	}
	rep.Series, rep.Horizon, rep.Metrics, rep.Naive2 = scored.Series, scored.Horizon, scored.Metrics, scored.Naive2
	if opts.Method == "auto" {
		for _, name := range memberOrder {
			fs := perMember[name]
			if len(fs) != len(ok) { // a member that failed on some series is scored where it ran
				continue
			}
			s, err := Score(ok, fs, opts.Levels)
			if err != nil {
				return nil, err
			}
			rep.PerMethod = append(rep.PerMethod, Named{Name: name, Metrics: s.Metrics})
		}
	} else {
		rep.PerMethod = []Named{{Name: opts.Method, Metrics: rep.Metrics}}
	}
	for _, name := range validOrder {
		acc := forecast.Accuracy{Method: name}
		k := 0
		for _, a := range valid[name] {
			if a.Points == 0 || math.IsNaN(a.MASE) || math.IsInf(a.MASE, 0) {
				continue
			}
			acc.SMAPE += a.SMAPE
			acc.MASE += a.MASE
			acc.Points += a.Points
			k++
		}
		if k > 0 {
			acc.SMAPE /= float64(k)
			acc.MASE /= float64(k)
		}
		rep.Backtest = append(rep.Backtest, acc)
	}
	return rep, nil
}

// Scored is the outcome of Score.
type Scored struct {
	Series, Horizon int
	Metrics         Metrics
	Naive2          Metrics
}

// Score scores forecasts made elsewhere (fs[i] for cases[i]) on the test values; OWA is
// relative to forecast.Naive2 run on the same training data. Intervals at levels not listed
// are ignored; listed levels a forecast lacks are an error.
func Score(cases []Case, fs []Forecast, levels []float64) (*Scored, error) {
	if len(cases) != len(fs) {
		return nil, fmt.Errorf("score: %d cases but %d forecasts", len(cases), len(fs))
	}
	msisLevel := 0.0
	for _, l := range levels {
		if l == 95 {
			msisLevel = 95
			break
		}
		msisLevel = math.Max(msisLevel, l)
	}
	out := &Scored{Series: len(cases)}
	out.Metrics.Coverage = map[float64]float64{}
	out.Metrics.MSISLevel = msisLevel
	var sm, ms, sm2, ms2, msis float64
	covered := map[float64]int{}
	points := 0
	for i, c := range cases {
		f := fs[i]
		h := len(c.Test)
		out.Horizon = max(out.Horizon, h)
		if len(f.Mean) != h {
			return nil, fmt.Errorf("score: series %s: %d forecasts for %d test values", c.ID, len(f.Mean), h)
		}
		y := c.Train.Values
		sm += forecast.SMAPE(c.Test, f.Mean)
		ms += forecast.MASE(y, c.Test, f.Mean, c.Train.Period)
		n2, err := forecast.Naive2.Forecast(y, c.Train.Period, h)
		if err != nil {
			return nil, fmt.Errorf("score: series %s: naive2: %w", c.ID, err)
		}
		sm2 += forecast.SMAPE(c.Test, n2)
		ms2 += forecast.MASE(y, c.Test, n2, c.Train.Period)
		points += h
		for _, l := range levels {
			iv, ok := intervalAt(f.Intervals, l)
			if !ok {
				return nil, fmt.Errorf("score: series %s: no %v%% interval", c.ID, l)
			}
			for j, v := range c.Test {
				if v >= iv.Lower[j] && v <= iv.Upper[j] {
					covered[l]++
				}
			}
			if l == msisLevel {
				msis += forecast.MSIS(y, c.Test, iv.Lower, iv.Upper, l, c.Train.Period)
			}
		}
	}
	n := float64(len(cases))
	out.Metrics.SMAPE, out.Metrics.MASE, out.Metrics.MSIS = sm/n, ms/n, msis/n
	out.Naive2 = Metrics{SMAPE: sm2 / n, MASE: ms2 / n, OWA: 1}
	out.Metrics.OWA = forecast.OWA(out.Metrics.SMAPE, out.Metrics.MASE, out.Naive2.SMAPE, out.Naive2.MASE)
	for _, l := range levels {
		out.Metrics.Coverage[l] = float64(covered[l]) / float64(points)
	}
	return out, nil
}

func intervalAt(ivs []forecast.Interval, level float64) (forecast.Interval, bool) {
	for _, iv := range ivs {
		if iv.Level == level {
			return iv, true
		}
	}
	return forecast.Interval{}, false
}

// appendMetrics writes the metric fields of m into an open JSON object in a fixed order:
// smape, mase, owa, coverage<level> for each level, msis.
func appendMetrics(b *bytes.Buffer, m Metrics) {
	fmt.Fprintf(b, `"smape":%s,"mase":%s,"owa":%s`, num(m.SMAPE), num(m.MASE), num(m.OWA))
	levels := make([]float64, 0, len(m.Coverage))
	for l := range m.Coverage {
		levels = append(levels, l)
	}
	sort.Float64s(levels)
	for _, l := range levels {
		fmt.Fprintf(b, `,"coverage%s":%s`, strconv.FormatFloat(l, 'f', -1, 64), num(m.Coverage[l]))
	}
	if m.MSISLevel > 0 {
		fmt.Fprintf(b, `,"msis":%s,"msis_level":%s`, num(m.MSIS), num(m.MSISLevel))
	}
}

// num formats a metric with 4 decimals; non-finite values become null.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// MarshalJSON writes the report as one object with a fixed key order: series, horizon,
// method, smape, mase, owa, coverage80, coverage95 (one key per level), msis, msis_level,
// seconds, seconds_per_series, naive2, per_method, backtest, failed.
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"series":%d,"horizon":%d,"method":%q,`, r.Series, r.Horizon, r.Method)
	appendMetrics(&b, r.Metrics)
	perSeries := 0.0
	if total := r.Series + len(r.Failed); total > 0 {
		perSeries = r.Seconds / float64(total)
	}
	fmt.Fprintf(&b, `,"seconds":%s,"seconds_per_series":%s`, strconv.FormatFloat(r.Seconds, 'f', 3, 64), strconv.FormatFloat(perSeries, 'g', 4, 64))
	fmt.Fprintf(&b, `,"naive2":{"smape":%s,"mase":%s}`, num(r.Naive2.SMAPE), num(r.Naive2.MASE))
	b.WriteString(`,"per_method":{`)
	for i, m := range r.PerMethod {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%q:{`, m.Name)
		appendMetrics(&b, m.Metrics)
		b.WriteByte('}')
	}
	b.WriteString(`},"backtest":{`)
	for i, a := range r.Backtest {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%q:{"smape":%s,"mase":%s,"points":%d}`, a.Method, num(a.SMAPE), num(a.MASE), a.Points)
	}
	b.WriteString(`},"failed":`)
	failed := r.Failed
	if failed == nil {
		failed = []Failure{}
	}
	fb, err := json.Marshal(failed)
	if err != nil {
		return nil, err
	}
	b.Write(fb)
	b.WriteByte('}')
	return b.Bytes(), nil
}
