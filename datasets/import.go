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

	"github.com/growthlens/growthlens/internal/atomicfile"
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
// Out/<table>.rejects.csv when rows were rejected (see RejectWriter), and the mapping's
// currency to Out's SettingsFile (refused, before anything is written, when Out's settings
// name another). Tables the mapping does not name are left alone in Out.
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
	if err := m.CheckSettings(opts.Out); err != nil {
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
	if err := m.ApplySettings(opts.Out); err != nil {
		return nil, fmt.Errorf("import: %w", err)
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
	f, err := OpenFile(file)
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
	out, err := atomicfile.Create(outPath, 0o600) // people's data: the owner only
	if err != nil {
		return err
	}
	fw, err := writerFor(out)
	if err != nil {
		out.Abort()
		return err
	}
	ok := false
	rw := NewRejectWriter(rejPath)
	cwr := &changeWriter{file: pendingFile{path: chgPath}}
	defer func() {
		if !ok {
			out.Abort()
			rw.Abort()
			cwr.abort()
		}
	}()
	bw := bufio.NewWriterSize(fw, 256<<10)
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
	if err := fw.Finish(); err != nil {
		return err
	}
	// Everything is flushed before the table is put in place, so that a full disk fails the
	// import with the earlier table, rejects and changes as they were; the changes and
	// rejects files follow the table.
	if err := cwr.flush(); err != nil {
		return err
	}
	if err := rw.Flush(); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if err := cwr.commit(); err != nil {
		return err
	}
	if cwr.n > 0 {
		tr.ChangesFile = chgPath
	} else if err := os.Remove(chgPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := rw.Close(); err != nil {
		return err
	}
	if rw.Count() > 0 {
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
