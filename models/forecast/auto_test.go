package forecast

import (
	"errors"
	"math"
	"reflect"
	"sort"
	"testing"
)

// quarterly returns a positive seasonal series with trend and deterministic noise.
func quarterly(n int) []float64 {
	y := make([]float64, n)
	s := []float64{0.9, 1.05, 0.95, 1.1}
	for i := range y {
		y[i] = (100 + 1.5*float64(i)) * s[i%4] * (1 + 0.03*math.Sin(2.1*float64(i)+0.4))
	}
	return y
}

func TestAutoBadInput(t *testing.T) {
	good := quarterly(20)
	tests := []struct {
		name string
		s    Series
		opts Options
		want error
	}{
		{"one point", Series{Values: []float64{5}, Period: 4}, Options{Horizon: 4}, ErrTooShort},
		{"no points", Series{Period: 4}, Options{Horizon: 4}, ErrTooShort},
		{"NaN", Series{Values: append(append([]float64{}, good[:5]...), math.NaN()), Period: 4}, Options{Horizon: 4}, ErrNonFinite},
		{"Inf", Series{Values: []float64{1, math.Inf(1), 3, 4, 5, 6}, Period: 4}, Options{Horizon: 4}, ErrNonFinite},
		{"period 0", Series{Values: good}, Options{Horizon: 4}, ErrPeriod},
		{"horizon 0", Series{Values: good, Period: 4}, Options{}, ErrHorizon},
		{"level 100", Series{Values: good, Period: 4}, Options{Horizon: 4, Levels: []float64{80, 100}}, ErrLevel},
		{"negative level", Series{Values: good, Period: 4}, Options{Horizon: 4, Levels: []float64{-95}}, ErrLevel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Auto(tt.s, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("Auto error = %v, want %v", err, tt.want)
			}
		})
	}
}

// checkResult asserts the invariants every Result must hold.
func checkResult(t *testing.T, r *Result, h int, levels []float64) {
	t.Helper()
	if len(r.Mean) != h {
		t.Fatalf("len(Mean) = %d, want %d", len(r.Mean), h)
	}
	if len(r.Intervals) != len(levels) {
		t.Fatalf("%d intervals, want %d", len(r.Intervals), len(levels))
	}
	for i, iv := range r.Intervals {
		if iv.Level != levels[i] {
			t.Errorf("interval %d level %v, want %v", i, iv.Level, levels[i])
		}
		for j := range r.Mean {
			lo, hi := iv.Lower[j], iv.Upper[j]
			if math.IsNaN(lo) || math.IsNaN(hi) || lo > r.Mean[j] || hi < r.Mean[j] {
				t.Errorf("level %v h=%d: [%v, %v] does not hold the forecast %v", iv.Level, j+1, lo, hi, r.Mean[j])
			}
			if i > 0 && levels[i] > levels[i-1] && (lo > r.Intervals[i-1].Lower[j] || hi < r.Intervals[i-1].Upper[j]) {
				t.Errorf("h=%d: the %v%% interval is not wider than the %v%% one", j+1, levels[i], levels[i-1])
			}
		}
	}
}

func TestAutoSeasonalSeries(t *testing.T) {
	y := quarterly(32)
	r, err := Auto(Series{Values: y, Period: 4, Start: PeriodIndex{Year: 2017, Sub: 1}}, Options{Horizon: 8})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, r, 8, DefaultLevels)
	if r.Fallback != "" {
		t.Errorf("Fallback = %q, want none", r.Fallback)
	}
	if got, want := r.Periods[0], "2025Q1"; got != want {
		t.Errorf("first period %s, want %s", got, want)
	}
	if len(r.Members) != len(DefaultMembers()) {
		t.Errorf("%d members, want %d", len(r.Members), len(DefaultMembers()))
	}
	// The default combination is the median of the four members at every horizon: the mean of
	// the middle two.
	for h := range r.Mean {
		v := []float64{r.Members[0].Mean[h], r.Members[1].Mean[h], r.Members[2].Mean[h], r.Members[3].Mean[h]}
		sort.Float64s(v)
		if want := (v[1] + v[2]) / 2; math.Abs(r.Mean[h]-want) > 1e-12*math.Abs(want) {
			t.Errorf("h=%d: forecast %v is not the members' median %v", h+1, r.Mean[h], want)
		}
	}
	// The seasonal pattern continues: Q4 (index 3 of the cycle) above Q1.
	if !(r.Mean[3] > r.Mean[0]) {
		t.Errorf("forecast lost the seasonal pattern: %v", r.Mean[:4])
	}
	if len(r.Backtest.Origins) != 8 || r.Backtest.Origins[7] != 31 {
		t.Errorf("origins %v, want the last 8 training lengths 24..31", r.Backtest.Origins)
	}
}

func TestAutoIsDeterministic(t *testing.T) {
	s := Series{Values: quarterly(28), Period: 4}
	a, err := Auto(s, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Auto(s, Options{Horizon: 6})
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs on the same input differ")
	}
}

func TestAutoConstantSeries(t *testing.T) {
	r, err := Auto(Series{Values: []float64{7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, Period: 4}, Options{Horizon: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, r, 3, DefaultLevels)
	for h, v := range r.Mean {
		if v != 7 || r.Intervals[1].Lower[h] != 7 || r.Intervals[1].Upper[h] != 7 {
			t.Errorf("h=%d: %v [%v, %v], want 7 [7, 7]", h+1, v, r.Intervals[1].Lower[h], r.Intervals[1].Upper[h])
		}
	}
	if r.Fallback == "" {
		t.Error("constant series: Fallback should say so")
	}
}

func TestAutoShortSeriesFallback(t *testing.T) {
	for _, y := range [][]float64{{10, 12}, {10, 12, 11, 13, 12}} {
		r, err := Auto(Series{Values: y, Period: 4}, Options{Horizon: 4})
		if err != nil {
			t.Fatalf("n=%d: %v", len(y), err)
		}
		checkResult(t, r, 4, DefaultLevels)
		if r.Fallback == "" || r.Mean[0] != y[len(y)-1] {
			t.Errorf("n=%d: want the random-walk fallback, got %q mean %v", len(y), r.Fallback, r.Mean)
		}
		// Random-walk intervals widen with the horizon.
		if !(r.Intervals[0].Upper[3]-r.Intervals[0].Lower[3] > r.Intervals[0].Upper[0]-r.Intervals[0].Lower[0]) {
			t.Errorf("n=%d: intervals do not widen: %+v", len(y), r.Intervals[0])
		}
	}
	// Six points are enough for the combination.
	r, err := Auto(Series{Values: []float64{10, 12, 11, 13, 12, 14}, Period: 4}, Options{Horizon: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.Fallback != "" {
		t.Errorf("n=6: unexpected fallback %q", r.Fallback)
	}
	checkResult(t, r, 4, DefaultLevels)
}

// Series with zeros or negative values get additive forms only and additive intervals.
func TestAutoZerosAndNegatives(t *testing.T) {
	y := quarterly(24)
	for i := range y {
		y[i] -= 110 // crosses zero
	}
	y[5] = 0
	r, err := Auto(Series{Values: y, Period: 4}, Options{Horizon: 8, Levels: []float64{50, 90}})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, r, 8, []float64{50, 90})
	if r.Uncertainty.Relative {
		t.Error("relative-error intervals on a series with negative values")
	}
	fit, err := AutoETS(y, 4, ETSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fit.Spec.Error == Multiplicative || fit.Spec.Season == Multiplicative {
		t.Errorf("AutoETS chose %s for data with zeros and negatives", fit.Spec)
	}
	if _, err := FitETS(y, 4, ETSSpec{Error: Multiplicative}, ETSOptions{}); err == nil {
		t.Error("FitETS accepted a multiplicative error on non-positive data")
	}
	// Positive data keep relative-error intervals.
	r, _ = Auto(Series{Values: quarterly(24), Period: 4}, Options{Horizon: 8})
	if !r.Uncertainty.Relative {
		t.Error("positive series: want relative-error intervals")
	}
}

// A member that cannot forecast is left out; when every member fails, Auto says so.
func TestAutoFailingMembers(t *testing.T) {
	broken := NewMethod("broken", func(y []float64, m, h int) ([]float64, error) {
		return nil, errors.New("always fails")
	})
	y := quarterly(20)
	r, err := Auto(Series{Values: y, Period: 4}, Options{Horizon: 4, Members: []Method{broken, Theta}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 1 || r.Members[0].Name != "theta" || r.Method != "theta" {
		t.Errorf("members %+v method %q, want theta alone", r.Members, r.Method)
	}
	if _, err := Auto(Series{Values: y, Period: 4}, Options{Horizon: 4, Members: []Method{broken}}); err == nil {
		t.Error("all members failed but Auto returned no error")
	}
}

// Intervals calibrated on a random walk should cover about as often as they claim.
func TestAutoIntervalsCoverARandomWalk(t *testing.T) {
	const series, n, h = 120, 40, 4
	rng := uint64(42)
	normal := func() float64 { // Box–Muller on a fixed LCG: deterministic across runs
		next := func() float64 {
			rng = rng*6364136223846793005 + 1442695040888963407
			return (float64(rng>>11) + 0.5) / (1 << 53)
		}
		return math.Sqrt(-2*math.Log(next())) * math.Cos(2*math.Pi*next())
	}
	in80, in95, total := 0, 0, 0
	for k := 0; k < series; k++ {
		y := make([]float64, n+h)
		y[0] = 100
		for i := 1; i < len(y); i++ {
			y[i] = y[i-1] * math.Exp(0.02*normal())
		}
		r, err := Auto(Series{Values: y[:n], Period: 4}, Options{Horizon: h, Members: []Method{Naive}})
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < h; j++ {
			total++
			if v := y[n+j]; v >= r.Intervals[0].Lower[j] && v <= r.Intervals[0].Upper[j] {
				in80++
			}
			if v := y[n+j]; v >= r.Intervals[1].Lower[j] && v <= r.Intervals[1].Upper[j] {
				in95++
			}
		}
	}
	c80, c95 := float64(in80)/float64(total), float64(in95)/float64(total)
	t.Logf("random walk coverage: 80%%: %.3f, 95%%: %.3f", c80, c95)
	if c80 < 0.72 || c80 > 0.90 || c95 < 0.89 || c95 > 0.995 {
		t.Errorf("coverage 80%%: %.3f, 95%%: %.3f; want near 0.80 and 0.95", c80, c95)
	}
}
