package classify

import "math"

// bayes is a fitted naive Bayes model over encoded features, stored as a quadratic in x per
// class: log p(c) + Σ_j log p(x_j | c) = Const[c] + Σ_j Lin[c,j]·x_j + Quad[c,j]·x_j².
type bayes struct {
	P, K  int
	Const []float64
	Lin   []float64 // K×P
	Quad  []float64 // K×P
}

// fitBayes fits naive Bayes with a likelihood chosen per feature: 0/1 features (one-hot
// labels, missing indicators) are Bernoulli with Laplace smoothing,
// θ = (count₁ + 1)/(count + 2); other features are Gaussian with the per-class mean and
// variance, the variance increased by varSmoothing × the largest feature variance (the
// var_smoothing of scikit-learn's GaussianNB). Priors are the class frequencies. Categorical
// columns thus get their own categorical likelihood through their one-hot features.
func fitBayes(x []float64, n, p int, y []int, k int, binary []bool, varSmoothing float64) *bayes {
	m := &bayes{P: p, K: k, Const: make([]float64, k), Lin: make([]float64, k*p), Quad: make([]float64, k*p)}
	count := make([]float64, k)
	sum := make([]float64, k*p)
	sq := make([]float64, k*p)
	for i := 0; i < n; i++ {
		c := y[i]
		count[c]++
		for j := 0; j < p; j++ {
			v := x[i*p+j]
			sum[c*p+j] += v
			sq[c*p+j] += v * v
		}
	}
	var maxVar float64
	for j := 0; j < p; j++ {
		var s, s2 float64
		for c := 0; c < k; c++ {
			s += sum[c*p+j]
			s2 += sq[c*p+j]
		}
		mean := s / float64(n)
		maxVar = math.Max(maxVar, s2/float64(n)-mean*mean)
	}
	eps := varSmoothing * maxVar
	if eps == 0 {
		eps = varSmoothing
	}
	for c := 0; c < k; c++ {
		nc := count[c]
		m.Const[c] = math.Log(nc / float64(n))
		for j := 0; j < p; j++ {
			i := c*p + j
			if binary[j] {
				theta := (sum[i] + 1) / (nc + 2)
				l1, l0 := math.Log(theta), math.Log(1-theta)
				m.Const[c] += l0
				m.Lin[i] = l1 - l0
				continue
			}
			mu := sum[i] / nc
			v := math.Max(sq[i]/nc-mu*mu, 0) + eps
			// −½log(2πv) − (x−μ)²/(2v) expanded in powers of x.
			m.Const[c] += -0.5*math.Log(2*math.Pi*v) - mu*mu/(2*v)
			m.Lin[i] = mu / v
			m.Quad[i] = -1 / (2 * v)
		}
	}
	return m
}

func (m *bayes) probs(x []float64, n int, out []float64) {
	p, k := m.P, m.K
	for i := 0; i < n; i++ {
		row := x[i*p : i*p+p]
		o := out[i*k : i*k+k]
		for c := 0; c < k; c++ {
			s := m.Const[c]
			lin, quad := m.Lin[c*p:c*p+p], m.Quad[c*p:c*p+p]
			for j, v := range row {
				s += v * (lin[j] + quad[j]*v)
			}
			o[c] = s
		}
		softmaxInPlace(o)
	}
}
