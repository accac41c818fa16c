package forecast

import "math"

// nmBig replaces a non-finite objective value so the simplex can still order its vertices.
const nmBig = 1.0e35

// nelderMead minimises fn starting from start with the Nelder–Mead simplex in the variant of
// Nash (1990, Compact Numerical Methods, Algorithm 19), the one behind R's optim(method =
// "Nelder-Mead") and forecast::ets: reflection 1, contraction 0.5, expansion 2, an initial
// simplex stepping every coordinate by a tenth of the largest |start_i| (0.1 when all are zero),
// stop when the spread of values falls below reltol·(|f(start)| + reltol) or after maxEval
// evaluations. Following R's path matters: fits started from the same point end at the same
// parameters, which is what lets the tests pin them to R's values.
//
// steps, when not nil, gives each coordinate its own initial step instead (used to restart
// from a previous optimum, where R's rule would throw the simplex far away).
//
// fn must not keep the slice it is given. The returned slice is owned by the caller. ok is
// false when fn is not finite at start; x and f are then start and +Inf.
func nelderMead(fn func([]float64) float64, start, steps []float64, reltol float64, maxEval int) (x []float64, f float64, evals int, ok bool) {
	n := len(start)
	f0 := fn(start)
	if math.IsNaN(f0) || math.IsInf(f0, 0) {
		return append([]float64(nil), start...), math.Inf(1), 1, false
	}
	evals = 1
	convtol := reltol * (math.Abs(f0) + reltol)

	// Vertices 0..n; slot n+1 holds the centroid and, after an expansion, the reflected point.
	buf := make([]float64, (n+2)*n+n)
	p := make([][]float64, n+2)
	for j := range p {
		p[j] = buf[j*n : (j+1)*n]
	}
	trial := buf[(n+2)*n:]
	val := make([]float64, n+2)

	copy(p[0], start)
	val[0] = f0
	step := 0.0
	for _, v := range start {
		step = math.Max(step, 0.1*math.Abs(v))
	}
	if step == 0 {
		step = 0.1
	}
	size := 0.0
	for j := 1; j <= n; j++ {
		copy(p[j], start)
		try := step
		if steps != nil {
			try = steps[j-1]
		}
		for p[j][j-1] == start[j-1] {
			p[j][j-1] = start[j-1] + try
			try *= 10
		}
		size += try
	}
	oldSize := size

	eval := func(x []float64) float64 {
		evals++
		v := fn(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nmBig
		}
		return v
	}

	lo, c := 0, n+1
	recompute := true
	for {
		if recompute {
			for j := 0; j <= n; j++ {
				if j != lo {
					val[j] = eval(p[j])
				}
			}
			recompute = false
		}
		vl, vh, hi := val[lo], val[lo], lo
		for j := 0; j <= n; j++ {
			if j == lo {
				continue
			}
			if val[j] < vl {
				lo, vl = j, val[j]
			}
			if val[j] > vh {
				hi, vh = j, val[j]
			}
		}
		if vh <= vl+convtol {
			break
		}

		for i := 0; i < n; i++ {
			s := -p[hi][i]
			for j := 0; j <= n; j++ {
				s += p[j][i]
			}
			p[c][i] = s / float64(n)
		}
		for i := 0; i < n; i++ {
			trial[i] = 2*p[c][i] - p[hi][i]
		}
		vr := eval(trial)
		if vr < vl {
			// Expansion: keep the reflected point in the centroid slot in case it wins.
			for i := 0; i < n; i++ {
				e := 2*trial[i] - p[c][i]
				p[c][i] = trial[i]
				trial[i] = e
			}
			fe := eval(trial)
			if fe < vr {
				copy(p[hi], trial)
				val[hi] = fe
			} else {
				copy(p[hi], p[c])
				val[hi] = vr
			}
		} else {
			if vr < vh {
				copy(p[hi], trial)
				val[hi] = vr
			}
			for i := 0; i < n; i++ {
				trial[i] = 0.5*p[hi][i] + 0.5*p[c][i]
			}
			fc := eval(trial)
			if fc < val[hi] {
				copy(p[hi], trial)
				val[hi] = fc
			} else if vr >= vh {
				// Shrink towards the best vertex; stop if the simplex no longer shrinks.
				recompute = true
				size = 0
				for j := 0; j <= n; j++ {
					if j == lo {
						continue
					}
					for i := 0; i < n; i++ {
						p[j][i] = 0.5*(p[j][i]-p[lo][i]) + p[lo][i]
						size += math.Abs(p[j][i] - p[lo][i])
					}
				}
				if size >= oldSize {
					break
				}
				oldSize = size
			}
		}
		if evals > maxEval {
			break
		}
	}
	return append([]float64(nil), p[lo]...), val[lo], evals, true
}
