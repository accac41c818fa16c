package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestLoad(t *testing.T) {
	rejects := t.TempDir()
	stale := filepath.Join(rejects, "opportunities.rejects.csv")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, rep, err := Load("testdata/load", WithRejectsDir(rejects))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"teams", "employees", "accounts", "opportunities", "rewards"} {
		if !ds.Present(name) {
			t.Errorf("Present(%s) = false", name)
		}
	}
	if ds.Present("invoices") || ds.Invoices != nil {
		t.Error("invoices reported present")
	}
	wantMissing := []string{"invoices", "tickets", "purchase_orders", "expense_claims", "marketing_spend", "targets", "reviews"}
	if !slices.Equal(rep.Missing, wantMissing) {
		t.Errorf("Missing = %q, want %q", rep.Missing, wantMissing)
	}

	counts := map[string]TableCounts{
		"teams":         {Read: 2, Imported: 2},
		"employees":     {Read: 4, Imported: 3, Rejected: 1, Warnings: 1},
		"accounts":      {Read: 2, Imported: 2},
		"opportunities": {Read: 5, Imported: 5, Warnings: 5},
		"rewards":       {Read: 2, Imported: 1, Rejected: 1},
	}
	for name, want := range counts {
		if got := rep.Tables[name].TableCounts; got != want {
			t.Errorf("%s counts = %+v, want %+v", name, got, want)
		}
	}

	// Typed values.
	e2 := ds.Employees[1]
	if e2.EmployeeID != "E2" || !e2.ExitDate.Equal(time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)) || e2.BaseSalary != Some(48000.5) || e2.BirthYear.Valid {
		t.Errorf("employee E2 = %+v", e2)
	}
	o3, o4 := ds.Opportunities[2], ds.Opportunities[3]
	if o3.OpportunityID != "O3" || !o3.ClosedDate.IsZero() || o3.Amount.Valid || o3.AccountID != "" {
		t.Errorf("opportunity O3 = %+v", o3)
	}
	if o4.Amount != Some(2500.25) || o4.Stage != "qualified" {
		t.Errorf("opportunity O4 = %+v", o4)
	}

	// Cross-table warnings, with row counts.
	wantWarnings := map[string]int{
		"employees.team_id":        1,
		"opportunities.account_id": 2,
		"opportunities.owner_id":   2,
		"opportunities.team_id":    1,
	}
	got := map[string]int{}
	for _, w := range rep.Warnings {
		got[w.Table+"."+w.Column] = w.Rows
	}
	if len(got) != len(wantWarnings) {
		t.Errorf("warnings = %v, want %v", rep.Warnings, wantWarnings)
	}
	for k, n := range wantWarnings {
		if got[k] != n {
			t.Errorf("warning %s: %d rows, want %d (all: %v)", k, got[k], n, rep.Warnings)
		}
	}
	for _, w := range rep.Warnings {
		if w.Column == "owner_id" && !strings.Contains(w.Message, `not found in employees.employee_id (1 distinct values, e.g. "E7")`) {
			t.Errorf("owner warning message = %q", w.Message)
		}
	}

	// Rejects files: only for tables with rejects; the stale one is gone.
	for name, want := range map[string]bool{"employees": true, "rewards": true, "opportunities": false, "teams": false} {
		_, err := os.Stat(filepath.Join(rejects, name+".rejects.csv"))
		if (err == nil) != want {
			t.Errorf("%s.rejects.csv exists = %v, want %v", name, err == nil, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(rejects, "employees.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "exit_date: 2021-01-01 is before hire_date 2022-02-01,E4,") {
		t.Errorf("employees.rejects.csv =\n%s", b)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("no required table", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "teams.csv"), []byte("team_id,function\nT1,sales\n"), 0o644)
		_, _, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "neither opportunities.csv nor revenue.csv") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		_, _, err := Load("testdata/load/teams.csv")
		if err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("broken optional table", func(t *testing.T) {
		dir := copyDir(t, "testdata/load")
		os.WriteFile(filepath.Join(dir, "accounts.csv"), nil, 0o644)
		_, _, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "load accounts:") || !strings.Contains(err.Error(), "file is empty") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("revenue only", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "revenue.csv"), []byte("period,scope,scope_id,revenue\n2024Q1,company,,100\n2024-02,region,East,5\n"), 0o644)
		ds, rep, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Revenue) != 2 || ds.Revenue[0].Period.String() != "2024Q1" || ds.Revenue[1].ScopeID != "East" || ds.Present("opportunities") {
			t.Errorf("revenue = %+v", ds.Revenue)
		}
		if slices.Contains(rep.Missing, "opportunities") {
			t.Errorf("Missing lists opportunities although revenue stands in for it: %q", rep.Missing)
		}
	})
	t.Run("subset", func(t *testing.T) {
		ds, rep, err := Load("testdata/load", WithTables("opportunities", "employees"))
		if err != nil {
			t.Fatal(err)
		}
		if ds.Present("teams") || len(rep.Missing) != 0 || len(ds.Opportunities) != 5 {
			t.Errorf("subset load: teams present %v, missing %q, %d opportunities", ds.Present("teams"), rep.Missing, len(ds.Opportunities))
		}
	})
}

// The load report outlives the table reader: keeping the report must not keep the reader's
// checker (its key set and copied keys) alive. A report that pointed into the reader held
// 84 MiB for the 10,000-employee tenant's opportunities and tickets.
func TestLoadReportDoesNotHoldTheReader(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("team_id,name,function,region\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "T%04d,team %d,sales,East\n", i, i)
	}
	path := filepath.Join(dir, "teams.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := newReport()
	rows, chk, err := loadTable(path, TeamCodec, &loadConfig{}, rep, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2000 || rep.Tables["teams"].Imported != 2000 {
		t.Fatalf("%d rows, report %+v", len(rows), rep.Tables["teams"].TableCounts)
	}
	freed := make(chan struct{})
	runtime.SetFinalizer(chk, func(*checker) { close(freed) })
	rows, chk = nil, nil
	deadline := time.After(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-freed:
			runtime.KeepAlive(rep)
			return
		case <-deadline:
			t.Fatal("the table's checker was still alive 5 s after the load while its report was kept")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
