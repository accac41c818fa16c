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

// mixedSpec describes a simulated company whose drivers act month by month: log revenue of
// scope s in month t is a_s + g_s·t + season + Σ_j Σ_k profile[j][k]·x_j(t−k) + u_t, with
// each driver an AR(1) path over months. Quarterly revenue is the sum of the three months,
// quarterly driver levels their mean, as features.Build makes them.
type mixedSpec struct {
	scopes, quarters int
	specs            []Spec
	profile          [][]float64 // [driver][monthly lag]
	driverSD         []float64
	phi              float64 // monthly AR(1) coefficient
	noise            float64 // s.d. of monthly log-revenue noise
}

// simulateMixed draws a quarterly frame (revenue and quarterly mean drivers) and a monthly
// frame (drivers) of the same scopes.
func simulateMixed(spec mixedSpec, r *rand.Rand) (q, m *frame) {
	months := 3 * spec.quarters
	q = &frame{grain: datasets.Quarter, level: "region", cols: map[string][][]float64{}}
	m = &frame{grain: datasets.Month, level: "region", cols: map[string][][]float64{}}
	for t := 0; t < spec.quarters; t++ {
		q.periods = append(q.periods, datasets.Period{Grain: datasets.Quarter, N: 2020*4 + t})
		q.complete = append(q.complete, true)
	}
	for t := 0; t < months; t++ {
		m.periods = append(m.periods, datasets.Period{Grain: datasets.Month, N: 2020*12 + t})
		m.complete = append(m.complete, true)
	}
	season := []float64{0, 0.02, 0.05, 0.04, 0.06, 0.08, 0.03, 0.04, 0.07, 0.10, 0.12, 0.15}
	for _, sp := range spec.specs {
		q.cols[sp.Column] = make([][]float64, spec.scopes)
		m.cols[sp.Column] = make([][]float64, spec.scopes)
	}
	q.cols[revenueColumn] = make([][]float64, spec.scopes)
	for s := 0; s < spec.scopes; s++ {
		id := string(rune('A' + s))
		q.scopes, m.scopes = append(q.scopes, id), append(m.scopes, id)
		a, g := 10+r.NormFloat64(), 0.006+0.003*r.NormFloat64()
		paths := make([][]float64, len(spec.specs))
		for j, sp := range spec.specs {
			sd, x, base := spec.driverSD[j], 0.0, 5.0+r.NormFloat64()
			x = r.NormFloat64() * sd
			paths[j] = make([]float64, months)
			mon, qu := make([]float64, months), make([]float64, spec.quarters)
			for t := range paths[j] {
				x = spec.phi*x + r.NormFloat64()*sd*math.Sqrt(1-spec.phi*spec.phi)
				paths[j][t] = base + x
				mon[t] = paths[j][t]
				if sp.Scale == Log {
					mon[t] = math.Exp(paths[j][t])
				}
				qu[t/3] += mon[t] / 3
			}
			m.cols[sp.Column][s], q.cols[sp.Column][s] = mon, qu
		}
		rev := make([]float64, spec.quarters)
		for t := 0; t < months; t++ {
			lr := a + g*float64(t) + season[t%12] + spec.noise*r.NormFloat64()
			for j := range spec.specs {
				for k, c := range spec.profile[j] {
					lr += c * paths[j][max(t-k, 0)]
				}
			}
			rev[t/3] += math.Exp(lr)
		}
		q.cols[revenueColumn][s] = rev
	}
	return q, m
}

// timedCompany has two drivers with the timing of the synthetic company: one that scales
// deals created in a month, which close one to three months later (a hump over lags 0–4),
// and one that acts in the month deals close (lag 0).
func timedCompany() mixedSpec {
	return mixedSpec{
		scopes: 16, quarters: 40,
		specs: []Spec{
			{Column: "reimbursement_days", Scale: Level},
			{Column: "supply_lead_days", Scale: Level},
		},
		profile:  [][]float64{{-0.0015, -0.0045, -0.0045, -0.003, -0.0015}, {-0.025}},
		driverSD: []float64{3, 1.2},
		phi:      0.5, noise: 0.03,
	}
}
