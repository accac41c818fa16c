package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/growthlens/growthlens/models/forecast"
	"gonum.org/v1/gonum/stat"
)

func TestQuadCoef(t *testing.T) {
	// a_t = 10 + 3u + 5u², u = t/n: a/mean has quadratic coefficient 5/mean.
	n := 12
	a := make([]float64, n)
	for i := range a {
		u := float64(i+1) / float64(n)
		a[i] = 10 + 3*u + 5*u*u
	}
	mean, _ := stat.PopMeanStdDev(a, nil)
	if got, want := quadCoef(a, mean), 5/mean; math.Abs(got-want) > 1e-9 {
		t.Errorf("quadCoef = %v, want %v", got, want)
	}
}

// With zero coefficients every candidate (the members and their median) gets the same
// weight; series the features are not defined for get the median.
func TestWeightingCombine(t *testing.T) {
	w := &Weighting{Members: []string{"a", "b", "c"}, Mean: make([]float64, numFeatures), SD: make([]float64, numFeatures), W: make([][]float64, numFeatures+1)}
	for i := range w.SD {
		w.SD[i] = 1
	}
	for i := range w.W {
		w.W[i] = make([]float64, 4)
	}
	fs := [][]float64{{10, 11}, {12, 14}, {20, 17}}
	tests := []struct {
		name string
		y    []float64
		want []float64
	}{
		{"equal weights", []float64{5, 6, 7, 8, 9, 10, 11, 12}, []float64{(10 + 12 + 20 + 12) / 4.0, (11 + 14 + 17 + 14) / 4.0}},
		{"zero in the data: median", []float64{5, 6, 0, 8, 9, 10, 11, 12}, []float64{12, 14}},
		{"too short: median", []float64{5, 6, 7, 8, 9}, []float64{12, 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.Combine(tt.y, 1, fs)
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-12 {
					t.Errorf("h=%d: %v, want %v", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}

// When one member is exact on the series with an upward trend and another on the rest,
// FitWeighting must learn to tell them apart from the features: a wrong gradient leaves the
// weights near equal.
func TestFitWeightingLearnsWhichMemberFits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	set := WeightingSet{Naive2SMAPE: 10, Naive2MASE: 1}
	for i := range 400 {
		up := i%2 == 0
		y := make([]float64, 16)
		for t := range y {
			g := -0.02
			if up {
				g = 0.04
			}
			y[t] = 100 * math.Exp(g*float64(t)) * (1 + 0.01*rng.NormFloat64())
		}
		actual := []float64{100 + rng.Float64(), 101 + rng.Float64()}
		off := []float64{actual[0] * 1.2, actual[1] * 0.8}
		fs := [][]float64{off, off}
		if up {
			fs[0] = actual
		} else {
			fs[1] = actual
		}
		set.Cases = append(set.Cases, WeightingCase{Y: y, Period: 1, Forecasts: fs, Actual: actual, Scale: 1})
	}
	w, err := FitWeighting([]string{"up", "down"}, []WeightingSet{set}, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, c := range set.Cases {
		got := w.Combine(c.Y, c.Period, c.Forecasts)
		if forecast.SMAPE(c.Actual, got) > 2 {
			bad++
		}
	}
	// Equal weights would be off by about 10 % everywhere.
	if bad > len(set.Cases)/20 {
		t.Errorf("%d of %d series forecast with sMAPE > 2 after fitting", bad, len(set.Cases))
	}
	if _, err := FitWeighting([]string{"up", "down"}, []WeightingSet{{Cases: set.Cases[:5], Naive2SMAPE: 1, Naive2MASE: 1}}, 0); err == nil {
		t.Error("FitWeighting on 5 cases: want an error")
	}
}
