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
	if i < 0 || i >= t.Rows() {
		return nil, fmt.Errorf("explain: row %d out of range [0, %d)", i, t.Rows())
	}
	if c < 0 || c >= len(m.Classes) {
		return nil, fmt.Errorf("explain: class %d out of range [0, %d)", c, len(m.Classes))
	}
	row := t.Subset([]int{i})
	base, err := m.PredictProba(row)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	var out []Reason
	for _, in := range m.typicals() {
		alt := row.Clone()
		col := alt.Column(in.name)
		value := col.String(0)
		if in.kind == Numeric {
			v, err := strconv.ParseFloat(in.typical, 64)
			if err != nil {
				return nil, fmt.Errorf("explain: typical value of %q: %w", in.name, err)
			}
			col.Num[0] = v
		} else {
			col.Cat[0] = in.typical
		}
		p, err := m.PredictProba(alt)
		if err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		d := make([]float64, len(base))
		for j := range d {
			d[j] = base[j] - p[j]
		}
		out = append(out, Reason{Column: in.name, Value: value, Typical: in.typical, Delta: d})
	}
	sort.SliceStable(out, func(a, b int) bool {
		da, db := math.Abs(out[a].Delta[c]), math.Abs(out[b].Delta[c])
		if da != db {
			return da > db
		}
		return out[a].Column < out[b].Column
	})
	return out, nil
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
