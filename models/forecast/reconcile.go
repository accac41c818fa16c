package forecast

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Reconciliation makes the forecasts of a two-level hierarchy — a total and the parts it is
// the sum of — coherent: the parts' reconciled forecasts add up to the total's at every
// horizon. The method is MinT (Wickramasuriya, Athanasopoulos & Hyndman 2019, "Optimal
// forecast reconciliation for hierarchical and grouped time series through trace
// minimization") with the one-step error covariance shrunk towards its diagonal
// (Schäfer & Strimmer 2005): among all coherent forecasts that are linear in the base ones
// and unbiased when they are, it has the least total error variance, and it moves a noisy
// series' forecast more than a steady one's. The shrinkage is needed because the covariance
// rests on a handful of backtest errors per series (8 origins); with few errors the
// estimated intensity goes to 1 and MinT becomes weighted least squares with each series'
// own error variance (WLS_var), the published fallback.

// ReconcileInput is one node of the hierarchy: the total first, then the parts.
type ReconcileInput struct {
	// Mean holds the base forecasts for horizons 1..h.
	Mean []float64
	// Errors are one-step-ahead backtest errors (actual − forecast) at origins common to
	// every node, in the same order for every node.
	Errors []float64
}

// Reconciled is the outcome: reconciled means for every node (total first) and the
// shrinkage intensity used (1: diagonal only).
type Reconciled struct {
	Means  [][]float64
	Lambda float64
}

// ErrReconcile reports inputs that cannot be reconciled.
var ErrReconcile = errors.New("cannot reconcile")

// ReconcileTotal reconciles a total (nodes[0]) with its parts (nodes[1:]) by MinT with a
// shrunk covariance. Every node needs the same horizon and the same number of errors (at
// least 2); a node whose errors are all zero gets a tiny variance (its forecast is kept).
func ReconcileTotal(nodes []ReconcileInput) (*Reconciled, error) {
	n := len(nodes)
	if n < 2 {
		return nil, fmt.Errorf("%w: %d nodes, want a total and at least one part", ErrReconcile, n)
	}
	h, T := len(nodes[0].Mean), len(nodes[0].Errors)
	if T < 2 {
		return nil, fmt.Errorf("%w: %d backtest errors, want at least 2", ErrReconcile, T)
	}
	for i, nd := range nodes {
		if len(nd.Mean) != h || len(nd.Errors) != T {
			return nil, fmt.Errorf("%w: node %d has %d forecasts and %d errors, want %d and %d", ErrReconcile, i, len(nd.Mean), len(nd.Errors), h, T)
		}
		for _, v := range append(append([]float64(nil), nd.Mean...), nd.Errors...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: node %d: %w", ErrReconcile, i, ErrNonFinite)
			}
		}
	}
	W, lambda := shrunkCovariance(nodes)
	b := n - 1
	// S maps the parts to every node: the total is their sum.
	S := mat.NewDense(n, b, nil)
	for j := range b {
		S.Set(0, j, 1)
		S.Set(j+1, j, 1)
	}
	var Winv mat.Dense
	if err := Winv.Inverse(W); err != nil {
		return nil, fmt.Errorf("%w: error covariance: %v", ErrReconcile, err)
	}
	var StWi, StWiS, inv, G mat.Dense
	StWi.Mul(S.T(), &Winv)
	StWiS.Mul(&StWi, S)
	if err := inv.Inverse(&StWiS); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReconcile, err)
	}
	G.Mul(&inv, &StWi) // b × n
	out := &Reconciled{Means: make([][]float64, n), Lambda: lambda}
	for i := range out.Means {
		out.Means[i] = make([]float64, h)
	}
	base := mat.NewVecDense(n, nil)
	var bottom, all mat.VecDense
	for k := range h {
		for i, nd := range nodes {
			base.SetVec(i, nd.Mean[k])
		}
		bottom.MulVec(&G, base)
		all.MulVec(S, &bottom)
		for i := range n {
			out.Means[i][k] = all.AtVec(i)
		}
	}
	return out, nil
}

// ReconcileToTotal makes parts add up to a total that is already fixed (a region's
// reconciled forecast, split among its teams): at each horizon it adds to the parts' base
// forecasts the least-variance correction W·1·(1ᵀW1)⁻¹·(total − 1ᵀŷ), W being the parts'
// one-step error covariance shrunk as in ReconcileTotal. It is MinT with the total's own error
// variance taken to zero. It returns the parts' reconciled means.
func ReconcileToTotal(total []float64, parts []ReconcileInput) ([][]float64, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no parts", ErrReconcile)
	}
	h, T := len(total), len(parts[0].Errors)
	if T < 2 {
		return nil, fmt.Errorf("%w: %d backtest errors, want at least 2", ErrReconcile, T)
	}
	for i, nd := range parts {
		if len(nd.Mean) != h || len(nd.Errors) != T {
			return nil, fmt.Errorf("%w: part %d has %d forecasts and %d errors, want %d and %d", ErrReconcile, i, len(nd.Mean), len(nd.Errors), h, T)
		}
		for _, v := range append(append(append([]float64(nil), nd.Mean...), nd.Errors...), total...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: part %d: %w", ErrReconcile, i, ErrNonFinite)
			}
		}
	}
	n := len(parts)
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), parts[i].Mean...)
	}
	if n == 1 {
		copy(out[0], total)
		return out, nil
	}
	W, _ := shrunkCovariance(parts)
	ones := mat.NewVecDense(n, nil)
	for i := range n {
		ones.SetVec(i, 1)
	}
	var w1 mat.VecDense
	w1.MulVec(W, ones)
	den := mat.Dot(ones, &w1)
	if !(den > 0) {
		return nil, fmt.Errorf("%w: the parts' error covariance is not positive", ErrReconcile)
	}
	for k := range h {
		gap := total[k]
		for i := range n {
			gap -= parts[i].Mean[k]
		}
		for i := range n {
			out[i][k] += w1.AtVec(i) / den * gap
		}
	}
	return out, nil
}

// shrunkCovariance estimates the one-step error covariance of the nodes, shrunk towards its
// diagonal with the intensity of Schäfer & Strimmer (2005, target D): λ = Σ_{i≠j} Var(r_ij) /
// Σ_{i≠j} r_ij², clipped to [0, 1], from the errors scaled by their root mean squares (errors
// of unbiased forecasts have mean zero, so moments are taken about zero).
func shrunkCovariance(nodes []ReconcileInput) (*mat.SymDense, float64) {
	n, T := len(nodes), len(nodes[0].Errors)
	sd := make([]float64, n)
	for i, nd := range nodes {
		s := 0.0
		for _, e := range nd.Errors {
			s += e * e
		}
		sd[i] = math.Sqrt(s / float64(T))
	}
	// A node without errors (a series forecast perfectly, or constant) gets a variance far
	// below the others' so that its forecast is kept.
	floor := 0.0
	for _, s := range sd {
		floor = math.Max(floor, s)
	}
	floor = math.Max(floor*1e-6, 1e-12)
	x := make([][]float64, n)
	for i, nd := range nodes {
		sd[i] = math.Max(sd[i], floor)
		x[i] = make([]float64, T)
		for t, e := range nd.Errors {
			x[i][t] = e / sd[i]
		}
	}
	var num, den float64
	r := make([][]float64, n)
	for i := range r {
		r[i] = make([]float64, n)
	}
	for i := range n {
		for j := range n {
			if i == j {
				r[i][j] = 1
				continue
			}
			m := 0.0
			for t := range T {
				m += x[i][t] * x[j][t]
			}
			m /= float64(T)
			v := 0.0
			for t := range T {
				d := x[i][t]*x[j][t] - m
				v += d * d
			}
			v *= float64(T) / math.Pow(float64(T-1), 3)
			r[i][j] = m
			num += v
			den += m * m
		}
	}
	lambda := 1.0
	if den > 0 {
		lambda = math.Min(1, math.Max(0, num/den))
	}
	W := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			c := r[i][j]
			if i != j {
				c *= 1 - lambda
			}
			W.SetSym(i, j, c*sd[i]*sd[j])
		}
	}
	return W, lambda
}

// Recentre replaces the point forecasts by mean (a reconciled forecast) and puts the
// calibrated intervals around it again, keeping the base forecast in BaseMean. The backtest
// and the members stay those of the base forecast.
func (r *Result) Recentre(mean []float64) error {
	if len(mean) != len(r.Mean) {
		return fmt.Errorf("%w: %d reconciled forecasts for %d", ErrReconcile, len(mean), len(r.Mean))
	}
	levels := make([]float64, len(r.Intervals))
	for i, iv := range r.Intervals {
		levels[i] = iv.Level
	}
	if r.BaseMean == nil {
		r.BaseMean = r.Mean
	}
	r.Mean = append([]float64(nil), mean...)
	r.Intervals = r.Uncertainty.intervals(r.Mean, levels)
	return nil
}

// Overlay replaces the first len(mean) point forecasts by mean — a forecast that uses more
// than the series' own history, such as the open sales pipeline — with relative error
// scales near[h−1] at those horizons (from that forecast's own backtest), and puts the
// intervals around the new forecasts, with nearDF degrees of freedom for their Student-t
// (the number of backtest errors behind near; 0 keeps the base forecast's DF). Later
// horizons keep the base forecast and its error model. The base forecast stays in BaseMean;
// method names what made the new one.
func (r *Result) Overlay(mean, near []float64, nearDF float64, method string) error {
	if len(mean) > len(r.Mean) || len(near) != len(mean) {
		return fmt.Errorf("overlay: %d forecasts and %d error scales for %d horizons", len(mean), len(near), len(r.Mean))
	}
	for i := range mean {
		if !(mean[i] >= 0) || math.IsInf(mean[i], 0) || !(near[i] >= 0) || math.IsInf(near[i], 0) {
			return fmt.Errorf("overlay: horizon %d: forecast %v, error scale %v: %w", i+1, mean[i], near[i], ErrNonFinite)
		}
	}
	if !r.Uncertainty.Relative && r.Uncertainty.uncertain() {
		return fmt.Errorf("overlay: the base forecast's errors are absolute, not relative")
	}
	levels := make([]float64, len(r.Intervals))
	for i, iv := range r.Intervals {
		levels[i] = iv.Level
	}
	if r.BaseMean == nil {
		r.BaseMean = r.Mean
	}
	r.Mean = append(append([]float64(nil), mean...), r.Mean[len(mean):]...)
	r.Uncertainty.Relative = true
	r.Uncertainty.Near = append([]float64(nil), near...)
	r.Uncertainty.NearDF = nearDF
	if r.Uncertainty.DF == 0 {
		r.Uncertainty.DF = calDF(len(r.Backtest.Origins))
	}
	if r.Uncertainty.Inflation == 0 {
		r.Uncertainty.Inflation = calInflation
	}
	r.Intervals = r.Uncertainty.intervals(r.Mean, levels)
	r.Method = method
	return nil
}
