package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Mapping says how to build canonical tables from the files of an export (a CRM, an ERP, a
// spreadsheet). It is written in YAML or JSON (the same schema; JSON is read as YAML, of which
// it is a subset) and checked strictly: an unknown key is an error, so a typo cannot silently
// leave a column unmapped. See docs/examples/mappings/maven-crm.yaml for a commented example and
// docs/import.md for the format.
type Mapping struct {
	// Version is the format version; 0 (absent) or 1.
	Version int `yaml:"version"`
	// Currency is the ISO 4217 code the export's money columns are in (USD, EUR, CNY). An
	// import writes it to the dataset's SettingsFile, so that every amount a person reads
	// carries it; "" leaves the dataset's settings alone (amounts are printed bare when no
	// settings name a currency).
	Currency string `yaml:"currency"`
	// Tables maps a canonical table name (opportunities, employees, …) to how it is built.
	Tables map[string]*TableMapping `yaml:"tables"`
}

// CheckSettings returns an error when dir's SettingsFile names a currency other than the
// mapping's: one dataset's money columns share one currency, and rows in two currencies
// would be added up as one. A mapping without a currency, or a dir without one, passes.
func (m *Mapping) CheckSettings(dir string) error {
	if m.Currency == "" {
		return nil
	}
	s, err := ReadSettings(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if s.Currency != "" && s.Currency != m.Currency {
		return fmt.Errorf("the mapping's currency %s differs from %s's %s: a dataset's money columns share one currency; convert the export's amounts, or import it into another directory",
			m.Currency, filepath.Join(dir, SettingsFile), s.Currency)
	}
	return nil
}

// ApplySettings writes the mapping's currency to dir's SettingsFile, keeping its other
// settings; it does nothing when the mapping names no currency. Call CheckSettings first.
func (m *Mapping) ApplySettings(dir string) error {
	if m.Currency == "" {
		return nil
	}
	s, err := ReadSettings(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if s.Currency == m.Currency {
		return nil
	}
	s.Currency = m.Currency
	return WriteSettings(dir, s)
}

// TableMapping builds one canonical table from one or more source files.
//
// Each canonical column takes its value from, in order of precedence: Constants; Columns (a
// source column, or join.column for a column of a joined file); or, when Columns is empty, the
// source column of the same name. A value is then trimmed (Trim), mapped (Values), rewritten as
// a plain decimal (Numbers) and parsed with its date layout (Dates); the result must pass the
// table's checks or the row is rejected.
type TableMapping struct {
	// Source is a file name or glob pattern (path.Match) matched against the base names of the
	// SOURCE files; every match is read, in sorted order. .xlsx and .xlsm files are read as
	// workbooks, anything else as CSV.
	Source string `yaml:"source"`
	// Sheet names the XLSX sheet; the default is the first sheet.
	Sheet string `yaml:"sheet"`
	// Delimiter separates the fields of a CSV source: "," (the default), ";", "|" or "\t".
	Delimiter string `yaml:"delimiter"`
	// Encoding is the character encoding of a CSV source: utf-8 (the default), gbk, gb18030,
	// utf-16 (byte order from the byte order mark, little-endian without one), utf-16le or
	// utf-16be. XLSX workbooks are always Unicode.
	Encoding string `yaml:"encoding"`
	// SkipRows is the number of non-empty rows above the header (a report title, a date
	// line). When it is not given, the header is the first of the first ten rows that holds
	// every source column the mapping names, and the rows above it are skipped with a warning.
	SkipRows *int `yaml:"skip_rows"`
	// StrictValues rejects a row whose value in a column with a Values map is neither a key
	// of the map nor one of its canonical values (without it, such a value passes through and
	// is counted in a warning).
	StrictValues bool `yaml:"strict_values"`
	// Optional makes a Source that matches no file a note instead of an error.
	Optional bool `yaml:"optional"`
	// HeaderFold matches source column names ignoring case and surrounding spaces.
	HeaderFold bool `yaml:"header_fold"`
	// Trim removes spaces around every source value (and join keys) before anything else.
	Trim bool `yaml:"trim"`
	// Distinct drops a row whose canonical record repeats an earlier row exactly (counted as
	// merged), for tables built from a file that repeats them (teams from one row per agent).
	// Rows that repeat a key with different values are still duplicate-key rejects.
	Distinct bool `yaml:"distinct"`
	// Columns maps canonical column → source column, or join.column.
	Columns map[string]string `yaml:"columns"`
	// Constants maps canonical column → the value every row gets.
	Constants map[string]string `yaml:"constants"`
	// Values maps canonical column → {source value: canonical value}. Values not listed pass
	// through unchanged (and are then checked).
	Values map[string]map[string]string `yaml:"values"`
	// Dates maps a date or timestamp column → the layout of its source values, or a list of
	// layouts when the source mixes them: a Go time layout (2006-01-02, 01/02/2006,
	// 02.01.2006 15:04, …) or "excel" for a serial day number. A value is read with the layout
	// that parses it; one that two layouts read as different dates is rejected as ambiguous.
	// Values are written as YYYY-MM-DD or RFC 3339 UTC; a layout without a zone reads UTC. A
	// spreadsheet cell formatted as a date is already a date and needs no layout.
	Dates map[string]Layouts `yaml:"dates"`
	// Numbers maps a number column → how its source values write numbers, for exports that
	// group digits or use a decimal comma (1.234,50). Without it, values must be plain
	// decimals (1234.50).
	Numbers map[string]*NumberFormat `yaml:"numbers"`
	// Joins names other source files to look values up in, by key.
	Joins map[string]*Join `yaml:"joins"`
}

// Join looks up, for each row, the row of another source file whose Key column equals this
// row's On column (after Values). Its columns are then available as name.column.
type Join struct {
	Source    string `yaml:"source"`
	Sheet     string `yaml:"sheet"`
	Delimiter string `yaml:"delimiter"`
	Encoding  string `yaml:"encoding"`
	SkipRows  *int   `yaml:"skip_rows"`
	// On is the column of this table's source file holding the lookup value.
	On string `yaml:"on"`
	// Key is the column of the joined file that On is looked up in; its values must be unique.
	Key string `yaml:"key"`
	// Values maps On values before the lookup, to bridge spellings (GTXPro → GTX Pro).
	Values map[string]string `yaml:"values"`
	// Required rejects a row whose On value has no match. Otherwise the joined columns are
	// empty for that row and the misses are counted as a warning.
	Required bool `yaml:"required"`
}

// Layouts is one date layout or a list of them; in YAML a string or a list of strings.
type Layouts []string

// UnmarshalYAML reads a single layout or a list.
func (l *Layouts) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = Layouts{s}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return fmt.Errorf("line %d: want a date layout or a list of layouts", n.Line)
	}
	*l = list
	return nil
}

// Encodings are the Encoding values a mapping may name.
var Encodings = []string{"utf-8", "gbk", "gb18030", "utf-16", "utf-16le", "utf-16be"}

// ExcelLayout is the Dates layout for Excel serial day numbers (days since 1899-12-30).
const ExcelLayout = "excel"

// ParseMapping reads a mapping in YAML or JSON and validates it.
func ParseMapping(data []byte) (*Mapping, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("mapping is empty")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, errors.New("mapping: more than one YAML document; want one")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// ReadMapping reads and validates the mapping file at path.
func ReadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseMapping(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Validate checks the mapping against the canonical tables and returns every problem, each
// named by its place in the file (tables.opportunities.columns.stage: …).
func (m *Mapping) Validate() error {
	var errs []string
	add := func(at, format string, args ...any) {
		errs = append(errs, at+": "+fmt.Sprintf(format, args...))
	}
	if m.Version != 0 && m.Version != 1 {
		add("version", "%d is not supported; want 1", m.Version)
	}
	if err := (Settings{Currency: m.Currency}).Validate(); err != nil {
		add("currency", "%s", strings.TrimPrefix(err.Error(), fmt.Sprintf("currency %q: ", m.Currency)))
	}
	if len(m.Tables) == 0 {
		add("tables", "no tables; want at least one of %s", strings.Join(TableNames(), ", "))
	}
	for _, name := range sortedKeys(m.Tables) {
		at := "tables." + name
		tm := m.Tables[name]
		t, ok := Lookup(name)
		if !ok {
			add(at, "no such table; want one of %s", strings.Join(TableNames(), ", "))
			continue
		}
		if tm == nil {
			add(at, "empty; want at least a source")
			continue
		}
		tm.validate(t, at, add)
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New("invalid mapping:\n  " + strings.Join(errs, "\n  "))
}

func (tm *TableMapping) validate(t *Table, at string, add func(at, format string, args ...any)) {
	checkPattern := func(at, p string) {
		if p == "" {
			add(at, "missing; want a file name or glob pattern")
		} else if _, err := path.Match(p, ""); err != nil {
			add(at, "%q is not a valid pattern: %v", p, err)
		} else if strings.ContainsAny(p, `/\`) {
			add(at, "%q contains a directory; patterns match file base names", p)
		}
	}
	checkPattern(at+".source", tm.Source)
	checkDelimiter := func(at, d string) {
		switch d {
		case "", ",", ";", "|", `\t`, "\t":
		default:
			add(at, "%q; want \",\", \";\", \"|\" or \"\\t\"", d)
		}
	}
	checkDelimiter(at+".delimiter", tm.Delimiter)
	checkEncoding := func(at, e string) {
		if e != "" && !slices.Contains(Encodings, strings.ToLower(e)) {
			add(at, "%q; want one of %s", e, strings.Join(Encodings, ", "))
		}
	}
	checkSkip := func(at string, n *int) {
		if n != nil && (*n < 0 || *n > 1000) {
			add(at, "%d; want 0 to 1000", *n)
		}
	}
	checkEncoding(at+".encoding", tm.Encoding)
	checkSkip(at+".skip_rows", tm.SkipRows)
	column := func(at, name string) (Column, bool) {
		c, _, ok := t.Column(name)
		if !ok {
			add(at, "no column %q in %s (columns: %s)", name, t.Name, strings.Join(t.Header(), ", "))
		}
		return c, ok
	}
	for _, name := range sortedKeys(tm.Joins) {
		jat := at + ".joins." + name
		j := tm.Joins[name]
		switch {
		case strings.Contains(name, ".") || name == "":
			add(jat, "a join name must be non-empty and contain no dot")
		case j == nil:
			add(jat, "empty; want source, on and key")
		default:
			checkPattern(jat+".source", j.Source)
			checkDelimiter(jat+".delimiter", j.Delimiter)
			checkEncoding(jat+".encoding", j.Encoding)
			checkSkip(jat+".skip_rows", j.SkipRows)
			if j.On == "" {
				add(jat+".on", "missing; want the column of this table's source holding the lookup value")
			}
			if j.Key == "" {
				add(jat+".key", "missing; want the column of the joined file to look the value up in")
			}
		}
	}
	for _, target := range sortedKeys(tm.Columns) {
		cat := at + ".columns." + target
		if _, ok := column(cat, target); !ok {
			continue
		}
		ref := tm.Columns[target]
		if ref == "" {
			add(cat, "empty; want a source column or join.column")
			continue
		}
		if _, ok := tm.Constants[target]; ok {
			add(cat, "also set in constants; give one or the other")
		}
		if j, _, ok := strings.Cut(ref, "."); ok && len(tm.Joins) > 0 {
			// A source column may contain a dot, but next to declared joins it is most likely
			// a misspelt join name.
			if _, declared := tm.Joins[j]; !declared {
				add(cat, "%q: no join named %q (joins: %s); a source column with a dot cannot be used while joins are declared", ref, j, strings.Join(sortedKeys(tm.Joins), ", "))
			}
		}
	}
	for _, target := range sortedKeys(tm.Constants) {
		cat := at + ".constants." + target
		c, ok := column(cat, target)
		if !ok {
			continue
		}
		if err := c.Check(tm.Constants[target]); err != nil {
			add(cat, "%v", err)
		}
	}
	for _, target := range sortedKeys(tm.Values) {
		cat := at + ".values." + target
		if _, ok := column(cat, target); !ok {
			continue
		}
		if _, ok := tm.Constants[target]; ok {
			add(cat, "the column is a constant; value maps apply to source values")
		} else if !tm.maps(target) {
			add(cat, "%s is not in columns, so this value map would never apply", target)
		}
	}
	for _, target := range sortedKeys(tm.Dates) {
		cat := at + ".dates." + target
		c, ok := column(cat, target)
		if !ok {
			continue
		}
		if c.Kind != Date && c.Kind != Timestamp {
			add(cat, "%s is a %s column; date layouts apply to date and timestamp columns", target, c.Kind)
			continue
		}
		if !tm.maps(target) {
			add(cat, "%s is not in columns, so this layout would never apply", target)
		}
		if len(tm.Dates[target]) == 0 {
			add(cat, "empty; want a layout or a list of layouts")
		}
		for i, layout := range tm.Dates[target] {
			where := cat
			if len(tm.Dates[target]) > 1 {
				where = fmt.Sprintf("%s[%d]", cat, i)
			}
			if err := checkLayout(layout); err != nil {
				add(where, "%v", err)
			}
		}
	}
	for _, target := range sortedKeys(tm.Numbers) {
		cat := at + ".numbers." + target
		c, ok := column(cat, target)
		if !ok {
			continue
		}
		nf := tm.Numbers[target]
		switch {
		case c.Kind != Int && c.Kind != Float:
			add(cat, "%s is a %s column; number formats apply to number and integer columns", target, c.Kind)
		case !tm.maps(target):
			add(cat, "%s is not in columns, so this number format would never apply", target)
		case nf == nil:
			add(cat, "empty; want decimal and/or group")
		case nf.Decimal != "" && nf.Decimal != "." && nf.Decimal != ",":
			add(cat+".decimal", "%q; want \".\" or \",\"", nf.Decimal)
		case nf.Group != "" && nf.Group != "," && nf.Group != "." && nf.Group != " " && nf.Group != "'":
			add(cat+".group", "%q; want \",\", \".\", \" \" or \"'\"", nf.Group)
		case nf.Group != "" && nf.Group == nf.Decimal || nf.Group == "." && nf.Decimal == "":
			add(cat, "the group and decimal separators are the same")
		}
	}
	if tm.StrictValues && len(tm.Values) == 0 {
		add(at+".strict_values", "no column has a values map to be strict about")
	}
	if len(tm.Columns) > 0 {
		for _, c := range t.Columns {
			if !c.Required {
				continue
			}
			if _, ok := tm.Columns[c.Name]; ok {
				continue
			}
			if _, ok := tm.Constants[c.Name]; ok {
				continue
			}
			add(at+".columns", "required column %s has no source column or constant", c.Name)
		}
	}
}

// checkLayout accepts "excel" or a Go layout that reads back the year it writes, and the month
// and day unless it leaves them out (then they read as 1 January: a layout of "2006" turns
// 1996 into 1996-01-01, an approximation the mapping states openly).
func checkLayout(layout string) error {
	if layout == ExcelLayout {
		return nil
	}
	if layout == "" {
		return errors.New(`empty layout; want a Go time layout such as 2006-01-02 or 01/02/2006, or "excel"`)
	}
	ref := time.Date(2009, 11, 17, 20, 34, 58, 0, time.UTC)
	got, err := time.Parse(layout, ref.Format(layout))
	if err != nil || got.Year() != ref.Year() || got.Month() != ref.Month() && got.Month() != time.January ||
		got.Day() != ref.Day() && got.Day() != 1 {
		return fmt.Errorf("layout %q does not hold a year; write the date 2006-01-02 (Mon Jan 2 2006) the way the source writes dates, e.g. 01/02/2006 or 02.01.2006, or use \"excel\"", layout)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// maps reports whether the column takes its value from a source column: it is in Columns, or
// Columns is empty and the same-named source column is used.
func (tm *TableMapping) maps(column string) bool {
	if _, ok := tm.Constants[column]; ok {
		return false
	}
	_, ok := tm.Columns[column]
	return ok || len(tm.Columns) == 0
}

// joinRef splits a column reference into a join name and the joined column, when its prefix
// names a join of tm; otherwise the whole reference is a source column.
func (tm *TableMapping) joinRef(ref string) (join, col string, ok bool) {
	j, c, found := strings.Cut(ref, ".")
	if !found {
		return "", ref, false
	}
	if _, declared := tm.Joins[j]; !declared {
		return "", ref, false
	}
	return j, c, true
}
