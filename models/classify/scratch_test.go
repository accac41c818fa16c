package classify

import "testing"

func TestScratchAll(t *testing.T) {
	tb, lab := loadIBM(t)
	rep, err := Evaluate(tb, lab, Options{Workers: 1, Positive: "Yes"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.4f %.2fs", rep.AUC, rep.Seconds)
}
