package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// gotRecord is a csvRecord copied out of the reader's buffers.
type gotRecord struct {
	fields []string
	line   int
	offset int64
	size   int64
	raw    string
	err    string
	field  int
}

func readRecords(t testing.TB, r io.Reader, maxRecord int) ([]gotRecord, error) {
	t.Helper()
	cr := newCSVReader(r, maxRecord)
	var out []gotRecord
	for {
		var rec csvRecord
		err := cr.next(&rec)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		g := gotRecord{line: rec.line, offset: rec.offset, size: rec.size, raw: string(rec.raw), field: -2}
		for _, f := range rec.fields {
			g.fields = append(g.fields, strings.Clone(f))
		}
		if rec.err != nil {
			g.err, g.field = rec.err.msg, rec.err.field
		}
		out = append(out, g)
		if len(out) > 1e6 {
			t.Fatal("reader does not make progress")
		}
	}
}

func TestCSVReader(t *testing.T) {
	type rec struct {
		fields []string
		line   int
		err    string // substring of the record error, "" for none
	}
	tests := []struct {
		name string
		in   string
		want []rec
	}{
		{"simple", "a,b\n1,2\n", []rec{{[]string{"a", "b"}, 1, ""}, {[]string{"1", "2"}, 2, ""}}},
		{"no final newline", "a,b\n1,2", []rec{{[]string{"a", "b"}, 1, ""}, {[]string{"1", "2"}, 2, ""}}},
		{"CRLF", "a,b\r\n1,2\r\n", []rec{{[]string{"a", "b"}, 1, ""}, {[]string{"1", "2"}, 2, ""}}},
		{"trailing CR at EOF", "a,b\r\n1,2\r", []rec{{[]string{"a", "b"}, 1, ""}, {[]string{"1", "2"}, 2, ""}}},
		{"lone CR is data", "a\rb,c\n", []rec{{[]string{"a\rb", "c"}, 1, ""}}},
		{"BOM", "\xEF\xBB\xBFa,b\n1,2\n", []rec{{[]string{"a", "b"}, 1, ""}, {[]string{"1", "2"}, 2, ""}}},
		{"empty lines skipped, lines counted", "a\n\n\r\nb\n\n", []rec{{[]string{"a"}, 1, ""}, {[]string{"b"}, 4, ""}}},
		{"empty fields", ",,\n", []rec{{[]string{"", "", ""}, 1, ""}}},
		{"quoted comma and quote", "\"a,b\",\"say \"\"hi\"\"\"\n", []rec{{[]string{"a,b", `say "hi"`}, 1, ""}}},
		{"quoted multi-line", "x,\"l1\nl2\r\nl3\"\ny,z\n", []rec{{[]string{"x", "l1\nl2\nl3"}, 1, ""}, {[]string{"y", "z"}, 4, ""}}},
		{"quoted empty", "\"\",a\n", []rec{{[]string{"", "a"}, 1, ""}}},
		{"quoted CRLF end", "\"a\"\r\nb\r\n", []rec{{[]string{"a"}, 1, ""}, {[]string{"b"}, 2, ""}}},
		{"bare quote rejected, next kept", "a,b\"c\nd,e\n", []rec{{nil, 1, "bare quote"}, {[]string{"d", "e"}, 2, ""}}},
		{"text after quote", "\"a\"b,c\nd\n", []rec{{nil, 1, "after the closing quote"}, {[]string{"d"}, 2, ""}}},
		{"unterminated quote", "a\n\"b,c\nd\n", []rec{{[]string{"a"}, 1, ""}, {nil, 2, "never closed"}}},
		{"invalid UTF-8", "a,\xff\nb,c\n", []rec{{nil, 1, "invalid UTF-8"}, {[]string{"b", "c"}, 2, ""}}},
		{"invalid UTF-8 quoted", "\"\xc3\",x\n", []rec{{nil, 1, "invalid UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time as well, so buffer refills land everywhere.
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, err := readRecords(t, r, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d records %+v, want %d", len(got), got, len(tt.want))
				}
				for i, w := range tt.want {
					g := got[i]
					if g.line != w.line {
						t.Errorf("record %d: line %d, want %d", i, g.line, w.line)
					}
					if w.err != "" {
						if !strings.Contains(g.err, w.err) {
							t.Errorf("record %d: error %q, want one containing %q", i, g.err, w.err)
						}
						continue
					}
					if g.err != "" {
						t.Errorf("record %d: unexpected error %q", i, g.err)
					}
					if !slices.Equal(g.fields, w.fields) {
						t.Errorf("record %d: fields %q, want %q", i, g.fields, w.fields)
					}
				}
			}
		})
	}
}

func TestCSVReaderRawAndOffsets(t *testing.T) {
	in := "\xEF\xBB\xBFid,note\r\n1,\"two\r\nlines\"\r\n2,\"bad\"x\r\n3,\xfe\r\n"
	got, err := readRecords(t, strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d records, want 4", len(got))
	}
	for i, g := range got {
		if g.raw != in[g.offset:g.offset+g.size] {
			t.Errorf("record %d: raw %q, but input at offset %d size %d is %q", i, g.raw, g.offset, g.size, in[g.offset:g.offset+g.size])
		}
	}
	wantRaw := []string{"id,note", "1,\"two\r\nlines\"", "2,\"bad\"x", "3,\xfe"}
	for i, w := range wantRaw {
		if got[i].raw != w {
			t.Errorf("record %d: raw %q, want %q", i, got[i].raw, w)
		}
	}
	if got[3].field != 1 {
		t.Errorf("invalid UTF-8 reported in field %d, want 1", got[3].field)
	}
}

func TestCSVReaderLongRecord(t *testing.T) {
	const limit = 1000
	long := strings.Repeat("x", 5000)
	in := "a,b\n1," + long + "\n2,\"" + long + "\n" + long + "\"\n3,ok\n"
	for _, name := range []string{"whole", "one byte at a time"} {
		t.Run(name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(in)
			if name != "whole" {
				r = iotest.OneByteReader(r)
			}
			got, err := readRecords(t, r, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 {
				t.Fatalf("got %d records, want 4: %+v", len(got), got)
			}
			for i, line := range []int{2, 3} {
				g := got[i+1]
				if !strings.Contains(g.err, "longer than the limit") || g.raw != "" || g.line != line {
					t.Errorf("long record %d: line %d err %q raw %d bytes; want line %d, a length error and no raw", i, g.line, g.err, len(g.raw), line)
				}
				if want := in[g.offset : g.offset+g.size]; !strings.HasPrefix(want, string(rune('1'+i))+",") || !strings.HasSuffix(want, "x") && !strings.HasSuffix(want, `"`) {
					t.Errorf("long record %d: offset %d size %d do not frame it: %.20q…", i, g.offset, g.size, want)
				}
			}
			if last := got[3]; last.err != "" || !slices.Equal(last.fields, []string{"3", "ok"}) || last.line != 5 {
				t.Errorf("record after the long ones = %+v, want 3,ok on line 5", last)
			}
		})
	}
}

func TestCSVReaderUTF16(t *testing.T) {
	_, err := readRecords(t, strings.NewReader("\xff\xfea\x00"), 0)
	if !errors.Is(err, errUTF16) {
		t.Fatalf("err = %v, want %v", err, errUTF16)
	}
}

// checkAgainstEncodingCSV compares the reader with encoding/csv, the reference for RFC 4180
// parsing in Go, on one input. It is shared by the fuzz target and its seed corpus.
func checkAgainstEncodingCSV(t *testing.T, in []byte) {
	t.Helper()
	got, err := readRecords(t, bytes.NewReader(in), 1<<16)
	if err != nil {
		if errors.Is(err, errUTF16) {
			return
		}
		t.Fatalf("read: %v", err)
	}
	// Invariants that hold for every input.
	prevLine := 0
	for i, g := range got {
		if g.line <= prevLine {
			t.Fatalf("record %d starts on line %d, not after the previous record's line %d", i, g.line, prevLine)
		}
		prevLine = g.line
		if g.err == "" && g.raw != string(in[g.offset:g.offset+g.size]) {
			t.Fatalf("record %d: raw %q is not the input at its offset", i, g.raw)
		}
		if g.err == "" && len(g.fields) == 0 {
			t.Fatalf("record %d: no fields and no error", i)
		}
	}
	if bytes.HasPrefix(in, []byte("\xEF\xBB\xBF")) {
		return // encoding/csv keeps the BOM in the first field
	}
	ref := csv.NewReader(bytes.NewReader(in))
	ref.FieldsPerRecord = -1
	var want [][]string
	var wantLines []int
	for {
		rec, err := ref.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// encoding/csv stops at the first malformed record; we must have flagged one.
			for _, g := range got {
				if g.err != "" {
					return
				}
			}
			t.Fatalf("encoding/csv fails (%v) but the reader reports no record error: %+v", err, got)
		}
		line, _ := ref.FieldPos(0)
		want = append(want, rec)
		wantLines = append(wantLines, line)
	}
	for i, g := range got {
		if g.err != "" {
			if strings.Contains(g.err, "UTF-8") {
				return // encoding/csv does not check UTF-8
			}
			t.Fatalf("record %d: error %q where encoding/csv reads %q", i, g.err, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, encoding/csv reads %d: %+v vs %q", len(got), len(want), got, want)
	}
	for i := range want {
		if !slices.Equal(got[i].fields, want[i]) || got[i].line != wantLines[i] {
			t.Fatalf("record %d: %q on line %d, encoding/csv reads %q on line %d", i, got[i].fields, got[i].line, want[i], wantLines[i])
		}
	}
}
