package datasets

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/import/want")

func readMapping(t *testing.T, path string) *Mapping {
	t.Helper()
	m, err := ReadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestImportCRMFixture(t *testing.T) {
	m := readMapping(t, "testdata/import/crm.yaml")
	out := t.TempDir()
	rep, err := Import(m, []string{"testdata/import/crm"}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]TableCounts{
		"teams":         {Read: 2, Imported: 2},
		"opportunities": {Read: 11, Imported: 4, Rejected: 7, Warnings: 1, Blank: 1},
	} {
		got := rep.Tables[name].TableCounts
		if got != want {
			t.Errorf("%s counts = %+v, want %+v", name, got, want)
		}
		if got.Read != got.Imported+got.Rejected+got.Merged {
			t.Errorf("%s: read %d != imported + rejected + merged", name, got.Read)
		}
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].Message, `join rep: 1 rows have no match in testdata/import/crm/reps.csv for rep (1 distinct values, e.g. "carol"); team_id, region left empty`) {
		t.Errorf("warnings = %v", rep.Warnings)
	}
	wantProblems := []string{
		`testdata/import/crm/deals-2.csv:3: amount: -1 is negative (from Value)`,
		`testdata/import/crm/deals.csv:2: amount: "1,200" is not a finite number (from Value)`,
		`testdata/import/crm/deals.csv:5: created_date: "13/01/2024" does not match the date layout "01/02/2006" (from Opened)`,
		`testdata/import/crm/deals.csv:6: opportunity_id: duplicate key "D2" (first at line 3, which is kept) (from  Deal ID )`,
		`testdata/import/crm/deals.csv:7: amount: -10 is negative (from Value)`,
		`testdata/import/crm/deals.csv:8: stage: "Pending" is not one of prospecting, qualified, proposal, negotiation, won, lost (from Status)`,
		`testdata/import/crm/deals.csv:11: has 3 fields, want 8 as in the header`,
	}
	var got []string
	for _, p := range rep.Tables["opportunities"].Problems {
		got = append(got, p.String())
	}
	if !reflect.DeepEqual(got, wantProblems) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	for _, f := range []string{"teams.csv", "opportunities.csv", "opportunities.rejects.csv"} {
		golden(t, filepath.Join(out, f), filepath.Join("testdata/import/want", f))
	}
	if _, err := os.Stat(filepath.Join(out, "teams.rejects.csv")); err == nil {
		t.Error("teams.rejects.csv written although no team was rejected")
	}

	// The output reads back with Load without a reject.
	_, lrep, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if c := lrep.Tables["opportunities"].TableCounts; c.Read != 4 || c.Imported != 4 {
		t.Errorf("Load of the import: %+v, want 4 rows read and kept", c)
	}
}

func golden(t *testing.T, gotPath, wantPath string) {
	t.Helper()
	got, err := os.ReadFile(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(wantPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s\nwant:\n%s", gotPath, wantPath, got, want)
	}
}

// TestImportJSONMappingSame reads the JSON twin of the YAML mapping: same schema, same result.
func TestImportJSONMappingSame(t *testing.T) {
	y, j := readMapping(t, "testdata/import/crm.yaml"), readMapping(t, "testdata/import/crm.json")
	if !reflect.DeepEqual(y, j) {
		t.Fatalf("YAML and JSON mappings differ:\n%+v\n%+v", y, j)
	}
}

func TestImportIdempotent(t *testing.T) {
	m := readMapping(t, "testdata/import/crm.yaml")
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b, a} { // a twice: importing over a previous import
		if _, err := Import(m, []string{"testdata/import/crm"}, ImportOptions{Out: dir}); err != nil {
			t.Fatal(err)
		}
	}
	sameDirs(t, a, b)
}

func sameDirs(t *testing.T, a, b string) {
	t.Helper()
	list := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	na, nb := list(a), list(b)
	if !reflect.DeepEqual(na, nb) {
		t.Fatalf("files differ: %q vs %q", na, nb)
	}
	for _, n := range na {
		x, _ := os.ReadFile(filepath.Join(a, n))
		y, _ := os.ReadFile(filepath.Join(b, n))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", n)
		}
	}
}

func TestImportErrors(t *testing.T) {
	write := func(t *testing.T, dir, name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		files   map[string]string
		mapping string
		want    string
	}{
		{
			name:    "no matching source",
			files:   map[string]string{"x.csv": "a\n1\n"},
			mapping: "tables: {revenue: {source: rev.csv}}",
			want:    `no SOURCE file matches "rev.csv" (files: x.csv)`,
		},
		{
			name:    "mapped column missing",
			files:   map[string]string{"rev.csv": "when,total\n2024Q1,5\n"},
			mapping: "tables: {revenue: {source: rev.csv, columns: {period: when, revenue: amount}, constants: {scope: company}}}",
			want:    `rev.csv: header has no column "amount" (for revenue); the header is when,total`,
		},
		{
			name:    "header case without fold",
			files:   map[string]string{"rev.csv": "When,total\n2024Q1,5\n"},
			mapping: "tables: {revenue: {source: rev.csv, columns: {period: when, revenue: total}, constants: {scope: company}}}",
			want:    `header has no column "when"`,
		},
		{
			name:    "empty source",
			files:   map[string]string{"rev.csv": ""},
			mapping: "tables: {revenue: {source: rev.csv, columns: {period: when, revenue: total}, constants: {scope: company}}}",
			want:    "rev.csv: file is empty",
		},
		{
			name: "ambiguous join",
			files: map[string]string{
				"rev.csv": "when,who,total\n2024Q1,a,5\n",
				"who.csv": "who,region\na,East\na,West\n",
			},
			mapping: "tables: {revenue: {source: rev.csv, columns: {period: when, revenue: total, scope_id: w.region}, constants: {scope: region}, joins: {w: {source: who.csv, on: who, key: who}}}}",
			want:    `two different rows for who = "a" (lines 2 and 3)`,
		},
		{
			name:    "sheet on a CSV",
			files:   map[string]string{"rev.csv": "when,total\n2024Q1,5\n"},
			mapping: "tables: {revenue: {source: rev.csv, sheet: S, columns: {period: when, revenue: total}, constants: {scope: company}}}",
			want:    "not an XLSX workbook",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, out := t.TempDir(), t.TempDir()
			for n, body := range tt.files {
				write(t, src, n, body)
			}
			m, err := ParseMapping([]byte(tt.mapping))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Import(m, []string{src}, ImportOptions{Out: out})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a failed import left files: %v", entries)
			}
		})
	}
}

func TestImportOptionalAndIdentity(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(src, "opportunities.csv"), []byte("opportunity_id,stage,created_date,extra\nO1,won,2024-01-01,x\n"), 0o644)
	m, err := ParseMapping([]byte("tables:\n  opportunities: {source: opportunities.csv}\n  tickets: {source: 'tickets*.csv', optional: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(m, []string{src}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Missing, []string{"tickets"}) {
		t.Errorf("Missing = %q, want tickets", rep.Missing)
	}
	c := rep.Tables["opportunities"].TableCounts
	if c.Read != 1 || c.Rejected != 1 || c.Warnings != 1 {
		t.Errorf("counts = %+v, want the row rejected (won without closed_date) and a warning for the extra column", c)
	}
	if p := rep.Tables["opportunities"].Problems[0]; p.Column != "closed_date" {
		t.Errorf("problem = %s, want closed_date", p)
	}
}

// TestImportBadInputLosesNothing imports the bad-rows fixture and a file with a 10 MB line
// through an identity mapping: every row read is imported or in the rejects file with a reason.
func TestImportBadInputLosesNothing(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	rows, err := os.ReadFile("testdata/bad/rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "opportunities-1.csv"), rows, 0o644)
	header := strings.Join(opportunities(t).Header(), ",") + "\n"
	huge := header + "B1,,,,GTX,,proposal,2024-01-05,,\nB2,,,," + strings.Repeat("y", 10<<20) + ",,proposal,2024-01-05,,\nB3,,,,GTX,,proposal,2024-01-06,,\n"
	os.WriteFile(filepath.Join(src, "opportunities-2.csv"), []byte(huge), 0o644)
	m, err := ParseMapping([]byte("tables: {opportunities: {source: 'opportunities-*.csv'}}"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(m, []string{src}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Tables["opportunities"].TableCounts
	if c.Read != 17+3 || c.Imported != 3+2 || c.Rejected != 14+1 {
		t.Errorf("counts = %+v, want read 20 = imported 5 + rejected 15", c)
	}
	rejects := readCSVFile(t, filepath.Join(out, "opportunities.rejects.csv"))
	if len(rejects)-1 != c.Rejected {
		t.Fatalf("rejects file has %d rows, want %d", len(rejects)-1, c.Rejected)
	}
	last := rejects[len(rejects)-1]
	if last[1] != "3" || !strings.Contains(last[2], "longer than the limit") || last[len(last)-1] != "" {
		t.Errorf("10 MB row reject = %.200q", last)
	}
	imported := readCSVFile(t, filepath.Join(out, "opportunities.csv"))
	if len(imported)-1 != c.Imported {
		t.Errorf("output has %d rows, want %d", len(imported)-1, c.Imported)
	}
}

// TestReimportFixedRejects corrects a rejected row in the rejects file and imports that file
// again with the same mapping: the rejects file keeps rows in the source's own columns.
func TestReimportFixedRejects(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	for _, f := range []string{"deals.csv", "reps.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata/import/crm", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(src, f), b, 0o644)
	}
	m := readMapping(t, "testdata/import/crm.yaml")
	if _, err := Import(m, []string{src}, ImportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	rejPath := filepath.Join(out, "opportunities.rejects.csv")
	b, err := os.ReadFile(rejPath)
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(b), ",Pending,", ",Open,", 1)
	if fixed == string(b) {
		t.Fatalf("no Pending row in the rejects file:\n%s", b)
	}
	fixDir := t.TempDir()
	os.WriteFile(filepath.Join(fixDir, "fixed.csv"), []byte(fixed), 0o644)
	m.Tables["opportunities"].Source = "fixed.csv"
	delete(m.Tables, "teams")
	rep, err := Import(m, []string{fixDir, filepath.Join(src, "reps.csv")}, ImportOptions{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Tables["opportunities"].TableCounts
	// Imported: the fixed row, and the former duplicate of D2, whose first row is not in this
	// file.
	if c.Imported != 2 || c.Read != 6 {
		t.Errorf("re-import of the fixed rejects: %+v, want the 6 rejects read, the fixed one and D2 imported", c)
	}
}

// TestImportEuropeanCSV reads a semicolon-separated export with decimal commas and
// day.month.year dates, as spreadsheets in many European locales write them.
func TestImportEuropeanCSV(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	body := "Nr;Phase;Angelegt;Betrag\r\n" +
		"1;Gewonnen;05.01.2024;1.234,50\r\n" +
		"2;Offen;06.01.2024;\r\n" +
		"3;Offen;07.01.2024;12,3,4\r\n"
	os.WriteFile(filepath.Join(src, "chancen.csv"), []byte(body), 0o644)
	m, err := ParseMapping([]byte(`
tables:
  opportunities:
    source: chancen.csv
    delimiter: ";"
    columns: {opportunity_id: Nr, stage: Phase, created_date: Angelegt, closed_date: Angelegt, amount: Betrag}
    values: {stage: {Gewonnen: won, Offen: qualified}}
    dates: {created_date: "02.01.2006", closed_date: "02.01.2006"}
    numbers: {amount: {decimal: ",", group: "."}}
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(m, []string{src}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(out, "opportunities.csv"))
	want := "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\n" +
		"1,,,,,,won,2024-01-05,2024-01-05,1234.50\n" +
		"2,,,,,,qualified,2024-01-06,2024-01-06,\n"
	if string(got) != want {
		t.Errorf("opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if p := rep.Tables["opportunities"].Problems; len(p) != 1 || !strings.Contains(p[0].String(), `chancen.csv:4: amount: "12,3,4" has two decimal separators "," (from Betrag)`) {
		t.Errorf("problems = %v", p)
	}
}
