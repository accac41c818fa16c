package driver

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

// TestFitMixedRecoversTimedEffects simulates companies whose drivers act month by month
// (timedCompany: one effect spread over the five months after the driver moves, one in the
// same month) and whose revenue is seen by quarter. The mixed model's 95 % intervals must hold
// the true sustained effects (at most one miss in twelve: with calibrated intervals, two or
// more happen one time in nine) and its mean estimate must be within 5 % of the truth; the quarterly model, which sees the drivers' quarterly means, is more than 5 % off
// for the spread-out effect on the same companies (about 7.5 %: the bias FitMixed removes).
func TestFitMixedRecoversTimedEffects(t *testing.T) {
	spec := timedCompany()
	const companies = 6
	sumQ, sumM, misses := 0.0, 0.0, 0
	for seed := uint64(1); seed <= companies; seed++ {
		q, m := simulateMixed(spec, rand.New(rand.NewPCG(seed, 1)))
		quarterly, err := fitFrame(q, Options{Replicates: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		mixed, err := fitWith(context.Background(), q, m, Options{Replicates: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if mixed.MonthLags != 3*(MixedLags+1)-1 || mixed.Lags != MixedLags {
			t.Errorf("month lags %d, lags %d: want %d and %d", mixed.MonthLags, mixed.Lags, 3*(MixedLags+1)-1, MixedLags)
		}
		for j, e := range mixed.Effects {
			want := 0.0
			for _, c := range spec.profile[j] {
				want += c
			}
			s := e.Sustained
			if s.Lower > want || s.Upper < want {
				misses++
				t.Logf("company %d, %s: %.4f [%.4f, %.4f] misses %.4f", seed, e.Column, s.Estimate, s.Lower, s.Upper, want)
			}
			months, quarters := 0.0, 0.0
			for _, c := range e.Months {
				months += c.Estimate
			}
			for _, c := range e.Lags {
				quarters += c.Estimate
			}
			if len(e.Months) != mixed.MonthLags+1 || len(e.Lags) != mixed.Lags+1 || !closeTo(months, s.Estimate, 1e-12) || !closeTo(quarters, s.Estimate, 1e-12) {
				t.Errorf("company %d, %s: %d months adding up to %g and %d lags to %g, want %d and %d adding up to the sustained %g",
					seed, e.Column, len(e.Months), months, len(e.Lags), quarters, mixed.MonthLags+1, mixed.Lags+1, s.Estimate)
			}
		}
		sumQ += quarterly.Effects[0].Sustained.Estimate / companies
		sumM += mixed.Effects[0].Sustained.Estimate / companies
	}
	if misses > 1 {
		t.Errorf("%d of %d intervals miss the truth, want at most one", misses, 2*companies)
	}
	want := 0.0
	for _, c := range spec.profile[0] {
		want += c
	}
	if math.Abs(sumM/want-1) > 0.05 {
		t.Errorf("mixed model: mean reimbursement effect %.5f, want within 5 %% of %.4f", sumM, want)
	}
	if math.Abs(sumQ/want-1) <= 0.05 {
		t.Errorf("quarterly model: mean reimbursement effect %.5f within 5 %% of %.4f: the simulation no longer shows the aggregation bias", sumQ, want)
	}
}

// TestFitMixedLayout pins the mixed design on a hand-made case: one scope, a driver that
// steps by one in a single month, and checks which quarters' rows see the step at which
// monthly lag.
func TestFitMixedLayout(t *testing.T) {
	q := &frame{grain: datasets.Quarter, cols: map[string][][]float64{}}
	m := &frame{grain: datasets.Month, cols: map[string][][]float64{}}
	for t := 0; t < 8; t++ {
		q.periods = append(q.periods, datasets.Period{Grain: datasets.Quarter, N: 2020*4 + t})
		q.complete = append(q.complete, true)
	}
	// The monthly panel starts a month late and misses a scope the quarterly one has.
	for t := 1; t < 23; t++ {
		m.periods = append(m.periods, datasets.Period{Grain: datasets.Month, N: 2020*12 + t})
		m.complete = append(m.complete, true)
	}
	q.scopes, m.scopes = []string{"A", "B"}, []string{"B"}
	x := make([]float64, 22)
	for i := range x {
		x[i] = 10
		if i+1 >= 7 { // from 2020-08 on (month index 7 counted from 2020-01)
			x[i] = 11
		}
	}
	m.cols["d"] = [][]float64{x}
	lay := mixedLayout(q, m, 0) // three monthly lags: j = 0, 1, 2
	sp := Spec{Column: "d", Scale: Level}
	out := make([]float64, 3)
	tests := []struct {
		name string
		s, t int
		need bool
		want []float64
	}{
		{"scope missing from the monthly panel", 0, 3, false, nil},
		// 2020Q2 ends in month 5; its lags reach back to month 5−2−3 = 0, before the monthly panel.
		{"months before the monthly panel", 1, 1, false, nil},
		// 2020Q3 ends in month 8 (September): x_8−x_5 = 1, x_7−x_4 = 1, x_6−x_3 = 0.
		{"step in the quarter", 1, 2, true, []float64{1, 1, 0}},
		// 2020Q4 ends in month 11: x_11−x_8 = 0, x_10−x_7 = 0, x_9−x_6 = 1.
		{"step a quarter before", 1, 3, true, []float64{0, 0, 1}},
		{"step long before", 1, 5, true, []float64{0, 0, 0}},
		// 2021Q4 ends in month 23, which the monthly panel (to month 22) does not have.
		{"quarter past the monthly panel", 1, 7, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lay.need(tt.s, tt.t); got != tt.need {
				t.Fatalf("need %v, want %v", got, tt.need)
			}
			if !tt.need {
				return
			}
			lay.changes(sp, tt.s, tt.t, out)
			for j := range out {
				if out[j] != tt.want[j] {
					t.Errorf("changes %v, want %v", out, tt.want)
					break
				}
			}
		})
	}
}

func TestFitMixedBadInput(t *testing.T) {
	qp := &features.Panel{Grain: datasets.Quarter, Level: features.Region}
	mp := &features.Panel{Grain: datasets.Month, Level: features.Region}
	tests := []struct {
		name               string
		quarterly, monthly *features.Panel
		wantErr            string
	}{
		{"nil quarterly", nil, mp, "nil panel"},
		{"nil monthly", qp, nil, "nil panel"},
		{"monthly growth", mp, mp, "growth panel is by month"},
		{"quarterly drivers", qp, qp, "driver panel is by quarter"},
		{"levels differ", qp, &features.Panel{Grain: datasets.Month, Level: features.Team}, "the same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitMixed(context.Background(), tt.quarterly, tt.monthly, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
