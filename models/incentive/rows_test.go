package incentive

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/growthlens/growthlens/features"
)

// TestRecommendRowsMatchesRecommend checks that an employee described by the rows Features
// returns — directly, and as features.EmployeeRecord through JSON and back — gets exactly the
// recommendation Recommend gives by id: the same risk, preferences, values and reasons.
func TestRecommendRowsMatchesRecommend(t *testing.T) {
	_, _, r := defaultCompany(t)
	ids, err := r.OnStaff(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	byID, err := r.Recommend(context.Background(), ids, Options{Top: 7})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Features(ids, Options{})
	if err != nil {
		t.Fatal(err)
	}
	recent := 0
	posted := make([]features.EmployeeRow, len(rows))
	for i := range rows {
		if rows[i].LastIncentive != "" {
			recent++
		}
		b, err := json.Marshal(features.RecordOf(&rows[i], false))
		if err != nil {
			t.Fatal(err)
		}
		var rec features.EmployeeRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if posted[i], err = rec.Row(time.Time{}, false, r.MedianSalary); err != nil {
			t.Fatalf("%s: %v\n%s", ids[i], err, b)
		}
	}
	if recent == 0 || recent == len(rows) {
		t.Fatalf("the fixture should have employees with and without a recent incentive: %d of %d", recent, len(rows))
	}
	for name, in := range map[string][]features.EmployeeRow{"rows": rows, "records": posted} {
		got, err := r.RecommendRows(context.Background(), in, Options{Top: 7})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			gb, _ := json.Marshal(got[i])
			wb, _ := json.Marshal(byID[i])
			if string(gb) != string(wb) {
				t.Errorf("%s from %s: RecommendRows differs from Recommend:\n got %s\nwant %s", ids[i], name, gb, wb)
			}
		}
	}
}

// TestRecommendRowsDerivesMissingFields checks the fields RecommendRows fills in.
func TestRecommendRowsDerivesMissingFields(t *testing.T) {
	_, ds, r := defaultCompany(t)
	staff, err := features.NewStaff(ds)
	if err != nil {
		t.Fatal(err)
	}
	asOf := r.ObservedUntil().AddDate(0, 0, 1)
	ids, _ := r.OnStaff(asOf, "")
	row, err := staff.At(ids[0], asOf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.RecommendRows(context.Background(), []features.EmployeeRow{row}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	derived := row
	derived.AsOf, derived.SalaryRatio = derivedZero(), math.NaN()
	derived.PromotedOn = derivedZero()
	got, err := r.RecommendRows(context.Background(), []features.EmployeeRow{derived}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0].Options) != len(want[0].Options) {
		t.Fatalf("derived row: %d options, want %d", len(got[0].Options), len(want[0].Options))
	}
	for k := range got[0].Options {
		g, w := got[0].Options[k], want[0].Options[k]
		if g.Type != w.Type || math.Abs(g.Value-w.Value) > 1e-6*math.Max(1, math.Abs(w.Value)) {
			t.Errorf("option %d: got %s value %g, want %s value %g", k, g.Type, g.Value, w.Type, w.Value)
		}
	}

	unknown := row
	unknown.PromotedOn, unknown.PromotionWaitMonths = derivedZero(), math.NaN()
	got, err = r.RecommendRows(context.Background(), []features.EmployeeRow{unknown}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range got[0].Options {
		if o.Type == "promotion" {
			t.Errorf("promotion offered although the time since the last promotion is unknown")
		}
	}
	if n := len(got[0].Notes); n == 0 || got[0].Notes[n-1] == "" {
		t.Errorf("no note says the promotion wait was unknown: %q", got[0].Notes)
	}

	holiday := row
	holiday.LastIncentive, holiday.LastIncentiveFit = "holiday", math.NaN()
	if _, err := r.RecommendRows(context.Background(), []features.EmployeeRow{holiday}, Options{}); err == nil {
		t.Errorf("an unknown last incentive type was accepted")
	}
}

func derivedZero() (z time.Time) { return z }
