package datasets

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// MaxReportedProblems is how many reject problems a TableReport keeps for display; all of
// them are counted, and the rejects file has every rejected row.
const MaxReportedProblems = 20

// TableCounts counts what happened to the rows of one table. Every row read is imported,
// rejected or merged: Read = Imported + Rejected + Merged.
type TableCounts struct {
	Read     int `json:"read"`
	Imported int `json:"imported"` // kept (Load) or written (import)
	Rejected int `json:"rejected"`
	Merged   int `json:"merged"`   // repeats of an identical row, dropped by a distinct mapping
	Warnings int `json:"warnings"` // rows affected by warnings, plus one per file-level warning
	Blank    int `json:"blank_lines,omitempty"`
}

// TableReport is what reading one table found.
type TableReport struct {
	TableCounts
	Files       []string `json:"files,omitempty"`
	RejectsFile string   `json:"rejects_file,omitempty"`
	// ChangesFile lists every value a number format rewrote (see Change).
	ChangesFile string    `json:"changes_file,omitempty"`
	Problems    []Problem `json:"-"` // the first MaxReportedProblems reject problems
}

func (tr *TableReport) addProblems(ps []Problem) {
	for _, p := range ps {
		if len(tr.Problems) < MaxReportedProblems {
			tr.Problems = append(tr.Problems, p)
		}
	}
}

// Warning is something that does not stop a row from being kept but that a user should know:
// an unknown column, a reference to a key that does not exist, a join that found no match.
type Warning struct {
	Table   string `json:"table"`
	File    string `json:"file,omitempty"`
	Column  string `json:"column,omitempty"`
	Rows    int    `json:"rows"` // rows affected; 0 for a warning about the file
	Message string `json:"message"`
}

// String formats the warning as "file: column: message".
func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(w.File)
	} else {
		b.WriteString(w.Table)
	}
	b.WriteString(": ")
	if w.Column != "" {
		b.WriteString(w.Column)
		b.WriteString(": ")
	}
	b.WriteString(w.Message)
	return b.String()
}

// Report is what Load or Import found, table by table.
type Report struct {
	Tables   map[string]*TableReport `json:"tables"`
	Missing  []string                `json:"missing,omitempty"` // optional tables that are absent
	Warnings []Warning               `json:"warnings,omitempty"`
}

func newReport() *Report { return &Report{Tables: make(map[string]*TableReport)} }

func (r *Report) table(name string) *TableReport {
	tr := r.Tables[name]
	if tr == nil {
		tr = &TableReport{}
		r.Tables[name] = tr
	}
	return tr
}

// warn records a warning and counts it against its table.
func (r *Report) warn(w Warning) {
	r.Warnings = append(r.Warnings, w)
	r.table(w.Table).Warnings += max(w.Rows, 1)
}

// names returns the reported tables in canonical order.
func (r *Report) names() []string {
	var out []string
	for _, t := range Tables {
		if _, ok := r.Tables[t.Name]; ok {
			out = append(out, t.Name)
		}
	}
	var extra []string
	for n := range r.Tables {
		if _, ok := Lookup(n); !ok {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// WriteTable prints the counts as an aligned table, one line per table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tread\timported\trejected\tmerged\twarnings")
	for _, n := range r.names() {
		c := r.Tables[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", n, c.Read, c.Imported, c.Rejected, c.Merged, c.Warnings)
	}
	return tw.Flush()
}

// WriteProblems prints the warnings and the first reject problems of each table, saying how
// many more there are and where they were written.
func (r *Report) WriteProblems(w io.Writer) error {
	for _, n := range r.names() {
		tr := r.Tables[n]
		for _, p := range tr.Problems {
			if _, err := fmt.Fprintln(w, p); err != nil {
				return err
			}
		}
		if tr.Rejected > 0 {
			msg := fmt.Sprintf("%s: %d rows rejected", n, tr.Rejected)
			if len(tr.Problems) == MaxReportedProblems {
				msg += fmt.Sprintf(", the first %d problems shown", MaxReportedProblems)
			}
			if tr.RejectsFile != "" {
				msg += "; every rejected row and its reasons are in " + tr.RejectsFile
			}
			fmt.Fprintln(w, msg)
		}
	}
	for _, wn := range r.Warnings {
		if _, err := fmt.Fprintln(w, "warning:", wn); err != nil {
			return err
		}
	}
	for _, m := range r.Missing {
		if _, err := fmt.Fprintf(w, "note: no %s table\n", m); err != nil {
			return err
		}
	}
	return nil
}
