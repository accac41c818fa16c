package slicebench

import (
	"context"
	"fmt"
	"time"

	"github.com/growthlens/growthlens/models/rootcause"
)

// Row is one method's scores on one bench.
type Row struct {
	Bench  string  `json:"bench"`
	Role   Role    `json:"role"`
	Method string  `json:"method"`
	Cases  int     `json:"cases"`
	Seeds  string  `json:"seeds"`
	R1     float64 `json:"recall1"`
	R3     float64 `json:"recall3"`
	R5     float64 `json:"recall5"`
	MRR    float64 `json:"mrr"`
	// MsPerCase is the mean wall time of the method per case, in milliseconds (building its
	// input from the case included, generating the case not).
	MsPerCase float64 `json:"ms_per_case"`
	Errors    int     `json:"errors"`
}

// Config says what to run. Zero fields take defaults: every bench, every method, each bench's
// own case count and its role's first seed.
type Config struct {
	Benches  []Bench
	Methods  []Method
	Cases    int // per bench; 0 for the bench's own
	Top      int // ranked elements asked of each method (default 5)
	Progress func(bench string, done, total int)
}

// score returns one case's recall@1/3/5 and reciprocal rank. An element listed twice counts
// once.
func score(truth, ranked []map[string]string) (r1, r3, r5, rr float64) {
	want := make(map[string]bool, len(truth))
	for _, t := range truth {
		want[rootcause.SliceKey(t)] = true
	}
	var h1, h3, h5 float64
	for i, r := range ranked {
		key := rootcause.SliceKey(r)
		if !want[key] {
			continue
		}
		want[key] = false
		if rr == 0 {
			rr = 1 / float64(i+1)
		}
		if i < 1 {
			h1++
		}
		if i < 3 {
			h3++
		}
		if i < 5 {
			h5++
		}
	}
	t := float64(len(truth))
	return h1 / min(1, t), h3 / min(3, t), h5 / min(5, t), rr
}

// Run scores every method on every bench.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	if cfg.Benches == nil {
		cfg.Benches = Benches()
	}
	if cfg.Methods == nil {
		cfg.Methods = Methods()
	}
	if cfg.Top == 0 {
		cfg.Top = 5
	}
	var rows []Row
	for _, b := range cfg.Benches {
		n := b.Cases
		if cfg.Cases > 0 {
			n = cfg.Cases
		}
		first := b.Role.FirstSeed()
		acc := make([]Row, len(cfg.Methods))
		for i, m := range cfg.Methods {
			acc[i] = Row{Bench: b.Name, Role: b.Role, Method: m.Name, Seeds: fmt.Sprintf("%d-%d", first, first+uint64(n)-1)}
		}
		var elapsed = make([]time.Duration, len(cfg.Methods))
		for s := 0; s < n; s++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c := Generate(b.Spec, first+uint64(s))
			if len(c.Truth) == 0 {
				continue
			}
			for i, m := range cfg.Methods {
				start := time.Now()
				ranked, err := m.Rank(c, cfg.Top)
				elapsed[i] += time.Since(start)
				acc[i].Cases++
				if err != nil {
					acc[i].Errors++
					continue
				}
				r1, r3, r5, rr := score(c.Truth, ranked)
				acc[i].R1 += r1
				acc[i].R3 += r3
				acc[i].R5 += r5
				acc[i].MRR += rr
			}
			if cfg.Progress != nil {
				cfg.Progress(b.Name, s+1, n)
			}
		}
		for i := range acc {
			if k := float64(acc[i].Cases); k > 0 {
				acc[i].R1 /= k
				acc[i].R3 /= k
				acc[i].R5 /= k
				acc[i].MRR /= k
				acc[i].MsPerCase = float64(elapsed[i].Microseconds()) / 1000 / k
			}
		}
		rows = append(rows, acc...)
	}
	return rows, nil
}
