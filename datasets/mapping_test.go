package datasets

import (
	"strings"
	"testing"
)

func TestParseMappingErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "  \n", "mapping is empty"},
		{"unknown key", "tables: {revenue: {source: r.csv, colums: {}}}", "field colums not found"},
		{"unknown top-level key", "tabels: {}", "field tabels not found"},
		{"duplicate key", "tables:\n  revenue: {source: a.csv}\n  revenue: {source: b.csv}\n", `mapping key "revenue" already defined`},
		{"two documents", "tables: {revenue: {source: a.csv}}\n---\ntables: {}\n", "more than one YAML document"},
		{"wrong type", "tables: {revenue: {source: a.csv, trim: maybe}}", "cannot unmarshal"},
		{"version", "version: 2\ntables: {revenue: {source: a.csv}}", "version: 2 is not supported"},
		{"no tables", "version: 1", "tables: no tables"},
		{"unknown table", "tables: {deals: {source: a.csv}}", "tables.deals: no such table"},
		{"no source", "tables: {revenue: {}}", "tables.revenue.source: missing"},
		{"bad pattern", "tables: {revenue: {source: '[a.csv'}}", "not a valid pattern"},
		{"directory in pattern", "tables: {revenue: {source: data/a.csv}}", "contains a directory"},
		{"unknown column", "tables: {revenue: {source: a.csv, columns: {period: p, revenue: r, amount: x}, constants: {scope: company}}}", `tables.revenue.columns.amount: no column "amount" in revenue`},
		{"required column unmapped", "tables: {revenue: {source: a.csv, columns: {period: p}}}", "required column scope has no source column or constant"},
		{"column and constant", "tables: {revenue: {source: a.csv, columns: {period: p, revenue: r, scope: s}, constants: {scope: company}}}", "columns.scope: also set in constants"},
		{"bad constant", "tables: {revenue: {source: a.csv, constants: {scope: planet}}}", `constants.scope: "planet" is not one of company`},
		{"date layout on a number", "tables: {revenue: {source: a.csv, dates: {revenue: '2006'}}}", "dates.revenue: revenue is a number column"},
		{"date layout without year", "tables: {opportunities: {source: a.csv, dates: {created_date: '01/02'}}}", `layout "01/02" does not hold a year`},
		{"join without key", "tables: {revenue: {source: a.csv, joins: {j: {source: b.csv, on: x}}}}", "joins.j.key: missing"},
		{"join name with a dot", "tables: {revenue: {source: a.csv, joins: {'a.b': {source: b.csv, on: x, key: y}}}}", "no dot"},
		{"undeclared join", "tables: {revenue: {source: a.csv, columns: {period: p, revenue: r, scope_id: agnt.region}, constants: {scope: region}, joins: {agent: {source: b.csv, on: x, key: y}}}}", `no join named "agnt"`},
		{"value map on a constant", "tables: {revenue: {source: a.csv, constants: {scope: company}, values: {scope: {a: b}}}}", "value maps apply to source values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseMappingListsEveryProblem(t *testing.T) {
	_, err := ParseMapping([]byte("tables: {revenue: {columns: {nope: x}}, deals: {source: a.csv}}"))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"tables.deals: no such table", "tables.revenue.source: missing", "tables.revenue.columns.nope: no column"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestParseMappingValues(t *testing.T) {
	m, err := ParseMapping([]byte(`
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: st, created_date: d}
    values:
      stage: {1: won, no: lost, "Closed Won": won}
`))
	if err != nil {
		t.Fatal(err)
	}
	// Keys are read as the text they are written as: 1 and no stay strings, not numbers or booleans.
	got := m.Tables["opportunities"].Values["stage"]
	if got["1"] != "won" || got["no"] != "lost" || got["Closed Won"] != "won" {
		t.Errorf("values = %q", got)
	}
}

func TestNumberFormat(t *testing.T) {
	tests := []struct {
		format  NumberFormat
		in      string
		want    string
		changed bool
		err     string
	}{
		{NumberFormat{Decimal: ",", Group: "."}, "1.234,50", "1234.50", true, ""},
		{NumberFormat{Decimal: ",", Group: "."}, "1.234.567", "1234567", true, ""},
		{NumberFormat{Decimal: ",", Group: "."}, "2500,75", "2500.75", true, ""},
		{NumberFormat{Decimal: ",", Group: "."}, "12", "12", false, ""},
		{NumberFormat{Decimal: ",", Group: " "}, "-1 234 567,5", "-1234567.5", true, ""},
		{NumberFormat{Decimal: ",", Group: " "}, "1\u00a0234,5", "1234.5", true, ""},
		{NumberFormat{Decimal: ",", Group: " "}, "1\u202f234", "1234", true, ""},
		{NumberFormat{Group: ","}, "1,200", "1200", true, ""},
		{NumberFormat{Group: ","}, "+1,200.5", "1200.5", true, ""},
		{NumberFormat{Group: ","}, "1200.5", "1200.5", false, ""},
		{NumberFormat{Group: "'"}, "1'200.25", "1200.25", true, ""},
		{NumberFormat{Decimal: ","}, "3,5", "3.5", true, ""},
		{NumberFormat{Decimal: ","}, "1.234,5", "", false, "neither the decimal separator"},
		// The issue-13 case: a plain 2500.75 read with decimal "," and group "." was 250075.
		{NumberFormat{Decimal: ",", Group: "."}, "2500.75", "", false, "first group of 4 digits"},
		{NumberFormat{Decimal: ",", Group: "."}, "1.5", "", false, "last group of 1 digits"},
		{NumberFormat{Decimal: ",", Group: "."}, "1.23,5", "", false, "a group of 2 digits before the decimal separator"},
		{NumberFormat{Decimal: ",", Group: "."}, "1.2345", "", false, "last group of 4 digits"},
		{NumberFormat{Group: ","}, "1,23", "", false, "last group of 2 digits"},
		{NumberFormat{Group: ","}, ",123", "", false, "first group of 0 digits"},
		{NumberFormat{Decimal: ",", Group: "."}, "1,2,3", "", false, "two decimal separators"},
		{NumberFormat{Decimal: ",", Group: "."}, "1,2.3", "", false, "group separator"},
		{NumberFormat{Decimal: ",", Group: "."}, "1,", "", false, "ends with the decimal separator"},
		{NumberFormat{Decimal: ",", Group: "."}, "-", "", false, "no digits"},
		{NumberFormat{Decimal: ",", Group: "."}, "1e5", "", false, "is not a number written with"},
		{NumberFormat{Decimal: ",", Group: "."}, "€ 12", "", false, "is not a number written with"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, changed, err := tt.format.parse(tt.in, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parse(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want || changed != tt.changed {
				t.Fatalf("parse(%q) = %q, changed %v, %v; want %q, changed %v", tt.in, got, changed, err, tt.want, tt.changed)
			}
		})
	}
	_, err := ParseMapping([]byte("tables: {opportunities: {source: a.csv, numbers: {amount: {decimal: ',', group: ','}, stage: {group: ','}}}}"))
	for _, want := range []string{"numbers.amount: the group and decimal separators are the same", "numbers.stage: stage is a enum column"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one containing %q", err, want)
		}
	}
}
