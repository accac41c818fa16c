package driver

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
)

// The figures behind the package documentation and docs/models.md, run by make bench-driver.
var (
	bench          = flag.Bool("driver.bench", false, "run the driver-model benchmarks (minutes)")
	benchSeeds     = flag.String("driver.bench.seeds", "101-110", "held-out seeds of the synthetic companies, a-b or a,b,c")
	benchScenarios = flag.String("driver.bench.scenarios", "reform,random", "scenarios of the synthetic companies")
	benchSize      = flag.String("driver.bench.size", "large", "company size: large (16 regions × 10 years × 2,000 employees) or default (the article's 4 × 5 × 100)")
)

// TestBenchCoverage compares the coverage of the 95 % intervals of the sustained effects with
// the shape-only penalty (the default) and with ridge on every coefficient, on 200 simulated
// company-sized panels (as TestBootstrapCoverage).
func TestBenchCoverage(t *testing.T) {
	if !*bench {
		t.Skip("run with -driver.bench")
	}
	spec := companyLike()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "shrink\tdriver\tcoverage\tmean penalty\t")
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
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3g\t\n", shrink, spec.specs[j].Column, float64(c)/200, lambda)
		}
	}
	tw.Flush()
}

// benchVariant is one way of fitting a company in TestBenchRecovery.
type benchVariant struct {
	name  string
	mixed bool // FitMixed on the quarterly and monthly panels, else Fit on the quarterly one
	opt   Options
}

// allBenchVariants are the fits -driver.bench.variants can name. The lags variants are how
// MixedLags was chosen (on seeds 1–5 of the large companies).
var allBenchVariants = []benchVariant{
	{"quarterly/shape", false, Options{Shrink: ShrinkShape}},
	{"quarterly/all", false, Options{Shrink: ShrinkAll}},
	{"mixed/shape", true, Options{Shrink: ShrinkShape}},
	{"quarterly/shape/lags2", false, Options{Shrink: ShrinkShape, Lags: 2}},
	{"mixed/shape/lags1", true, Options{Shrink: ShrinkShape, Lags: 1}},
	{"mixed/shape/lags3", true, Options{Shrink: ShrinkShape, Lags: 3}},
}

var benchVariantNames = flag.String("driver.bench.variants", "quarterly/shape,quarterly/all,mixed/shape",
	"fits TestBenchRecovery compares (see allBenchVariants)")

func selectedVariants() ([]benchVariant, error) {
	var out []benchVariant
	for _, name := range strings.Split(*benchVariantNames, ",") {
		i := slices.IndexFunc(allBenchVariants, func(v benchVariant) bool { return v.name == name })
		if i < 0 {
			return nil, fmt.Errorf("-driver.bench.variants: unknown %q", name)
		}
		out = append(out, allBenchVariants[i])
	}
	return out, nil
}

// TestBenchRecovery fits held-out synthetic companies with Fit (quarterly drivers, both
// penalties) and FitMixed (monthly drivers) and prints, per driver, how often the 95 %
// interval holds the true effect, how often the estimate has the right sign, the mean estimate
// and the mean interval width. For the random scenario it also attributes each shocked
// region-quarter, with the expectation a one-step seasonal forecast from the quarter before
// (R_{t−1}·R_{t−4}/R_{t−5}) and From = t−1, and counts how often the shocked driver has the
// largest contribution.
func TestBenchRecovery(t *testing.T) {
	if !*bench {
		t.Skip("run with -driver.bench")
	}
	seeds, err := parseSeeds(*benchSeeds)
	if err != nil {
		t.Fatal(err)
	}
	benchVariants, err := selectedVariants()
	if err != nil {
		t.Fatal(err)
	}
	type tally struct {
		n, inside, sign  int
		sum, width, sum2 float64
	}
	stats := map[string]map[string]*tally{} // variant → driver
	truthOf := map[string]float64{}
	var order []string
	top1, shocks := map[string]int{}, map[string]int{}
	for _, scenario := range strings.Split(*benchScenarios, ",") {
		for _, seed := range seeds {
			cfg := recoveryConfig(scenario, seed)
			if *benchSize == "default" {
				cfg = synth.DefaultConfig()
				cfg.Scenario, cfg.Seed = scenario, seed
			}
			dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d", scenario, seed))
			if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
				t.Fatal(err)
			}
			truth, err := synth.ReadTruth(dir)
			if err != nil {
				t.Fatal(err)
			}
			ds, _, err := datasets.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Region})
			if err != nil {
				t.Fatal(err)
			}
			mp, err := features.Build(ds, features.Options{Grain: datasets.Month, Level: features.Region})
			if err != nil {
				t.Fatal(err)
			}
			os.RemoveAll(dir)
			for _, v := range benchVariants {
				opt := v.opt
				opt.Seed = seed
				var m *Model
				if v.mixed {
					m, err = FitMixed(p, mp, opt)
				} else {
					m, err = Fit(p, opt)
				}
				if err != nil {
					t.Fatal(err)
				}
				if stats[v.name] == nil {
					stats[v.name] = map[string]*tally{}
				}
				for _, e := range m.Effects {
					want, _ := truth.Effect(e.Column)
					if _, ok := truthOf[e.Column]; !ok {
						truthOf[e.Column] = want.Effect
						order = append(order, e.Column)
					}
					st := stats[v.name][e.Column]
					if st == nil {
						st = &tally{}
						stats[v.name][e.Column] = st
					}
					s := e.Sustained
					st.n++
					if s.Lower <= want.Effect && want.Effect <= s.Upper {
						st.inside++
					}
					if s.Estimate*want.Effect > 0 {
						st.sign++
					}
					st.sum += s.Estimate
					st.sum2 += s.Estimate * s.Estimate
					st.width += s.Upper - s.Lower
				}
				if v.opt.Shrink != ShrinkShape {
					continue
				}
				for _, sh := range truth.Shocks {
					q, err := datasets.ParseQuarter(sh.Period)
					if err != nil || sh.ScopeID == "" {
						continue
					}
					exp := p.Value(sh.ScopeID, q.Add(-1), "revenue") * p.Value(sh.ScopeID, q.Add(-4), "revenue") / p.Value(sh.ScopeID, q.Add(-5), "revenue")
					at, err := m.Attribute(Query{Scope: sh.ScopeID, Period: q, Expected: exp, From: q.Add(-1)})
					if err != nil {
						t.Logf("%s-%d %s shock %s %s %s: %v", scenario, seed, v.name, sh.Driver, sh.ScopeID, sh.Period, err)
						continue
					}
					shocks[v.name]++
					if len(at.Contributions) > 0 && at.Contributions[0].Column == sh.Driver {
						top1[v.name]++
					}
				}
			}
			t.Logf("%s-%d done", scenario, seed)
		}
	}
	fmt.Printf("companies: %s × seeds %s, size %s\n", *benchScenarios, *benchSeeds, *benchSize)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tdriver\ttrue\tmean estimate\ts.d.\tCI holds truth\tsign right\tmean CI width\t")
	for _, v := range benchVariants {
		for _, d := range order {
			st := stats[v.name][d]
			if st == nil {
				continue
			}
			n := float64(st.n)
			mean := st.sum / n
			sd := math.Sqrt(math.Max(0, st.sum2/n-mean*mean) * n / math.Max(1, n-1))
			fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.4f\t%.4f\t%d/%d\t%d/%d\t%.4f\t\n", v.name, d, truthOf[d], mean, sd, st.inside, st.n, st.sign, st.n, st.width/n)
		}
	}
	tw.Flush()
	for _, v := range benchVariants {
		if shocks[v.name] > 0 {
			fmt.Printf("%s: shocked driver ranked first by Attribute (From = quarter before): %d/%d\n", v.name, top1[v.name], shocks[v.name])
		}
	}
}

func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("seeds %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("seeds %q: bad range", s)
			}
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	return out, nil
}
