package forecast

import (
	"math"
	"testing"
)

func TestReconcileTotal(t *testing.T) {
	// The parts' base forecasts sum to 100 + 210 = 310 against a total of 330. Part A's
	// errors are small, part B's and the total's large: B and the total move, A hardly.
	a := []float64{1, -1, 0.5, -0.5, 1, -1, 0.5, -0.5}
	b := []float64{20, -15, 10, -25, 18, -12, 22, -16}
	tot := []float64{15, -20, 12, -8, -14, 19, -10, 9}
	nodes := []ReconcileInput{
		{Mean: []float64{330, 335}, Errors: tot},
		{Mean: []float64{100, 101}, Errors: a},
		{Mean: []float64{210, 212}, Errors: b},
	}
	rc, err := ReconcileTotal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		sum := rc.Means[1][k] + rc.Means[2][k]
		if math.Abs(sum-rc.Means[0][k]) > 1e-9*rc.Means[0][k] {
			t.Errorf("h=%d: parts sum to %v, total %v", k+1, sum, rc.Means[0][k])
		}
		moveA, moveB := math.Abs(rc.Means[1][k]-nodes[1].Mean[k]), math.Abs(rc.Means[2][k]-nodes[2].Mean[k])
		if !(moveA < 0.05*moveB) {
			t.Errorf("h=%d: the steady part moved %v, the noisy one %v", k+1, moveA, moveB)
		}
		if !(rc.Means[0][k] < nodes[0].Mean[k] && rc.Means[0][k] > nodes[1].Mean[k]+nodes[2].Mean[k]) {
			t.Errorf("h=%d: total %v not between the base total %v and the parts' sum", k+1, rc.Means[0][k], nodes[0].Mean[k])
		}
	}
	if rc.Lambda < 0 || rc.Lambda > 1 {
		t.Errorf("shrinkage %v outside [0, 1]", rc.Lambda)
	}
	if _, err := ReconcileTotal(nodes[:1]); err == nil {
		t.Error("a total without parts reconciled")
	}
	bad := append([]ReconcileInput(nil), nodes...)
	bad[2] = ReconcileInput{Mean: []float64{210}, Errors: b}
	if _, err := ReconcileTotal(bad); err == nil {
		t.Error("mismatched horizons reconciled")
	}
}
