package slicebench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/growthlens/growthlens/models/rootcause"
)

// Spec describes one generated bench: the shape of its cube, its noise, and its anomalies.
// Ranges [lo, hi] are drawn uniformly once per case.
type Spec struct {
	Name string
	// Doc says where the setting comes from, in one line.
	Doc string
	// Dims are the cardinalities of the dimensions (named a, b, c, …; values a1, a2, …).
	Dims []int
	// Ratio makes every case a ratio KPI (numerator over denominator); else additive.
	Ratio bool
	// Counts draws a ratio's counts: denominators Poisson, numerators binomial, the expected
	// values being the mean of four earlier draws (the real incidents' "mean of the previous
	// four time steps"). Without Counts the expected values carry multiplicative noise.
	Counts bool
	// Volume multiplies the counts of a Counts ratio (default 1: a leaf's denominator
	// averages about 20 a period).
	Volume float64
	// Weibull is the range of the Weibull shape of the leaves' sizes (scale 100).
	Weibull [2]float64
	// ZeroRate is the range of the share of leaves whose size is zero.
	ZeroRate [2]float64
	// Noise is the range of the relative forecast error of normal leaves (multiplicative
	// noise; for Counts, the relative spread of the leaves' true rates over time).
	Noise [2]float64
	// Severity is the range of an anomaly's relative change r (a fall to 1−r, a rise to
	// 1/(1−r)); the case's noise level is added, as in RiskLoc's generator, so that anomalies
	// stand out from the noise. Deviation is the range of the per-leaf spread of r.
	Severity, Deviation [2]float64
	// Anomalies is the range of the number of anomalies, Elements of elements per anomaly
	// (each element an exactly-specified slice), Levels of an anomaly's depth (dimensions).
	Anomalies, Elements, Levels [2]int
	// MaxDims is the deepest slice the methods search (at most the number of dimensions).
	MaxDims int
	// Cases is the number of cases the bench runs by default.
	Cases int
	// Incident, when set, makes the bench failure-ratio incidents as production monitoring
	// records them (see Incident); the fields above then give only Dims, Noise (the leaves'
	// period-to-period wander), MaxDims and Cases.
	Incident *Incident
}

// Leaves returns the number of leaves of the bench's cube.
func (s Spec) Leaves() int {
	n := 1
	for _, c := range s.Dims {
		n *= c
	}
	return n
}

// Case is one generated incident: leaf rows of a cube with the KPI's actual and expected values
// and the true root-cause elements.
type Case struct {
	Bench string
	Seed  uint64
	Dims  []string
	// Values[d][code] is the value name of code in dimension d; Codes[d][leaf] the leaf's code.
	Values [][]string
	Codes  [][]int32
	Ratio  bool
	// Additive: Actual and Expected. Ratio: Num, Den, ExpNum, ExpDen.
	Actual, Expected         []float64
	Num, Den, ExpNum, ExpDen []float64
	Truth                    []map[string]string
	MaxDims                  int
}

// Len returns the number of leaves.
func (c *Case) Len() int { return len(c.Codes[0]) }

// Table builds the rootcause table of the case.
func (c *Case) Table() (*rootcause.Table, error) {
	t, err := rootcause.NewTable(c.Dims)
	if err != nil {
		return nil, err
	}
	dv := make([]string, len(c.Dims))
	for l := 0; l < c.Len(); l++ {
		for d := range c.Dims {
			dv[d] = c.Values[d][c.Codes[d][l]]
		}
		if c.Ratio {
			err = t.AddRatio(dv, c.Num[l], c.Den[l], c.ExpNum[l], c.ExpDen[l])
		} else {
			err = t.AddAdditive(dv, c.Actual[l], c.Expected[l])
		}
		if err != nil {
			return nil, fmt.Errorf("leaf %d: %w", l, err)
		}
	}
	return t, nil
}

func between(r *rand.Rand, x [2]float64) float64 { return x[0] + (x[1]-x[0])*r.Float64() }
func betweenInt(r *rand.Rand, x [2]int) int      { return x[0] + r.IntN(x[1]-x[0]+1) }

// element is one exactly-specified slice of an anomaly: values of some dimensions.
type element struct {
	dims, vals []int
}

func (e element) contains(codes [][]int32, l int) bool {
	for i, d := range e.dims {
		if int(codes[d][l]) != e.vals[i] {
			return false
		}
	}
	return true
}

// overlaps reports whether two elements can share a leaf: they agree on every dimension both
// fix.
func (e element) overlaps(o element) bool {
	for i, d := range e.dims {
		for j, d2 := range o.dims {
			if d == d2 && e.vals[i] != o.vals[j] {
				return false
			}
		}
	}
	return true
}

// Generate builds the case of spec for seed. The same spec and seed give the same case.
func Generate(spec Spec, seed uint64) *Case {
	if spec.Incident != nil {
		return generateIncident(spec, seed)
	}
	src := rand.NewPCG(seed, 0x511ce5b3c4)
	r := rand.New(src)
	poisson, binomial := counters(src)
	nd := len(spec.Dims)
	c := &Case{Bench: spec.Name, Seed: seed, Ratio: spec.Ratio, MaxDims: min(spec.MaxDims, nd)}
	n := spec.Leaves()
	c.Dims, c.Values = names(spec.Dims)
	c.Codes = fullCube(spec.Dims)

	zero := between(r, spec.ZeroRate)
	noise := between(r, spec.Noise)
	shape := between(r, spec.Weibull)
	size := make([]float64, n) // the leaf's normal level (additive value, or denominator)
	for l := range size {
		if r.Float64() >= zero {
			size[l] = 100 * distuv.Weibull{K: shape, Lambda: 1, Src: src}.Rand()
		}
	}

	// Anomalies: elements of random cuboids, disjoint from every earlier element, each with
	// some expected volume.
	type anom struct {
		elems []element
		sev   float64
		dev   float64
		rise  bool
	}
	var anoms []anom
	var all []element
	nA := betweenInt(r, spec.Anomalies)
	for a := 0; a < nA; a++ {
		level := min(betweenInt(r, spec.Levels), nd)
		want := betweenInt(r, spec.Elements)
		an := anom{sev: between(r, spec.Severity) + noise, dev: between(r, spec.Deviation), rise: r.IntN(2) == 0}
		for tries := 0; len(an.elems) < want && tries < 200; tries++ {
			dims := r.Perm(nd)[:level]
			slices.Sort(dims)
			e := element{dims: dims, vals: make([]int, level)}
			for i, d := range dims {
				e.vals[i] = r.IntN(spec.Dims[d])
			}
			ok := true
			for _, o := range all {
				if e.overlaps(o) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			var vol float64
			for l := 0; l < n; l++ {
				if e.contains(c.Codes, l) {
					vol += size[l]
				}
			}
			if vol == 0 {
				continue
			}
			an.elems = append(an.elems, e)
			all = append(all, e)
		}
		if len(an.elems) > 0 {
			anoms = append(anoms, an)
		}
	}
	for _, an := range anoms {
		for _, e := range an.elems {
			m := make(map[string]string, len(e.dims))
			for i, d := range e.dims {
				m[c.Dims[d]] = c.Values[d][e.vals[i]]
			}
			c.Truth = append(c.Truth, m)
		}
	}
	// factor returns the anomaly's multiplier of leaf l's actual (rate, for a ratio) and
	// whether the leaf is anomalous.
	factor := func(l int) (float64, bool) {
		for _, an := range anoms {
			for _, e := range an.elems {
				if !e.contains(c.Codes, l) {
					continue
				}
				x := math.Min(1, math.Max(0, an.sev+an.dev*r.NormFloat64()))
				if an.rise {
					if x >= 1 {
						x = 0.95
					}
					return 1 / (1 - x), true
				}
				return 1 - x, true
			}
		}
		return 1, false
	}

	if !spec.Ratio {
		c.Actual = make([]float64, n)
		c.Expected = make([]float64, n)
		for l := 0; l < n; l++ {
			real := size[l]
			pred := math.Max(0, real*(1+noise*r.NormFloat64()))
			if r.IntN(2) == 0 { // the forecast error falls on either side
				real, pred = pred, real
			}
			if k, bad := factor(l); bad {
				real = pred * k // the anomaly replaces the noise, as in RiskLoc's generator
			}
			c.Actual[l], c.Expected[l] = real, pred
		}
		return c
	}

	c.Num = make([]float64, n)
	c.Den = make([]float64, n)
	c.ExpNum = make([]float64, n)
	c.ExpDen = make([]float64, n)
	base := 0.01 + 0.3*r.Float64() // the case's typical rate
	for l := 0; l < n; l++ {
		rate := math.Min(0.95, base*math.Exp(0.5*r.NormFloat64()))
		k, bad := factor(l)
		if !spec.Counts {
			// Squeeze's derived measure: numerator and denominator, each forecast with
			// multiplicative noise; the anomaly moves the numerator only.
			den := size[l]
			num := rate * den
			eDen := math.Max(0, den*(1+noise*r.NormFloat64()))
			eNum := math.Max(0, num*(1+noise*r.NormFloat64()))
			if eDen == 0 {
				eNum = 0
			}
			if bad {
				num = eNum / math.Max(eDen, 1e-12) * den * k
			}
			c.Num[l], c.Den[l], c.ExpNum[l], c.ExpDen[l] = num, den, eNum, eDen
			continue
		}
		// Counts: four earlier periods and the current one; the leaf's rate drifts by the
		// noise level from period to period.
		lambda := size[l] / 5 * max(spec.Volume, 1)
		var sn, sd float64
		for t := 0; t < 4; t++ {
			d := poisson(lambda)
			sd += d
			sn += binomial(d, rate*math.Exp(noise*r.NormFloat64()))
		}
		d := poisson(lambda)
		p := rate * math.Exp(noise*r.NormFloat64())
		if bad {
			p = math.Min(1, rate*k)
		}
		c.Num[l], c.Den[l] = binomial(d, p), d
		c.ExpNum[l], c.ExpDen[l] = sn/4, sd/4
	}
	return c
}

// counters returns Poisson and binomial draws from src; a non-positive mean, size or
// probability draws zero.
func counters(src rand.Source) (poisson func(lambda float64) float64, binomial func(n, p float64) float64) {
	poisson = func(lambda float64) float64 {
		if lambda <= 0 {
			return 0
		}
		return distuv.Poisson{Lambda: lambda, Src: src}.Rand()
	}
	binomial = func(n, p float64) float64 {
		if n <= 0 || p <= 0 {
			return 0
		}
		return distuv.Binomial{N: n, P: math.Min(1, p), Src: src}.Rand()
	}
	return poisson, binomial
}

// names returns the dimension names (a, b, …) and value names (a1, a2, …) of a cube.
func names(cards []int) (dims []string, values [][]string) {
	dims = make([]string, len(cards))
	values = make([][]string, len(cards))
	for d, card := range cards {
		dims[d] = string(rune('a' + d))
		for j := 1; j <= card; j++ {
			values[d] = append(values[d], fmt.Sprintf("%s%d", dims[d], j))
		}
	}
	return dims, values
}

// fullCube returns the codes of every leaf of the cube, per dimension, in row-major order.
func fullCube(cards []int) [][]int32 {
	n := 1
	for _, c := range cards {
		n *= c
	}
	codes := make([][]int32, len(cards))
	stride := 1
	for d := len(cards) - 1; d >= 0; d-- {
		codes[d] = make([]int32, n)
		for l := 0; l < n; l++ {
			codes[d][l] = int32((l / stride) % cards[d])
		}
		stride *= cards[d]
	}
	return codes
}
