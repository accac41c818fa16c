package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/forecast"
)

// steadyCompany makes four years of deals from 2022: about 6 a day, amounts 500–1500,
// times to close exponential with mean 45 days, won 40 % of the time.
func steadyCompany(seed uint64) []Deal {
	r := rand.New(rand.NewPCG(seed, 2))
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	var ds []Deal
	for i := range 4 * 365 {
		c := start.AddDate(0, 0, i)
		for k := range 6 {
			ds = append(ds, Deal{
				ID: fmt.Sprint(i, "-", k), Owner: fmt.Sprint("rep", k), Team: "t", Amount: 500 + 1000*r.Float64(),
				Created: c, Closed: c.Add(time.Duration(r.ExpFloat64()*45*24) * time.Hour), Won: r.Float64() < 0.4,
			})
		}
	}
	return ds
}

// wonByQuarter returns the won revenue of the quarters from 2022Q1 up to (not including)
// the quarter of asOf, and of the quarter itself and the one after.
func wonByQuarter(ds []Deal, asOf time.Time) (hist, next []float64, periods []string) {
	q := datasets.QuarterOf(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	last := datasets.QuarterOf(asOf)
	for ; q.N < last.N+2; q = q.Add(1) {
		v := 0.0
		for _, d := range ds {
			if d.Won && !d.Closed.Before(q.Start()) && d.Closed.Before(q.End()) {
				v += d.Amount
			}
		}
		if q.N < last.N {
			hist = append(hist, v)
			periods = append(periods, q.String())
		} else {
			next = append(next, v)
		}
	}
	return hist, next, periods
}

func forecastCompany(t *testing.T, ds []Deal, asOf time.Time, hist []float64, periods []string) *forecast.Pipeline {
	t.Helper()
	opts := forecast.Options{Horizon: 4, Levels: []float64{80, 95}}
	u, err := forecast.Auto(forecast.Series{Values: hist, Period: 4, Start: forecast.PeriodIndex{Year: 2022, Sub: 1}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Forecast(ds, []Scope{{Deals: ds, Periods: periods, History: hist, Univariate: u, Parent: -1, Choose: true, Options: opts}}, asOf, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0] == nil {
		t.Fatalf("no pipeline forecast: %v", res)
	}
	return res[0]
}

// On a steady company the split adds up, is labelled with the forecast quarters, and the
// pipeline forecast lands near what was won; changing anything on or after the date changes
// nothing.
func TestForecastSplitsAndNeverLooksAhead(t *testing.T) {
	ds := steadyCompany(1)
	asOf := time.Date(2025, 8, 15, 0, 0, 0, 0, time.UTC) // inside 2025Q3
	hist, next, periods := wonByQuarter(ds, asOf)
	p := forecastCompany(t, ds, asOf, hist, periods)
	if len(p.Splits) != 2 || p.Splits[0].Period != "2025Q3" || p.Splits[1].Period != "2025Q4" {
		t.Fatalf("splits %+v, want 2025Q3 and 2025Q4", p.Splits)
	}
	closed := 0.0
	for _, d := range ds {
		if d.Won && !d.Closed.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) && d.Closed.Before(asOf) {
			closed += d.Amount
		}
	}
	if math.Abs(p.Splits[0].Closed-closed) > 1e-6 || p.Splits[1].Closed != 0 {
		t.Errorf("closed %v and %v, want %v won so far and 0", p.Splits[0].Closed, p.Splits[1].Closed, closed)
	}
	for j, sp := range p.Splits {
		if !(sp.Open > 0 && sp.Open < sp.OpenAmount && sp.NotCreated > 0 && sp.OpenDeals > 0) {
			t.Errorf("%s: split %+v, want positive open (below the open amount) and not-yet-created parts", sp.Period, sp)
		}
		if e := math.Abs(sp.Total()-next[j]) / next[j]; e > 0.15 {
			t.Errorf("%s: pipeline forecast %.0f, won %.0f: %.0f %% off", sp.Period, sp.Total(), next[j], 100*e)
		}
		if w := p.Weights[j]; w < 0 || w > 1 {
			t.Errorf("weight %v outside [0, 1]", w)
		}
		if want := p.Weights[j]*sp.Total() + (1-p.Weights[j])*p.Univariate[j]; math.Abs(p.Combined[j]-want) > 1e-6*want {
			t.Errorf("%s: combined %v, want %v", sp.Period, p.Combined[j], want)
		}
	}
	// Open deals this quarter are mostly young; by next quarter the not-yet-created part
	// carries more of the total.
	if s0, s1 := p.Splits[0], p.Splits[1]; !(s1.NotCreated/s1.Total() > s0.NotCreated/s0.Total()) {
		t.Errorf("not-yet-created share %v this quarter, %v next: want it to grow", s0.NotCreated/s0.Total(), s1.NotCreated/s1.Total())
	}
	if len(p.Backtest) < 4 {
		t.Errorf("%d backtest origins, want the last 8 quarter-ends less those without actuals", len(p.Backtest))
	}

	changed := make([]Deal, 0, len(ds)+1)
	for _, d := range ds {
		if !d.Closed.Before(asOf) {
			d.Won = !d.Won
			d.Closed = d.Closed.AddDate(0, 0, 30)
		}
		if !d.Created.Before(asOf) {
			d.Amount *= 10
		}
		changed = append(changed, d)
	}
	changed = append(changed, Deal{Owner: "rep1", Team: "t", Amount: 1e7, Created: asOf.AddDate(0, 0, 1), Closed: asOf.AddDate(0, 0, 2), Won: true})
	q := forecastCompany(t, changed, asOf, hist, periods)
	for j := range p.Splits {
		if p.Splits[j] != q.Splits[j] || p.Combined[j] != q.Combined[j] {
			t.Errorf("%s: %+v before, %+v after changing the future", p.Splits[j].Period, p.Splits[j], q.Splits[j])
		}
	}
}

func TestForecastRejectsBadConfig(t *testing.T) {
	if _, err := Forecast(nil, nil, time.Now(), Config{Horizon: 0, Origins: 8}); err == nil {
		t.Error("horizon 0 accepted")
	}
	if _, err := Forecast(nil, nil, time.Now(), DefaultConfig()); err == nil {
		t.Error("a forecast with no deals succeeded")
	}
}

// ForecastWindow lands near what a steady company won in the next month and quarter, with
// amounts known at creation or only at close, and reads nothing on or after the date.
func TestForecastWindow(t *testing.T) {
	ds := steadyCompany(3)
	asOf := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	// About 70 deals are won a month: a month's won revenue alone varies by some 12 %.
	for _, c := range []struct {
		months int
		tol    float64
	}{{1, 0.25}, {3, 0.1}} {
		months := c.months
		end := asOf.AddDate(0, months, 0)
		actual := 0.0
		for _, d := range ds {
			if d.Won && !d.Closed.Before(asOf) && d.Closed.Before(end) {
				actual += d.Amount
			}
		}
		for _, atClose := range []bool{false, true} {
			w, err := ForecastWindow(ds, asOf, end, atClose)
			if err != nil {
				t.Fatal(err)
			}
			if e := math.Abs(w.Total()-actual) / actual; e > c.tol || !(w.Open > 0 && w.NotCreated > 0) || w.AmountAtClose != atClose {
				t.Errorf("%d months, amounts at close %v: %+v, total %.0f against %.0f won (%.0f %% off)", months, atClose, w, w.Total(), actual, 100*e)
			}
			changed := make([]Deal, len(ds))
			for i, d := range ds {
				if !d.Closed.Before(asOf) {
					d.Won, d.Amount = !d.Won, d.Amount*3
				}
				changed[i] = d
			}
			if w2, _ := ForecastWindow(changed, asOf, end, atClose); atClose && w2 != w {
				t.Errorf("amounts at close: %+v before, %+v after changing outcomes and amounts after the date", w, w2)
			}
		}
	}
	if _, err := ForecastWindow(ds, asOf, asOf, false); err == nil {
		t.Error("an empty window was forecast")
	}
	if _, err := ForecastWindow(ds, time.Date(2022, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC), false); err == nil {
		t.Error("a window with 31 days of history was forecast")
	}
}

// The pipeline forecast stands alone unless the univariate one's backtest is clearly better;
// then the weight comes from the grid.
func TestChooseWeights(t *testing.T) {
	// run builds one Choose scope's backtest: at origins 1…8 the actual is 100 and the
	// pipeline and univariate forecasts are 100 plus the given errors (h1 only).
	run := func(pipeErr, uniErr func(k int) float64) *scopeRun {
		r := &scopeRun{h: 1, splits: make([][]forecast.Split, 9), uni: make([][]float64, 9), actual: make([][]float64, 9)}
		for k := range 9 {
			r.splits[k] = []forecast.Split{{NotCreated: 100 + pipeErr(k)}}
			r.uni[k] = []float64{100 + uniErr(k)}
			r.actual[k] = []float64{100}
		}
		return r
	}
	wobble := func(size float64) func(int) float64 {
		return func(k int) float64 { return size * float64(k%3-1) }
	}
	for _, tc := range []struct {
		name      string
		pipe, uni func(int) float64
		scopes    int
		lo, hi    float64
	}{
		{"pipeline better", wobble(2), wobble(10), 3, 1, 1},
		{"neither clearly better", func(k int) float64 { return 4 + 4*float64(k%2) }, func(int) float64 { return 6 }, 3, 1, 1},
		{"univariate clearly better", func(k int) float64 { return 15 + float64(k%2) }, wobble(1), 3, 0, 0.2},
		{"too few backtest points", wobble(20), wobble(1), 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var scopes []Scope
			var runs []*scopeRun
			for range tc.scopes {
				scopes = append(scopes, Scope{Choose: true})
				runs = append(runs, run(tc.pipe, tc.uni))
			}
			// A scope not marked Choose does not count, however bad the pipeline is there.
			scopes = append(scopes, Scope{})
			runs = append(runs, run(func(int) float64 { return 80 }, wobble(0)))
			w := chooseWeights(scopes, runs, 1)
			if w[0] < tc.lo || w[0] > tc.hi {
				t.Errorf("weight %.2f, want %.2f to %.2f", w[0], tc.lo, tc.hi)
			}
		})
	}
}

// Every backtest origin lies in the first quarter it forecasts, also when the date is the
// last day of a quarter whose month has more days than the month three months before
// (31 December less three months is not 1 October: the origin would see the whole of Q3 and
// "forecast" it from what had already closed).
func TestBacktestOriginsInTheirQuarter(t *testing.T) {
	ds := steadyCompany(3)
	for _, asOf := range []time.Time{
		time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC),
	} {
		hist, _, periods := wonByQuarter(ds, asOf)
		p := forecastCompany(t, ds, asOf, hist, periods)
		if len(p.Backtest) < DefaultConfig().Origins-1 {
			t.Errorf("as of %s: %d backtest origins", datasets.FormatDate(asOf), len(p.Backtest))
		}
		for _, o := range p.Backtest {
			at, err := datasets.ParseDate(o.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			if q := datasets.QuarterOf(at); len(o.Periods) == 0 || o.Periods[0] != q.String() {
				t.Errorf("as of %s: the origin %s (in %s) forecasts %v", datasets.FormatDate(asOf), o.AsOf, q, o.Periods)
			}
		}
	}
}
