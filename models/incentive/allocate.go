package incentive

import (
	"fmt"
	"math"
)

// Allocation is the set of incentives chosen for a group of employees under a budget.
type Allocation struct {
	Budget float64 `json:"budget"`
	// Spent is the sum of the chosen options' costs (never more than Budget) and Value the
	// sum of their values.
	Spent  float64 `json:"spent"`
	Value  float64 `json:"value"`
	Grants []Grant `json:"grants"`
	// Unfunded lists the employees with an option worth giving (positive value) who get
	// nothing within the budget.
	Unfunded []string `json:"unfunded"`
	// CostUnit is the unit costs were rounded up to (see AllocateOptions).
	CostUnit float64 `json:"cost_unit"`
}

// Grant is one employee's incentive in an allocation.
type Grant struct {
	EmployeeID string  `json:"employee_id"`
	Type       string  `json:"type"`
	Cost       float64 `json:"cost"`
	Value      float64 `json:"value"`
	// Rank is the option's place in the employee's own ranking (1: their best).
	Rank int `json:"rank"`
}

// AllocateOptions configure Allocate.
type AllocateOptions struct {
	// CostUnit is the money unit costs are rounded up to for the optimisation (default 10).
	// Rounding up keeps the true total within the budget; a coarser unit uses less memory
	// and may leave a little of the budget unspent.
	CostUnit float64
	// MaxBytes bounds the memory of the optimisation (default DefaultAllocateBytes): two rows
	// of 8 bytes per budget step and one byte per employee and budget step. A problem that
	// needs more is refused with the smallest cost unit that fits.
	MaxBytes int64
}

// DefaultAllocateBytes is the memory one allocation may take unless AllocateOptions.MaxBytes
// says otherwise: 32 MiB, e.g. 1,000 employees × 32,000 budget steps, or one employee × 2
// million steps.
const DefaultAllocateBytes = 32 << 20

// allocateBytes is the memory Allocate's rows take for n employees and states budget steps.
func allocateBytes(n, states int) int64 {
	return 2*8*int64(states) + int64(n)*int64(states)
}

// Allocate gives each employee at most one of their options so that the total Value is as
// large as possible and the total cost is at most budget: a multiple-choice knapsack solved
// exactly by dynamic programming over the budget in whole cost units (costs rounded up to
// CostUnit, so the exact total never exceeds the budget). Options with Value ≤ 0 are never
// given: nothing is better. Because the optimum over a larger budget can only choose from
// more allocations, raising the budget never lowers the total value.
//
// A budget of 0 allows only options that cost nothing (in the synthetic company, flexible
// time, whose cost history records no value). A negative or non-finite budget is an error, and
// so is a problem needing more than MaxBytes of memory (raise CostUnit or split the group).
func Allocate(recs []Recommendation, budget float64, opt AllocateOptions) (*Allocation, error) {
	if math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0 {
		return nil, fmt.Errorf("budget: %v, want a number ≥ 0", budget)
	}
	unit := opt.CostUnit
	if unit == 0 {
		unit = 10
	}
	if !(unit > 0) || math.IsInf(unit, 0) {
		return nil, fmt.Errorf("cost unit: %v, want a number > 0", unit)
	}
	type item struct {
		units int
		opt   int // index into the recommendation's Options
	}
	items := make([][]item, len(recs))
	limit := int(math.Floor(budget/unit + 1e-9))
	maxTotal := 0
	for i := range recs {
		most := 0
		for o, op := range recs[i].Options {
			if !(op.Value > 0) {
				continue
			}
			if math.IsNaN(op.Cost) || op.Cost < 0 {
				return nil, fmt.Errorf("employee %s option %s: cost %v", recs[i].EmployeeID, op.Type, op.Cost)
			}
			u := int(math.Ceil(op.Cost/unit - 1e-9))
			if u > limit {
				continue
			}
			items[i] = append(items[i], item{u, o})
			most = max(most, u)
		}
		maxTotal += most
	}
	states := min(limit, maxTotal) + 1
	budgetBytes := opt.MaxBytes
	if budgetBytes <= 0 {
		budgetBytes = DefaultAllocateBytes
	}
	if need := allocateBytes(len(recs), states); need > budgetBytes {
		// The smallest unit whose steps fit: steps scale as 1/unit.
		fit := unit * float64(need) / float64(budgetBytes)
		return nil, fmt.Errorf("allocate: %d employees × %d budget steps of %g is too large: it needs %d MiB, more than the %d MiB one allocation may use; use a cost unit of at least %g or split the group",
			len(recs), states, unit, need>>20, budgetBytes>>20, math.Ceil(fit*100)/100)
	}
	// best[s]: the largest total value with at most s units spent; choice[i][s]: the option
	// (1-based; 0 = nothing) employee i takes in that optimum.
	best := make([]float64, states)
	next := make([]float64, states)
	choice := make([][]uint8, len(recs))
	for i := range recs {
		if len(items[i]) > 255 {
			return nil, fmt.Errorf("employee %s: %d options, at most 255", recs[i].EmployeeID, len(items[i]))
		}
		copy(next, best)
		ch := make([]uint8, states)
		for j, it := range items[i] {
			v := recs[i].Options[it.opt].Value
			for s := it.units; s < states; s++ {
				if c := best[s-it.units] + v; c > next[s] {
					next[s], ch[s] = c, uint8(j+1)
				}
			}
		}
		best, next = next, best
		choice[i] = ch
	}
	a := &Allocation{Budget: budget, Grants: []Grant{}, Unfunded: []string{}, CostUnit: unit}
	s := states - 1
	grants := make([]*Grant, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		j := choice[i][s]
		if j == 0 {
			continue
		}
		it := items[i][j-1]
		op := recs[i].Options[it.opt]
		grants[i] = &Grant{EmployeeID: recs[i].EmployeeID, Type: op.Type, Cost: op.Cost, Value: op.Value, Rank: it.opt + 1}
		s -= it.units
	}
	for i, g := range grants {
		if g != nil {
			a.Grants = append(a.Grants, *g)
			a.Spent += g.Cost
			a.Value += g.Value
			continue
		}
		for _, op := range recs[i].Options {
			if op.Value > 0 {
				a.Unfunded = append(a.Unfunded, recs[i].EmployeeID)
				break
			}
		}
	}
	return a, nil
}
