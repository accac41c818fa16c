package slicebench

// cube is a case's leaves coded in every cuboid of 1..maxDims dimensions, for the methods
// written here.
type cube struct {
	c *Case
	// v and f are each leaf's actual and expected values; for a ratio, the numerator and the
	// expected rate times the actual denominator (so v/f is the rate's change).
	v, f []float64
	cubs []cuboid
}

type cuboid struct {
	dims  []int
	ids   []int32 // leaf -> element id in this cuboid
	count int
	rep   []int32 // element id -> one leaf inside it
}

func newCube(c *Case, maxDims int) *cube {
	n := c.Len()
	k := &cube{c: c}
	if c.Ratio {
		var en, ed float64
		for l := 0; l < n; l++ {
			en += c.ExpNum[l]
			ed += c.ExpDen[l]
		}
		k.v = c.Num
		k.f = make([]float64, n)
		for l := 0; l < n; l++ {
			rate := en / ed
			if c.ExpDen[l] > 0 {
				rate = c.ExpNum[l] / c.ExpDen[l]
			}
			k.f[l] = rate * c.Den[l]
		}
	} else {
		k.v, k.f = c.Actual, c.Expected
	}
	nd := len(c.Dims)
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) > 0 {
			k.cubs = append(k.cubs, k.code(append([]int(nil), cur...)))
		}
		if len(cur) == maxDims {
			return
		}
		for d := start; d < nd; d++ {
			rec(d+1, append(cur, d))
		}
	}
	rec(0, nil)
	return k
}

func (k *cube) code(dims []int) cuboid {
	n := k.c.Len()
	cb := cuboid{dims: dims, ids: make([]int32, n)}
	seen := make(map[int64]int32)
	for l := 0; l < n; l++ {
		var key int64
		for _, d := range dims {
			key = key*int64(len(k.c.Values[d])) + int64(k.c.Codes[d][l])
		}
		id, ok := seen[key]
		if !ok {
			id = int32(cb.count)
			seen[key] = id
			cb.count++
			cb.rep = append(cb.rep, int32(l))
		}
		cb.ids[l] = id
	}
	return cb
}

// elem returns element id of cuboid ci as dimension → value.
func (k *cube) elem(ci int, id int32) map[string]string {
	cb := k.cubs[ci]
	l := cb.rep[id]
	m := make(map[string]string, len(cb.dims))
	for _, d := range cb.dims {
		m[k.c.Dims[d]] = k.c.Values[d][k.c.Codes[d][l]]
	}
	return m
}

// sums adds x over each element of cuboid ci, over the leaves where alive is nil or true.
func (k *cube) sums(ci int, x []float64, alive []bool) []float64 {
	cb := k.cubs[ci]
	out := make([]float64, cb.count)
	for l, id := range cb.ids {
		if alive == nil || alive[l] {
			out[id] += x[l]
		}
	}
	return out
}

// devScore is Squeeze's deviation score 2(f−v)/(f+v), 0 when both are 0.
func devScore(v, f float64) float64 {
	if v+f == 0 {
		return 0
	}
	return 2 * (f - v) / (f + v)
}
