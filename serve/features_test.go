package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/registry"
)

// TestPostedFeaturesScoreAsStored is issue 13's first acceptance line: for every employee on
// staff, the record GET /v1/employees/{id}/features returns, posted back to
// /v1/recommendations, gives the recommendation asking by id gives, to the byte — risk,
// preferences, values, drivers and reasons — on the default company and on a 2,000-employee
// company trained through the API.
func TestPostedFeaturesScoreAsStored(t *testing.T) {
	ts := startServer(t, nil)
	checkPostedFeatures(t, ts, acme)

	// A 2,000-employee tenant, trained through the API.
	const big = "big"
	dir := filepath.Join(ts.dataRoot, big)
	cfg := synth.DefaultConfig()
	cfg.Employees, cfg.Seed = 2000, 5
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{registry.RoleTrainer, registry.RoleHRSystem} {
		secret, _, err := ts.srv.Store().CreateKey(big, role, "test")
		if err != nil {
			t.Fatal(err)
		}
		ts.keys[big+"/"+role] = secret
	}
	job := trainAndWait(t, ts, big, map[string]any{"seed": 1, "promote": "always"}, 10*time.Minute)
	if job.Status != jobSucceeded {
		t.Fatalf("training: %+v", job)
	}
	checkPostedFeatures(t, ts, big)
}

// checkPostedFeatures compares, for every employee of the tenant on staff on the default
// date, the recommendation by id with the one for the posted feature record.
func checkPostedFeatures(t *testing.T, ts *testServer, tenant string) {
	t.Helper()
	sn := ts.srv.tenant(tenant).live.Load()
	if sn.incentive == nil {
		t.Fatalf("%s: no incentive model loaded", tenant)
	}
	ids, err := sn.incentive.rec.OnStaff(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	key := tenant + "/hr_system"
	var records []json.RawMessage
	for _, id := range ids {
		r := ts.do(t, "GET", "/v1/employees/"+id+"/features", key, "", nil)
		if r.status != 200 {
			t.Fatalf("%s: GET features of %s: %s", tenant, id, r)
		}
		var got struct {
			AsOf     string          `json:"as_of"`
			Employee json.RawMessage `json:"employee"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.AsOf != datasets.FormatDate(sn.incentive.asOf) {
			t.Fatalf("%s: as_of %s, want %s", id, got.AsOf, datasets.FormatDate(sn.incentive.asOf))
		}
		records = append(records, got.Employee)
	}
	type answer struct {
		Recommendations []json.RawMessage `json:"recommendations"`
	}
	byID := decode[answer](t, ts.json(t, "POST", "/v1/recommendations", key, map[string]any{"employee_ids": ids, "top": 7}))
	posted := decode[answer](t, ts.json(t, "POST", "/v1/recommendations", key, map[string]any{"employees": records, "top": 7}))
	if len(byID.Recommendations) != len(ids) || len(posted.Recommendations) != len(ids) {
		t.Fatalf("%s: %d by id, %d posted, want %d", tenant, len(byID.Recommendations), len(posted.Recommendations), len(ids))
	}
	differ := 0
	for i := range ids {
		if !bytes.Equal(byID.Recommendations[i], posted.Recommendations[i]) {
			if differ++; differ <= 3 {
				t.Errorf("%s %s: posted features score differently:\nby id  %s\nposted %s\nrecord %s", tenant, ids[i], byID.Recommendations[i], posted.Recommendations[i], records[i])
			}
		}
	}
	if differ > 0 {
		t.Errorf("%s: %d of %d employees score differently from their posted features", tenant, differ, len(ids))
	}
	t.Logf("%s: %d employees, posted features score as stored", tenant, len(ids))
	if len(ids) == 0 {
		t.Fatal(fmt.Errorf("%s: nobody on staff", tenant))
	}
}

// TestPostedRecordUnknownIsNotZero is issue 13's README example: a posted record without the
// two-year review and KPI means is scored with them unknown (typical), not as 0, and says so.
func TestPostedRecordUnknownIsNotZero(t *testing.T) {
	ts := startServer(t, nil)
	key := acme + "/hr_system"
	record := map[string]any{"employee_id": "NEW-1", "role": "sales", "team_id": "east-sales-01", "region": "East", "level": 3, "tenure_years": 1.5, "salary": 80000, "perf_last": 3.5}
	type answer struct {
		Recommendations []struct {
			Risk    float64  `json:"attrition_risk"`
			Unknown []string `json:"unknown_inputs"`
			Options []struct {
				Reasons []string `json:"reasons"`
			} `json:"options"`
		} `json:"recommendations"`
	}
	got := decode[answer](t, ts.json(t, "POST", "/v1/recommendations", key, map[string]any{"employees": []any{record}})).Recommendations[0]
	zero := record
	zero["perf_mean_24m"], zero["kpi_mean_24m"] = 0, 0
	asZero := decode[answer](t, ts.json(t, "POST", "/v1/recommendations", key, map[string]any{"employees": []any{zero}})).Recommendations[0]
	if got.Risk > 0.6 || !(asZero.Risk > got.Risk) {
		t.Errorf("risk %.3f with the means unknown, %.3f with them 0: unknown must not be read as 0", got.Risk, asZero.Risk)
	}
	for _, want := range []string{"perf_mean_24m", "kpi_last"} {
		if !slicesContains(got.Unknown, want) {
			t.Errorf("unknown inputs %v lack %s", got.Unknown, want)
		}
	}
	last := got.Options[0].Reasons[len(got.Options[0].Reasons)-1]
	if !bytes.Contains([]byte(last), []byte("Not known, so taken as typical: ")) || !bytes.Contains([]byte(last), []byte("average review score over two years")) {
		t.Errorf("reasons do not say which inputs were unknown: %q", got.Options[0].Reasons)
	}
	// A stored employee's features say "not found" for an unknown id and 400 for a bad date.
	checkError(t, ts.do(t, "GET", "/v1/employees/NOPE/features", key, "", nil), 404, ENotFound)
	checkError(t, ts.do(t, "GET", "/v1/employees/E000006/features?as_of=2031-01-01", key, "", nil), 400, EInvalid)
	checkError(t, ts.do(t, "GET", "/v1/employees/E000006/features", acme+"/viewer", "", nil), 403, EPermission)
}

func slicesContains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestAttritionAnswers checks GET /v1/attrition: an employee's risk with its drivers in
// words, a scope's expected leavers with an interval holding them, past turnover, the
// employees most at risk in order, and the errors.
func TestAttritionAnswers(t *testing.T) {
	ts := startServer(t, nil)
	key := acme + "/gm"
	type riskJSON struct {
		EmployeeID string  `json:"employee_id"`
		TeamID     string  `json:"team_id"`
		Risk       float64 `json:"attrition_risk"`
		Typical    float64 `json:"typical_risk"`
		Drivers    []struct {
			Feature string  `json:"feature"`
			Effect  float64 `json:"effect"`
		} `json:"drivers"`
		Reasons []string `json:"reasons"`
	}
	one := decode[struct {
		Employee riskJSON `json:"employee"`
	}](t, ts.do(t, "GET", "/v1/attrition?employee_id=E000006", key, "", nil))
	e := one.Employee
	if e.EmployeeID != "E000006" || !(e.Risk > 0 && e.Risk < 1) || len(e.Reasons) == 0 || !strings.HasPrefix(e.Reasons[0], "Risk of leaving within a year ") {
		t.Errorf("employee risk: %+v", e)
	}
	for _, d := range e.Drivers {
		if !(d.Effect > 0) || d.Feature == "age" {
			t.Errorf("driver %+v", d)
		}
	}
	type scopeJSON struct {
		Scope   string `json:"scope"`
		Leavers struct {
			Employees       int     `json:"employees"`
			Expected        float64 `json:"expected"`
			Low, High       int
			Level, Turnover float64
		} `json:"leavers"`
		Past []struct {
			Employees, Left int
			Rate            float64
		} `json:"past"`
		AtRisk []riskJSON `json:"at_risk"`
	}
	co := decode[scopeJSON](t, ts.do(t, "GET", "/v1/attrition?limit=5", key, "", nil))
	l := co.Leavers
	if co.Scope != "company" || l.Employees != 98 || !(float64(l.Low) <= l.Expected && l.Expected <= float64(l.High)) || l.Level != 0.8 {
		t.Errorf("company leavers: %+v", co)
	}
	if len(co.Past) != 3 || co.Past[0].Employees == 0 || len(co.AtRisk) != 5 {
		t.Errorf("past turnover %+v, at risk %d", co.Past, len(co.AtRisk))
	}
	for i := 1; i < len(co.AtRisk); i++ {
		if co.AtRisk[i].Risk > co.AtRisk[i-1].Risk {
			t.Errorf("at risk not in order: %v", co.AtRisk)
		}
	}
	tm := decode[scopeJSON](t, ts.do(t, "GET", "/v1/attrition?scope=team:east-sales-01", key, "", nil))
	for _, r := range tm.AtRisk {
		if r.TeamID != "east-sales-01" {
			t.Errorf("team scope lists %s of %s", r.EmployeeID, r.TeamID)
		}
	}
	if tm.Leavers.Employees == 0 || tm.Leavers.Employees > l.Employees {
		t.Errorf("team leavers: %+v", tm.Leavers)
	}
	decode[scopeJSON](t, ts.do(t, "GET", "/v1/attrition?scope=region:East", key, "", nil))
	checkError(t, ts.do(t, "GET", "/v1/attrition?scope=team:nowhere", key, "", nil), 404, ENotFound)
	checkError(t, ts.do(t, "GET", "/v1/attrition?scope=planet:Mars", key, "", nil), 400, EInvalid)
	checkError(t, ts.do(t, "GET", "/v1/attrition?employee_id=NOPE", key, "", nil), 404, ENotFound)
	checkError(t, ts.do(t, "GET", "/v1/attrition?employee_id=E000006&scope=company", key, "", nil), 400, EInvalid)
	checkError(t, ts.do(t, "GET", "/v1/attrition", acme+"/viewer", "", nil), 403, EPermission)
}

// trainAndWait starts a training run of the tenant with the body and returns its job once it
// has ended, failing the test after timeout.
func trainAndWait(t *testing.T, ts *testServer, tenant string, body map[string]any, timeout time.Duration) Job {
	t.Helper()
	key := tenant + "/trainer"
	job := decode[Job](t, ts.json(t, "POST", "/v1/training-runs", key, body))
	deadline := time.Now().Add(timeout)
	for job.Status == jobQueued || job.Status == jobRunning {
		if time.Now().After(deadline) {
			t.Fatalf("%s: training did not finish in %s: %+v", tenant, timeout, job)
		}
		time.Sleep(100 * time.Millisecond)
		job = decode[Job](t, ts.do(t, "GET", "/v1/training-runs/"+job.ID, key, "", nil))
	}
	return job
}
