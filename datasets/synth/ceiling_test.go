package synth

import "testing"

// The incentive acceptance bar asks the top recommendation to match the true favourite for
// 80 % of employees. Each employee's utilities are a function of observable features plus a
// small unobservable taste (sd 0.3): the taste caps what any model of the features can reach.
// This test measures that cap — the share of employees on staff at the end whose true top
// eligible incentive is also the top without their taste — and keeps it clear of the bar,
// so that the bar stays attainable if the generator changes.
func TestPreferenceCeiling(t *testing.T) {
	const minCeiling = 0.85
	for _, n := range []int{100, 1000} {
		tot, hit := 0, 0
		for seed := uint64(1); seed <= 5; seed++ {
			cfg := DefaultConfig()
			cfg.Employees, cfg.Seed = n, seed
			counts := headcounts(cfg.Employees)
			nr := len(cfg.Regions)
			reps := make([]int, nr)
			for reg := range reps {
				reps[reg] = counts[0] / nr
				if reg < counts[0]%nr {
					reps[reg]++
				}
			}
			d := newDriverPaths(&cfg, reps, newRNG(cfg.Seed, streamDrivers))
			d.shocks, _ = scenarioShocks(&cfg, newRNG(cfg.Seed, streamShocks))
			pp := simulatePeople(&cfg, d, cfg.Seed)
			last := cfg.Months() - 1
			med := make([]float64, len(roleSpecs))
			roleMedians(pp.all, last, med)
			for _, p := range pp.all {
				if !p.active(last) {
					continue
				}
				el := p.eligible(last + 1)
				withTaste := p.preference(last+1, cfg.End.Year(), med[p.role])
				q := *p
				q.taste = [numIncentives]float64{}
				without := q.preference(last+1, cfg.End.Year(), med[p.role])
				bt, bs := -1, -1
				for k := range withTaste {
					if !el[k] {
						continue
					}
					if bt < 0 || withTaste[k] > withTaste[bt] {
						bt = k
					}
					if bs < 0 || without[k] > without[bs] {
						bs = k
					}
				}
				tot++
				if bt == bs {
					hit++
				}
			}
		}
		got := float64(hit) / float64(tot)
		t.Logf("%d employees, seeds 1-5: the true favourite is the favourite without taste for %.3f of %d", n, got, tot)
		if got < minCeiling {
			t.Errorf("%d employees: ceiling %.3f, want ≥ %.2f (the incentive bar is 0.80)", n, got, minCeiling)
		}
	}
}
