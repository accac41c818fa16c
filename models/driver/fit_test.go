package driver

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFitBadInput(t *testing.T) {
	ok := func() *frame { return simulate(companyLike(), rand.New(rand.NewPCG(1, 1))) }
	tests := []struct {
		name    string
		frame   func() *frame
		opt     Options
		wantErr string
	}{
		{"no revenue", func() *frame { f := ok(); delete(f.cols, revenueColumn); return f }, Options{}, "no revenue column"},
		{"no driver in the panel", ok, Options{Drivers: []Spec{{Column: "nps", Scale: Level}}}, "no driver is usable"},
		{"too few observations", func() *frame { s := companyLike(); s.periods = 7; return simulate(s, rand.New(rand.NewPCG(1, 1))) }, Options{}, "too few observations: 20 scope-periods"},
		{"too few periods", func() *frame {
			s := companyLike()
			s.scopes, s.periods = 30, 8
			return simulate(s, rand.New(rand.NewPCG(1, 1)))
		}, Options{}, "too few periods: 6 periods"},
		{"lags", ok, Options{Lags: 9}, "lags 9"},
		{"l1 ratio", ok, Options{L1Ratio: 1.5}, "l1 ratio 1.5"},
		{"replicates", ok, Options{Replicates: 10}, "replicates 10"},
		{"level", ok, Options{Level: 1.2}, "level 1.2"},
		{"weighting", ok, Options{Weighting: "deals"}, `weighting "deals"`},
		{"shrink", ok, Options{Shrink: "some"}, `shrink "some"`},
		{"negative penalty", ok, Options{Penalties: []float64{1, -1}}, "penalty -1"},
		{"NaN penalty", ok, Options{Penalties: []float64{math.NaN()}}, "penalty NaN"},
		{"duplicate driver", ok, Options{Drivers: []Spec{{Column: "a", Scale: Log}, {Column: "a", Scale: Log}}}, "listed twice"},
		{"empty driver", ok, Options{Drivers: []Spec{{Scale: Log}}}, "driver column is empty"},
		{"bad scale", ok, Options{Drivers: []Spec{{Column: "a", Scale: "sqrt"}}}, `scale "sqrt"`},
		// The Maven CRM import has no driver table and a flat headcount: the reasons are
		// sentences joined by "; " (they were printed as a Go slice, "[driver … driver …]").
		{"no driver moves", func() *frame {
			f := ok()
			for _, c := range []string{"marketing_spend", "first_response_hours", "reimbursement_days"} {
				delete(f.cols, c)
			}
			for s := range f.scopes {
				for t := range f.periods {
					f.cols["supply_lead_days"][s][t] = 7
					f.cols["sales_headcount"][s][t] = 10
				}
			}
			return f
		}, Options{}, "no driver moves: driver marketing_spend dropped: not in the data (the table it is measured from is absent); driver reimbursement_days dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.Replicates = max(opt.Replicates, 0)
			if opt.Replicates == 0 {
				opt.Replicates = 100
			}
			_, err := fitFrame(tt.frame(), opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
			// The first four are the data's fault (training skips the model with a warning);
			// the options' faults fail a training run.
			data := strings.HasPrefix(tt.wantErr, "no ") || strings.HasPrefix(tt.wantErr, "too few")
			if got := errors.Is(err, ErrNotEnoughData); got != data {
				t.Errorf("errors.Is(err, ErrNotEnoughData) = %v, want %v", got, data)
			}
		})
	}
	if _, err := Fit(context.Background(), nil, Options{}); err == nil {
		t.Errorf("nil panel: want an error")
	}
}

// TestFitHandlesMissingData checks what happens to drivers and rows the data cannot support.
func TestFitHandlesMissingData(t *testing.T) {
	spec := companyLike()
	base := func() *frame { return simulate(spec, rand.New(rand.NewPCG(2, 1))) }
	full, err := fitFrame(base(), Options{Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	// 4 scopes × (20 periods − 2: growth needs t−1, lag 1 needs t−2).
	if full.Observations != 72 {
		t.Fatalf("full panel: %d rows, want 72", full.Observations)
	}
	tests := []struct {
		name      string
		change    func(f *frame)
		wantRows  int
		wantNote  string
		wantNames []string
	}{
		{"missing column", func(f *frame) { delete(f.cols, "supply_lead_days") }, 72,
			"driver supply_lead_days dropped: not in the data",
			[]string{"marketing_spend", "sales_headcount", "reimbursement_days", "first_response_hours"}},
		{"mostly unknown driver", func(f *frame) {
			for s := range f.scopes {
				for t := 0; t < 14; t++ {
					f.cols["reimbursement_days"][s][t] = math.NaN()
				}
			}
		}, 72, "driver reimbursement_days dropped: its changes are missing in",
			[]string{"marketing_spend", "sales_headcount", "supply_lead_days", "first_response_hours"}},
		{"driver that never moves", func(f *frame) {
			for s := range f.scopes {
				for t := range f.periods {
					f.cols["first_response_hours"][s][t] = 24
				}
			}
		}, 72, "driver first_response_hours dropped: it never moves",
			[]string{"marketing_spend", "sales_headcount", "reimbursement_days", "supply_lead_days"}},
		// An unknown cell in period 10 of scope 0 removes that scope's rows for periods 10
		// (its own change), 11 (its change, and lag 1 of the change into 11) and 12 (lag 1).
		{"one unknown cell", func(f *frame) { f.cols["supply_lead_days"][0][10] = math.NaN() }, 69,
			"3 scope-periods left out", nil},
		{"zero spend", func(f *frame) { f.cols["marketing_spend"][1][5] = 0 }, 69,
			"3 scope-periods left out", nil},
		{"incomplete last period", func(f *frame) { f.complete[19] = false }, 68, "", nil},
		{"incomplete first period", func(f *frame) { f.complete[0] = false }, 68, "", nil},
		{"a scope without revenue in one period", func(f *frame) { f.cols[revenueColumn][3][8] = 0 }, 70, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			tt.change(f)
			m, err := fitFrame(f, Options{Replicates: 100})
			if err != nil {
				t.Fatal(err)
			}
			if m.Observations != tt.wantRows {
				t.Errorf("%d rows, want %d", m.Observations, tt.wantRows)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(m.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q, want one containing %q", m.Notes, tt.wantNote)
			}
			if tt.wantNames != nil {
				var got []string
				for _, e := range m.Effects {
					got = append(got, e.Column)
				}
				if strings.Join(got, ",") != strings.Join(tt.wantNames, ",") {
					t.Errorf("drivers %v, want %v", got, tt.wantNames)
				}
			}
		})
	}
}

// TestFitCollinearDrivers gives the model the same driver twice under two names: it must say
// so, still fit, and split the effect so that the two add up to it.
func TestFitCollinearDrivers(t *testing.T) {
	spec := companyLike()
	spec.scopes, spec.periods = 8, 32
	f := simulate(spec, rand.New(rand.NewPCG(6, 1)))
	f.cols["supply_copy"] = f.cols["supply_lead_days"]
	specs := append(DefaultSpecs(), Spec{Column: "supply_copy", Role: "procurement", Scale: Level})
	m, err := fitFrame(f, Options{Drivers: specs, Replicates: 200})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(m.Notes, "\n")
	for _, want := range []string{"drivers supply_lead_days and supply_copy move together", "sustained changes are collinear"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q, want one containing %q", m.Notes, want)
		}
	}
	if m.Shrink != ShrinkAll {
		t.Errorf("shrink %q, want %q after the fallback", m.Shrink, ShrinkAll)
	}
	sum := m.Effects[3].Sustained.Estimate + m.Effects[5].Sustained.Estimate
	if want := -0.025; math.Abs(sum-want) > 0.01 {
		t.Errorf("joint supply effect %.4f, want about %.4f", sum, want)
	}
}

// TestFitRecoversSimulatedEffects fits a large panel that follows the model exactly: every
// driver's 95 % interval must hold its true sustained effect and the estimate have its sign.
func TestFitRecoversSimulatedEffects(t *testing.T) {
	spec := companyLike()
	spec.scopes, spec.periods = 16, 40
	for _, shrink := range []string{ShrinkShape, ShrinkAll} {
		t.Run(shrink, func(t *testing.T) {
			m, err := fitFrame(simulate(spec, rand.New(rand.NewPCG(8, 1))), Options{Shrink: shrink, Replicates: 500})
			if err != nil {
				t.Fatal(err)
			}
			for j, e := range m.Effects {
				want := spec.beta[j][0] + spec.beta[j][1]
				s := e.Sustained
				if s.Lower > want || s.Upper < want || s.Estimate*want <= 0 {
					t.Errorf("%s: %.4f [%.4f, %.4f], want the interval to hold %.4f and the sign to match", e.Column, s.Estimate, s.Lower, s.Upper, want)
				}
				if len(e.Lags) != 2 || !closeTo(e.Lags[0].Estimate+e.Lags[1].Estimate, s.Estimate, 1e-12) {
					t.Errorf("%s: lags %v do not add up to the sustained effect %g", e.Column, e.Lags, s.Estimate)
				}
			}
		})
	}
}

func TestFitNotesMediators(t *testing.T) {
	f := simulate(companyLike(), rand.New(rand.NewPCG(9, 1)))
	f.cols["win_rate"] = f.cols["supply_lead_days"]
	specs := append(DefaultSpecs()[:3], Spec{Column: "win_rate", Role: "sales", Scale: Level})
	m, err := fitFrame(f, Options{Drivers: specs, Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Notes, "\n"), "driver win_rate is a mediator") {
		t.Errorf("notes %q, want the mediator warning", m.Notes)
	}
}
