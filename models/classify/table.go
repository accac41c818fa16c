package classify

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Kind says how a column's values are read: as numbers or as category labels.
type Kind uint8

const (
	// Numeric columns hold float64 values; NaN marks a missing value.
	Numeric Kind = iota
	// Categorical columns hold labels; the empty string marks a missing value.
	Categorical
)

func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Column is one named feature column. Exactly one of Num and Cat is used, chosen by Kind.
type Column struct {
	Name string
	Kind Kind
	Num  []float64 // Numeric: NaN is missing; ±Inf is rejected by Table.Add*.
	Cat  []string  // Categorical: "" is missing.
}

// Len returns the number of rows in the column.
func (c *Column) Len() int {
	if c.Kind == Numeric {
		return len(c.Num)
	}
	return len(c.Cat)
}

// Missing reports whether row i is missing.
func (c *Column) Missing(i int) bool {
	if c.Kind == Numeric {
		return math.IsNaN(c.Num[i])
	}
	return c.Cat[i] == ""
}

// String returns row i as text: the label, the number in shortest form, or "" when missing.
func (c *Column) String(i int) string {
	if c.Kind == Categorical {
		return c.Cat[i]
	}
	if math.IsNaN(c.Num[i]) {
		return ""
	}
	return strconv.FormatFloat(c.Num[i], 'g', -1, 64)
}

// Table is a set of equally long, uniquely named columns: the features of a classifier.
// The zero value is an empty table ready for use. A Table does not copy the slices given to
// it; callers must not change them while a model is being fitted on the table.
type Table struct {
	cols  []Column
	index map[string]int
}

// ErrNotFinite is returned (wrapped) when a numeric value is +Inf or -Inf. Missing values are
// NaN; infinities are almost always a unit or overflow bug upstream, so they are refused
// rather than silently clipped.
var ErrNotFinite = errors.New("value is not finite")

// AddNumeric appends a numeric column. NaN marks a missing value; ±Inf is an error.
func (t *Table) AddNumeric(name string, v []float64) error {
	for i, x := range v {
		if math.IsInf(x, 0) {
			return fmt.Errorf("column %q row %d: %w (%v)", name, i, ErrNotFinite, x)
		}
	}
	return t.add(Column{Name: name, Kind: Numeric, Num: v})
}

// AddCategorical appends a categorical column. The empty string marks a missing value.
func (t *Table) AddCategorical(name string, v []string) error {
	return t.add(Column{Name: name, Kind: Categorical, Cat: v})
}

func (t *Table) add(c Column) error {
	if c.Name == "" {
		return errors.New("column name is empty")
	}
	if _, dup := t.index[c.Name]; dup {
		return fmt.Errorf("column %q added twice", c.Name)
	}
	if len(t.cols) > 0 && c.Len() != t.Rows() {
		return fmt.Errorf("column %q has %d rows, table has %d", c.Name, c.Len(), t.Rows())
	}
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.index[c.Name] = len(t.cols)
	t.cols = append(t.cols, c)
	return nil
}

// Rows returns the number of rows (0 for a table without columns).
func (t *Table) Rows() int {
	if len(t.cols) == 0 {
		return 0
	}
	return t.cols[0].Len()
}

// Columns returns the columns in the order they were added. The slice is shared: read only.
func (t *Table) Columns() []Column { return t.cols }

// Column returns the named column, or nil when the table has none of that name.
func (t *Table) Column(name string) *Column {
	i, ok := t.index[name]
	if !ok {
		return nil
	}
	return &t.cols[i]
}

// Without returns a table sharing t's columns except the named ones. Unknown names are an error
// so that a typo in --drop is not silently ignored.
func (t *Table) Without(names ...string) (*Table, error) {
	drop := map[string]bool{}
	for _, n := range names {
		if t.Column(n) == nil {
			return nil, fmt.Errorf("no column %q", n)
		}
		drop[n] = true
	}
	out := &Table{}
	for _, c := range t.cols {
		if !drop[c.Name] {
			if err := out.add(c); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Subset returns a new table holding the given rows, in that order (rows may repeat).
func (t *Table) Subset(rows []int) *Table {
	out := &Table{}
	for _, c := range t.cols {
		nc := Column{Name: c.Name, Kind: c.Kind}
		if c.Kind == Numeric {
			nc.Num = make([]float64, len(rows))
			for i, r := range rows {
				nc.Num[i] = c.Num[r]
			}
		} else {
			nc.Cat = make([]string, len(rows))
			for i, r := range rows {
				nc.Cat[i] = c.Cat[r]
			}
		}
		_ = out.add(nc) // names are unique and lengths equal by construction
	}
	return out
}

// Clone returns a deep copy, so callers can change values (e.g. to ask "what if this employee
// were promoted") without touching the original.
func (t *Table) Clone() *Table {
	out := &Table{}
	for _, c := range t.cols {
		nc := Column{Name: c.Name, Kind: c.Kind}
		nc.Num = append([]float64(nil), c.Num...)
		nc.Cat = append([]string(nil), c.Cat...)
		_ = out.add(nc)
	}
	return out
}
