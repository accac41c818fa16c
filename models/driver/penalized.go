package driver

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// errSingular means the unpenalized problem has no unique solution: two driver columns are
// collinear once scope and season effects are removed.
var errSingular = errors.New("driver columns are collinear")

// absorbed is a sample with the scope and season effects partialled out (Frisch–Waugh–Lovell:
// the driver coefficients of a regression with scope and season dummies equal those of the
// regression of the partialled growth on the partialled drivers, so the dummies are never
// penalized and never enter the penalized solver). Columns are stored column-major.
type absorbed struct {
	y  []float64
	x  [][]float64 // x[j][i]: driver column j, row i
	w  []float64
	sw float64 // Σ w
}

// groups counts the scopes and seasons a sample uses.
func groups(s *sample) (nScope, nSeason int) {
	for i := range s.y {
		nScope = max(nScope, s.scope[i]+1)
		nSeason = max(nSeason, s.season[i]+1)
	}
	return nScope, nSeason
}

// absorb removes weighted scope and season means from growth and every driver column by
// alternating projections, which converge to the projection on the two sets of dummies (in one
// sweep when the panel is balanced).
func absorb(s *sample) *absorbed {
	n := s.n()
	a := &absorbed{y: append([]float64(nil), s.y...), x: make([][]float64, s.p), w: s.w}
	for i := range s.y {
		a.sw += s.w[i]
	}
	for j := range a.x {
		a.x[j] = make([]float64, n)
		for i := range s.x {
			a.x[j][i] = s.x[i][j]
		}
	}
	nScope, nSeason := groups(s)
	demean(a.y, s, nScope, nSeason, nil, nil)
	for j := range a.x {
		demean(a.x[j], s, nScope, nSeason, nil, nil)
	}
	return a
}

// demean partials the scope and season effects out of v in place. When scope and season are
// not nil, the effects removed are added to them.
func demean(v []float64, s *sample, nScope, nSeason int, scope, season []float64) {
	scale := 0.0
	for _, x := range v {
		scale = math.Max(scale, math.Abs(x))
	}
	tol := 1e-13 * (1 + scale)
	sumS, wS := make([]float64, nScope), make([]float64, nScope)
	sumQ, wQ := make([]float64, nSeason), make([]float64, nSeason)
	for i := range v {
		wS[s.scope[i]] += s.w[i]
		wQ[s.season[i]] += s.w[i]
	}
	for sweep := 0; sweep < 10000; sweep++ {
		clear(sumS)
		clear(sumQ)
		for i, x := range v {
			sumS[s.scope[i]] += s.w[i] * x
		}
		moved := 0.0
		for g := range sumS {
			if wS[g] > 0 {
				sumS[g] /= wS[g]
				moved = math.Max(moved, math.Abs(sumS[g]))
			}
		}
		for i := range v {
			v[i] -= sumS[s.scope[i]]
			sumQ[s.season[i]] += s.w[i] * v[i]
		}
		for q := range sumQ {
			if wQ[q] > 0 {
				sumQ[q] /= wQ[q]
				moved = math.Max(moved, math.Abs(sumQ[q]))
			}
		}
		for i := range v {
			v[i] -= sumQ[s.season[i]]
		}
		if scope != nil {
			for g := range sumS {
				scope[g] += sumS[g]
			}
			for q := range sumQ {
				season[q] += sumQ[q]
			}
		}
		if moved < tol {
			break
		}
	}
	if scope != nil {
		for g := range scope {
			if wS[g] == 0 {
				scope[g] = math.NaN()
			}
		}
		for q := range season {
			if wQ[q] == 0 {
				season[q] = math.NaN()
			}
		}
	}
}

// fixedEffects returns the scope and season effects that best fit r (weighted least squares
// on the two sets of dummies), for predicting rows the model was not fitted on. Only their sum
// is identified. A scope or season without rows gets NaN.
func fixedEffects(r []float64, s *sample) (scope, season []float64) {
	nScope, nSeason := groups(s)
	scope, season = make([]float64, nScope), make([]float64, nSeason)
	demean(append([]float64(nil), r...), s, nScope, nSeason, scope, season)
	return scope, season
}

// problem is one penalized fit prepared for any penalty: growth and the penalized columns
// with the scope and season effects and the free (unpenalized) columns partialled out, the
// penalized columns standardized. The free columns' coefficients follow from the penalized
// ones by least squares (Frisch–Waugh–Lovell again), so only the penalized part needs a
// solver.
type problem struct {
	a         *absorbed
	free, pen []int       // column indices into a.x
	yt        []float64   // growth with the free columns partialled out
	zt        [][]float64 // standardized penalized columns, free columns partialled out
	sd        []float64   // s.d. of each penalized column before standardizing; 0 = inactive
	ay        []float64   // coefficients of growth on the free columns
	af        [][]float64 // af[k]: coefficients of penalized column k on the free columns
}

// newProblem prepares the fit; it returns errSingular when the free columns are collinear.
func newProblem(a *absorbed, free []bool) (*problem, error) {
	pr := &problem{a: a}
	for j := range a.x {
		if free[j] {
			pr.free = append(pr.free, j)
		} else {
			pr.pen = append(pr.pen, j)
		}
	}
	pr.yt = a.y
	pen := make([][]float64, len(pr.pen))
	for k, j := range pr.pen {
		pen[k] = a.x[j]
	}
	if len(pr.free) > 0 {
		ch, err := a.gram(pr.free)
		if err != nil {
			return nil, err
		}
		pr.ay = ch.coef(a.y)
		pr.yt = ch.residual(a.y, pr.ay)
		pr.af = make([][]float64, len(pr.pen))
		for k := range pen {
			pr.af[k] = ch.coef(pen[k])
			pen[k] = ch.residual(pen[k], pr.af[k])
		}
	}
	pr.sd = make([]float64, len(pen))
	pr.zt = make([][]float64, len(pen))
	for k, col := range pen {
		ss, big := 0.0, 0.0
		for i, v := range col {
			ss += a.w[i] * v * v
			big = math.Max(big, math.Abs(a.x[pr.pen[k]][i]))
		}
		if sd := math.Sqrt(ss / a.sw); sd > 1e-10*big {
			pr.sd[k] = sd
			pr.zt[k] = make([]float64, len(col))
			for i, v := range col {
				pr.zt[k][i] = v / sd
			}
		}
	}
	return pr, nil
}

// solve minimizes the elastic-net objective over the coefficients θ of every column,
//
//	½ Σ w_i (y_i − Σ_j θ_j x_ij)² + λ (α Σ_pen |b_k| + (1−α)/2 Σ_pen b_k²),
//
// where the penalty falls only on the penalized columns, each on its standardized scale
// (b_k = θ_k · sd_k, sd_k its s.d. once the free columns are partialled out). The loss is a
// sum, not a mean, so a fixed λ is a fixed prior and shrinks less as rows are added: the
// penalty that validation finds best on shorter training samples is not too strong for the
// full one. On the partialled, standardized columns this is scikit-learn's Ridge(alpha = λ)
// for α = 0 and ElasticNet(alpha = λ/Σw, l1_ratio = α) otherwise, with the weights as
// sample_weight. α = 0 is solved exactly by Cholesky, α > 0 by cyclic coordinate descent.
// λ = 0 with α = 0 is least squares and returns errSingular when the columns are collinear. A
// penalized column that does not move gets 0.
func (pr *problem) solve(lambda, l1 float64) ([]float64, error) {
	a := pr.a
	theta := make([]float64, len(a.x))
	var active []int
	for k, sd := range pr.sd {
		if sd > 0 {
			active = append(active, k)
		}
	}
	if len(active) > 0 {
		lambda /= a.sw // the mean-loss (glmnet) scale the Gram matrix below is on
		n := len(active)
		g := mat.NewSymDense(n, nil)
		c := make([]float64, n)
		for u, ku := range active {
			zu := pr.zt[ku]
			cu := 0.0
			for i, v := range zu {
				cu += a.w[i] * v * pr.yt[i]
			}
			c[u] = cu / a.sw
			for v := u; v < n; v++ {
				zv, s := pr.zt[active[v]], 0.0
				for i, x := range zu {
					s += a.w[i] * x * zv[i]
				}
				g.SetSym(u, v, s/a.sw)
			}
		}
		var b []float64
		if l1 == 0 {
			for u := 0; u < n; u++ {
				g.SetSym(u, u, g.At(u, u)+lambda)
			}
			var ch mat.Cholesky
			if ok := ch.Factorize(g); !ok || (lambda == 0 && ch.Cond() > 1e12) {
				return nil, errSingular
			}
			var sol mat.VecDense
			if err := ch.SolveVecTo(&sol, mat.NewVecDense(n, c)); err != nil {
				return nil, errSingular
			}
			b = sol.RawVector().Data
		} else {
			var err error
			if b, err = coordinateDescent(g, c, lambda, l1); err != nil {
				return nil, err
			}
		}
		for u, k := range active {
			theta[pr.pen[k]] = b[u] / pr.sd[k]
		}
	}
	for f, j := range pr.free {
		v := pr.ay[f]
		for k, jk := range pr.pen {
			v -= pr.af[k][f] * theta[jk]
		}
		theta[j] = v
	}
	return theta, nil
}

// lambdaMax is the smallest penalty that sets every penalized coefficient to zero when α > 0.
func (pr *problem) lambdaMax(l1 float64) float64 {
	lmax := 0.0
	for _, z := range pr.zt {
		if z == nil {
			continue
		}
		c := 0.0
		for i, v := range z {
			c += pr.a.w[i] * v * pr.yt[i]
		}
		lmax = math.Max(lmax, math.Abs(c))
	}
	return lmax / l1
}

// cholGram is the weighted Gram matrix of some columns of an absorbed sample, factorized.
type cholGram struct {
	a     *absorbed
	cols  []int
	scale []float64 // √ of the Gram's diagonal: the factor is of the correlation form
	ch    mat.Cholesky
}

// gram factorizes the weighted Gram matrix of cols; errSingular when they are collinear.
func (a *absorbed) gram(cols []int) (*cholGram, error) {
	n := len(cols)
	g := mat.NewSymDense(n, nil)
	scale := make([]float64, n)
	for u, ju := range cols {
		for v := u; v < n; v++ {
			s := 0.0
			for i, x := range a.x[ju] {
				s += a.w[i] * x * a.x[cols[v]][i]
			}
			g.SetSym(u, v, s)
		}
		scale[u] = math.Sqrt(g.At(u, u))
		if scale[u] == 0 {
			return nil, errSingular
		}
	}
	// Factorize the correlation form so that the condition number measures collinearity,
	// not the drivers' units.
	for u := 0; u < n; u++ {
		for v := u; v < n; v++ {
			g.SetSym(u, v, g.At(u, v)/(scale[u]*scale[v]))
		}
	}
	cg := &cholGram{a: a, cols: cols, scale: scale}
	if ok := cg.ch.Factorize(g); !ok || cg.ch.Cond() > 1e12 {
		return nil, errSingular
	}
	return cg, nil
}

// coef returns the weighted least-squares coefficients of y on the Gram's columns: with
// D = diag(scale) and C the correlation form, XᵀWX = DCD, so θ = D⁻¹C⁻¹D⁻¹XᵀWy.
func (cg *cholGram) coef(y []float64) []float64 {
	n := len(cg.cols)
	rhs := make([]float64, n)
	for u, j := range cg.cols {
		s := 0.0
		for i, x := range cg.a.x[j] {
			s += cg.a.w[i] * x * y[i]
		}
		rhs[u] = s / cg.scale[u]
	}
	var sol mat.VecDense
	if err := cg.ch.SolveVecTo(&sol, mat.NewVecDense(n, rhs)); err != nil {
		return make([]float64, n)
	}
	out := sol.RawVector().Data
	for u := range out {
		out[u] /= cg.scale[u]
	}
	return out
}

// residual returns y minus its fit on the Gram's columns with coefficients b.
func (cg *cholGram) residual(y, b []float64) []float64 {
	out := append([]float64(nil), y...)
	for u, j := range cg.cols {
		for i, x := range cg.a.x[j] {
			out[i] -= b[u] * x
		}
	}
	return out
}

// coordinateDescent minimizes ½ bᵀGb − cᵀb + λ(α|b|₁ + (1−α)/2 |b|²) for a Gram matrix G with
// unit diagonal (standardized columns), the covariance form of glmnet's update:
// b_j ← S(c_j − Σ_{k≠j} G_jk b_k, λα) / (1 + λ(1−α)), with S the soft threshold.
func coordinateDescent(g *mat.SymDense, c []float64, lambda, l1 float64) ([]float64, error) {
	k := len(c)
	b := make([]float64, k)
	gb := make([]float64, k) // G b
	for iter := 0; iter < 100000; iter++ {
		moved := 0.0
		for j := 0; j < k; j++ {
			gjj := g.At(j, j)
			rho := c[j] - gb[j] + gjj*b[j]
			nb := softThreshold(rho, lambda*l1) / (gjj + lambda*(1-l1))
			if d := nb - b[j]; d != 0 {
				for u := 0; u < k; u++ {
					gb[u] += g.At(u, j) * d
				}
				moved = math.Max(moved, math.Abs(d))
				b[j] = nb
			}
		}
		if moved < 1e-13 {
			return b, nil
		}
	}
	return nil, errors.New("coordinate descent did not converge")
}

func softThreshold(x, t float64) float64 {
	switch {
	case x > t:
		return x - t
	case x < -t:
		return x + t
	}
	return 0
}

// predictRows returns the fitted growth of rows of s given coefficients on the sample's
// columns and the fixed effects of the training rows; rows whose scope or season the
// training rows did not see get NaN.
func predictRows(s *sample, rows []int, beta, scope, season []float64) []float64 {
	out := make([]float64, len(rows))
	for k, i := range rows {
		g, q := s.scope[i], s.season[i]
		if g >= len(scope) || q >= len(season) || math.IsNaN(scope[g]) || math.IsNaN(season[q]) {
			out[k] = math.NaN()
			continue
		}
		v := scope[g] + season[q]
		for j, b := range beta {
			v += b * s.x[i][j]
		}
		out[k] = v
	}
	return out
}
