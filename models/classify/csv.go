package classify

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// missingTokens are the cell texts read as a missing value (compared after trimming spaces,
// case-insensitively). "NaN" is among them: in a CSV it means "no value", not a number.
var missingTokens = map[string]bool{"": true, "na": true, "n/a": true, "nan": true, "null": true, "none": true, "?": true}

func isMissingToken(s string) bool { return missingTokens[strings.ToLower(s)] }

// ReadCSV reads a CSV file with a header row into a Table. A UTF-8 byte-order mark and CRLF line
// endings are accepted. Each column's kind is detected: a column is Numeric when every
// non-missing cell parses as a number, Categorical otherwise. Missing cells are "", NA, N/A,
// NaN, null, None and ? (any case). A numeric column holding Inf or -Inf is an error naming the
// line. A file without data rows is an error.
func ReadCSV(r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("read csv: empty file")
	}
	if err != nil {
		return nil, fmt.Errorf("read csv header: %w", err)
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("read csv header: column %d has no name", i+1)
		}
		if seen[h] {
			return nil, fmt.Errorf("read csv header: column %q appears twice", h)
		}
		seen[h] = true
		header[i] = h
	}
	cells := make([][]string, len(header))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		for j := range header {
			cells[j] = append(cells[j], strings.TrimSpace(rec[j]))
		}
	}
	if len(cells) == 0 || len(cells[0]) == 0 {
		return nil, errors.New("read csv: no data rows after the header")
	}
	t := &Table{}
	for j, name := range header {
		col := cells[j]
		if num, ok := parseNumeric(col); ok {
			for i, x := range num {
				if math.IsInf(x, 0) {
					// Line numbers count the header as line 1.
					return nil, fmt.Errorf("read csv: line %d column %q: %w (%s)", i+2, name, ErrNotFinite, col[i])
				}
			}
			if err := t.AddNumeric(name, num); err != nil {
				return nil, fmt.Errorf("read csv: %w", err)
			}
			continue
		}
		for i, s := range col {
			if isMissingToken(s) {
				col[i] = ""
			}
		}
		if err := t.AddCategorical(name, col); err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
	}
	return t, nil
}

// parseNumeric parses every cell as a number; ok is false when any non-missing cell is not one.
// A column with no non-missing cell is reported as numeric (all NaN).
func parseNumeric(col []string) ([]float64, bool) {
	out := make([]float64, len(col))
	for i, s := range col {
		if isMissingToken(s) {
			out[i] = math.NaN()
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

// Drop is a column that Screen advises leaving out, with the reason in words.
type Drop struct {
	Column string
	Reason string
}

// Screen finds columns that cannot help a classifier and should be left out before fitting:
// columns with no values, constant columns, and identifier-like columns. A column is
// identifier-like when it is categorical with a distinct value on (nearly) every row, or when
// it holds distinct integers on every row spanning at most twice the row count (a row counter
// or employee number). Screen only advises; callers decide, and should tell the user.
func Screen(t *Table) []Drop {
	var out []Drop
	n := t.Rows()
	for _, c := range t.Columns() {
		distinct, present := countDistinct(&c)
		switch {
		case present == 0:
			out = append(out, Drop{c.Name, "every value is missing"})
		case distinct == 1:
			out = append(out, Drop{c.Name, fmt.Sprintf("constant (%q on every non-missing row)", firstPresent(&c))})
		case n >= 20 && c.Kind == Categorical && float64(distinct) >= 0.9*float64(present):
			out = append(out, Drop{c.Name, fmt.Sprintf("identifier-like (%d distinct labels in %d rows)", distinct, present)})
		case n >= 20 && c.Kind == Numeric && present == n && distinct == n && integerRun(c.Num):
			out = append(out, Drop{c.Name, "identifier-like (distinct integers on every row)"})
		}
	}
	return out
}

func countDistinct(c *Column) (distinct, present int) {
	if c.Kind == Numeric {
		seen := map[float64]struct{}{}
		for _, v := range c.Num {
			if !math.IsNaN(v) {
				present++
				seen[v] = struct{}{}
			}
		}
		return len(seen), present
	}
	seen := map[string]struct{}{}
	for _, s := range c.Cat {
		if s != "" {
			present++
			seen[s] = struct{}{}
		}
	}
	return len(seen), present
}

func firstPresent(c *Column) string {
	for i := 0; i < c.Len(); i++ {
		if !c.Missing(i) {
			return c.String(i)
		}
	}
	return ""
}

// integerRun reports whether all values are integers within a range at most twice their count.
func integerRun(v []float64) bool {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	for _, x := range s {
		if x != math.Trunc(x) {
			return false
		}
	}
	return s[len(s)-1]-s[0]+1 <= 2*float64(len(s))
}
