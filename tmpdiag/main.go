package main

import (
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/diagnose/rceval"
)

func main() {
	for _, dir := range os.Args[1:] {
		truth, _ := synth.ReadTruth(dir)
		co, err := diagnose.Open(dir, diagnose.Options{Replicates: 400, Seed: truth.Seed})
		if err != nil {
			panic(err)
		}
		ans, err := co.Indicators(diagnose.IndicatorRequest{})
		if err != nil {
			panic(err)
		}
		var est, want []float64
		line := ""
		type row struct{ n string; e, w, sd, te, ee float64 }
		var rows []row
		for _, rs := range ans.Roles {
			for _, c := range rs.Candidates {
				if c.Kind != "driver" {
					continue
				}
				te, _ := truth.Effect(c.Formula)
				est = append(est, c.Standardized)
				want = append(want, math.Abs(te.Effect)*c.ChangeSD)
				rows = append(rows, row{c.Formula, c.Standardized, math.Abs(te.Effect) * c.ChangeSD, c.ChangeSD, te.Effect, c.Effect.Estimate})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].w > rows[j].w })
		for _, r := range rows {
			line += fmt.Sprintf("  %s est %.4f true %.4f (eff %.4f vs %.4f sd %.3f)\n", r.n[:8], r.e, r.w, r.ee, r.te, r.sd)
		}
		fmt.Printf("%s rho %.2f\n%s", dir, rceval.Spearman(est, want), line)
	}
}
