package driver

import (
	"math"
	"math/rand/v2"

	"github.com/growthlens/growthlens/datasets"
)

// simSpec describes a simulated panel that follows the model exactly: log revenue of scope s
// is a_s + g_s·t + season + Σ_j Σ_l beta[j][l]·x_j(t−l) + u_t, with each driver an AR(1) path
// (x is the log of the panel value for Log drivers) and u white noise of s.d. noise, so that
// growth has the MA(1) noise of real revenue.
type simSpec struct {
	scopes, periods int
	specs           []Spec
	beta            [][]float64 // [driver][lag]
	driverSD        []float64   // stationary s.d. of each driver's path
	phi             float64     // AR(1) coefficient of the driver paths
	noise           float64     // s.d. of the log-revenue noise
}

// simulate draws one panel frame from spec.
func simulate(spec simSpec, r *rand.Rand) *frame {
	start := datasets.Period{Grain: datasets.Quarter, N: 2020 * 4}
	f := &frame{grain: datasets.Quarter, level: "region", cols: map[string][][]float64{}}
	for t := 0; t < spec.periods; t++ {
		f.periods = append(f.periods, start.Add(t))
		f.complete = append(f.complete, true)
	}
	season := []float64{0, 0.05, 0.02, 0.12}
	rev := make([][]float64, spec.scopes)
	for j := range spec.specs {
		f.cols[spec.specs[j].Column] = make([][]float64, spec.scopes)
	}
	for s := 0; s < spec.scopes; s++ {
		f.scopes = append(f.scopes, string(rune('A'+s)))
		a, g := 10+r.NormFloat64(), 0.02+0.01*r.NormFloat64()
		paths := make([][]float64, len(spec.specs))
		for j, sp := range spec.specs {
			sd := spec.driverSD[j]
			x := r.NormFloat64() * sd
			paths[j] = make([]float64, spec.periods)
			col := make([]float64, spec.periods)
			base := 5.0 + r.NormFloat64()
			for t := range paths[j] {
				x = spec.phi*x + r.NormFloat64()*sd*math.Sqrt(1-spec.phi*spec.phi)
				paths[j][t] = base + x
				if sp.Scale == Log {
					col[t] = math.Exp(paths[j][t])
				} else {
					col[t] = paths[j][t]
				}
			}
			f.cols[sp.Column][s] = col
		}
		rev[s] = make([]float64, spec.periods)
		for t := range rev[s] {
			lr := a + g*float64(t) + season[t%4] + spec.noise*r.NormFloat64()
			for j := range spec.specs {
				for l, b := range spec.beta[j] {
					if t-l >= 0 {
						lr += b * paths[j][t-l]
					} else {
						lr += b * paths[j][0]
					}
				}
			}
			rev[s][t] = math.Exp(lr)
		}
	}
	f.cols[revenueColumn] = rev
	return f
}

// companyLike is a simulated panel with the size and signal of the default synthetic company
// (4 regions, 20 quarters, quarterly growth noise about 0.06).
func companyLike() simSpec {
	return simSpec{
		scopes: 4, periods: 20, specs: DefaultSpecs(),
		beta:     [][]float64{{0.15, 0.15}, {0.5, 0.3}, {-0.01, -0.005}, {-0.025, 0}, {-0.004, 0}},
		driverSD: []float64{0.12, 0.03, 2.5, 1.0, 3.5},
		phi:      0.3, noise: 0.04,
	}
}
