package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Inputs that real exports contain and an import must not misread (issue 13): a spreadsheet
// whose numeric cells meet a decimal-comma mapping, a title row above the header, a GBK or
// UTF-16 file, a value the mapping does not list, and a column that mixes date formats.

// importOne imports the files in src with the mapping text and returns the report and the
// imported table's CSV.
func importOne(t *testing.T, mapping, src, table string, opts ImportOptions) (*Report, string) {
	t.Helper()
	m, err := ParseMapping([]byte(mapping))
	if err != nil {
		t.Fatal(err)
	}
	opts.Out = t.TempDir()
	rep, err := Import(m, []string{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(opts.Out, table+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	return rep, string(b)
}

func problemsOf(rep *Report, table string) string {
	var out []string
	for _, p := range rep.Tables[table].Problems {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

func warningsOf(rep *Report) string {
	var out []string
	for _, w := range rep.Warnings {
		out = append(out, w.String())
	}
	return strings.Join(out, "\n")
}

const oppHeader = "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\n"

// TestImportXLSXNumbersWithDecimalComma: a numeric cell is already a number, whatever the
// mapping says about text; a text cell is read in the mapping's format, and the rewrite is
// listed; a text cell that is not in that format is rejected, not turned into 250075.
func TestImportXLSXNumbersWithDecimalComma(t *testing.T) {
	src := t.TempDir()
	f := excelize.NewFile()
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"id", "stage", "opened", "amount"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(cell, h)
	}
	rows := [][]any{
		{"O1", "won", "2024-01-05", 2500.75},    // a number cell
		{"O2", "won", "2024-01-05", "2.500,75"}, // text in the mapping's format
		{"O3", "won", "2024-01-05", "2500.75"},  // text in another format: ambiguous
		{"O4", "won", "2024-01-05", 1234567},    // a whole number cell
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			set(cell, v)
		}
	}
	if err := f.SaveAs(filepath.Join(src, "deals.xlsx")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep, got := importOne(t, `
tables:
  opportunities:
    source: deals.xlsx
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: opened, amount: amount}
    numbers: {amount: {decimal: ",", group: "."}}
`, src, "opportunities", ImportOptions{})
	want := oppHeader +
		"O1,,,,,,won,2024-01-05,2024-01-05,2500.75\n" +
		"O2,,,,,,won,2024-01-05,2024-01-05,2500.75\n" +
		"O4,,,,,,won,2024-01-05,2024-01-05,1234567\n"
	if got != want {
		t.Errorf("opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if p := problemsOf(rep, "opportunities"); !strings.Contains(p, `deals.xlsx[Sheet1]:4: amount: "2500.75" does not group digits in threes with "." (first group of 4 digits)`) {
		t.Errorf("problems:\n%s", p)
	}
	if w := warningsOf(rep); !strings.Contains(w, `amount: 1 values rewritten by the number format (decimal ",", group "."), e.g. "2.500,75" → 2500.75 at`) {
		t.Errorf("warnings:\n%s", w)
	}
	if c := rep.Tables["opportunities"].TableCounts; c.Warnings != 1 || c.Rejected != 1 || c.Imported != 3 {
		t.Errorf("counts %+v, want 3 imported, 1 rejected, 1 warning (the rewritten value)", c)
	}
	changes, err := os.ReadFile(rep.Tables["opportunities"].ChangesFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := "change_file,change_line,column,source_value,value\n" + src + "/deals.xlsx[Sheet1],3,amount,\"2.500,75\",2500.75\n"; string(changes) != want {
		t.Errorf("changes file =\n%s\nwant\n%s", changes, want)
	}
}

// TestImportTitleRow: a report title and a blank line above the header are found and skipped
// with a warning, in a CSV and in a workbook; skip_rows says it outright.
func TestImportTitleRow(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("Pipeline report,,\nexported 2024-06-30,,\n\nid,stage,opened\nO1,won,2024-01-05\n"), 0o644)
	mapping := `
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: opened}
`
	rep, got := importOne(t, mapping, src, "opportunities", ImportOptions{})
	if want := oppHeader + "O1,,,,,,won,2024-01-05,2024-01-05,\n"; got != want {
		t.Errorf("opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if w := warningsOf(rep); !strings.Contains(w, "the 2 rows above the header were skipped (a title or notes); the header is id,stage,opened") {
		t.Errorf("warnings:\n%s", w)
	}
	if c := rep.Tables["opportunities"].TableCounts; c.Read != 1 || c.Imported != 1 {
		t.Errorf("counts %+v: the rows above the header are not data", c)
	}

	// skip_rows: 2 says the same; skip_rows: 0 reads the title as the header and fails.
	_, got = importOne(t, strings.Replace(mapping, "source: deals.csv", "source: deals.csv\n    skip_rows: 2", 1), src, "opportunities", ImportOptions{})
	if want := oppHeader + "O1,,,,,,won,2024-01-05,2024-01-05,\n"; got != want {
		t.Errorf("with skip_rows 2: opportunities.csv =\n%s", got)
	}
	m, _ := ParseMapping([]byte(mapping))
	zero := 0
	if _, err := Import(m, []string{src}, ImportOptions{Out: t.TempDir(), SkipRows: &zero}); err == nil || !strings.Contains(err.Error(), `header has no column "id"`) {
		t.Errorf("--skip-rows 0: err = %v, want the title read as the header", err)
	}

	// A workbook with a title in A1.
	f := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "Pipeline report", "A3": "id", "B3": "stage", "C3": "opened", "A4": "O9", "B4": "lost", "C4": "2024-02-01"} {
		f.SetCellValue("Sheet1", cell, v)
	}
	f.SaveAs(filepath.Join(src, "deals.xlsx"))
	f.Close()
	rep, got = importOne(t, strings.Replace(mapping, "deals.csv", "deals.xlsx", 1), src, "opportunities", ImportOptions{})
	if want := oppHeader + "O9,,,,,,lost,2024-02-01,2024-02-01,\n"; got != want {
		t.Errorf("workbook: opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if w := warningsOf(rep); !strings.Contains(w, "the 1 rows above the header were skipped") {
		t.Errorf("workbook warnings:\n%s", w)
	}
}

// TestImportEncodings reads a GBK, a GB18030 and a UTF-16 export of the same table; without
// the encoding the GBK header is refused with a hint.
func TestImportEncodings(t *testing.T) {
	text := "员工编号,岗位,团队,区域,入职日期\nE1,sales,t1,西部,2020-03-01\nE2,hr,t1,东部,2021-05-01\n"
	mapping := `
tables:
  employees:
    source: staff.csv
    encoding: %s
    columns: {employee_id: 员工编号, role: 岗位, team_id: 团队, region: 区域, hire_date: 入职日期}
    values: {region: {西部: West, 东部: East}}
`
	want := "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n" +
		"E1,sales,t1,West,,2020-03-01,,,,\nE2,hr,t1,East,,2021-05-01,,,,\n"
	for _, tc := range []struct {
		name string
		enc  func(string) ([]byte, error)
	}{
		{"gbk", func(s string) ([]byte, error) { return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s)) }},
		{"gb18030", func(s string) ([]byte, error) { return simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s)) }},
		{"utf-16", func(s string) ([]byte, error) {
			return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		}},
		{"utf-16be", func(s string) ([]byte, error) {
			return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			b, err := tc.enc(text)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(src, "staff.csv"), b, 0o644)
			_, got := importOne(t, strings.Replace(mapping, "%s", tc.name, 1), src, "employees", ImportOptions{})
			if got != want {
				t.Errorf("employees.csv =\n%s\nwant\n%s", got, want)
			}
		})
	}

	src := t.TempDir()
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	os.WriteFile(filepath.Join(src, "staff.csv"), b, 0o644)
	m, err := ParseMapping([]byte(strings.Replace(mapping, "encoding: %s", "encoding: utf-8", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(m, []string{src}, ImportOptions{Out: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "name its encoding in the import mapping (encoding: gb18030 for a GBK export)") {
		t.Errorf("GBK read as UTF-8: err = %v, want a hint to name the encoding", err)
	}
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	os.WriteFile(filepath.Join(src, "staff.csv"), u16, 0o644)
	if _, err := Import(m, []string{src}, ImportOptions{Out: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "encoding: utf-16") {
		t.Errorf("UTF-16 read as UTF-8: err = %v, want a hint to name the encoding", err)
	}
	if _, err := ParseMapping([]byte(strings.Replace(mapping, "%s", "latin-1", 1))); err == nil || !strings.Contains(err.Error(), `tables.employees.encoding: "latin-1"; want one of utf-8, gbk`) {
		t.Errorf("unknown encoding: err = %v", err)
	}
}

// TestImportStrictValues: with strict_values a value the map does not list (西北) is rejected
// instead of becoming a new region; canonical values and mapped ones pass.
func TestImportStrictValues(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "staff.csv"), []byte("id,role,team,region,hired\nE1,sales,t1,西部,2020-03-01\nE2,sales,t1,西北,2020-03-01\nE3,sales,t1,East,2020-03-01\nE4,Sales,t1,East,2020-03-01\n"), 0o644)
	mapping := `
tables:
  employees:
    source: staff.csv
    strict_values: true
    columns: {employee_id: id, role: role, team_id: team, region: region, hire_date: hired}
    values: {region: {西部: West, 东部: East}, role: {销售: sales}}
`
	rep, got := importOne(t, mapping, src, "employees", ImportOptions{})
	want := "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n" +
		"E1,sales,t1,West,,2020-03-01,,,,\nE3,sales,t1,East,,2020-03-01,,,,\n"
	if got != want {
		t.Errorf("employees.csv =\n%s\nwant\n%s", got, want)
	}
	wantProbs := []string{
		`staff.csv:3: region: "西北" is not in values.region, and strict_values is set`,
		`staff.csv:5: role: "Sales" is not in values.role, and strict_values is set`,
	}
	p := problemsOf(rep, "employees")
	for _, w := range wantProbs {
		if !strings.Contains(p, w) {
			t.Errorf("problems:\n%s\nwant one containing %s", p, w)
		}
	}
	// Without strict_values the unlisted region passes through, as documented.
	_, got = importOne(t, strings.Replace(mapping, "strict_values: true", "strict_values: false", 1), src, "employees", ImportOptions{})
	if !strings.Contains(got, "E2,sales,t1,西北,") {
		t.Errorf("without strict_values:\n%s", got)
	}
	if _, err := ParseMapping([]byte("tables: {employees: {source: a.csv, strict_values: true}}")); err == nil || !strings.Contains(err.Error(), "strict_values: no column has a values map") {
		t.Errorf("strict_values without values: err = %v", err)
	}
}

// TestImportDateLayouts: a column that mixes ISO and German dates reads with a list of
// layouts; a value two layouts read differently is rejected as ambiguous.
func TestImportDateLayouts(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened,closed\n"+
		"O1,won,2024-01-05,05.02.2024\n"+
		"O2,won,06.01.2024,2024-02-07\n"+
		"O3,won,2024/01/07,2024-02-07\n"), 0o644)
	rep, got := importOne(t, `
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: closed}
    dates:
      created_date: ["2006-01-02", "02.01.2006"]
      closed_date: ["2006-01-02", "02.01.2006"]
`, src, "opportunities", ImportOptions{})
	want := oppHeader + "O1,,,,,,won,2024-01-05,2024-02-05,\nO2,,,,,,won,2024-01-06,2024-02-07,\n"
	if got != want {
		t.Errorf("opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if p := problemsOf(rep, "opportunities"); !strings.Contains(p, `deals.csv:4: created_date: "2024/01/07" matches none of the date layouts "2006-01-02", "02.01.2006" (from opened)`) {
		t.Errorf("problems:\n%s", p)
	}

	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened\nO1,won,13/04/2024\nO2,won,03/04/2024\nO3,won,04/04/2024\n"), 0o644)
	rep, got = importOne(t, `
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: opened}
    dates: {created_date: ["01/02/2006", "02/01/2006"], closed_date: ["01/02/2006", "02/01/2006"]}
`, src, "opportunities", ImportOptions{})
	want = oppHeader + "O1,,,,,,won,2024-04-13,2024-04-13,\nO3,,,,,,won,2024-04-04,2024-04-04,\n"
	if got != want {
		t.Errorf("day/month: opportunities.csv =\n%s\nwant\n%s", got, want)
	}
	if p := problemsOf(rep, "opportunities"); !strings.Contains(p, `deals.csv:3: created_date: "03/04/2024" is ambiguous: layout "01/02/2006" reads 2024-03-04 and layout "02/01/2006" reads 2024-04-03`) {
		t.Errorf("problems:\n%s", p)
	}
	if _, err := ParseMapping([]byte("tables: {opportunities: {source: a.csv, dates: {created_date: [\"2006-01-02\", \"01/02\"]}}}")); err == nil || !strings.Contains(err.Error(), "dates.created_date[1]: layout \"01/02\" does not hold a year") {
		t.Errorf("a list with a bad layout: err = %v", err)
	}
}
