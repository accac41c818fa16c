package classify

import (
	"math"
	"os"
	"testing"
)

// readFixture reads a CSV under testdata/ into a Table.
func readFixture(t *testing.T, name string) *Table {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := ReadCSV(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return tb
}

// rawMatrix returns the named numeric columns as a row-major matrix (no encoding).
func rawMatrix(t *testing.T, tb *Table, names ...string) []float64 {
	t.Helper()
	n, p := tb.Rows(), len(names)
	x := make([]float64, n*p)
	for j, name := range names {
		c := tb.Column(name)
		if c == nil || c.Kind != Numeric {
			t.Fatalf("column %q missing or not numeric", name)
		}
		for i, v := range c.Num {
			x[i*p+j] = v
		}
	}
	return x
}

func labelsOf(t *testing.T, tb *Table, name string) []string {
	t.Helper()
	c := tb.Column(name)
	out := make([]string, tb.Rows())
	for i := range out {
		out[i] = c.String(i)
	}
	return out
}

// Reference: scikit-learn 1.2.1, LogisticRegression(C=C, solver="newton-cg", tol=1e-12) on
// testdata/logistic.csv; command: cd models/classify && /usr/bin/python3 testdata/sklearn_reference.py
func TestLogisticMatchesScikitLearnBinary(t *testing.T) {
	tb := readFixture(t, "logistic.csv")
	x := rawMatrix(t, tb, "x1", "x2", "x3")
	y, _, err := Labels(labelsOf(t, tb, "y"), "1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		c         float64
		coef      []float64
		intercept float64
	}{
		{"C=0.1", 0.1, []float64{0.45570356, -0.31733058, 0.10030214}, 0.16551222},
		{"C=1", 1, []float64{0.78025492, -0.41190474, 0.38929012}, 0.54305281},
	}
	const tol = 1e-7
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := fitLogistic(x, tb.Rows(), 3, y, 2, tc.c, nil)
			if err != nil {
				t.Fatal(err)
			}
			for j, want := range tc.coef {
				if got := m.W[j]; math.Abs(got-want) > tol {
					t.Errorf("coef[%d] = %.8f, want %.8f (sklearn)", j, got, want)
				}
			}
			if got := m.B[0]; math.Abs(got-tc.intercept) > tol {
				t.Errorf("intercept = %.8f, want %.8f (sklearn)", got, tc.intercept)
			}
		})
	}
}

// Reference: scikit-learn 1.2.1, LogisticRegression(C=0.5, solver="newton-cg", tol=1e-12)
// (multinomial) on testdata/logistic.csv target y3; same command as above. The softmax
// parametrisation is not identified by the intercepts alone, so probabilities are compared.
func TestLogisticMatchesScikitLearnMultinomial(t *testing.T) {
	tb := readFixture(t, "logistic.csv")
	x := rawMatrix(t, tb, "x1", "x2", "x3")
	y, classes, err := Labels(labelsOf(t, tb, "y3"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) != 3 || classes[0] != "a" || classes[2] != "c" {
		t.Fatalf("classes = %v, want [a b c]", classes)
	}
	m, err := fitLogistic(x, tb.Rows(), 3, y, 3, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{0.08525969, 0.10403934, 0.81070096},
		{0.02745811, 0.06486902, 0.90767287},
		{0.29090755, 0.51915323, 0.18993922},
	}
	got := make([]float64, 9)
	m.probs(x[:9], 3, got)
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i*3+j]-want[i][j]) > 1e-6 {
				t.Errorf("p[%d][%d] = %.8f, want %.8f (sklearn)", i, j, got[i*3+j], want[i][j])
			}
		}
	}
}

func TestLogisticWarmStartGivesSameFit(t *testing.T) {
	tb := readFixture(t, "logistic.csv")
	x := rawMatrix(t, tb, "x1", "x2", "x3")
	y, _, _ := Labels(labelsOf(t, tb, "y"), "1")
	cold, err := fitLogistic(x, tb.Rows(), 3, y, 2, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := fitLogistic(x, tb.Rows(), 3, y, 2, 0.01, nil)
	warm, err := fitLogistic(x, tb.Rows(), 3, y, 2, 1, from)
	if err != nil {
		t.Fatal(err)
	}
	for j := range cold.W {
		if math.Abs(cold.W[j]-warm.W[j]) > 1e-7 {
			t.Errorf("w[%d]: cold %.9f, warm %.9f", j, cold.W[j], warm.W[j])
		}
	}
}

func TestLogisticRejectsBadPenalty(t *testing.T) {
	for _, c := range []float64{0, -1, math.NaN()} {
		if _, err := fitLogistic([]float64{1, 2}, 2, 1, []int{0, 1}, 2, c, nil); err == nil {
			t.Errorf("C=%v: got no error", c)
		}
	}
}
