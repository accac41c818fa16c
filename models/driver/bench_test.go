package driver

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"text/tabwriter"
)

// bench runs the slow interval-coverage comparison (make bench-driver); the recovery of
// ground_truth.json on held-out companies is bench/driver.
var bench = flag.Bool("driver.bench", false, "run the driver-model coverage benchmark (minutes)")

// TestBenchCoverage compares the coverage of the 95 % intervals of the sustained effects with
// the shape-only penalty (the default) and with ridge on every coefficient, on 200 simulated
// company-sized panels (as TestBootstrapCoverage, with more panels), and holds the default to
// the same bars: every driver's intervals cover at least 0.87 of the true effects and all
// together 0.90–0.99; ridge on every coefficient, which biases the sustained effects toward
// zero, must cover less — the reason the shape-only penalty is the default.
func TestBenchCoverage(t *testing.T) {
	if !*bench {
		t.Skip("run with -driver.bench")
	}
	spec := companyLike()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "shrink\tdriver\tcoverage\tmean penalty\t")
	pooled := map[string]float64{}
	for _, shrink := range []string{ShrinkShape, ShrinkAll} {
		covered, lambda := make([]int, len(spec.specs)), 0.0
		for rep := 0; rep < 200; rep++ {
			m, err := fitFrame(simulate(spec, rand.New(rand.NewPCG(99, uint64(rep)))), Options{Shrink: shrink, Replicates: 199, Seed: uint64(rep)})
			if err != nil {
				t.Fatal(err)
			}
			lambda += m.Penalty / 200
			for j, e := range m.Effects {
				want := spec.beta[j][0] + spec.beta[j][1]
				if e.Sustained.Lower <= want && want <= e.Sustained.Upper {
					covered[j]++
				}
			}
		}
		for j, c := range covered {
			got := float64(c) / 200
			pooled[shrink] += got / float64(len(covered))
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3g\t\n", shrink, spec.specs[j].Column, got, lambda)
			if shrink == ShrinkShape && got < 0.87 {
				t.Errorf("shape penalty: %s's 95 %% intervals cover %.3f of 200 true effects, want at least 0.87", spec.specs[j].Column, got)
			}
		}
	}
	tw.Flush()
	if got := pooled[ShrinkShape]; got < 0.90 || got > 0.99 {
		t.Errorf("shape penalty: 95 %% intervals cover %.3f of the true effects, want 0.90–0.99", got)
	}
	if pooled[ShrinkAll] >= pooled[ShrinkShape] {
		t.Errorf("ridge on every coefficient covers %.3f, the shape penalty %.3f: want less", pooled[ShrinkAll], pooled[ShrinkShape])
	}
}
