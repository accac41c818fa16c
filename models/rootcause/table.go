package rootcause

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Kind says how a KPI aggregates over leaves.
type Kind int

const (
	// Additive KPIs sum over leaves (revenue, units, deals).
	Additive Kind = iota + 1
	// Ratio KPIs are a sum of numerators over a sum of denominators (win rate, on-time rate).
	Ratio
)

func (k Kind) String() string {
	switch k {
	case Additive:
		return "additive"
	case Ratio:
		return "ratio"
	}
	return "unknown"
}

// ErrNoLeaves is returned when a table has no leaf rows.
var ErrNoLeaves = errors.New("no leaf rows")

// Table holds leaf rows: one value per dimension (integer-coded) and the KPI's actual and
// expected values. Build it with NewTable and AddAdditive or AddRatio; one table holds one
// kind of KPI.
//
// Values must be finite and non-negative; negative, NaN and infinite values are errors. A leaf
// whose expected value is zero is allowed: with a positive actual it counts as the largest
// possible rise (deviation score +2, as if from nothing), with a zero actual it carries no
// information. At least one expected value must be positive. For a ratio, a leaf with a zero
// expected denominator (and so a zero expected numerator) takes the overall expected rate as its
// expected rate, and a leaf with a zero actual denominator must have a zero actual numerator.
type Table struct {
	dims   []string
	values [][]string         // per dimension: code -> value
	index  []map[string]int32 // per dimension: value -> code
	codes  [][]int32          // per dimension: leaf -> code

	kind Kind
	// Additive: actual, expected. Ratio: numerator and denominator, actual and expected.
	actual, expected     []float64
	expNum, expDen, aDen []float64
}

// NewTable returns an empty table over the named dimensions. Names must be distinct and
// non-empty.
func NewTable(dims []string) (*Table, error) {
	if len(dims) == 0 {
		return nil, errors.New("no dimensions given")
	}
	seen := make(map[string]bool, len(dims))
	for _, d := range dims {
		if strings.TrimSpace(d) == "" {
			return nil, errors.New("empty dimension name")
		}
		if seen[d] {
			return nil, fmt.Errorf("dimension %q given twice", d)
		}
		seen[d] = true
	}
	t := &Table{
		dims:   append([]string(nil), dims...),
		values: make([][]string, len(dims)),
		index:  make([]map[string]int32, len(dims)),
		codes:  make([][]int32, len(dims)),
	}
	for i := range dims {
		t.index[i] = make(map[string]int32)
	}
	return t, nil
}

// Dims returns the table's dimension names in order.
func (t *Table) Dims() []string { return append([]string(nil), t.dims...) }

// Len returns the number of leaf rows.
func (t *Table) Len() int { return len(t.actual) }

// Kind returns the KPI kind of the rows added so far (0 when empty).
func (t *Table) Kind() Kind { return t.kind }

// AddAdditive appends a leaf of an additive KPI. dimValues are in the table's dimension order.
// It returns an error naming the field for a negative, NaN or infinite value.
func (t *Table) AddAdditive(dimValues []string, actual, expected float64) error {
	if err := t.checkKind(Additive, dimValues); err != nil {
		return err
	}
	if err := checkValue("actual", actual); err != nil {
		return err
	}
	if err := checkValue("expected", expected); err != nil {
		return err
	}
	t.addDims(dimValues)
	t.actual = append(t.actual, actual)
	t.expected = append(t.expected, expected)
	return nil
}

// AddRatio appends a leaf of a ratio KPI: actual numerator and denominator, expected numerator
// and denominator. It returns an error naming the field for a negative, NaN or infinite value,
// for a positive numerator over a zero denominator, and for a positive expected numerator over a
// zero expected denominator.
func (t *Table) AddRatio(dimValues []string, num, den, expNum, expDen float64) error {
	if err := t.checkKind(Ratio, dimValues); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"numerator", num}, {"denominator", den}, {"expected numerator", expNum}, {"expected denominator", expDen}} {
		if err := checkValue(f.name, f.v); err != nil {
			return err
		}
	}
	if den == 0 && num > 0 {
		return fmt.Errorf("numerator %g over a zero denominator", num)
	}
	if expDen == 0 && expNum > 0 {
		return fmt.Errorf("expected numerator %g over a zero expected denominator", expNum)
	}
	t.addDims(dimValues)
	t.actual = append(t.actual, num)
	t.aDen = append(t.aDen, den)
	t.expNum = append(t.expNum, expNum)
	t.expDen = append(t.expDen, expDen)
	return nil
}

func (t *Table) checkKind(k Kind, dimValues []string) error {
	if t.kind != 0 && t.kind != k {
		return fmt.Errorf("table holds a %s KPI, cannot add a %s leaf", t.kind, k)
	}
	if len(dimValues) != len(t.dims) {
		return fmt.Errorf("got %d dimension values, want %d (%s)", len(dimValues), len(t.dims), strings.Join(t.dims, ","))
	}
	t.kind = k
	return nil
}

func checkValue(name string, v float64) error {
	switch {
	case math.IsNaN(v):
		return fmt.Errorf("%s is NaN", name)
	case math.IsInf(v, 0):
		return fmt.Errorf("%s is infinite", name)
	case v < 0:
		return fmt.Errorf("%s %g is negative; the drilldown needs non-negative values", name, v)
	}
	return nil
}

func (t *Table) addDims(dimValues []string) {
	for i, v := range dimValues {
		c, ok := t.index[i][v]
		if !ok {
			c = int32(len(t.values[i]))
			t.index[i][v] = c
			t.values[i] = append(t.values[i], v)
		}
		t.codes[i] = append(t.codes[i], c)
	}
}

// leaves returns per-leaf actual and expected values for the ripple model. For a ratio KPI the
// actual is the numerator and the expected is the expected rate times the actual denominator,
// so that a deviation is a change of rate, not of volume.
func (t *Table) leaves() (v, f []float64, err error) {
	n := t.Len()
	if n == 0 {
		return nil, nil, ErrNoLeaves
	}
	if t.kind == Additive {
		var sumF float64
		for _, x := range t.expected {
			sumF += x
		}
		if sumF == 0 {
			return nil, nil, errors.New("every expected value is zero; nothing to compare against")
		}
		return t.actual, t.expected, nil
	}
	var sumEN, sumED, sumD float64
	for i := 0; i < n; i++ {
		sumEN += t.expNum[i]
		sumED += t.expDen[i]
		sumD += t.aDen[i]
	}
	if sumED == 0 {
		return nil, nil, errors.New("every expected denominator is zero; the expected ratio is undefined")
	}
	if sumD == 0 {
		return nil, nil, errors.New("every actual denominator is zero; the actual ratio is undefined")
	}
	overall := sumEN / sumED
	f = make([]float64, n)
	for i := 0; i < n; i++ {
		rate := overall
		if t.expDen[i] > 0 {
			rate = t.expNum[i] / t.expDen[i]
		}
		f[i] = rate * t.aDen[i]
	}
	return t.actual, f, nil
}

// shares reports whether the ratio is a share of its denominator in every leaf (0 ≤ numerator
// ≤ denominator, actual and expected), as a failure or conversion rate is: only then is one
// minus the rate a rate too.
func (t *Table) shares() bool {
	for i := range t.actual {
		if t.actual[i] < 0 || t.actual[i] > t.aDen[i] || t.expNum[i] < 0 || t.expNum[i] > t.expDen[i] {
			return false
		}
	}
	return true
}

// SliceChange returns the relative change of a slice — the leaves whose dimension values match
// every dimension → value of slice — against expectation: Σ actual / Σ expected − 1 for an
// additive KPI, and for a ratio the slice's actual rate over the rate it would have had at its
// leaves' expected rates (the rate effect, as Rank measures it). ok is false when the slice
// holds no leaf or nothing expected. It returns an error for a dimension the table does not
// have.
func (t *Table) SliceChange(slice map[string]string) (change float64, ok bool, err error) {
	idx := make([]int, 0, len(slice))
	want := make([]int32, 0, len(slice))
	for d, v := range slice {
		i := -1
		for j, name := range t.dims {
			if name == d {
				i = j
			}
		}
		if i < 0 {
			return 0, false, fmt.Errorf("slice dimension %q: the table has %s", d, strings.Join(t.dims, ", "))
		}
		c, found := t.index[i][v]
		if !found {
			return 0, false, nil
		}
		idx, want = append(idx, i), append(want, c)
	}
	v, f, err := t.leaves()
	if err != nil {
		return 0, false, err
	}
	var sv, sf float64
	for l := range v {
		in := true
		for k, i := range idx {
			if t.codes[i][l] != want[k] {
				in = false
				break
			}
		}
		if in {
			sv += v[l]
			sf += f[l]
		}
	}
	if sf <= 0 {
		return 0, false, nil
	}
	return sv/sf - 1, true, nil
}
