package datasets

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func opportunities(t testing.TB) *Table {
	t.Helper()
	tb, ok := Lookup("opportunities")
	if !ok {
		t.Fatal("no opportunities table")
	}
	return tb
}

// readTable reads a canonical table file and returns the kept records, the rejects (copied)
// and the reader.
func readTable(t *testing.T, path string, tb *Table, opts ReadOptions) ([][]string, []Reject, *TableReader) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rejects []Reject
	opts.OnReject = func(r *Reject) error {
		c := *r
		c.Problems = slices.Clone(r.Problems)
		c.Fields = cloneStrings(r.Fields)
		c.Raw = slices.Clone(r.Raw)
		c.Header = slices.Clone(r.Header)
		rejects = append(rejects, c)
		return nil
	}
	opts.File = filepath.Base(path)
	tr, err := NewTableReader(f, tb, opts)
	if err != nil {
		t.Fatalf("NewTableReader: %v", err)
	}
	var kept [][]string
	for tr.Next() {
		kept = append(kept, cloneStrings(tr.Record()))
	}
	if err := tr.Err(); err != nil {
		t.Fatal(err)
	}
	return kept, rejects, tr
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.Clone(v)
	}
	return out
}

func TestTableReaderRejectsBadRows(t *testing.T) {
	kept, rejects, tr := readTable(t, "testdata/bad/rows.csv", opportunities(t), ReadOptions{})
	var keptIDs []string
	for _, r := range kept {
		keptIDs = append(keptIDs, r[0])
	}
	if want := []string{"O1", "O10", "O13"}; !slices.Equal(keptIDs, want) {
		t.Errorf("kept %q, want %q", keptIDs, want)
	}
	if got, want := kept[1][4], `GTX "Pro", big`; got != want {
		t.Errorf("quoted product = %q, want %q", got, want)
	}
	// Each rejected row: the line it starts on, the column blamed and part of the reason.
	want := []struct {
		line   int
		column string
		reason string
	}{
		{3, "created_date", `date "2024-13-05"`},
		{4, "created_date", "want YYYY-MM-DD"},
		{5, "amount", "-5 is negative"},
		{6, "amount", `"12k" is not a finite number`},
		{7, "stage", `"Won" is not one of prospecting`},
		{8, "opportunity_id", `duplicate key "O1" (first at line 2`},
		{9, "closed_date", "required when stage is won or lost"},
		{10, "closed_date", "2024-02-01 is before created_date 2024-03-05"},
		{11, "", "has 9 fields, want 10"},
		{14, "product", "bare quote"},
		{15, "opportunity_id", "required value is empty"},
		{16, "amount", `"NaN" is not a finite number`},
		{19, "product", "invalid UTF-8"},
		{20, "created_date", "no such day"},
	}
	if len(rejects) != len(want) {
		for _, r := range rejects {
			t.Log(r.Problems)
		}
		t.Fatalf("got %d rejects, want %d", len(rejects), len(want))
	}
	for i, w := range want {
		r := rejects[i]
		p := r.Problems[0]
		if r.Line != w.line || p.Line != w.line || p.Column != w.column || !strings.Contains(p.Reason, w.reason) {
			t.Errorf("reject %d = %s, want line %d column %q reason containing %q", i, p, w.line, w.column, w.reason)
		}
		if !strings.HasPrefix(p.String(), "rows.csv:") {
			t.Errorf("problem %q is not formatted file:line: column: reason", p)
		}
	}
	rep := tr.Report()
	if rep.Read != 17 || rep.Imported != 3 || rep.Rejected != 14 || rep.Blank != 1 {
		t.Errorf("counts = %+v, want read 17 = imported 3 + rejected 14, 1 blank line", rep.TableCounts)
	}
}

func TestTableReaderFileErrors(t *testing.T) {
	tests := []struct {
		file string
		want string // substring of the error
		is   error
	}{
		{"empty.csv", "file is empty", ErrEmpty},
		{"blank_lines_only.csv", "file is empty", ErrEmpty},
		{"bom_only.csv", "file is empty", ErrEmpty},
		{"missing_columns.csv", "missing required columns stage", nil},
		{"header_case.csv", `"Opportunity_ID" is not "opportunity_id"`, nil},
		{"duplicate_header.csv", `duplicated column names "amount" (columns 4 and 5)`, nil},
		{"utf16.csv", "UTF-16", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata/bad", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = NewTableReader(f, opportunities(t), ReadOptions{File: tt.file})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), tt.file) {
				t.Fatalf("err = %v, want one starting with the file name and containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
		})
	}
}

func TestTableReaderBOMCRLFAndExtraColumn(t *testing.T) {
	kept, rejects, tr := readTable(t, "testdata/bad/bom_crlf_extra_column.csv", opportunities(t), ReadOptions{})
	if len(rejects) != 0 {
		t.Fatalf("rejects: %v", rejects[0].Problems)
	}
	want := [][]string{
		{"O1", "", "", "", "", "", "won", "2024-01-05", "2024-02-01", "10"},
		{"O2", "", "", "", "", "", "proposal", "2024-01-06", "", ""},
	}
	if !slices.EqualFunc(kept, want, slices.Equal) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	w := tr.Warnings()
	if len(w) != 1 || !strings.Contains(w[0].Message, "unknown columns ignored: notes") || tr.Report().Warnings != 1 {
		t.Errorf("warnings = %v, want one about the notes column", w)
	}
}

func TestTableReaderHeaderOnly(t *testing.T) {
	kept, rejects, tr := readTable(t, "testdata/bad/header_only.csv", opportunities(t), ReadOptions{})
	if len(kept)+len(rejects) != 0 || tr.Report().Read != 0 {
		t.Errorf("header-only file: %d kept, %d rejected, want none", len(kept), len(rejects))
	}
}

// TestTableReaderHugeLine writes a file with a 10 MB line between valid rows: the line is
// rejected with its size and offset, the rows after it are read, and the reader's buffer
// stays within the record limit.
func TestTableReaderHugeLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "opportunities.csv")
	header := strings.Join(opportunities(t).Header(), ",") + "\n"
	row1 := "O1,,,,GTX,,proposal,2024-01-05,,\n"
	huge := "O2,,,,"
	huge += strings.Repeat("x", 10<<20) + ",,proposal,2024-01-05,,\n"
	row3 := "O3,,,,GTX,,proposal,2024-01-06,,\n"
	if err := os.WriteFile(path, []byte(header+row1+huge+row3), 0o644); err != nil {
		t.Fatal(err)
	}
	kept, rejects, tr := readTable(t, path, opportunities(t), ReadOptions{})
	if len(kept) != 2 || kept[0][0] != "O1" || kept[1][0] != "O3" {
		t.Errorf("kept %d rows, want O1 and O3", len(kept))
	}
	if len(rejects) != 1 {
		t.Fatalf("got %d rejects, want 1", len(rejects))
	}
	r := rejects[0]
	wantOffset := int64(len(header) + len(row1))
	if r.Line != 3 || r.Offset != wantOffset || r.Raw != nil || r.Fields != nil ||
		!strings.Contains(r.Reason(), "longer than the limit") || !strings.Contains(r.Reason(), "byte offset "+strconv.FormatInt(wantOffset, 10)) {
		t.Errorf("reject = line %d offset %d reason %q raw %d bytes; want line 3, offset %d, a size reason and no copy", r.Line, r.Offset, r.Reason(), len(r.Raw), wantOffset)
	}
	if c := cap(tr.src.(*csvSource).r.buf); c > DefaultMaxRecordBytes+1 {
		t.Errorf("reader buffer grew to %d bytes, want at most %d", c, DefaultMaxRecordBytes+1)
	}
}

// TestRejectsFileLosesNothing writes the rejects of the bad-rows fixture and checks that every
// source record is either kept or recoverable from the rejects file.
func TestRejectsFileLosesNothing(t *testing.T) {
	dir := t.TempDir()
	rw := NewRejectWriter(filepath.Join(dir, "opportunities.rejects.csv"))
	f, err := os.Open("testdata/bad/rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := NewTableReader(f, opportunities(t), ReadOptions{File: "rows.csv", OnReject: rw.Write})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for tr.Next() {
		kept = append(kept, strings.Join(tr.Record(), ","))
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	rf, err := os.Open(rw.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	cr := csv.NewReader(rf)
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	if want := append(append([]string{"reject_file", "reject_line", "reject_reason"}, opportunities(t).Header()...), "reject_raw"); !slices.Equal(header, want) {
		t.Fatalf("rejects header %q, want %q", header, want)
	}
	if len(recs)-1 != tr.Report().Rejected {
		t.Fatalf("rejects file has %d rows, report says %d", len(recs)-1, tr.Report().Rejected)
	}
	// Rebuild every source record from kept rows and rejects, then compare with what
	// encoding/csv reads from the source (the invalid UTF-8 row included).
	var rebuilt []string
	for _, r := range recs[1:] {
		raw := r[len(r)-1]
		if raw == "" {
			rebuilt = append(rebuilt, strings.Join(r[3:len(r)-1], ","))
			continue
		}
		rr := csv.NewReader(strings.NewReader(raw))
		rr.LazyQuotes = true // the bare-quote row
		fields, err := rr.Read()
		if err != nil {
			rebuilt = append(rebuilt, raw)
			continue
		}
		rebuilt = append(rebuilt, strings.Join(fields, ","))
	}
	rebuilt = append(rebuilt, kept...)
	src, _ := os.ReadFile("testdata/bad/rows.csv")
	ref := csv.NewReader(strings.NewReader(string(src)))
	ref.FieldsPerRecord = -1
	ref.LazyQuotes = true
	var want []string
	ref.Read() // header
	for {
		rec, err := ref.Read()
		if err != nil {
			break
		}
		want = append(want, strings.Join(rec, ","))
	}
	slices.Sort(rebuilt)
	slices.Sort(want)
	if !slices.Equal(rebuilt, want) {
		t.Errorf("records rebuilt from kept rows and rejects:\n%q\nwant the source's:\n%q", rebuilt, want)
	}
}

// TestRejectWriterReplacesAtomically checks the rejects file's contract: an earlier rejects
// file stays whole while rejects are written and after Abort, Close puts the new one in its
// place, and no temporary file is left behind either way.
func TestRejectWriterReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "opportunities.rejects.csv")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rj := &Reject{File: "rows.csv", Line: 2, Header: []string{"a"}, Fields: []string{"x"},
		Problems: []Problem{{Column: "a", Reason: "bad"}}}
	content := func() string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	onlyFile := func() {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("directory holds %q, want only the rejects file", names)
		}
	}

	aborted := NewRejectWriter(path)
	if err := aborted.Write(rj); err != nil {
		t.Fatal(err)
	}
	if err := aborted.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := content(); got != "earlier\n" {
		t.Errorf("while writing, the rejects file reads %q, want the earlier one", got)
	}
	aborted.Abort()
	if got := content(); got != "earlier\n" {
		t.Errorf("after Abort the rejects file reads %q, want the earlier one", got)
	}
	onlyFile()

	rw := NewRejectWriter(path)
	defer rw.Abort() // after Close: nothing
	if err := rw.Write(rj); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	got := content()
	if !strings.HasPrefix(got, "reject_file,reject_line,reject_reason,a,reject_raw\n") || !strings.Contains(got, "rows.csv,2,") {
		t.Errorf("after Close the rejects file reads %q, want the new header and the reject", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("rejects file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	onlyFile()
}
