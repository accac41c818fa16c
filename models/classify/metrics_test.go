package classify

import (
	"math"
	"testing"
)

// Reference values: scikit-learn 1.2.1 roc_auc_score, log_loss, brier_score_loss,
// accuracy_score and f1_score(average="macro"); command:
// cd models/classify && /usr/bin/python3 testdata/sklearn_reference.py
func TestScoreMatchesScikitLearn(t *testing.T) {
	yb := []int{0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1}
	pb := []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.05, 0.6, 0.9, 0.2, 0.55, 0.45}
	p2 := make([]float64, 2*len(pb))
	for i, q := range pb {
		p2[2*i], p2[2*i+1] = 1-q, q
	}
	y3 := []int{0, 1, 2, 2, 1, 0, 1, 2, 0, 1}
	p3 := []float64{0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.3, 0.4, 0.3, 0.3, 0.3, 0.4,
		0.5, 0.25, 0.25, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 0.4, 0.4, 0.2, 0.6, 0.3, 0.1}
	cases := []struct {
		name string
		p    []float64
		y    []int
		k    int
		want Metrics
	}{
		{"binary with ties", p2, yb, 2, Metrics{AUC: 0.8055555556, LogLoss: 0.5007250801, Brier: 0.1725, Accuracy: 0.6666666667, MacroF1: 0.6571428571}},
		// sklearn's multi-class Brier is not defined in 1.2.1; ours is checked by hand below.
		{"three classes", p3, y3, 3, Metrics{AUC: 0.875, LogLoss: 0.7515973249, Accuracy: 0.7, MacroF1: 0.6984126984, Brier: math.NaN()}},
	}
	const tol = 1e-9
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(tc.p, tc.y, tc.k)
			check := func(name string, got, want float64) {
				t.Helper()
				if !math.IsNaN(want) && math.Abs(got-want) > tol {
					t.Errorf("%s = %.10f, want %.10f", name, got, want)
				}
			}
			check("auc", got.AUC, tc.want.AUC)
			check("logloss", got.LogLoss, tc.want.LogLoss)
			check("brier", got.Brier, tc.want.Brier)
			check("accuracy", got.Accuracy, tc.want.Accuracy)
			check("macro_f1", got.MacroF1, tc.want.MacroF1)
		})
	}
}

func TestBrierMultiClassIsHalfTheSquaredError(t *testing.T) {
	// One row, truth class 2: ((0.2)² + (0.3)² + (0.5)²)/2 = 0.19.
	got := Score([]float64{0.2, 0.3, 0.5}, []int{2}, 3).Brier
	if math.Abs(got-0.19) > 1e-12 {
		t.Errorf("brier = %v, want 0.19", got)
	}
}

func TestAUCEdgeCases(t *testing.T) {
	cases := []struct {
		name string
		s    []float64
		pos  []bool
		want float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{0.5, 0.5, 0.5}, []bool{false, true, true}, 0.5},
		{"one class", []float64{0.1, 0.2}, []bool{true, true}, math.NaN()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AUC(tc.s, tc.pos)
			if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != tc.want) {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLogLossClipsCertainMisses(t *testing.T) {
	got := Score([]float64{1, 0}, []int{1}, 2).LogLoss
	want := -math.Log(1e-15)
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("logloss = %v, want %v", got, want)
	}
}

func TestReliabilityBins(t *testing.T) {
	prob := []float64{0.05, 0.07, 0.95, 1.0, 0.5}
	pos := []bool{false, true, true, true, false}
	bins := Reliability(prob, pos, 10)
	if len(bins) != 10 {
		t.Fatalf("got %d bins, want 10", len(bins))
	}
	if b := bins[0]; b.Count != 2 || math.Abs(b.Predicted-0.06) > 1e-12 || b.Observed != 0.5 {
		t.Errorf("bin 0 = %+v, want count 2, predicted 0.06, observed 0.5", b)
	}
	if b := bins[9]; b.Count != 2 || b.Observed != 1 {
		t.Errorf("bin 9 = %+v, want count 2 (1.0 falls in the last bin), observed 1", b)
	}
	if b := bins[5]; b.Count != 1 || b.Observed != 0 {
		t.Errorf("bin 5 = %+v, want count 1, observed 0", b)
	}
}
