package incentive

import (
	"fmt"
	"math"
	"slices"
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
	// TypeBudget caps the spending on each listed type (the policy's Config.Budget).
	TypeBudget map[string]float64
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
// Options the objective does not recommend because they raise the predicted risk of leaving
// are never given either.
//
// With TypeBudget, the spending on each listed type stays within its cap as well: the caps
// are priced in (each capped type's costs count λ_t more, λ_t raised until its cap holds,
// the knapsack solved exactly at those prices), and any grant still over a cap, the least
// valuable first, is dropped. The caps and the total are never exceeded; the value is then
// near the best, not proven the best (TestAllocateTypeBudgets measures how near).
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
	for t, c := range opt.TypeBudget {
		if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
			return nil, fmt.Errorf("budget for %s: %v, want a number ≥ 0", t, c)
		}
	}
	price := map[string]float64{} // λ_t of each capped type
	grants, err := allocate(recs, budget, unit, opt.MaxBytes, price)
	if err != nil {
		return nil, err
	}
	for range 60 {
		spent := spentByType(recs, grants)
		over := false
		for t, c := range opt.TypeBudget {
			if spent[t] > c+1e-9 {
				over = true
				price[t] = math.Max(2*price[t], 0.05)
			}
		}
		if !over {
			break
		}
		if grants, err = allocate(recs, budget, unit, opt.MaxBytes, price); err != nil {
			return nil, err
		}
	}
	// Drop what is still over a cap, the least valuable grants first.
	spent := spentByType(recs, grants)
	for t, c := range opt.TypeBudget {
		for spent[t] > c+1e-9 {
			worst := -1
			for i, g := range grants {
				if g >= 0 && recs[i].Options[g].Type == t && (worst < 0 || recs[i].Options[g].Value < recs[worst].Options[grants[worst]].Value) {
					worst = i
				}
			}
			spent[t] -= recs[worst].Options[grants[worst]].Cost
			grants[worst] = -1
		}
	}
	a := &Allocation{Budget: budget, Grants: []Grant{}, Unfunded: []string{}, CostUnit: unit}
	for i, g := range grants {
		if g >= 0 {
			op := recs[i].Options[g]
			a.Grants = append(a.Grants, Grant{EmployeeID: recs[i].EmployeeID, Type: op.Type, Cost: op.Cost, Value: op.Value, Rank: g + 1})
			a.Spent += op.Cost
			a.Value += op.Value
			continue
		}
		for _, op := range recs[i].Options {
			if givable(&op) {
				a.Unfunded = append(a.Unfunded, recs[i].EmployeeID)
				break
			}
		}
	}
	return a, nil
}

// givable reports whether an allocation may give the option: worth something, and not
// raising the risk of leaving against the objective.
func givable(op *Option) bool {
	return op.Value > 0 && (op.Recommended || !slices.Contains(op.Flags, FlagRaisesRisk))
}

func spentByType(recs []Recommendation, grants []int) map[string]float64 {
	out := map[string]float64{}
	for i, g := range grants {
		if g >= 0 {
			out[recs[i].Options[g].Type] += recs[i].Options[g].Cost
		}
	}
	return out
}

// allocate solves the multiple-choice knapsack exactly with each option of a priced type
// valued at Value − price × Cost, and returns per employee the option given (-1 for none).
func allocate(recs []Recommendation, budget, unit float64, maxBytes int64, price map[string]float64) ([]int, error) {
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
			if !givable(&op) || !(op.Value-price[op.Type]*op.Cost > 0) {
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
	budgetBytes := maxBytes
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
			op := &recs[i].Options[it.opt]
			v := op.Value - price[op.Type]*op.Cost
			for s := it.units; s < states; s++ {
				if c := best[s-it.units] + v; c > next[s] {
					next[s], ch[s] = c, uint8(j+1)
				}
			}
		}
		best, next = next, best
		choice[i] = ch
	}
	out := make([]int, len(recs))
	s := states - 1
	for i := len(recs) - 1; i >= 0; i-- {
		out[i] = -1
		if j := choice[i][s]; j > 0 {
			it := items[i][j-1]
			out[i] = it.opt
			s -= it.units
		}
	}
	return out, nil
}
