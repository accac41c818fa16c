package driver

import (
	"math"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

func meanLog(xs ...float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += math.Log(x)
	}
	return s / float64(len(xs))
}

// TestAttributeArithmetic checks contributions by hand on handModel for 2026Q1 (period 4):
// each driver contributes Σ_l β_l (x_{t−l} − baseline), the baseline being its mean over the
// four quarters before (of logs, for spend).
func TestAttributeArithmetic(t *testing.T) {
	m := handModel()
	q := datasets.Period{Grain: datasets.Quarter, N: 2026 * 4}
	bEast, bWest := meanLog(100, 110, 120, 130), meanLog(300, 290, 310, 305)
	east := map[string]float64{
		"marketing_spend":      0.1*(math.Log(200)-bEast) + 0.2*(math.Log(130)-bEast),
		"first_response_hours": -0.004*(20-24) - 0.001*(24-24),
	}
	west := map[string]float64{
		"marketing_spend":      0.1*(math.Log(300)-bWest) + 0.2*(math.Log(305)-bWest),
		"first_response_hours": 0, // 30 h in 2026Q1 and 2025Q4, baseline (28+30+32+30)/4 = 30
	}
	tests := []struct {
		name     string
		query    Query
		actual   float64
		want     map[string]float64
		baseline map[string]float64 // in the driver's unit
	}{
		{"East", Query{Scope: "East", Period: q, Expected: 1100}, 1000, east,
			map[string]float64{"marketing_spend": math.Exp(bEast), "first_response_hours": 24}},
		{"East with a given response baseline", Query{Scope: "East", Period: q, Expected: 1100, Baseline: map[string]float64{"first_response_hours": 22}}, 1000,
			map[string]float64{"marketing_spend": east["marketing_spend"], "first_response_hours": -0.004*(20-22) - 0.001*(24-22)},
			map[string]float64{"marketing_spend": math.Exp(bEast), "first_response_hours": 22}},
		// A one-step forecast from 2025Q4 carries the drivers of 2025Q4 and 2025Q3: spend 130
		// and 120, response 24 and 26 hours.
		{"East from the forecast origin", Query{Scope: "East", Period: q, Expected: 1100, From: q.Add(-1)}, 1000,
			map[string]float64{
				"marketing_spend":      0.1*(math.Log(200)-math.Log(130)) + 0.2*(math.Log(130)-math.Log(120)),
				"first_response_hours": -0.004*(20-24) - 0.001*(24-26),
			},
			map[string]float64{"marketing_spend": 130, "first_response_hours": 24}},
		// All regions: each region's contribution weighted by its share of 2026Q1 revenue,
		// 1000 and 3000 of 4000.
		{"company", Query{Period: q, Expected: 3700}, 4000, map[string]float64{
			"marketing_spend":      0.25*east["marketing_spend"] + 0.75*west["marketing_spend"],
			"first_response_hours": 0.25*east["first_response_hours"] + 0.75*west["first_response_hours"],
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := m.Attribute(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			gap := math.Log(tt.actual / tt.query.Expected)
			if at.Actual != tt.actual || !closeTo(at.Gap, gap, 1e-12) {
				t.Errorf("actual %g, gap %g; want %g, %g", at.Actual, at.Gap, tt.actual, gap)
			}
			explained := 0.0
			for i, c := range at.Contributions {
				want := tt.want[c.Column]
				checkInterval(t, c.Column, c.Contribution, want)
				explained += want
				if !closeTo(c.Share, want/gap, 1e-12) {
					t.Errorf("%s: share %g, want %g", c.Column, c.Share, want/gap)
				}
				if i > 0 && math.Abs(c.Contribution.Estimate) > math.Abs(at.Contributions[i-1].Contribution.Estimate) {
					t.Errorf("contributions not ranked by size: %s after %s", c.Column, at.Contributions[i-1].Column)
				}
				if b, ok := tt.baseline[c.Column]; ok && !closeTo(c.Baseline, b, 1e-9) {
					t.Errorf("%s: baseline %g, want %g", c.Column, c.Baseline, b)
				}
			}
			checkInterval(t, "explained", at.Explained, explained)
			if !closeTo(at.Unexplained.Estimate, gap-explained, 1e-12) {
				t.Errorf("unexplained %g, want %g", at.Unexplained.Estimate, gap-explained)
			}
			lo, hi := gap-1.475*explained, gap-0.525*explained
			if explained < 0 {
				lo, hi = hi, lo
			}
			if !closeTo(at.Unexplained.Lower, lo, 1e-12) || !closeTo(at.Unexplained.Upper, hi, 1e-12) {
				t.Errorf("unexplained interval [%g, %g], want [%g, %g]", at.Unexplained.Lower, at.Unexplained.Upper, lo, hi)
			}
			if !closeTo(at.ExplainedShare, explained/gap, 1e-12) {
				t.Errorf("explained share %g, want %g", at.ExplainedShare, explained/gap)
			}
		})
	}
}

func TestAttributeLeavesOutUnknownDriver(t *testing.T) {
	m := handModel()
	m.data.cols["first_response_hours"][0][3] = math.NaN() // East 2025Q4: lag 1 of 2026Q1
	at, err := m.Attribute(Query{Scope: "East", Period: datasets.Period{Grain: datasets.Quarter, N: 2026 * 4}, Expected: 1100})
	if err != nil {
		t.Fatal(err)
	}
	if len(at.Contributions) != 1 || at.Contributions[0].Column != "marketing_spend" {
		t.Errorf("contributions %v, want marketing_spend only", at.Contributions)
	}
	if !strings.Contains(strings.Join(at.Notes, "\n"), "driver first_response_hours left out") {
		t.Errorf("notes %q, want first_response_hours left out", at.Notes)
	}
}

func TestAttributeErrors(t *testing.T) {
	q := func(n int) datasets.Period { return datasets.Period{Grain: datasets.Quarter, N: n} }
	q1 := q(2026 * 4)
	tests := []struct {
		name    string
		query   Query
		change  func(m *Model)
		wantErr string
	}{
		{"unknown scope", Query{Scope: "Mars", Period: q1, Expected: 1}, nil, `unknown region "Mars"`},
		{"zero expected", Query{Scope: "East", Period: q1}, nil, "expected revenue 0"},
		{"NaN expected", Query{Scope: "East", Period: q1, Expected: math.NaN()}, nil, "expected revenue NaN"},
		{"baseline for all scopes", Query{Period: q1, Expected: 1, Baseline: map[string]float64{"marketing_spend": 1}}, nil, "one scope only"},
		{"baseline of an unknown driver", Query{Scope: "East", Period: q1, Expected: 1, Baseline: map[string]float64{"nps": 1}}, nil, `baseline: unknown driver "nps"`},
		{"month", Query{Scope: "East", Period: datasets.Period{Grain: datasets.Month, N: 2026 * 12}, Expected: 1}, nil, "the model is by quarter"},
		{"outside", Query{Scope: "East", Period: q(2027 * 4), Expected: 1}, nil, "outside the panel (2025Q1 to 2026Q2)"},
		{"incomplete", Query{Scope: "East", Period: q(2026*4 + 1), Expected: 1}, nil, "not complete"},
		{"no lags before", Query{Scope: "East", Period: q(2025 * 4), Expected: 1}, nil, "fewer than 1 periods before it"},
		{"no revenue", Query{Scope: "East", Period: q1, Expected: 1}, func(m *Model) { m.data.cols[revenueColumn][0][4] = 0 }, "no revenue in 2026Q1"},
		{"from after the period", Query{Scope: "East", Period: q1, Expected: 1, From: q1}, nil, "want a period of the panel before 2026Q1"},
		{"from without lags before it", Query{Scope: "East", Period: q1, Expected: 1, From: q(2025 * 4)}, nil, "from 2025Q1 has fewer than 1 periods before it"},
		{"negative window", Query{Scope: "East", Period: q1, Expected: 1, BaselinePeriods: -1}, nil, "baseline periods -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := handModel()
			if tt.change != nil {
				tt.change(m)
			}
			_, err := m.Attribute(tt.query)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
