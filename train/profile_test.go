package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestCompareData(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(n int, mean, sd float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = mean + sd*rng.NormFloat64()
		}
		return xs
	}
	spend := draw(400, 100, 20)
	old := DataProfile{Rows: map[string]int{"employees": 172, "rewards": 950, "opportunities": 9000}, Employees: 172, Teams: 25, Regions: 4,
		First: "2021Q4", Last: "2026Q3", Periods: 20, Drivers: map[string]Distribution{"marketing_spend": distribution(spend)}}
	same := old
	same.Rows = map[string]int{"employees": 180, "rewards": 990, "opportunities": 9500}
	same.Employees, same.Last, same.Periods = 180, "2026Q4", 21
	g := DefaultDataGuard()
	if why := compareData(old, same, map[string][]float64{"marketing_spend": draw(420, 101, 20)}, g); why != "" {
		t.Errorf("a quarter more of the same business is blocked: %s", why)
	}
	for _, tc := range []struct {
		name string
		edit func(p *DataProfile)
		vals []float64
		want string
	}{
		{"table gone", func(p *DataProfile) { delete(p.Rows, "rewards") }, nil, "table rewards is gone (950 rows before)"},
		{"employees shrink", func(p *DataProfile) { p.Rows["employees"], p.Employees = 1, 1 }, nil, "table employees fell from 172 to 1 (99 %, more than 10 %)"},
		{"ten per cent is allowed", func(p *DataProfile) { p.Rows["opportunities"] = 8100 }, nil, ""},
		{"eleven is not", func(p *DataProfile) { p.Rows["opportunities"] = 8000 }, nil, "table opportunities fell from 9000 to 8000"},
		{"regions", func(p *DataProfile) { p.Regions = 3 }, nil, "distinct regions fell from 4 to 3"},
		{"ends earlier", func(p *DataProfile) { p.Last = "2026Q1" }, nil, "the data ends in 2026Q1, before the champion's 2026Q3"},
		{"spend in cents", func(p *DataProfile) {}, draw(400, 10000, 2000), "driver marketing_spend moved: population stability index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := old
			cur.Rows = map[string]int{}
			for k, v := range old.Rows {
				cur.Rows[k] = v
			}
			tc.edit(&cur)
			vals := tc.vals
			if vals == nil {
				vals = spend
			}
			why := compareData(old, cur, map[string][]float64{"marketing_spend": vals}, g)
			if tc.want == "" && why != "" || tc.want != "" && !strings.Contains(why, tc.want) {
				t.Errorf("why = %q, want %q", why, tc.want)
			}
		})
	}
	// PSI of a distribution against itself is 0, and grows with the shift.
	d := distribution(spend)
	if p := PSI(d, d.Shares); math.Abs(p) > 1e-12 {
		t.Errorf("PSI against itself %v", p)
	}
	small, large := PSI(d, shares(d.Edges, draw(400, 105, 20))), PSI(d, shares(d.Edges, draw(400, 130, 20)))
	if !(small < 0.25 && large > 0.25) {
		t.Errorf("PSI of a small shift %.3f, of a large one %.3f", small, large)
	}
}
