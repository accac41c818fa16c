package datasets

import (
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// Codec converts between a table's records (values in the table's canonical column order) and
// its Go type T, whose fields carry `csv:"column"` tags. Columns without a field are ignored.
// A Codec holds no mutable state and is safe for concurrent use.
type Codec[T any] struct {
	table  *Table
	fields []fieldCodec
}

type fieldKind uint8

const (
	fString fieldKind = iota
	fInt
	fFloat
	fBool
	fTime
	fPeriod
	fNullInt
	fNullFloat
	fNullBool
)

type fieldCodec struct {
	field  int // struct field index
	column int // position in the canonical record
	kind   fieldKind
	col    Column
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	periodType = reflect.TypeFor[Period]()
)

// NewCodec builds the codec for T against table. It fails when a tagged field names no column of
// the table or has a Go type that cannot hold the column's kind: a programmer error, reported as
// an error so tests catch it.
func NewCodec[T any](table *Table) (*Codec[T], error) {
	rt := reflect.TypeFor[T]()
	if rt.Kind() != reflect.Struct {
		return nil, fmt.Errorf("codec: %s is not a struct", rt)
	}
	c := &Codec[T]{table: table}
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name := f.Tag.Get("csv")
		if name == "" {
			continue
		}
		col, pos, ok := table.Column(name)
		if !ok {
			return nil, fmt.Errorf("codec: %s.%s: table %s has no column %q", rt.Name(), f.Name, table.Name, name)
		}
		fk, err := fieldKindOf(f.Type, col)
		if err != nil {
			return nil, fmt.Errorf("codec: %s.%s: %w", rt.Name(), f.Name, err)
		}
		c.fields = append(c.fields, fieldCodec{field: i, column: pos, kind: fk, col: col})
	}
	return c, nil
}

// MustCodec is NewCodec for package-level codecs of the built-in types; it panics on a
// programmer error.
func MustCodec[T any](table string) *Codec[T] {
	t, ok := Lookup(table)
	if !ok {
		panic("datasets: no table " + table)
	}
	c, err := NewCodec[T](t)
	if err != nil {
		panic(err)
	}
	return c
}

func fieldKindOf(t reflect.Type, col Column) (fieldKind, error) {
	want := func(ok bool, fk fieldKind) (fieldKind, error) {
		if !ok {
			return 0, fmt.Errorf("type %s cannot hold a %s column %q", t, col.Kind, col.Name)
		}
		return fk, nil
	}
	switch {
	case t == timeType:
		return want(col.Kind == Date || col.Kind == Timestamp, fTime)
	case t == periodType:
		return want(col.Kind == MonthKind || col.Kind == PeriodKind, fPeriod)
	case t.Kind() == reflect.String:
		return want(col.Kind == String || col.Kind == Enum || col.Kind == RoleKind, fString)
	case t.Kind() == reflect.Int64:
		return want(col.Kind == Int && col.Required, fInt)
	case t.Kind() == reflect.Float64:
		return want((col.Kind == Float || col.Kind == Int) && col.Required, fFloat)
	case t.Kind() == reflect.Bool:
		return want(col.Kind == Bool && col.Required, fBool)
	case t.Kind() == reflect.Struct && t.NumField() == 2 && t.Field(1).Name == "Valid":
		switch t.Field(0).Type.Kind() {
		case reflect.Int64:
			return want(col.Kind == Int, fNullInt)
		case reflect.Float64:
			return want(col.Kind == Float || col.Kind == Int, fNullFloat)
		case reflect.Bool:
			return want(col.Kind == Bool, fNullBool)
		}
	}
	return want(false, 0)
}

// Table returns the table the codec reads and writes.
func (c *Codec[T]) Table() *Table { return c.table }

// Decode fills dst from a record in canonical column order. Records that passed the reader's
// checks always decode; the error is for records that did not. dst keeps the strings of rec.
func (c *Codec[T]) Decode(rec []string, dst *T) error { return c.decode(rec, dst, nil) }

// decode is Decode that copies the strings it keeps through in when in is not nil, for
// records that point into a reader's buffer.
func (c *Codec[T]) decode(rec []string, dst *T, in *interner) error {
	v := reflect.ValueOf(dst).Elem()
	for i := range c.fields {
		fc := &c.fields[i]
		if fc.column >= len(rec) {
			return fmt.Errorf("%s: record has %d fields, want %d", fc.col.Name, len(rec), len(c.table.Columns))
		}
		s := rec[fc.column]
		f := v.Field(fc.field)
		if fc.kind == fString && in != nil {
			s = in.get(fc.column, s)
		}
		if err := fc.set(f, s); err != nil {
			return fmt.Errorf("%s: %w", fc.col.Name, err)
		}
	}
	return nil
}

func (fc *fieldCodec) set(f reflect.Value, s string) error {
	switch fc.kind {
	case fString:
		f.SetString(s)
		return nil
	case fTime:
		dst := f.Addr().Interface().(*time.Time)
		if s == "" {
			*dst = time.Time{}
			return nil
		}
		var t time.Time
		var err error
		if fc.col.Kind == Date {
			t, err = ParseDate(s)
		} else {
			t, err = ParseTimestamp(s)
		}
		if err != nil {
			return err
		}
		*dst = t
		return nil
	case fPeriod:
		dst := f.Addr().Interface().(*Period)
		if s == "" {
			*dst = Period{}
			return nil
		}
		p, err := ParsePeriod(s)
		if err != nil {
			return err
		}
		*dst = p
		return nil
	}
	if s == "" {
		f.SetZero()
		return nil
	}
	switch fc.kind {
	case fInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		f.SetInt(n)
	case fFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		f.SetFloat(x)
	case fBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		f.SetBool(b)
	case fNullInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		f.Field(0).SetInt(n)
		f.Field(1).SetBool(true)
	case fNullFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		f.Field(0).SetFloat(x)
		f.Field(1).SetBool(true)
	case fNullBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		f.Field(0).SetBool(b)
		f.Field(1).SetBool(true)
	}
	return nil
}

// Encode writes src as a record in canonical column order, reusing rec's storage when it is
// long enough. Floats use the shortest representation that reads back exactly, so encoding
// is deterministic.
func (c *Codec[T]) Encode(src *T, rec []string) []string {
	n := len(c.table.Columns)
	if cap(rec) < n {
		rec = make([]string, n)
	}
	rec = rec[:n]
	clear(rec)
	v := reflect.ValueOf(src).Elem()
	for i := range c.fields {
		fc := &c.fields[i]
		f := v.Field(fc.field)
		var s string
		switch fc.kind {
		case fString:
			s = f.String()
		case fTime:
			t := f.Interface().(time.Time)
			if fc.col.Kind == Date {
				s = FormatDate(t)
			} else {
				s = FormatTimestamp(t)
			}
		case fPeriod:
			if p := f.Interface().(Period); p.Grain != 0 {
				s = p.String()
			}
		case fInt:
			s = strconv.FormatInt(f.Int(), 10)
		case fFloat:
			s = formatFloat(f.Float())
		case fBool:
			s = strconv.FormatBool(f.Bool())
		case fNullInt:
			if f.Field(1).Bool() {
				s = strconv.FormatInt(f.Field(0).Int(), 10)
			}
		case fNullFloat:
			if f.Field(1).Bool() {
				s = formatFloat(f.Field(0).Float())
			}
		case fNullBool:
			if f.Field(1).Bool() {
				s = strconv.FormatBool(f.Field(0).Bool())
			}
		}
		rec[fc.column] = s
	}
	return rec
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
