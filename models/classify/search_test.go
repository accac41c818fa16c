package classify

import "testing"

func TestGridListsEveryConfig(t *testing.T) {
	cases := map[string]int{Logistic: 10, Bayes: 2, Tree: 1, Forest: 1, Boost: 8, Blend: 0}
	for fam, want := range cases {
		if got := len(Grid(fam)); got != want {
			t.Errorf("Grid(%s) has %d configs, want %d: %v", fam, got, want, Grid(fam))
		}
	}
}
