package incentive

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// simulateChoices draws n rows of a conditional logit over types 0–2 (type 2 unavailable on
// every fourth row) with inputs x ~ N(0, 1)² and one alternative attribute z ∈ {0, 1, 2};
// given, when not nil, picks the type of each row instead of the logit (a company's
// assignment), and deltas are then −0.16 + 0.4 fit + N(0, 0.05²), the synthetic company's
// performance law.
func simulateChoices(rng *rand.Rand, n int, th []float64, given func(i int, mask uint8) int) (*choiceData, []float64) {
	d := &choiceData{n: n, p: 2, m: 1, x: make([]float64, n*2), z: make([]float64, n*numTypes), mask: make([]uint8, n), y: make([]int8, n)}
	var deltas []float64
	var u, p [numTypes]float64
	for i := range n {
		d.x[2*i], d.x[2*i+1] = rng.NormFloat64(), rng.NormFloat64()
		for k := range 3 {
			d.z[i*numTypes+k] = float64(rng.IntN(3))
		}
		d.mask[i] = 0b111
		if i%4 == 0 {
			d.mask[i] = 0b011
		}
		d.utilities(th, i, &u)
		softmax(&u, d.mask[i], &p)
		var k int
		if given == nil {
			r := rng.Float64()
			for k = 0; k < 2 && r >= p[k]; k++ {
				r -= p[k]
			}
		} else {
			k = given(i, d.mask[i])
			best := 0.0
			for _, v := range p {
				best = math.Max(best, v)
			}
			deltas = append(deltas, -0.16+0.4*p[k]/best+0.05*rng.NormFloat64())
		}
		d.y[i] = int8(k)
	}
	return d, deltas
}

func trueTheta() []float64 {
	const s = 3 // intercept and two weights per type
	th := make([]float64, numTypes*s+1)
	copy(th[0:], []float64{0, 0, 0})
	copy(th[s:], []float64{0.5, 1.0, -0.5})
	copy(th[2*s:], []float64{-0.3, -0.7, 0.8})
	th[numTypes*s] = 0.6
	return th
}

// The gradient refineWithHistory follows must be the objective's: compared with central
// finite differences at a point away from the kinks (where a row's favourite changes).
func TestJointObjectiveGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	th := trueTheta()
	dc, _ := simulateChoices(rng, 200, th, nil)
	hd, deltas := simulateChoices(rng, 300, th, func(i int, mask uint8) int { return i % 2 })
	cm := &choiceModel{Alpha: 0.01, L1Ratio: 0.5}
	pm := &PerformanceModel{Intercept: -0.15, Slope: 0.38, Offset: [numTypes]float64{0.01, -0.02}, ResidualSD: 0.06}
	obj := jointObjective(cm, dc, &historyData{d: hd, deltas: deltas}, pm)
	x := make([]float64, len(th))
	for j := range x {
		x[j] = 0.8*th[j] + 0.1*rng.NormFloat64()
	}
	got := make([]float64, len(x))
	obj(got, x)
	want := fd.Gradient(nil, func(v []float64) float64 { return obj(nil, v) }, x, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	for j := range want {
		if math.Abs(got[j]-want[j]) > 1e-5*(1+math.Abs(want[j])) {
			t.Errorf("∂/∂θ[%d]: got %.8f, finite differences %.8f", j, got[j], want[j])
		}
	}
}

// With few choices and many assigned rewards whose performance deltas measure the fit, the
// refined model must be closer to the truth than the choices alone make it.
func TestRefineWithHistoryUsesDeltas(t *testing.T) {
	th := trueTheta()
	var errChoices, errRefined float64
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 7))
		dc, _ := simulateChoices(rng, 120, th, nil)
		hd, deltas := simulateChoices(rng, 600, th, func(i int, mask uint8) int {
			for {
				if k := rng.IntN(3); mask&(1<<k) != 0 {
					return k
				}
			}
		})
		cm := &choiceModel{Scale: scaler{Mean: make([]float64, 2), SD: []float64{1, 1}}, Alpha: 0.003, Gamma: []float64{0}}
		for k := range 3 {
			cm.Seen[k] = true
		}
		fit := make([]float64, len(th))
		if err := newton(context.Background(), dc, allRows(dc.n), penalty{Alpha: cm.Alpha}, fit, 1); err != nil {
			t.Fatal(err)
		}
		cm.setTheta(fit)
		errChoices += contrastError(fit, th)
		if err := refineWithHistory(context.Background(), cm, dc, &historyData{d: hd, deltas: deltas}); err != nil {
			t.Fatal(err)
		}
		errRefined += contrastError(cm.theta(), th)
	}
	t.Logf("mean squared error of the contrasts with type 0: choices %.4f, refined %.4f", errChoices/5, errRefined/5)
	if !(errRefined < 0.6*errChoices) {
		t.Errorf("refined error %.4f, want well below the choices' %.4f", errRefined/5, errChoices/5)
	}
}

// contrastError is the squared distance between the identified parameters of two thetas of
// simulateChoices' layout: each type's intercept and weights less type 0's, and γ.
func contrastError(a, b []float64) float64 {
	const s = 3
	var e float64
	for k := 1; k < 3; k++ {
		for j := range s {
			d := (a[k*s+j] - a[j]) - (b[k*s+j] - b[j])
			e += d * d
		}
	}
	d := a[numTypes*s] - b[numTypes*s]
	return e + d*d
}
