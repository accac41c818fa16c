// Package evaluation scores forecasting methods on held-out data the way the M3 and M4
// competitions did: it reads train/test files in the long layout of ../shared/data/m3 or the
// wide M4 layout, forecasts every series with a forecast.Method or the Auto combination, and
// reports sMAPE, MASE, OWA against Naive2, interval coverage and MSIS.
//
// It is the library behind `growthlens evaluate forecast` and `make bench-forecast`. It must
// not fit anything on the test values: test files are read only to score forecasts made from
// the training files.
package evaluation

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/models/forecast"
)

// Item is one series read from a file.
type Item struct {
	ID     string
	Series forecast.Series
	// firstT is the 1-based index of the first value in the long layout (0 when unknown); a
	// test file's series must continue its training series.
	firstT int
}

// ErrFormat reports a file that does not follow the layout it was read as.
var ErrFormat = errors.New("bad evaluation file")

// ReadLong reads the long layout id,t,year,quarter,y (or id,t,year,month,y for monthly data):
// one row per observation, rows of a series consecutive and in time order. A header row naming
// the columns is required; other columns are ignored. Missing periods, repeated or unordered
// t, and non-numeric or non-finite values are errors naming the line.
func ReadLong(r io.Reader) ([]Item, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	period, subCol := 4, "quarter"
	if _, ok := col["quarter"]; !ok {
		if _, ok := col["month"]; ok {
			period, subCol = 12, "month"
		}
	}
	for _, c := range []string{"id", "t", "year", subCol, "y"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%w: long layout needs columns id,t,year,quarter|month,y; %q missing", ErrFormat, c)
		}
	}
	var items []Item
	var cur *Item
	var periods []forecast.PeriodIndex
	var lastT int
	flush := func() error {
		if cur == nil {
			return nil
		}
		s, err := forecast.FromPeriods(periods, cur.Series.Values, period)
		if err != nil {
			return fmt.Errorf("series %s: %w", cur.ID, err)
		}
		cur.Series = s
		items = append(items, *cur)
		return nil
	}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		id := get("id")
		t, err1 := strconv.Atoi(get("t"))
		year, err2 := strconv.Atoi(get("year"))
		sub, err3 := strconv.Atoi(get(subCol))
		y, err4 := strconv.ParseFloat(get("y"), 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
		}
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return nil, fmt.Errorf("%w: line %d: series %s: %w", ErrFormat, line, id, forecast.ErrNonFinite)
		}
		if cur == nil || cur.ID != id {
			if err := flush(); err != nil {
				return nil, err
			}
			if seen[id] {
				return nil, fmt.Errorf("%w: line %d: rows of series %s are not contiguous", ErrFormat, line, id)
			}
			seen[id] = true
			cur = &Item{ID: id, Series: forecast.Series{Period: period}, firstT: t}
			periods = periods[:0]
		} else if t != lastT+1 {
			return nil, fmt.Errorf("%w: line %d: series %s: t = %d follows t = %d: %w", ErrFormat, line, id, t, lastT, forecast.ErrGap)
		}
		lastT = t
		cur.Series.Values = append(cur.Series.Values, y)
		periods = append(periods, forecast.PeriodIndex{Year: year, Sub: sub})
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return items, nil
}

// ReadM4 reads the wide M4 layout: a header ("V1","V2",…), then one row per series with its
// id in the first column and its values in order, rows ragged (trailing cells empty or
// absent). M4 files carry no calendar, so period is given by the caller.
func ReadM4(r io.Reader, period int) ([]Item, error) {
	if period < 1 {
		return nil, fmt.Errorf("%w: %d", forecast.ErrPeriod, period)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	var items []Item
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) == 0 || strings.TrimSpace(rec[0]) == "" {
			return nil, fmt.Errorf("%w: line %d: no series id", ErrFormat, line)
		}
		id := strings.TrimSpace(rec[0])
		if seen[id] {
			return nil, fmt.Errorf("%w: line %d: series %s appears twice", ErrFormat, line, id)
		}
		seen[id] = true
		vals := rec[1:]
		for len(vals) > 0 && strings.TrimSpace(vals[len(vals)-1]) == "" {
			vals = vals[:len(vals)-1]
		}
		s := forecast.Series{Period: period, Values: make([]float64, len(vals))}
		for i, v := range vals {
			v = strings.TrimSpace(v)
			if v == "" {
				return nil, fmt.Errorf("%w: line %d: series %s: empty cell V%d inside the series: %w", ErrFormat, line, id, i+2, forecast.ErrGap)
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: series %s: %v", ErrFormat, line, id, err)
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%w: line %d: series %s: %w", ErrFormat, line, id, forecast.ErrNonFinite)
			}
			s.Values[i] = x
		}
		items = append(items, Item{ID: id, Series: s})
	}
	return items, nil
}

// Case is a series to forecast and the values that followed it.
type Case struct {
	ID    string
	Train forecast.Series
	Test  []float64
}

// Pair matches training and test series by id, in training order. Every training series
// needs a non-empty test series and vice versa; in the long layout the test must start at the
// period after the training ends.
func Pair(train, test []Item) ([]Case, error) {
	byID := make(map[string]Item, len(test))
	for _, it := range test {
		byID[it.ID] = it
	}
	cases := make([]Case, 0, len(train))
	for _, tr := range train {
		te, ok := byID[tr.ID]
		if !ok {
			return nil, fmt.Errorf("%w: series %s has no test values", ErrFormat, tr.ID)
		}
		delete(byID, tr.ID)
		if len(te.Series.Values) == 0 {
			return nil, fmt.Errorf("%w: series %s has an empty test", ErrFormat, tr.ID)
		}
		n := len(tr.Series.Values)
		if tr.firstT > 0 && te.firstT > 0 && te.firstT != tr.firstT+n {
			return nil, fmt.Errorf("%w: series %s: test starts at t = %d, want %d: %w", ErrFormat, tr.ID, te.firstT, tr.firstT+n, forecast.ErrGap)
		}
		if tr.Series.Start != (forecast.PeriodIndex{}) && te.Series.Start != (forecast.PeriodIndex{}) &&
			tr.Series.Start.Add(n, tr.Series.Period) != te.Series.Start {
			return nil, fmt.Errorf("%w: series %s: test starts in %s, want %s: %w", ErrFormat, tr.ID,
				te.Series.Start.String(tr.Series.Period), tr.Series.Start.Add(n, tr.Series.Period).String(tr.Series.Period), forecast.ErrGap)
		}
		cases = append(cases, Case{ID: tr.ID, Train: tr.Series, Test: te.Series.Values})
	}
	for _, te := range test {
		if _, left := byID[te.ID]; left {
			return nil, fmt.Errorf("%w: test series %s has no training values", ErrFormat, te.ID)
		}
	}
	return cases, nil
}
