package incentive

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomRecs makes n employees with up to four options each, costs in whole tens (so that
// rounding to the cost unit does not hide the optimum) and some options worth nothing.
func randomRecs(rng *rand.Rand, n int) []Recommendation {
	types := []string{"cash_bonus", "training", "recognition", "equity", "flexible_time"}
	recs := make([]Recommendation, n)
	for i := range recs {
		recs[i].EmployeeID = fmt.Sprintf("E%d", i)
		for o := range 1 + rng.IntN(4) {
			op := Option{Type: types[o], Cost: 10 * float64(rng.IntN(60)), Value: math.Round(rng.NormFloat64()*800+300) / 10}
			recs[i].Options = append(recs[i].Options, op)
		}
	}
	return recs
}

// bruteForce returns the best total value over every choice of at most one option per
// employee with total cost ≤ budget.
func bruteForce(recs []Recommendation, budget float64) float64 {
	best := 0.0
	var walk func(i int, cost, value float64)
	walk = func(i int, cost, value float64) {
		if cost > budget+1e-9 {
			return
		}
		if i == len(recs) {
			best = math.Max(best, value)
			return
		}
		walk(i+1, cost, value)
		for _, o := range recs[i].Options {
			walk(i+1, cost+o.Cost, value+o.Value)
		}
	}
	walk(0, 0, 0)
	return best
}

func TestAllocateIsOptimalWithinBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for c := range 60 {
		recs := randomRecs(rng, 1+rng.IntN(7))
		budget := 10 * float64(rng.IntN(150))
		a, err := Allocate(recs, budget, AllocateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Spent > budget {
			t.Errorf("case %d: spent %v over budget %v", c, a.Spent, budget)
		}
		if want := bruteForce(recs, budget); math.Abs(a.Value-want) > 1e-9 {
			t.Errorf("case %d: value %v, best possible %v", c, a.Value, want)
		}
		seen := map[string]bool{}
		var spent, value float64
		for _, g := range a.Grants {
			if seen[g.EmployeeID] {
				t.Errorf("case %d: %s granted twice", c, g.EmployeeID)
			}
			seen[g.EmployeeID] = true
			if !(g.Value > 0) {
				t.Errorf("case %d: granted an option worth %v", c, g.Value)
			}
			spent += g.Cost
			value += g.Value
		}
		if math.Abs(spent-a.Spent) > 1e-9 || math.Abs(value-a.Value) > 1e-9 {
			t.Errorf("case %d: totals %v/%v do not add up to the grants' %v/%v", c, a.Spent, a.Value, spent, value)
		}
	}
}

func TestAllocateMoreBudgetNeverLowersValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for c := range 20 {
		recs := randomRecs(rng, 25)
		// Costs off the 10 grid, so rounding up to the unit matters.
		for i := range recs {
			for o := range recs[i].Options {
				recs[i].Options[o].Cost += float64(rng.IntN(10))
			}
		}
		prev := -1.0
		for budget := 0.0; budget <= 12000; budget += 37 {
			a, err := Allocate(recs, budget, AllocateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Spent > budget {
				t.Fatalf("case %d: budget %v: spent %v", c, budget, a.Spent)
			}
			// Equal optima found along different paths may differ in the last bits.
			if a.Value < prev-1e-9*math.Max(1, prev) {
				t.Fatalf("case %d: budget %v gives value %v, less than %v at a smaller budget", c, budget, a.Value, prev)
			}
			prev = a.Value
		}
	}
}

func TestAllocateEdges(t *testing.T) {
	recs := []Recommendation{
		{EmployeeID: "A", Options: []Option{{Type: "equity", Cost: 500, Value: 900}, {Type: "flexible_time", Cost: 0, Value: 50}}},
		{EmployeeID: "B", Options: []Option{{Type: "training", Cost: 200, Value: 300}}},
		{EmployeeID: "C", Options: []Option{{Type: "cash_bonus", Cost: 100, Value: -40}}},
		{EmployeeID: "D"}, // no eligible incentive
	}
	t.Run("zero budget gives only what costs nothing", func(t *testing.T) {
		a, err := Allocate(recs, 0, AllocateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Grants) != 1 || a.Grants[0].EmployeeID != "A" || a.Grants[0].Type != "flexible_time" || a.Spent != 0 {
			t.Errorf("grants %+v, want A's flexible time only", a.Grants)
		}
		if got := strings.Join(a.Unfunded, ","); got != "B" {
			t.Errorf("unfunded %q, want B (A got something, C has nothing worth giving, D nothing eligible)", got)
		}
	})
	t.Run("budget for everything", func(t *testing.T) {
		a, err := Allocate(recs, 1e6, AllocateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Value != 1200 || a.Spent != 700 || len(a.Unfunded) != 0 {
			t.Errorf("value %v spent %v unfunded %v, want 1200, 700, none", a.Value, a.Spent, a.Unfunded)
		}
		if a.Grants[0].Rank != 1 {
			t.Errorf("A's grant has rank %d, want 1", a.Grants[0].Rank)
		}
	})
	t.Run("rounding up keeps the total within the budget", func(t *testing.T) {
		r := []Recommendation{{EmployeeID: "A", Options: []Option{{Type: "training", Cost: 995, Value: 10}}}}
		a, err := Allocate(r, 999, AllocateOptions{CostUnit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Grants) != 0 {
			t.Errorf("995 rounded up to 1000 does not fit 999 in units of 100, got %+v", a.Grants)
		}
	})
	for _, tc := range []struct {
		name   string
		budget float64
		opt    AllocateOptions
		want   string
	}{
		{"negative budget", -1, AllocateOptions{}, "budget: -1"},
		{"NaN budget", math.NaN(), AllocateOptions{}, "budget: NaN"},
		{"infinite budget", math.Inf(1), AllocateOptions{}, "budget: +Inf"},
		{"negative cost unit", 100, AllocateOptions{CostUnit: -5}, "cost unit"},
		{"too fine", 1e12, AllocateOptions{CostUnit: 0.001}, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			big := recs
			if tc.name == "too fine" {
				big = []Recommendation{{EmployeeID: "A", Options: []Option{{Type: "equity", Cost: 1e9, Value: 1}}}}
			}
			_, err := Allocate(big, tc.budget, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// bruteForceCapped is bruteForce with caps on the spending per type.
func bruteForceCapped(recs []Recommendation, budget float64, caps map[string]float64) float64 {
	best := 0.0
	spent := map[string]float64{}
	var walk func(i int, cost, value float64)
	walk = func(i int, cost, value float64) {
		if cost > budget+1e-9 {
			return
		}
		for t, c := range caps {
			if spent[t] > c+1e-9 {
				return
			}
		}
		if i == len(recs) {
			best = math.Max(best, value)
			return
		}
		walk(i+1, cost, value)
		for _, o := range recs[i].Options {
			if !(o.Value > 0) {
				continue
			}
			spent[o.Type] += o.Cost
			walk(i+1, cost+o.Cost, value+o.Value)
			spent[o.Type] -= o.Cost
		}
	}
	walk(0, 0, 0)
	return best
}

// TestAllocateTypeBudgets: the policy's budget per type is never exceeded, nor the total,
// and the value stays near the best allocation that respects the caps (brute force).
func TestAllocateTypeBudgets(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var ratio, worst float64 = 0, 1
	n := 0
	for c := range 80 {
		recs := randomRecs(rng, 2+rng.IntN(6))
		budget := 10 * float64(50+rng.IntN(150))
		caps := map[string]float64{"cash_bonus": 10 * float64(rng.IntN(40)), "equity": 10 * float64(rng.IntN(40))}
		a, err := Allocate(recs, budget, AllocateOptions{TypeBudget: caps})
		if err != nil {
			t.Fatal(err)
		}
		if a.Spent > budget+1e-9 {
			t.Errorf("case %d: spent %v over budget %v", c, a.Spent, budget)
		}
		by := map[string]float64{}
		for _, g := range a.Grants {
			by[g.Type] += g.Cost
		}
		for ty, cap := range caps {
			if by[ty] > cap+1e-9 {
				t.Errorf("case %d: %s spent %v over its cap %v", c, ty, by[ty], cap)
			}
		}
		if want := bruteForceCapped(recs, budget, caps); want > 0 {
			r := a.Value / want
			ratio += r
			worst = math.Min(worst, r)
			n++
			if r > 1+1e-9 {
				t.Errorf("case %d: value %v above the best %v", c, a.Value, want)
			}
		}
	}
	t.Logf("value against the best under the caps: mean %.3f, worst %.3f over %d cases", ratio/float64(n), worst, n)
	if ratio/float64(n) < 0.95 {
		t.Errorf("mean value %.3f of the best, want ≥ 0.95", ratio/float64(n))
	}
	if _, err := Allocate(randomRecs(rng, 3), 100, AllocateOptions{TypeBudget: map[string]float64{"equity": -1}}); err == nil {
		t.Error("a negative type budget was accepted")
	}
}
