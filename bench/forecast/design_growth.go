package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/growthlens/growthlens/models/forecast"
)

// growthStudy scores the growth intervals of Auto's default design (forecast.Growth: quantiles
// of paths simulated from the level error model) on the pseudo-test sets: the share of
// held-out quarter-on-quarter and year-on-year growth rates inside their 80 % and 95 %
// intervals, over horizons 1–8, and at horizon 1 alone.
func growthStudy(w io.Writer, sets []valSet, workers int) error {
	type tally struct{ in80, in95, n, in80h1, in95h1, nh1 int }
	fmt.Fprintln(w, "\nGrowth intervals of the default design (simulated paths) on the same pseudo-test sets:")
	fmt.Fprintf(w, "%-8s %8s %22s %22s\n", "holdout", "", "QoQ cov80 / cov95", "YoY cov80 / cov95")
	for _, vs := range sets {
		pop, yoy := make([]tally, len(vs.cases)), make([]tally, len(vs.cases))
		errs := make([]error, len(vs.cases))
		var wg sync.WaitGroup
		next := make(chan int)
		for range max(workers, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					c := vs.cases[i]
					res, err := forecast.Auto(c.Train, forecast.Options{Horizon: len(c.Test)})
					if err != nil {
						errs[i] = err
						continue
					}
					g, err := forecast.Growth(c.Train, res)
					if err != nil {
						errs[i] = err
						continue
					}
					full := append(append([]float64(nil), c.Train.Values...), c.Test...)
					n, m := len(c.Train.Values), c.Train.Period
					count := func(t *tally, r forecast.Rate, h, base int) {
						if !r.Defined || len(r.Intervals) < 2 || !(full[base] > 0) {
							return
						}
						a := full[n+h]/full[base] - 1
						in := func(iv forecast.RateInterval) int {
							if a >= iv.Lower && a <= iv.Upper {
								return 1
							}
							return 0
						}
						t.in80 += in(r.Intervals[0])
						t.in95 += in(r.Intervals[1])
						t.n++
						if h == 0 {
							t.in80h1 += in(r.Intervals[0])
							t.in95h1 += in(r.Intervals[1])
							t.nh1++
						}
					}
					for h := range c.Test {
						count(&pop[i], g.PoP[h], h, n+h-1)
						count(&yoy[i], g.YoY[h], h, n+h-m)
					}
				}
			}()
		}
		for i := range vs.cases {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				return fmt.Errorf("growth on %s: %w", vs.cases[i].ID, err)
			}
		}
		sum := func(ts []tally) (t tally) {
			for _, x := range ts {
				t.in80, t.in95, t.n = t.in80+x.in80, t.in95+x.in95, t.n+x.n
				t.in80h1, t.in95h1, t.nh1 = t.in80h1+x.in80h1, t.in95h1+x.in95h1, t.nh1+x.nh1
			}
			return t
		}
		p, y := sum(pop), sum(yoy)
		pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
		fmt.Fprintf(w, "last %-3d %8s %10.1f%% / %5.1f%% %10.1f%% / %5.1f%%\n", vs.holdout, "h 1-8", pct(p.in80, p.n), pct(p.in95, p.n), pct(y.in80, y.n), pct(y.in95, y.n))
		fmt.Fprintf(w, "%-8s %8s %10.1f%% / %5.1f%% %10.1f%% / %5.1f%%\n", "", "h 1", pct(p.in80h1, p.nh1), pct(p.in95h1, p.nh1), pct(y.in80h1, y.nh1), pct(y.in95h1, y.nh1))
	}
	return nil
}
