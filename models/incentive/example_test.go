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
	first := recs[0]
	fmt.Println("eligible incentives of the first rep:", len(first.Options))
	fmt.Println("recommended:", len(first.Recommended()) > 0 && first.Options[0].Recommended)
	fmt.Println("reasons for the top one:", len(first.Options[0].Reasons) >= 3)
	alloc, err := incentive.Allocate(recs, 20000, incentive.AllocateOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println("within budget:", alloc.Spent <= alloc.Budget)
	// Output:
	// eligible incentives of the first rep: 5
	// recommended: true
	// reasons for the top one: true
	// within budget: true
}
