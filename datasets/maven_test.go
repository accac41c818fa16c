package datasets

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/growthlens/growthlens/internal/shareddata"
)

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestImportMavenCRM imports the real Maven CRM export with the shipped mapping and checks that
// every pipeline row is accounted for, against facts counted independently (the data's README:
// Won 4238, Lost 2473, Engaging 1589, Prospecting 500; the Won deals total 10,005,534).
func TestImportMavenCRM(t *testing.T) {
	dir := shareddata.Path(t, "crm-pipeline")
	m := readMapping(t, "../docs/examples/mappings/maven-crm.yaml")
	out := t.TempDir()
	rep, err := Import(m, []string{dir}, ImportOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	source := readCSVFile(t, filepath.Join(dir, "sales_pipeline.csv"))
	pipelineRows := len(source) - 1
	if pipelineRows != 8800 {
		t.Fatalf("sales_pipeline.csv has %d rows, want 8800 (has the data changed?)", pipelineRows)
	}
	if st, err := ReadSettings(out); err != nil || st.Currency != "USD" {
		t.Errorf("settings %+v, %v: want the mapping's currency USD", st, err)
	}
	c := rep.Tables["opportunities"].TableCounts
	if c.Read != pipelineRows || c.Imported+c.Rejected != pipelineRows || c.Merged != 0 {
		t.Fatalf("opportunities: read %d, imported %d + rejected %d; want all %d accounted for", c.Read, c.Imported, c.Rejected, pipelineRows)
	}
	if c.Imported != 8300 || c.Rejected != 500 {
		t.Errorf("opportunities: imported %d, rejected %d; want 8300 and the 500 Prospecting rows", c.Imported, c.Rejected)
	}

	// Every reject is a Prospecting deal without a date, with its reason and its fields.
	rejects := readCSVFile(t, filepath.Join(out, "opportunities.rejects.csv"))
	if len(rejects)-1 != c.Rejected {
		t.Fatalf("rejects file has %d rows, want %d", len(rejects)-1, c.Rejected)
	}
	for _, r := range rejects[1:] {
		// reject_file, reject_line, reject_reason, then the source's 8 columns, reject_raw.
		if r[2] != "created_date: required value is empty (from engage_date)" || r[7] != "Prospecting" || r[8] != "" || len(r[3]) != 8 {
			t.Fatalf("reject %q: want a Prospecting row without engage_date", r)
		}
	}

	opps := readCSVFile(t, filepath.Join(out, "opportunities.csv"))
	stages := map[string]int{}
	products := map[string]int{}
	noAccount := 0
	wonTotal := 0.0
	for _, r := range opps[1:] {
		stages[r[6]]++
		products[r[4]]++
		if r[1] == "" {
			noAccount++
		}
		if r[3] == "" || r[5] == "" {
			t.Fatalf("opportunity %s has no team or region from its agent", r[0])
		}
		if r[6] == "won" {
			var v float64
			if _, err := fmt.Sscan(r[9], &v); err != nil {
				t.Fatal(err)
			}
			wonTotal += v
		}
	}
	for stage, n := range map[string]int{"won": 4238, "lost": 2473, "qualified": 1589} {
		if stages[stage] != n {
			t.Errorf("%d %s opportunities, want %d", stages[stage], stage, n)
		}
	}
	wantGTXPro := 0
	for _, r := range source[1:] {
		if r[2] == "GTXPro" && r[4] != "Prospecting" {
			wantGTXPro++
		}
	}
	if products["GTXPro"] != 0 || products["GTX Pro"] != wantGTXPro || wantGTXPro == 0 {
		t.Errorf("products: GTXPro %d, GTX Pro %d; want the catalogue's spelling for all %d", products["GTXPro"], products["GTX Pro"], wantGTXPro)
	}
	// 1,425 rows have no account: 1,088 Engaging (imported) and 337 Prospecting (rejected).
	if noAccount != 1088 {
		t.Errorf("%d imported opportunities without account, want 1088", noAccount)
	}
	if math.Abs(wonTotal-10005534) > 1e-6 {
		t.Errorf("won total %.0f, want 10005534", wonTotal)
	}

	for name, want := range map[string]TableCounts{
		"teams":     {Read: 35, Imported: 6, Merged: 29},
		"employees": {Read: 35, Imported: 35},
		"accounts":  {Read: 85, Imported: 85},
	} {
		if got := rep.Tables[name].TableCounts; got != want {
			t.Errorf("%s counts = %+v, want %+v", name, got, want)
		}
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings: %v", rep.Warnings)
	}

	// The output is a clean dataset for Load, and importing again gives the same bytes.
	ds, lrep, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Opportunities) != 8300 || len(lrep.Warnings) != 0 || lrep.Tables["opportunities"].Rejected != 0 {
		t.Errorf("Load: %d opportunities, warnings %v", len(ds.Opportunities), lrep.Warnings)
	}
	again := t.TempDir()
	if _, err := Import(m, []string{dir}, ImportOptions{Out: again}); err != nil {
		t.Fatal(err)
	}
	sameDirs(t, out, again)
}
