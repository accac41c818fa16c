package classify

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Reason says how much one input column moved a row's predicted probabilities.
type Reason struct {
	Column  string
	Value   string // the row's value as text ("" when missing)
	Typical string // what it was compared with: the training median or most frequent label
	// Delta holds, per class, P(class | row) − P(class | row with Column set to Typical).
	// A positive Delta[c] means the row's value of Column raises the probability of class c.
	Delta []float64
}

// Explain accounts for row i of t column by column: each input column in turn is set to its
// typical training value (numeric median, most frequent label) with every other column left
// as it is, and the change in the predicted probabilities is the column's Delta. Reasons come
// sorted by the size of the change in class c's probability, largest first (ties by column
// name). It works the same for every model family; it measures one column at a time, so
// effects that need two columns together are shared out only roughly.
func (m *Model) Explain(t *Table, i int, c int) ([]Reason, error) {
	if c < 0 || c >= len(m.Classes) {
		return nil, fmt.Errorf("explain: class %d out of range [0, %d)", c, len(m.Classes))
	}
	out, err := m.ExplainRows(t, []int{i})
	if err != nil {
		return nil, err
	}
	SortReasons(out[0], c)
	return out[0], nil
}

// ExplainRows is Explain for several rows of t at once, scored in one batch, which is much
// faster than one Explain call per row. out[j] holds the reasons of row rows[j], one per input
// column in the model's input order (unsorted: SortReasons orders them for a class). A column
// whose value already is the typical one has Delta 0 and costs nothing.
func (m *Model) ExplainRows(t *Table, rows []int) ([][]Reason, error) {
	for _, i := range rows {
		if i < 0 || i >= t.Rows() {
			return nil, fmt.Errorf("explain: row %d out of range [0, %d)", i, t.Rows())
		}
	}
	typ := m.typicals()
	cols := make([]*Column, len(typ))
	num := make([]float64, len(typ)) // numeric typical values
	for q, in := range typ {
		col := t.Column(in.name)
		if col == nil {
			return nil, fmt.Errorf("explain: no column %q (the model was fitted with it)", in.name)
		}
		if col.Kind != in.kind {
			return nil, fmt.Errorf("explain: column %q is %s, the model was fitted on %s values", in.name, col.Kind, in.kind)
		}
		cols[q] = col
		if in.kind == Numeric {
			v, err := strconv.ParseFloat(in.typical, 64)
			if err != nil {
				return nil, fmt.Errorf("explain: typical value of %q: %w", in.name, err)
			}
			num[q] = v
		}
	}
	isTypical := func(q, i int) bool {
		if typ[q].kind == Numeric {
			return cols[q].Num[i] == num[q] // NaN is never typical: imputing it turns an indicator on
		}
		return cols[q].Cat[i] == typ[q].typical
	}
	// The batch: each row as it is, then one copy per non-typical column set to its typical
	// value. changed[j] lists those columns; first[j] is the row's position in the batch.
	changed := make([][]int32, len(rows))
	first := make([]int, len(rows)+1)
	size := 0
	for j, i := range rows {
		first[j] = size
		for q := range typ {
			if !isTypical(q, i) {
				changed[j] = append(changed[j], int32(q))
			}
		}
		size += 1 + len(changed[j])
	}
	first[len(rows)] = size
	// Each copy differs from its row in one column, so the rows are encoded once per member,
	// and a copy is the encoded row with that column's features replaced by the encoded
	// typical value: identical features to encoding the changed row, without re-encoding.
	rowOf := make([]int32, size) // batch row -> index into rows
	colOf := make([]int32, size) // batch row -> changed column, -1 for the row itself
	for j := range rows {
		rowOf[first[j]], colOf[first[j]] = int32(j), -1
		for r, q := range changed[j] {
			rowOf[first[j]+1+r], colOf[first[j]+1+r] = int32(j), q
		}
	}
	sub := t.Subset(rows)
	typRow := &Table{}
	for q, in := range typ {
		var err error
		if in.kind == Numeric {
			err = typRow.AddNumeric(in.name, []float64{num[q]})
		} else {
			err = typRow.AddCategorical(in.name, []string{in.typical})
		}
		if err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
	}
	type encoded struct {
		base, typical []float64
		lo, hi        []int // feature range of each input column (empty when not read)
	}
	enc := map[*member]*encoded{}
	for mi := range m.Members {
		mb := &m.Members[mi]
		e := &encoded{lo: make([]int, len(typ)), hi: make([]int, len(typ))}
		var err error
		if e.base, err = mb.Enc.encode(sub); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		if e.typical, err = mb.Enc.encode(typRow); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		for q, in := range typ {
			for c := range mb.Enc.Cols {
				if mb.Enc.Cols[c].Name != in.name {
					continue
				}
				e.lo[q], e.hi[q] = mb.Enc.Cols[c].Offset, mb.Enc.Width
				if c+1 < len(mb.Enc.Cols) {
					e.hi[q] = mb.Enc.Cols[c+1].Offset
				}
			}
		}
		enc[mb] = e
	}
	p, err := m.predict(size, func(mb *member, lo, hi int, x []float64) error {
		e, w := enc[mb], mb.Enc.Width
		for b := lo; b < hi; b++ {
			row := x[(b-lo)*w : (b-lo+1)*w]
			j := int(rowOf[b])
			copy(row, e.base[j*w:(j+1)*w])
			if q := colOf[b]; q >= 0 {
				copy(row[e.lo[q]:e.hi[q]], e.typical[e.lo[q]:e.hi[q]])
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	k := len(m.Classes)
	out := make([][]Reason, len(rows))
	deltas := make([]float64, len(rows)*len(typ)*k) // one allocation for every Delta
	for j, i := range rows {
		base := p[first[j]*k : first[j]*k+k]
		rs := make([]Reason, len(typ))
		for q, in := range typ {
			d := deltas[(j*len(typ)+q)*k : (j*len(typ)+q+1)*k : (j*len(typ)+q+1)*k]
			rs[q] = Reason{Column: in.name, Value: cols[q].String(i), Typical: in.typical, Delta: d}
		}
		for r, q := range changed[j] {
			alt := p[(first[j]+1+r)*k : (first[j]+2+r)*k]
			for c := range k {
				rs[q].Delta[c] = base[c] - alt[c]
			}
		}
		out[j] = rs
	}
	return out, nil
}

// SortReasons orders reasons by the size of their change in class c's probability, largest
// first (ties by column name), as Explain returns them.
func SortReasons(reasons []Reason, c int) {
	sort.SliceStable(reasons, func(a, b int) bool {
		da, db := math.Abs(reasons[a].Delta[c]), math.Abs(reasons[b].Delta[c])
		if da != db {
			return da > db
		}
		return reasons[a].Column < reasons[b].Column
	})
}

type typical struct {
	name    string
	kind    Kind
	typical string
}

// typicals lists each input column once with its typical value (from the first member that
// reads it; members are fitted on the same rows, so they agree).
func (m *Model) typicals() []typical {
	seen := map[string]bool{}
	var out []typical
	for _, mb := range m.Members {
		for _, ce := range mb.Enc.Cols {
			if !seen[ce.Name] {
				seen[ce.Name] = true
				out = append(out, typical{ce.Name, ce.Kind, ce.Typical})
			}
		}
	}
	return out
}
