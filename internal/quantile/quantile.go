// Package quantile holds the order statistics the models share — the quantile and the median
// — with one contract: R's type 7 (linear interpolation between order statistics, NumPy's
// default), the input never modified, NaN for an empty input.
//
// gonum's stat.Quantile interpolates the empirical distribution instead (R's type 4), which
// gives other intervals for the same bootstrap draws; the models' figures (driver and company
// model intervals, forecast growth intervals, indicator targets, feature percentiles) are
// pinned to R's default, so this package keeps it.
package quantile

import (
	"math"
	"slices"
)

// Sorted returns the q-quantile (0 ≤ q ≤ 1) of xs, which must be sorted ascending and hold
// no NaN (neither is checked): with h = q·(n−1), xs[⌊h⌋] + (h−⌊h⌋)·(xs[⌊h⌋+1] − xs[⌊h⌋]),
// R's quantile(xs, q, type = 7). It returns NaN for an empty xs.
func Sorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := q * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}

// Of returns the q-quantile of xs in any order, as Sorted does after sorting a copy (xs is not
// modified). It returns NaN for an empty xs.
func Of(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Sorted(s, q)
}

// Median returns the median of xs in any order — the middle value, or the mean of the middle
// two for an even count — without modifying xs. It returns NaN for an empty xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return SortedMedian(s)
}

// SortedMedian is Median of xs sorted ascending (not checked), without a copy.
func SortedMedian(xs []float64) float64 {
	n := len(xs)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
