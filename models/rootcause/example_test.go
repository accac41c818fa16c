package rootcause_test

import (
	"context"
	"fmt"

	"github.com/growthlens/growthlens/models/rootcause"
)

// Revenue against target by region × product: East's GTX sales fell 40 %, everything else is
// within a few percent of target.
func ExampleRank() {
	tb, _ := rootcause.NewTable([]string{"region", "product"})
	rows := []struct {
		region, product string
		revenue, target float64
	}{
		{"East", "GTX", 60, 100}, {"East", "MG", 101, 100}, {"East", "Zeta", 98, 100},
		{"West", "GTX", 102, 100}, {"West", "MG", 99, 100}, {"West", "Zeta", 100, 100},
		{"North", "GTX", 97, 100}, {"North", "MG", 103, 100}, {"North", "Zeta", 101, 100},
	}
	for _, r := range rows {
		if err := tb.AddAdditive([]string{r.region, r.product}, r.revenue, r.target); err != nil {
			panic(err)
		}
	}
	res, err := rootcause.Rank(context.Background(), tb, rootcause.Options{Top: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println("no dominant cause:", res.NoDominantCause)
	for _, s := range res.Slices {
		fmt.Printf("%s: change %+.0f %%, share %.0f %%, significant %v\n", s, 100*s.Change, 100*s.Share, s.Significant)
	}
	// Output:
	// no dominant cause: false
	// region=East & product=GTX: change -40 %, share 103 %, significant true
	// region=North & product=GTX: change -3 %, share 8 %, significant false
}
