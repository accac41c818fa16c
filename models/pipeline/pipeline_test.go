package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var day0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// history makes deals created every day for two years with exponential times to close
// (mean 40 days) and a win rate of 0.4 (0.7 for owner "ace"), amount 1000.
func history(seed uint64) []Deal {
	r := rand.New(rand.NewPCG(seed, 1))
	var ds []Deal
	for i := range 730 {
		for k := range 3 {
			owner := fmt.Sprintf("rep%d", k)
			p := 0.4
			if k == 0 {
				owner, p = "ace", 0.7
			}
			c := day0.AddDate(0, 0, i)
			ds = append(ds, Deal{
				ID: fmt.Sprint(i, k), Owner: owner, Team: "t1", Amount: 1000, Created: c,
				Closed: c.Add(time.Duration(r.ExpFloat64()*40*24) * time.Hour), Won: r.Float64() < p,
			})
		}
	}
	return ds
}

func TestProbabilityRecoversSurvivalAndWinRate(t *testing.T) {
	ds := history(1)
	asOf := day0.AddDate(1, 6, 0)
	m, err := Fit(ds, asOf)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh deal of an average rep: 0.4 × (1 − e^(−90/40)) within 90 days; exponential
	// times have no memory, so an older open deal has the same chance.
	want := 0.4 * (1 - math.Exp(-90.0/40))
	for _, age := range []int{1, 20} {
		d := Deal{Owner: "rep1", Team: "t1", Amount: 1000, Created: asOf.AddDate(0, 0, -age)}
		if got := m.Probability(d, 90); math.Abs(got-want) > 0.04 {
			t.Errorf("age %d: P(won within 90 days) = %.3f, want %.3f", age, got, want)
		}
	}
	ace := Deal{Owner: "ace", Team: "t1", Created: asOf.AddDate(0, 0, -1)}
	if w := m.WinRate(ace); math.Abs(w-0.7) > 0.05 {
		t.Errorf("ace's win rate %.3f, want about 0.7", w)
	}
	if w := m.WinRate(Deal{Owner: "new", Team: "t1"}); math.Abs(w-0.5) > 0.05 {
		t.Errorf("a new owner gets the team's rate %.3f, want about 0.5", w)
	}
	// Closed before the date, or not yet created: no chance.
	if p := m.Probability(ds[0], 90); p != 0 {
		t.Errorf("a deal closed long before the date has probability %v", p)
	}
}

// Fitting as of a date reads nothing after it: changing every outcome and deal after the date
// leaves the model's answers unchanged.
func TestFitNeverLooksAhead(t *testing.T) {
	ds := history(2)
	asOf := day0.AddDate(1, 0, 0)
	m1, err := Fit(ds, asOf)
	if err != nil {
		t.Fatal(err)
	}
	changed := make([]Deal, len(ds))
	for i, d := range ds {
		if !d.Closed.Before(asOf) {
			d.Won = !d.Won
			d.Closed = d.Closed.AddDate(0, 0, 50)
		}
		changed[i] = d
	}
	changed = append(changed, Deal{Owner: "rep1", Team: "t1", Created: asOf.AddDate(0, 0, 3), Closed: asOf.AddDate(0, 0, 4), Won: true, Amount: 1e6})
	m2, err := Fit(changed, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if p := m2.Probability(changed[len(changed)-1], 91); p != 0 {
		t.Errorf("a deal created after the date has probability %v", p)
	}
	for age := 1; age <= 120; age += 7 {
		for _, owner := range []string{"ace", "rep1"} {
			d := Deal{Owner: owner, Team: "t1", Created: asOf.AddDate(0, 0, -age)}
			if p1, p2 := m1.Probability(d, 91), m2.Probability(d, 91); p1 != p2 || p1 <= 0 {
				t.Fatalf("%s, age %d: %v before, %v after changing the future", owner, age, p1, p2)
			}
		}
	}
	if _, err := Fit(ds, day0); err == nil {
		t.Error("a fit with no closed history succeeded")
	}
}

// The simulated revenue's mean is the expectation and its quantiles bracket it; the real
// outcome of the open deals falls inside the 80 % range in most quarters.
func TestOutlook(t *testing.T) {
	ds := history(3)
	inside, n := 0, 0
	for q := 2; q < 8; q++ {
		asOf := day0.AddDate(0, 3*q, 0)
		m, err := Fit(ds, asOf)
		if err != nil {
			t.Fatal(err)
		}
		o := m.Outlook(ds, 91, []float64{0.1, 0.5, 0.9}, 2000, 7)
		if o.Deals == 0 || !(o.Quantiles[0] < o.Expected && o.Expected < o.Quantiles[2]) {
			t.Fatalf("%s: outlook %+v does not bracket its expectation", asOf.Format("2006-01-02"), o)
		}
		again := m.Outlook(ds, 91, []float64{0.1, 0.5, 0.9}, 2000, 7)
		if again.Quantiles[1] != o.Quantiles[1] {
			t.Fatal("the same seed gave a different simulation")
		}
		actual := 0.0
		end := asOf.AddDate(0, 0, 91)
		for _, d := range ds {
			if open(d, asOf) && d.Won && d.Closed.Before(end) {
				actual += d.Amount
			}
		}
		if actual >= o.Quantiles[0] && actual <= o.Quantiles[2] {
			inside++
		}
		n++
	}
	if inside < 4 {
		t.Errorf("the open deals' won revenue fell in the 80 %% range in %d of %d quarters", inside, n)
	}
}
