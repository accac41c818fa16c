package serve

import "testing"

// TestPeopleSlots checks the per-key bound on concurrent requests to the people endpoints
// (defect 1: three concurrent allocations reached 3.77 GB).
func TestPeopleSlots(t *testing.T) {
	ps := newKeySlots(2)
	r1, ok1 := ps.acquire("k")
	r2, ok2 := ps.acquire("k")
	_, ok3 := ps.acquire("k")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("acquire: %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := ps.acquire("other"); !ok {
		t.Error("another key was refused")
	}
	r1()
	if _, ok := ps.acquire("k"); !ok {
		t.Error("a released slot was not given again")
	}
	r2()
	if n := ps.inUse("k"); n != 1 {
		t.Errorf("in use %d, want 1", n)
	}
}
