package driver

import (
	"math/rand/v2"
	"runtime"
	"sync"
)

// bootstrap draws replicates of the coefficients by the circular block bootstrap over periods
// (Politis & Romano 1992): a replicate is made of blocks of blockLen consecutive periods with
// uniformly drawn starts, wrapping from the last period to the first, until it has as many
// periods as the sample; every scope's row of a drawn period comes with it. Keeping periods
// whole keeps what scopes share in a quarter (a company-wide shock, a common forecast error);
// keeping blocks of consecutive periods keeps the serial correlation of growth, which is
// negative when revenue has period-to-period noise (Δ of white noise is MA(1)). Each
// replicate partials out its own scope and season effects and is refitted with the penalty
// chosen on the full sample.
//
// Replicate b draws from its own PCG stream seeded (seed, b), so the result does not depend on
// how the work is spread over goroutines. A replicate in which a driver column that moves in
// the full sample does not move (or the fit is singular) is discarded; the number discarded is
// returned.
func bootstrap(s *sample, free []bool, lambda, l1 float64, replicates, blockLen int, seed uint64, active []bool) ([][]float64, int) {
	rank, T := periodRanks(s)
	byPeriod := make([][]int, T)
	for i, r := range rank {
		byPeriod[r] = append(byPeriod[r], i)
	}
	out := make([][]float64, replicates)
	workers := min(runtime.GOMAXPROCS(0), replicates)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				out[b] = replicate(s, byPeriod, free, lambda, l1, blockLen, rand.New(rand.NewPCG(seed, uint64(b))), active)
			}
		}()
	}
	for b := range replicates {
		next <- b
	}
	close(next)
	wg.Wait()
	kept := out[:0]
	for _, r := range out {
		if r != nil {
			kept = append(kept, r)
		}
	}
	return kept, replicates - len(kept)
}

func replicate(s *sample, byPeriod [][]int, free []bool, lambda, l1 float64, blockLen int, r *rand.Rand, active []bool) []float64 {
	T := len(byPeriod)
	idx := make([]int, 0, s.n())
	for drawn := 0; drawn < T; {
		start := r.IntN(T)
		for k := 0; k < blockLen && drawn < T; k++ {
			idx = append(idx, byPeriod[(start+k)%T]...)
			drawn++
		}
	}
	pr, err := newProblem(absorb(s.gather(idx)), free)
	if err != nil {
		return nil
	}
	for k, j := range pr.pen {
		if active[j] && pr.sd[k] == 0 {
			return nil
		}
	}
	theta, err := pr.solve(lambda, l1)
	if err != nil {
		return nil
	}
	return theta
}
