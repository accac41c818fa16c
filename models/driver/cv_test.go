package driver

import (
	"math/rand/v2"
	"testing"
)

// TestPenaltyShrinksWithSignal checks the penalty selection: with strong signal (large
// effects, all at lag 0, little noise) rolling-origin validation must choose a smaller
// penalty than with weak signal (small effects, much noise) on the same panel shape, seed by
// seed, whatever the penalty falls on.
func TestPenaltyShrinksWithSignal(t *testing.T) {
	strong, weak := companyLike(), companyLike()
	strong.beta = [][]float64{{0.6, 0}, {1.5, 0}, {-0.04, 0}, {-0.06, 0}, {-0.012, 0}}
	strong.noise = 0.01
	weak.beta = [][]float64{{0.02, 0}, {0.05, 0}, {-0.001, 0}, {-0.002, 0}, {-0.0003, 0}}
	weak.noise = 0.1
	for _, shrink := range []string{ShrinkShape, ShrinkAll} {
		t.Run(shrink, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				opt := Options{Shrink: shrink, Replicates: 100, Seed: seed}
				ms, err := fitFrame(simulate(strong, rand.New(rand.NewPCG(seed, 1))), opt)
				if err != nil {
					t.Fatal(err)
				}
				mw, err := fitFrame(simulate(weak, rand.New(rand.NewPCG(seed, 1))), opt)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("seed %d: penalty %.3g strong, %.3g weak", seed, ms.Penalty, mw.Penalty)
				if !(ms.Penalty < mw.Penalty) {
					t.Errorf("seed %d: penalty %g with strong signal, %g with weak: want smaller with strong", seed, ms.Penalty, mw.Penalty)
				}
			}
		})
	}
}

func TestCrossValidatePicksMinimumLargerOnTie(t *testing.T) {
	f := simulate(companyLike(), rand.New(rand.NewPCG(3, 1)))
	s, _, _, err := design(f, DefaultSpecs(), 1, WeightRevenue, lagBasis(2))
	if err != nil {
		t.Fatal(err)
	}
	free := make([]bool, s.p)
	for j := 0; j < 5; j++ {
		free[2*j] = true
	}
	folds, err := rollingFolds(s, 9)
	if err != nil {
		t.Fatal(err)
	}
	grid := []float64{0, 1, 10, 10, 100, 1e4}
	points, best, err := crossValidate(s, free, grid, 0, folds)
	if err != nil {
		t.Fatal(err)
	}
	for g, p := range points {
		if p.MSE < points[best].MSE {
			t.Errorf("penalty %g has error %g below the chosen %g's %g", p.Penalty, p.MSE, points[best].Penalty, points[best].MSE)
		}
		if g > best && p.MSE == points[best].MSE {
			t.Errorf("penalty %d ties the chosen %d: want the larger chosen", g, best)
		}
	}
	if points[2].MSE != points[3].MSE {
		t.Errorf("equal penalties scored %g and %g", points[2].MSE, points[3].MSE)
	}
	if best == 2 {
		t.Errorf("chose the first of two equal penalties, want the later (larger on a tie)")
	}
}

// TestRollingFoldsUseOnlyThePast checks that every validation period comes after every
// training period of its fold, and that there is one fold per origin.
func TestRollingFoldsUseOnlyThePast(t *testing.T) {
	f := simulate(companyLike(), rand.New(rand.NewPCG(4, 1)))
	s, _, _, err := design(f, DefaultSpecs(), 1, WeightRevenue, lagBasis(2))
	if err != nil {
		t.Fatal(err)
	}
	_, T := periodRanks(s)
	folds, err := rollingFolds(s, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(folds) != T-9 {
		t.Fatalf("%d folds, want %d (one per origin from period 9 of %d)", len(folds), T-9, T)
	}
	for k, fd := range folds {
		lastTrain := -1
		for _, i := range fd.train {
			lastTrain = max(lastTrain, s.period[i])
		}
		for _, i := range fd.val {
			if s.period[i] <= lastTrain {
				t.Fatalf("fold %d validates period %d after training on period %d", k, s.period[i], lastTrain)
			}
		}
		if len(fd.val) != len(f.scopes) {
			t.Errorf("fold %d validates %d rows, want one per scope (%d)", k, len(fd.val), len(f.scopes))
		}
	}
	if _, err := rollingFolds(s, T); err == nil {
		t.Errorf("rolling folds with no period left to validate: want an error")
	}
}
