package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"

	"github.com/growthlens/growthlens/internal/atomicfile"
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
//
// The file is written atomically (internal/atomicfile): readers see the previous rejects file
// until Close puts the new one in its place, and Abort leaves the previous one as it was.
type RejectWriter struct {
	file   pendingFile
	w      *csv.Writer
	header []string
	rec    []string
	raw    bytes.Buffer
	n      int
}

// NewRejectWriter returns a writer that will start path on the first Write and put it in
// place on Close.
func NewRejectWriter(path string) *RejectWriter { return &RejectWriter{file: pendingFile{path: path}} }

// Path returns the file written to.
func (w *RejectWriter) Path() string { return w.file.path }

// Count returns the number of rejects written.
func (w *RejectWriter) Count() int { return w.n }

// Write appends one rejected row.
func (w *RejectWriter) Write(rj *Reject) error {
	if !w.file.started() {
		bw, err := w.file.start()
		if err != nil {
			return err
		}
		w.w = csv.NewWriter(bw)
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
		return fmt.Errorf("write %s: %w", w.file.path, err)
	}
	return nil
}

// Flush writes out every reject so far, so that a full disk shows before the caller commits
// anything else; no Write may follow it. It does nothing when no reject was written.
func (w *RejectWriter) Flush() error {
	if !w.file.started() {
		return nil
	}
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return fmt.Errorf("write %s: %w", w.file.path, err)
	}
	return w.file.flush()
}

// Close flushes the file, if one was started, and puts it at its path atomically. It does
// nothing when no reject was written (a rejects file from an earlier run is the caller's to
// remove) or after Abort.
func (w *RejectWriter) Close() error {
	if err := w.Flush(); err != nil {
		w.file.abort()
		return err
	}
	return w.file.commit()
}

// Abort discards what was written, leaving any file at the path as it was. It does nothing
// after Close, so `defer w.Abort()` is safe.
func (w *RejectWriter) Abort() { w.file.abort() }

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
// Like RejectWriter, it is put in place atomically by commit.
type changeWriter struct {
	file pendingFile
	w    recordWriter
	rec  []string
	n    int
}

func (w *changeWriter) write(c Change) error {
	if !w.file.started() {
		bw, err := w.file.start()
		if err != nil {
			return err
		}
		w.w = recordWriter{w: bw}
		if err := w.w.write([]string{"change_file", "change_line", "column", "source_value", "value"}); err != nil {
			return err
		}
	}
	w.n++
	w.rec = append(w.rec[:0], c.File, strconv.Itoa(c.Line), c.Column, c.From, c.To)
	return w.w.write(w.rec)
}

// flush, commit and abort are pendingFile's: see there.
func (w *changeWriter) flush() error  { return w.file.flush() }
func (w *changeWriter) commit() error { return w.file.commit() }
func (w *changeWriter) abort()        { w.file.abort() }

// pendingFile is a CSV file beside a table (rejects, changes) that is started on its first
// record, sealed when its directory has a key (see Seal), and put at its path atomically by
// commit (internal/atomicfile), so that a failed import or push leaves the earlier file as it
// was. Every method does nothing on a file that was never started.
type pendingFile struct {
	path    string
	f       *atomicfile.File
	fw      fileWriter
	bw      *bufio.Writer
	flushed bool
}

func (p *pendingFile) started() bool { return p.f != nil }

// start creates the temporary file (mode 0600: people's data) and returns the buffered
// writer of its (possibly sealed) content.
func (p *pendingFile) start() (*bufio.Writer, error) {
	f, err := atomicfile.Create(p.path, 0o600)
	if err != nil {
		return nil, err
	}
	fw, err := writerFor(f)
	if err != nil {
		f.Abort()
		return nil, err
	}
	p.f, p.fw, p.bw = f, fw, bufio.NewWriterSize(fw, 64<<10)
	return p.bw, nil
}

// flush writes out the buffer and ends the sealed stream; nothing may be written after it.
func (p *pendingFile) flush() error {
	if p.f == nil || p.flushed {
		return nil
	}
	p.flushed = true
	err := p.bw.Flush()
	if ferr := p.fw.Finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	return nil
}

// commit flushes the file and renames it over its path.
func (p *pendingFile) commit() error {
	if p.f == nil {
		return nil
	}
	if err := p.flush(); err != nil {
		p.abort()
		return err
	}
	f := p.f
	p.f = nil
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	return nil
}

// abort removes the temporary file; after commit it does nothing.
func (p *pendingFile) abort() {
	if p.f != nil {
		p.f.Abort()
		p.f = nil
	}
}
