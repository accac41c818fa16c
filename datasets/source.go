package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// source is a stream of rows from one CSV file or XLSX sheet, after its header.
type source interface {
	// Name names the file (and sheet) in messages.
	Name() string
	Header() []string
	// Next reads the next row; it returns io.EOF after the last one and other errors only for
	// failures that stop reading (I/O).
	Next(*sourceRow) error
	// Blank returns the number of empty lines or rows skipped so far.
	Blank() int
	// Skipped returns the number of non-empty rows above the header (see headerRule).
	Skipped() int
	Close() error
}

// sourceRow is one row of a source. Its slices are valid until the next call to Next.
type sourceRow struct {
	fields []string
	// cells says, per field, what an XLSX cell held (nil for CSV: all text).
	cells  []cellKind
	line   int
	offset int64 // -1 when not a CSV file
	raw    []byte
	err    *recordError
}

// cellKind is what a spreadsheet cell held.
type cellKind uint8

const (
	textCell   cellKind = iota
	numberCell          // a number: its text is already a plain decimal
	dateCell            // a date-formatted number: its text is already YYYY-MM-DD or RFC 3339
)

// kind returns the kind of field i (textCell for a CSV row).
func (r *sourceRow) kind(i int) cellKind {
	if i < len(r.cells) {
		return r.cells[i]
	}
	return textCell
}

// ErrEmpty is returned (wrapped) for a file with no header line.
var ErrEmpty = errors.New("file is empty")

// headerRule says where a source's header is. Skip > 0 skips that many non-empty rows (title
// rows, a report's date line) and takes the next as the header. Skip < 0 looks for it: the
// first of the first maxHeaderScan non-empty rows that Has accepts is the header, and the rows
// above it are skipped; when none is accepted the first row is the header, as with Skip 0.
type headerRule struct {
	Skip int
	Has  func(header []string) bool
}

// maxHeaderScan is how many rows header detection looks at.
const maxHeaderScan = 10

// csvSource reads a CSV file's header and rows.
type csvSource struct {
	name    string
	r       *csvReader
	header  []string
	closer  io.Closer
	rec     csvRecord
	skipped int         // rows above the header
	pending []csvRecord // rows read while looking for the header, to be returned first
}

// newCSVSource reads the header of a CSV stream whose fields are separated by comma, where
// rule says it is.
func newCSVSource(r io.Reader, name string, maxRecord int, comma byte, rule headerRule) (*csvSource, error) {
	s := &csvSource{name: name, r: newCSVReader(r, maxRecord)}
	s.r.comma = comma
	if c, ok := r.(io.Closer); ok {
		s.closer = c
	}
	var seen []csvRecord // rows looked at while detecting, copied
	for {
		err := s.r.next(&s.rec)
		if err == io.EOF {
			if len(seen) > 0 {
				break // no row looks like the header: the first one is it
			}
			if s.skipped > 0 {
				return nil, fmt.Errorf("%s: %w: no header line after the %d rows skipped", name, ErrEmpty, s.skipped)
			}
			return nil, fmt.Errorf("%s: %w: want a header line naming the columns", name, ErrEmpty)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if s.skipped < rule.Skip {
			s.skipped++
			continue
		}
		if rule.Skip >= 0 || rule.Has == nil || s.rec.err == nil && rule.Has(s.rec.fields) {
			s.skipped += len(seen)
			seen = nil
			break
		}
		seen = append(seen, cloneRecord(&s.rec))
		if len(seen) == maxHeaderScan {
			break
		}
	}
	hdr := &s.rec
	if len(seen) > 0 {
		hdr, s.pending = &seen[0], seen[1:]
	}
	if hdr.err != nil {
		return nil, fmt.Errorf("%s:%d: header: %s", name, hdr.line, hdr.err.msg)
	}
	s.header = make([]string, len(hdr.fields))
	for i, f := range hdr.fields {
		s.header[i] = strings.Clone(f)
	}
	if err := checkHeader(name, s.header); err != nil {
		return nil, err
	}
	return s, nil
}

func cloneRecord(r *csvRecord) csvRecord {
	c := *r
	c.fields = make([]string, len(r.fields))
	for i, f := range r.fields {
		c.fields[i] = strings.Clone(f)
	}
	c.raw = bytes.Clone(r.raw)
	if r.err != nil {
		e := *r.err
		c.err = &e
	}
	return c
}

func (s *csvSource) Name() string     { return s.name }
func (s *csvSource) Header() []string { return s.header }
func (s *csvSource) Blank() int       { return s.r.blank }
func (s *csvSource) Skipped() int     { return s.skipped }

func (s *csvSource) Next(row *sourceRow) error {
	if len(s.pending) > 0 {
		s.rec, s.pending = s.pending[0], s.pending[1:]
	} else if err := s.r.next(&s.rec); err != nil {
		if err != io.EOF {
			err = fmt.Errorf("read %s: %w", s.name, err)
		}
		return err
	}
	*row = sourceRow{fields: s.rec.fields, line: s.rec.line, offset: s.rec.offset, raw: s.rec.raw, err: s.rec.err}
	return nil
}

func (s *csvSource) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// checkHeader rejects duplicated column names: which of the columns a value belongs to would
// be a guess. Empty names are allowed (an unnamed index column) and never match a column.
func checkHeader(name string, header []string) error {
	seen := make(map[string]int, len(header))
	var dups []string
	for i, h := range header {
		if h == "" {
			continue
		}
		if j, ok := seen[h]; ok {
			dups = append(dups, fmt.Sprintf("%q (columns %d and %d)", h, j+1, i+1))
			continue
		}
		seen[h] = i
	}
	if len(dups) > 0 {
		return fmt.Errorf("%s: header: duplicated column names %s", name, strings.Join(dups, ", "))
	}
	return nil
}

// rowProblems returns the problems a row has before any value is looked at: a syntax error
// found while reading it, or a field count that differs from the header's.
func rowProblems(name string, header []string, row *sourceRow, probs []Problem) []Problem {
	if e := row.err; e != nil {
		col := ""
		if e.field >= 0 && e.field < len(header) {
			col = header[e.field]
		} else if e.field >= 0 {
			col = fmt.Sprintf("field %d", e.field+1)
		}
		return append(probs, Problem{File: name, Line: row.line, Column: col, Reason: e.msg})
	}
	if len(row.fields) != len(header) {
		return append(probs, Problem{File: name, Line: row.line,
			Reason: fmt.Sprintf("has %d fields, want %d as in the header", len(row.fields), len(header))})
	}
	return probs
}

// newReject builds the Reject for a row of src.
func newReject(src source, row *sourceRow, probs []Problem) *Reject {
	rj := &Reject{File: src.Name(), Line: row.line, Offset: row.offset, Problems: probs, Header: src.Header(), Raw: row.raw}
	if row.err == nil || row.err.split {
		rj.Fields = row.fields
	}
	return rj
}

// headerPositions maps the columns of t to their positions in header (-1 when absent). It
// fails when a required column is missing, with a hint when a column differs only by case or
// surrounding spaces, and returns the header columns that are not in t.
func headerPositions(name string, t *Table, header []string) (pos []int, unknown []string, err error) {
	at := make(map[string]int, len(header))
	for i, h := range header {
		at[h] = i
	}
	pos = make([]int, len(t.Columns))
	var missing, hints []string
	for i, c := range t.Columns {
		j, ok := at[c.Name]
		if !ok {
			j = -1
			if c.Required {
				missing = append(missing, c.Name)
				for _, h := range header {
					if strings.EqualFold(strings.TrimSpace(h), c.Name) {
						hints = append(hints, fmt.Sprintf("%q is not %q", h, c.Name))
					}
				}
			}
		}
		pos[i] = j
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%s: header: missing required columns %s (the header has %s)", name,
			strings.Join(missing, ", "), strings.Join(header, ","))
		if len(hints) > 0 {
			msg += "; names must match exactly: " + strings.Join(hints, ", ") + " (a mapping with header_fold: true matches them)"
		}
		return nil, nil, errors.New(msg)
	}
	for _, h := range header {
		if _, _, ok := t.Column(h); !ok {
			unknown = append(unknown, h)
		}
	}
	sort.Strings(unknown)
	return pos, unknown, nil
}
