package adjustment

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Adjustment{Quarter: "2026q4", Revenue: 1.2e6, Note: "  big renewal signed early  "}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Quarter != "2026Q4" || ok.Note != "big renewal signed early" {
		t.Errorf("normalised to %q %q", ok.Quarter, ok.Note)
	}
	zero := Adjustment{Quarter: "2026Q4", Revenue: 0, Note: "region closes"}
	if err := zero.Validate(); err != nil {
		t.Errorf("a zero figure: %v", err)
	}
	for name, tc := range map[string]struct {
		a     Adjustment
		field string
	}{
		"quarter format":  {Adjustment{Quarter: "2026-10", Revenue: 1, Note: "x"}, "quarter"},
		"quarter 5":       {Adjustment{Quarter: "2026Q5", Revenue: 1, Note: "x"}, "quarter"},
		"negative":        {Adjustment{Quarter: "2026Q4", Revenue: -1, Note: "x"}, "revenue"},
		"NaN":             {Adjustment{Quarter: "2026Q4", Revenue: math.NaN(), Note: "x"}, "revenue"},
		"infinite":        {Adjustment{Quarter: "2026Q4", Revenue: math.Inf(1), Note: "x"}, "revenue"},
		"too large":       {Adjustment{Quarter: "2026Q4", Revenue: 2e15, Note: "x"}, "revenue"},
		"no note":         {Adjustment{Quarter: "2026Q4", Revenue: 1, Note: "   "}, "note"},
		"long note":       {Adjustment{Quarter: "2026Q4", Revenue: 1, Note: strings.Repeat("长", MaxNote+1)}, "note"},
		"control in note": {Adjustment{Quarter: "2026Q4", Revenue: 1, Note: "a\x00b"}, "note"},
		"newline in note": {Adjustment{Quarter: "2026Q4", Revenue: 1, Note: "a\nb"}, "note"},
		"invalid UTF-8":   {Adjustment{Quarter: "2026Q4", Revenue: 1, Note: "a\xffb"}, "note"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.a.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("err %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
	long := Adjustment{Quarter: "2026Q4", Revenue: 1, Note: strings.Repeat("长", MaxNote)}
	if err := long.Validate(); err != nil {
		t.Errorf("a note of exactly %d characters: %v", MaxNote, err)
	}
}

func TestWindow(t *testing.T) {
	periods := []string{"2026Q4", "2027Q1", "2027Q2", "2027Q3"}
	if err := Window("2027Q1", "2026Q3", periods); err != nil {
		t.Errorf("a forecast quarter: %v", err)
	}
	for q, want := range map[string]string{"2026Q3": "in the past", "2025Q1": "in the past", "2027Q4": "beyond the forecast"} {
		if err := Window(q, "2026Q3", periods); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
	}
	if err := Window("2026Q4", "2026Q3", nil); err == nil {
		t.Error("no forecast: want an error")
	}
}

func TestID(t *testing.T) {
	for _, tc := range []struct{ scope, want string }{
		{"company", "2026Q4.company"},
		{"region:East", "2026Q4.region.East"},
		{"team:east-sales-01", "2026Q4.team.east-sales-01"},
	} {
		if got := ID(tc.scope, "2026Q4"); got != tc.want {
			t.Errorf("ID(%s) = %s, want %s", tc.scope, got, tc.want)
		}
	}
	a, b := ID("team:Cara Losch", "2026Q4"), ID("team:Cara Lösch", "2026Q4")
	if a == b || !strings.HasPrefix(a, "2026Q4.team.h-") || len(a) > 64 {
		t.Errorf("hashed ids %s %s: want distinct, prefixed and short", a, b)
	}
	if ID("team:"+strings.Repeat("x", 200), "2026Q4") == ID("team:"+strings.Repeat("x", 201), "2026Q4") {
		t.Error("long ids collide")
	}
}

// Current keeps the newest version of each scope and quarter and drops withdrawn ones; Track
// scores those whose quarter has an actual, against the model's figure stored with them.
func TestCurrentAndTrack(t *testing.T) {
	all := []Adjustment{
		{Scope: "region:East", Quarter: "2026Q4", Revenue: 120, ModelRevenue: 100, Version: 2, Note: "second"},
		{Scope: "region:East", Quarter: "2026Q4", Revenue: 90, ModelRevenue: 100, Version: 1},
		{Scope: "company", Quarter: "2027Q1", Revenue: 500, ModelRevenue: 450, Version: 1},
		{Scope: "company", Quarter: "2026Q4", Revenue: 400, Version: 1},
		{Scope: "company", Quarter: "2026Q4", Withdrawn: true, Version: 2},
		{Scope: "team:a", Quarter: "2026Q4", Revenue: 10, ModelRevenue: 12, Version: 1},
	}
	cur := Current(all)
	var got []string
	for _, a := range cur {
		got = append(got, a.Scope+" "+a.Quarter)
	}
	if strings.Join(got, ", ") != "company 2027Q1, region:East 2026Q4, team:a 2026Q4" {
		t.Fatalf("current: %v", got)
	}
	if a, ok := For(cur, "region:East", "2026Q4"); !ok || a.Revenue != 120 {
		t.Errorf("For: %+v %v", a, ok)
	}
	actuals := map[string]float64{"region:East 2026Q4": 110, "team:a 2026Q4": 0}
	os := Track(cur, func(scope, q string) (float64, bool) { y, ok := actuals[scope+" "+q]; return y, ok })
	if len(os) != 1 {
		t.Fatalf("outcomes %+v, want region:East only (company 2027Q1 has no actual, team:a an actual of 0)", os)
	}
	o := os[0]
	if math.Abs(o.ModelError-(100-110)/110.0) > 1e-12 || math.Abs(o.AdjustedError-(120-110)/110.0) > 1e-12 || o.Note != "second" {
		t.Errorf("outcome %+v", o)
	}
	s := Summarize(append(os, Outcome{ModelError: 0.2, AdjustedError: -0.05}))
	if s.Quarters != 2 || math.Abs(s.ModelMAPE-(10/110.0+0.2)/2) > 1e-12 || math.Abs(s.AdjustedMAPE-(10/110.0+0.05)/2) > 1e-12 || s.AdjustedNearer != 1 {
		t.Errorf("summary %+v", s)
	}
	if s := Summarize(nil); s.Quarters != 0 || !math.IsNaN(s.ModelMAPE) {
		t.Errorf("empty summary %+v", s)
	}
}

// TestSummarySentence: the API and the CLI print this one sentence; its figures are plain
// percents of the outcomes' mean absolute errors, by hand: model |−10 %|, |+20 %| → 15 %;
// adjusted |−5 %|, |+30 %| → 17.5 %; the adjustment nearer in one quarter of two.
func TestSummarySentence(t *testing.T) {
	s := Summarize([]Outcome{{ModelError: -0.10, AdjustedError: -0.05}, {ModelError: 0.20, AdjustedError: 0.30}})
	want := "in 2 quarters with a manager's adjustment, the adjusted figure was off by 17.5 % on average and the model's by 15 %; the adjustment was nearer the actual in 1"
	if got := s.String(); got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	if got := Summarize([]Outcome{{ModelError: 0.1, AdjustedError: 0.2}}).String(); !strings.HasPrefix(got, "in 1 quarter with") {
		t.Errorf("one quarter: %q", got)
	}
}
