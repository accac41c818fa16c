package datasets

import (
	"fmt"
	"strings"
)

// Problem is one reason a row was rejected, located as file:line: column: reason. Line is the
// physical line where the record starts (for XLSX, the sheet's row number); Column is empty
// when the problem concerns the whole row.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// String formats the problem as file:line: column: reason.
func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Column, p.Reason)
}

// Reject is a rejected row with everything needed to recover it. Its slices may point into a
// reader's buffers: they are valid only during the callback that receives the Reject.
type Reject struct {
	File     string
	Line     int
	Offset   int64 // byte offset of the record in File; -1 when not a CSV file
	Problems []Problem
	Header   []string // the source file's header
	Fields   []string // the source fields; nil when the record could not be split
	Raw      []byte   // the record's exact bytes; nil when longer than the limit or not from CSV
}

// Reason joins the problems as "column: reason; column: reason".
func (r *Reject) Reason() string {
	var b strings.Builder
	for i, p := range r.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Column != "" {
			b.WriteString(p.Column)
			b.WriteString(": ")
		}
		b.WriteString(p.Reason)
	}
	return b.String()
}

// checker validates canonical records of one table: every value against its column, the
// table's ordered pairs and conditional requirements, and duplicate keys. It also tallies the
// values of reference columns for the cross-table checks. Records may hold views into a
// reader's buffer: the checker copies what it keeps.
type checker struct {
	t        *Table
	ordered  [][2]int
	conds    []condition
	keyCols  []int
	keys     keySet // keys of the rows kept, with their lines
	keyBuf   []byte
	refs     []refTally
	distinct bool
	records  map[string]string // key → whole record, for distinct tables
	// known are the keys the destination table holds; a row with one of them is rejected
	// (merging in Append mode).
	known *TableKeys
	// lastKey is the copy of the key of the last row that passed, which Load reuses for the
	// row's key field instead of copying it again.
	lastKey string
}

type condition struct {
	col, when int
	in        []string
}

// refTally counts the rows holding each value of a reference column.
type refTally struct {
	Ref
	col    int
	index  map[string]int // value → position in values and rows
	values []string
	rows   []int
}

func newChecker(t *Table) *checker {
	c := &checker{t: t}
	idx := func(name string) int {
		_, i, ok := t.Column(name)
		if !ok {
			panic("datasets: table " + t.Name + " has no column " + name)
		}
		return i
	}
	for _, o := range t.Ordered {
		c.ordered = append(c.ordered, [2]int{idx(o[0]), idx(o[1])})
	}
	for _, rw := range t.RequiredWhen {
		c.conds = append(c.conds, condition{col: idx(rw.Column), when: idx(rw.When), in: rw.In})
	}
	for _, k := range t.Key {
		c.keyCols = append(c.keyCols, idx(k))
	}
	for _, r := range t.Refs {
		c.refs = append(c.refs, refTally{Ref: r, col: idx(r.Column), index: make(map[string]int)})
	}
	return c
}

// check appends the problems of rec (in canonical column order) to probs. Row and column
// problems come first; the duplicate-key check runs only on an otherwise valid row, so the
// first valid row with a key is the one kept. A valid row's key is recorded and its reference
// values tallied.
//
// With distinct set, a row whose key was seen with an identical record is not a problem:
// check returns merged = true and the caller drops the row as a repeat.
func (c *checker) check(rec []string, file string, line int, probs []Problem) (_ []Problem, merged bool) {
	n0 := len(probs)
	cols := c.t.Columns
	for i := range cols {
		if err := cols[i].Check(rec[i]); err != nil {
			probs = append(probs, Problem{File: file, Line: line, Column: cols[i].Name, Reason: err.Error()})
		}
	}
	if len(probs) > n0 {
		return probs, false
	}
	for _, o := range c.ordered {
		a, b := rec[o[0]], rec[o[1]]
		if a == "" || b == "" {
			continue
		}
		if before(cols[o[0]].Kind, b, a) {
			probs = append(probs, Problem{File: file, Line: line, Column: cols[o[1]].Name,
				Reason: fmt.Sprintf("%s is before %s %s", b, cols[o[0]].Name, a)})
		}
	}
	for _, cd := range c.conds {
		if rec[cd.col] != "" {
			continue
		}
		for _, v := range cd.in {
			if rec[cd.when] == v {
				probs = append(probs, Problem{File: file, Line: line, Column: cols[cd.col].Name,
					Reason: fmt.Sprintf("required when %s is %s", cols[cd.when].Name, strings.Join(cd.in, " or "))})
				break
			}
		}
	}
	if len(probs) > n0 {
		return probs, false
	}
	key := c.key(rec)
	if first, dup := c.keys.lookup(key); dup {
		if c.distinct && c.records[key] == strings.Join(rec, "\x00") {
			return probs, true
		}
		return append(probs, Problem{File: file, Line: line, Column: strings.Join(c.t.Key, "+"),
			Reason: fmt.Sprintf("duplicate key %s (first at line %d, which is kept)", c.keyText(rec), first)}), false
	}
	if at, ok := c.known.lookup(key); ok {
		return append(probs, Problem{File: file, Line: line, Column: strings.Join(c.t.Key, "+"),
			Reason: fmt.Sprintf("key %s is already in the table (%s line %d); append adds new keys only: upsert changes a row", c.keyText(rec), c.known.File, at)}), false
	}
	key = strings.Clone(key)
	c.keys.add(key, line)
	c.lastKey = key
	if c.distinct {
		if c.records == nil {
			c.records = make(map[string]string)
		}
		c.records[key] = strings.Join(rec, "\x00")
	}
	for i := range c.refs {
		c.refs[i].add(rec[c.refs[i].col])
	}
	return probs, false
}

// reserve sizes the key set for about n rows, sparing the rehashing of a million keys as the
// map doubles.
func (c *checker) reserve(n int) { c.keys.reserve(n) }

// onlyRefsTo drops the reference tallies whose target table will not be there to check them
// against, which saves a map lookup per row and reference.
func (c *checker) onlyRefsTo(present func(table string) bool) {
	kept := c.refs[:0]
	for _, r := range c.refs {
		if present(r.Table) {
			kept = append(kept, r)
		}
	}
	c.refs = kept
}

// key returns the record's key. For a one-column key it is the value itself (a view); for
// longer keys the values joined by NUL, in a buffer reused by the next call.
func (c *checker) key(rec []string) string {
	if len(c.keyCols) == 1 {
		return rec[c.keyCols[0]]
	}
	c.keyBuf = c.keyBuf[:0]
	for i, k := range c.keyCols {
		if i > 0 {
			c.keyBuf = append(c.keyBuf, 0)
		}
		c.keyBuf = append(c.keyBuf, rec[k]...)
	}
	return bytesView(c.keyBuf)
}

func (c *checker) keyText(rec []string) string {
	parts := make([]string, len(c.keyCols))
	for i, k := range c.keyCols {
		parts[i] = fmt.Sprintf("%q", rec[k])
	}
	return strings.Join(parts, "+")
}

func (r *refTally) add(v string) {
	if v == "" {
		return
	}
	// Look up before inserting: assigning to an existing string key would replace the stored
	// key with v, which may be a view into a buffer that is about to change.
	if i, ok := r.index[v]; ok {
		r.rows[i]++
		return
	}
	v = strings.Clone(v)
	r.index[v] = len(r.values)
	r.values = append(r.values, v)
	r.rows = append(r.rows, 1)
}

// before reports whether a is strictly earlier than b; both are valid values of kind k.
func before(k Kind, a, b string) bool {
	if k == Date {
		return a < b // YYYY-MM-DD sorts as text
	}
	ta, err1 := ParseTimestamp(a)
	tb, err2 := ParseTimestamp(b)
	return err1 == nil && err2 == nil && ta.Before(tb)
}

// crossCheck returns a warning for each reference column of each checked table with values
// that are not keys of the referenced table. Tables absent from checked are not looked at.
func crossCheck(checked map[string]*checker, files map[string]string) []Warning {
	var out []Warning
	for _, t := range Tables {
		c := checked[t.Name]
		if c == nil {
			continue
		}
		for i := range c.refs {
			r := &c.refs[i]
			target := checked[r.Table]
			if target == nil {
				continue
			}
			var rows int
			var missing []string
			for j, v := range r.values {
				if _, ok := target.keys.lookup(v); !ok {
					rows += r.rows[j]
					missing = append(missing, v)
				}
			}
			if rows == 0 {
				continue
			}
			eg := missing[:min(3, len(missing))]
			quoted := make([]string, len(eg))
			for j, v := range eg {
				quoted[j] = fmt.Sprintf("%q", v)
			}
			out = append(out, Warning{
				Table: t.Name, File: files[t.Name], Column: r.Column, Rows: rows,
				Message: fmt.Sprintf("%d rows have a %s not found in %s.%s (%d distinct values, e.g. %s)",
					rows, r.Column, r.Table, target.t.Key[0], len(missing), strings.Join(quoted, ", ")),
			})
		}
	}
	return out
}
