package forecast

import (
	"math"
	"testing"
)

// TestNelderMeadFollowsR pins the optimiser to R's optim(method = "Nelder-Mead"): the same
// algorithm from the same start must end at the same point after the same number of
// evaluations. Reference (R 4.2):
//
//	fr <- function(x) 100*(x[2]-x[1]^2)^2 + (1-x[1])^2; optim(c(-1.2,1), fr)
//	  -> par 1.000260139 1.000505999, value 8.825241096723e-08, counts 195
//	g <- function(x) sum((x - c(3, -2, 0.5))^2) + abs(x[1]*x[2])
//	optim(c(0,0,0), g, control = list(reltol = 1e-10, maxit = 5000))
//	  -> par 2.666675808 -0.666673956 0.499995286, value 3.666666666892, counts 158
func TestNelderMeadFollowsR(t *testing.T) {
	tests := []struct {
		name      string
		fn        func([]float64) float64
		start     []float64
		reltol    float64
		maxEval   int
		wantX     []float64
		wantF     float64
		wantEvals int
	}{
		{
			name:      "rosenbrock",
			fn:        func(x []float64) float64 { return 100*math.Pow(x[1]-x[0]*x[0], 2) + math.Pow(1-x[0], 2) },
			start:     []float64{-1.2, 1},
			reltol:    1.4901161193847656e-08,
			maxEval:   500,
			wantX:     []float64{1.000260139, 1.000505999},
			wantF:     8.825241096723e-08,
			wantEvals: 195,
		},
		{
			name: "kinked quadratic",
			fn: func(x []float64) float64 {
				return math.Pow(x[0]-3, 2) + math.Pow(x[1]+2, 2) + math.Pow(x[2]-0.5, 2) + math.Abs(x[0]*x[1])
			},
			start:     []float64{0, 0, 0},
			reltol:    1e-10,
			maxEval:   5000,
			wantX:     []float64{2.666675808, -0.666673956, 0.499995286},
			wantF:     3.666666666892,
			wantEvals: 158,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, f, evals, ok := nelderMead(tt.fn, tt.start, nil, tt.reltol, tt.maxEval)
			if !ok {
				t.Fatal("not ok")
			}
			for i := range x {
				if math.Abs(x[i]-tt.wantX[i]) > 1e-8 {
					t.Errorf("x[%d] = %.9f, want %.9f", i, x[i], tt.wantX[i])
				}
			}
			if math.Abs(f-tt.wantF) > 1e-12*math.Max(1, tt.wantF) {
				t.Errorf("f = %.12e, want %.12e", f, tt.wantF)
			}
			if evals != tt.wantEvals {
				t.Errorf("evaluations = %d, want %d", evals, tt.wantEvals)
			}
		})
	}
}

func TestNelderMeadNonFiniteStart(t *testing.T) {
	_, f, _, ok := nelderMead(func([]float64) float64 { return math.Inf(1) }, []float64{1}, nil, 1e-8, 100)
	if ok || !math.IsInf(f, 1) {
		t.Errorf("ok = %v, f = %v; want false, +Inf", ok, f)
	}
}
