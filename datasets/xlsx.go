package datasets

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// xlsxSource reads one sheet of an XLSX workbook as a source: the header is the first row with
// a non-empty cell, rows are numbered as in the sheet, and empty rows are skipped.
//
// Cells are read raw (without their number format, so 1,054.00 reads 1054) except that a
// number formatted as a date becomes YYYY-MM-DD, or an RFC 3339 UTC timestamp when its format
// shows a time, and a boolean cell becomes true or false. A number stored without a date format
// stays a number; a mapping's `excel` date layout converts it.
//
// excelize holds the sheet in memory to look up cell styles, so XLSX suits exports up to a few
// hundred thousand rows; export larger tables as CSV.
type xlsxSource struct {
	name     string
	f        *excelize.File
	sheet    string
	rows     *excelize.Rows
	rowNum   int
	header   []string
	date1904 bool
	isDate   map[int]dateStyle
	blank    int
	skipped  int // non-empty rows above the header
	fields   []string
	kinds    []cellKind // of the cells nextCells returned
	pending  []xlsxRow  // rows read while looking for the header, to be returned first
	cur      []cellKind
}

// xlsxRow is a row held back while looking for the header.
type xlsxRow struct {
	num   int
	cells []string
	kinds []cellKind
}

type dateStyle uint8

const (
	notDate dateStyle = iota + 1
	dateOnly
	dateTime
)

func openXLSX(path, sheet string, rule headerRule) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s, err := newXLSXSource(f, path, sheet, rule)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func newXLSXSource(f *excelize.File, path, sheet string, rule headerRule) (*xlsxSource, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: workbook has no sheets", path)
	}
	if sheet == "" {
		sheet = sheets[0]
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		return nil, fmt.Errorf("%s: no sheet %q (sheets: %s)", path, sheet, strings.Join(sheets, ", "))
	}
	s := &xlsxSource{name: path + "[" + sheet + "]", f: f, sheet: sheet, isDate: make(map[int]dateStyle)}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	s.rows = rows
	var seen []xlsxRow
	for {
		cells, err := s.nextCells()
		if err == io.EOF {
			if len(seen) > 0 {
				break // no row looks like the header: the first one is it
			}
			if s.skipped > 0 {
				return nil, fmt.Errorf("%s: %w: no header row after the %d rows skipped", s.name, ErrEmpty, s.skipped)
			}
			return nil, fmt.Errorf("%s: %w: want a header row naming the columns", s.name, ErrEmpty)
		}
		if err != nil {
			return nil, err
		}
		if cells == nil {
			continue
		}
		for len(cells) > 0 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		if s.skipped < rule.Skip {
			s.skipped++
			continue
		}
		if rule.Skip >= 0 || rule.Has == nil || rule.Has(cells) {
			s.skipped += len(seen)
			seen = nil
			s.header = cells
			break
		}
		seen = append(seen, xlsxRow{s.rowNum, slices.Clone(cells), slices.Clone(s.kinds)})
		if len(seen) == maxHeaderScan {
			break
		}
	}
	hdrRow := s.rowNum
	if len(seen) > 0 {
		s.header, s.pending, hdrRow = seen[0].cells, seen[1:], seen[0].num
	}
	s.blank = 0 // empty rows above the header are not blank data rows
	for _, h := range s.header {
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("%s:%d: header: invalid UTF-8 %q", s.name, hdrRow, h)
		}
	}
	if err := checkHeader(s.name, s.header); err != nil {
		return nil, err
	}
	return s, nil
}

// nextCells returns the next row's converted cells, nil for an empty row, io.EOF at the end.
func (s *xlsxSource) nextCells() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, fmt.Errorf("read %s: %w", s.name, err)
		}
		return nil, io.EOF
	}
	s.rowNum++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read %s row %d: %w", s.name, s.rowNum, err)
	}
	empty := true
	s.kinds = s.kinds[:0]
	for i, v := range cells {
		s.kinds = append(s.kinds, textCell)
		if v == "" {
			continue
		}
		empty = false
		cv, kind, err := s.convert(i, v)
		if err != nil {
			return nil, err
		}
		cells[i], s.kinds[i] = cv, kind
	}
	if empty {
		s.blank++
		return nil, nil
	}
	return cells, nil
}

// convert turns a raw cell value into its text — dates and booleans as the canonical tables
// write them, everything else as stored — and says whether the cell held a number (its text
// is then a plain decimal, which no number format should reparse) or a date.
func (s *xlsxSource) convert(col int, v string) (string, cellKind, error) {
	if v != "0" && v != "1" && !looksNumeric(v) {
		return v, textCell, nil
	}
	cell, err := excelize.CoordinatesToCellName(col+1, s.rowNum)
	if err != nil {
		return "", textCell, err
	}
	kind := textCell
	switch ct, err := s.f.GetCellType(s.sheet, cell); {
	case err != nil:
	case ct == excelize.CellTypeBool && (v == "0" || v == "1"):
		return strconv.FormatBool(v == "1"), textCell, nil
	case ct == excelize.CellTypeUnset || ct == excelize.CellTypeNumber:
		kind = numberCell
	}
	if kind != numberCell {
		return v, textCell, nil
	}
	styleID, err := s.f.GetCellStyle(s.sheet, cell)
	if err != nil || styleID == 0 {
		return v, numberCell, nil
	}
	ds, ok := s.isDate[styleID]
	if !ok {
		ds = notDate
		if st, err := s.f.GetStyle(styleID); err == nil {
			ds = styleDateKind(st)
		}
		s.isDate[styleID] = ds
	}
	if ds == notDate {
		return v, numberCell, nil
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(serial) || math.IsInf(serial, 0) {
		return v, numberCell, nil
	}
	t, err := excelize.ExcelDateToTime(serial, s.date1904)
	if err != nil {
		return v, numberCell, nil
	}
	if ds == dateOnly {
		return FormatDate(t), dateCell, nil
	}
	return FormatTimestamp(t.Round(time.Second)), dateCell, nil
}

func looksNumeric(v string) bool {
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// styleDateKind tells whether a cell style's number format shows a date, a date and time,
// or neither. Built-in formats 14–17 are dates and 22 a date and time; 27–36 and 50–58 are
// East Asian dates. Time-only and duration formats (18–21, 45–47) are not dates.
func styleDateKind(st *excelize.Style) dateStyle {
	switch n := st.NumFmt; {
	case n >= 14 && n <= 17, n >= 27 && n <= 36, n >= 50 && n <= 58:
		return dateOnly
	case n == 22:
		return dateTime
	}
	if st.CustomNumFmt == nil {
		return notDate
	}
	return formatCodeDateKind(*st.CustomNumFmt)
}

// formatCodeDateKind reads a custom number format code: quoted text, escaped characters and
// [bracketed] parts (colours, locales, elapsed [h]) are skipped; y or d marks a date, and h or
// s a time of day.
func formatCodeDateKind(code string) dateStyle {
	var date, clock bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++
		case '[':
			for i++; i < len(code) && code[i] != ']'; i++ {
			}
		case ';':
			i = len(code) // only the first section formats positive numbers
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'h', 'H', 's', 'S':
			clock = true
		}
	}
	switch {
	case date && clock:
		return dateTime
	case date:
		return dateOnly
	}
	return notDate
}

func (s *xlsxSource) Name() string     { return s.name }
func (s *xlsxSource) Header() []string { return s.header }
func (s *xlsxSource) Blank() int       { return s.blank }
func (s *xlsxSource) Skipped() int     { return s.skipped }

func (s *xlsxSource) Next(row *sourceRow) error {
	for {
		var cells []string
		line := s.rowNum
		if len(s.pending) > 0 {
			p := s.pending[0]
			s.pending = s.pending[1:]
			cells, s.kinds, line = p.cells, p.kinds, p.num
		} else {
			var err error
			if cells, err = s.nextCells(); err != nil {
				return err
			}
			line = s.rowNum
		}
		if cells == nil {
			continue
		}
		*row = sourceRow{line: line, offset: -1}
		n := len(s.header)
		// Cells past the header's last column must be empty: a value there belongs to no column.
		for i := n; i < len(cells); i++ {
			if cells[i] != "" {
				name, _ := excelize.ColumnNumberToName(i + 1)
				row.fields = cells
				row.err = &recordError{field: -1, msg: fmt.Sprintf("has a value in column %s, right of the header's last column", name), split: true}
				return nil
			}
		}
		s.fields = append(s.fields[:0], cells[:min(n, len(cells))]...)
		s.cur = append(s.cur[:0], s.kinds[:min(n, len(s.kinds))]...)
		for len(s.fields) < n {
			s.fields = append(s.fields, "")
		}
		for len(s.cur) < n {
			s.cur = append(s.cur, textCell)
		}
		row.fields, row.cells = s.fields, s.cur
		for i, v := range s.fields {
			if !utf8.ValidString(v) {
				row.err = &recordError{field: i, msg: fmt.Sprintf("invalid UTF-8 %q", v), split: true}
				break
			}
		}
		return nil
	}
}

func (s *xlsxSource) Close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
