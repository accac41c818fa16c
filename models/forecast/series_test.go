package forecast

import (
	"errors"
	"math"
	"testing"
)

func TestSeriesValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Series
		want error
	}{
		{"ok", Series{Values: []float64{1, 2, 3}, Period: 4}, nil},
		{"too short", Series{Values: []float64{1}, Period: 4}, ErrTooShort},
		{"empty", Series{Period: 4}, ErrTooShort},
		{"NaN", Series{Values: []float64{1, math.NaN(), 3}, Period: 4}, ErrNonFinite},
		{"+Inf", Series{Values: []float64{1, 2, math.Inf(1)}, Period: 4}, ErrNonFinite},
		{"-Inf", Series{Values: []float64{math.Inf(-1), 2, 3}, Period: 1}, ErrNonFinite},
		{"period 0", Series{Values: []float64{1, 2, 3}}, ErrPeriod},
		{"negative values are fine", Series{Values: []float64{-1, 0, 3}, Period: 4}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate(2)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPeriodIndex(t *testing.T) {
	tests := []struct {
		p      PeriodIndex
		k, per int
		want   PeriodIndex
		label  string
	}{
		{PeriodIndex{2024, 3}, 1, 4, PeriodIndex{2024, 4}, "2024Q4"},
		{PeriodIndex{2024, 4}, 1, 4, PeriodIndex{2025, 1}, "2025Q1"},
		{PeriodIndex{2024, 1}, -1, 4, PeriodIndex{2023, 4}, "2023Q4"},
		{PeriodIndex{2024, 2}, 9, 4, PeriodIndex{2026, 3}, "2026Q3"},
		{PeriodIndex{2024, 12}, 1, 12, PeriodIndex{2025, 1}, "2025-01"},
		{PeriodIndex{2024, 1}, -13, 12, PeriodIndex{2022, 12}, "2022-12"},
	}
	for _, tt := range tests {
		got := tt.p.Add(tt.k, tt.per)
		if got != tt.want {
			t.Errorf("%v.Add(%d, %d) = %v, want %v", tt.p, tt.k, tt.per, got, tt.want)
		}
		if s := got.String(tt.per); s != tt.label {
			t.Errorf("String = %q, want %q", s, tt.label)
		}
	}
}

func TestFromPeriods(t *testing.T) {
	q := func(y, s int) PeriodIndex { return PeriodIndex{Year: y, Sub: s} }
	tests := []struct {
		name    string
		periods []PeriodIndex
		want    error
	}{
		{"consecutive across a year", []PeriodIndex{q(2023, 3), q(2023, 4), q(2024, 1)}, nil},
		{"gap", []PeriodIndex{q(2023, 3), q(2024, 1), q(2024, 2)}, ErrGap},
		{"repeat", []PeriodIndex{q(2023, 3), q(2023, 3), q(2023, 4)}, ErrGap},
		{"out of order", []PeriodIndex{q(2023, 4), q(2023, 3), q(2024, 1)}, ErrGap},
		{"quarter 5", []PeriodIndex{q(2023, 5), q(2024, 1), q(2024, 2)}, ErrGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := FromPeriods(tt.periods, []float64{1, 2, 3}, 4)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("FromPeriods = %v, want %v", err, tt.want)
			}
			if err == nil && s.Start != tt.periods[0] {
				t.Errorf("Start = %v, want %v", s.Start, tt.periods[0])
			}
		})
	}
	if _, err := FromPeriods([]PeriodIndex{q(2023, 1)}, []float64{1, 2}, 4); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestIsSeasonal(t *testing.T) {
	seasonal := make([]float64, 24)
	flat := make([]float64, 24)
	for i := range seasonal {
		seasonal[i] = 100 + 10*float64(i%4) + 0.1*float64(i)
		flat[i] = 100 + float64(i) + 3*math.Sin(float64(i)*1.7)
	}
	tests := []struct {
		name string
		y    []float64
		m    int
		want bool
	}{
		{"strong quarterly pattern", seasonal, 4, true},
		{"trend with noise", flat, 4, false},
		{"shorter than 3 cycles", seasonal[:11], 4, false},
		{"period 1", seasonal, 1, false},
		{"constant", make([]float64, 24), 4, false},
	}
	for _, tt := range tests {
		if got := IsSeasonal(tt.y, tt.m); got != tt.want {
			t.Errorf("%s: IsSeasonal = %v, want %v", tt.name, got, tt.want)
		}
	}
}
