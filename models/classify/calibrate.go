package classify

import (
	"math"
	"sort"
)

// Calibration methods. The method of a model is chosen by cross-validation among these.
const (
	CalibNone     = "none"
	CalibPlatt    = "platt"
	CalibIsotonic = "isotonic"
)

var calibMethods = []string{CalibNone, CalibPlatt, CalibIsotonic}

// calibrator maps a model's class probabilities to calibrated ones, one class at a time
// (one-vs-rest), then renormalises each row to sum to 1 — scikit-learn's CalibratedClassifierCV
// scheme. With two classes only class 1 is mapped and class 0 gets the complement.
type calibrator struct {
	Method string
	A, B   []float64   // Platt: p' = σ(A·logit(p) + B), per class
	X, Y   [][]float64 // isotonic: knots of a non-decreasing piecewise-linear map, per class
}

// calibClip bounds logits fed to Platt scaling (p within 1e-12 of 0 or 1).
const calibClip = 27.6

func logit(p float64) float64 {
	return math.Max(-calibClip, math.Min(calibClip, math.Log(p)-math.Log1p(-p)))
}

// fitCalibrator fits the method on probabilities p (n×k) of rows with true classes y.
func fitCalibrator(method string, p []float64, y []int, k int) *calibrator {
	c := &calibrator{Method: method}
	if method == CalibNone {
		return c
	}
	n := len(y)
	s := make([]float64, n)
	t := make([]bool, n)
	for cls := 0; cls < k; cls++ {
		if k == 2 && cls == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			s[i] = p[i*k+cls]
			t[i] = y[i] == cls
		}
		switch method {
		case CalibPlatt:
			a, b := fitPlatt(s, t)
			c.A = append(c.A, a)
			c.B = append(c.B, b)
		case CalibIsotonic:
			xs, ys := fitIsotonic(s, t)
			c.X = append(c.X, xs)
			c.Y = append(c.Y, ys)
		}
	}
	return c
}

// apply calibrates the probabilities in p (n×k) in place.
func (c *calibrator) apply(p []float64, n, k int) {
	if c == nil || c.Method == CalibNone {
		return
	}
	m := func(j int, q float64) float64 {
		if c.Method == CalibPlatt {
			return Sigmoid(c.A[j]*logit(q) + c.B[j])
		}
		return interpolate(c.X[j], c.Y[j], q)
	}
	for i := 0; i < n; i++ {
		row := p[i*k : i*k+k]
		if k == 2 {
			q := m(0, row[1])
			row[0], row[1] = 1-q, q
			continue
		}
		var s float64
		for j := range row {
			row[j] = m(j, row[j])
			s += row[j]
		}
		if s <= 0 {
			for j := range row {
				row[j] = 1 / float64(k)
			}
			continue
		}
		for j := range row {
			row[j] /= s
		}
	}
}

// fitPlatt fits P(t | s) = σ(a·logit(s) + b) by Newton's method on the log loss, with Platt's
// (1999) smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2) so separable scores do not drive a to
// infinity.
func fitPlatt(s []float64, t []bool) (a, b float64) {
	var np, nn float64
	for _, v := range t {
		if v {
			np++
		} else {
			nn++
		}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	z := make([]float64, len(s))
	tt := make([]float64, len(s))
	for i := range s {
		z[i] = logit(s[i])
		tt[i] = lo
		if t[i] {
			tt[i] = hi
		}
	}
	loss := func(a, b float64) float64 {
		var f float64
		for i := range z {
			u := a*z[i] + b
			f += Log1pExp(u) - tt[i]*u
		}
		return f
	}
	a, b = 1, 0
	f := loss(a, b)
	for iter := 0; iter < 100; iter++ {
		var ga, gb, haa, hab, hbb float64
		for i := range z {
			q := Sigmoid(a*z[i] + b)
			r := q - tt[i]
			w := math.Max(q*(1-q), 1e-12)
			ga += r * z[i]
			gb += r
			haa += w * z[i] * z[i]
			hab += w * z[i]
			hbb += w
		}
		haa += 1e-12
		hbb += 1e-12
		det := haa*hbb - hab*hab
		if det <= 0 || math.Abs(ga)+math.Abs(gb) < 1e-10 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		step := 1.0
		var fn float64
		for ls := 0; ls < 30; ls++ {
			fn = loss(a-step*da, b-step*db)
			if fn <= f {
				break
			}
			step /= 2
		}
		a, b = a-step*da, b-step*db
		if f-fn < 1e-12*math.Max(1, f) {
			f = fn
			break
		}
		f = fn
	}
	return a, b
}

// fitIsotonic fits a non-decreasing map from scores to frequencies by the pool-adjacent-
// violators algorithm (equal scores pooled first) and returns its knots. Between knots the map
// is linear; outside it is clamped (scikit-learn's IsotonicRegression with
// out_of_bounds="clip"). Knot values are kept within [½/(n+1), 1 − ½/(n+1)] so a calibrated
// probability is never exactly 0 or 1.
func fitIsotonic(s []float64, t []bool) (xs, ys []float64) {
	n := len(s)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	type block struct{ x, sum, w float64 }
	var blocks []block
	for i := 0; i < n; {
		j := i
		var sum float64
		for j < n && s[idx[j]] == s[idx[i]] {
			if t[idx[j]] {
				sum++
			}
			j++
		}
		blocks = append(blocks, block{x: s[idx[i]], sum: sum, w: float64(j - i)})
		i = j
	}
	// PAV: stack of pooled blocks, each remembering the range of score knots it covers.
	type pool struct {
		sum, w     float64
		first, end int // blocks[first:end]
	}
	var st []pool
	for bi, b := range blocks {
		st = append(st, pool{b.sum, b.w, bi, bi + 1})
		for len(st) > 1 {
			a, c := st[len(st)-2], st[len(st)-1]
			if a.sum/a.w < c.sum/c.w {
				break
			}
			st = st[:len(st)-2]
			st = append(st, pool{a.sum + c.sum, a.w + c.w, a.first, c.end})
		}
	}
	lo := 0.5 / float64(n+1)
	for _, pl := range st {
		v := math.Min(math.Max(pl.sum/pl.w, lo), 1-lo)
		// Two knots per pool (its lowest and highest score) make the map flat inside the pool
		// and linear between pools.
		xs = append(xs, blocks[pl.first].x)
		ys = append(ys, v)
		if pl.end-1 > pl.first {
			xs = append(xs, blocks[pl.end-1].x)
			ys = append(ys, v)
		}
	}
	return xs, ys
}

// interpolate evaluates the piecewise-linear map through knots (xs, ys), clamped outside.
func interpolate(xs, ys []float64, q float64) float64 {
	if q <= xs[0] {
		return ys[0]
	}
	last := len(xs) - 1
	if q >= xs[last] {
		return ys[last]
	}
	j := sort.SearchFloat64s(xs, q) // xs[j-1] < q ≤ xs[j]
	x0, x1 := xs[j-1], xs[j]
	if x1 == x0 {
		return ys[j]
	}
	return ys[j-1] + (ys[j]-ys[j-1])*(q-x0)/(x1-x0)
}
