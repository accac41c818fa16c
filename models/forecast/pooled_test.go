package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A trending 20-quarter series with a 10 % Q4 peak, too short and trending for the M4 test,
// shows its shape to PoolSeasonal, and Auto with that shape forecasts the Q4 rise it misses
// alone; noise without a season gives no shape or one shrunk close to flat.
func TestPoolSeasonal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	start := PeriodIndex{Year: 2021, Sub: 4}
	peak := make([]float64, 20)
	flat := make([]float64, 20)
	for i := range peak {
		q := start.Add(i, 4).Sub
		s := 1.0
		if q == 4 {
			s = 1.10
		}
		level := 1000 * math.Pow(1.02, float64(i))
		peak[i] = level * s * math.Exp(0.02*r.NormFloat64())
		flat[i] = level * math.Exp(0.05*r.NormFloat64())
	}
	if IsSeasonal(peak, 4) {
		t.Fatal("the M4 test finds the peak itself: the case does not test pooling")
	}
	prior, why := PoolSeasonal([]Series{{Values: peak, Period: 4, Start: start}})
	if prior == nil {
		t.Fatalf("no shape found: %s", why)
	}
	if !(prior.Index[3] > 1.06 && prior.P < 0.01 && prior.Shrinkage > 0.8) {
		t.Errorf("Q4 factor %.3f (p %.4f, shrinkage %.3f), want above 1.06, p below 0.01 and most of the shape kept", prior.Index[3], prior.P, prior.Shrinkage)
	}
	s := Series{Values: peak, Period: 4, Start: start} // ends 2026Q3: 2026Q4 is next
	with, err := Auto(s, Options{Horizon: 2, Seasonal: prior})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := Auto(s, Options{Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	if with.Seasonal == nil || alone.Seasonal != nil {
		t.Fatalf("seasonal prior used: with %v, alone %v", with.Seasonal != nil, alone.Seasonal != nil)
	}
	rise := with.Mean[0]/peak[19] - 1
	if !(rise > 0.05) || !(with.Mean[1] < with.Mean[0]) {
		t.Errorf("with the shape: 2026Q4 %+.1f %% over 2026Q3 and 2027Q1 %.0f after %.0f, want a Q4 rise and a fall after", 100*rise, with.Mean[1], with.Mean[0])
	}
	if got := alone.Mean[0]/peak[19] - 1; got > rise-0.03 {
		t.Errorf("alone: 2026Q4 %+.1f %%, not clearly below the pooled %+.1f %%", 100*got, 100*rise)
	}
	// Seasonless noise: over 200 such series the shape is dropped about as often as the
	// Wald statistic stays below its null mean (3·F(3, 12) ≤ 3.6: 65 %), and what is kept is
	// shrunk: the largest factor is on average 0.5 % from 1 (dropped shapes counted flat),
	// though the 20 values leave each quarter's raw figure a standard error of about 2.5 %.
	dropped, sumMax := 0, 0.0
	for range 200 {
		for i := range flat {
			flat[i] = 1000 * math.Pow(1.02, float64(i)) * math.Exp(0.05*r.NormFloat64())
		}
		p, _ := PoolSeasonal([]Series{{Values: flat, Period: 4, Start: start}})
		if p == nil {
			dropped++
			continue
		}
		big := 0.0
		for _, v := range p.Index {
			big = math.Max(big, math.Abs(math.Log(v)))
		}
		sumMax += big
	}
	t.Logf("noise: dropped %d of 200, mean largest |log factor| %.4f", dropped, sumMax/200)
	if dropped < 110 || dropped > 150 {
		t.Errorf("noise: shape dropped for %d of 200 series, want about 130", dropped)
	}
	if got := sumMax / 200; got > 0.012 {
		t.Errorf("noise: mean largest |log factor| %.4f, want below 0.012", got)
	}
	// A series seasonal by its own test ignores the prior.
	own := quarterly(24)
	if !IsSeasonal(own, 4) {
		t.Fatal("quarterly(24) should be seasonal by the M4 test")
	}
	res, err := Auto(Series{Values: own, Period: 4, Start: start}, Options{Horizon: 4, Seasonal: prior})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seasonal != nil {
		t.Error("the prior was put on a series with seasonality of its own")
	}
}

// The weights behind PoolSeasonal's noise covariance are those of the moving average it
// detrends by, for even and odd periods (an odd period once lost its last weight).
func TestMAWeightsAreCentredMA(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	y := make([]float64, 40)
	for i := range y {
		y[i] = 100 + 10*r.NormFloat64()
	}
	for _, m := range []int{2, 3, 4, 5, 7, 12} {
		w, half := maWeights(m), m/2
		sum := 0.0
		for _, v := range w {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("m=%d: weights sum to %.15f, want 1", m, sum)
		}
		trend := centredMA(y, m)
		for tt := half; tt+half < len(y); tt++ {
			got := 0.0
			for i, v := range w {
				got += v * y[tt-half+i]
			}
			if math.Abs(got-trend[tt]) > 1e-9 {
				t.Fatalf("m=%d t=%d: weights give %.6f, centredMA %.6f", m, tt, got, trend[tt])
			}
		}
	}
}
