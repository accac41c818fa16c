package datasets

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// ReadOptions configures a TableReader. The zero value is usable.
type ReadOptions struct {
	// File names the input in messages; the default is the table's file name (opportunities.csv).
	File string
	// MaxRecordBytes bounds one record; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// OnReject receives every rejected row; its slices are valid only during the call. An
	// error stops reading and is returned by Err. When nil, rejects are only counted.
	OnReject func(*Reject) error
	// Known, when set, are the keys the destination table holds: rows with one of them are
	// rejected (appending; see MergeFile).
	Known *TableKeys
}

// TableReader streams the valid rows of one canonical table from a CSV file, in the style of
// bufio.Scanner:
//
//	tr, err := datasets.NewTableReader(f, table, datasets.ReadOptions{OnReject: save})
//	if err != nil { … }          // empty file, missing required columns, duplicated header
//	for tr.Next() {
//		rec := tr.Record()      // canonical column order; valid until the next call to Next
//	}
//	if err := tr.Err(); err != nil { … }
//
// Header names must match the table's column names exactly; extra columns are ignored with a
// warning. Every row is either returned by Next or rejected (with file:line: column: reason
// problems) — never dropped or changed. Memory does not grow with the number of rows except
// for the set of keys seen, which duplicate detection needs.
type TableReader struct {
	t        *Table
	src      source
	pos      []int
	rec      []string
	chk      *checker
	opts     ReadOptions
	report   TableReport
	warnings []Warning
	row      sourceRow
	probs    []Problem
	err      error
	done     bool
}

// NewTableReader reads the header of a CSV stream of table t. It fails on an empty stream, a
// header that lacks a required column or repeats a name, and UTF-16 input.
func NewTableReader(r io.Reader, t *Table, opts ReadOptions) (*TableReader, error) {
	if opts.File == "" {
		opts.File = t.Name + ".csv"
	}
	src, err := newCSVSource(r, opts.File, opts.MaxRecordBytes, ',', headerRule{})
	if err != nil {
		return nil, err
	}
	return newTableReader(src, t, opts)
}

func newTableReader(src source, t *Table, opts ReadOptions) (*TableReader, error) {
	pos, unknown, err := headerPositions(src.Name(), t, src.Header())
	if err != nil {
		return nil, err
	}
	tr := &TableReader{t: t, src: src, pos: pos, rec: make([]string, len(t.Columns)), chk: newChecker(t), opts: opts}
	tr.chk.known = opts.Known
	tr.report.Files = []string{src.Name()}
	if len(unknown) > 0 {
		tr.warnings = append(tr.warnings, Warning{Table: t.Name, File: src.Name(),
			Message: fmt.Sprintf("unknown columns ignored: %s (the table's columns are %s)", strings.Join(unknown, ", "), strings.Join(t.Header(), ", "))})
		tr.report.Warnings++
	}
	return tr, nil
}

// Next advances to the next valid row, rejecting invalid rows on the way. It returns false at
// the end of the input or when reading fails (see Err).
func (tr *TableReader) Next() bool {
	if tr.done {
		return false
	}
	for {
		err := tr.src.Next(&tr.row)
		if err != nil {
			tr.done = true
			tr.report.Blank = tr.src.Blank()
			if err != io.EOF {
				tr.err = err
			}
			return false
		}
		tr.report.Read++
		row := &tr.row
		tr.probs = rowProblems(tr.src.Name(), tr.src.Header(), row, tr.probs[:0])
		if len(tr.probs) == 0 {
			for i, j := range tr.pos {
				if j >= 0 {
					tr.rec[i] = row.fields[j]
				} else {
					tr.rec[i] = ""
				}
			}
			tr.probs, _ = tr.chk.check(tr.rec, tr.src.Name(), row.line, tr.probs)
		}
		if len(tr.probs) == 0 {
			tr.report.Imported++
			return true
		}
		tr.report.Rejected++
		tr.report.addProblems(tr.probs)
		if tr.opts.OnReject != nil {
			if err := tr.opts.OnReject(newReject(tr.src, row, tr.probs)); err != nil {
				tr.done, tr.err = true, err
				return false
			}
		}
	}
}

// Record returns the current row in canonical column order (absent optional columns are
// empty). The strings point into the reader's buffer: copy (strings.Clone) what you keep
// beyond the next call to Next.
func (tr *TableReader) Record() []string { return tr.rec }

// Line returns the physical line where the current row starts.
func (tr *TableReader) Line() int { return tr.row.line }

// Err returns the error that stopped reading, if any. Rejected rows are not errors.
func (tr *TableReader) Err() error { return tr.err }

// Report returns the counts so far and the first reject problems.
func (tr *TableReader) Report() *TableReport { return &tr.report }

// Warnings returns the warnings about the file (unknown columns).
func (tr *TableReader) Warnings() []Warning { return tr.warnings }

// Close closes the underlying file when the reader opened it.
func (tr *TableReader) Close() error { return tr.src.Close() }

// OpenTable opens dir/<table>.csv for reading. Close the reader when done.
func OpenTable(dir string, t *Table, opts ReadOptions) (*TableReader, error) {
	path := filepath.Join(dir, t.Name+".csv")
	f, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	if opts.File == "" {
		opts.File = path
	}
	tr, err := NewTableReader(f, t, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return tr, nil
}
