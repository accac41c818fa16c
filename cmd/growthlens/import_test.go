package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
