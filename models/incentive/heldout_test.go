package incentive

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// TestEvaluateHeldOut scores the default company's last 12 months with models trained before
// them: the attrition model must rank leavers above stayers better than chance and the
// preference model must beat the types' shares, or the held-out figure a run records is
// meaningless.
func TestEvaluateHeldOut(t *testing.T) {
	_, ds, _ := defaultCompany(t)
	h, err := EvaluateHeldOut(context.Background(), ds, DefaultConfig(), TrainOptions{Seed: trainSeed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *h)
	if h.Cutoff != "2025-10-01" {
		t.Errorf("cutoff %s, want 2025-10-01 (the data end in 2026-09)", h.Cutoff)
	}
	if h.AttritionEmployees < 90 || h.AttritionLeft < 5 || h.PreferenceChoices < 100 {
		t.Errorf("held-out sizes %d employees, %d left, %d choices", h.AttritionEmployees, h.AttritionLeft, h.PreferenceChoices)
	}
	for name, v := range map[string]float64{"attrition AUC": h.AttritionAUC, "baseline AUC": h.BaselineAUC} {
		if !(v > 0.55 && v <= 1) {
			t.Errorf("%s %.3f, want above chance", name, v)
		}
	}
	if !(h.AttritionBrier < 0.25) || math.IsNaN(h.AttritionLogLoss) {
		t.Errorf("attrition Brier %.3f, log loss %.3f", h.AttritionBrier, h.AttritionLogLoss)
	}
	if !(h.PreferenceTop1 > h.PreferenceBaseTop1) || !(h.PreferenceLogLoss < h.PreferenceBaseLogLoss) {
		t.Errorf("preference top-1 %.3f / log loss %.3f against the base rates' %.3f / %.3f", h.PreferenceTop1, h.PreferenceLogLoss, h.PreferenceBaseTop1, h.PreferenceBaseLogLoss)
	}
}

// TestUntilHidesTheFuture checks that the past view of a dataset holds nothing dated on or
// after the cut-off, and undoes later promotions.
func TestUntilHidesTheFuture(t *testing.T) {
	_, ds, _ := defaultCompany(t)
	cutoff, _ := datasets.ParseDate("2025-10-01")
	past := Until(ds, cutoff)
	if len(past.Employees) == 0 || len(past.Rewards) == 0 {
		t.Fatal("empty past")
	}
	for _, e := range past.Employees {
		if !e.HireDate.Before(cutoff) || !e.ExitDate.IsZero() && !e.ExitDate.Before(cutoff) {
			t.Errorf("%s: hired %s, left %s", e.EmployeeID, e.HireDate, e.ExitDate)
		}
	}
	for _, rw := range past.Rewards {
		if !rw.Date.Before(cutoff) || rw.PerformanceDelta.Valid && rw.Date.AddDate(0, 6, 0).After(cutoff) ||
			rw.Retained12m.Valid && rw.Date.AddDate(1, 0, 0).After(cutoff) {
			t.Errorf("reward %s of %s leaks the future", rw.RewardID, datasets.FormatDate(rw.Date))
		}
	}
	// An employee promoted after the cut-off is a level lower in the past view.
	for i, rw := range ds.Rewards {
		if rw.Type != "promotion" || rw.Date.Before(cutoff) {
			continue
		}
		for _, e := range ds.Employees {
			if e.EmployeeID != rw.EmployeeID || !e.HireDate.Before(cutoff) {
				continue
			}
			for _, pe := range past.Employees {
				if pe.EmployeeID == e.EmployeeID && pe.Level.V >= e.Level.V {
					t.Errorf("%s promoted on %s: level %d in the past view, %d now", e.EmployeeID, datasets.FormatDate(ds.Rewards[i].Date), pe.Level.V, e.Level.V)
				}
			}
			return
		}
	}
	_ = time.Time{}
}
