package classify

import (
	"math"
	"testing"
)

func TestExplainNamesTheDrivingColumn(t *testing.T) {
	train, y := synth(t, 600, 2, 21)
	noise := make([]float64, train.Rows())
	for i := range noise {
		noise[i] = float64((i * 7919) % 13)
	}
	if err := train.AddNumeric("noise", noise); err != nil {
		t.Fatal(err)
	}
	m, err := Fit(train, y, Options{InnerFolds: 3, Families: []string{Logistic}})
	if err != nil {
		t.Fatal(err)
	}
	// A row whose x1 is far above its median (0): x1 should be the main reason, raising class
	// "b" (synth gives class 1 a +1.5·x1 score).
	var row Table
	_ = row.AddNumeric("x1", []float64{2.5})
	_ = row.AddNumeric("income", []float64{math.Exp(8)})
	_ = row.AddNumeric("level", []float64{3})
	_ = row.AddCategorical("dept", []string{"hr"})
	_ = row.AddNumeric("noise", []float64{6})
	reasons, err := m.Explain(&row, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(reasons) != 5 {
		t.Fatalf("got %d reasons, want one per input column (5)", len(reasons))
	}
	top := reasons[0]
	if top.Column != "x1" || top.Delta[1] <= 0 || top.Value != "2.5" {
		t.Errorf("top reason = %+v, want x1=2.5 raising P(b)", top)
	}
	if math.Abs(top.Delta[0]+top.Delta[1]) > 1e-12 {
		t.Errorf("deltas of the two classes should cancel: %v", top.Delta)
	}
	for _, r := range reasons {
		if r.Column == "noise" && math.Abs(r.Delta[1]) >= math.Abs(top.Delta[1])/2 {
			t.Errorf("noise moves P(b) by %.3f, close to x1's %.3f", r.Delta[1], top.Delta[1])
		}
	}
	if _, err := m.Explain(&row, 1, 1); err == nil {
		t.Error("row out of range: no error")
	}
}
