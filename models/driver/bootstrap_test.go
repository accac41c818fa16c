package driver

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// TestBootstrapCoverage fits 200 simulated panels that follow the model exactly, with the
// size and signal of the default synthetic company (4 scopes × 20 quarters, growth noise
// about 0.06, MA(1) as real revenue noise makes it), and counts how often each driver's 95 %
// interval holds its true sustained effect. The penalty is chosen by validation in every
// fit, as Fit does. 1,000 intervals: a coverage in [0.90, 0.99] passes; each driver's must be
// at least 0.87 (its 200 intervals have a binomial s.d. of 1.5 points).
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("200 fits with 199 replicates each (a few seconds)")
	}
	spec := companyLike()
	covered, total := make([]int, len(spec.specs)), 0
	for rep := 0; rep < 200; rep++ {
		f := simulate(spec, rand.New(rand.NewPCG(99, uint64(rep))))
		m, err := fitFrame(f, Options{Replicates: 199, Seed: uint64(rep)})
		if err != nil {
			t.Fatal(err)
		}
		total++
		for j, e := range m.Effects {
			want := 0.0
			for _, b := range spec.beta[j] {
				want += b
			}
			if e.Sustained.Lower <= want && want <= e.Sustained.Upper {
				covered[j]++
			}
		}
	}
	sum := 0
	for j, c := range covered {
		sum += c
		got := float64(c) / float64(total)
		t.Logf("%-22s coverage %.3f", spec.specs[j].Column, got)
		if got < 0.87 {
			t.Errorf("%s: 95 %% intervals cover %.3f of %d true effects, want at least 0.87", spec.specs[j].Column, got, total)
		}
	}
	if got := float64(sum) / float64(total*len(covered)); got < 0.90 || got > 0.99 {
		t.Errorf("95 %% intervals cover %.3f of %d true effects, want 0.90–0.99", got, total*len(covered))
	} else {
		t.Logf("all drivers: coverage %.3f", got)
	}
}

// TestBootstrapDeterministic checks that a model depends on its seed and not on how many
// goroutines drew the replicates.
func TestBootstrapDeterministic(t *testing.T) {
	f := simulate(companyLike(), rand.New(rand.NewPCG(5, 1)))
	fit := func(procs int, seed uint64) *Model {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m, err := fitFrame(f, Options{Replicates: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := fit(1, 7), fit(4, 7), fit(4, 8)
	if !reflect.DeepEqual(a.draws, b.draws) || !reflect.DeepEqual(a.Effects, b.Effects) {
		t.Errorf("same seed, 1 and 4 goroutines: the bootstrap differs")
	}
	if reflect.DeepEqual(a.draws, c.draws) {
		t.Errorf("seeds 7 and 8 gave the same replicates")
	}
}
