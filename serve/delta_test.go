package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeltaPushScenario replays issue 13's delta push. An HR system pushes two employee rows,
// one of them bad, and then one good row among rejects: before, each replaced the whole table
// (172 rows became 1); now nothing is lost, the bad rows are reported, and a good row alone
// merges into the table. Then a shrunken employees table is put on purpose (replace) and the
// tenant retrains with auto-promotion: no model is promoted on data that lost most of its
// employees, the run record says why, and so does the audit log.
func TestDeltaPushScenario(t *testing.T) {
	ts := startServer(t, nil)
	key := acme + "/admin"
	file := filepath.Join(ts.dataRoot, acme, "employees.csv")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(before)), "\n")
	header, rows := lines[0], lines[1:]
	if len(rows) != 172 {
		t.Fatalf("the default company has %d employees, the scenario expects 172", len(rows))
	}
	team := strings.Split(rows[5], ",")[2]
	teamBefore := teamSize(t, ts, key, team)

	// Two rows, one bad (role "Pilot": a role is a built-in one or a lower-case name a
	// tenant's catalogue adds, issue 16): refused, the bad row named, nothing written.
	bad := strings.Replace(rows[7], ",sales,", ",Pilot,", 1)
	if bad == rows[7] {
		bad = strings.Replace(rows[7], ","+strings.Split(rows[7], ",")[1]+",", ",Pilot,", 1)
	}
	for _, method := range []string{"POST", "PUT"} {
		r := ts.do(t, method, "/v1/data/employees", key, "text/csv", []byte(header+"\n"+rows[3]+"\n"+bad+"\n"))
		checkError(t, r, 422, EInvalidData)
		var e struct{ Error struct{ Message string } }
		json.Unmarshal(r.body, &e)
		if !strings.Contains(e.Error.Message, "nothing was written") || !strings.Contains(e.Error.Message, `employees.csv:3: role: "Pilot" is not one of`) {
			t.Errorf("%s: the refusal does not name the bad row: %s", method, r)
		}
	}
	// One good row among rejects: refused too.
	var junk strings.Builder
	junk.WriteString(header + "\n" + rows[3] + "\n")
	for i := range 20 {
		junk.WriteString(strings.Replace(rows[10+i], strings.Split(rows[10+i], ",")[5], "yesterday", 1) + "\n")
	}
	checkError(t, ts.do(t, "PUT", "/v1/data/employees", key, "text/csv", []byte(junk.String())), 422, EInvalidData)
	if now, _ := os.ReadFile(file); string(now) != string(before) {
		t.Fatal("a refused push changed employees.csv")
	}

	// The good row alone: an upsert that changes that row and nothing else.
	changed := strings.Split(rows[3], ",")
	changed[7] = "99999" // base_salary
	r := ts.do(t, "POST", "/v1/data/employees", key, "text/csv", []byte(header+"\n"+strings.Join(changed, ",")+"\n"))
	if r.status != 200 {
		t.Fatalf("upsert of one good row: %s", r)
	}
	var up struct {
		Merge struct{ Before, After, Updated, Inserted int }
	}
	json.Unmarshal(r.body, &up)
	if up.Merge.Before != 172 || up.Merge.After != 172 || up.Merge.Updated != 1 || up.Merge.Inserted != 0 {
		t.Errorf("upsert: %+v", up.Merge)
	}
	now, _ := os.ReadFile(file)
	if want := strings.Replace(string(before), rows[3], strings.Join(changed, ","), 1); string(now) != want {
		t.Error("the upsert changed more than its row")
	}
	waitReload(t, ts, acme)
	if n := teamSize(t, ts, key, team); n != teamBefore {
		t.Errorf("team %s lists %d employees after the push, %d before", team, n, teamBefore)
	}

	// A shrunken table put on purpose (replace is asked for), then a retrain with auto.
	shrunk := header + "\n" + strings.Join(rows[:20], "\n") + "\n"
	if r := ts.do(t, "PUT", "/v1/data/employees", key, "text/csv", []byte(shrunk)); r.status != 200 {
		t.Fatalf("replace: %s", r)
	}
	champions := map[string]int{}
	for _, name := range []string{"forecast", "driver", "incentive"} {
		var m struct{ Champion int }
		json.Unmarshal(ts.do(t, "GET", "/v1/models/"+name, key, "", nil).body, &m)
		champions[name] = m.Champion
	}
	job := trainAndWait(t, ts, acme, map[string]any{"seed": 11, "promote": "auto"}, 5*time.Minute)
	var run struct {
		Models []struct {
			Name     string
			Version  int
			Promoted bool
			Blocked  bool
			Decision string
		}
	}
	if err := json.Unmarshal(job.Run, &run); err != nil || len(run.Models) == 0 {
		t.Fatalf("run record: %v %s", err, job.Run)
	}
	for _, m := range run.Models {
		if m.Promoted || !m.Blocked || !strings.Contains(m.Decision, "table employees fell from 172 to 20") {
			t.Errorf("%s v%d after a shrinking upload: promoted %v, blocked %v, %q", m.Name, m.Version, m.Promoted, m.Blocked, m.Decision)
		}
	}
	for name, v := range champions {
		var m struct{ Champion int }
		json.Unmarshal(ts.do(t, "GET", "/v1/models/"+name, key, "", nil).body, &m)
		if m.Champion != v {
			t.Errorf("%s champion moved from v%d to v%d", name, v, m.Champion)
		}
	}
	var audit struct {
		Entries []struct{ Action, Target, Outcome, Detail string }
	}
	json.Unmarshal(ts.do(t, "GET", "/v1/audit?action=train.promote&limit=20", key, "", nil).body, &audit)
	blocked := 0
	for _, e := range audit.Entries {
		if e.Outcome == "blocked" && strings.Contains(e.Detail, "table employees fell from 172 to 20") {
			blocked++
		}
	}
	if blocked != len(run.Models) {
		t.Errorf("%d blocked promotions in the audit log, want %d: %+v", blocked, len(run.Models), audit.Entries)
	}
}

// teamSize is the number of recommendations a team request answers.
func teamSize(t *testing.T, ts *testServer, key, team string) int {
	t.Helper()
	var got struct{ Count int }
	if err := json.Unmarshal(ts.json(t, "POST", "/v1/recommendations", key, map[string]any{"team": team, "reasons": false}).body, &got); err != nil {
		t.Fatal(err)
	}
	return got.Count
}

// waitReload waits until the tenant's snapshot has loaded its data again after an upload.
func waitReload(t *testing.T, ts *testServer, tenant string) {
	t.Helper()
	sn := ts.srv.tenant(tenant).live.Load()
	deadline := time.Now().Add(60 * time.Second)
	for ts.srv.tenant(tenant).live.Load() == sn {
		if time.Now().After(deadline) {
			t.Fatal("the tenant did not reload its data")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
