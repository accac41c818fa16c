// Command driver is the driver model's recovery benchmark (make bench-driver): it generates
// held-out synthetic companies, fits each with the driver model's variants — Fit (quarterly
// drivers) with the shape-only penalty and with ridge on every coefficient, and FitMixed
// (monthly drivers) — and prints, per driver, how often the 95 % interval holds the true
// effect of ground_truth.json, how often the estimate has the right sign, the mean estimate
// and the mean interval width. For the random scenario it also attributes each shocked
// region-quarter, with the expectation a one-step seasonal forecast from the quarter before
// (R_{t−1}·R_{t−4}/R_{t−5}) and From = t−1, and counts how often the shocked driver has the
// largest contribution. These are the figures of docs/models.md ("Drivers"); they print,
// with no bar to fail (the interval coverage bars are tests in models/driver).
//
//	go run ./bench/driver -seeds 101-110 -scenarios reform,random -size large
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
	"github.com/growthlens/growthlens/models/driver"
)

// variant is one way of fitting a company.
type variant struct {
	name  string
	mixed bool // FitMixed on the quarterly and monthly panels, else Fit on the quarterly one
	opt   driver.Options
}

// variants are the fits -variants can name. The lags variants are how driver.MixedLags was
// chosen (on seeds 1–5 of the large companies).
var variants = []variant{
	{"quarterly/shape", false, driver.Options{Shrink: driver.ShrinkShape}},
	{"quarterly/all", false, driver.Options{Shrink: driver.ShrinkAll}},
	{"mixed/shape", true, driver.Options{Shrink: driver.ShrinkShape}},
	{"quarterly/shape/lags2", false, driver.Options{Shrink: driver.ShrinkShape, Lags: 2}},
	{"mixed/shape/lags1", true, driver.Options{Shrink: driver.ShrinkShape, Lags: 1}},
	{"mixed/shape/lags3", true, driver.Options{Shrink: driver.ShrinkShape, Lags: 3}},
}

func main() {
	seedList := flag.String("seeds", "101-110", "held-out seeds of the synthetic companies, a-b or a,b,c")
	scenarios := flag.String("scenarios", "reform,random", "scenarios of the synthetic companies")
	size := flag.String("size", "large", "company size: large (synth.LargeConfig: 16 regions × 10 years × 2,000 employees) or default (the article's 4 × 5 × 100)")
	names := flag.String("variants", "quarterly/shape,quarterly/all,mixed/shape", "fits to compare: "+variantNames())
	flag.Parse()
	if err := run(*seedList, *scenarios, *size, *names); err != nil {
		fmt.Fprintln(os.Stderr, "bench/driver:", err)
		os.Exit(1)
	}
}

func variantNames() string {
	var out []string
	for _, v := range variants {
		out = append(out, v.name)
	}
	return strings.Join(out, ", ")
}

func run(seedList, scenarios, size, names string) error {
	seeds, err := rceval.ParseSeeds(seedList)
	if err != nil {
		return err
	}
	if size != "large" && size != "default" {
		return fmt.Errorf("-size %q: want large or default", size)
	}
	var chosen []variant
	for _, name := range strings.Split(names, ",") {
		i := slices.IndexFunc(variants, func(v variant) bool { return v.name == name })
		if i < 0 {
			return fmt.Errorf("-variants: unknown %q (want %s)", name, variantNames())
		}
		chosen = append(chosen, variants[i])
	}
	tmp, err := os.MkdirTemp("", "bench-driver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	type tally struct {
		n, inside, sign  int
		sum, width, sum2 float64
	}
	stats := map[string]map[string]*tally{} // variant → driver
	truthOf := map[string]float64{}
	var order []string
	top1, shocks := map[string]int{}, map[string]int{}
	for _, scenario := range strings.Split(scenarios, ",") {
		for _, seed := range seeds {
			cfg := synth.LargeConfig()
			if size == "default" {
				cfg = synth.DefaultConfig()
			}
			cfg.Scenario, cfg.Seed = scenario, seed
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", scenario, seed))
			if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
				return err
			}
			truth, err := synth.ReadTruth(dir)
			if err != nil {
				return err
			}
			ds, _, err := datasets.Load(dir)
			if err != nil {
				return err
			}
			p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Region})
			if err != nil {
				return err
			}
			mp, err := features.Build(ds, features.Options{Grain: datasets.Month, Level: features.Region})
			if err != nil {
				return err
			}
			os.RemoveAll(dir)
			for _, v := range chosen {
				opt := v.opt
				opt.Seed = seed
				var m *driver.Model
				if v.mixed {
					m, err = driver.FitMixed(context.Background(), p, mp, opt)
				} else {
					m, err = driver.Fit(context.Background(), p, opt)
				}
				if err != nil {
					return fmt.Errorf("%s-%d %s: %w", scenario, seed, v.name, err)
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
				if v.opt.Shrink != driver.ShrinkShape {
					continue
				}
				for _, sh := range truth.Shocks {
					q, err := datasets.ParseQuarter(sh.Period)
					if err != nil || sh.ScopeID == "" {
						continue
					}
					exp := p.Value(sh.ScopeID, q.Add(-1), "revenue") * p.Value(sh.ScopeID, q.Add(-4), "revenue") / p.Value(sh.ScopeID, q.Add(-5), "revenue")
					at, err := m.Attribute(driver.Query{Scope: sh.ScopeID, Period: q, Expected: exp, From: q.Add(-1)})
					if err != nil {
						fmt.Fprintf(os.Stderr, "%s-%d %s shock %s %s %s: %v\n", scenario, seed, v.name, sh.Driver, sh.ScopeID, sh.Period, err)
						continue
					}
					shocks[v.name]++
					if len(at.Contributions) > 0 && at.Contributions[0].Column == sh.Driver {
						top1[v.name]++
					}
				}
			}
			fmt.Fprintf(os.Stderr, "%s-%d done\n", scenario, seed)
		}
	}
	fmt.Printf("companies: %s × seeds %s, size %s\n", scenarios, seedList, size)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tdriver\ttrue\tmean estimate\ts.d.\tCI holds truth\tsign right\tmean CI width\t")
	for _, v := range chosen {
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
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, v := range chosen {
		if shocks[v.name] > 0 {
			fmt.Printf("%s: shocked driver ranked first by Attribute (From = quarter before): %d/%d\n", v.name, top1[v.name], shocks[v.name])
		}
	}
	return nil
}
