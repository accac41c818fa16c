package classify

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestReadCSVDetectsKindsAndMissing(t *testing.T) {
	in := "\xEF\xBB\xBFage,dept,score,note\r\n41,Sales,NA,x\r\n35,,2.5,y\r\n29,R&D,nan,\r\n"
	tb, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tb.Rows(), 3; got != want {
		t.Fatalf("rows = %d, want %d", got, want)
	}
	cases := []struct {
		col     string
		kind    Kind
		missing []bool
	}{
		{"age", Numeric, []bool{false, false, false}},
		{"dept", Categorical, []bool{false, true, false}},
		{"score", Numeric, []bool{true, false, true}},
		{"note", Categorical, []bool{false, false, true}},
	}
	for _, tc := range cases {
		c := tb.Column(tc.col)
		if c == nil {
			t.Fatalf("column %q not found (BOM not stripped?)", tc.col)
		}
		if c.Kind != tc.kind {
			t.Errorf("%s: kind %v, want %v", tc.col, c.Kind, tc.kind)
		}
		for i, want := range tc.missing {
			if got := c.Missing(i); got != want {
				t.Errorf("%s row %d: missing %v, want %v", tc.col, i, got, want)
			}
		}
	}
	if got := tb.Column("score").Num[1]; got != 2.5 {
		t.Errorf("score[1] = %v, want 2.5", got)
	}
}

func TestReadCSVBadInput(t *testing.T) {
	cases := []struct {
		name, in, wantErr string
	}{
		{"empty file", "", "empty file"},
		{"header only", "a,b\r\n", "no data rows"},
		{"infinite value", "a,b\n1,x\nInf,y\n", `line 3 column "a"`},
		{"negative infinity", "a\n-inf\n", "not finite"},
		{"duplicate header", "a,a\n1,2\n", "appears twice"},
		{"ragged row", "a,b\n1\n", "wrong number of fields"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestReadCSVOneRow(t *testing.T) {
	tb, err := ReadCSV(strings.NewReader("x,y\n1,a\n"))
	if err != nil {
		t.Fatalf("a one-row file is readable: %v", err)
	}
	if tb.Rows() != 1 {
		t.Errorf("rows = %d, want 1", tb.Rows())
	}
}

func TestAddNumericRejectsInfinity(t *testing.T) {
	var tb Table
	err := tb.AddNumeric("x", []float64{1, math.Inf(1)})
	if !errors.Is(err, ErrNotFinite) {
		t.Errorf("err = %v, want ErrNotFinite", err)
	}
	if err := tb.AddNumeric("y", []float64{1, math.NaN()}); err != nil {
		t.Errorf("NaN is a missing value, not an error: %v", err)
	}
	if err := tb.AddCategorical("z", []string{"a"}); err == nil {
		t.Error("a column of the wrong length was accepted")
	}
	if err := tb.AddCategorical("y", []string{"a", "b"}); err == nil {
		t.Error("a duplicate column name was accepted")
	}
}

func TestScreen(t *testing.T) {
	n := 30
	id := make([]float64, n)
	code := make([]string, n)
	constant := make([]float64, n)
	empty := make([]float64, n)
	useful := make([]float64, n)
	cat := make([]string, n)
	for i := range id {
		id[i] = float64(1000 + 2*i)
		code[i] = "E" + string(rune('A'+i))
		constant[i] = 80
		empty[i] = math.NaN()
		useful[i] = float64(i % 7)
		cat[i] = []string{"a", "b", "c"}[i%3]
	}
	var tb Table
	for _, err := range []error{
		tb.AddNumeric("employee_number", id), tb.AddCategorical("code", code),
		tb.AddNumeric("standard_hours", constant), tb.AddNumeric("empty", empty),
		tb.AddNumeric("useful", useful), tb.AddCategorical("dept", cat),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	for _, d := range Screen(&tb) {
		got[d.Column] = d.Reason
	}
	for _, col := range []string{"employee_number", "code", "standard_hours", "empty"} {
		if got[col] == "" {
			t.Errorf("%s not flagged", col)
		}
	}
	for _, col := range []string{"useful", "dept"} {
		if got[col] != "" {
			t.Errorf("%s flagged (%s), but it is a useful feature", col, got[col])
		}
	}
}
