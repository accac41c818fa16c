package datasets

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ImportOptions configures Import.
type ImportOptions struct {
	// Out is the directory the canonical CSVs and rejects files are written to; it is created
	// when missing.
	Out string
	// MaxRecordBytes bounds one CSV record of a source; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// Known holds, per table, the keys the destination table already has: rows with one of
	// them are rejected (importing to append; see MergeFile).
	Known map[string]*TableKeys
	// SkipRows is the number of rows above the header of sources whose mapping does not say
	// (TableMapping.SkipRows); nil looks for the header as TableMapping.SkipRows describes.
	SkipRows *int
}

// Import builds the canonical tables of m from the source files (files, or directories whose
// files are all candidates) and writes Out/<table>.csv for each table of the mapping, plus
// Out/<table>.rejects.csv when rows were rejected (see RejectWriter). Tables the mapping does
// not name are left alone in Out.
//
// Every source row is written, rejected with its reasons, or merged as an exact repeat
// (Distinct): per table, Read = Imported + Rejected + Merged. References between the imported
// tables are checked as in Load and reported as warnings. Output is a function of the mapping
// and the source bytes only, so importing twice gives identical files; each file is written
// under a temporary name and renamed when complete.
//
// Import fails, writing nothing for the failing table, on a file that cannot be read as a
// source: empty, a column the mapping names missing from its header, a duplicated header name,
// a joined file with two different rows for one key.
func Import(m *Mapping, sources []string, opts ImportOptions) (*Report, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if opts.Out == "" {
		return nil, errors.New("import: no output directory")
	}
	files, err := expandSources(sources)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	im := &importer{m: m, files: files, opts: opts, rep: newReport(), joins: make(map[string]*joinTable),
		checked: make(map[string]*checker), outFiles: make(map[string]string)}
	for _, t := range Tables {
		tm := m.Tables[t.Name]
		if tm == nil {
			continue
		}
		if err := im.table(t, tm); err != nil {
			return nil, fmt.Errorf("import %s: %w", t.Name, err)
		}
	}
	for _, w := range crossCheck(im.checked, im.outFiles) {
		im.rep.warn(w)
	}
	return im.rep, nil
}

// expandSources lists the files named, replacing a directory by its regular files, sorted.
func expandSources(sources []string) ([]string, error) {
	if len(sources) == 0 {
		return nil, errors.New("no SOURCE files given")
	}
	var files []string
	for _, s := range sources {
		st, err := os.Stat(s)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, s)
			continue
		}
		entries, err := os.ReadDir(s)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(s, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

func matchFiles(files []string, pattern string) []string {
	var out []string
	for _, f := range files {
		if ok, _ := path.Match(pattern, filepath.Base(f)); ok {
			out = append(out, f)
		}
	}
	return out
}

type importer struct {
	current  string // the table being imported, for warnings about joined files
	m        *Mapping
	files    []string
	opts     ImportOptions
	rep      *Report
	joins    map[string]*joinTable
	checked  map[string]*checker
	outFiles map[string]string
}

// sourceSpec says how to open one source file.
type sourceSpec struct {
	sheet, delimiter, encoding string
	maxRecord                  int
	header                     headerRule
}

func openSource(file string, sp sourceSpec) (source, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".xlsx", ".xlsm":
		if sp.encoding != "" && !strings.EqualFold(sp.encoding, "utf-8") {
			return nil, fmt.Errorf("%s: encoding %s is given but the file is an XLSX workbook, which is always Unicode", file, sp.encoding)
		}
		return openXLSX(file, sp.sheet, sp.header)
	}
	if sp.sheet != "" {
		return nil, fmt.Errorf("%s: a sheet is given but the file is not an XLSX workbook", file)
	}
	comma := byte(',')
	if sp.delimiter == `\t` {
		comma = '\t'
	} else if sp.delimiter != "" {
		comma = sp.delimiter[0]
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	r, err := decoded(f, sp.encoding)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	s, err := newCSVSource(r, file, sp.maxRecord, comma, sp.header)
	if err != nil {
		f.Close()
		if errors.Is(err, errUTF16) {
			err = fmt.Errorf("%w; or name its encoding in the mapping (encoding: utf-16)", err)
		}
		return nil, err
	}
	s.closer = f
	return s, nil
}

// decoded returns f read as UTF-8 from the named encoding (golang.org/x/text decoders; an
// invalid byte sequence becomes U+FFFD, which the reader then shows in the reject).
func decoded(f io.Reader, name string) (io.Reader, error) {
	var dec *encoding.Decoder
	switch strings.ToLower(name) {
	case "", "utf-8":
		return f, nil
	case "gbk":
		dec = simplifiedchinese.GBK.NewDecoder()
	case "gb18030":
		dec = simplifiedchinese.GB18030.NewDecoder()
	case "utf-16":
		dec = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case "utf-16le":
		dec = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case "utf-16be":
		dec = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	default:
		return nil, fmt.Errorf("unknown encoding %q (want one of %s)", name, strings.Join(Encodings, ", "))
	}
	return transform.NewReader(f, dec), nil
}

// headerRule returns where the header of a source is: skip (from the mapping, or the
// import's default) rows above it, or the first row that holds every column in want.
func (im *importer) headerRule(skip *int, want []string, fold bool) headerRule {
	if skip == nil {
		skip = im.opts.SkipRows
	}
	if skip != nil {
		return headerRule{Skip: *skip}
	}
	return headerRule{Skip: -1, Has: func(header []string) bool {
		for _, w := range want {
			if i, err := findColumn(header, w, fold); err != nil || i < 0 {
				return false
			}
		}
		return true
	}}
}

// findColumn returns the position of name in header, matching exactly, or with fold ignoring
// case and surrounding spaces (an ambiguous folded match is an error).
func findColumn(header []string, name string, fold bool) (int, error) {
	for i, h := range header {
		if h == name {
			return i, nil
		}
	}
	if !fold {
		return -1, nil
	}
	at := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			if at >= 0 {
				return -1, fmt.Errorf("columns %q and %q both match %q with header_fold", header[at], h, name)
			}
			at = i
		}
	}
	return at, nil
}

func missingColumn(src source, name, role string) error {
	return fmt.Errorf("%s: header has no column %q (%s); the header is %s", src.Name(), name, role, strings.Join(src.Header(), ","))
}

// joinTable is a joined source file held in memory, by key.
type joinTable struct {
	name   string
	header []string
	rows   map[string][]string
	kinds  map[string][]cellKind // of XLSX rows with a number or date cell
	// skipped counts rows of the joined file that could not be used, with the first problems.
	skipped  int
	problems []Problem
}

func (im *importer) joinTable(j *Join, tm *TableMapping) (*joinTable, error) {
	matches := matchFiles(im.files, j.Source)
	if len(matches) != 1 {
		return nil, fmt.Errorf("join source %q matches %d SOURCE files (%s); want exactly one", j.Source, len(matches), strings.Join(matches, ", "))
	}
	file := matches[0]
	skip := "auto"
	if j.SkipRows != nil {
		skip = strconv.Itoa(*j.SkipRows)
	}
	id := strings.Join([]string{file, j.Sheet, j.Delimiter, j.Encoding, skip, j.Key, strconv.FormatBool(tm.HeaderFold), strconv.FormatBool(tm.Trim)}, "\x00")
	if jt := im.joins[id]; jt != nil {
		return jt, nil
	}
	want := []string{j.Key}
	for _, ref := range sortedKeys(tm.Columns) {
		if jn, jc, ok := tm.joinRef(tm.Columns[ref]); ok && tm.Joins[jn] == j {
			want = append(want, jc)
		}
	}
	src, err := openSource(file, sourceSpec{sheet: j.Sheet, delimiter: j.Delimiter, encoding: j.Encoding, maxRecord: im.opts.MaxRecordBytes,
		header: im.headerRule(j.SkipRows, want, tm.HeaderFold)})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	key, err := findColumn(src.Header(), j.Key, tm.HeaderFold)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name(), err)
	}
	if key < 0 {
		return nil, missingColumn(src, j.Key, "join key")
	}
	jt := &joinTable{name: src.Name(), header: src.Header(), rows: make(map[string][]string), kinds: make(map[string][]cellKind)}
	if n := src.Skipped(); n > 0 {
		im.rep.warn(Warning{Table: im.current, File: src.Name(), Message: headerNote(src)})
	}
	lines := make(map[string]int)
	var row sourceRow
	var probs []Problem
	for {
		err := src.Next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if probs = rowProblems(src.Name(), src.Header(), &row, probs[:0]); len(probs) > 0 {
			jt.skipped++
			if len(jt.problems) < MaxReportedProblems {
				jt.problems = append(jt.problems, probs...)
			}
			continue
		}
		fields := cloneFields(row.fields, tm.Trim)
		k := fields[key]
		if prev, ok := jt.rows[k]; ok {
			if !equalStrings(prev, fields) {
				return nil, fmt.Errorf("%s: two different rows for %s = %q (lines %d and %d); a join key must be unique", src.Name(), j.Key, k, lines[k], row.line)
			}
			continue
		}
		jt.rows[k] = fields
		if slices.ContainsFunc(row.cells, func(c cellKind) bool { return c != textCell }) {
			jt.kinds[k] = slices.Clone(row.cells)
		}
		lines[k] = row.line
	}
	im.joins[id] = jt
	return jt, nil
}

func cloneFields(fields []string, trim bool) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if trim {
			f = strings.TrimSpace(f)
		}
		out[i] = strings.Clone(f)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

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

// sizeProbe is the number of rows after which the key set is sized from the bytes per row.
const sizeProbe = 1024

// table imports one canonical table.
func (im *importer) table(t *Table, tm *TableMapping) error {
	matches := matchFiles(im.files, tm.Source)
	if len(matches) == 0 {
		if tm.Optional {
			im.rep.Missing = append(im.rep.Missing, t.Name)
			return nil
		}
		return fmt.Errorf("no SOURCE file matches %q (files: %s)", tm.Source, strings.Join(baseNames(im.files), ", "))
	}
	im.current = t.Name
	tr := im.rep.table(t.Name)
	tr.Files = matches
	outPath := filepath.Join(im.opts.Out, t.Name+".csv")
	rejPath := filepath.Join(im.opts.Out, t.Name+".rejects.csv")
	chgPath := filepath.Join(im.opts.Out, t.Name+".changes.csv")
	tmpOut, tmpRej := outPath+".tmp", rejPath+".tmp"
	out, err := os.OpenFile(tmpOut, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	ok := false
	rw := NewRejectWriter(tmpRej)
	cwr := &changeWriter{path: chgPath + ".tmp"}
	defer func() {
		if !ok {
			out.Close()
			rw.Close()
			cwr.close()
			os.Remove(tmpOut)
			os.Remove(tmpRej)
			os.Remove(cwr.path)
		}
	}()
	bw := bufio.NewWriterSize(out, 256<<10)
	cw := recordWriter{w: bw}
	if err := cw.write(t.Header()); err != nil {
		return err
	}
	var totalBytes int64
	for _, f := range matches {
		if st, err := os.Stat(f); err == nil {
			totalBytes += st.Size()
		}
	}
	chk := newChecker(t)
	chk.distinct = tm.Distinct
	chk.known = im.opts.Known[t.Name]
	chk.onlyRefsTo(func(table string) bool { return im.m.Tables[table] != nil })
	rec := make([]string, len(t.Columns))
	colAt := make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		colAt[c.Name] = i
	}
	var probs []Problem
	var row sourceRow
	want := tm.sourceColumns(t)
	for _, file := range matches {
		src, err := openSource(file, sourceSpec{sheet: tm.Sheet, delimiter: tm.Delimiter, encoding: tm.Encoding,
			maxRecord: im.opts.MaxRecordBytes, header: im.headerRule(tm.SkipRows, want, tm.HeaderFold)})
		if err != nil {
			return err
		}
		if src.Skipped() > 0 {
			im.rep.warn(Warning{Table: t.Name, File: src.Name(), Message: headerNote(src)})
		}
		p, warnings, err := im.plan(t, tm, src)
		if err != nil {
			src.Close()
			return err
		}
		p.onChange = cwr.write
		for _, w := range warnings {
			im.rep.warn(w)
		}
		name := src.Name()
		for {
			err := src.Next(&row)
			if err == io.EOF {
				break
			}
			if err != nil {
				src.Close()
				return err
			}
			tr.Read++
			if tr.Read == sizeProbe && row.offset > 0 {
				// Size the key set from the bytes per row so far.
				chk.reserve(int(float64(totalBytes)/(float64(row.offset)/sizeProbe)*1.05) + sizeProbe)
			}
			probs = rowProblems(name, src.Header(), &row, probs[:0])
			if len(probs) == 0 {
				if probs, err = p.fill(tm, name, &row, src, rec, probs); err != nil {
					src.Close()
					return err
				}
			}
			merged := false
			if len(probs) == 0 {
				n0 := len(probs)
				probs, merged = chk.check(rec, name, row.line, probs)
				for k := n0; k < len(probs); k++ {
					// Say which source column a rejected value came from.
					if i, ok := colAt[probs[k].Column]; ok {
						probs[k].Reason += p.cols[i].origin()
					}
				}
			}
			switch {
			case len(probs) > 0:
				tr.Rejected++
				tr.addProblems(probs)
				if err := rw.Write(newReject(src, &row, probs)); err != nil {
					src.Close()
					return err
				}
			case merged:
				tr.Merged++
			default:
				tr.Imported++
				if err := cw.write(rec); err != nil {
					src.Close()
					return err
				}
			}
		}
		tr.Blank += src.Blank()
		if err := src.Close(); err != nil {
			return err
		}
		for j := range p.joins {
			im.joinWarnings(t, &p.joins[j], name)
		}
		im.valueWarnings(t, p, name)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := cwr.close(); err != nil {
		return err
	}
	if cwr.n > 0 {
		if err := os.Rename(cwr.path, chgPath); err != nil {
			return err
		}
		tr.ChangesFile = chgPath
	} else if err := os.Remove(chgPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := rw.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmpOut, outPath); err != nil {
		return err
	}
	if rw.Count() > 0 {
		if err := os.Rename(tmpRej, rejPath); err != nil {
			return err
		}
		tr.RejectsFile = rejPath
	} else if err := os.Remove(rejPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	ok = true
	im.checked[t.Name] = chk
	im.outFiles[t.Name] = outPath
	return nil
}

// valueWarnings reports, per column, the values a number format rewrote.
func (im *importer) valueWarnings(t *Table, p *tablePlan, file string) {
	for i := range p.cols {
		cp := &p.cols[i]
		if cp.rewrites > 0 {
			im.rep.warn(Warning{Table: t.Name, File: file, Column: cp.name, Rows: cp.rewrites,
				Message: fmt.Sprintf("%d values rewritten by the number format (decimal %q, group %q), e.g. %s; every one is listed in %s.changes.csv",
					cp.rewrites, cmp.Or(cp.number.Decimal, "."), cp.number.Group, cp.firstRewrite, t.Name)})
		}
	}
}

// headerNote says where a source's header was found.
func headerNote(src source) string {
	return fmt.Sprintf("the %d rows above the header were skipped (a title or notes); the header is %s", src.Skipped(), strings.Join(src.Header(), ","))
}

// sourceColumns returns the source columns the mapping reads from the table's own file: the
// columns it maps (not those of joined files) and the join lookups, or, without a columns
// map, the table's required columns that are not constants. Header detection looks for a row
// holding all of them.
func (tm *TableMapping) sourceColumns(t *Table) []string {
	var out []string
	if len(tm.Columns) == 0 {
		for _, c := range t.Columns {
			if _, isConst := tm.Constants[c.Name]; c.Required && !isConst {
				out = append(out, c.Name)
			}
		}
	}
	for _, target := range sortedKeys(tm.Columns) {
		if _, _, isJoin := tm.joinRef(tm.Columns[target]); !isJoin {
			out = append(out, tm.Columns[target])
		}
	}
	for _, name := range sortedKeys(tm.Joins) {
		out = append(out, tm.Joins[name].On)
	}
	return out
}

func (im *importer) joinWarnings(t *Table, jp *joinPlan, file string) {
	if jt := jp.table; jt.skipped > 0 {
		im.rep.warn(Warning{Table: t.Name, File: jt.name, Rows: jt.skipped,
			Message: fmt.Sprintf("join %s: %d rows of the joined file skipped, e.g. %s", jp.name, jt.skipped, jt.problems[0])})
		jt.skipped = 0 // report once per joined file
	}
	rows := 0
	for _, n := range jp.missRows {
		rows += n
	}
	if rows == 0 {
		return
	}
	eg := jp.missVals[:min(3, len(jp.missVals))]
	quoted := make([]string, len(eg))
	for i, v := range eg {
		quoted[i] = strconv.Quote(v)
	}
	im.rep.warn(Warning{Table: t.Name, File: file, Column: jp.spec.On, Rows: rows,
		Message: fmt.Sprintf("join %s: %d rows have no match in %s for %s (%d distinct values, e.g. %s); %s left empty for them",
			jp.name, rows, jp.table.name, jp.spec.Key, len(jp.missVals), strings.Join(quoted, ", "), strings.Join(jp.used, ", "))})
}

func baseNames(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Base(f)
	}
	return out
}
