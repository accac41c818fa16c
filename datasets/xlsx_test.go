package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeWorkbook builds a workbook the way spreadsheet users store data: a notes sheet first,
// a header below an empty row, dates as formatted serial numbers, a number with a thousands
// format, a boolean cell, an empty row and a value right of the header.
func writeWorkbook(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Notes"))
	must(f.SetCellValue("Notes", "A1", "exported from the CRM"))
	_, err := f.NewSheet("Deals")
	must(err)
	builtinDate, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	isoFmt := "yyyy-mm-dd"
	customDate, err := f.NewStyle(&excelize.Style{CustomNumFmt: &isoFmt})
	must(err)
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	must(err)
	stampFmt := "yyyy-mm-dd hh:mm:ss"
	stamp, err := f.NewStyle(&excelize.Style{CustomNumFmt: &stampFmt})
	must(err)

	day := func(s string) time.Time {
		d, err := ParseDate(s)
		must(err)
		return d
	}
	set := func(sheet, cell string, v any, style int) {
		t.Helper()
		must(f.SetCellValue(sheet, cell, v))
		if style != 0 {
			must(f.SetCellStyle(sheet, cell, cell, style))
		}
	}
	for i, h := range []string{"id", "opened", "closed", "stage", "amount"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		set("Deals", cell, h, 0)
	}
	set("Deals", "A3", "O1", 0)
	set("Deals", "B3", day("2024-01-05"), builtinDate)
	set("Deals", "C3", day("2024-02-01"), customDate)
	set("Deals", "D3", "won", 0)
	set("Deals", "E3", 1054.5, money)
	// Row 4 is empty.
	set("Deals", "A5", "O2", 0)
	set("Deals", "B5", day("2024-03-01"), builtinDate)
	set("Deals", "D5", "proposal", 0)
	set("Deals", "A6", "O3", 0)
	set("Deals", "B6", "soon", 0)
	set("Deals", "D6", "proposal", 0)
	set("Deals", "A7", "O4", 0)
	set("Deals", "B7", day("2024-03-02"), builtinDate)
	set("Deals", "D7", "proposal", 0)
	set("Deals", "G7", "stray", 0)

	_, err = f.NewSheet("Accounts")
	must(err)
	set("Accounts", "A1", "account", 0)
	set("Accounts", "B1", "since", 0)
	set("Accounts", "A2", "A1", 0)
	set("Accounts", "B2", 45296, 0) // a serial day number without a date format

	_, err = f.NewSheet("Tickets")
	must(err)
	for i, h := range []string{"ticket_id", "opened_at", "escalated", "satisfaction"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set("Tickets", cell, h, 0)
	}
	set("Tickets", "A2", "T1", 0)
	set("Tickets", "B2", time.Date(2024, 1, 5, 9, 30, 0, 0, time.UTC), stamp)
	set("Tickets", "C2", true, 0)
	set("Tickets", "D2", 4, 0)
	must(f.SaveAs(path))
}

func TestImportXLSX(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	book := filepath.Join(src, "export.xlsx")
	writeWorkbook(t, book)
	m, err := ParseMapping([]byte(`
tables:
  opportunities:
    source: export.xlsx
    sheet: Deals
    columns: {opportunity_id: id, created_date: opened, closed_date: closed, stage: stage, amount: amount}
  accounts:
    source: export.xlsx
    sheet: Accounts
    columns: {account_id: account, start_date: since}
    dates: {start_date: excel}
  tickets:
    source: export.xlsx
    sheet: Tickets
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(m, []string{book}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Tables["opportunities"].TableCounts; c.Read != 4 || c.Imported != 2 || c.Rejected != 2 || c.Blank != 1 {
		t.Errorf("opportunities counts = %+v, want 4 read, 2 imported, 2 rejected, 1 empty row", c)
	}
	wantFiles := map[string]string{
		"opportunities.csv": "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount\n" +
			"O1,,,,,,won,2024-01-05,2024-02-01,1054.5\n" +
			"O2,,,,,,proposal,2024-03-01,,\n",
		"accounts.csv": "account_id,region,segment,industry,start_date,churn_date\nA1,,,,2024-01-05,\n",
		"tickets.csv": "ticket_id,account_id,agent_id,opened_at,first_response_at,resolved_at,category,priority,satisfaction,escalated\n" +
			"T1,,,2024-01-05T09:30:00Z,,,,,4,true\n",
	}
	for name, want := range wantFiles {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s =\n%s\nwant\n%s", name, got, want)
		}
	}
	probs := rep.Tables["opportunities"].Problems
	if len(probs) != 2 ||
		probs[0].String() != book+`[Deals]:6: created_date: date "soon": want YYYY-MM-DD (from opened)` ||
		probs[1].Line != 7 || !strings.Contains(probs[1].Reason, "column G, right of the header's last column") {
		t.Errorf("problems = %v", probs)
	}
	rejects, err := os.ReadFile(filepath.Join(out, "opportunities.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rejects), `"O4,2024-03-02,,proposal,,,stray"`) {
		t.Errorf("the stray value is lost from the rejects file:\n%s", rejects)
	}
}

func TestXLSXSheetErrors(t *testing.T) {
	src := t.TempDir()
	book := filepath.Join(src, "export.xlsx")
	writeWorkbook(t, book)
	if _, err := openXLSX(book, "Nope", headerRule{}); err == nil || !strings.Contains(err.Error(), `no sheet "Nope" (sheets: Notes, Deals, Accounts, Tickets)`) {
		t.Errorf("missing sheet: err = %v", err)
	}
	// Without a sheet the first one is read: its "header" is the note, so the import fails
	// naming what it found.
	m, err := ParseMapping([]byte("tables: {opportunities: {source: export.xlsx, columns: {opportunity_id: id, created_date: opened, stage: stage}}}"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(m, []string{book}, ImportOptions{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `[Notes]: header has no column "id"`) {
		t.Errorf("first sheet: err = %v", err)
	}
}

func TestFormatCodeDateKind(t *testing.T) {
	tests := []struct {
		code string
		want dateStyle
	}{
		{"yyyy-mm-dd", dateOnly},
		{"d/m/yy", dateOnly},
		{"yyyy-mm-dd hh:mm", dateTime},
		{"[$-409]mmmm d, yyyy", dateOnly},
		{`#,##0.00 "days"`, notDate},
		{"0.00%", notDate},
		{"[h]:mm", notDate},
		{"mm:ss", notDate}, // a duration or time of day, no date
		{"General", notDate},
		{`0.0;[Red]-0.0`, notDate},
	}
	for _, tt := range tests {
		if got := formatCodeDateKind(tt.code); got != tt.want {
			t.Errorf("%q: got %d, want %d", tt.code, got, tt.want)
		}
	}
}
