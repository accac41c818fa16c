package rootcause

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	additiveCols = Columns{Dims: []string{"region", "product"}, Actual: "revenue", Expected: "target"}
	ratioCols    = Columns{Dims: []string{"region", "product"}, Numerator: "won", Denominator: "leads",
		ExpectedNumerator: "won_plan", ExpectedDenominator: "leads_plan"}
)

func readFixture(t *testing.T, name string, cols Columns) (*Table, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadCSV(f, cols)
}

// TestReadCSVBadInput pins that every kind of bad leaf file gives an error naming the line and
// column (or the missing thing), never a silent coercion.
func TestReadCSVBadInput(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		cols  Columns
		want  []string // substrings the error must contain
		isNil bool     // the error must wrap ErrNoLeaves
	}{
		{name: "unknown dimension", file: "east_gtx.csv",
			cols: Columns{Dims: []string{"region", "teritory"}, Actual: "revenue", Expected: "target"},
			want: []string{`unknown dimension column "teritory"`, "region, product, channel, revenue, target"}},
		{name: "unknown value column", file: "east_gtx.csv",
			cols: Columns{Dims: []string{"region"}, Actual: "sales", Expected: "target"},
			want: []string{`unknown value column "sales"`}},
		{name: "empty file", file: "bad/empty.csv", cols: additiveCols, want: []string{"empty file"}, isNil: true},
		{name: "header only", file: "bad/header_only.csv", cols: additiveCols, want: []string{"header only"}, isNil: true},
		{name: "negative expected", file: "bad/negative_expected.csv", cols: additiveCols,
			want: []string{"line 3", `column "target"`, "-3 is negative"}},
		{name: "NaN actual", file: "bad/nan_actual.csv", cols: additiveCols,
			want: []string{"line 3", `column "revenue"`, "NaN"}},
		{name: "infinite actual", file: "bad/inf_actual.csv", cols: additiveCols,
			want: []string{"line 3", `column "revenue"`, "infinite"}},
		{name: "non-numeric actual", file: "bad/text_actual.csv", cols: additiveCols,
			want: []string{"line 3", `column "revenue"`, `"ten" is not a number`}},
		{name: "empty actual", file: "bad/empty_actual.csv", cols: additiveCols,
			want: []string{"line 3", `column "revenue"`, "empty value"}},
		{name: "short row", file: "bad/short_row.csv", cols: additiveCols,
			want: []string{"line 3", `column "revenue"`, "missing"}},
		{name: "ratio zero denominator", file: "bad/zero_denominator.csv", cols: ratioCols,
			want: []string{"line 3", `column "won"`, "numerator 3 over a zero denominator"}},
		{name: "ratio zero expected denominator", file: "bad/zero_expected_denominator.csv", cols: ratioCols,
			want: []string{"line 3", `column "won_plan"`, "zero expected denominator"}},
		{name: "both kinds of columns", file: "east_gtx.csv",
			cols: Columns{Dims: []string{"region"}, Actual: "revenue", Expected: "target", Numerator: "revenue"},
			want: []string{"not both"}},
		{name: "half a ratio", file: "east_gtx.csv",
			cols: Columns{Dims: []string{"region"}, Numerator: "revenue", Denominator: "target"},
			want: []string{"needs the numerator, denominator, expected numerator and expected denominator"}},
		{name: "no KPI columns", file: "east_gtx.csv", cols: Columns{Dims: []string{"region"}},
			want: []string{"no KPI columns"}},
		{name: "no dimensions", file: "east_gtx.csv", cols: Columns{Actual: "revenue", Expected: "target"},
			want: []string{"no dimension columns"}},
		{name: "dimension twice", file: "east_gtx.csv",
			cols: Columns{Dims: []string{"region", "region"}, Actual: "revenue", Expected: "target"},
			want: []string{`"region" given twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFixture(t, tt.file, tt.cols)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := errors.Is(err, ErrNoLeaves); got != tt.isNil {
				t.Errorf("errors.Is(err, ErrNoLeaves) = %v, want %v", got, tt.isNil)
			}
		})
	}
}

// TestRankBadTables covers what only Rank can see: totals that make the KPI undefined.
func TestRankBadTables(t *testing.T) {
	tests := []struct {
		name string
		file string
		cols Columns
		want string
	}{
		{"all expected zero", "bad/zero_expected_all.csv", additiveCols, "every expected value is zero"},
		{"all denominators zero", "bad/all_denominators_zero.csv", ratioCols, "every actual denominator is zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := readFixture(t, tt.file, tt.cols)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			_, err = Rank(context.Background(), tb, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Rank error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("empty table", func(t *testing.T) {
		tb, err := NewTable([]string{"region"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Rank(context.Background(), tb, Options{}); !errors.Is(err, ErrNoLeaves) {
			t.Fatalf("Rank(context.Background(), empty) error = %v, want ErrNoLeaves", err)
		}
		if _, err := RankLargestChange(tb, Options{}); !errors.Is(err, ErrNoLeaves) {
			t.Fatalf("RankLargestChange(empty) error = %v, want ErrNoLeaves", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		tb := mustTable(t, []string{"region"}, [][]string{{"East"}, {"West"}}, []float64{1, 2}, []float64{1, 2})
		for _, o := range []Options{{Alpha: 1.5}, {Top: -1}, {MaxDims: -2}, {MinEffect: -1}} {
			if _, err := Rank(context.Background(), tb, o); err == nil {
				t.Errorf("Rank with %+v: got no error", o)
			}
		}
	})
	t.Run("mixed kinds", func(t *testing.T) {
		tb, _ := NewTable([]string{"region"})
		if err := tb.AddAdditive([]string{"East"}, 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := tb.AddRatio([]string{"West"}, 1, 2, 1, 2); err == nil {
			t.Fatal("adding a ratio leaf to an additive table: got no error")
		}
		if err := tb.AddAdditive([]string{"West", "GTX"}, 1, 1); err == nil {
			t.Fatal("adding a leaf with two values to a one-dimension table: got no error")
		}
	})
}

func mustTable(t *testing.T, dims []string, keys [][]string, actual, expected []float64) *Table {
	t.Helper()
	tb, err := NewTable(dims)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if err := tb.AddAdditive(k, actual[i], expected[i]); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}
