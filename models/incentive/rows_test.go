package incentive

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/growthlens/growthlens/features"
)

// TestRecommendRowsMatchesRecommend checks that an employee described by the feature row
// features.Staff.At builds gets the recommendation Recommend gives by id: exactly for
// employees with no incentive in the last 12 months (nothing to approximate), and with the
// same eligible options for the others.
func TestRecommendRowsMatchesRecommend(t *testing.T) {
	_, ds, r := defaultCompany(t)
	asOf := r.ObservedUntil().AddDate(0, 0, 1)
	ids, err := r.OnStaff(asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	staff, err := features.NewStaff(ds)
	if err != nil {
		t.Fatal(err)
	}
	byID, err := r.Recommend(context.Background(), ids, Options{Top: 7})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]features.EmployeeRow, len(ids))
	last := make([]string, len(ids))
	for i, id := range ids {
		if rows[i], err = staff.At(id, asOf); err != nil {
			t.Fatal(err)
		}
		if rw := latestReward(staff.Rewards(id), asOf); rw != nil {
			last[i] = rw.Type
		}
	}
	byRow, err := r.RecommendRows(context.Background(), rows, last, Options{Top: 7})
	if err != nil {
		t.Fatal(err)
	}
	exact, approx := 0, 0
	for i := range ids {
		got, want := byRow[i], byID[i]
		if last[i] == "" {
			exact++
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (no recent incentive): RecommendRows differs from Recommend:\n got %+v\nwant %+v", ids[i], got, want)
			}
			continue
		}
		approx++
		if len(got.Options) != len(want.Options) {
			t.Errorf("%s: %d options from the row, %d by id", ids[i], len(got.Options), len(want.Options))
		}
		for _, o := range got.Options {
			if math.IsNaN(o.Value) || math.IsNaN(o.Risk) {
				t.Errorf("%s: option %s has NaN value or risk", ids[i], o.Type)
			}
		}
	}
	if exact == 0 || approx == 0 {
		t.Fatalf("the fixture should have employees with and without a recent incentive: %d and %d", exact, approx)
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
	want, err := r.RecommendRows(context.Background(), []features.EmployeeRow{row}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	derived := row
	derived.AsOf, derived.SalaryRatio = derivedZero(), math.NaN()
	derived.PromotedOn = derivedZero()
	got, err := r.RecommendRows(context.Background(), []features.EmployeeRow{derived}, nil, Options{})
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
	got, err = r.RecommendRows(context.Background(), []features.EmployeeRow{unknown}, nil, Options{})
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

	if _, err := r.RecommendRows(context.Background(), []features.EmployeeRow{row}, []string{"holiday"}, Options{}); err == nil {
		t.Errorf("an unknown last incentive type was accepted")
	}
}

func derivedZero() (z time.Time) { return z }
