package incentive

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// readFloats reads a CSV fixture with a header into rows of numbers.
func readFloats(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, 0, len(recs)-1)
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for j, s := range r {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, row)
	}
	return out
}

func allRows(n int) []int {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// Reference: statsmodels 0.13.5 ConditionalLogit (Newton, tol 1e-12) on the long format of
// testdata/choice.csv, unpenalised, type 0 the base; command: cd models/incentive &&
// /usr/bin/python3 testdata/linear_reference.py (it also writes the fixtures).
//
// The conditional logit here is fitted with only the floor penalties (l2Floor on weights,
// interceptPenalty on intercepts), which move the estimates by about their size times the
// penalty over the curvature: well under the tolerance. The contrasts with type 0 are what
// the likelihood identifies; the types never available (3–6) must stay at 0.
func TestChoiceMatchesStatsmodels(t *testing.T) {
	rows := readFloats(t, "testdata/choice.csv")
	n := len(rows)
	d := &choiceData{n: n, p: 2, m: 1, x: make([]float64, n*2), z: make([]float64, n*numTypes), mask: make([]uint8, n), y: make([]int8, n)}
	for i, r := range rows {
		d.x[2*i], d.x[2*i+1] = r[0], r[1]
		for k := range 3 {
			d.z[i*numTypes+k] = r[2+k]
		}
		d.mask[i], d.y[i] = uint8(r[5]), int8(r[6])
	}
	th := make([]float64, d.dim())
	if err := newton(context.Background(), d, allRows(n), penalty{}, th, 1); err != nil {
		t.Fatal(err)
	}
	s := d.p + 1
	b := func(k int) float64 { return th[k*s] }
	w := func(k, j int) float64 { return th[k*s+1+j] }
	got := []float64{b(1) - b(0), b(2) - b(0), w(1, 0) - w(0, 0), w(1, 1) - w(0, 1), w(2, 0) - w(0, 0), w(2, 1) - w(0, 1), th[numTypes*s]}
	want := []float64{0.46202786491569814, -0.14269151029690819, 1.2803836725305224, -0.5967570132995634, -0.3529429073073612, 0.87791882697381, 0.6638753220280968}
	names := []string{"b1-b0", "b2-b0", "w1-w0 x1", "w1-w0 x2", "w2-w0 x1", "w2-w0 x2", "gamma"}
	const tol = 1e-3
	for j := range want {
		if math.Abs(got[j]-want[j]) > tol {
			t.Errorf("%s: got %.6f, want %.6f (statsmodels) ± %g", names[j], got[j], want[j], tol)
		}
	}
	for k := 3; k < numTypes; k++ {
		for j := range s {
			if v := th[k*s+j]; math.Abs(v) > 1e-9 {
				t.Errorf("type %d never available: parameter %d is %g, want 0", k, j, v)
			}
		}
	}
	// Probabilities of unavailable alternatives are 0 and the rest sum to 1.
	var u, p [numTypes]float64
	for i := range n {
		d.utilities(th, i, &u)
		softmax(&u, d.mask[i], &p)
		var sum float64
		for k := range numTypes {
			if d.mask[i]&(1<<k) == 0 && p[k] != 0 {
				t.Fatalf("row %d: type %d unavailable but has probability %g", i, k, p[k])
			}
			sum += p[k]
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("row %d: probabilities sum to %g", i, sum)
		}
	}
}

// Reference: scikit-learn 1.2.1 LogisticRegression(C=1/(n·0.01), tol=1e-12) on
// testdata/risk.csv; command: cd models/incentive && /usr/bin/python3
// testdata/linear_reference.py. scikit-learn leaves the intercept unpenalised; here it
// carries interceptPenalty, which moves it by about 1e-4 × its size over the curvature.
func TestRiskMatchesSklearn(t *testing.T) {
	rows := readFloats(t, "testdata/risk.csv")
	n := len(rows)
	d := &riskData{n: n, p: 3, x: make([]float64, n*3), y: make([]int8, n)}
	for i, r := range rows {
		copy(d.x[3*i:3*i+3], r[:3])
		d.y[i] = int8(r[3])
	}
	th := make([]float64, d.dim())
	if err := newton(context.Background(), d, allRows(n), penalty{Alpha: 0.01}, th, 1); err != nil {
		t.Fatal(err)
	}
	want := []float64{-0.8570198354199358, 1.2102638061346322, -0.8788889590156119, -0.0028842511975304902}
	names := []string{"intercept", "w1", "w2", "w3"}
	const tol = 1e-3
	for j := range want {
		if math.Abs(th[j]-want[j]) > tol {
			t.Errorf("%s: got %.6f, want %.6f (scikit-learn) ± %g", names[j], th[j], want[j], tol)
		}
	}
}

// Cross-validation on many rows uses a stratified subsample of about cvMaxRows; the folds
// must partition it, keep each class's share, and depend only on the seed.
func TestStratifiedFoldsSubsample(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		wantAll bool
	}{
		{"small: every row", cvMaxRows - 1, true},
		{"large: a subsample", 3*cvMaxRows + 17, false},
		{"large with a rare class: every row", 3*cvMaxRows + 17, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := make([]int, tc.n)
			for i := range y {
				y[i] = []int{0, 0, 0, 2, 5}[i%5] // classes 1, 3, 4, 6 absent
			}
			if tc.wantAll && tc.n > cvMaxRows {
				// 8 rows of class 1 fill 5 folds of all rows, not of a third of them.
				for i := range 8 {
					y[i*5+1] = 1
				}
			}
			folds, m, err := stratifiedFolds(y, numTypes, 3)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantAll && m != tc.n {
				t.Fatalf("m = %d, want every row (%d)", m, tc.n)
			}
			if !tc.wantAll && (m > cvMaxRows || m < cvMaxRows*3/4) {
				t.Fatalf("m = %d, want about %d", m, cvMaxRows)
			}
			seen := map[int]int{}
			var count [numTypes]int
			for f, fo := range folds {
				if len(fo[0])+len(fo[1]) != m {
					t.Fatalf("fold %d: %d + %d rows, want %d", f, len(fo[0]), len(fo[1]), m)
				}
				for _, i := range fo[1] {
					seen[i]++
					count[y[i]]++
				}
			}
			if len(seen) != m {
				t.Fatalf("held-out rows cover %d distinct rows, want %d", len(seen), m)
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("row %d held out %d times, want once", i, c)
				}
			}
			if got := float64(count[0]) / float64(m); math.Abs(got-0.6) > 0.01 {
				t.Errorf("class 0 share %.3f, want 0.6", got)
			}
			again, _, _ := stratifiedFolds(y, numTypes, 3)
			for f := range folds {
				if !slices.Equal(folds[f][1], again[f][1]) {
					t.Fatalf("fold %d differs between two calls with the same seed", f)
				}
			}
		})
	}
}
