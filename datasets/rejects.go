package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// Columns a rejects file adds around the source's own columns.
const (
	RejectFileColumn   = "reject_file"
	RejectLineColumn   = "reject_line"
	RejectReasonColumn = "reject_reason"
	RejectRawColumn    = "reject_raw"
)

// RejectWriter writes rejected rows to a CSV file (by convention <table>.rejects.csv beside the
// output), created on the first reject so that a clean import leaves no file. Its columns are
// reject_file, reject_line, reject_reason, then the source file's own columns holding the
// row's fields, then reject_raw.
//
// Nothing is lost: when the row's fields line up with the source header they fill the source
// columns and can be fixed and imported again (the reject_ columns are then unknown columns,
// ignored with a warning); otherwise — a wrong field count, bad quoting, a row from a source
// with another header — reject_raw holds the record's exact text. A record longer than the
// size limit is not copied: its reason gives its byte offset in the source file.
type RejectWriter struct {
	path   string
	f      *os.File
	fw     fileWriter
	bw     *bufio.Writer
	w      *csv.Writer
	header []string
	rec    []string
	raw    bytes.Buffer
	n      int
}

// NewRejectWriter returns a writer that will create path on the first Write.
func NewRejectWriter(path string) *RejectWriter { return &RejectWriter{path: path} }

// Path returns the file written to.
func (w *RejectWriter) Path() string { return w.path }

// Count returns the number of rejects written.
func (w *RejectWriter) Count() int { return w.n }

// Write appends one rejected row.
func (w *RejectWriter) Write(rj *Reject) error {
	if w.f == nil {
		f, fw, err := createFile(w.path)
		if err != nil {
			return err
		}
		w.f, w.fw = f, fw
		w.bw = bufio.NewWriterSize(fw, 64<<10)
		w.w = csv.NewWriter(w.bw)
		w.header = slices.Clone(rj.Header)
		if err := w.w.Write(rejectHeader(w.header)); err != nil {
			return err
		}
	}
	w.rec = append(w.rec[:0], rj.File, strconv.Itoa(rj.Line), rj.Reason())
	lined := rj.Fields != nil && len(rj.Fields) == len(w.header) && slices.Equal(rj.Header, w.header)
	for i := range w.header {
		v := ""
		if lined {
			v = rj.Fields[i]
		}
		w.rec = append(w.rec, v)
	}
	raw := ""
	switch {
	case lined:
	case rj.Raw != nil:
		raw = string(rj.Raw)
	case rj.Fields != nil:
		w.raw.Reset()
		cw := csv.NewWriter(&w.raw)
		if err := cw.Write(rj.Fields); err != nil {
			return err
		}
		cw.Flush()
		raw = string(bytes.TrimSuffix(w.raw.Bytes(), []byte{'\n'}))
	}
	w.rec = append(w.rec, raw)
	w.n++
	if err := w.w.Write(w.rec); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// Close flushes and closes the file, if one was created.
func (w *RejectWriter) Close() error {
	if w.f == nil {
		return nil
	}
	w.w.Flush()
	err := w.w.Error()
	if ferr := w.bw.Flush(); err == nil {
		err = ferr
	}
	if ferr := w.fw.Finish(); err == nil {
		err = ferr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// rejectHeader puts the reject_ columns around the source header, renaming source columns
// that already carry one of those names (a rejects file imported again) with a "source_"
// prefix so that no name repeats.
func rejectHeader(src []string) []string {
	h := []string{RejectFileColumn, RejectLineColumn, RejectReasonColumn}
	taken := map[string]bool{RejectFileColumn: true, RejectLineColumn: true, RejectReasonColumn: true, RejectRawColumn: true}
	for _, c := range src {
		for taken[c] {
			c = "source_" + c
		}
		taken[c] = true
		h = append(h, c)
	}
	return append(h, RejectRawColumn)
}

// changeWriter writes the values an import rewrote (see Change) to a CSV file, by convention
// <table>.changes.csv beside the output, created on the first change: columns change_file,
// change_line, column, source_value, value.
type changeWriter struct {
	path string
	f    *os.File
	fw   fileWriter
	bw   *bufio.Writer
	w    recordWriter
	rec  []string
	n    int
}

func (w *changeWriter) write(c Change) error {
	if w.f == nil {
		f, fw, err := createFile(w.path)
		if err != nil {
			return err
		}
		w.f, w.fw, w.bw = f, fw, bufio.NewWriterSize(fw, 64<<10)
		w.w = recordWriter{w: w.bw}
		if err := w.w.write([]string{"change_file", "change_line", "column", "source_value", "value"}); err != nil {
			return err
		}
	}
	w.n++
	w.rec = append(w.rec[:0], c.File, strconv.Itoa(c.Line), c.Column, c.From, c.To)
	return w.w.write(w.rec)
}

func (w *changeWriter) close() error {
	if w.f == nil {
		return nil
	}
	err := w.bw.Flush()
	if ferr := w.fw.Finish(); err == nil {
		err = ferr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
