package classify

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/growthlens/growthlens/internal/quantile"
)

// EncodeOptions says how table columns become the numeric features a learner sees.
//
// Always: a numeric column's missing values are replaced by its training median and, when the
// training column had any, a 0/1 missing-indicator feature is added; a categorical column is
// one-hot encoded over the labels seen in training (missing is a label of its own when seen),
// with labels beyond the 64 most frequent pooled into one "other" feature; a label never seen
// in training turns "other" on when the column has it (its weight was learned from rare
// labels, the best guess for a new one) and otherwise encodes as all zeros (no level is on). Columns with no values or one value in
// the training rows carry no information and produce no features.
type EncodeOptions struct {
	// Standardize centres and scales each continuous feature to mean 0, standard deviation 1
	// on the training rows (0/1 features are left as they are). Needed for penalised linear
	// models, whose penalty should not depend on units.
	Standardize bool
	// LogSkewed replaces x by log(1+x) for numeric columns that are non-negative with
	// sample skewness above 1 in training (incomes, counts). Negative values met later are
	// clamped to 0 before the log.
	LogSkewed bool
	// SmallInts, when > 0, also one-hot encodes numeric columns holding at most this many
	// distinct integer values (ordinal codes such as a 1–4 satisfaction score), so a linear
	// model can fit non-monotone effects. The numeric feature is kept as well.
	SmallInts int
}

// maxLevels caps the one-hot width of a categorical column.
const maxLevels = 64

// encoder is the fitted, serialisable transformation from a Table to a dense feature matrix.
type encoder struct {
	Opts    EncodeOptions
	Cols    []colEnc
	Width   int
	Names   []string // feature names, for explanations
	Binary  []bool   // feature takes only the values 0 and 1
	Dropped []Drop   // columns that produce no features, with the reason
}

type colEnc struct {
	Name   string
	Kind   Kind
	Offset int // first feature index

	// Typical is the reference value Explain compares a row with: the training median of a
	// numeric column, the most frequent non-missing label of a categorical one (as text).
	Typical string

	// Numeric.
	Fill      float64 // value used for a missing cell, in transformed units (before scaling)
	Log       bool
	Mean      float64
	Scale     float64
	Indicator bool      // a missing-indicator feature follows the value feature
	Ints      []float64 // small-integer levels; one indicator each follows

	// Categorical.
	Labels []string         // one-hot labels in feature order ("" is missing); a slice, so bytes are stable
	levels map[string]int32 // label -> feature offset within the column, built from Labels
	Other  int32            // offset of the pooled "other" feature, or -1
}

func fitEncoder(t *Table, opts EncodeOptions) *encoder {
	e := &encoder{Opts: opts}
	for _, c := range t.Columns() {
		ce := colEnc{Name: c.Name, Kind: c.Kind, Offset: e.Width, Other: -1}
		var reason string
		if c.Kind == Numeric {
			reason = e.fitNumeric(&ce, c.Num)
		} else {
			reason = e.fitCategorical(&ce, c.Cat)
		}
		if reason != "" {
			e.Dropped = append(e.Dropped, Drop{c.Name, reason})
			continue
		}
		e.Cols = append(e.Cols, ce)
	}
	return e
}

func (e *encoder) addFeature(name string, binary bool) {
	e.Names = append(e.Names, name)
	e.Binary = append(e.Binary, binary)
	e.Width++
}

// fitNumeric adds the column's features, or returns why the column has none.
func (e *encoder) fitNumeric(ce *colEnc, v []float64) string {
	vals := make([]float64, 0, len(v))
	hasMissing := false
	for _, x := range v {
		if math.IsNaN(x) {
			hasMissing = true
			continue
		}
		vals = append(vals, x)
	}
	if len(vals) == 0 {
		return "every value is missing"
	}
	sort.Float64s(vals)
	if vals[0] == vals[len(vals)-1] && !hasMissing {
		return "constant"
	}
	if e.Opts.LogSkewed && vals[0] >= 0 && skewness(vals) > 1 {
		ce.Log = true
	}
	tr := make([]float64, len(vals))
	for i, x := range vals {
		tr[i] = ce.transform(x)
	}
	med := quantile.SortedMedian(vals)
	ce.Fill = ce.transform(med)
	ce.Typical = strconv.FormatFloat(med, 'g', -1, 64)
	ce.Mean, ce.Scale = 0, 1
	isBinary := len(vals) > 0 && allIn01(vals)
	if e.Opts.Standardize && !isBinary {
		m, s := meanStd(tr)
		ce.Mean = m
		if s > 0 {
			ce.Scale = s
		}
	}
	name := ce.Name
	if ce.Log {
		name = "log1p(" + name + ")"
	}
	e.addFeature(name, isBinary)
	if hasMissing {
		ce.Indicator = true
		e.addFeature(ce.Name+" is missing", true)
	}
	if e.Opts.SmallInts > 0 && !isBinary {
		if lv, ok := smallIntLevels(vals, e.Opts.SmallInts); ok {
			ce.Ints = lv
			for _, l := range lv {
				e.addFeature(fmt.Sprintf("%s=%g", ce.Name, l), true)
			}
		}
	}
	return ""
}

// fitCategorical adds the column's one-hot features, or returns why the column has none.
func (e *encoder) fitCategorical(ce *colEnc, v []string) string {
	count := map[string]int{}
	for _, s := range v {
		count[s]++
	}
	switch {
	case count[""] == len(v):
		return "every value is missing"
	case len(count) == 1:
		return "constant"
	}
	labels := make([]string, 0, len(count))
	for s := range count {
		labels = append(labels, s)
	}
	sort.Slice(labels, func(i, j int) bool {
		if count[labels[i]] != count[labels[j]] {
			return count[labels[i]] > count[labels[j]]
		}
		return labels[i] < labels[j]
	})
	for _, s := range labels {
		if s != "" {
			ce.Typical = s
			break
		}
	}
	for i, s := range labels {
		if i == maxLevels {
			ce.Other = int32(i)
			e.addFeature(ce.Name+"=(other)", true)
			break
		}
		ce.Labels = append(ce.Labels, s)
		name := s
		if s == "" {
			name = "(missing)"
		}
		e.addFeature(ce.Name+"="+name, true)
	}
	ce.index()
	return ""
}

// index builds the label lookup of a categorical column (after fitting or decoding).
func (ce *colEnc) index() {
	ce.levels = make(map[string]int32, len(ce.Labels))
	for i, s := range ce.Labels {
		ce.levels[s] = int32(i)
	}
}

func (ce *colEnc) transform(x float64) float64 {
	if ce.Log {
		return math.Log1p(math.Max(x, 0))
	}
	return x
}

// encode writes the features of t's rows into a new row-major n×Width matrix.
func (e *encoder) encode(t *Table) ([]float64, error) {
	x := make([]float64, t.Rows()*e.Width)
	if err := e.encodeRange(t, 0, t.Rows(), x); err != nil {
		return nil, err
	}
	return x, nil
}

// encodeRange fills x ((hi−lo)×Width, zeroed) with the features of rows [lo, hi) of t. The
// column loop is outside so each column's lookups stay in cache, which keeps batch scoring fast.
func (e *encoder) encodeRange(t *Table, lo, hi int, x []float64) error {
	w := e.Width
	for ci := range e.Cols {
		ce := &e.Cols[ci]
		c := t.Column(ce.Name)
		if c == nil {
			return fmt.Errorf("encode: no column %q (the model was fitted with it)", ce.Name)
		}
		if c.Kind != ce.Kind {
			return fmt.Errorf("encode: column %q is %s, the model was fitted on %s values", ce.Name, c.Kind, ce.Kind)
		}
		off := ce.Offset
		if ce.Kind == Categorical {
			for i, s := range c.Cat[lo:hi] {
				if j, ok := ce.levels[s]; ok {
					x[i*w+off+int(j)] = 1
				} else if ce.Other >= 0 {
					x[i*w+off+int(ce.Other)] = 1
				}
			}
			continue
		}
		for i, v := range c.Num[lo:hi] {
			row := x[i*w+off:]
			if math.IsNaN(v) {
				row[0] = (ce.Fill - ce.Mean) / ce.Scale
				if ce.Indicator {
					row[1] = 1
				}
				continue
			}
			if math.IsInf(v, 0) {
				return fmt.Errorf("encode: column %q row %d: %w", ce.Name, lo+i, ErrNotFinite)
			}
			row[0] = (ce.transform(v) - ce.Mean) / ce.Scale
			if len(ce.Ints) > 0 {
				base := 1
				if ce.Indicator {
					base = 2
				}
				if k := sort.SearchFloat64s(ce.Ints, v); k < len(ce.Ints) && ce.Ints[k] == v {
					row[base+k] = 1
				}
			}
		}
	}
	return nil
}

// smallIntLevels returns the distinct values of sorted vals when they are at most max integers.
func smallIntLevels(sorted []float64, max int) ([]float64, bool) {
	var lv []float64
	for i, x := range sorted {
		if x != math.Trunc(x) {
			return nil, false
		}
		if i == 0 || x != sorted[i-1] {
			lv = append(lv, x)
			if len(lv) > max {
				return nil, false
			}
		}
	}
	return lv, len(lv) > 2
}

func allIn01(v []float64) bool {
	for _, x := range v {
		if x != 0 && x != 1 {
			return false
		}
	}
	return true
}

// meanStd returns the mean and the population standard deviation (divisor n, as scikit-learn's
// StandardScaler uses).
func meanStd(v []float64) (float64, float64) {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(v)))
}

// skewness is the moment coefficient of skewness g1 = m3 / m2^1.5 (0 for constant data).
func skewness(v []float64) float64 {
	m, _ := meanStd(v)
	var m2, m3 float64
	for _, x := range v {
		d := x - m
		m2 += d * d
		m3 += d * d * d
	}
	n := float64(len(v))
	m2 /= n
	m3 /= n
	if m2 == 0 {
		return 0
	}
	return m3 / math.Pow(m2, 1.5)
}
