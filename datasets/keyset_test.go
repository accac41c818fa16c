package datasets

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestKeySet checks the set against a map on keys that arrive sorted, then out of order.
func TestKeySet(t *testing.T) {
	for _, name := range []string{"sorted", "sorted then shuffled", "shuffled"} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			var keys []string
			for i := range 2000 {
				keys = append(keys, "K"+strconv.Itoa(100000+i))
			}
			switch name {
			case "sorted then shuffled":
				rng.Shuffle(1000, func(i, j int) { keys[1000+i], keys[1000+j] = keys[1000+j], keys[1000+i] })
			case "shuffled":
				rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			}
			var s keySet
			s.reserve(500)
			want := map[string]int{}
			for i, k := range keys {
				// Every key is offered twice: the first is new, the repeat is found with its line.
				for _, line := range []int{2 * i, 2*i + 1} {
					gotLine, got := s.lookup(k)
					wantLine, ok := want[k]
					if got != ok || gotLine != wantLine {
						t.Fatalf("lookup(%s) = %d, %v; want %d, %v", k, gotLine, got, wantLine, ok)
					}
					if !ok {
						s.add(k, line)
						want[k] = line
					}
				}
				if _, ok := s.lookup("K0"); ok {
					t.Fatal("found a key never added")
				}
			}
			if s.len() != len(want) {
				t.Errorf("len = %d, want %d", s.len(), len(want))
			}
			if sortedMode := s.m == nil; sortedMode != (name == "sorted") {
				t.Errorf("sorted mode = %v after %s keys", sortedMode, name)
			}
		})
	}
}
