package datasets

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Writer writes one canonical table as CSV: the canonical header, then records in canonical
// column order, LF line endings, RFC 4180 quoting. Output is a pure function of the records.
type Writer[T any] struct {
	codec *Codec[T]
	buf   *bufio.Writer
	csv   *csv.Writer
	rec   []string
	f     *os.File
	fw    fileWriter
	n     int
}

// NewWriter writes the header of codec's table to w.
func NewWriter[T any](w io.Writer, codec *Codec[T]) (*Writer[T], error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(codec.Table().Header()); err != nil {
		return nil, err
	}
	return &Writer[T]{codec: codec, buf: bw, csv: cw}, nil
}

// Create creates dir/<table>.csv (replacing it, mode 0600, sealed when dir has a key: see
// Seal) and writes its header.
func Create[T any](dir string, codec *Codec[T]) (*Writer[T], error) {
	path := filepath.Join(dir, codec.Table().Name+".csv")
	f, fw, err := createFile(path)
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(fw, codec)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	w.f, w.fw = f, fw
	return w, nil
}

// Write appends one row.
func (w *Writer[T]) Write(v *T) error {
	w.rec = w.codec.Encode(v, w.rec)
	w.n++
	return w.csv.Write(w.rec)
}

// Count returns the number of rows written so far.
func (w *Writer[T]) Count() int { return w.n }

// Close flushes the rows and closes the file when the writer created it.
func (w *Writer[T]) Close() error {
	w.csv.Flush()
	err := w.csv.Error()
	if ferr := w.buf.Flush(); err == nil {
		err = ferr
	}
	if w.f != nil {
		if ferr := w.fw.Finish(); err == nil {
			err = ferr
		}
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
