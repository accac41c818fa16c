package datasets

import "strings"

// maxInterned bounds the distinct values an interner shares per column; past it, values are
// copied, so a column of unique values costs no more than copying them.
const maxInterned = 1 << 16

// interner copies strings out of a reader's buffer, sharing one copy of each repeated value
// per column (owner ids, regions, stages), which keeps a million loaded rows compact.
type interner struct {
	cols   []map[string]string
	unique []bool // columns of unique values (a one-column key): copy without a map
	// key is a copy of the current row's key, made by the checker, used for its key column.
	key string
}

func newInterner(t *Table) *interner {
	in := &interner{cols: make([]map[string]string, len(t.Columns)), unique: make([]bool, len(t.Columns))}
	if len(t.Key) == 1 {
		_, i, _ := t.Column(t.Key[0])
		in.unique[i] = true
	}
	return in
}

func (in *interner) get(col int, s string) string {
	if s == "" {
		return ""
	}
	if in.unique[col] {
		if s == in.key {
			return in.key
		}
		return strings.Clone(s)
	}
	m := in.cols[col]
	if m == nil {
		m = make(map[string]string)
		in.cols[col] = m
	}
	if v, ok := m[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(m) < maxInterned {
		m[v] = v
	}
	return v
}
