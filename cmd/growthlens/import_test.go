package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

func runImportCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errb.String(), err
}

func TestImportCommandJSON(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, err := runImportCLI(t, "import", "--mapping", "../../datasets/testdata/import/crm.yaml", "--out", out, "--json", "../../datasets/testdata/import/crm")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var got struct {
		Tables map[string]struct {
			Read, Imported, Rejected, Warnings *int
		} `json:"tables"`
	}
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON value:\n%s", stdout)
	}
	opp, ok := got.Tables["opportunities"]
	if !ok || opp.Read == nil || opp.Imported == nil || opp.Rejected == nil || opp.Warnings == nil {
		t.Fatalf("tables.opportunities lacks read/imported/rejected/warnings: %s", stdout)
	}
	if *opp.Read != 11 || *opp.Imported != 4 || *opp.Rejected != 7 || *opp.Warnings != 1 {
		t.Errorf("opportunities = read %d imported %d rejected %d warnings %d, want 11, 4, 7, 1", *opp.Read, *opp.Imported, *opp.Rejected, *opp.Warnings)
	}
	if !strings.Contains(stderr, "deals.csv:8: stage: \"Pending\" is not one of") {
		t.Errorf("stderr does not list the rejects as file:line: column: reason:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "opportunities.rejects.csv")); err != nil {
		t.Error(err)
	}
}

func TestImportCommandTable(t *testing.T) {
	stdout, _, err := runImportCLI(t, "import", "--mapping", "../../datasets/testdata/import/crm.yaml", "--out", t.TempDir(), "../../datasets/testdata/import/crm")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "read") || strings.Join(strings.Fields(lines[2]), " ") != "opportunities 11 4 7 0 1" {
		t.Errorf("table output:\n%s", stdout)
	}
}

func TestImportCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no mapping flag", []string{"import", "--out", "x", "src"}, `required flag(s) "mapping" not set`},
		{"no source", []string{"import", "--mapping", "m.yaml", "--out", "x"}, "requires at least 1 arg"},
		{"bad mapping", []string{"import", "--mapping", "../../datasets/testdata/import/crm/reps.csv", "--out", "x", "src"}, "reps.csv: mapping:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runImportCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestImportNoRowsExitCode: a table every row of which is rejected is exit code 3, with the
// counts still printed; a usable import is 0.
func TestImportNoRowsExitCode(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened\nO1,Pending,2024-01-05\nO2,Pending,2024-01-06\n"), 0o644)
	mapping := filepath.Join(src, "m.yaml")
	os.WriteFile(mapping, []byte("tables:\n  opportunities:\n    source: deals.csv\n    columns: {opportunity_id: id, stage: stage, created_date: opened}\n"), 0o644)
	stdout, stderr, err := runImportCLI(t, "import", "--mapping", mapping, "--out", t.TempDir(), src)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != exitNoRows || !strings.Contains(err.Error(), "no row imported into opportunities (2 read, 2 rejected)") {
		t.Fatalf("err = %v, want exit code %d naming the table", err, exitNoRows)
	}
	if !strings.Contains(stdout, "opportunities") || !strings.Contains(stderr, `"Pending" is not one of`) {
		t.Errorf("the counts and rejects are still printed:\n%s\n%s", stdout, stderr)
	}
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened\nO1,Pending,2024-01-05\nO2,qualified,2024-01-06\n"), 0o644)
	if _, _, err := runImportCLI(t, "import", "--mapping", mapping, "--out", t.TempDir(), src); err != nil {
		t.Errorf("one good row: err = %v", err)
	}
}

// TestImportInto merges an export into a dataset by key: upsert by default, a dry run that
// writes nothing, and a push over the reject limit that writes nothing at all.
func TestImportInto(t *testing.T) {
	src, into := t.TempDir(), t.TempDir()
	header := "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n"
	table := header + "E1,sales,t1,East,2,2020-01-01,,50000,,1990\nE2,hr,t1,East,1,2021-01-01,,40000,,1991\n"
	os.WriteFile(filepath.Join(into, "employees.csv"), []byte(table), 0o644)
	mapping := filepath.Join(src, "m.yaml")
	os.WriteFile(mapping, []byte("tables:\n  employees:\n    source: hr.csv\n"), 0o644)
	os.WriteFile(filepath.Join(src, "hr.csv"), []byte(header+"E2,hr,t1,East,2,2021-01-01,,44000,,1991\nE3,finance,t2,West,1,2024-01-01,,42000,,1995\n"), 0o644)

	stdout, _, err := runImportCLI(t, "import", "--mapping", mapping, "--into", into, "--dry-run", src)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(into, "employees.csv")); string(got) != table || !strings.Contains(stdout, "dry run") {
		t.Errorf("dry run changed the table or did not say so:\n%s", stdout)
	}
	stdout, _, err = runImportCLI(t, "import", "--mapping", mapping, "--into", into, "--json", src)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tables map[string]struct {
			Merge struct{ Before, After, Inserted, Updated int }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if m := got.Tables["employees"].Merge; m.Before != 2 || m.After != 3 || m.Inserted != 1 || m.Updated != 1 {
		t.Errorf("merge = %+v", m)
	}
	want := header + "E1,sales,t1,East,2,2020-01-01,,50000,,1990\nE2,hr,t1,East,2,2021-01-01,,44000,,1991\nE3,finance,t2,West,1,2024-01-01,,42000,,1995\n"
	if b, _ := os.ReadFile(filepath.Join(into, "employees.csv")); string(b) != want {
		t.Errorf("employees.csv =\n%s\nwant\n%s", b, want)
	}

	// One bad row in two: over the 1 % limit, nothing written, exit 1 saying why.
	os.WriteFile(filepath.Join(src, "hr.csv"), []byte(header+"E1,sales,t1,East,3,2020-01-01,,55000,,1990\nE9,Pilot,t1,East,1,2024-01-01,,1,,1999\n"), 0o644)
	_, _, err = runImportCLI(t, "import", "--mapping", mapping, "--into", into, src)
	if err == nil || !strings.Contains(err.Error(), "nothing was written") || !strings.Contains(err.Error(), "1 of 2 rows rejected") {
		t.Errorf("err = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(into, "employees.csv")); string(b) != want {
		t.Error("a refused import changed the table")
	}
	if _, _, err := runImportCLI(t, "import", "--mapping", mapping, "--out", t.TempDir(), "--mode", "append", src); err == nil {
		t.Error("--mode without --into was accepted")
	}
}

// TestImportIntoCurrency: --into writes the mapping's currency beside the merged tables, and
// refuses, writing nothing, a dataset whose settings name another currency.
func TestImportIntoCurrency(t *testing.T) {
	src, into := t.TempDir(), t.TempDir()
	header := "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n"
	mapping := filepath.Join(src, "m.yaml")
	os.WriteFile(mapping, []byte("currency: USD\ntables:\n  employees:\n    source: hr.csv\n"), 0o644)
	os.WriteFile(filepath.Join(src, "hr.csv"), []byte(header+"E1,sales,t1,East,2,2020-01-01,,50000,,1990\n"), 0o644)
	if _, _, err := runImportCLI(t, "import", "--mapping", mapping, "--into", into, src); err != nil {
		t.Fatal(err)
	}
	if s, err := datasets.ReadSettings(into); err != nil || s.Currency != "USD" {
		t.Errorf("settings after --into: %+v, %v; want USD", s, err)
	}

	other := t.TempDir()
	if err := datasets.WriteSettings(other, datasets.Settings{Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := runImportCLI(t, "import", "--mapping", mapping, "--into", other, src)
	if err == nil || !strings.Contains(err.Error(), "nothing was written") || !strings.Contains(err.Error(), "differs") {
		t.Errorf("USD into an EUR dataset: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "employees.csv")); err == nil {
		t.Error("a refused import wrote employees.csv")
	}
}
