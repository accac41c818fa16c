package driver

import (
	"testing"
)

// Reference coefficients for testdata/panel.csv (3 scopes of unequal revenue, 16 quarters,
// the last incomplete, one unknown supply cell; 36 rows with growth and every driver), from
// an independent implementation: the design rebuilt with pandas, fixed effects removed with
// explicit scope and quarter dummies, statsmodels WLS for the unpenalized fit and
// scikit-learn Ridge(solver="cholesky") / Lasso / ElasticNet (tol 1e-14) on the partialled,
// standardized columns with the row weights as sample_weight:
//
//	cd models/driver && /usr/bin/python3 testdata/reference.py
//
// (NumPy 1.24.2, pandas 1.5.3, statsmodels 0.13.5, scikit-learn 1.2.1; Debian bookworm).
// Values are lag coefficients in driver order (marketing_spend lag 0, lag 1,
// sales_headcount lag 0, …). Penalties are in the units of problem.solve: Ridge's alpha,
// ElasticNet's alpha times the sum of weights (36).
var referenceFits = []struct {
	name   string
	shrink string
	lambda float64
	l1     float64
	want   []float64
}{
	{"ols shape", ShrinkShape, 0, 0, []float64{0.143962388814, 0.246105766777, 0.572169481805, 0.246339751673, -0.00943939333281, -0.00922538030278, -0.0242626981702, 0.0046337302441, -0.00387865379135, 0.000760060522863}},
	{"ols all", ShrinkAll, 0, 0, []float64{0.143962388814, 0.246105766777, 0.572169481805, 0.246339751673, -0.00943939333281, -0.00922538030278, -0.0242626981702, 0.0046337302441, -0.00387865379135, 0.000760060522863}},
	{"shape ridge 3", ShrinkShape, 3, 0, []float64{0.159108411528, 0.244347152867, 0.570847790278, 0.256403668033, -0.00911514097744, -0.00855705062895, -0.0235673131259, 0.00215538587572, -0.00372449284681, 0.000443595331841}},
	{"shape ridge 40", ShrinkShape, 40, 0, []float64{0.222089741931, 0.2472085772, 0.527718527148, 0.353785567735, -0.00697922793044, -0.00673501552622, -0.0203639768519, -0.00868664661725, -0.00318500129949, -0.00125153761253}},
	{"shape lasso 0.3", ShrinkShape, 0.3, 1, []float64{0.21170231262, 0.233990079535, 0.516212329486, 0.337336700052, -0.00728582368869, -0.00728582368869, -0.0236477012011, -0.0058670530216, -0.00356716201268, -0.00150744295803}},
	{"shape enet 0.5 0.5", ShrinkShape, 0.5, 0.5, []float64{0.201097448229, 0.236101548032, 0.525109463392, 0.32358719836, -0.00760093470029, -0.00760093470029, -0.0237142064188, -0.00424314844639, -0.00361660284902, -0.00114768524139}},
	{"all ridge 3", ShrinkAll, 3, 0, []float64{0.103252175035, 0.195396745338, 0.450597120651, 0.0861341900271, -0.00820236742644, -0.00685055177554, -0.0222462384184, 0.00519734197969, -0.00329548785239, 0.000959703904528}},
	{"all lasso 0.05", ShrinkAll, 0.05, 1, []float64{0.123841033046, 0.214434017324, 0.481563963405, 0.107021043034, -0.00846397914511, -0.00705960687224, -0.0238860337253, 0.00304650937218, -0.00338152969788, 0.000528747819786}},
	{"all enet 0.5 0.1", ShrinkAll, 0.1, 0.5, []float64{0.12303588787, 0.213506689192, 0.479323036254, 0.104061842952, -0.00844410245146, -0.00701994898592, -0.0238463358851, 0.00306776292372, -0.00337019573009, 0.000534251219811}},
}

func TestSolveMatchesReference(t *testing.T) {
	f := readFrame(t, "testdata/panel.csv")
	const L = 2
	for _, tt := range referenceFits {
		t.Run(tt.name, func(t *testing.T) {
			basis := lagBasis(L)
			free := make([]bool, 10)
			if tt.shrink == ShrinkAll {
				basis = identityBasis(L)
			} else {
				for j := 0; j < 5; j++ {
					free[j*L] = true
				}
			}
			s, specs, _, err := design(f, DefaultSpecs(), L-1, WeightRevenue, basis)
			if err != nil {
				t.Fatal(err)
			}
			if s.n() != 36 || len(specs) != 5 {
				t.Fatalf("design has %d rows and %d drivers, want 36 and 5 (as the reference)", s.n(), len(specs))
			}
			pr, err := newProblem(absorb(s), free)
			if err != nil {
				t.Fatal(err)
			}
			theta, err := pr.solve(tt.lambda, tt.l1)
			if err != nil {
				t.Fatal(err)
			}
			got := lagCoefficients(theta, basis)
			// Cholesky and WLS agree to rounding; coordinate descent and scikit-learn's
			// (tol 1e-14) to about 1e-9 of the coefficients' size.
			tol := 1e-9
			for k := range got {
				if !closeTo(got[k], tt.want[k], tol) {
					t.Errorf("coefficient %d: got %.12g, want %.12g", k, got[k], tt.want[k])
				}
			}
		})
	}
}

// TestShapePenaltyKeepsSums checks the point of ShrinkShape on the reference fixture: a
// penalty so large that every lag contrast is gone leaves each driver's effect spread evenly
// over its lags, but keeps its sustained effect — same sign, within a factor of two of least
// squares (not equal: with 36 rows the sum and contrast columns are not quite orthogonal, and
// supply's true effect is all at lag 0) — while ShrinkAll with the same penalty takes every
// sustained effect to zero.
func TestShapePenaltyKeepsSums(t *testing.T) {
	f := readFrame(t, "testdata/panel.csv")
	const L = 2
	fit := func(shrink string, lambda float64) []float64 {
		t.Helper()
		basis, free := lagBasis(L), make([]bool, 10)
		if shrink == ShrinkAll {
			basis = identityBasis(L)
		} else {
			for j := 0; j < 5; j++ {
				free[j*L] = true
			}
		}
		s, _, _, err := design(f, DefaultSpecs(), L-1, WeightRevenue, basis)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := newProblem(absorb(s), free)
		if err != nil {
			t.Fatal(err)
		}
		theta, err := pr.solve(lambda, 0)
		if err != nil {
			t.Fatal(err)
		}
		return lagCoefficients(theta, basis)
	}
	ols, shape, all := fit(ShrinkShape, 0), fit(ShrinkShape, 1e9), fit(ShrinkAll, 1e9)
	for j := 0; j < 5; j++ {
		if d := shape[j*L] - shape[j*L+1]; !closeTo(d, 0, 1e-6) {
			t.Errorf("driver %d: lag coefficients %.4g and %.4g, want equal under an infinite shape penalty", j, shape[j*L], shape[j*L+1])
		}
		so, ss := sumLags(ols, j, L), sumLags(shape, j, L)
		if r := ss / so; r < 0.5 || r > 2 {
			t.Errorf("driver %d: sustained effect %.4g with the shape penalty, %.4g without: want close", j, ss, so)
		}
		if sa := sumLags(all, j, L); !closeTo(sa, 0, 1e-6) {
			t.Errorf("driver %d: sustained effect %.4g under an infinite ridge on everything, want 0", j, sa)
		}
	}
}
