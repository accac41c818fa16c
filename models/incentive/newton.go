package incentive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/growthlens/growthlens/models/classify"
)

// likelihood is a model's summed negative log-likelihood over rows of its data, convex in the
// parameters th, for newton.
type likelihood interface {
	// dim is the number of parameters.
	dim() int
	// nll returns the summed negative log-likelihood of rows at th.
	nll(rows []int, th []float64) float64
	// derivatives adds the gradient, and the Hessian's upper triangle (row-major dim×dim), of
	// the summed negative log-likelihood of rows at th to g and h, and returns that sum.
	derivatives(rows []int, th, g, h []float64) float64
	// intercept reports whether parameter j is an intercept, which interceptPenalty (not α)
	// penalises.
	intercept(j int) bool
}

// interceptPenalty is the ridge penalty per row on intercepts: small enough to leave them to
// the data, large enough to pin down those the likelihood leaves free (adding a constant to
// every type's intercept in the preference model) and keep those of rare classes finite.
const interceptPenalty = 1e-4

// Penalties: both linear models minimise
//
//	(1/n) Σ_i −log P(y_i | x_i) + α (1 − ρ) ½‖w‖² + α ρ ‖w‖₁ + ½ interceptPenalty ‖b‖²
//
// over n rows with standardised inputs, α chosen from penaltyGrid and the L1 share ρ from
// the model's list (attrition: L2 only; preference: preferenceL1Ratios) by stratified
// cross-validation on log loss (penaltyFolds folds; see fitPenalised for large n). The grid
// runs from a model that barely moves from the base rates to one all but unpenalised on
// thousands of rows; each fold walks it from the largest α down, each fit starting from the
// last.
var penaltyGrid = []float64{0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001}

const penaltyFolds = 5

// PenaltyCV is one penalty tried by cross-validation and its mean held-out log loss.
type PenaltyCV struct {
	Alpha   float64 `json:"alpha"`
	L1Ratio float64 `json:"l1_ratio"`
	LogLoss float64 `json:"logloss"`
}

// newtonChunk is the number of rows whose derivatives one goroutine sums: the chunks' sums are
// added in a fixed order, so the result does not depend on the number of workers.
const newtonChunk = 4096

// newton minimises the penalised objective over rows from th, in place, by Newton's method
// with a backtracking (Armijo) line search. It stops when the Newton decrement gᵀH⁻¹g falls
// below 1e-10 (the objective, a mean over rows, is then within 1e-10 of its minimum) or the line search can make no progress.
//
// ctx is checked before every Newton step: a cancelled fit returns ctx's error.
func newton(ctx context.Context, lk likelihood, rows []int, pn penalty, th []float64, workers int) error {
	dim := lk.dim()
	nChunks := (len(rows) + newtonChunk - 1) / newtonChunk
	type part struct {
		f    float64
		g, h []float64
	}
	parts := make([]part, nChunks)
	for c := range parts {
		parts[c].g, parts[c].h = make([]float64, dim), make([]float64, dim*dim)
	}
	chunk := func(c int) []int { return rows[c*newtonChunk : min((c+1)*newtonChunk, len(rows))] }
	pen, l1 := make([]float64, dim), make([]float64, dim) // per parameter: L2 and L1 weights
	for j := range pen {
		pen[j], l1[j] = pn.Alpha*(1-pn.L1Ratio)+l2Floor, pn.Alpha*pn.L1Ratio
		if lk.intercept(j) {
			pen[j], l1[j] = interceptPenalty, 0
		}
	}
	l1norm := func(th []float64) float64 {
		var s float64
		for j, v := range th {
			if l1[j] > 0 {
				s += l1[j] * (math.Hypot(v, l1Smooth) - l1Smooth)
			}
		}
		return s
	}
	nInv := 1 / float64(len(rows))
	objective := func(th []float64) float64 {
		f := 0.0
		for c := range nChunks {
			f += lk.nll(chunk(c), th)
		}
		f *= nInv
		for j, v := range th {
			f += 0.5 * pen[j] * v * v
		}
		return f + l1norm(th)
	}
	grad, trial := make([]float64, dim), make([]float64, dim)
	hess := mat.NewSymDense(dim, nil)
	h := hess.RawSymmetric().Data
	derivatives := func(th []float64) float64 {
		var wg sync.WaitGroup
		sem := make(chan struct{}, max(workers, 1))
		for c := range nChunks {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				pt := &parts[c]
				clear(pt.g)
				clear(pt.h)
				pt.f = lk.derivatives(chunk(c), th, pt.g, pt.h)
			}()
		}
		wg.Wait()
		f := 0.0
		clear(grad)
		clear(h)
		for c := range parts {
			f += parts[c].f
			for j, v := range parts[c].g {
				grad[j] += v
			}
			for a := range dim {
				for b := a; b < dim; b++ {
					h[a*dim+b] += parts[c].h[a*dim+b]
				}
			}
		}
		f *= nInv
		for a := range dim {
			grad[a] = grad[a]*nInv + pen[a]*th[a]
			for b := a; b < dim; b++ {
				h[a*dim+b] *= nInv
			}
			h[a*dim+a] += pen[a]
			f += 0.5 * pen[a] * th[a] * th[a]
			if l1[a] > 0 { // l1 (√(v² + ε²) − ε): slope l1 v/√(v² + ε²), curvature l1 ε²/(v² + ε²)^{3/2}
				r := math.Hypot(th[a], l1Smooth)
				f += l1[a] * (r - l1Smooth)
				grad[a] += l1[a] * th[a] / r
				h[a*dim+a] += l1[a] * l1Smooth * l1Smooth / (r * r * r)
			}
		}
		return f
	}
	var chol mat.Cholesky
	step := mat.NewVecDense(dim, nil)
	for range 100 {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := derivatives(th)
		if !chol.Factorize(hess) {
			return errors.New("the Hessian is not positive definite")
		}
		if err := chol.SolveVecTo(step, mat.NewVecDense(dim, grad)); err != nil {
			return err
		}
		dec := 0.0 // gᵀH⁻¹g; the Newton step is −H⁻¹g
		for j := range dim {
			dec += grad[j] * step.AtVec(j)
		}
		if !(dec >= 1e-10) {
			if math.IsNaN(dec) {
				return errors.New("the objective is not finite")
			}
			return nil
		}
		t := 1.0
		for ; t >= 1e-10; t /= 2 {
			for j := range dim {
				trial[j] = th[j] - t*step.AtVec(j)
			}
			if objective(trial) <= f-1e-4*t*dec {
				break
			}
		}
		if t < 1e-10 {
			return nil // no further progress is possible at this precision
		}
		copy(th, trial)
	}
	return nil
}

// penalty is one point of the penalty grid: α and the share of it that is L1 (elastic net:
// α (1 − L1Ratio) ½‖w‖² + α L1Ratio ‖w‖₁).
type penalty struct {
	Alpha, L1Ratio float64
}

// The L1 term |w| is smoothed to √(w² + ε²) − ε with ε = l1Smooth, so that Newton's method
// minimises it like the rest (weights are in units of standardised inputs, where 10⁻² is
// nothing): a weight the L1 term holds at zero sits within about ε of it, pinned by a
// curvature of L1/ε. With ε = 10⁻³ Newton needed half as many steps again on the
// 100-employee development companies, for the same accuracy. l2Floor keeps a trace of L2 on every weight so that a pure L1 penalty
// still has one solution where the likelihood is flat (the preference model's common shift of
// all types) and Cholesky always succeeds.
const (
	l1Smooth = 1e-2
	l2Floor  = 1e-6
)

// cvMaxRows caps the rows cross-validation fits on. Beyond a few tens of thousands of rows the
// held-out log loss of neighbouring penalties differs by less than its noise, while the cost
// of the search grows with the rows: a stratified subsample of cvMaxRows chooses the penalty
// (as a prior precision, see fitPenalised) and only the final fit reads every row.
const cvMaxRows = 10000

// stratifiedFolds returns, per fold, the training and held-out rows of a stratified split of
// the labels y (classes 0…k−1, some possibly absent), and the number of rows the folds cover:
// all of them, or a stratified subsample of about cvMaxRows (drawn with seed) when there are
// more. An error when a class present has fewer rows than folds.
func stratifiedFolds(y []int, k int, seed uint64) ([][2][]int, int, error) {
	idx := make([]int, k) // dense renumbering of the classes present
	for c := range idx {
		idx[c] = -1
	}
	yy := make([]int, len(y))
	nc := 0
	for i, c := range y {
		if idx[c] < 0 {
			idx[c] = nc
			nc++
		}
		yy[i] = idx[c]
	}
	rows := make([]int, len(y)) // the rows cross-validated, as indexes into y
	for i := range rows {
		rows[i] = i
	}
	if parts := (len(y) + cvMaxRows - 1) / cvMaxRows; parts > 1 {
		// One part of a stratified partition into parts is a stratified subsample.
		if part, err := classify.StratifiedFolds(yy, nc, parts, seed^0x5ab5); err == nil {
			rows = rows[:0]
			for i, p := range part {
				if p == 0 {
					rows = append(rows, i)
				}
			}
		}
	}
	sub := make([]int, len(rows))
	for j, i := range rows {
		sub[j] = yy[i]
	}
	fold, err := classify.StratifiedFolds(sub, nc, penaltyFolds, seed)
	if err != nil && len(rows) < len(y) {
		// A class too rare for every fold of the subsample may still fill the folds of all rows.
		rows, sub = rows[:0], yy
		for i := range y {
			rows = append(rows, i)
		}
		fold, err = classify.StratifiedFolds(sub, nc, penaltyFolds, seed)
	}
	if err != nil {
		return nil, 0, err
	}
	out := make([][2][]int, penaltyFolds)
	for j, f := range fold {
		for g := range out {
			if g == f {
				out[g][1] = append(out[g][1], rows[j])
			} else {
				out[g][0] = append(out[g][0], rows[j])
			}
		}
	}
	return out, len(rows), nil
}

// fitPenalised chooses the penalty by cross-validation over folds covering m rows (each fold
// fits every L1 share's path over penaltyGrid, folds in parallel up to workers) and fits all n
// rows with it. The objective is a mean over rows, so a penalty α chosen on m rows is the
// prior precision α·m; the final fit on n rows uses α·m/n, the same prior. Without folds (too
// few rows of some class) it uses the middle of the L2 path. It returns the parameters, the
// penalty of the final fit and the cross-validated log loss of every penalty tried (at the
// cross-validation's scale).
func fitPenalised(ctx context.Context, lk likelihood, n int, folds [][2][]int, m int, ratios []float64, workers int) ([]float64, penalty, []PenaltyCV, error) {
	best := penalty{Alpha: penaltyGrid[len(penaltyGrid)/2], L1Ratio: ratios[0]}
	var cv []PenaltyCV
	if len(folds) > 0 {
		loss := make([][]float64, len(folds))
		errs := make([]error, len(folds))
		var wg sync.WaitGroup
		sem := make(chan struct{}, max(workers, 1))
		for f := range folds {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				train, test := folds[f][0], folds[f][1]
				for _, rho := range ratios {
					th := make([]float64, lk.dim())
					for _, al := range penaltyGrid {
						if errs[f] = newton(ctx, lk, train, penalty{al, rho}, th, 1); errs[f] != nil {
							return
						}
						loss[f] = append(loss[f], lk.nll(test, th)/float64(len(test)))
					}
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, penalty{}, nil, err
		}
		lowest := math.Inf(1)
		for r, rho := range ratios {
			for a, al := range penaltyGrid {
				var s float64
				for f := range folds {
					s += loss[f][r*len(penaltyGrid)+a]
				}
				s /= float64(len(folds))
				cv = append(cv, PenaltyCV{Alpha: al, L1Ratio: rho, LogLoss: s})
				if s < lowest {
					lowest, best = s, penalty{al, rho}
				}
			}
		}
		best.Alpha *= float64(m) / float64(n)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	th := make([]float64, lk.dim())
	if len(folds) > 0 && m < n { // no folds (too few rows of some class): no subsample either
		// The subsample's fit at its own penalty is close to the full one: starting there
		// saves most of the passes over every row.
		sub := slices.Concat(folds[0][0], folds[0][1])
		if err := newton(ctx, lk, sub, penalty{best.Alpha * float64(n) / float64(m), best.L1Ratio}, th, workers); err != nil {
			return nil, penalty{}, nil, fmt.Errorf("fit the cross-validation rows: %w", err)
		}
	}
	if err := newton(ctx, lk, all, best, th, workers); err != nil {
		return nil, penalty{}, nil, fmt.Errorf("fit with alpha %g: %w", best.Alpha, err)
	}
	return th, best, cv, nil
}
