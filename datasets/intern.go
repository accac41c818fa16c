package datasets

import "strings"

// maxInterned bounds the distinct values an interner shares per column; past it, values are
// copied, so a column of unique values costs no more than copying them.
const maxInterned = 1 << 16

// interner copies strings out of a reader's buffer, sharing one copy of each repeated value
// per column (owner ids, regions, stages), which keeps a million loaded rows compact. A column
// whose values mostly miss a full map (account ids of a large tenant) stops being looked up.
type interner struct {
	cols   []map[string]string
	unique []bool // columns of unique values (a one-column key): copy without a map
	off    []bool // columns where sharing stopped paying
	// hits and misses count lookups in a full map, to decide whether sharing still pays.
	hits, misses []int
	// key is a copy of the current row's key, made by the checker, used for its key column.
	key string
}

func newInterner(t *Table) *interner {
	n := len(t.Columns)
	in := &interner{cols: make([]map[string]string, n), unique: make([]bool, n), off: make([]bool, n),
		hits: make([]int, n), misses: make([]int, n)}
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
	if in.off[col] {
		return strings.Clone(s)
	}
	m := in.cols[col]
	if m == nil {
		m = make(map[string]string)
		in.cols[col] = m
	}
	full := len(m) >= maxInterned
	if v, ok := m[s]; ok {
		if full {
			in.hits[col]++
		}
		return v
	}
	v := strings.Clone(s)
	if !full {
		m[v] = v
		return v
	}
	if in.misses[col]++; in.hits[col]+in.misses[col] >= maxInterned/4 && in.misses[col] > in.hits[col] {
		in.off[col] = true
		in.cols[col] = nil
	}
	return v
}
