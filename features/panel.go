package features

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Level is the scope a panel aggregates to.
type Level string

const (
	Company Level = "company"
	Region  Level = "region"
	Team    Level = "team"
	// Employee panels have one row per person: their own deals (as owner), tickets (as
	// agent), expense claims and revenue targets. Tables that no person owns (invoices,
	// accounts, purchase orders, marketing spend) are left out.
	Employee Level = "employee"
)

// ParseLevel accepts company, region, team or employee.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Company, Region, Team, Employee:
		return l, nil
	}
	return "", fmt.Errorf("scope level %q: want company, region, team or employee", s)
}

// Panel is a table of measures by scope and period. Periods are contiguous; every scope has a
// value (possibly NaN) for every period and column.
type Panel struct {
	Grain   datasets.Grain
	Level   Level
	Periods []datasets.Period
	// Complete[t] is false when the data does not cover all of Periods[t]: the period the
	// data ends in, and the first period when revenue starts late into it (partialStart).
	Complete []bool
	// FirstRevenue is the date of the first won deal or revenue row, in Periods[0].
	FirstRevenue time.Time
	// AsOf is the first day after the data (Options.AsOf, or the day Build inferred).
	AsOf time.Time
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

// NewPanel returns an empty panel over the given periods (consecutive, of one grain) and
// scopes, for callers that hold measures from elsewhere (another system's export, a test).
// Fill it with SetSeries.
func NewPanel(g datasets.Grain, l Level, periods []datasets.Period, complete []bool, scopes []string) (*Panel, error) {
	if len(complete) != len(periods) {
		return nil, fmt.Errorf("features: %d complete flags for %d periods", len(complete), len(periods))
	}
	for i, per := range periods {
		if per.Grain != g || i > 0 && per.N != periods[i-1].N+1 {
			return nil, fmt.Errorf("features: period %s: want consecutive %s periods", per, g)
		}
	}
	sorted := slices.Clone(scopes)
	slices.Sort(sorted)
	if len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
		return nil, fmt.Errorf("features: a scope is given twice")
	}
	return &Panel{Grain: g, Level: l, Periods: slices.Clone(periods), Complete: slices.Clone(complete), Scopes: sorted,
		values: map[string][][]float64{}}, nil
}

// SetSeries sets a column's values for a scope (aligned with Periods; NaN for unknown),
// adding the column when it is new.
func (p *Panel) SetSeries(column, scope string, values []float64) error {
	i, ok := slices.BinarySearch(p.Scopes, scope)
	if !ok {
		return fmt.Errorf("features: scope %q is not in the panel", scope)
	}
	if len(values) != len(p.Periods) {
		return fmt.Errorf("features: %d values for %d periods", len(values), len(p.Periods))
	}
	copy(p.addColumn(column)[i], values)
	return nil
}
