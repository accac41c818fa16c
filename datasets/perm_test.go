package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// TestImportFilesPrivate is defect 10 of issue 14: import wrote its tables with mode 0644,
// readable by every user of the machine; they hold people's salaries and reviews.
func TestImportFilesPrivate(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened\nO1,won,2024-01-05\nO2,,bad\n"), 0o600)
	m, err := ParseMapping([]byte(`
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: opened}
`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Import(m, []string{src}, ImportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) == 0 {
		t.Fatalf("import wrote nothing: %v", err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %04o; want no access for others (0600)", e.Name(), perm)
		}
	}
}
