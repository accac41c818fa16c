package features

import (
	"math"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

func TestStaffAt(t *testing.T) {
	s, err := NewStaff(load(t, "testdata/panel"))
	if err != nil {
		t.Fatal(err)
	}
	at := func(id, day string) EmployeeRow {
		t.Helper()
		d, err := datasets.ParseDate(day)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.At(id, d)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.IsNaN(want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-want) > 0.01 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// As of 2024-02-01: promotion R1 and bonus R2 are history, training R3 is in the future.
	r := at("E1", "2024-02-01")
	near("level", r.Level, 2)
	near("salary", r.Salary, 60000)
	near("salary ratio", r.SalaryRatio, 1) // E2 not hired yet: E1 is the median
	near("age", r.Age, 39)
	near("tenure", r.TenureYears, 4.085)
	near("promotion wait", r.PromotionWaitMonths, 387/30.4375)
	if got, want := datasets.FormatDate(r.PromotedOn), "2023-01-10"; got != want {
		t.Errorf("promoted on %s, want %s", got, want)
	}
	near("perf last", r.PerfLast, 4.0)    // 2023Q4; 2024Q1 has not ended
	near("perf trend", r.PerfTrend, 0.75) // 4.0 - mean(3.0, 3.5)
	near("kpi last", r.KPILast, 1.1)      //
	near("perf mean", r.PerfMean, 3.5)    // mean(3.0, 3.5, 4.0): 2023Q2-Q4 ended in the 24 months before
	near("kpi mean", r.KPIMean, 1.0)      // mean(0.9, 1.0, 1.1)
	near("months since reward", r.MonthsSinceReward, 215/30.4375)
	near("promotions 24m", r.Rewards24m[2], 1)          // datasets.RewardTypes[2] == promotion
	near("cash 24m", r.Rewards24m[0], 1)                //
	near("training 24m", r.Rewards24m[3], 0)            // R3 is after asOf
	near("reimbursement days", r.ReimbursementDays, 10) // C1 only; C2 is submitted on asOf
	if !r.Active {
		t.Error("E1 inactive on 2024-02-01")
	}

	// Before the promotion: a level lower and the raise undone.
	r = at("E1", "2023-01-01")
	near("level before promotion", r.Level, 1)
	near("salary before promotion", r.Salary, 55000)
	near("wait since hire", r.PromotionWaitMonths, 1096/30.4375)
	if got, want := datasets.FormatDate(r.PromotedOn), "2020-01-01"; got != want {
		t.Errorf("before any promotion: promoted on %s, want the hire date %s", got, want)
	}
	near("no reviews yet", r.PerfLast, math.NaN())
	near("no reviews yet: mean", r.PerfMean, math.NaN())
	near("no reward yet", r.MonthsSinceReward, math.NaN())

	// Two years on, only 2024Q1 (ended 2024-03-31) is inside the 24-month window.
	r = at("E1", "2026-01-01")
	near("perf mean, 24-month window", r.PerfMean, 4.5)
	near("kpi mean, 24-month window", r.KPIMean, 1.2)

	d, _ := datasets.ParseDate("2024-02-01")
	if med, ok := s.RoleMedianSalary("sales", d); !ok || med != 60000 {
		t.Errorf("sales median on 2024-02-01 = %v, %v; want 60000 (E1 alone)", med, ok)
	}
	if _, ok := s.RoleMedianSalary("finance", d); ok {
		t.Error("finance median: no one in finance, want false")
	}
	if r := at("E2", "2024-06-01"); r.Active {
		t.Error("E2 active after leaving on 2024-05-20")
	}
	if _, err := s.At("E9", datasets.Period{}.Start()); err == nil {
		t.Error("unknown employee: want error")
	}
	r = at("E1", "2024-02-01")
	if got, want := len(r.Values()), len(EmployeeColumns); got != want {
		t.Errorf("Values has %d fields, EmployeeColumns %d names", got, want)
	}
}
