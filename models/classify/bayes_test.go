package classify

import (
	"math"
	"testing"
)

// Reference: scikit-learn 1.2.1 GaussianNB(var_smoothing=1e-9) on x1..x3 and
// BernoulliNB(alpha=1) on (x1>0, x2>1, x3>-1) of testdata/logistic.csv, target y3;
// command: cd models/classify && /usr/bin/python3 testdata/sklearn_reference.py
func TestBayesMatchesScikitLearn(t *testing.T) {
	tb := readFixture(t, "logistic.csv")
	x := rawMatrix(t, tb, "x1", "x2", "x3")
	y, _, err := Labels(labelsOf(t, tb, "y3"), "")
	if err != nil {
		t.Fatal(err)
	}
	n := tb.Rows()
	xb := make([]float64, len(x))
	for i := 0; i < n; i++ {
		for j, cut := range []float64{0, 1, -1} {
			if x[i*3+j] > cut {
				xb[i*3+j] = 1
			}
		}
	}
	cases := []struct {
		name   string
		x      []float64
		binary []bool
		want   [][]float64
	}{
		{"gaussian", x, []bool{false, false, false}, [][]float64{
			{0.0609593583, 0.2521342236, 0.6869064181},
			{0.0018177575, 0.2070120362, 0.7911702062},
			{0.2847029752, 0.4949722396, 0.2203247852},
		}},
		{"bernoulli", xb, []bool{true, true, true}, [][]float64{
			{0.0823987032, 0.5070810659, 0.4105202308},
			{0.0936270053, 0.6065052222, 0.2998677725},
			{0.0936270053, 0.6065052222, 0.2998677725},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := fitBayes(tc.x, n, 3, y, 3, tc.binary, 1e-9)
			got := make([]float64, 9)
			m.probs(tc.x[:9], 3, got)
			for i := range tc.want {
				for c, want := range tc.want[i] {
					if math.Abs(got[i*3+c]-want) > 1e-9 {
						t.Errorf("p[%d][%d] = %.10f, want %.10f (sklearn)", i, c, got[i*3+c], want)
					}
				}
			}
		})
	}
}
