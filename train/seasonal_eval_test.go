package train

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
	"github.com/growthlens/growthlens/models/forecast"
)

// Seeds of the pooled-seasonality evaluation. The rule (the company's revenue tested at 1 %,
// its shape lent to scopes without seasonality of their own) was set before any seed was
// scored; the default company (seed 7, the example) is the only one looked at while
// building it, so the evaluation seeds exclude it.
const pooledEvalSeeds = "2001-2020"

var pooledSeeds = flag.String("forecast.pooled-seeds", "", "run the pooled-seasonality evaluation on these generated companies (e.g. "+pooledEvalSeeds+")")
var pooledEmployees = flag.Int("forecast.pooled-employees", 100, "employees of each generated company")

// TestPooledSeasonalityEvaluation backtests the company's and the regions' revenue forecasts
// with and without the pooled seasonal shape from each of the last 8 quarter-ends, the shape
// re-estimated from the data before each origin (nothing after it is read), and prints sMAPE
// and MASE by horizon: go test ./train -run PooledSeasonalityEvaluation -v
// -args -forecast.pooled-seeds=2001-2020.
func TestPooledSeasonalityEvaluation(t *testing.T) {
	if *pooledSeeds == "" {
		t.Skip("evaluation: pass -forecast.pooled-seeds=" + pooledEvalSeeds)
	}
	list, err := rceval.ParseSeeds(*pooledSeeds)
	if err != nil {
		t.Fatal(err)
	}
	const h = 4
	type acc struct {
		smape, mase [2][h]float64
		n           [h]int
		used        int
	}
	var tot [2]acc // company, regions
	for _, seed := range list {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(seed))
		cfg := synth.DefaultConfig()
		cfg.Seed, cfg.Employees = seed, *pooledEmployees
		if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
			t.Fatal(err)
		}
		ds, _, err := datasets.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var panels [2]*features.Panel
		for i, l := range []features.Level{features.Company, features.Region} {
			if panels[i], err = features.Build(ds, features.Options{Grain: datasets.Quarter, Level: l}); err != nil {
				t.Fatal(err)
			}
		}
		coPer, co := revenueSeries(panels[0], "")
		n := len(co)
		for o := n - 8; o < n; o++ {
			start := forecast.PeriodIndex{Year: coPer[0].Year(), Sub: coPer[0].Index()}
			prior, _ := forecast.PoolSeasonal([]forecast.Series{{Values: co[:o], Period: 4, Start: start}})
			if prior != nil {
				tot[0].used++
			}
			for li, p := range panels {
				for _, sc := range p.Scopes {
					per, y := revenueSeries(p, sc)
					k := len(y) - (n - o) // this scope's values before the origin
					if k < 8 {
						continue
					}
					s := forecast.Series{Values: y[:k], Period: 4, Start: forecast.PeriodIndex{Year: per[0].Year(), Sub: per[0].Index()}}
					hh := min(h, len(y)-k)
					scale := forecast.MASEScale(y[:k], 4)
					for wi, pr := range []*forecast.SeasonalPrior{nil, prior} {
						res, err := forecast.Auto(s, forecast.Options{Horizon: hh, Seasonal: pr})
						if err != nil {
							t.Fatal(err)
						}
						for j := range hh {
							tot[li].smape[wi][j] += forecast.SMAPE(y[k+j:k+j+1], res.Mean[j:j+1])
							tot[li].mase[wi][j] += math.Abs(y[k+j]-res.Mean[j]) / scale
						}
					}
					for j := range hh {
						tot[li].n[j]++
					}
				}
			}
		}
	}
	for li, name := range []string{"company", "regions"} {
		a := tot[li]
		for wi, how := range []string{"own seasonality only", "with the pooled shape"} {
			line := fmt.Sprintf("%-8s %-22s", name, how)
			var s, m float64
			var k int
			for j := range h {
				line += fmt.Sprintf("  h%d sMAPE %5.2f MASE %5.3f", j+1, a.smape[wi][j]/float64(a.n[j]), a.mase[wi][j]/float64(a.n[j]))
				s += a.smape[wi][j]
				m += a.mase[wi][j]
				k += a.n[j]
			}
			t.Logf("%s  all sMAPE %5.2f MASE %5.3f (%d forecasts)", line, s/float64(k), m/float64(k), k)
		}
	}
	t.Logf("a shared shape was found at %d of %d origins", tot[0].used, 8*len(list))
}
