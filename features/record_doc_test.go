package features

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the employee field table of docs/hr.md from EmployeeFields")

// The field table of docs/hr.md sits between these lines.
const (
	fieldsBegin = "<!-- employee fields: written from features.EmployeeFields by go test ./features -update-docs -->"
	fieldsEnd   = "<!-- end of employee fields -->"
)

// fieldTable renders EmployeeFields as the markdown table docs/hr.md shows.
func fieldTable() string {
	var b strings.Builder
	b.WriteString("| field | kind | range | what it is | when unknown |\n|---|---|---|---|---|\n")
	for _, f := range EmployeeFields {
		rng := ""
		if f.Kind == "number" || f.Kind == "counts" {
			rng = fmt.Sprintf("%s to %s", plain(f.Min), plain(f.Max))
		}
		unknown := f.Unknown
		if f.Required {
			unknown = "required"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Kind, rng, f.Doc, unknown)
	}
	return b.String()
}

// plain writes a bound without exponent notation and with thousands separated.
func plain(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "−" + s
	}
	return s
}

// TestHRDocFields checks that docs/hr.md lists every field of the employee record with its
// kind, range, meaning and what the models do when it is unknown, as EmployeeFields says.
func TestHRDocFields(t *testing.T) {
	const path = "../docs/hr.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, fieldsBegin), strings.Index(doc, fieldsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the lines %q and %q around the field table", path, fieldsBegin, fieldsEnd)
	}
	want := fieldTable()
	got := doc[i+len(fieldsBegin)+1 : j]
	if got == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(doc[:i+len(fieldsBegin)+1]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the employee field table of %s differs from features.EmployeeFields; run go test ./features -run TestHRDocFields -update-docs\nwant:\n%s", path, want)
}
