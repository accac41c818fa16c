package forecast

import (
	"math"
	"testing"
)

func TestGrowthPointRates(t *testing.T) {
	y := quarterly(24)
	s := Series{Values: y, Period: 4, Start: PeriodIndex{Year: 2019, Sub: 1}}
	r, err := Auto(s, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Growth(s, r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(y)
	for h := 0; h < 6; h++ {
		prev := y[n-1]
		if h > 0 {
			prev = r.Mean[h-1]
		}
		yearAgo := 0.0
		if h < 4 {
			yearAgo = y[n-4+h]
		} else {
			yearAgo = r.Mean[h-4]
		}
		if want := r.Mean[h]/prev - 1; math.Abs(g.PoP[h].Mean-want) > 1e-12 {
			t.Errorf("PoP h=%d: %v, want %v", h+1, g.PoP[h].Mean, want)
		}
		if want := r.Mean[h]/yearAgo - 1; math.Abs(g.YoY[h].Mean-want) > 1e-12 {
			t.Errorf("YoY h=%d: %v, want %v", h+1, g.YoY[h].Mean, want)
		}
		for _, rate := range []Rate{g.PoP[h], g.YoY[h]} {
			if !rate.Defined || len(rate.Intervals) != 2 {
				t.Fatalf("h=%d: rate %+v, want defined with 2 intervals", h+1, rate)
			}
			i80, i95 := rate.Intervals[0], rate.Intervals[1]
			if !(i80.Lower <= rate.Mean && rate.Mean <= i80.Upper && i95.Lower <= i80.Lower && i80.Upper <= i95.Upper) {
				t.Errorf("h=%d: intervals %+v do not nest around %v", h+1, rate.Intervals, rate.Mean)
			}
		}
		if g.PoP[h].Period != r.Periods[h] {
			t.Errorf("period label %q, want %q", g.PoP[h].Period, r.Periods[h])
		}
	}
	// Year-on-year uncertainty grows until one year ahead and is flat after.
	w := func(h int) float64 { return g.YoY[h].Intervals[0].Upper - g.YoY[h].Intervals[0].Lower }
	if !(w(3) > w(0)) {
		t.Errorf("YoY interval at h=4 (%v) not wider than at h=1 (%v)", w(3), w(0))
	}
}

func TestGrowthUndefinedBase(t *testing.T) {
	y := []float64{5, 3, 0, 4, 6, 5, 7, 1, 8, 7, 9, 6}
	tests := []struct {
		name        string
		zeroAt      int // index set to 0, the base of YoY h=1 when len(y)−4
		wantDefined bool
	}{
		{"positive base", -1, true},
		{"zero base", len(y) - 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := append([]float64(nil), y...)
			if tt.zeroAt >= 0 {
				v[tt.zeroAt] = 0
			}
			s := Series{Values: v, Period: 4}
			r, err := Auto(s, Options{Horizon: 5})
			if err != nil {
				t.Fatal(err)
			}
			g, err := Growth(s, r)
			if err != nil {
				t.Fatal(err)
			}
			if g.YoY[0].Defined != tt.wantDefined {
				t.Errorf("YoY h=1 defined = %v, want %v (%+v)", g.YoY[0].Defined, tt.wantDefined, g.YoY[0])
			}
			if !g.PoP[0].Defined { // the last value, 6, is a positive base
				t.Errorf("PoP h=1 undefined")
			}
		})
	}
	if _, err := Growth(Series{Values: y, Period: 4}, nil); err == nil {
		t.Error("Growth(nil result) returned no error")
	}
}
