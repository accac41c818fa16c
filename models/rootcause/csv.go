package rootcause

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Columns names the CSV columns of a leaf file: the dimensions, and either Actual and Expected
// (additive KPI) or all four of Numerator, Denominator, ExpectedNumerator and
// ExpectedDenominator (ratio KPI).
type Columns struct {
	Dims []string

	Actual, Expected string

	Numerator, Denominator                 string
	ExpectedNumerator, ExpectedDenominator string
}

// Kind reports which KPI kind the columns describe, or an error when they mix or miss the
// additive and ratio column sets.
func (c Columns) Kind() (Kind, error) {
	add := c.Actual != "" || c.Expected != ""
	ratio := c.Numerator != "" || c.Denominator != "" || c.ExpectedNumerator != "" || c.ExpectedDenominator != ""
	switch {
	case add && ratio:
		return 0, errors.New("give either actual and expected (additive KPI) or the four ratio columns, not both")
	case add:
		if c.Actual == "" || c.Expected == "" {
			return 0, errors.New("an additive KPI needs both the actual and the expected column")
		}
		return Additive, nil
	case ratio:
		if c.Numerator == "" || c.Denominator == "" || c.ExpectedNumerator == "" || c.ExpectedDenominator == "" {
			return 0, errors.New("a ratio KPI needs the numerator, denominator, expected numerator and expected denominator columns")
		}
		return Ratio, nil
	}
	return 0, errors.New("no KPI columns given: name actual and expected, or the four ratio columns")
}

// ReadCSV reads leaf rows from a CSV file with a header line. Every error names the line (1 is
// the header) and the column: an unknown column, a missing or non-numeric value, NaN or an
// infinity, a negative value, or a ratio's positive numerator over a zero denominator. A file
// with a header but no rows returns an error wrapping ErrNoLeaves.
func ReadCSV(r io.Reader, cols Columns) (*Table, error) {
	kind, err := cols.Kind()
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("empty file: %w", ErrNoLeaves)
	}
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	pos := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		pos[h] = i
	}
	find := func(role, name string) (int, error) {
		i, ok := pos[name]
		if !ok {
			return 0, fmt.Errorf("unknown %s column %q; the header has: %s", role, name, strings.Join(header, ", "))
		}
		return i, nil
	}
	if len(cols.Dims) == 0 {
		return nil, errors.New("no dimension columns given")
	}
	dimIdx := make([]int, len(cols.Dims))
	for i, d := range cols.Dims {
		if dimIdx[i], err = find("dimension", d); err != nil {
			return nil, err
		}
	}
	var numNames []string
	if kind == Additive {
		numNames = []string{cols.Actual, cols.Expected}
	} else {
		numNames = []string{cols.Numerator, cols.Denominator, cols.ExpectedNumerator, cols.ExpectedDenominator}
	}
	numIdx := make([]int, len(numNames))
	for i, name := range numNames {
		if numIdx[i], err = find("value", name); err != nil {
			return nil, err
		}
	}
	t, err := NewTable(cols.Dims)
	if err != nil {
		return nil, err
	}
	dimVals := make([]string, len(cols.Dims))
	nums := make([]float64, len(numNames))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		for i, j := range dimIdx {
			if j >= len(rec) {
				return nil, fmt.Errorf("line %d: column %q: missing (row has %d fields)", line, cols.Dims[i], len(rec))
			}
			dimVals[i] = strings.TrimSpace(rec[j])
		}
		for i, j := range numIdx {
			if j >= len(rec) {
				return nil, fmt.Errorf("line %d: column %q: missing (row has %d fields)", line, numNames[i], len(rec))
			}
			s := strings.TrimSpace(rec[j])
			if s == "" {
				return nil, fmt.Errorf("line %d: column %q: empty value", line, numNames[i])
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: column %q: %q is not a number", line, numNames[i], s)
			}
			nums[i] = x
		}
		if kind == Additive {
			err = t.AddAdditive(dimVals, nums[0], nums[1])
		} else {
			err = t.AddRatio(dimVals, nums[0], nums[1], nums[2], nums[3])
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, columnHint(err, numNames))
		}
	}
	if t.Len() == 0 {
		return nil, fmt.Errorf("header only: %w", ErrNoLeaves)
	}
	return t, nil
}

// columnHint rewrites a leaf error's field name ("expected", "denominator", …) into the CSV
// column it came from, so the message names what the user typed.
func columnHint(err error, names []string) error {
	var fields []string
	if len(names) == 2 {
		fields = []string{"actual", "expected"}
	} else {
		fields = []string{"numerator", "denominator", "expected numerator", "expected denominator"}
	}
	msg := err.Error()
	// Longest field names first so "expected numerator" wins over "numerator".
	for _, i := range []int{3, 2, 1, 0} {
		if i >= len(fields) {
			continue
		}
		if strings.HasPrefix(msg, fields[i]+" ") {
			return fmt.Errorf("column %q: %s", names[i], msg)
		}
	}
	return err
}
