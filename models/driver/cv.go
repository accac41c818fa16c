package driver

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// CVPoint is one candidate penalty and its rolling-origin validation error.
type CVPoint struct {
	Penalty float64 `json:"penalty"`
	// MSE is the weighted mean squared one-period-ahead error of growth over every validation
	// row of every origin.
	MSE float64 `json:"mse"`
}

// penaltyGrid returns the candidate penalties: 0 (no penalty), then 25 values spaced evenly on
// the log scale, in the units of problem.solve (a sum loss over n rows). For ridge (α = 0) they
// run from 10⁻⁴·n to 10²·n: on standardized columns λ = c·n shrinks an orthogonal
// coefficient by 1/(1+c), so the grid spans "nothing" to "almost everything". For α > 0 they
// run from λmax, the smallest penalty that sets every penalized coefficient to zero, down to
// 10⁻⁴·λmax, as glmnet does.
func penaltyGrid(pr *problem, l1 float64) []float64 {
	hi, lo := 2.0, -4.0
	scale := float64(len(pr.a.y))
	if l1 > 0 {
		scale, hi = pr.lambdaMax(l1), 0
	}
	grid := []float64{0}
	const k = 25
	for i := 0; i < k; i++ {
		grid = append(grid, scale*math.Pow(10, lo+(hi-lo)*float64(i)/(k-1)))
	}
	return grid
}

// periodRanks maps each row to the rank of its period among the sample's distinct periods and
// returns the number of distinct periods.
func periodRanks(s *sample) ([]int, int) {
	ps := slices.Clone(s.period)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	rank := make([]int, s.n())
	for i, p := range s.period {
		rank[i], _ = slices.BinarySearch(ps, p)
	}
	return rank, len(ps)
}

// fold is one validation split: rows to fit on and rows to predict.
type fold struct{ train, val []int }

// rollingFolds are rolling-origin splits: for every origin k from minTrain to the last period,
// fit on the periods before k and predict period k.
func rollingFolds(s *sample, minTrain int) ([]fold, error) {
	rank, T := periodRanks(s)
	if T-minTrain < 1 {
		return nil, dataError{fmt.Errorf("%d periods leave no validation origin after %d training periods", T, minTrain)}
	}
	var folds []fold
	for k := minTrain; k < T; k++ {
		var f fold
		for i, r := range rank {
			switch {
			case r < k:
				f.train = append(f.train, i)
			case r == k:
				f.val = append(f.val, i)
			}
		}
		folds = append(folds, f)
	}
	return folds, nil
}

// blockedFolds are k contiguous blocks of periods; each block is predicted from the periods
// outside it and outside a buffer of gap periods on either side (hv-block, Racine 2000), so
// that the noise a validation period shares with its neighbours does not leak into the fit.
func blockedFolds(s *sample, k, gap int) []fold {
	rank, T := periodRanks(s)
	var folds []fold
	for b := 0; b < k; b++ {
		lo, hi := b*T/k, (b+1)*T/k
		var f fold
		for i, r := range rank {
			switch {
			case r >= lo && r < hi:
				f.val = append(f.val, i)
			case r < lo-gap || r >= hi+gap:
				f.train = append(f.train, i)
			}
		}
		folds = append(folds, f)
	}
	return folds
}

// crossValidate scores each penalty on the folds: each fold's model is fitted on its training
// rows alone (scope and season effects, standardization and coefficients) and predicts the
// growth of its validation rows. Errors are pooled over folds with the row weights. It returns
// the points and the index of the best: the smallest error, the larger penalty on a tie.
func crossValidate(s *sample, free []bool, grid []float64, l1 float64, folds []fold) ([]CVPoint, int, error) {
	sse := make([]float64, len(grid))
	sw := 0.0
	for _, fd := range folds {
		train, val := fd.train, fd.val
		ts := s.gather(train)
		pr, err := newProblem(absorb(ts), free)
		if errors.Is(err, errSingular) {
			continue // the free columns are collinear in this fold's periods: no score
		}
		if err != nil {
			return nil, 0, err
		}
		foldW := -1.0
		for g, lambda := range grid {
			beta, err := pr.solve(lambda, l1)
			if errors.Is(err, errSingular) {
				sse[g] = math.Inf(1)
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			r := make([]float64, ts.n())
			for i := range r {
				r[i] = ts.y[i]
				for j, b := range beta {
					r[i] -= b * ts.x[i][j]
				}
			}
			scope, season := fixedEffects(r, ts)
			pred := predictRows(s, val, beta, scope, season)
			fw := 0.0
			for m, i := range val {
				if math.IsNaN(pred[m]) {
					continue
				}
				e := s.y[i] - pred[m]
				sse[g] += s.w[i] * e * e
				fw += s.w[i]
			}
			foldW = fw
		}
		if foldW > 0 {
			sw += foldW
		}
	}
	if sw == 0 {
		return nil, 0, dataError{errors.New("no validation row shares a scope and season with its training periods")}
	}
	points := make([]CVPoint, len(grid))
	best := -1
	for g, lambda := range grid {
		points[g] = CVPoint{Penalty: lambda, MSE: sse[g] / sw}
		if best < 0 || points[g].MSE <= points[best].MSE*(1+1e-12) {
			best = g
		}
	}
	if math.IsInf(points[best].MSE, 1) {
		return nil, 0, errSingular
	}
	return points, best, nil
}
