package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const employeesHeader = "employee_id,role,team_id,region,level,hire_date,exit_date,base_salary,manager_id,birth_year\n"

func writeTable(t *testing.T, dir, table, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, table+".csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tableText(t *testing.T, dir, table string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, table+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func push(t *testing.T, dir, body string, opts PushOptions) *PushResult {
	t.Helper()
	tb, _ := Lookup("employees")
	res, err := Push(dir, tb, strings.NewReader(body), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPushModes(t *testing.T) {
	table := employeesHeader +
		"E1,sales,t1,East,2,2020-01-01,,50000,,1990\n" +
		"E2,sales,t1,East,3,2019-01-01,,60000,,1985\n" +
		"E3,hr,t2,West,1,2021-01-01,,40000,,1995\n"
	delta := employeesHeader +
		"E2,sales,t1,East,4,2019-01-01,,66000,,1985\n" + // changed
		"E3,hr,t2,West,1,2021-01-01,,40000,,1995\n" + // unchanged
		"E4,finance,t2,West,2,2024-01-01,,45000,,1992\n" // new
	for _, tc := range []struct {
		mode MergeMode
		want string
		res  MergeResult
	}{
		{Upsert, employeesHeader +
			"E1,sales,t1,East,2,2020-01-01,,50000,,1990\n" +
			"E2,sales,t1,East,4,2019-01-01,,66000,,1985\n" +
			"E3,hr,t2,West,1,2021-01-01,,40000,,1995\n" +
			"E4,finance,t2,West,2,2024-01-01,,45000,,1992\n",
			MergeResult{Mode: Upsert, Before: 3, After: 4, Inserted: 1, Updated: 1, Unchanged: 1, Written: true}},
		{Replace, delta, MergeResult{Mode: Replace, Before: 3, After: 3, Inserted: 1, Updated: 1, Unchanged: 1, Removed: 1, Written: true}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			dir := t.TempDir()
			writeTable(t, dir, "employees", table)
			res := push(t, dir, delta, PushOptions{MergeOptions: MergeOptions{Mode: tc.mode}})
			if *res.Merge != tc.res {
				t.Errorf("merge = %+v, want %+v", *res.Merge, tc.res)
			}
			if got := tableText(t, dir, "employees"); got != tc.want {
				t.Errorf("employees.csv =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}

	t.Run("append", func(t *testing.T) {
		dir := t.TempDir()
		writeTable(t, dir, "employees", table)
		res := push(t, dir, delta, PushOptions{MergeOptions: MergeOptions{Mode: Append}})
		// Two of the three rows hold keys the table has: rejected, and append has no reject
		// limit, so the new row is added.
		if res.Table.Rejected != 2 || res.Merge.Inserted != 1 || res.Merge.After != 4 || !res.Merge.Written {
			t.Errorf("append: table %+v, merge %+v", res.Table.TableCounts, *res.Merge)
		}
		if p := res.Table.Problems; len(p) != 2 || !strings.Contains(p[0].String(), `employees.csv:2: employee_id: key "E2" is already in the table (employees.csv line 3); append adds new keys only`) {
			t.Errorf("problems = %v", p)
		}
		if res.RejectsFile == "" {
			t.Error("no rejects file")
		}
	})

	t.Run("dry run", func(t *testing.T) {
		dir := t.TempDir()
		writeTable(t, dir, "employees", table)
		res := push(t, dir, delta, PushOptions{MergeOptions: MergeOptions{Mode: Upsert, DryRun: true}})
		if res.Merge.Written || res.Merge.Inserted != 1 || res.Merge.Updated != 1 || res.Merge.After != 4 {
			t.Errorf("dry run: %+v", *res.Merge)
		}
		if got := tableText(t, dir, "employees"); got != table {
			t.Errorf("a dry run changed the table:\n%s", got)
		}
	})

	t.Run("into an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		res := push(t, dir, delta, PushOptions{})
		if res.Merge.Mode != Upsert || res.Merge.Before != 0 || res.Merge.After != 3 || tableText(t, dir, "employees") != delta {
			t.Errorf("push into nothing: %+v", *res.Merge)
		}
	})
}

// TestPushDeltaWithBadRow replays issue 13's delta push at the table level: two rows, one bad,
// against a 172-row table. The upsert is refused (one reject in two rows is far over 1 %),
// nothing is written, and the response says which row and why; the good row alone then
// merges without touching the other 171.
func TestPushDeltaWithBadRow(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(employeesHeader)
	for i := 1; i <= 172; i++ {
		b.WriteString(strings.Replace("EXXX,sales,t1,East,2,2020-01-01,,50000,,1990\n", "XXX", pad3(i), 1))
	}
	table := b.String()
	writeTable(t, dir, "employees", table)

	delta := employeesHeader + "E005,sales,t1,East,3,2020-01-01,,55000,,1990\nE900,Pilot,t1,East,1,2024-01-01,,40000,,1999\n"
	res := push(t, dir, delta, PushOptions{})
	if res.Merge.Written || !strings.Contains(res.Merge.Refused, "1 of 2 rows rejected (50.0 %), more than the 1 % allowed in mode upsert") {
		t.Errorf("merge = %+v, want it refused over the reject limit", *res.Merge)
	}
	if p := res.Table.Problems; len(p) != 1 || !strings.Contains(p[0].String(), `employees.csv:3: role: "Pilot" is not one of`) {
		t.Errorf("problems = %v", p)
	}
	if got := tableText(t, dir, "employees"); got != table {
		t.Error("a refused push changed the table")
	}
	if _, err := os.Stat(filepath.Join(dir, "employees.rejects.csv")); err == nil {
		t.Error("a refused push wrote a rejects file")
	}

	res = push(t, dir, employeesHeader+"E005,sales,t1,East,3,2020-01-01,,55000,,1990\n", PushOptions{})
	if !res.Merge.Written || res.Merge.Before != 172 || res.Merge.After != 172 || res.Merge.Updated != 1 {
		t.Errorf("good row: %+v", *res.Merge)
	}
	got := tableText(t, dir, "employees")
	if want := strings.Replace(table, "E005,sales,t1,East,2,2020-01-01,,50000", "E005,sales,t1,East,3,2020-01-01,,55000", 1); got != want {
		t.Error("the upsert changed more than E005")
	}

	// Replace is what asks for a smaller table, and still not over the reject limit.
	res = push(t, dir, delta, PushOptions{MergeOptions: MergeOptions{Mode: Replace}})
	if res.Merge.Written {
		t.Errorf("replace with half the rows rejected was written: %+v", *res.Merge)
	}
	// A looser limit lets it through, and says what it removed.
	res = push(t, dir, delta, PushOptions{MergeOptions: MergeOptions{Mode: Replace, MaxRejectShare: 0.6}})
	if !res.Merge.Written || res.Merge.Removed != 171 || res.Merge.After != 1 {
		t.Errorf("replace with a 60 %% limit: %+v", *res.Merge)
	}
}

func pad3(i int) string { return fmt.Sprintf("%03d", i) }

func TestMergeRefusesForeignColumns(t *testing.T) {
	dir := t.TempDir()
	writeTable(t, dir, "employees", "employee_id,role,team_id,hire_date,nickname\nE1,sales,t1,2020-01-01,Bo\n")
	tb, _ := Lookup("employees")
	_, err := Push(dir, tb, strings.NewReader(employeesHeader+"E2,sales,t1,,,2020-01-01,,,,\n"), PushOptions{})
	if err == nil || !strings.Contains(err.Error(), `has a column "nickname" that table employees does not have`) {
		t.Errorf("err = %v", err)
	}
}
