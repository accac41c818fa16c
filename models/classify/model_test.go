package classify

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synth makes a table with numeric, skewed, ordinal and categorical columns (some missing)
// whose labels depend on them through a known logistic model with k classes.
func synth(t *testing.T, n, k int, seed uint64) (*Table, []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	x1 := make([]float64, n)
	income := make([]float64, n)
	level := make([]float64, n)
	dept := make([]string, n)
	labels := make([]string, n)
	depts := []string{"sales", "ops", "finance", "hr"}
	for i := 0; i < n; i++ {
		x1[i] = rng.NormFloat64()
		income[i] = math.Exp(8 + 0.6*rng.NormFloat64())
		level[i] = float64(1 + rng.IntN(4))
		dept[i] = depts[rng.IntN(4)]
		score := make([]float64, k)
		for c := 1; c < k; c++ {
			s := 1.5*x1[i]*float64(c) - 0.8*(math.Log(income[i])-8)/0.6
			if dept[i] == depts[c%4] {
				s += 1.2
			}
			if level[i] == float64(c) {
				s += 0.8
			}
			score[c] = s - 0.5
		}
		softmaxInPlace(score)
		u, cls := rng.Float64(), 0
		for cls < k-1 && u > score[cls] {
			u -= score[cls]
			cls++
		}
		labels[i] = string(rune('a' + cls))
		if rng.Float64() < 0.1 {
			income[i] = math.NaN()
		}
		if rng.Float64() < 0.05 {
			dept[i] = ""
		}
	}
	var tb Table
	for _, err := range []error{
		tb.AddNumeric("x1", x1), tb.AddNumeric("income", income),
		tb.AddNumeric("level", level), tb.AddCategorical("dept", dept),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &tb, labels
}

var fastFamilies = []string{Logistic, Bayes, Boost, Blend}

func TestFitBinaryAndMultiClassBeatBaseRate(t *testing.T) {
	cases := []struct {
		name    string
		k       int
		minAUC  float64
		options Options
	}{
		{"binary, all families", 2, 0.75, Options{Seed: 1, InnerFolds: 3}},
		{"three classes", 3, 0.75, Options{Seed: 1, InnerFolds: 3, Families: fastFamilies}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			train, ytr := synth(t, 600, tc.k, 1)
			test, yte := synth(t, 400, tc.k, 2)
			m, err := Fit(train, ytr, tc.options)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Classes) != tc.k {
				t.Fatalf("classes = %v, want %d", m.Classes, tc.k)
			}
			p, err := m.PredictProba(test)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < test.Rows(); i++ {
				var s float64
				for c := 0; c < tc.k; c++ {
					s += p[i*tc.k+c]
				}
				if math.Abs(s-1) > 1e-9 {
					t.Fatalf("row %d probabilities sum to %v", i, s)
				}
			}
			y, _, _ := Labels(yte, "")
			got := Score(p, y, tc.k)
			base := Score(baseRate(y, tc.k, len(y)), y, tc.k)
			if got.AUC < tc.minAUC {
				t.Errorf("AUC = %.3f, want ≥ %.2f (model %s)", got.AUC, tc.minAUC, m.Name)
			}
			if got.LogLoss >= base.LogLoss || got.Brier >= base.Brier {
				t.Errorf("logloss %.4f / brier %.4f do not beat the base rate's %.4f / %.4f", got.LogLoss, got.Brier, base.LogLoss, base.Brier)
			}
		})
	}
}

func TestFitIsDeterministicAndRoundTrips(t *testing.T) {
	train, y := synth(t, 400, 2, 3)
	test, _ := synth(t, 200, 2, 4)
	opts := Options{Seed: 9, InnerFolds: 3, Families: []string{Boost, Forest, Logistic, Blend}}
	m1, err := Fit(train, y, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Workers = 1
	m2, err := Fit(train, y, opts)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := m1.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := m2.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Errorf("two fits with the same seed (and different worker counts) serialise differently: %s vs %s", m1.Name, m2.Name)
	}
	var back Model
	if err := back.UnmarshalBinary(b1); err != nil {
		t.Fatal(err)
	}
	p1, err := m1.PredictProba(test)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.PredictProba(test)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatalf("prediction %d changed after a round trip: %v vs %v", i, p1[i], p2[i])
		}
	}
	if back.Name != m1.Name || strings.Join(back.Classes, ",") != strings.Join(m1.Classes, ",") {
		t.Errorf("round trip changed name/classes: %q %v vs %q %v", back.Name, back.Classes, m1.Name, m1.Classes)
	}
}

func TestUnmarshalRejectsGarbage(t *testing.T) {
	train, y := synth(t, 200, 2, 5)
	m, err := Fit(train, y, Options{InnerFolds: 3, Families: []string{Logistic}})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := m.MarshalBinary()
	cases := map[string][]byte{
		"empty":       nil,
		"not a model": []byte("hello world, this is not a model at all"),
		"truncated":   good[:len(good)/2],
		"bad version": append(append([]byte(nil), good[:len(binaryMagic)-1]...), append([]byte{99}, good[len(binaryMagic):]...)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			var back Model
			if err := back.UnmarshalBinary(data); err == nil {
				t.Error("got no error")
			}
		})
	}
}

func TestPredictHandlesUnseenAndMissingValues(t *testing.T) {
	train, y := synth(t, 300, 2, 6)
	m, err := Fit(train, y, Options{InnerFolds: 3, Families: []string{Logistic, Boost, Bayes, Blend}})
	if err != nil {
		t.Fatal(err)
	}
	row := func(dept string, income float64) *Table {
		var tb Table
		_ = tb.AddNumeric("x1", []float64{0.3})
		_ = tb.AddNumeric("income", []float64{income})
		_ = tb.AddNumeric("level", []float64{2})
		_ = tb.AddCategorical("dept", []string{dept})
		return &tb
	}
	unseenA, err := m.PredictProba(row("legal", 3000))
	if err != nil {
		t.Fatalf("unseen label: %v", err)
	}
	unseenB, _ := m.PredictProba(row("marketing", 3000))
	if unseenA[1] != unseenB[1] {
		t.Errorf("two unseen labels score differently (%v, %v); both should encode as no level", unseenA[1], unseenB[1])
	}
	missing, err := m.PredictProba(row("sales", math.NaN()))
	if err != nil {
		t.Fatalf("missing income: %v", err)
	}
	if math.IsNaN(missing[1]) {
		t.Error("missing income gave NaN")
	}
	inf := row("sales", 1)
	inf.Column("income").Num[0] = math.Inf(1) // bypasses AddNumeric's check on purpose
	if _, err := m.PredictProba(inf); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("Inf at prediction: err = %v, want a not-finite error", err)
	}
	var noDept Table
	_ = noDept.AddNumeric("x1", []float64{0.3})
	_ = noDept.AddNumeric("income", []float64{1})
	_ = noDept.AddNumeric("level", []float64{2})
	if _, err := m.PredictProba(&noDept); err == nil || !strings.Contains(err.Error(), `no column "dept"`) {
		t.Errorf("missing column: err = %v", err)
	}
	wrongKind := row("sales", 1)
	wk, _ := wrongKind.Without("level")
	_ = wk.AddCategorical("level", []string{"2"})
	if _, err := m.PredictProba(wk); err == nil || !strings.Contains(err.Error(), "categorical") {
		t.Errorf("wrong kind: err = %v", err)
	}
}

func TestFitIgnoresAllMissingColumn(t *testing.T) {
	train, y := synth(t, 300, 2, 8)
	empty := make([]float64, train.Rows())
	for i := range empty {
		empty[i] = math.NaN()
	}
	if err := train.AddNumeric("empty", empty); err != nil {
		t.Fatal(err)
	}
	m, err := Fit(train, y, Options{InnerFolds: 3, Families: []string{Logistic}})
	if err != nil {
		t.Fatalf("an all-missing column should be ignored, got %v", err)
	}
	for _, in := range m.Inputs() {
		if in.Name == "empty" {
			t.Error("the model reads the all-missing column")
		}
	}
	if d := m.Members[0].Enc.Dropped; len(d) != 1 || d[0].Column != "empty" {
		t.Errorf("dropped = %v, want the empty column", d)
	}
}

func TestFitBadInput(t *testing.T) {
	one := func(labels ...string) (*Table, []string) {
		var tb Table
		x := make([]float64, len(labels))
		for i := range x {
			x[i] = float64(i)
		}
		_ = tb.AddNumeric("x", x)
		return &tb, labels
	}
	allNaN := func() (*Table, []string) {
		var tb Table
		_ = tb.AddNumeric("x", []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()})
		return &tb, []string{"a", "b", "a", "b"}
	}
	cases := []struct {
		name    string
		data    func() (*Table, []string)
		opts    Options
		wantErr string
	}{
		{"one class", func() (*Table, []string) { return one("a", "a", "a", "a") }, Options{}, "at least two classes"},
		{"one row", func() (*Table, []string) { return one("a") }, Options{}, "at least two classes"},
		{"a class too small to cross-validate", func() (*Table, []string) { return one("a", "a", "a", "b") }, Options{}, "need at least 2"},
		{"missing label", func() (*Table, []string) { return one("a", "", "b", "b") }, Options{}, "no label"},
		{"positive not a class", func() (*Table, []string) { return one("a", "b", "a", "b") }, Options{Positive: "yes"}, `positive class "yes"`},
		{"unknown family", func() (*Table, []string) { return one("a", "b", "a", "b") }, Options{Families: []string{"svm"}}, `unknown model family "svm"`},
		{"only blend", func() (*Table, []string) { return one("a", "b", "a", "b") }, Options{Families: []string{Blend}}, "blend needs"},
		{"no usable column", allNaN, Options{InnerFolds: 2, Families: []string{Logistic}}, "no usable feature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb, y := tc.data()
			_, err := Fit(tb, y, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestEvaluateNeedsEnoughRowsPerClassForTheFolds(t *testing.T) {
	var tb Table
	_ = tb.AddNumeric("x", []float64{1, 2, 3, 4, 5, 6})
	_, err := Evaluate(&tb, []string{"a", "a", "a", "b", "b", "b"}, Options{Folds: 5})
	if err == nil || !strings.Contains(err.Error(), "fewer than the 5 folds") {
		t.Errorf("err = %v", err)
	}
}

func TestEvaluateReportsEveryFamilyAndBaseline(t *testing.T) {
	tb, y := synth(t, 300, 2, 10)
	rep, err := Evaluate(tb, y, Options{Folds: 3, InnerFolds: 3, Families: fastFamilies})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.PerModel) != len(fastFamilies) {
		t.Fatalf("per_model has %d entries, want %d", len(rep.PerModel), len(fastFamilies))
	}
	for _, pm := range rep.PerModel {
		if len(pm.Configs) != 3 {
			t.Errorf("%s: %d configs, want one per fold", pm.Name, len(pm.Configs))
		}
	}
	if len(rep.ChosenPerFold) != 3 || rep.Model == "" {
		t.Errorf("chosen = %v / %q", rep.ChosenPerFold, rep.Model)
	}
	if rep.LogLoss >= rep.Baseline.LogLoss {
		t.Errorf("chosen logloss %.4f does not beat the base rate's %.4f", rep.LogLoss, rep.Baseline.LogLoss)
	}
	if len(rep.Reliability) != 10 {
		t.Errorf("reliability has %d bins, want 10", len(rep.Reliability))
	}
	var count int
	for _, b := range rep.Reliability {
		count += b.Count
	}
	if count != tb.Rows() {
		t.Errorf("reliability covers %d rows, want every row (%d) once", count, tb.Rows())
	}
}

func TestStratifiedFolds(t *testing.T) {
	y := make([]int, 103)
	for i := range y {
		if i%5 == 0 {
			y[i] = 1
		}
	}
	f1, err := StratifiedFolds(y, 2, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := StratifiedFolds(y, 2, 5, 3)
	f3, _ := StratifiedFolds(y, 2, 5, 4)
	size := make([]int, 5)
	pos := make([]int, 5)
	same, other := true, true
	for i, f := range f1 {
		size[f]++
		pos[f] += y[i]
		same = same && f == f2[i]
		other = other && f == f3[i]
	}
	if !same {
		t.Error("same seed, different folds")
	}
	if other {
		t.Error("different seeds, same folds")
	}
	for f := 1; f < 5; f++ {
		if d := size[f] - size[0]; d < -1 || d > 1 {
			t.Errorf("fold sizes %v differ by more than 1", size)
		}
		if d := pos[f] - pos[0]; d < -1 || d > 1 {
			t.Errorf("positives per fold %v differ by more than 1", pos)
		}
	}
}
