package features

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/growthlens/growthlens/datasets"
)

// Level is the scope a panel aggregates to.
type Level string

const (
	Company Level = "company"
	Region  Level = "region"
	Team    Level = "team"
)

// ParseLevel accepts company, region or team.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Company, Region, Team:
		return l, nil
	}
	return "", fmt.Errorf("scope level %q: want company, region or team", s)
}

// Panel is a table of measures by scope and period. Periods are contiguous; every scope has a
// value (possibly NaN) for every period and column.
type Panel struct {
	Grain   datasets.Grain
	Level   Level
	Periods []datasets.Period
	// Complete[t] is false when the data does not cover all of Periods[t].
	Complete []bool
	// Scopes are the scope ids ("" for the company), sorted.
	Scopes  []string
	Columns []string
	// Warnings say which columns were left out and why.
	Warnings []string

	values map[string][][]float64 // column → scope → period
}

// Has reports whether the panel has the column.
func (p *Panel) Has(column string) bool {
	_, ok := p.values[column]
	return ok
}

// Series returns the column's values for a scope, aligned with Periods. The slice is the
// panel's own; copy it before changing it. It returns nil for an unknown scope or column.
func (p *Panel) Series(scope, column string) []float64 {
	col, ok := p.values[column]
	if !ok {
		return nil
	}
	i, ok := slices.BinarySearch(p.Scopes, scope)
	if !ok {
		return nil
	}
	return col[i]
}

// Value returns one cell, or NaN when the scope, period or column is unknown.
func (p *Panel) Value(scope string, period datasets.Period, column string) float64 {
	s := p.Series(scope, column)
	if s == nil || len(p.Periods) == 0 || period.Grain != p.Grain {
		return math.NaN()
	}
	t := period.N - p.Periods[0].N
	if t < 0 || t >= len(s) {
		return math.NaN()
	}
	return s[t]
}

// Index returns the position of period in Periods, or -1.
func (p *Panel) Index(period datasets.Period) int {
	if len(p.Periods) == 0 || period.Grain != p.Grain {
		return -1
	}
	t := period.N - p.Periods[0].N
	if t < 0 || t >= len(p.Periods) {
		return -1
	}
	return t
}

// LastComplete returns the index of the last complete period, or -1.
func (p *Panel) LastComplete() int {
	for t := len(p.Complete) - 1; t >= 0; t-- {
		if p.Complete[t] {
			return t
		}
	}
	return -1
}

func (p *Panel) set(column string, scope, t int, v float64) { p.values[column][scope][t] = v }

func (p *Panel) addColumn(name string) [][]float64 {
	if c, ok := p.values[name]; ok {
		return c
	}
	c := make([][]float64, len(p.Scopes))
	for i := range c {
		c[i] = make([]float64, len(p.Periods))
		for t := range c[i] {
			c[i][t] = math.NaN()
		}
	}
	p.values[name] = c
	p.Columns = append(p.Columns, name)
	return c
}

// WriteCSV writes the panel in long-wide form: period, scope, scope_id, complete, then one
// column per measure. NaN is written as an empty cell.
func (p *Panel) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	header := append([]string{"period", "scope", "scope_id", "complete"}, p.Columns...)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for s, scope := range p.Scopes {
		for t, per := range p.Periods {
			rec[0], rec[1], rec[2] = per.String(), string(p.Level), scope
			rec[3] = strconv.FormatBool(p.Complete[t])
			for c, name := range p.Columns {
				v := p.values[name][s][t]
				if math.IsNaN(v) {
					rec[4+c] = ""
				} else {
					rec[4+c] = strconv.FormatFloat(v, 'g', 10, 64)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
