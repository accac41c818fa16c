package classify_test

import (
	"fmt"
	"math"

	"github.com/growthlens/growthlens/models/classify"
)

// Fit a classifier on a small table, score a new row, and store the model as bytes.
func ExampleFit() {
	// Ten employees per team and tenure pattern; people in "field" with short tenure leave.
	var tenure []float64
	var team, left []string
	for i := 0; i < 120; i++ {
		t := float64(i % 12)
		tm := []string{"field", "office", "remote"}[i%3]
		tenure = append(tenure, t)
		team = append(team, tm)
		leaves := (tm == "field" && t < 5) || i%17 == 0
		left = append(left, map[bool]string{true: "yes", false: "no"}[leaves])
	}
	var t classify.Table
	if err := t.AddNumeric("tenure", tenure); err != nil {
		panic(err)
	}
	if err := t.AddCategorical("team", team); err != nil {
		panic(err)
	}
	m, err := classify.Fit(&t, left, classify.Options{Seed: 1, Families: []string{classify.Logistic, classify.Bayes}})
	if err != nil {
		panic(err)
	}

	var row classify.Table
	_ = row.AddNumeric("tenure", []float64{2})
	_ = row.AddCategorical("team", []string{"field"})
	p, err := m.PredictProba(&row)
	if err != nil {
		panic(err)
	}
	fmt.Println("classes:", m.Classes)
	fmt.Printf("P(leaves) > 0.5: %v\n", p[1] > 0.5)

	b, _ := m.MarshalBinary()
	var back classify.Model
	if err := back.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	q, _ := back.PredictProba(&row)
	fmt.Println("same after a round trip:", math.Abs(q[1]-p[1]) == 0)
	// Output:
	// classes: [no yes]
	// P(leaves) > 0.5: true
	// same after a round trip: true
}
