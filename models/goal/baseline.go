package goal

import (
	"fmt"
	"math"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

// Baseline is the growth the company is on before any driver change: the year-on-year growth
// of its last four complete quarters (the four before the period when the period starts
// within the data), carried forward. The period's revenue at the baseline is the same period
// a year earlier grown at that rate, quarter by quarter; a year-earlier quarter the data do
// not hold is itself projected the same way.
type Baseline struct {
	// Growth is the run rate, a fraction; Basis says which quarters it was measured on.
	Growth float64 `json:"growth"`
	Basis  string  `json:"basis"`
	// PriorRevenue is the revenue of the same period a year earlier (actual, or projected
	// where the data end sooner); Revenue is the period's revenue at the baseline, and
	// TargetRevenue the revenue the goal asks for: PriorRevenue × (1 + target).
	PriorRevenue  float64 `json:"prior_revenue"`
	Revenue       float64 `json:"revenue"`
	TargetRevenue float64 `json:"target_revenue"`
	// Quarters are the period's quarters with the revenue of the same quarter a year earlier
	// and whether that revenue is projected rather than actual.
	Quarters []BaseQuarter `json:"quarters"`
}

// BaseQuarter is one quarter of the goal's period at the baseline.
type BaseQuarter struct {
	Period       string  `json:"period"`
	PriorRevenue float64 `json:"prior_revenue"`
	Projected    bool    `json:"projected"`
	// Weight is the quarter's share of the period's revenue at the baseline.
	Weight float64 `json:"weight"`
}

// baseline computes the baseline of period p from the company's quarterly panel.
func baseline(cp *features.Panel, p Period, target float64) (Baseline, error) {
	rev := cp.Series("", features.ColRevenue)
	if rev == nil {
		return Baseline{}, fmt.Errorf("the company panel has no revenue")
	}
	actual := map[int]float64{} // quarter N → revenue of a complete quarter
	last := -1
	for t, per := range cp.Periods {
		if cp.Complete[t] && !math.IsNaN(rev[t]) {
			actual[per.N] = rev[t]
			last = per.N
		}
	}
	if last < 0 {
		return Baseline{}, fmt.Errorf("no complete quarter of revenue")
	}
	// The run rate ends with the last complete quarter before the period.
	end := min(last, p.First.N-1)
	var cur, prev float64
	for k := 0; k < 4; k++ {
		a, ok1 := actual[end-k]
		b, ok2 := actual[end-k-4]
		if !ok1 || !ok2 {
			missing := end - k
			if ok1 {
				missing = end - k - 4
			}
			return Baseline{}, fmt.Errorf("the run rate needs eight complete quarters of revenue up to %s: %s is missing", quarter(end), quarter(missing))
		}
		cur += a
		prev += b
	}
	if !(prev > 0) {
		return Baseline{}, fmt.Errorf("no revenue in %s–%s to measure growth against", quarter(end-7), quarter(end-4))
	}
	g := cur/prev - 1
	bl := Baseline{Growth: g, Basis: fmt.Sprintf("year-on-year growth of %s–%s over the four quarters before", quarter(end-3), quarter(end))}
	// at returns a quarter's revenue: actual up to the run rate's last quarter (NaN where the
	// data lack it), projected after it as the same quarter a year earlier grown at the run
	// rate (which ends at one of the run rate's own quarters).
	var at func(n int) (float64, bool)
	at = func(n int) (float64, bool) {
		if n <= end {
			if v, ok := actual[n]; ok {
				return v, false
			}
			return math.NaN(), false
		}
		v, _ := at(n - 4)
		return v * (1 + g), true
	}
	for _, q := range p.List() {
		v, projected := at(q.N - 4)
		bl.Quarters = append(bl.Quarters, BaseQuarter{Period: q.String(), PriorRevenue: v, Projected: projected})
		bl.PriorRevenue += v
	}
	if !(bl.PriorRevenue > 0) {
		return Baseline{}, fmt.Errorf("no revenue a year before %s to grow from", p)
	}
	for i := range bl.Quarters {
		bl.Quarters[i].Weight = bl.Quarters[i].PriorRevenue / bl.PriorRevenue
	}
	bl.Revenue = bl.PriorRevenue * (1 + g)
	bl.TargetRevenue = bl.PriorRevenue * (1 + target)
	return bl, nil
}

func quarter(n int) string { return datasets.Period{Grain: datasets.Quarter, N: n}.String() }
