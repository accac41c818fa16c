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
// column in the model's input order (unsorted: SortReasons orders them for a class).
func (m *Model) ExplainRows(t *Table, rows []int) ([][]Reason, error) {
	for _, i := range rows {
		if i < 0 || i >= t.Rows() {
			return nil, fmt.Errorf("explain: row %d out of range [0, %d)", i, t.Rows())
		}
	}
	typ := m.typicals()
	stride := 1 + len(typ) // the row as it is, then one copy per column set to its typical value
	batch := &Table{}
	values := make([][]string, len(typ)) // the rows' own values as text, per input column
	for q, in := range typ {
		col := t.Column(in.name)
		if col == nil {
			return nil, fmt.Errorf("explain: no column %q (the model was fitted with it)", in.name)
		}
		if col.Kind != in.kind {
			return nil, fmt.Errorf("explain: column %q is %s, the model was fitted on %s values", in.name, col.Kind, in.kind)
		}
		values[q] = make([]string, len(rows))
		for j, i := range rows {
			values[q][j] = col.String(i)
		}
		var err error
		if in.kind == Numeric {
			tv, perr := strconv.ParseFloat(in.typical, 64)
			if perr != nil {
				return nil, fmt.Errorf("explain: typical value of %q: %w", in.name, perr)
			}
			v := make([]float64, len(rows)*stride)
			for j, i := range rows {
				blk := v[j*stride : (j+1)*stride]
				for r := range blk {
					blk[r] = col.Num[i]
				}
				blk[1+q] = tv
			}
			err = batch.AddNumeric(in.name, v)
		} else {
			v := make([]string, len(rows)*stride)
			for j, i := range rows {
				blk := v[j*stride : (j+1)*stride]
				for r := range blk {
					blk[r] = col.Cat[i]
				}
				blk[1+q] = in.typical
			}
			err = batch.AddCategorical(in.name, v)
		}
		if err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
	}
	p, err := m.PredictProba(batch)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	k := len(m.Classes)
	out := make([][]Reason, len(rows))
	for j := range rows {
		base := p[j*stride*k : j*stride*k+k]
		rs := make([]Reason, len(typ))
		for q, in := range typ {
			alt := p[(j*stride+1+q)*k : (j*stride+2+q)*k]
			d := make([]float64, k)
			for c := range d {
				d[c] = base[c] - alt[c]
			}
			rs[q] = Reason{Column: in.name, Value: values[q][j], Typical: in.typical, Delta: d}
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
