package classify

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// linear is a fitted (multinomial) logistic regression: for two classes one weight vector
// and P(class 1) = σ(b + w·x); for k > 2 classes k weight vectors and a softmax.
type linear struct {
	P int       // features
	K int       // classes
	W []float64 // rows of P weights: 1 row for K = 2, K rows otherwise
	B []float64 // intercepts, one per row of W
}

// fitLogistic minimises the L2-penalised negative log-likelihood
//
//	½ Σ_j ‖w_j‖² + C Σ_i −log p(y_i | x_i)
//
// (intercepts unpenalised), the objective of scikit-learn's LogisticRegression(C=C). Two
// classes use Newton's method with a backtracking line search; more use L-BFGS on the softmax
// (over-parametrised with one weight vector per class, like scikit-learn's multinomial model).
// x is row-major n×p. warm, when not nil and of matching shape, is the starting point (used
// along a path of C values).
func fitLogistic(x []float64, n, p int, y []int, k int, c float64, warm *linear) (*linear, error) {
	if c <= 0 || math.IsNaN(c) {
		return nil, fmt.Errorf("logistic: C must be positive, got %v", c)
	}
	if k == 2 {
		return fitBinaryLogistic(x, n, p, y, c, warm)
	}
	return fitSoftmax(x, n, p, y, k, c, warm)
}

// Sigmoid is the logistic function 1/(1+e^−z), computed without overflow for any finite z
// (and 0 or 1 at ∓Inf). The logistic models here and in models/incentive share it.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Log1pExp is log(1 + e^z), the logistic loss's building block, without overflow: z itself
// above 35 and e^z below −35, where the rest is below float64 precision.
func Log1pExp(z float64) float64 {
	if z > 35 {
		return z
	}
	if z < -35 {
		return math.Exp(z)
	}
	return math.Log1p(math.Exp(z))
}

func fitBinaryLogistic(x []float64, n, p int, y []int, c float64, warm *linear) (*linear, error) {
	d := p + 1 // weights then intercept
	theta := make([]float64, d)
	if warm != nil && warm.K == 2 && warm.P == p {
		copy(theta, warm.W)
		theta[p] = warm.B[0]
	}
	// eval returns the objective at th and fills its gradient and the fitted probabilities:
	// one pass over the rows serves both the line search and the next Newton step.
	eval := func(th, grad, mus []float64) float64 {
		var f float64
		for j := range grad {
			grad[j] = 0
		}
		for i := 0; i < n; i++ {
			row := x[i*p : i*p+p]
			z := th[p] + dot(th[:p], row)
			mu := Sigmoid(z)
			mus[i] = mu
			// −log p(y|x) = log(1+e^z) − y z
			f += c * (Log1pExp(z) - float64(y[i])*z)
			r := c * (mu - float64(y[i]))
			for a, v := range row {
				grad[a] += r * v
			}
			grad[p] += r
		}
		for j := 0; j < p; j++ {
			f += 0.5 * th[j] * th[j]
			grad[j] += th[j]
		}
		return f
	}
	hess := mat.NewSymDense(d, nil)
	h := hess.RawSymmetric().Data // upper triangle, row-major
	// One-hot and indicator features are mostly zero; the Hessian's outer products only need
	// each row's non-zero entries, listed once here (the intercept is index p).
	nzStart := make([]int32, n+1)
	nnz := n
	for _, v := range x[:n*p] {
		if v != 0 {
			nnz++
		}
	}
	nzIdx := make([]int32, 0, nnz)
	nzVal := make([]float64, 0, nnz)
	for i := 0; i < n; i++ {
		for a, v := range x[i*p : i*p+p] {
			if v != 0 {
				nzIdx = append(nzIdx, int32(a))
				nzVal = append(nzVal, v)
			}
		}
		nzIdx = append(nzIdx, int32(p))
		nzVal = append(nzVal, 1)
		nzStart[i+1] = int32(len(nzIdx))
	}
	grad, gradT := make([]float64, d), make([]float64, d)
	mus, musT := make([]float64, n), make([]float64, n)
	step := make([]float64, d)
	trial := make([]float64, d)
	f := eval(theta, grad, mus)
	const maxIter = 100
	for iter := 0; iter < maxIter; iter++ {
		if maxAbs(grad) < 1e-8*math.Max(1, c*float64(n)) {
			break
		}
		for j := range h {
			h[j] = 0
		}
		for i := 0; i < n; i++ {
			wt := c * mus[i] * (1 - mus[i])
			idx := nzIdx[nzStart[i]:nzStart[i+1]]
			val := nzVal[nzStart[i]:nzStart[i+1]]
			for a, ia := range idx {
				wa := wt * val[a]
				hr := h[int(ia)*d:]
				for b := a; b < len(idx); b++ {
					hr[idx[b]] += wa * val[b]
				}
			}
		}
		for j := 0; j < p; j++ {
			h[j*d+j] += 1
		}
		// A tiny ridge on the intercept keeps the Hessian invertible when every prediction
		// saturates (separable data with large C).
		h[p*d+p] += 1e-12
		var chol mat.Cholesky
		if ok := chol.Factorize(hess); !ok {
			return nil, errors.New("logistic: Hessian is not positive definite")
		}
		sv := mat.NewVecDense(d, step)
		if err := chol.SolveVecTo(sv, mat.NewVecDense(d, grad)); err != nil {
			return nil, fmt.Errorf("logistic: newton step: %w", err)
		}
		// Backtracking (Armijo) line search along −step.
		decrease := dot(grad, step)
		t := 1.0
		accepted := false
		for ls := 0; ls <= 30; ls++ {
			for j := range trial {
				trial[j] = theta[j] - t*step[j]
			}
			fNew := eval(trial, gradT, musT)
			if fNew <= f-1e-4*t*decrease {
				accepted = fNew < f
				theta, trial = trial, theta
				grad, gradT = gradT, grad
				mus, musT = musT, mus
				f = fNew
				break
			}
			t /= 2
		}
		if !accepted {
			// No decrease left at machine precision: the gradient test was too strict for
			// this problem's scale.
			break
		}
	}
	return &linear{P: p, K: 2, W: append([]float64(nil), theta[:p]...), B: []float64{theta[p]}}, nil
}

func fitSoftmax(x []float64, n, p int, y []int, k int, c float64, warm *linear) (*linear, error) {
	d := k * (p + 1) // per class: p weights then the intercept
	init := make([]float64, d)
	if warm != nil && warm.K == k && warm.P == p {
		for j := 0; j < k; j++ {
			copy(init[j*(p+1):], warm.W[j*p:j*p+p])
			init[j*(p+1)+p] = warm.B[j]
		}
	}
	z := make([]float64, k)
	fg := func(grad, th []float64) float64 {
		var f float64
		if grad != nil {
			for j := range grad {
				grad[j] = 0
			}
		}
		for j := 0; j < k; j++ {
			w := th[j*(p+1) : j*(p+1)+p]
			for a := range w {
				f += 0.5 * w[a] * w[a]
				if grad != nil {
					grad[j*(p+1)+a] += w[a]
				}
			}
		}
		for i := 0; i < n; i++ {
			row := x[i*p : i*p+p]
			for j := 0; j < k; j++ {
				z[j] = th[j*(p+1)+p] + dot(th[j*(p+1):j*(p+1)+p], row)
			}
			lse := logSumExp(z)
			f += c * (lse - z[y[i]])
			if grad == nil {
				continue
			}
			for j := 0; j < k; j++ {
				r := math.Exp(z[j] - lse)
				if j == y[i] {
					r--
				}
				r *= c
				g := grad[j*(p+1) : j*(p+1)+p+1]
				for a, v := range row {
					g[a] += r * v
				}
				g[p] += r
			}
		}
		return f
	}
	prob := optimize.Problem{
		Func: func(th []float64) float64 { return fg(nil, th) },
		Grad: func(grad, th []float64) { fg(grad, th) },
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-8 * math.Max(1, c*float64(n)),
		MajorIterations:   2000,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 20},
	}
	res, err := optimize.Minimize(prob, init, settings, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	m := &linear{P: p, K: k, W: make([]float64, k*p), B: make([]float64, k)}
	for j := 0; j < k; j++ {
		copy(m.W[j*p:j*p+p], res.X[j*(p+1):j*(p+1)+p])
		m.B[j] = res.X[j*(p+1)+p]
	}
	return m, nil
}

// probs writes class probabilities for the n encoded rows of x into out (n×K).
func (m *linear) probs(x []float64, n int, out []float64) {
	p, k := m.P, m.K
	if k == 2 {
		w, b := m.W, m.B[0]
		for i := 0; i < n; i++ {
			q := Sigmoid(b + dot(w, x[i*p:i*p+p]))
			out[2*i], out[2*i+1] = 1-q, q
		}
		return
	}
	for i := 0; i < n; i++ {
		row := x[i*p : i*p+p]
		o := out[i*k : i*k+k]
		for j := 0; j < k; j++ {
			o[j] = m.B[j] + dot(m.W[j*p:j*p+p], row)
		}
		softmaxInPlace(o)
	}
}

func dot(a, b []float64) float64 {
	var s float64
	b = b[:len(a)]
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func logSumExp(z []float64) float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = math.Max(m, v)
	}
	var s float64
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func softmaxInPlace(z []float64) {
	l := logSumExp(z)
	for j := range z {
		z[j] = math.Exp(z[j] - l)
	}
}
