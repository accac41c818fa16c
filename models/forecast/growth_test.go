package forecast

import (
	"math"
	"slices"
	"testing"

	"github.com/growthlens/growthlens/internal/quantile"
)

func TestGrowthPointRates(t *testing.T) {
	y := quarterly(24)
	s := Series{Values: y, Period: 4, Start: PeriodIndex{Year: 2019, Sub: 1}}
	r, err := Auto(s, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Growth(s, r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(y)
	for h := 0; h < 6; h++ {
		prev := y[n-1]
		if h > 0 {
			prev = r.Mean[h-1]
		}
		yearAgo := 0.0
		if h < 4 {
			yearAgo = y[n-4+h]
		} else {
			yearAgo = r.Mean[h-4]
		}
		if want := r.Mean[h]/prev - 1; math.Abs(g.PoP[h].Mean-want) > 1e-12 {
			t.Errorf("PoP h=%d: %v, want %v", h+1, g.PoP[h].Mean, want)
		}
		if want := r.Mean[h]/yearAgo - 1; math.Abs(g.YoY[h].Mean-want) > 1e-12 {
			t.Errorf("YoY h=%d: %v, want %v", h+1, g.YoY[h].Mean, want)
		}
		for _, rate := range []Rate{g.PoP[h], g.YoY[h]} {
			if !rate.Defined || len(rate.Intervals) != 2 {
				t.Fatalf("h=%d: rate %+v, want defined with 2 intervals", h+1, rate)
			}
			i80, i95 := rate.Intervals[0], rate.Intervals[1]
			if !(i80.Lower <= rate.Mean && rate.Mean <= i80.Upper && i95.Lower <= i80.Lower && i80.Upper <= i95.Upper) {
				t.Errorf("h=%d: intervals %+v do not nest around %v", h+1, rate.Intervals, rate.Mean)
			}
		}
		if g.PoP[h].Period != r.Periods[h] {
			t.Errorf("period label %q, want %q", g.PoP[h].Period, r.Periods[h])
		}
	}
	// Year-on-year uncertainty grows until one year ahead and is flat after.
	w := func(h int) float64 { return g.YoY[h].Intervals[0].Upper - g.YoY[h].Intervals[0].Lower }
	if !(w(3) > w(0)) {
		t.Errorf("YoY interval at h=4 (%v) not wider than at h=1 (%v)", w(3), w(0))
	}
}

func TestGrowthUndefinedBase(t *testing.T) {
	y := []float64{5, 3, 0, 4, 6, 5, 7, 1, 8, 7, 9, 6}
	tests := []struct {
		name        string
		zeroAt      int // index set to 0, the base of YoY h=1 when len(y)−4
		wantDefined bool
	}{
		{"positive base", -1, true},
		{"zero base", len(y) - 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := append([]float64(nil), y...)
			if tt.zeroAt >= 0 {
				v[tt.zeroAt] = 0
			}
			s := Series{Values: v, Period: 4}
			r, err := Auto(s, Options{Horizon: 5})
			if err != nil {
				t.Fatal(err)
			}
			g, err := Growth(s, r)
			if err != nil {
				t.Fatal(err)
			}
			if g.YoY[0].Defined != tt.wantDefined {
				t.Errorf("YoY h=1 defined = %v, want %v (%+v)", g.YoY[0].Defined, tt.wantDefined, g.YoY[0])
			}
			if !g.PoP[0].Defined { // the last value, 6, is a positive base
				t.Errorf("PoP h=1 undefined")
			}
		})
	}
	if _, err := Growth(Series{Values: y, Period: 4}, nil); err == nil {
		t.Error("Growth(nil result) returned no error")
	}
}

// The simulated paths' quantiles at each horizon are the level intervals (which are computed
// in closed form), within Monte Carlo error: growth and level intervals come from one model.
func TestSimulatedPathsMatchLevelIntervals(t *testing.T) {
	y := quarterly(24)
	for _, u := range []Uncertainty{
		{Relative: true, Scale: 0.06, Power: calPower, DF: 3.2, Inflation: 1},
		{Relative: false, Scale: 40, Power: 1, DF: 12, Inflation: 1},
		// The first two horizons from the pipeline combination, with their own scales and
		// degrees of freedom.
		{Relative: true, Scale: 0.06, Power: calPower, DF: 3.2, Inflation: 1, Near: []float64{0.05, 0.07}, NearDF: 8},
	} {
		f := []float64{y[23] * 1.01, y[23] * 1.02, y[23] * 1.03, y[23] * 1.04, y[23] * 1.05}
		ivs := u.intervals(f, []float64{80, 95})
		paths := u.simulate(f, 20000, 1)
		for h := range f {
			col := make([]float64, len(paths))
			for p := range paths {
				col[p] = paths[p][h]
			}
			slices.Sort(col)
			for _, iv := range ivs {
				a := (1 - iv.Level/100) / 2
				lo, hi := quantile.Sorted(col, a), quantile.Sorted(col, 1-a)
				tol := 0.04 * (iv.Upper[h] - iv.Lower[h])
				if math.Abs(lo-iv.Lower[h]) > tol || math.Abs(hi-iv.Upper[h]) > tol {
					t.Errorf("%+v h=%d level %v: simulated [%.1f, %.1f], closed form [%.1f, %.1f]", u, h+1, iv.Level, lo, hi, iv.Lower[h], iv.Upper[h])
				}
			}
		}
	}
}

// A short history (the random-walk fallback) gets growth intervals of non-zero width at every
// horizon, QoQ and YoY, nested around nothing narrower than the level interval allows — the
// Maven case once printed YoY +147 % [147 %, 147 %] and QoQ 0 [0, 0].
func TestGrowthShortHistoryNeverZeroWidth(t *testing.T) {
	s := Series{Values: []float64{2.41e6, 2.55e6, 2.80e6, 2.62e6, 2.9e6}, Period: 4, Start: PeriodIndex{Year: 2017, Sub: 1}}
	r, err := Auto(s, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	if r.Fallback == "" {
		t.Fatalf("5 points: want the random-walk fallback, got %s", r.Method)
	}
	g, err := Growth(s, r)
	if err != nil {
		t.Fatal(err)
	}
	for h := range 6 {
		for _, rt := range []Rate{g.PoP[h], g.YoY[h]} {
			if !rt.Defined {
				t.Fatalf("h=%d: undefined rate %+v", h+1, rt)
			}
			if len(rt.Intervals) != 2 {
				t.Fatalf("h=%d: %d intervals, want 2", h+1, len(rt.Intervals))
			}
			for _, iv := range rt.Intervals {
				if !(iv.Upper-iv.Lower > 0.01) {
					t.Errorf("h=%d: interval %+v has (near) zero width", h+1, iv)
				}
			}
			if !(rt.Intervals[1].Lower < rt.Intervals[0].Lower && rt.Intervals[0].Upper < rt.Intervals[1].Upper) {
				t.Errorf("h=%d: 95 %% interval does not contain the 80 %% one: %+v", h+1, rt.Intervals)
			}
		}
	}
	// Against an observed base (YoY h=1: the year-ago quarter is the second actual) the
	// interval is the level interval divided by the base.
	base := s.Values[1]
	for i, iv := range r.Intervals {
		lo, hi := iv.Lower[0]/base-1, iv.Upper[0]/base-1
		got := g.YoY[0].Intervals[i]
		if tol := 0.05 * (hi - lo); math.Abs(got.Lower-lo) > tol || math.Abs(got.Upper-hi) > tol {
			t.Errorf("YoY h=1 level %v: [%.3f, %.3f], level interval over the base gives [%.3f, %.3f]", iv.Level, got.Lower, got.Upper, lo, hi)
		}
	}
}

func TestGrowthConstantHasNoIntervals(t *testing.T) {
	s := Series{Values: []float64{5, 5, 5, 5, 5, 5, 5, 5}, Period: 4}
	r, err := Auto(s, Options{Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Growth(s, r)
	if err != nil {
		t.Fatal(err)
	}
	if g.Note == "" || len(g.PoP[0].Intervals) != 0 || !g.PoP[0].Defined || g.PoP[0].Mean != 0 {
		t.Errorf("constant series: %+v, want a defined 0 rate without intervals and a note", g)
	}
}

// Within Near the intervals and the target probability use NearDF; later horizons keep DF.
// t quantiles: qt(0.9, 8) = 1.396815, qt(0.9, 3.2) = 1.6105 (R 4: Rscript -e "qt(0.9, c(8, 3.2))").
func TestNearDegreesOfFreedom(t *testing.T) {
	u := Uncertainty{Relative: true, Scale: 0.06, Power: calPower, DF: 3.2, Inflation: 1, Near: []float64{0.05}, NearDF: 8}
	lo, hi := u.Interval(1, 100, 80)
	if want := 0.05 * 1.396815 * 100; math.Abs((hi-lo)/2-want) > 1e-4 {
		t.Errorf("h=1 80 %% half-width %.5f, want %.5f (t with 8 df)", (hi-lo)/2, want)
	}
	if p := u.ProbAbove(1, 100, 100*(1+0.05*1.396815)); math.Abs(p-0.1) > 1e-6 {
		t.Errorf("P(above the 90 %% quantile) = %.6f, want 0.1", p)
	}
	lo2, hi2 := u.Interval(2, 100, 80)
	want2 := 0.06 * math.Pow(2, calPower/2) * 100 * u.quantile(80, 2)
	if math.Abs((hi2-lo2)/2-want2) > 1e-9 || u.dfAt(2) != 3.2 {
		t.Errorf("h=2 half-width %.4f, want %.4f with DF 3.2 (got df %v)", (hi2-lo2)/2, want2, u.dfAt(2))
	}
}
