package classify

import (
	"math"
	"strconv"
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

// ExplainRows must give, row by row, exactly what setting one column at a time to its typical
// value and scoring the row alone gives, for rows in any order and repeated.
func TestExplainRowsMatchesOneRowAtATime(t *testing.T) {
	train, y := synth(t, 400, 3, 5)
	m, err := Fit(train, y, Options{InnerFolds: 3, Families: []string{Logistic, Bayes}})
	if err != nil {
		t.Fatal(err)
	}
	rows := []int{7, 0, 7, 399}
	got, err := m.ExplainRows(train, rows)
	if err != nil {
		t.Fatal(err)
	}
	typ := m.typicals()
	for j, i := range rows {
		base, err := m.PredictProba(train.Subset([]int{i}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got[j]) != len(typ) {
			t.Fatalf("row %d: %d reasons, want %d", i, len(got[j]), len(typ))
		}
		for q, in := range typ {
			alt := train.Subset([]int{i})
			col := alt.Column(in.name)
			want := Reason{Column: in.name, Value: col.String(0), Typical: in.typical}
			if in.kind == Numeric {
				col.Num[0], _ = strconv.ParseFloat(in.typical, 64)
			} else {
				col.Cat[0] = in.typical
			}
			p, err := m.PredictProba(alt)
			if err != nil {
				t.Fatal(err)
			}
			r := got[j][q]
			if r.Column != want.Column || r.Value != want.Value || r.Typical != want.Typical {
				t.Errorf("row %d reason %d = %s=%q (typical %q), want %s=%q (typical %q)", i, q, r.Column, r.Value, r.Typical, want.Column, want.Value, want.Typical)
			}
			for c := range p {
				if d := base[c] - p[c]; math.Abs(r.Delta[c]-d) > 1e-12 {
					t.Errorf("row %d column %s class %d: delta %v, want %v", i, in.name, c, r.Delta[c], d)
				}
			}
		}
	}
	if _, err := m.ExplainRows(train, []int{-1}); err == nil {
		t.Error("row -1: no error")
	}
	if _, err := m.ExplainRows(&Table{}, nil); err == nil {
		t.Error("table without the model's columns: no error")
	}
}
