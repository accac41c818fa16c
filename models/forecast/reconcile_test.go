package forecast

import (
	"math"
	"testing"
)

func TestReconcileTotal(t *testing.T) {
	// The parts' base forecasts sum to 100 + 210 = 310 against a total of 330. Part A's
	// errors are small, part B's and the total's large: B and the total move, A hardly.
	a := []float64{1, -1, 0.5, -0.5, 1, -1, 0.5, -0.5}
	b := []float64{20, -15, 10, -25, 18, -12, 22, -16}
	tot := []float64{15, -20, 12, -8, -14, 19, -10, 9}
	nodes := []ReconcileInput{
		{Mean: []float64{330, 335}, Errors: tot},
		{Mean: []float64{100, 101}, Errors: a},
		{Mean: []float64{210, 212}, Errors: b},
	}
	rc, err := ReconcileTotal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		sum := rc.Means[1][k] + rc.Means[2][k]
		if math.Abs(sum-rc.Means[0][k]) > 1e-9*rc.Means[0][k] {
			t.Errorf("h=%d: parts sum to %v, total %v", k+1, sum, rc.Means[0][k])
		}
		moveA, moveB := math.Abs(rc.Means[1][k]-nodes[1].Mean[k]), math.Abs(rc.Means[2][k]-nodes[2].Mean[k])
		if !(moveA < 0.05*moveB) {
			t.Errorf("h=%d: the steady part moved %v, the noisy one %v", k+1, moveA, moveB)
		}
		if !(rc.Means[0][k] < nodes[0].Mean[k] && rc.Means[0][k] > nodes[1].Mean[k]+nodes[2].Mean[k]) {
			t.Errorf("h=%d: total %v not between the base total %v and the parts' sum", k+1, rc.Means[0][k], nodes[0].Mean[k])
		}
	}
	if rc.Lambda < 0 || rc.Lambda > 1 {
		t.Errorf("shrinkage %v outside [0, 1]", rc.Lambda)
	}
	if _, err := ReconcileTotal(nodes[:1]); err == nil {
		t.Error("a total without parts reconciled")
	}
	bad := append([]ReconcileInput(nil), nodes...)
	bad[2] = ReconcileInput{Mean: []float64{210}, Errors: b}
	if _, err := ReconcileTotal(bad); err == nil {
		t.Error("mismatched horizons reconciled")
	}
}

func TestReconcileToTotal(t *testing.T) {
	// The region is fixed at 400; its teams' base forecasts sum to 350. The steady team
	// takes little of the 50, the noisy one most.
	a := []float64{1, -1, 0.5, -0.5, 1, -1, 0.5, -0.5}
	b := []float64{20, -15, 10, -25, 18, -12, 22, -16}
	parts := []ReconcileInput{{Mean: []float64{150, 151}, Errors: a}, {Mean: []float64{200, 202}, Errors: b}}
	total := []float64{400, 410}
	got, err := ReconcileToTotal(total, parts)
	if err != nil {
		t.Fatal(err)
	}
	for k := range total {
		if sum := got[0][k] + got[1][k]; math.Abs(sum-total[k]) > 1e-9*total[k] {
			t.Errorf("h=%d: parts sum to %v, want the total %v", k+1, sum, total[k])
		}
		moveA, moveB := got[0][k]-parts[0].Mean[k], got[1][k]-parts[1].Mean[k]
		if !(moveA >= 0 && moveA < 0.05*moveB) {
			t.Errorf("h=%d: the steady part moved %v, the noisy one %v", k+1, moveA, moveB)
		}
	}
	if parts[0].Mean[0] != 150 {
		t.Error("the inputs were changed")
	}
	one, err := ReconcileToTotal(total, parts[:1])
	if err != nil || one[0][0] != 400 || one[0][1] != 410 {
		t.Errorf("a single part is the total: %v, %v", one, err)
	}
	if _, err := ReconcileToTotal(total[:1], parts); err == nil {
		t.Error("mismatched horizons reconciled")
	}
	if _, err := ReconcileToTotal(total, []ReconcileInput{{Mean: []float64{1, 2}, Errors: []float64{1}}, {Mean: []float64{1, 2}, Errors: []float64{1}}}); err == nil {
		t.Error("reconciled with one backtest error")
	}
}

func TestOverlayAndProbAbove(t *testing.T) {
	s := Series{Values: []float64{100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210}, Period: 4}
	res, err := Auto(s, Options{Horizon: 4, Levels: []float64{80, 95}})
	if err != nil {
		t.Fatal(err)
	}
	base := append([]float64(nil), res.Mean...)
	if err := res.Overlay([]float64{230, 240}, []float64{0.01, 0.2}, 0, "combined"); err != nil {
		t.Fatal(err)
	}
	if res.Mean[0] != 230 || res.Mean[1] != 240 || res.Mean[2] != base[2] || res.Method != "combined" {
		t.Errorf("means %v, method %q: want the two overlaid then the base", res.Mean, res.Method)
	}
	if res.BaseMean[0] != base[0] {
		t.Errorf("base mean %v not kept", res.BaseMean)
	}
	for _, iv := range res.Intervals {
		for h := range res.Mean {
			lo, hi := res.Uncertainty.Interval(h+1, res.Mean[h], iv.Level)
			if math.Abs(lo-iv.Lower[h]) > 1e-9 || math.Abs(hi-iv.Upper[h]) > 1e-9 {
				t.Errorf("level %v h=%d: Interval gives [%v, %v], the result [%v, %v]", iv.Level, h+1, lo, hi, iv.Lower[h], iv.Upper[h])
			}
			if !(iv.Lower[h] < res.Mean[h] && res.Mean[h] < iv.Upper[h]) {
				t.Errorf("level %v h=%d: %v outside [%v, %v]", iv.Level, h+1, res.Mean[h], iv.Lower[h], iv.Upper[h])
			}
		}
	}
	// The 1 % error scale at h=1 gives a narrow interval; h=2's 20 % a wide one.
	w1 := (res.Intervals[0].Upper[0] - res.Intervals[0].Lower[0]) / res.Mean[0]
	w2 := (res.Intervals[0].Upper[1] - res.Intervals[0].Lower[1]) / res.Mean[1]
	if !(w1 < 0.1 && w2 > 5*w1) {
		t.Errorf("relative 80 %% widths %v and %v: want the near scales to set them", w1, w2)
	}
	// Later horizons keep an error no smaller than the nearer ones'.
	if !(res.Uncertainty.ScaleAt(3) >= res.Uncertainty.ScaleAt(2)) {
		t.Errorf("scale at h=3 %v below h=2's %v", res.Uncertainty.ScaleAt(3), res.Uncertainty.ScaleAt(2))
	}
	// P(value ≥ upper 95 % bound) is 2.5 %, ≥ the mean 50 %, ≥ the lower 80 % bound 90 %.
	u := res.Uncertainty
	for h := 1; h <= 4; h++ {
		f := res.Mean[h-1]
		for _, c := range []struct{ x, want float64 }{
			{res.Intervals[1].Upper[h-1], 0.025}, {f, 0.5}, {res.Intervals[0].Lower[h-1], 0.9},
		} {
			if got := u.ProbAbove(h, f, c.x); math.Abs(got-c.want) > 1e-6 {
				t.Errorf("h=%d: P(≥ %v) = %v, want %v", h, c.x, got, c.want)
			}
		}
	}
	if err := res.Overlay([]float64{1, 2, 3, 4, 5}, []float64{1, 1, 1, 1, 1}, 0, "x"); err == nil {
		t.Error("overlay longer than the horizon accepted")
	}
	if err := res.Overlay([]float64{math.NaN()}, []float64{0.1}, 0, "x"); err == nil {
		t.Error("NaN overlay accepted")
	}
}
