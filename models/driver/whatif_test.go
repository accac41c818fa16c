package driver

import (
	"math"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

// handModel is a model with known coefficients on a small frame: marketing spend (Log) with
// lag effects 0.1 and 0.2, first response (Level) with −0.004 and −0.001 per hour, two
// regions over 2025Q1–2026Q2 (the last quarter incomplete). Its 101 bootstrap replicates are
// the coefficients times 1+δ, δ = −0.5, −0.49, …, 0.5, so every interval of a quantity q that
// is linear in the coefficients is [0.525·q, 1.475·q] (for q > 0): the 2.5 % and 97.5 %
// type-7 quantiles of 1+δ are 0.525 and 1.475.
func handModel() *Model {
	q0 := datasets.Period{Grain: datasets.Quarter, N: 2025 * 4}
	f := &frame{grain: datasets.Quarter, level: "region", scopes: []string{"East", "West"}, cols: map[string][][]float64{}}
	for t := 0; t < 6; t++ {
		f.periods = append(f.periods, q0.Add(t))
		f.complete = append(f.complete, t < 5)
	}
	f.cols[revenueColumn] = [][]float64{{900, 950, 1000, 980, 1000, 400}, {2800, 2900, 3100, 2950, 3000, 1200}}
	f.cols["marketing_spend"] = [][]float64{{100, 110, 120, 130, 200, 90}, {300, 290, 310, 305, 300, 150}}
	f.cols["first_response_hours"] = [][]float64{{24, 22, 26, 24, 20, 21}, {28, 30, 32, 30, 30, math.NaN()}}
	m := &Model{
		Grain: datasets.Quarter, ScopeLevel: "region", Lags: 1, Level: 0.95, data: f,
		Effects: []Effect{
			{Spec: Spec{Column: "marketing_spend", Role: "gm", Scale: Log, Unit: "currency"}},
			{Spec: Spec{Column: "first_response_hours", Role: "customer_service", Scale: Level, Unit: "hours"}},
		},
		coef:  []float64{0.1, 0.2, -0.004, -0.001},
		Notes: []string{"driver supply_lead_days dropped: not in the panel"},
	}
	for k := 0; k <= 100; k++ {
		d := 1 + (float64(k)-50)/100
		c := make([]float64, len(m.coef))
		for i, v := range m.coef {
			c[i] = v * d
		}
		m.draws = append(m.draws, c)
	}
	return m
}

// checkInterval compares an interval with the estimate want and the hand model's spread.
func checkInterval(t *testing.T, name string, got Interval, want float64) {
	t.Helper()
	lo, hi := 0.525*want, 1.475*want
	if want < 0 {
		lo, hi = hi, lo
	}
	if !closeTo(got.Estimate, want, 1e-12) || !closeTo(got.Lower, lo, 1e-12) || !closeTo(got.Upper, hi, 1e-12) {
		t.Errorf("%s: got %.10g [%.10g, %.10g], want %.10g [%.10g, %.10g]", name, got.Estimate, got.Lower, got.Upper, want, lo, hi)
	}
}

func TestWhatIfArithmetic(t *testing.T) {
	m := handModel()
	ln115 := math.Log(1.15)
	tests := []struct {
		name    string
		sc      Scenario
		from    []float64 // current level of each change's driver
		delta   []float64 // on the model's scale
		growth0 float64
		growth1 float64
	}{
		{"East: spend +15 %, response −50 % (20 h in 2026Q1 → −10 h)",
			Scenario{Scope: "East", Changes: []Change{{"marketing_spend", 0.15, true}, {"first_response_hours", -0.5, true}}},
			[]float64{200, 20}, []float64{ln115, -10}, 0.1*ln115 + 0.04, 0.2*ln115 + 0.01},
		{"East: spend +100 currency (200 → 300), response −3 hours",
			Scenario{Scope: "East", Changes: []Change{{"marketing_spend", 100, false}, {"first_response_hours", -3, false}}},
			[]float64{200, 20}, []float64{math.Log(1.5), -3}, 0.1*math.Log(1.5) + 0.012, 0.2*math.Log(1.5) + 0.003},
		// All regions: spend adds up (200 + 300); hours are revenue-weighted,
		// (20·1000 + 30·3000) / 4000 = 27.5.
		{"company: spend −10 %, response +20 %",
			Scenario{Changes: []Change{{"marketing_spend", -0.1, true}, {"first_response_hours", 0.2, true}}},
			[]float64{500, 27.5}, []float64{math.Log(0.9), 5.5}, 0.1*math.Log(0.9) - 0.022, 0.2*math.Log(0.9) - 0.0055},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := m.WhatIf(tt.sc)
			if err != nil {
				t.Fatal(err)
			}
			sustained := 0.0
			for i, ap := range out.Changes {
				if !closeTo(ap.From, tt.from[i], 1e-12) || !closeTo(ap.Delta, tt.delta[i], 1e-12) {
					t.Errorf("%s: from %g, delta %g; want from %g, delta %g", ap.Column, ap.From, ap.Delta, tt.from[i], tt.delta[i])
				}
				if ap.AsOf.String() != "2026Q1" {
					t.Errorf("%s: level as of %s, want 2026Q1 (the last complete quarter)", ap.Column, ap.AsOf)
				}
				want := sumLags(m.coef, i, 2) * tt.delta[i]
				checkInterval(t, ap.Column, ap.Sustained, want)
				sustained += want
			}
			if len(out.Growth) != 2 {
				t.Fatalf("growth path of %d periods, want 2 (lags 0 and 1)", len(out.Growth))
			}
			if !closeTo(out.Growth[0].Estimate, tt.growth0, 1e-12) || !closeTo(out.Growth[1].Estimate, tt.growth1, 1e-12) {
				t.Errorf("growth path %g, %g; want %g, %g", out.Growth[0].Estimate, out.Growth[1].Estimate, tt.growth0, tt.growth1)
			}
			checkInterval(t, "sustained", out.Sustained, sustained)
			if !closeTo(out.Sustained.Estimate, out.Growth[0].Estimate+out.Growth[1].Estimate, 1e-12) {
				t.Errorf("sustained %g is not the sum of the growth path", out.Sustained.Estimate)
			}
			if got, want := out.SustainedPercent.Estimate, math.Expm1(sustained); !closeTo(got, want, 1e-12) {
				t.Errorf("sustained percent %g, want %g", got, want)
			}
		})
	}
}

func TestWhatIfErrors(t *testing.T) {
	m := handModel()
	tests := []struct {
		name    string
		sc      Scenario
		wantErr string
	}{
		{"no changes", Scenario{Scope: "East"}, "no changes"},
		{"unknown scope", Scenario{Scope: "Mars", Changes: []Change{{"marketing_spend", 0.1, true}}}, `unknown region "Mars": the panel has East, West`},
		{"unknown driver", Scenario{Changes: []Change{{"nps", 1, false}}}, `unknown driver "nps": the model's drivers are marketing_spend, first_response_hours`},
		{"mediator", Scenario{Changes: []Change{{"win_rate", 0.1, true}}}, "win_rate is a mediator"},
		{"outcome", Scenario{Changes: []Change{{"revenue", 0.1, true}}}, "revenue is the outcome, not a driver"},
		{"dropped driver", Scenario{Changes: []Change{{"supply_lead_days", -2, false}}}, "supply_lead_days is not in the model (dropped: not in the panel)"},
		{"twice", Scenario{Changes: []Change{{"marketing_spend", 0.1, true}, {"marketing_spend", 0.2, true}}}, "changed twice"},
		{"spend to zero", Scenario{Changes: []Change{{"marketing_spend", -1, true}}}, "to zero or below"},
		{"spend below zero", Scenario{Scope: "East", Changes: []Change{{"marketing_spend", -250, false}}}, "from 200 to zero or below"},
		{"negative hours", Scenario{Scope: "East", Changes: []Change{{"first_response_hours", -25, false}}}, "from 20 to -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.WhatIf(tt.sc)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	// A relative change needs a known level; an absolute one does not.
	for t2 := range m.data.periods {
		m.data.cols["first_response_hours"][0][t2] = math.NaN()
	}
	if _, err := m.WhatIf(Scenario{Scope: "East", Changes: []Change{{"first_response_hours", -0.5, true}}}); err == nil || !strings.Contains(err.Error(), "no known level") {
		t.Errorf("relative change with no known level: got %v, want a no-known-level error", err)
	}
	if _, err := m.WhatIf(Scenario{Scope: "East", Changes: []Change{{"first_response_hours", -2, false}}}); err != nil {
		t.Errorf("absolute change with no known level: %v", err)
	}
}

func TestParseChange(t *testing.T) {
	tests := []struct {
		in      string
		want    Change
		wantErr bool
	}{
		{"marketing_spend=+15%", Change{"marketing_spend", 0.15, true}, false},
		{"first_response_hours=-50%", Change{"first_response_hours", -0.5, true}, false},
		{"supply_lead_days=-2", Change{"supply_lead_days", -2, false}, false},
		{" sales_headcount = 5 ", Change{"sales_headcount", 5, false}, false},
		{"reimbursement_days=-12.5 %", Change{"reimbursement_days", -0.125, true}, false},
		{"marketing_spend", Change{}, true},
		{"=15%", Change{}, true},
		{"marketing_spend=", Change{}, true},
		{"marketing_spend=lots", Change{}, true},
		{"marketing_spend=NaN%", Change{}, true},
		{"marketing_spend=Inf", Change{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseChange(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (got.Driver != tt.want.Driver || got.Relative != tt.want.Relative || !closeTo(got.Value, tt.want.Value, 1e-15)) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if !tt.wantErr {
				back, err := ParseChange(got.String())
				if err != nil || !closeTo(back.Value, got.Value, 1e-12) || back.Relative != got.Relative {
					t.Errorf("String() %q does not parse back: %+v, %v", got.String(), back, err)
				}
			}
		})
	}
}
