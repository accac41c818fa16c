package incentive_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/incentive"
)

// Train on a company's HR tables, recommend for a team and spend a budget.
func Example() {
	dir, _ := os.MkdirTemp("", "incentive-example-")
	defer os.RemoveAll(dir)
	company := filepath.Join(dir, "company")
	if _, err := synth.Generate(context.Background(), company, synth.DefaultConfig(), nil); err != nil {
		panic(err)
	}
	ds, _, err := datasets.Load(company, datasets.WithTables(features.EmployeeTables...))
	if err != nil {
		panic(err)
	}
	r, err := incentive.Train(context.Background(), ds, incentive.DefaultConfig(), incentive.TrainOptions{Seed: 0})
	if err != nil {
		panic(err)
	}
	team, err := r.OnStaff(time.Time{}, "east-sales-01") // on the day after the data
	if err != nil {
		panic(err)
	}
	recs, err := r.Recommend(context.Background(), team, incentive.Options{Top: 3})
	if err != nil {
		panic(err)
	}
	top := recs[0].Options[0]
	fmt.Println("eligible incentives of the first rep:", len(recs[0].Options))
	fmt.Println("reasons for the top one:", len(top.Reasons))
	alloc, err := incentive.Allocate(recs, 20000, incentive.AllocateOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println("within budget:", alloc.Spent <= alloc.Budget)
	// Output:
	// eligible incentives of the first rep: 6
	// reasons for the top one: 3
	// within budget: true
}
