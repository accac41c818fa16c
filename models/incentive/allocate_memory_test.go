package incentive

import (
	"runtime"
	"strings"
	"testing"
)

// TestAllocateMemoryBudget is issue 14's defect 1: one employee whose only option costs about
// 7 million with a cost unit of 0.10478 and a budget of 1e12 asked for 67 million budget steps,
// under the old cell bound (employees × steps ≤ 2^26), and Allocate took 1 GiB for its two
// value rows. The bound is now on bytes: the request is refused, naming the cost unit that
// fits, and the refusal allocates next to nothing.
func TestAllocateMemoryBudget(t *testing.T) {
	recs := []Recommendation{{EmployeeID: "E1", Salary: 1e8, Options: []Option{{Type: "bonus", Cost: 7e6, Value: 1}}}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Allocate(recs, 1e12, AllocateOptions{CostUnit: 0.10478})
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("Allocate allocated %d MiB for one employee; want at most 64 MiB", got>>20)
	}
	if err == nil || !strings.Contains(err.Error(), "cost unit") {
		t.Fatalf("err = %v, want a refusal naming the cost unit", err)
	}

	// The same employee with the cost unit the error suggests is answered, within the budget.
	a, err := Allocate(recs, 1e12, AllocateOptions{CostUnit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Grants) != 1 || a.Spent != 7e6 {
		t.Errorf("allocation %+v, want the one option granted", a)
	}
}

// TestAllocateBytes checks the memory estimate against the rows Allocate makes.
func TestAllocateBytes(t *testing.T) {
	if got, want := allocateBytes(10, 1001), int64(2*8*1001+10*1001); got != want {
		t.Errorf("allocateBytes(10, 1001) = %d, want %d", got, want)
	}
}
