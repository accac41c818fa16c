package datasets

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzReadCSV checks the CSV reader against encoding/csv and the canonical table reader's
// accounting (every row kept or rejected with a reason) on arbitrary input. Its seed corpus is
// testdata/fuzz/FuzzReadCSV plus the cases below; go test runs them all.
func FuzzReadCSV(f *testing.F) {
	header := "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\n"
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n1,2\r\n", "\"a\nb\",c\n", "a,\"b\"\"c\"\n", "a,b\"c\n", "\"a\"b\n", "\"abc", "\n\n\r\n", "a\r", "\xEF\xBB\xBFa\n", "a,\xff\n", "\"\"\"\"", ",\r\r\n",
		header + "O1,,,,,,won,2024-01-01,2024-01-02,5\nO1,,,,,,won,2024-01-01,,5\n",
	} {
		f.Add([]byte(s))
	}
	tb, _ := Lookup("opportunities")
	f.Fuzz(func(t *testing.T, in []byte) {
		checkAgainstEncodingCSV(t, in)

		var rejected int
		tr, err := NewTableReader(bytes.NewReader(in), tb, ReadOptions{MaxRecordBytes: 4096, OnReject: func(r *Reject) error {
			rejected++
			if len(r.Problems) == 0 || r.Line < 2 {
				t.Fatalf("reject without a problem or on the header line: %+v", r)
			}
			for _, p := range r.Problems {
				if p.Reason == "" || p.Line != r.Line {
					t.Fatalf("problem %+v of a reject on line %d", p, r.Line)
				}
			}
			return nil
		}})
		if err != nil {
			return // a file-level error (empty, bad header) is a valid answer
		}
		kept := 0
		for tr.Next() {
			kept++
			for i, c := range tb.Columns {
				if err := c.Check(tr.Record()[i]); err != nil {
					t.Fatalf("kept a row with %s: %v", c.Name, err)
				}
			}
		}
		if err := tr.Err(); err != nil {
			t.Fatal(err)
		}
		c := tr.Report()
		if c.Read != kept+rejected || c.Imported != kept || c.Rejected != rejected {
			t.Fatalf("counts %+v: %d kept + %d rejected", c.TableCounts, kept, rejected)
		}
	})
}

// FuzzParseMapping checks that any input either fails with an error or gives a valid mapping
// that survives a round trip through YAML unchanged.
func FuzzParseMapping(f *testing.F) {
	for _, s := range []string{
		"tables: {revenue: {source: r.csv, constants: {scope: company}}}",
		"tables:\n  opportunities:\n    source: '*.csv'\n    columns: {opportunity_id: id, stage: s, created_date: d, region: j.r}\n    dates: {created_date: 02.01.2006}\n    joins: {j: {source: x.csv, on: a, key: b, values: {x: y}, required: true}}\n",
		`{"tables": {"teams": {"source": "t.csv", "distinct": true}}}`,
		"tables: {revenue: {source: '['}}", "version: 3", "tables: [1, 2]", "&a [*a]", "tables: {revenue: null}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseMapping(in)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed mapping fails Validate: %v", err)
		}
		out, err := yaml.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		m2, err := ParseMapping(out)
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfails: %v", out, err)
		}
		if !reflect.DeepEqual(normalizeMapping(m), normalizeMapping(m2)) {
			t.Fatalf("round trip changed the mapping:\n%+v\n%+v", m, m2)
		}
	})
}

// normalizeMapping treats empty and absent maps alike, as a YAML round trip may not keep the
// difference.
func normalizeMapping(m *Mapping) string {
	b, _ := yaml.Marshal(m)
	return string(b)
}

// FuzzNumberFormat checks NumberFormat.parse on arbitrary text in every format a mapping
// allows: a value it accepts is a plain decimal that strconv reads, keeps the digits and
// sign of the text in order, and written back in the format with digits grouped in threes
// reads the same; a value it rejects says why.
func FuzzNumberFormat(f *testing.F) {
	for _, s := range []string{"1.234,50", "2500.75", "1,200", "-1 234,5", "1\u00a0234", "1'200.25", "+,5", "1..2", ",", "12e3", "007", "1.234.567,891", "९"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(5))
	}
	formats := []NumberFormat{{}, {Decimal: ","}, {Group: ","}, {Decimal: ",", Group: "."}, {Decimal: ",", Group: " "},
		{Group: "'"}, {Decimal: ",", Group: "'"}, {Group: " "}, {Decimal: ".", Group: ","}}
	f.Fuzz(func(t *testing.T, in string, which uint8) {
		nf := formats[int(which)%len(formats)]
		out, changed, err := nf.parse(in, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), strconv.Quote(in)) {
				t.Fatalf("error %q does not start with the value %q", err, in)
			}
			return
		}
		got := string(out)
		if changed != (got != in) {
			t.Fatalf("parse(%q) = %q, changed %v", in, got, changed)
		}
		if _, err := strconv.ParseFloat(got, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			t.Fatalf("parse(%q) = %q, which strconv does not read: %v", in, got, err)
		}
		if strings.Trim(got, "-0123456789.") != "" || strings.Count(got, ".") > 1 || strings.LastIndex(got, "-") > 0 {
			t.Fatalf("parse(%q) = %q is not a plain decimal", in, got)
		}
		digitsOf := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '-' {
					return r
				}
				return -1
			}, s)
		}
		if digitsOf(got) != digitsOf(in) {
			t.Fatalf("parse(%q) = %q changed the digits or the sign", in, got)
		}
		// Written back in the format (groups of three), it reads the same.
		dec, group := ".", nf.Group
		if nf.Decimal != "" {
			dec = nf.Decimal
		}
		intPart, frac, hasFrac := strings.Cut(strings.TrimPrefix(got, "-"), ".")
		var b strings.Builder
		if strings.HasPrefix(got, "-") {
			b.WriteByte('-')
		}
		for i, c := range intPart {
			if group != "" && i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(c)
		}
		if hasFrac {
			b.WriteString(dec + frac)
		}
		again, _, err := nf.parse(b.String(), nil)
		if err != nil || string(again) != got {
			t.Fatalf("parse(%q) = %q; written back as %q it reads %q, %v", in, got, b.String(), again, err)
		}
	})
}
