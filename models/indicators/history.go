package indicators

import (
	"fmt"
	"math"
	"slices"

	"github.com/growthlens/growthlens/features"
)

// An indicator's history at its scope: the series, whether it ever moved, and the target
// drawn from its recent periods.

// flatHistory returns the number of complete periods of the scope's history when the
// indicator has the same value in every one of them (at least two), else 0. Such a history
// is no measurement: an import that has no account start or churn dates shows 0 new accounts
// and 100 % retention in every quarter, and suggesting them — "Strategic goal completion:
// 0 accounts, target 0 accounts" at half the GM's weight — would pass a gap in the data off
// as a KPI.
func flatHistory(ind *Indicator, in Input) int {
	if ind.Kind == Outcome {
		return 0
	}
	hist := scopeSeries(ind, in.ScopePanel, in.Scope)
	n, first := 0, math.NaN()
	for t, v := range hist {
		if !in.ScopePanel.Complete[t] || math.IsNaN(v) {
			continue
		}
		if n == 0 {
			first = v
		} else if v != first {
			return 0
		}
		n++
	}
	if n < 2 {
		return 0
	}
	return n
}

// target is the value the scope should reach: the value of one of its recent periods, the one
// at the TargetQuantile in the better direction (rounded toward better: the second-best of the
// last eight by default), or the current value when that is as good already. A target is
// reachable because the scope has reached it — a quarter it really had, so a count stays
// whole — and never a step back. period names the panel's grain ("quarter").
func target(ind *Indicator, cur float64, recent []float64, q float64, period string) (float64, string) {
	s := slices.Clone(recent)
	slices.Sort(s)
	n := len(s)
	var v float64
	var rank int // 1 is the best
	if ind.Direction == "up" {
		i := int(math.Ceil(q*float64(n-1) - 1e-9))
		v, rank = s[i], n-i
	} else {
		i := int(math.Floor((1-q)*float64(n-1) + 1e-9))
		v, rank = s[i], i+1
	}
	of := fmt.Sprintf("the %s of the last %d %ss", rankWord(rank), n, period)
	if ind.Direction == "up" && v <= cur || ind.Direction != "up" && v >= cur {
		return cur, fmt.Sprintf("the latest %s's value, already as good as %s", period, of)
	}
	return v, of
}

// rankWord names the k-th best: "best", "second-best", …, "5th-best".
func rankWord(k int) string {
	switch k {
	case 1:
		return "best"
	case 2:
		return "second-best"
	case 3:
		return "third-best"
	}
	return fmt.Sprintf("%dth-best", k)
}

func scopeSeries(ind *Indicator, p *features.Panel, scope string) []float64 {
	out := make([]float64, len(p.Periods))
	for t := range out {
		out[t] = ind.Eval(func(col string) float64 {
			s := p.Series(scope, col)
			if s == nil {
				return math.NaN()
			}
			return s[t]
		})
	}
	return out
}
