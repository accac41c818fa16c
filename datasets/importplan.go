package datasets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The import plan: how the columns of one source file become a canonical record (constants,
// source and joined columns, value maps, number and date formats), built once per file by
// importer.plan and applied to every row by tablePlan.fill.

// Where a canonical column's value comes from.
const (
	fromNothing = iota
	fromSource
	fromJoin
	fromConstant
)

type columnPlan struct {
	from     int
	src      int // source field
	join     int // index in plan.joins
	jcol     int // field of the joined file
	constant string
	values   map[string]string
	// targets holds the canonical values of values; with strict_values a source value that
	// is neither a key of values, a target nor one of the column's enum values is rejected.
	targets map[string]bool
	enum    []string
	strict  bool
	layouts Layouts
	number  *NumberFormat
	// rewrites counts the values number rewrote, with the first as an example.
	rewrites     int
	firstRewrite string
	kind         Kind
	name         string // the canonical column
	desc         string // where the value comes from, for messages
	buf          []byte
}

// Change is a value the import rewrote rather than copied: a number in the source's format
// written as a plain decimal. ChangeWriter lists every one.
type Change struct {
	File   string
	Line   int
	Column string
	From   string
	To     string
}

type joinPlan struct {
	name  string
	spec  *Join
	on    int
	table *joinTable
	// misses counts rows whose lookup value had no match, by value.
	missIndex map[string]int
	missVals  []string
	missRows  []int
	used      []string // canonical columns filled from the join
}

// tablePlan is how one source file's rows become canonical records.
type tablePlan struct {
	cols       []columnPlan
	joins      []joinPlan
	match      [][]string   // the joined row of each join for the current row
	matchKinds [][]cellKind // and its cell kinds (nil: all text)
	// onChange receives every value a number format rewrote.
	onChange func(Change) error
}

func (im *importer) plan(t *Table, tm *TableMapping, src source) (*tablePlan, []Warning, error) {
	header := src.Header()
	p := &tablePlan{cols: make([]columnPlan, len(t.Columns))}
	joinIdx := make(map[string]int)
	for _, name := range sortedKeys(tm.Joins) {
		j := tm.Joins[name]
		jt, err := im.joinTable(j, tm)
		if err != nil {
			return nil, nil, fmt.Errorf("join %s: %w", name, err)
		}
		on, err := findColumn(header, j.On, tm.HeaderFold)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src.Name(), err)
		}
		if on < 0 {
			return nil, nil, missingColumn(src, j.On, "join "+name+" on")
		}
		joinIdx[name] = len(p.joins)
		p.joins = append(p.joins, joinPlan{name: name, spec: j, on: on, table: jt, missIndex: make(map[string]int)})
	}
	p.match = make([][]string, len(p.joins))
	p.matchKinds = make([][]cellKind, len(p.joins))
	var warnings []Warning
	used := make(map[int]bool)
	for i, c := range t.Columns {
		cp := &p.cols[i]
		cp.name, cp.kind = c.Name, c.Kind
		cp.values = tm.Values[c.Name]
		if cp.values != nil {
			cp.targets = make(map[string]bool, len(cp.values))
			for _, v := range cp.values {
				cp.targets[v] = true
			}
			cp.strict, cp.enum = tm.StrictValues, c.Values
		}
		cp.layouts = tm.Dates[c.Name]
		cp.number = tm.Numbers[c.Name]
		if v, ok := tm.Constants[c.Name]; ok {
			cp.from, cp.constant = fromConstant, v
			continue
		}
		ref, ok := tm.Columns[c.Name]
		if !ok {
			if len(tm.Columns) > 0 {
				continue // not mapped: empty
			}
			ref = c.Name // no columns: same names as the table
		}
		if jn, jc, isJoin := tm.joinRef(ref); isJoin {
			jp := &p.joins[joinIdx[jn]]
			k, err := findColumn(jp.table.header, jc, tm.HeaderFold)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", jp.table.name, err)
			}
			if k < 0 {
				return nil, nil, fmt.Errorf("%s: header has no column %q (columns.%s: %s); the header is %s", jp.table.name, jc, c.Name, ref, strings.Join(jp.table.header, ","))
			}
			cp.from, cp.join, cp.jcol, cp.desc = fromJoin, joinIdx[jn], k, ref
			jp.used = append(jp.used, c.Name)
			continue
		}
		k, err := findColumn(header, ref, tm.HeaderFold)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src.Name(), err)
		}
		if k < 0 {
			if len(tm.Columns) == 0 && !c.Required {
				continue
			}
			return nil, nil, missingColumn(src, ref, "for "+c.Name)
		}
		cp.from, cp.src, cp.desc = fromSource, k, header[k]
		used[k] = true
	}
	if len(tm.Columns) == 0 {
		var unknown []string
		for k, h := range header {
			if !used[k] {
				unknown = append(unknown, h)
			}
		}
		if len(unknown) > 0 {
			warnings = append(warnings, Warning{Table: t.Name, File: src.Name(),
				Message: fmt.Sprintf("unknown columns ignored: %s (the table's columns are %s)", strings.Join(unknown, ", "), strings.Join(t.Header(), ", "))})
		}
	}
	return p, warnings, nil
}

// fill builds the canonical record of a row, appending problems for values that cannot be
// converted and for required joins without a match.
func (p *tablePlan) fill(tm *TableMapping, name string, row *sourceRow, src source, rec []string, probs []Problem) ([]Problem, error) {
	fields := row.fields
	for j := range p.joins {
		jp := &p.joins[j]
		v := fields[jp.on]
		if tm.Trim {
			v = strings.TrimSpace(v)
		}
		if mv, ok := jp.spec.Values[v]; ok {
			v = mv
		}
		match := jp.table.rows[v]
		p.match[j], p.matchKinds[j] = match, jp.table.kinds[v]
		if match != nil || v == "" && !jp.spec.Required {
			continue
		}
		if jp.spec.Required {
			reason := fmt.Sprintf("no row of %s has %s = %q (join %s is required)", jp.table.name, jp.spec.Key, v, jp.name)
			if v == "" {
				reason = fmt.Sprintf("empty, and join %s is required", jp.name)
			}
			probs = append(probs, Problem{File: name, Line: row.line, Column: src.Header()[jp.on], Reason: reason})
			continue
		}
		if i, ok := jp.missIndex[v]; ok {
			jp.missRows[i]++
		} else {
			v = strings.Clone(v)
			jp.missIndex[v] = len(jp.missVals)
			jp.missVals = append(jp.missVals, v)
			jp.missRows = append(jp.missRows, 1)
		}
	}
	for i := range p.cols {
		cp := &p.cols[i]
		var v string
		kind := textCell
		switch cp.from {
		case fromNothing:
			rec[i] = ""
			continue
		case fromConstant:
			rec[i] = cp.constant
			continue
		case fromSource:
			v, kind = fields[cp.src], row.kind(cp.src)
		case fromJoin:
			if m := p.match[cp.join]; m != nil {
				v = m[cp.jcol]
				if k := p.matchKinds[cp.join]; cp.jcol < len(k) {
					kind = k[cp.jcol]
				}
			}
		}
		if tm.Trim {
			v = strings.TrimSpace(v)
		}
		if cp.values != nil && v != "" {
			if mv, ok := cp.values[v]; ok {
				v, kind = mv, textCell
			} else if cp.strict && !cp.targets[v] && !slices.Contains(cp.enum, v) {
				probs = append(probs, Problem{File: name, Line: row.line, Column: cp.name,
					Reason: fmt.Sprintf("%q is not in values.%s, and strict_values is set", v, cp.name) + cp.origin()})
				rec[i] = v
				continue
			}
		}
		// A number cell is already a plain decimal: reparsing 2500.75 with decimal "," and
		// group "." would make it 250075.
		if cp.number != nil && v != "" && kind != numberCell {
			out, changed, err := cp.number.parse(v, cp.buf)
			cp.buf = out
			switch {
			case err != nil:
				probs = append(probs, Problem{File: name, Line: row.line, Column: cp.name, Reason: err.Error() + cp.origin()})
			case changed:
				to := bytesView(cp.buf)
				if cp.rewrites == 0 {
					cp.firstRewrite = fmt.Sprintf("%q → %s at %s:%d", v, to, name, row.line)
				}
				cp.rewrites++
				if p.onChange != nil {
					if err := p.onChange(Change{File: name, Line: row.line, Column: cp.name, From: v, To: to}); err != nil {
						return probs, err
					}
				}
				v = to
			default:
				v = bytesView(cp.buf)
			}
		}
		if len(cp.layouts) > 0 && v != "" && kind != dateCell {
			var err error
			v, err = cp.convertDate(v)
			if err != nil {
				probs = append(probs, Problem{File: name, Line: row.line, Column: cp.name, Reason: err.Error() + cp.origin()})
			}
		}
		rec[i] = v
	}
	return probs, nil
}

// origin names the source of the value in a reason, when it is not the canonical column itself.
func (cp *columnPlan) origin() string {
	if cp.desc == "" || cp.desc == cp.name {
		return ""
	}
	return " (from " + cp.desc + ")"
}

// convertDate parses v with the column's layouts and formats it canonically, in the plan's
// scratch buffer (valid until the next row). A value no layout reads, or that two layouts read
// as different dates (03/04/2024 with 01/02/2006 and 02/01/2006), is an error.
func (cp *columnPlan) convertDate(v string) (string, error) {
	var (
		got   time.Time
		which string
		ok    bool
	)
	for _, layout := range cp.layouts {
		t, err := parseLayout(layout, v)
		if err != nil {
			continue
		}
		if ok && !t.Equal(got) {
			return v, fmt.Errorf("%q is ambiguous: layout %q reads %s and layout %q reads %s", v, which, cp.format(got), layout, cp.format(t))
		}
		if !ok {
			got, which, ok = t, layout, true
		}
	}
	if !ok {
		if len(cp.layouts) == 1 {
			if cp.layouts[0] == ExcelLayout {
				return v, fmt.Errorf("%q is not an Excel serial day number", v)
			}
			return v, fmt.Errorf("%q does not match the date layout %q", v, cp.layouts[0])
		}
		return v, fmt.Errorf("%q matches none of the date layouts %s", v, quoteAll(cp.layouts))
	}
	cp.buf = cp.appendFormat(cp.buf[:0], got)
	return bytesView(cp.buf), nil
}

func (cp *columnPlan) appendFormat(b []byte, t time.Time) []byte {
	if cp.kind == Date {
		return t.AppendFormat(b, time.DateOnly)
	}
	return t.UTC().Round(time.Second).AppendFormat(b, time.RFC3339)
}

func (cp *columnPlan) format(t time.Time) string { return string(cp.appendFormat(nil, t)) }

// parseLayout reads v with a Go layout, or as an Excel serial day number.
func parseLayout(layout, v string) (time.Time, error) {
	if layout != ExcelLayout {
		return time.Parse(layout, v)
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return time.Time{}, err
	}
	return excelize.ExcelDateToTime(serial, false)
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}
