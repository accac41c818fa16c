package forecast

import (
	"math"
	"testing"
)

// fitSES, the closed-form-ℓ₀ search inside the generalised Theta method, is pinned to R's
// ses(y, h = 8) on the reference series (testdata/r_reference.R; the same lines pin FitETS).
func TestFitSESMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	n := 0
	for _, l := range loadRefLines(t) {
		if l.what != "ses" {
			continue
		}
		n++
		s := series[l.series]
		t.Run(l.series, func(t *testing.T) {
			fit := fitSES(s.y, 0)
			assertClose(t, "alpha", fit.alpha, l.num(t, "alpha"), tolParam)
			got := make([]float64, len(l.mean))
			for i := range got {
				got[i] = fit.level
			}
			assertCloseRel(t, "forecast", got, l.mean, tolForecast)
		})
	}
	if n == 0 {
		t.Fatal("no ses reference lines in testdata/r_reference.txt")
	}
}

// On short series and with a warm start fitSES must agree with the ETS(A,N,N) fit by MSE.
func TestFitSESMatchesETS(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
	}{
		{"trending", []float64{3, 5, 4, 6, 7, 6, 8, 9, 8, 10}},
		{"noisy", []float64{100, 120, 90, 130, 125, 140, 120, 150, 160, 155, 170, 165}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := FitETS(tt.y, 1, ETSSpec{Error: Additive}, ETSOptions{Criterion: MSE})
			if err != nil {
				t.Fatal(err)
			}
			for _, near := range []float64{0, want.Alpha} {
				got := fitSES(tt.y, near)
				if math.Abs(got.sse/float64(len(tt.y))-want.MSE) > 1e-4*want.MSE {
					t.Errorf("near=%v: MSE %v, want %v", near, got.sse/float64(len(tt.y)), want.MSE)
				}
				if w := want.Forecast(1)[0]; math.Abs(got.level-w) > 1e-3*math.Abs(w) {
					t.Errorf("near=%v: level %v, want %v", near, got.level, w)
				}
			}
		})
	}
}

// Each generalised Theta model, recomputed from its definition: the least-squares line, the
// theta line, SES on it, and the weighted combination.
func TestGThetaSpecByDefinition(t *testing.T) {
	x := []float64{20, 23, 22, 26, 29, 28, 33, 35, 34, 39, 41, 44}
	n := len(x)
	for _, sp := range gThetaSpecs {
		t.Run(sp.String(), func(t *testing.T) {
			fit, err := fitGThetaSpec(x, sp, 0, 4)
			if err != nil {
				t.Fatal(err)
			}
			src := x
			if sp.ExpTrend {
				src = make([]float64, n)
				for i, v := range x {
					src[i] = math.Log(v)
				}
			}
			a, b := lineFit(src, 1)
			line := func(t float64) float64 {
				if sp.ExpTrend {
					return math.Exp(a + b*t)
				}
				return a + b*t
			}
			z := make([]float64, n)
			for i, v := range x {
				if sp.Mult {
					z[i] = math.Pow(v, sp.Theta) * math.Pow(line(float64(i+1)), 1-sp.Theta)
				} else {
					z[i] = sp.Theta*v + (1-sp.Theta)*line(float64(i+1))
				}
			}
			ses := fitSES(z, 0)
			for h, got := range fit.Forecast(4) {
				T := line(float64(n + h + 1))
				want := ses.level/sp.Theta + (1-1/sp.Theta)*T
				if sp.Mult {
					want = math.Pow(ses.level, 1/sp.Theta) * math.Pow(T, 1-1/sp.Theta)
				}
				if math.Abs(got-want) > 1e-9*math.Abs(want) {
					t.Errorf("h=%d: forecast %v, want %v", h+1, got, want)
				}
			}
		})
	}
}

func TestFitGThetaSelection(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		// additiveOnly: series with zeros or negatives may only get the additive linear forms.
		additiveOnly bool
	}{
		{"positive", []float64{20, 23, 22, 26, 29, 28, 33, 35, 34, 39, 41, 44}, false},
		{"crosses zero", []float64{-4, -2, -3, 0, 1, 0, 3, 5, 4, 7, 9, 8}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best, err := FitGTheta(tt.x, 8)
			if err != nil {
				t.Fatal(err)
			}
			if tt.additiveOnly && (best.Spec.Mult || best.Spec.ExpTrend) {
				t.Errorf("chose %s on data with zeros or negatives", best.Spec)
			}
			fitted := 0
			for _, sp := range gThetaSpecs {
				fit, err := fitGThetaSpec(tt.x, sp, 0, 8)
				if err != nil {
					if !tt.additiveOnly {
						t.Errorf("%s: %v on positive data", sp, err)
					}
					continue
				}
				fitted++
				if fit.MAE < best.MAE-1e-12 {
					t.Errorf("chose %s (MAE %v) but %s has MAE %v", best.Spec, best.MAE, sp, fit.MAE)
				}
			}
			if fitted == 0 {
				t.Error("no model could be fitted")
			}
		})
	}
	if _, err := FitGTheta([]float64{1, 2}, 4); err == nil {
		t.Error("FitGTheta on 2 points: want an error")
	}
}

// log:X forecasts exp of X's forecast of log y on positive data and falls back to X on the
// raw data otherwise.
func TestLogMethod(t *testing.T) {
	lm, err := MethodByName("log:naive")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		y    []float64
		want float64
	}{
		{"positive", []float64{2, 4, 8, 16}, 16},
		{"with a zero", []float64{3, 0, 5, 7}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := lm.Forecast(tt.y, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			for h, got := range f {
				if math.Abs(got-tt.want) > 1e-12 {
					t.Errorf("h=%d: %v, want %v", h+1, got, tt.want)
				}
			}
		})
	}
	// A log-linear series: Holt on the logs extends the growth rate, which Holt on the raw
	// data cannot.
	y := make([]float64, 16)
	for i := range y {
		y[i] = 100 * math.Pow(1.05, float64(i))
	}
	lh, err := MethodByName("log:holt")
	if err != nil {
		t.Fatal(err)
	}
	f, err := lh.Forecast(y, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	for h, got := range f {
		want := 100 * math.Pow(1.05, float64(16+h))
		if math.Abs(got-want) > 1e-3*want {
			t.Errorf("log:holt h=%d: %v, want %v", h+1, got, want)
		}
	}
	if lm.Name() != "log:naive" {
		t.Errorf("name %q, want log:naive", lm.Name())
	}
}

// Auto refits 4Theta at every backtest origin keeping the full-data form; the refit must be
// the form fitted afresh to the prefix (α searched near the full-data value reaches the same
// least-squares optimum on this smooth series).
func TestGThetaWarmRefit(t *testing.T) {
	y := make([]float64, 28)
	for i := range y {
		y[i] = (100 + 3*float64(i) + 0.05*float64(i*i)) * (1 + 0.1*math.Sin(math.Pi*float64(i)/2)) * (1 + 0.02*math.Cos(1.7*float64(i)))
	}
	f, refit, err := gThetaMethod{}.forecastWarm(y, 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 8 || refit == nil {
		t.Fatalf("forecastWarm: %d forecasts, refit %v", len(f), refit != nil)
	}
	full, err := FitGTheta(adjust(y, 4).adjusted, 8)
	if err != nil {
		t.Fatal(err)
	}
	prefix := y[:24]
	got, err := refit(prefix, 4)
	if err != nil {
		t.Fatal(err)
	}
	pa := adjust(prefix, 4)
	pf, err := fitGThetaSpec(pa.adjusted, full.Spec, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := pf.Forecast(4)
	pa.restore(want, 4)
	for h := range want {
		if math.Abs(got[h]-want[h]) > 1e-4*math.Abs(want[h]) {
			t.Errorf("h=%d: refit %v, fresh fit of %s %v", h+1, got[h], full.Spec, want[h])
		}
	}
}
