package classify

import (
	"fmt"
	"math/rand/v2"
)

// StratifiedFolds assigns each row to one of k folds so that every fold holds nearly the same
// share of each class. Rows of each class are shuffled with a generator seeded by seed, then
// dealt round-robin to the folds, continuing the deal from class to class so the fold sizes
// differ by at most one. The assignment depends only on (y, k, seed).
//
// Returns an error when k < 2 or when a class has fewer than k rows (some fold would then hold
// none of it and the per-fold scores would not be comparable).
func StratifiedFolds(y []int, nClasses, k int, seed uint64) ([]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("folds: need at least 2 folds, got %d", k)
	}
	byClass := make([][]int, nClasses)
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	for c, rows := range byClass {
		if len(rows) < k {
			return nil, fmt.Errorf("folds: class %d has %d rows, fewer than the %d folds", c, len(rows), k)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	fold := make([]int, len(y))
	deal := 0
	for _, rows := range byClass {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			fold[r] = deal % k
			deal++
		}
	}
	return fold, nil
}

// split returns the training and held-out row indices of fold f.
func split(fold []int, f int) (train, test []int) {
	for i, g := range fold {
		if g == f {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}
