package classify

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/trees"
)

// randomProblem returns n rows of p features (some integer-valued, some continuous) and labels
// in [0, k) that depend on them.
func randomProblem(n, p, k int, seed uint64) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float64, n*p)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < p; j++ {
			v := rng.NormFloat64()
			if j%2 == 1 {
				v = float64(rng.IntN(5))
			}
			x[i*p+j] = v
			s += v * float64(j%3-1)
		}
		y[i] = (int(s+10*rng.Float64())%k + k) % k
	}
	return x, y
}

// The compiled tree must route every row exactly as golearn's own CART does. golearn is fitted
// here on the same binned features the compiler gives it, and its Predict is the reference.
func TestCompiledCARTMatchesGolearn(t *testing.T) {
	for _, k := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d classes", k), func(t *testing.T) {
			n, p := 300, 6
			x, y := randomProblem(n, p, k, uint64(k))
			o := TreeOptions{Depth: 4, Criterion: "gini", MaxBins: 8}
			f, err := fitCART(x, n, p, y, k, o)
			if err != nil {
				t.Fatal(err)
			}
			bins := fitBinning(x, n, p, o.MaxBins)
			xb := bins.apply(x, n, p)
			inst := base.NewDenseInstances()
			specs := make([]base.AttributeSpec, p)
			for j := range specs {
				specs[j] = inst.AddAttribute(base.NewFloatAttribute(fmt.Sprintf("f%d", j)))
			}
			class := base.NewFloatAttribute("class")
			cs := inst.AddAttribute(class)
			_ = inst.AddClassAttribute(class)
			_ = inst.Extend(n)
			for i := 0; i < n; i++ {
				for j := 0; j < p; j++ {
					inst.Set(specs[j], i, base.PackFloatToBytes(float64(xb[i*p+j])))
				}
				inst.Set(cs, i, base.PackFloatToBytes(float64(y[i])))
			}
			labels := make([]int64, k)
			for c := range labels {
				labels[c] = int64(c)
			}
			ref := trees.NewDecisionTreeClassifier("gini", 4, labels)
			if err := ref.Fit(inst); err != nil {
				t.Fatal(err)
			}
			want := ref.Predict(inst)
			// Both trees have the same leaves; each compiled leaf's majority class must be
			// golearn's label for every row that reaches it, unless the leaf is tied.
			var differ int
			for i := 0; i < n; i++ {
				v := f.Values[f.leaf(f.Roots[0], x[i*p:i*p+p]):][:k]
				best := 0
				for c := 1; c < k; c++ {
					if v[c] > v[best] {
						best = c
					}
				}
				if int64(best) != want[i] && v[want[i]] < v[best] {
					differ++
				}
			}
			if differ > 0 {
				t.Errorf("%d of %d rows get a different class from golearn's tree", differ, n)
			}
		})
	}
}

func TestBoostRoundsShareOneFit(t *testing.T) {
	n, p := 400, 5
	x, y := randomProblem(n, p, 2, 11)
	o := BoostOptions{Depth: 3, LearningRate: 0.1, Rounds: []int{10, 30}, MinLeaf: 5, Lambda: 1, Subsample: 0.8, MaxBins: 32}
	both := fitBoost(x, n, p, y, 2, o, 5)
	o.Rounds = []int{10}
	alone := fitBoost(x, n, p, y, 2, o, 5)
	a, b := make([]float64, 2*n), make([]float64, 2*n)
	both[0].probs(x, n, p, a)
	alone[0].probs(x, n, p, b)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("the 10-round model from a 30-round fit differs from a 10-round fit at %d: %v vs %v", i, a[i], b[i])
		}
	}
	if len(both[1].Roots) != 30 || len(both[0].Roots) != 10 {
		t.Errorf("trees = %d, %d; want 10, 30", len(both[0].Roots), len(both[1].Roots))
	}
	if err := both[0].validate(2, p); err != nil {
		t.Errorf("truncated forest is inconsistent: %v", err)
	}
}

func TestBoostLearnsMultiClass(t *testing.T) {
	n, p, k := 600, 4, 3
	x, y := randomProblem(n, p, k, 12)
	fs := fitBoost(x, n, p, y, k, BoostOptions{Depth: 3, LearningRate: 0.1, Rounds: []int{50}, MinLeaf: 5, Lambda: 1, Subsample: 1, MaxBins: 32}, 1)
	prob := make([]float64, n*k)
	fs[0].probs(x, n, p, prob)
	got := Score(prob, y, k)
	base := Score(baseRate(y, k, n), y, k)
	if got.LogLoss >= base.LogLoss {
		t.Errorf("training logloss %.4f not below the base rate's %.4f", got.LogLoss, base.LogLoss)
	}
}

// Scoring four rows at a time must give exactly what scoring each row alone gives.
func TestForestBatchEqualsRowByRow(t *testing.T) {
	n, p := 103, 6
	for _, k := range []int{2, 3} {
		x, y := randomProblem(n, p, k, 20)
		boost := fitBoost(x, n, p, y, k, BoostOptions{Depth: 3, LearningRate: 0.1, Rounds: []int{30}, MinLeaf: 5, Lambda: 1, Subsample: 0.7, MaxBins: 16}, 1)[0]
		vote, err := fitForest(x, n, p, y, k, TreeOptions{Depth: 4, Criterion: "gini", MaxBins: 8, Trees: 5, Features: 0.5, Workers: 1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]*forest{"boost": boost, "vote": vote} {
			batch := make([]float64, n*k)
			f.probs(x, n, p, batch)
			one := make([]float64, k)
			for i := 0; i < n; i++ {
				f.probs(x[i*p:i*p+p], 1, p, one)
				for c := 0; c < k; c++ {
					if one[c] != batch[i*k+c] {
						t.Fatalf("%s, %d classes, row %d class %d: batch %v, alone %v", name, k, i, c, batch[i*k+c], one[c])
					}
				}
			}
		}
	}
}

// golearn prints a node's leaf branches before its subtrees, so a False leaf can come before
// the True subtree; parseCART must put each where its marker says.
func TestParseCART(t *testing.T) {
	text := "Feature 2 < 3.500\n---> False\n  PREDICT    1\n---> True\n  Feature 0 < 0.500\n  ---> True\n    PREDICT    0\n  ---> False\n    PREDICT    1\n"
	root, err := parseCART(text)
	if err != nil {
		t.Fatal(err)
	}
	if root.feature != 2 || root.threshold != 3.5 || root.right != nil || root.left == nil {
		t.Fatalf("root %+v: want feature 2 at 3.5, the True side a subtree, the False side a leaf", root)
	}
	if l := root.left; l.feature != 0 || l.threshold != 0.5 || l.left != nil || l.right != nil {
		t.Errorf("left subtree %+v: want feature 0 at 0.5 with two leaves", l)
	}
	for _, bad := range []string{"", "Feature x < 1", "Feature 1 < 1.500\n---> True\n  PREDICT 0\n", "Feature 1 < 1.500\n---> True\n PREDICT 0\n---> False\n PREDICT 1\nextra"} {
		if _, err := parseCART(bad); err == nil {
			t.Errorf("parseCART(%q): no error", bad)
		}
	}
}
