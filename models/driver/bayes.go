package driver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Prior is what is known about a driver's sustained effect before the data are read: its
// expected size and spread and, where the direction is known, its sign. Options.Priors turns
// Fit into a Bayesian regression (see the package documentation, "Priors").
type Prior struct {
	// Mean and SD are the prior's centre and spread, in the units of Effect.Sustained.
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	// Sign is +1 or −1 when the effect cannot have the other sign (more marketing spend
	// cannot lower revenue in expectation), 0 when either sign is possible.
	Sign int `json:"sign"`
	// Catalogue, when not zero, is the judgment Mean started from before other evidence (the
	// funnel's, models/company) moved it: the scale against which an effect is called
	// negligible.
	Catalogue float64 `json:"catalogue,omitempty"`
}

// CatalogueMean is Catalogue when set, Mean otherwise.
func (p Prior) CatalogueMean() float64 {
	if p.Catalogue != 0 {
		return p.Catalogue
	}
	return p.Mean
}

func (p Prior) validate(col string) error {
	switch {
	case math.IsNaN(p.Mean) || math.IsInf(p.Mean, 0):
		return fmt.Errorf("prior of %s: mean %g is not finite", col, p.Mean)
	case !(p.SD > 0) || math.IsInf(p.SD, 0):
		return fmt.Errorf("prior of %s: sd %g: want a positive finite number", col, p.SD)
	case p.Sign < -1 || p.Sign > 1:
		return fmt.Errorf("prior of %s: sign %d: want -1, 0 or 1", col, p.Sign)
	case p.Sign != 0 && p.Mean*float64(p.Sign) < 0:
		return fmt.Errorf("prior of %s: mean %g is on the wrong side of its sign %+d", col, p.Mean, p.Sign)
	}
	return nil
}

// burnIn and thin are the Gibbs sampler's discarded first sweeps and the sweeps between two
// kept draws. Thinning by 10 keeps the kept draws nearly independent even when two drivers'
// changes (a reform that moves three drivers at once) are strongly correlated.
const (
	burnIn = 1000
	thin   = 10
	// cancelCheck is how many sweeps run between looks at the context (a sweep of a
	// 100-coefficient model is about 20,000 multiplications).
	cancelCheck = 16
)

// gibbs draws n samples of the coefficients θ in the lag basis (per driver: its sum
// direction, the sustained effect over √L, then the contrasts between lags; see lagBasis) from
// the posterior of the weighted regression of the absorbed growth on the absorbed driver
// columns. Driver j's sum direction has the prior N(Mean/√L, SD²/L), so its sustained effect
// is N(Mean, SD²), truncated to the Prior's Sign where it has one; its contrasts have the
// prior N(0, SD²/L), so how the effect spreads over the lags is free to follow the data (a
// sign constraint on every lag was tried: its truncations add up and inflated the sustained
// effects of a 100-employee company by 20–70 %). The residual variance has Jeffreys' prior,
// with dof residual degrees of freedom (rows less the absorbed scope and season effects). One
// sweep draws every coordinate from its (truncated) normal conditional in turn, then the
// variance from its inverse-gamma conditional.
//
// ctx is checked every cancelCheck sweeps: a cancelled fit returns ctx's error.
func gibbs(ctx context.Context, a *absorbed, priors []Prior, L, n int, dof float64, seed uint64) (mean []float64, draws [][]float64, err error) {
	p := len(a.x)
	if len(priors)*L != p {
		return nil, nil, errors.New("gibbs: one prior per driver needed")
	}
	if dof < 1 {
		return nil, nil, errors.New("gibbs: no residual degrees of freedom")
	}
	// Sufficient statistics: A = XᵀWX, b = XᵀWy, yy = yᵀWy.
	A := make([][]float64, p)
	b := make([]float64, p)
	yy := 0.0
	for i, y := range a.y {
		yy += a.w[i] * y * y
	}
	for j := range p {
		A[j] = make([]float64, p)
		for i, y := range a.y {
			b[j] += a.w[i] * a.x[j][i] * y
		}
		for k := 0; k <= j; k++ {
			s := 0.0
			for i := range a.y {
				s += a.w[i] * a.x[j][i] * a.x[k][i]
			}
			A[j][k], A[k][j] = s, s
		}
	}
	pm, pv, sign := make([]float64, p), make([]float64, p), make([]int, p)
	for j, pr := range priors {
		for l := range L {
			pv[j*L+l] = pr.SD * pr.SD / float64(L)
		}
		pm[j*L], sign[j*L] = pr.Mean/math.Sqrt(float64(L)), pr.Sign
	}
	rng := rand.New(rand.NewPCG(seed, 0x6769626273)) // "gibbs"
	beta := make([]float64, p)
	for k := range beta {
		// Start inside the constraint, at the prior's centre.
		beta[k] = pm[k]
		if sign[k] != 0 && beta[k]*float64(sign[k]) <= 0 {
			beta[k] = float64(sign[k]) * 0.1 * math.Sqrt(pv[k])
		}
	}
	sigma2 := yy / a.sw
	if !(sigma2 > 0) {
		sigma2 = 1e-8
	}
	mean = make([]float64, p)
	total := burnIn + n*thin
	for sweep := range total {
		if sweep%cancelCheck == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		for k := range p {
			h := b[k]
			for c, v := range beta {
				if c != k {
					h -= A[k][c] * v
				}
			}
			prec := A[k][k]/sigma2 + 1/pv[k]
			m := (h/sigma2 + pm[k]/pv[k]) / prec
			sd := 1 / math.Sqrt(prec)
			if sign[k] != 0 {
				beta[k] = truncNormal(rng, m, sd, sign[k])
			} else {
				beta[k] = m + sd*rng.NormFloat64()
			}
		}
		// Residual variance: SSR = yy − 2βᵀb + βᵀAβ; σ² ~ Inv-Gamma(dof/2, SSR/2).
		ssr := yy
		for j := range p {
			ssr -= 2 * beta[j] * b[j]
			for k := range p {
				ssr += beta[j] * A[j][k] * beta[k]
			}
		}
		ssr = math.Max(ssr, 1e-12*yy+1e-300)
		sigma2 = ssr / (2 * gammaDraw(rng, dof/2))
		if sweep >= burnIn && (sweep-burnIn)%thin == thin-1 {
			d := append([]float64(nil), beta...)
			draws = append(draws, d)
			for k, v := range d {
				mean[k] += v / float64(n)
			}
		}
	}
	return mean, draws, nil
}

// truncNormal draws from N(m, s²) restricted to the side of zero given by sign (+1: x > 0,
// −1: x < 0): plain rejection when most of the mass is on that side, Robert's (1995)
// exponential proposal when the bound is in the upper tail.
func truncNormal(rng *rand.Rand, m, s float64, sign int) float64 {
	if sign < 0 {
		return -truncNormal(rng, -m, s, 1)
	}
	a := -m / s // standardized lower bound
	if a < 0.5 {
		for {
			if z := rng.NormFloat64(); z > a {
				return m + s*z
			}
		}
	}
	alpha := (a + math.Sqrt(a*a+4)) / 2
	for {
		z := a + rng.ExpFloat64()/alpha
		if rng.Float64() <= math.Exp(-(z-alpha)*(z-alpha)/2) {
			return m + s*z
		}
	}
}

// gammaDraw draws from Gamma(shape, 1) by Marsaglia and Tsang's method (shape ≥ 1 here; a
// shape below 1 is boosted by U^{1/shape}).
func gammaDraw(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaDraw(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// dataOnly is what the data alone say about each driver's sustained effect: the weighted
// least-squares estimate on the absorbed columns in the lag basis (no prior, no constraint),
// with its standard error from σ̂² (XᵀWX)⁻¹. A driver whose columns are collinear with
// others gets a zero estimate with an infinite standard error (the data cannot split it).
func dataOnly(a *absorbed, drivers, L int, dof float64) []Interval {
	p := len(a.x)
	g := mat.NewSymDense(p, nil)
	rhs := mat.NewVecDense(p, nil)
	for j := range p {
		v := 0.0
		for i, y := range a.y {
			v += a.w[i] * a.x[j][i] * y
		}
		rhs.SetVec(j, v)
		for k := 0; k <= j; k++ {
			s := 0.0
			for i := range a.y {
				s += a.w[i] * a.x[j][i] * a.x[k][i]
			}
			g.SetSym(j, k, s)
		}
	}
	out := make([]Interval, drivers)
	var ch mat.Cholesky
	if !ch.Factorize(g) || ch.Cond() > 1e12 {
		for j := range out {
			out[j] = Interval{Lower: math.Inf(-1), Upper: math.Inf(1)}
		}
		return out
	}
	var beta mat.VecDense
	if err := ch.SolveVecTo(&beta, rhs); err != nil {
		for j := range out {
			out[j] = Interval{Lower: math.Inf(-1), Upper: math.Inf(1)}
		}
		return out
	}
	ssr := 0.0
	for i, y := range a.y {
		r := y
		for j := range p {
			r -= beta.AtVec(j) * a.x[j][i]
		}
		ssr += a.w[i] * r * r
	}
	sigma2 := ssr / dof
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		for j := range out {
			out[j] = Interval{Lower: math.Inf(-1), Upper: math.Inf(1)}
		}
		return out
	}
	sq := math.Sqrt(float64(L))
	for j := range out {
		k := j * L // the sum direction: sustained = √L θ₀
		est := sq * beta.AtVec(k)
		se := sq * math.Sqrt(sigma2*inv.At(k, k))
		out[j] = Interval{Estimate: est, Lower: est - se, Upper: est + se}
	}
	return out
}
