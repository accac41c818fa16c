package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxRecordBytes bounds the size of one CSV record (all its physical lines). A longer
// record is rejected with a reason and skipped without being held in memory, and reading goes
// on with the next record.
const DefaultMaxRecordBytes = 1 << 20

// csvReader splits an RFC 4180 CSV stream into records without allocating on the happy path.
//
// Its parsing rules are those of encoding/csv with FieldsPerRecord = -1 (which the fuzz test
// checks): a quote opens a quoted field only as the field's first byte, "" inside a quoted field
// is a quote, \r\n ends a line (and is read as \n inside a quoted field), a lone \r is data,
// empty lines are skipped, a trailing \r before EOF is dropped. Unlike encoding/csv it strips a
// UTF-8 byte order mark, reports the byte offset and raw bytes of every record, bounds the
// memory a record may take, and turns a malformed record (bad quoting, invalid UTF-8, too long)
// into a record error instead of a stream error, so reading goes on with the next record. A
// malformed record ends at the end of the physical line where the problem was found, as in
// encoding/csv.
type csvReader struct {
	r        io.Reader
	buf      []byte
	start    int   // first unread byte in buf
	end      int   // end of data in buf
	base     int64 // stream offset of buf[0]
	eof      bool
	readErr  error // a non-EOF error from r, returned once buf is drained
	max      int
	comma    byte // the field delimiter, ',' unless a mapping says otherwise
	line     int  // line number of buf[start]
	started  bool
	fields   []string
	fieldBuf []byte
	ends     []int
	blank    int // empty lines skipped
}

// csvRecord is one record. fields and raw point into the reader's buffers and are valid only
// until the next call to next.
type csvRecord struct {
	fields []string
	line   int   // physical line where the record starts (1-based)
	offset int64 // byte offset of the record's first byte in the stream
	size   int64 // bytes the record spans, without its line terminator
	raw    []byte
	err    *recordError
}

// recordError is a problem with a record's syntax. field is the 0-based field it was found
// in, or -1 when it concerns the whole record.
type recordError struct {
	field int
	msg   string
	split bool // the record's fields are still exact (only their encoding is wrong)
}

func (e *recordError) Error() string { return e.msg }

var errUTF16 = errors.New("file is UTF-16 encoded; save it as UTF-8")

func newCSVReader(r io.Reader, maxRecord int) *csvReader {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	size := 64 << 10
	if size > maxRecord+1 {
		size = maxRecord + 1
	}
	return &csvReader{r: r, buf: make([]byte, size), max: maxRecord, comma: ',', line: 1}
}

// fill reads more data into buf, first moving the unread bytes from keep on to the front.
// It grows buf when it is full, up to max+1 bytes of unread data. It returns false when
// nothing could be read (EOF, an error, or a full buffer at the limit).
func (r *csvReader) fill(keep int) bool {
	if r.eof {
		return false
	}
	if keep > 0 {
		n := copy(r.buf, r.buf[keep:r.end])
		r.base += int64(keep)
		r.start -= keep
		r.end = n
	}
	if r.end == len(r.buf) {
		if len(r.buf) > r.max {
			return false
		}
		nb := make([]byte, min(2*len(r.buf), r.max+1))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for range 100 {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.readErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.eof, r.readErr = true, io.ErrNoProgress
	return false
}

// next reads the next record into rec. It returns io.EOF after the last record and a non-nil
// error only for I/O failures and UTF-16 input; syntax problems are reported in rec.err.
func (r *csvReader) next(rec *csvRecord) error {
	if !r.started {
		if err := r.skipBOM(); err != nil {
			return err
		}
	}
	for {
		// Skip empty lines, as encoding/csv does.
		for {
			if r.start == r.end && !r.fill(r.start) {
				if r.readErr != nil {
					return r.readErr
				}
				return io.EOF
			}
			c := r.buf[r.start]
			if c == '\n' {
				r.start++
				r.line++
				r.blank++
				continue
			}
			if c == '\r' {
				if r.start+1 == r.end && !r.fill(r.start) {
					// A lone \r before EOF is dropped.
					r.start++
					continue
				}
				if r.buf[r.start+1] == '\n' {
					r.start += 2
					r.line++
					r.blank++
					continue
				}
			}
			break
		}
		if r.fastRecord(rec) {
			return nil
		}
		r.slowRecord(rec)
		return nil
	}
}

func (r *csvReader) skipBOM() error {
	r.started = true
	for r.end-r.start < 3 && r.fill(r.start) {
	}
	b := r.buf[r.start:r.end]
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		r.start += 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return errUTF16
	}
	return nil
}

// fastRecord reads a record that is one physical line without quotes, splitting it in place.
func (r *csvReader) fastRecord(rec *csvRecord) bool {
	nl := bytes.IndexByte(r.buf[r.start:r.end], '\n')
	for nl < 0 {
		if r.end-r.start > r.max || !r.fill(r.start) {
			if r.eof && r.readErr == nil && r.end-r.start <= r.max {
				nl = r.end - r.start // last line without a terminator
				break
			}
			return false
		}
		nl = bytes.IndexByte(r.buf[r.start:r.end], '\n')
	}
	line := r.buf[r.start : r.start+nl]
	if nl > r.max || bytes.IndexByte(line, '"') >= 0 {
		return false
	}
	consumed := nl
	if r.start+nl < r.end {
		consumed++ // the \n
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	r.fields = r.fields[:0]
	for {
		i := bytes.IndexByte(line, r.comma)
		if i < 0 {
			r.fields = append(r.fields, bytesView(line))
			break
		}
		r.fields = append(r.fields, bytesView(line[:i]))
		line = line[i+1:]
	}
	raw := r.buf[r.start : r.start+nl]
	if n := len(raw); n > 0 && raw[n-1] == '\r' {
		raw = raw[:n-1]
	}
	*rec = csvRecord{fields: r.fields, line: r.line, offset: r.base + int64(r.start), size: int64(len(raw)), raw: raw}
	if !utf8.Valid(raw) {
		rec.err = invalidUTF8(r.fields)
	}
	r.start += consumed
	r.line++
	return true
}

// slowRecord reads a record with quotes, or one longer than the buffer, byte by byte. When the
// record grows past max bytes it stops keeping it and only looks for its end.
func (r *csvReader) slowRecord(rec *csvRecord) {
	*rec = csvRecord{line: r.line, offset: r.base + int64(r.start)}
	r.fieldBuf = r.fieldBuf[:0]
	r.ends = r.ends[:0]
	var (
		p          = r.start
		inQuotes   bool
		afterQuote bool // just after the closing quote of a quoted field
		fieldStart = true
		quoteLine  int // line where the open quoted field started
		skipLine   bool
		discard    bool  // the record is too long: only find its end
		dropped    int64 // bytes of the record already thrown away
		lines      int   // \n consumed by the record, its terminator included
		recEnd     int   // end of the record's bytes in buf, before the terminator
	)
	fail := func(field int, msg string) {
		if rec.err == nil {
			rec.err = &recordError{field: field, msg: msg}
		}
		skipLine = true
	}
	// refill reads more input, keeping the record's bytes unless they are being discarded.
	refill := func() bool {
		if discard {
			dropped += int64(p - r.start)
			r.start = p
		}
		old := r.start
		ok := r.fill(r.start)
		p -= old - r.start
		return ok
	}
	// peek returns the byte after p, reading more input as needed.
	peek := func() (byte, bool) {
		if p+1 < r.end || refill() && p+1 < r.end {
			return r.buf[p+1], true
		}
		return 0, false
	}
	appendByte := func(c byte) {
		if !discard {
			r.fieldBuf = append(r.fieldBuf, c)
		}
	}
scan:
	for {
		if p == r.end {
			if !discard && p-r.start > r.max {
				discard = true
			}
			if refill() {
				continue
			}
			if !r.eof {
				discard = true // the buffer is at its limit
				continue
			}
			recEnd = p
			break scan
		}
		c := r.buf[p]
		if skipLine {
			if c == '\n' {
				recEnd = p
				if p > r.start && r.buf[p-1] == '\r' {
					recEnd--
				}
				p++
				lines++
				break scan
			}
			p++
			continue
		}
		if inQuotes {
			switch c {
			case '"':
				if n, ok := peek(); ok && n == '"' {
					appendByte('"')
					p += 2
					continue
				}
				inQuotes, afterQuote = false, true
				p++
			case '\r':
				if n, ok := peek(); ok && n == '\n' {
					appendByte('\n')
					lines++
					p += 2
					continue
				}
				appendByte(c)
				p++
			default:
				// Take the run up to the next quote or CR in one go.
				run := r.buf[p:r.end]
				if i := bytes.IndexAny(run, "\"\r"); i >= 0 {
					run = run[:i]
				}
				lines += bytes.Count(run, []byte{'\n'})
				if !discard {
					r.fieldBuf = append(r.fieldBuf, run...)
				}
				p += len(run)
			}
			continue
		}
		switch c {
		case r.comma:
			r.ends = append(r.ends, len(r.fieldBuf))
			fieldStart, afterQuote = true, false
			p++
			continue
		case '\n':
			recEnd = p
			p++
			lines++
			break scan
		case '\r':
			if n, ok := peek(); !ok || n == '\n' {
				// \r\n ends the record; a \r before EOF is dropped.
				recEnd = p
				p++
				if ok {
					p++
					lines++
				}
				break scan
			}
		}
		switch {
		case afterQuote:
			fail(len(r.ends), `text after the closing quote of a quoted field (a quote inside a quoted field must be doubled: "")`)
		case c == '"' && !fieldStart:
			fail(len(r.ends), `bare quote in an unquoted field (quote the whole field and double the quote: "a ""b"" c")`)
		case c == '"':
			inQuotes, quoteLine, fieldStart = true, r.line+lines, false
			p++
		default:
			appendByte(c)
			fieldStart = false
			p++
		}
	}
	if inQuotes {
		fail(len(r.ends), fmt.Sprintf("quoted field opened on line %d is never closed", quoteLine))
	}
	r.ends = append(r.ends, len(r.fieldBuf))
	rec.size = dropped + int64(recEnd-r.start)
	if discard || rec.size > int64(r.max) {
		rec.err = &recordError{field: -1, msg: fmt.Sprintf("record is %d bytes, longer than the limit of %d bytes; not kept (it starts at byte offset %d)", rec.size, r.max, rec.offset)}
	} else {
		rec.raw = r.buf[r.start:recEnd]
		r.fields = r.fields[:0]
		prev := 0
		for _, e := range r.ends {
			r.fields = append(r.fields, bytesView(r.fieldBuf[prev:e]))
			prev = e
		}
		rec.fields = r.fields
		if rec.err == nil && !utf8.Valid(rec.raw) {
			rec.err = invalidUTF8(r.fields)
		}
	}
	r.start = p
	r.line += lines
}

func invalidUTF8(fields []string) *recordError {
	for i, f := range fields {
		if !utf8.ValidString(f) {
			return &recordError{field: i, msg: fmt.Sprintf("invalid UTF-8 %q; save the file as UTF-8, or name its encoding in the import mapping (encoding: gb18030 for a GBK export)", f), split: true}
		}
	}
	return &recordError{field: -1, msg: "invalid UTF-8; save the file as UTF-8, or name its encoding in the import mapping (encoding: gb18030 for a GBK export)", split: true}
}

// bytesView returns a string sharing b's memory. The caller must not use it after b changes;
// the reader documents its records as valid until the next call.
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
